import { createHash, randomBytes } from 'node:crypto';
import { forbidden, notFound } from '../../graphql/errors';
import { ApiKeyScope, NetworkRole, roleWithin, type Principal } from '../../graphql/principal';
import { ApiKey } from './api-key.entity';
import type { Scope } from '../../db/tenant';
import type { EntityManager } from 'typeorm';

/** Every API key secret starts with this, so credentials are recognisable (and secret scanners can find them). */
export const API_KEY_PREFIX = 'pnk_';
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

/** Secrets carry 256 random bits, so a fast hash is enough (no password stretching needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export const ALL_SCOPES: readonly ApiKeyScope[] = Object.values(ApiKeyScope);

/** What a new key may do. */
export interface KeyPowers {
  scopes: readonly ApiKeyScope[];
  /** Default MEMBER. */
  memberTokenMaxRole?: NetworkRole;
  /** Default false. */
  trustedDocumentsOnly?: boolean;
}

/**
 * No credential creates more than it holds: a key may give another key only scopes it has itself, a highest
 * token role no higher than its own, and no way out of trusted-documents-only mode. (Member tokens create no keys.)
 */
export function assertWithinPowers(creator: Principal, wanted: KeyPowers): void {
  if (creator.kind !== 'API_KEY') throw forbidden('Member tokens may not manage API keys; use an API key with ADMIN');
  const missing = wanted.scopes.filter((s) => !creator.scopes.has(s));
  if (missing.length) throw forbidden(`An API key cannot give scopes it does not hold itself: ${missing.join(', ')}`);
  if (wanted.scopes.includes(ApiKeyScope.ISSUE_MEMBER_TOKENS) && !roleWithin(wanted.memberTokenMaxRole ?? NetworkRole.MEMBER, creator.memberTokenMaxRole)) {
    throw forbidden(`An API key cannot let another issue member tokens above its own highest role (${creator.memberTokenMaxRole})`);
  }
  if (creator.trustedDocumentsOf && wanted.trustedDocumentsOnly === false) {
    throw forbidden('A key in trusted-documents-only mode cannot make or turn a key into one without that mode');
  }
}

export async function createApiKey(
  manager: EntityManager,
  networkId: string,
  input: KeyPowers & { name: string; createdByMemberId?: string | null },
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
      memberTokenMaxRole: input.memberTokenMaxRole ?? NetworkRole.MEMBER,
      trustedDocumentsOnly: input.trustedDocumentsOnly ?? false,
      createdByMemberId: input.createdByMemberId ?? null,
    }),
  );
  return { apiKey: saved, secret };
}

export async function listApiKeys(scope: Scope): Promise<ApiKey[]> {
  const { manager, networkId } = scope;
  return manager.getRepository(ApiKey).find({ where: { networkId }, order: { createdAt: 'ASC', id: 'ASC' } });
}

/** Revokes a key of the caller's network; revoking twice keeps the first time. */
export async function revokeApiKey(scope: Scope, id: string | undefined): Promise<ApiKey> {
  const { manager, networkId } = scope;
  const repo = manager.getRepository(ApiKey);
  const key = id ? await repo.findOneBy({ id, networkId }) : null;
  if (!key) throw notFound('API key');
  if (!key.revokedAt) {
    key.revokedAt = new Date();
    await repo.update({ id: key.id, networkId }, { revokedAt: key.revokedAt });
  }
  return key;
}

/** A key of the caller's network by id; NOT_FOUND otherwise (another network's key included). */
export async function findApiKey(scope: Scope, id: string | undefined): Promise<ApiKey> {
  const { manager, networkId } = scope;
  const key = id ? await manager.getRepository(ApiKey).findOneBy({ id, networkId }) : null;
  if (!key) throw notFound('API key');
  return key;
}

/** Turns a key's trusted-documents-only mode on or off; requests see it from their next authentication. */
export async function setTrustedDocumentsOnly(scope: Scope, key: ApiKey, on: boolean): Promise<void> {
  const { manager } = scope;
  await manager.getRepository(ApiKey).update({ id: key.id, networkId: key.networkId }, { trustedDocumentsOnly: on });
  key.trustedDocumentsOnly = on;
}

/** A key of the network by its visible prefix (`pnk_3fa9c1d2`) or database id, for the CLI; NOT_FOUND otherwise. */
export async function findApiKeyByReference(scope: Scope, reference: string): Promise<ApiKey> {
  const { manager, networkId } = scope;
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(reference);
  const key = await manager.getRepository(ApiKey).findOneBy(isUuid ? { id: reference, networkId } : { prefix: reference, networkId });
  if (!key) throw notFound('API key');
  return key;
}
