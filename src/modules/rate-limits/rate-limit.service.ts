import { queryOne, queryRows } from '../../db/sql';
import { withTenant } from '../../db/tenant';
import { badInput } from '../../graphql/errors';
import type { Scope } from '../../db/tenant';
import type { Policy } from './bucket';
import type { DataSource } from 'typeorm';

/** A network's own budget as stored: null fields fall back to the server's defaults. */
export interface NetworkRateLimit {
  max: number | null;
  restoreRate: number | null;
}

const MAX_POINTS = 1_000_000_000;

/** The columns as read (migration 1764700000000-RateLimits). */
type RateLimitRow = { rate_limit_max: number | null; rate_limit_restore_rate: number | null };

/** Parses the CLI's `--max` (whole points) and `--restore-rate` (points per second, may have a fraction). */
export function parseRateLimit(max: string | undefined, restoreRate: string | undefined): Partial<Policy> {
  const out: { max?: number; restoreRate?: number } = {};
  if (max !== undefined) {
    if (!/^\d+$/.test(max.trim()) || Number(max) < 1 || Number(max) > MAX_POINTS) {
      throw badInput(`--max must be a whole number of points between 1 and ${MAX_POINTS}, got "${max}"`);
    }
    out.max = Number(max);
  }
  if (restoreRate !== undefined) {
    const n = Number(restoreRate);
    if (!/^\d+(\.\d+)?$/.test(restoreRate.trim()) || !(n > 0) || n > MAX_POINTS) {
      throw badInput(`--restore-rate must be a number of points per second above 0 and at most ${MAX_POINTS}, got "${restoreRate}"`);
    }
    out.restoreRate = n;
  }
  if (out.max === undefined && out.restoreRate === undefined) throw badInput('give --max and/or --restore-rate, or --reset');
  return out;
}

/**
 * Sets a network's own budget (the given parts; `null` resets both to the defaults) and returns what is stored.
 * For operators (the CLI); running servers see it within their cache time (POLICY_TTL_MS).
 */
export async function setNetworkRateLimit(dataSource: DataSource, networkId: string, change: Partial<Policy> | null): Promise<NetworkRateLimit> {
  return withTenant(dataSource, networkId, async (manager) => {
    const row = await queryOne<RateLimitRow>(
      manager,
      change === null
        ? 'UPDATE networks SET rate_limit_max = NULL, rate_limit_restore_rate = NULL WHERE id = $1 RETURNING rate_limit_max, rate_limit_restore_rate'
        : `UPDATE networks SET rate_limit_max = COALESCE($2, rate_limit_max), rate_limit_restore_rate = COALESCE($3, rate_limit_restore_rate)
           WHERE id = $1 RETURNING rate_limit_max, rate_limit_restore_rate`,
      change === null ? [networkId] : [networkId, change.max ?? null, change.restoreRate ?? null],
    );
    return { max: row.rate_limit_max, restoreRate: row.rate_limit_restore_rate };
  });
}

/** A network's budget: its own parts (set with the CLI) over the defaults. One statement, in the caller's transaction. */
export async function networkPolicy(scope: Scope, defaults: Policy): Promise<Policy> {
  const { manager, networkId } = scope;
  const rows = await queryRows<RateLimitRow>(manager, 'SELECT rate_limit_max, rate_limit_restore_rate FROM networks WHERE id = $1', [networkId]);
  return { max: rows[0]?.rate_limit_max ?? defaults.max, restoreRate: rows[0]?.rate_limit_restore_rate ?? defaults.restoreRate };
}
