import { execute, queryMaybeOne, queryRows } from '../../db/sql';
import type { EntityManager } from 'typeorm';

/** Whose key it is: keys are per network and per credential (`principalKey`). */
export interface KeyScope {
  readonly networkId: string;
  readonly credential: string;
  readonly key: string;
}

/** The outcome of claiming a key for a request. */
export type Claim =
  /** The key is ours (new, or older than the TTL): run the operation, then `saveResponse`. */
  | { readonly outcome: 'claimed' }
  /** The same request already ran and committed: answer this. */
  | { readonly outcome: 'replay'; readonly httpStatus: number; readonly response: Record<string, unknown> }
  /** The key was used for a different request. */
  | { readonly outcome: 'mismatch' };

/** An idempotency_keys row as read back (pg parses the json column). */
interface KeyRow {
  request_hash: string;
  response: Record<string, unknown> | null;
  http_status: number | null;
}

/**
 * Claims the key in the request's own transaction. A concurrent request holding the same key blocks this
 * INSERT on the primary key until its transaction ends: committed, its row is read back here (replay or
 * mismatch); rolled back, the INSERT goes through and the key is ours. A row older than the TTL is taken
 * over in place. When the row is not ours, ON CONFLICT DO UPDATE leaves it locked until our transaction
 * ends, so the purge cannot remove it before we read it.
 */
export async function claimKey(manager: EntityManager, scope: KeyScope, hash: string, ttlHours: number): Promise<Claim> {
  const params = [scope.networkId, scope.credential, scope.key];
  const claimed = await queryRows<unknown>(
    manager,
    `INSERT INTO idempotency_keys (network_id, credential, key, request_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (network_id, credential, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, response = NULL, http_status = NULL, created_at = now()
       WHERE idempotency_keys.created_at < now() - make_interval(hours => $5::int)
     RETURNING 1`,
    [...params, hash, ttlHours],
  );
  if (claimed.length > 0) return { outcome: 'claimed' };
  const row = await queryMaybeOne<KeyRow>(
    manager,
    `SELECT request_hash, response, http_status FROM idempotency_keys WHERE network_id = $1 AND credential = $2 AND key = $3`,
    params,
  );
  // Committed rows always carry their answer (saveResponse runs before COMMIT); anything else is a bug.
  if (!row || row.response === null || row.http_status === null) throw new Error('idempotency key row without an answer');
  if (row.request_hash !== hash) return { outcome: 'mismatch' };
  return { outcome: 'replay', httpStatus: row.http_status, response: row.response };
}

/** Stores the answer on the claimed row: call just before COMMIT, in the same transaction. */
export async function saveResponse(manager: EntityManager, scope: KeyScope, response: string, httpStatus: number): Promise<void> {
  await execute(manager, `UPDATE idempotency_keys SET response = $4::json, http_status = $5 WHERE network_id = $1 AND credential = $2 AND key = $3`, [
    scope.networkId,
    scope.credential,
    scope.key,
    response,
    httpStatus,
  ]);
}

/** Most expired rows one purge deletes: it runs inside a request, so it stays small. */
const PURGE_BATCH = 500;

/**
 * Deletes expired keys of the network (at most PURGE_BATCH). Rows another transaction has locked are skipped,
 * never waited for: two purging requests cannot block or deadlock each other.
 */
export async function purgeExpiredKeys(manager: EntityManager, networkId: string, ttlHours: number): Promise<void> {
  await execute(
    manager,
    `DELETE FROM idempotency_keys k
      USING (SELECT credential, key FROM idempotency_keys
              WHERE network_id = $1 AND created_at < now() - make_interval(hours => $2::int)
              LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED) old
      WHERE k.network_id = $1 AND k.credential = old.credential AND k.key = old.key`,
    [networkId, ttlHours],
  );
}
