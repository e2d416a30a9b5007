import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { notFound } from '../../graphql/errors';
import { ApiKey, ApiKeyScope } from './api-key.entity';

/** Every API key secret starts with this, so credentials are recognisable (and secret scanners can find them). */
export const API_KEY_PREFIX = 'pnk_';
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

/** Secrets carry 256 random bits, so a fast hash is enough (no password stretching needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export const ALL_SCOPES: readonly ApiKeyScope[] = Object.values(ApiKeyScope);

export async function createApiKey(
  manager: EntityManager,
  networkId: string,
  input: { name: string; scopes: readonly ApiKeyScope[]; createdByMemberId?: string | null },
): Promise<{ apiKey: ApiKey; secret: string }> {
  const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const scopes = ALL_SCOPES.filter((s) => input.scopes.includes(s));
  const saved = await manager.getRepository(ApiKey).save(
    manager.getRepository(ApiKey).create({
      networkId,
      name: input.name,
      prefix: secret.slice(0, VISIBLE_PREFIX_LENGTH),
      secretHash: hashSecret(secret),
      scopes,
      createdByMemberId: input.createdByMemberId ?? null,
    }),
  );
  return { apiKey: saved, secret };
}

export async function listApiKeys(manager: EntityManager, networkId: string): Promise<ApiKey[]> {
  return manager.getRepository(ApiKey).find({ where: { networkId }, order: { createdAt: 'ASC', id: 'ASC' } });
}

/** Revokes a key of the caller's network; revoking twice keeps the first time. */
export async function revokeApiKey(manager: EntityManager, networkId: string, id: string | undefined): Promise<ApiKey> {
  const repo = manager.getRepository(ApiKey);
  const key = id ? await repo.findOneBy({ id, networkId }) : null;
  if (!key) throw notFound('API key');
  if (!key.revokedAt) {
    key.revokedAt = new Date();
    await repo.update({ id: key.id, networkId }, { revokedAt: key.revokedAt });
  }
  return key;
}
