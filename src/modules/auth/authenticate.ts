import { sqlLiteral, type BeginOptions, type TenantTransaction } from '../../db/tenant';
import { unauthenticated } from '../../graphql/errors';
import type { NetworkRole } from '../members/member.entity';
import { API_KEY_PREFIX, hashSecret } from './api-key.service';
import { memberTokenRefusal } from './credential-problem';
import type { ApiKeyScope } from './api-key.entity';
import type { MemberTokenClaims, MemberTokens } from './member-token';
import type { Principal } from './principal';

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
  const { networkId, memberId } = credential.claims;
  return { firstQuery: `SELECT id, role FROM members WHERE network_id = ${sqlLiteral(networkId)} AND id = ${sqlLiteral(memberId)}` };
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
  const rows: Array<{ id: string; network_id: string; scopes: ApiKeyScope[]; revoked_at: Date | null; last_used_at: Date | null }> =
    await tx.manager.query(
      `SELECT id, network_id, scopes, revoked_at, last_used_at, set_config('app.api_key_hash', '', true) AS _cleared,
              CASE WHEN revoked_at IS NULL THEN set_config('app.network_id', network_id::text, true) END AS _network
       FROM api_keys WHERE secret_hash = $1`,
      [hash],
    );
  const key = rows[0];
  if (!key) throw unauthenticated('Invalid API key');
  if (key.revoked_at) throw unauthenticated('This API key has been revoked');
  if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    // SKIP LOCKED: when a concurrent request of the same key is already writing it, this one does not queue behind
    // that request's whole transaction (its row lock lasts until it ends) for a once-a-minute timestamp.
    await tx.manager.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = (SELECT id FROM api_keys WHERE id = $1 AND network_id = $2 FOR UPDATE SKIP LOCKED)`,
      [key.id, key.network_id],
    );
  }
  return { networkId: key.network_id, principal: apiKeyPrincipal(key) };
}

/** The principal of a live (not revoked) API key row. */
const apiKeyPrincipal = (key: { id: string; scopes: ApiKeyScope[] }): Principal => ({ kind: 'API_KEY', apiKeyId: key.id, scopes: new Set(key.scopes) });

/** The principal of an existing member row (its current role). */
const memberPrincipal = (member: { id: string; role: NetworkRole }): Principal => ({ kind: 'MEMBER', memberId: member.id, role: member.role });

/**
 * Checks again, in one statement, callers authenticated earlier in `networkId` (the subscribers of a live
 * update, src/realtime): the same rules as `authenticate` — a member token's member must still exist (its
 * role is read again), an API key must not be revoked (its scopes are read again). The transaction must be
 * a tenant transaction of `networkId`. Token expiry is the caller's (it is known without the database).
 * Returns the current principal by key (`principalKey`); a caller no longer valid is missing.
 */
export async function reauthenticate(tx: TenantTransaction, networkId: string, principals: Iterable<Principal>): Promise<Map<string, Principal>> {
  const memberIds = new Set<string>();
  const keyIds = new Set<string>();
  for (const p of principals) (p.kind === 'MEMBER' ? memberIds : keyIds).add(p.kind === 'MEMBER' ? p.memberId : p.apiKeyId);
  const current = new Map<string, Principal>();
  if (memberIds.size === 0 && keyIds.size === 0) return current;
  const rows: Array<{ kind: 'MEMBER' | 'API_KEY'; id: string; role: NetworkRole | null; scopes: ApiKeyScope[] | null }> = await tx.manager.query(
    `SELECT 'MEMBER' AS kind, id, role, NULL::text[] AS scopes FROM members WHERE network_id = $1 AND id = ANY($2::uuid[])
     UNION ALL
     SELECT 'API_KEY', id, NULL, scopes FROM api_keys WHERE network_id = $1 AND id = ANY($3::uuid[]) AND revoked_at IS NULL`,
    [networkId, [...memberIds], [...keyIds]],
  );
  for (const r of rows) {
    const principal = r.kind === 'MEMBER' ? memberPrincipal({ id: r.id, role: r.role! }) : apiKeyPrincipal({ id: r.id, scopes: r.scopes! });
    current.set(principalKey(principal), principal);
  }
  return current;
}

/** Identifies a principal across checks (kind and id). */
export const principalKey = (p: Principal): string => (p.kind === 'MEMBER' ? `M:${p.memberId}` : `K:${p.apiKeyId}`);

/** The transaction was opened with the token's network and the member lookup (beginOptions); the member must still exist. */
async function authenticateMember(tx: { firstRows: Array<Record<string, unknown>> }, claims: MemberTokenClaims): Promise<Authenticated> {
  const member = tx.firstRows[0] as { id: string; role: NetworkRole } | undefined;
  if (!member) throw unauthenticated('Invalid or expired member token');
  return {
    networkId: claims.networkId,
    principal: memberPrincipal(member),
    expiresAt: claims.expiresAt,
  };
}
