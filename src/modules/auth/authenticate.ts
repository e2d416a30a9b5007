import type { TenantTransaction } from '../../db/tenant';
import { unauthenticated } from '../../graphql/errors';
import { Member } from '../members/member.entity';
import { API_KEY_PREFIX, hashSecret } from './api-key.service';
import type { ApiKeyScope } from './api-key.entity';
import type { MemberTokens } from './member-token';
import type { Principal } from './principal';

export interface Authenticated {
  networkId: string;
  principal: Principal;
  /** When a member token's `exp` passes (WebSocket connections close then); undefined for API keys. */
  expiresAt?: Date;
}

/** How often `lastUsedAt` is written at most, so that busy keys do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Turns an `Authorization` header into the caller's network and principal, inside the request's
 * transaction, and sets `app.network_id` from the credential. Never from an argument.
 */
export async function authenticate(
  tx: TenantTransaction,
  authorization: string | undefined,
  tokens: MemberTokens,
): Promise<Authenticated> {
  if (!authorization) throw unauthenticated('Missing credentials: send "Authorization: Bearer <API key or member token>"');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated('Malformed Authorization header: expected "Bearer <API key or member token>"');
  const credential = match[1];

  if (credential.startsWith(API_KEY_PREFIX)) return authenticateApiKey(tx, credential);
  if (credential.split('.').length === 3) return authenticateMemberToken(tx, credential, tokens);
  throw unauthenticated('Malformed credentials: not an API key or a member token');
}

async function authenticateApiKey(tx: TenantTransaction, secret: string): Promise<Authenticated> {
  const hash = hashSecret(secret);
  // The lookup policy shows exactly the row whose secret hash the caller presented.
  await tx.set('app.api_key_hash', hash);
  const rows: Array<{ id: string; network_id: string; scopes: ApiKeyScope[]; revoked_at: Date | null; last_used_at: Date | null }> =
    await tx.manager.query(
      'SELECT id, network_id, scopes, revoked_at, last_used_at FROM api_keys WHERE secret_hash = $1',
      [hash],
    );
  await tx.set('app.api_key_hash', null);
  const key = rows[0];
  if (!key) throw unauthenticated('Invalid API key');
  if (key.revoked_at) throw unauthenticated('This API key has been revoked');

  await tx.set('app.network_id', key.network_id);
  if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await tx.manager.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND network_id = $2', [key.id, key.network_id]);
  }
  return { networkId: key.network_id, principal: { kind: 'API_KEY', apiKeyId: key.id, scopes: new Set(key.scopes) } };
}

async function authenticateMemberToken(tx: TenantTransaction, token: string, tokens: MemberTokens): Promise<Authenticated> {
  const claims = await tokens.verify(token);
  if (!claims) throw unauthenticated('Invalid or expired member token');
  await tx.set('app.network_id', claims.networkId);
  const member = await tx.manager.getRepository(Member).findOneBy({ id: claims.memberId, networkId: claims.networkId });
  if (!member) throw unauthenticated('Invalid or expired member token');
  return {
    networkId: claims.networkId,
    principal: { kind: 'MEMBER', memberId: member.id, role: member.role },
    expiresAt: claims.expiresAt,
  };
}
