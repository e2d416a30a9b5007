import { MIN_AGGREGATE_SIZE_FLOOR } from '../networks/network.inputs';
import { loadNetwork } from '../networks/network.loader';
import type { Context } from '../../graphql/context';

/**
 * THE privacy threshold (DOMAIN.md, privacy rule 3), used by every aggregate over people: evaluation
 * (health, trends) and a session's feedback summary.
 *
 * k is the network's `minimumAggregateSize` (5 unless the network raised it; the database refuses less).
 * A rate or average is withheld (null, `suppressed: true`) when fewer than k distinct people contribute
 * to it; plain counts stay.
 */

/** The caller's network's k (the network row is read once per request and shared with `network`). */
export async function minimumAggregateSize(ctx: Context): Promise<number> {
  const k = (await loadNetwork(ctx)).minimumAggregateSize;
  // Never below the floor, whatever the row says.
  return Math.max(k ?? MIN_AGGREGATE_SIZE_FLOOR, MIN_AGGREGATE_SIZE_FLOOR);
}

/** True when an aggregate over `contributors` distinct people must be withheld. */
export const isSuppressed = (contributors: number, k: number): boolean => contributors < k;

/** The value when at least k people contribute to it; null otherwise. */
export const unlessSuppressed = <T>(value: T | null, contributors: number, k: number): T | null => (isSuppressed(contributors, k) ? null : value);
