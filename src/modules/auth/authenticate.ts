import { execute, queryMaybeOne, queryRows } from '../../db/sql';
import { sqlLiteral, type BeginOptions, type TenantTransaction } from '../../db/tenant';
import { unauthenticated } from '../../graphql/errors';
import { ApiKeyScope, lowerRole, type NetworkRole, type Principal } from '../../graphql/principal';
import { API_KEY_PREFIX, hashSecret } from './api-key.service';
import { memberTokenRefusal, REVOKED_API_KEY_MESSAGE } from './credential-problem';
import type { MemberTokenClaims, MemberTokens } from './member-token';

export interface Authenticated {
  networkId: string;
  principal: Principal;
  /** When a member token's `exp` passes (WebSocket connections close then); undefined for API keys. */
  expiresAt?: Date;
}

/** How often `lastUsedAt` is written at most, so that busy keys do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** A credential read from the `Authorization` header; member tokens are already verified (no database needed). */
export type Credential = { kind: 'API_KEY'; secret: string; hash: string } | { kind: 'MEMBER'; claims: MemberTokenClaims };

/** The SHA-256 hash of an API key's secret (what is stored and looked up); undefined for member tokens. */
export const apiKeyHash = (credential: Credential): string | undefined => (credential.kind === 'API_KEY' ? credential.hash : undefined);

/**
 * Reads the `Authorization` header. Member tokens are verified here, before any database work, so the
 * request transaction can start with the token's network already set.
 */
export async function readCredential(authorization: string | undefined, tokens: MemberTokens): Promise<Credential> {
  if (!authorization) throw unauthenticated('Missing credentials: send "Authorization: Bearer <API key or member token>"');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated('Malformed Authorization header: expected "Bearer <API key or member token>"');
  const credential = match[1];
  if (credential.startsWith(API_KEY_PREFIX)) return { kind: 'API_KEY', secret: credential, hash: hashSecret(credential) };
  if (credential.split('.').length === 3) {
    const claims = await tokens.verify(credential);
    if (!claims) throw unauthenticated(memberTokenRefusal(credential));
    return { kind: 'MEMBER', claims };
  }
  throw unauthenticated('Malformed credentials: not an API key or a member token');
}

/** The network a credential is known to belong to before the database is asked (member tokens), else null. */
export const credentialNetwork = (credential: Credential): string | null => (credential.kind === 'MEMBER' ? credential.claims.networkId : null);

/**
 * What the request transaction sends with BEGIN for this credential (one round trip): the member lookup
 * for member tokens (their network is already known), the key's hash for API keys (its lookup policy).
 */
export function beginOptions(credential: Credential): BeginOptions {
  if (credential.kind === 'API_KEY') return { settings: { 'app.api_key_hash': credential.hash } };
  const { networkId, memberId, issuerKeyId } = credential.claims;
  // The member with its current role (an erased member is no member: its tokens die at once), and the key that
  // issued the token (still live, still allowed to issue?).
  return {
    firstQuery: `SELECT m.id, m.role, k.id AS key_id, k.revoked_at AS key_revoked_at, k.scopes AS key_scopes,
                        k.member_token_max_role AS key_max_role, k.trusted_documents_only AS key_trusted_only
                 FROM members m LEFT JOIN api_keys k ON k.network_id = m.network_id AND k.id = ${issuerKeyId ? sqlLiteral(issuerKeyId) : 'NULL'}::uuid
                 WHERE m.network_id = ${sqlLiteral(networkId)} AND m.id = ${sqlLiteral(memberId)} AND m.erased_at IS NULL`,
  };
}

/**
 * Turns a credential into the caller's network and principal, inside the request's transaction, and sets
 * `app.network_id` from the credential. Never from an argument.
 */
export async function authenticate(tx: TenantTransaction & { firstRows: Array<Record<string, unknown>> }, credential: Credential): Promise<Authenticated> {
  return credential.kind === 'API_KEY' ? authenticateApiKey(tx, credential.hash) : authenticateMember(tx, credential.claims);
}

/** The transaction was opened with `app.api_key_hash` set (beginOptions): its lookup policy shows exactly this key. */
async function authenticateApiKey(tx: TenantTransaction, hash: string): Promise<Authenticated> {
  // One statement: read the key, clear the hash setting and, for a live key, set the network.
  const key = await queryMaybeOne<KeyRow & { network_id: string; revoked_at: Date | null; last_used_at: Date | null }>(
    tx.manager,
    `SELECT id, network_id, scopes, member_token_max_role, trusted_documents_only, revoked_at, last_used_at,
            set_config('app.api_key_hash', '', true) AS _cleared,
            CASE WHEN revoked_at IS NULL THEN set_config('app.network_id', network_id::text, true) END AS _network
     FROM api_keys WHERE secret_hash = $1`,
    [hash],
  );
  if (!key) throw unauthenticated('Invalid API key');
  if (key.revoked_at) throw unauthenticated(REVOKED_API_KEY_MESSAGE);
  if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    // SKIP LOCKED: when a concurrent request of the same key is already writing it, this one does not queue behind
    // that request's whole transaction (its row lock lasts until it ends) for a once-a-minute timestamp.
    await execute(
      tx.manager,
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = (SELECT id FROM api_keys WHERE id = $1 AND network_id = $2 FOR UPDATE SKIP LOCKED)`,
      [key.id, key.network_id],
    );
  }
  return { networkId: key.network_id, principal: apiKeyPrincipal(key) };
}

/** The columns of an API key that make its principal. */
interface KeyRow {
  id: string;
  scopes: ApiKeyScope[];
  member_token_max_role: NetworkRole;
  trusted_documents_only: boolean;
}

/** The principal of a live (not revoked) API key row. */
const apiKeyPrincipal = (key: KeyRow): Principal => ({
  kind: 'API_KEY',
  apiKeyId: key.id,
  scopes: new Set(key.scopes),
  memberTokenMaxRole: key.member_token_max_role,
  ...(key.trusted_documents_only && { trustedDocumentsOf: key.id }),
});

/** The issuing key of a member token as read with the member (null columns: no such key, or a token without one). */
interface IssuerRow {
  key_id: string | null;
  key_revoked_at: Date | null;
  key_scopes: ApiKeyScope[] | null;
  key_max_role: NetworkRole | null;
  key_trusted_only: boolean | null;
}

/**
 * The principal of a member token: the member's current role, capped by the token's narrowing and by what its
 * issuing key allows now. Null when the issuing key was revoked or may no longer issue tokens (the token dies with it).
 */
function memberPrincipal(
  member: { id: string; role: NetworkRole },
  claims: Pick<MemberTokenClaims, 'issuerKeyId' | 'roleCap' | 'readOnly'>,
  issuer: IssuerRow,
): Principal | null {
  let roleCap = claims.roleCap;
  let trustedDocumentsOf: string | undefined;
  if (claims.issuerKeyId) {
    if (!issuer.key_id || issuer.key_revoked_at || !issuer.key_scopes?.includes(ApiKeyScope.ISSUE_MEMBER_TOKENS)) return null;
    roleCap = lowerRole(roleCap, issuer.key_max_role!);
    if (issuer.key_trusted_only) trustedDocumentsOf = issuer.key_id;
  }
  return {
    kind: 'MEMBER',
    memberId: member.id,
    role: lowerRole(member.role, roleCap),
    roleCap,
    readOnly: claims.readOnly,
    ...(claims.issuerKeyId && { issuerKeyId: claims.issuerKeyId }),
    ...(trustedDocumentsOf && { trustedDocumentsOf }),
  };
}

/**
 * Checks again, in one statement, callers authenticated earlier in `networkId` (the subscribers of a live
 * update, src/http/websocket.ts): the same rules as `authenticate` — a member token's member must still exist and not be erased (its
 * role is read again, with the token's caps) and its issuing key must still allow it; an API key must not be
 * revoked (its scopes are read again). The transaction must be a tenant transaction of `networkId`. Token
 * expiry is the caller's (it is known without the database). Returns each caller's current principal; a caller
 * no longer valid gets undefined.
 */
export async function reauthenticate(
  tx: TenantTransaction,
  networkId: string,
  principals: Iterable<Principal>,
): Promise<(p: Principal) => Principal | undefined> {
  const memberIds = new Set<string>();
  const keyIds = new Set<string>();
  for (const p of principals) {
    if (p.kind === 'MEMBER') {
      memberIds.add(p.memberId);
      if (p.issuerKeyId) keyIds.add(p.issuerKeyId);
    } else keyIds.add(p.apiKeyId);
  }
  const members = new Map<string, NetworkRole>();
  const keys = new Map<string, KeyRow>();
  if (memberIds.size > 0 || keyIds.size > 0) {
    const rows = await queryRows<{ kind: 'MEMBER' | 'API_KEY'; id: string; role: NetworkRole | null } & Omit<KeyRow, 'id'>>(
      tx.manager,
      `SELECT 'MEMBER' AS kind, id, role, NULL::text[] AS scopes, NULL AS member_token_max_role, NULL::boolean AS trusted_documents_only
       FROM members WHERE network_id = $1 AND id = ANY($2::uuid[]) AND erased_at IS NULL
       UNION ALL
       SELECT 'API_KEY', id, NULL, scopes, member_token_max_role, trusted_documents_only
       FROM api_keys WHERE network_id = $1 AND id = ANY($3::uuid[]) AND revoked_at IS NULL`,
      [networkId, [...memberIds], [...keyIds]],
    );
    for (const r of rows) {
      if (r.kind === 'MEMBER') members.set(r.id, r.role!);
      else keys.set(r.id, r);
    }
  }
  return (p) => {
    if (p.kind === 'API_KEY') {
      const key = keys.get(p.apiKeyId);
      return key && apiKeyPrincipal(key);
    }
    const role = members.get(p.memberId);
    if (!role) return undefined;
    const key = p.issuerKeyId ? keys.get(p.issuerKeyId) : undefined;
    const issuer: IssuerRow = {
      key_id: key?.id ?? null,
      key_revoked_at: null,
      key_scopes: key?.scopes ?? null,
      key_max_role: key?.member_token_max_role ?? null,
      key_trusted_only: key?.trusted_documents_only ?? null,
    };
    return memberPrincipal({ id: p.memberId, role }, { issuerKeyId: p.issuerKeyId, roleCap: p.roleCap, readOnly: p.readOnly }, issuer) ?? undefined;
  };
}

/** Identifies a principal across checks (kind and id). */
export const principalKey = (p: Principal): string => (p.kind === 'MEMBER' ? `M:${p.memberId}` : `K:${p.apiKeyId}`);

/** The transaction was opened with the token's network and the member lookup (beginOptions); the member must still exist. */
async function authenticateMember(tx: { firstRows: Array<Record<string, unknown>> }, claims: MemberTokenClaims): Promise<Authenticated> {
  const row = tx.firstRows[0] as unknown as ({ id: string; role: NetworkRole } & IssuerRow) | undefined;
  if (!row) throw unauthenticated('Invalid or expired member token');
  const principal = memberPrincipal(row, claims, row);
  if (!principal) throw unauthenticated('The API key that issued this member token was revoked or may no longer issue tokens');
  return { networkId: claims.networkId, principal, expiresAt: claims.expiresAt };
}
