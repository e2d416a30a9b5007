import { beginTenantTransaction, type BeginOptions, type TenantTransaction, type TransactionLimits } from '../../db/tenant';
import type { PoolShares } from '../../db/shares';
import type { DataSource } from 'typeorm';

/** What the public feed routes need of the server: the database, and the same limits and pool sharing as requests. */
export interface PublicFeedDeps {
  dataSource: DataSource;
  limits?: TransactionLimits;
  shares?: PoolShares;
}

/**
 * All public feed reads share one share of the pool (src/db/shares.ts): a burst of feed polling cannot hold more
 * connections than one network's requests may.
 */
const PUBLIC_FEEDS_SHARE = 'public-feeds';

/**
 * Runs `fn` in a tenant transaction opened without a network (no tenant row is visible): `fn` finds the network from
 * what the URL carries (a feed token's lookup policy, a network slug) and sets `app.network_id` itself. Read-only: it
 * always ends with ROLLBACK.
 */
export async function withPublicTransaction<T>(
  deps: PublicFeedDeps,
  settings: BeginOptions['settings'],
  fn: (tx: TenantTransaction) => Promise<T>,
): Promise<T> {
  const shares = deps.shares;
  const tx = await beginTenantTransaction(deps.dataSource, null, {
    settings,
    limits: deps.limits,
    acquireShare: shares && (() => shares.acquire(PUBLIC_FEEDS_SHARE)),
  });
  try {
    return await fn(tx);
  } finally {
    await tx.finish('rollback');
  }
}
