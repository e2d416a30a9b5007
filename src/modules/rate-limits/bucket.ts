/**
 * The leaky bucket of cost points (Shopify's model), as pure functions: one credential's bucket holds at most
 * `max` points and gains `restoreRate` points per second up to `max`; an operation takes its cost up front,
 * and is refused (nothing taken) when the bucket holds less. The Redis store runs the same arithmetic in Lua
 * (./store.ts); keep the two in step.
 */

/** A network's budget per credential. */
export interface Policy {
  /** Points a full bucket holds. */
  readonly max: number;
  /** Points restored per second. */
  readonly restoreRate: number;
}

/** What is stored per bucket: the points it held at `updatedAt` (ms since the epoch). No state means full. */
export interface BucketState {
  readonly points: number;
  readonly updatedAt: number;
}

export interface Spent {
  /** False when the bucket held less than the cost: nothing was taken. */
  readonly allowed: boolean;
  /** Points in the bucket afterwards (a fraction while restoring). */
  readonly available: number;
  /** The state to store (unchanged when refused). */
  readonly state: BucketState | undefined;
}

/** The points a bucket holds at `now`. */
export function availableAt(state: BucketState | undefined, now: number, policy: Policy): number {
  if (!state) return policy.max;
  const restored = (Math.max(0, now - state.updatedAt) * policy.restoreRate) / 1000;
  return Math.min(policy.max, state.points + restored);
}

/**
 * Takes `cost` points at `now`; a negative cost gives points back (a refund), never beyond `max`. Refused,
 * the bucket is left as it was.
 */
export function spend(state: BucketState | undefined, now: number, cost: number, policy: Policy): Spent {
  const available = availableAt(state, now, policy);
  if (cost > available) return { allowed: false, available, state };
  const points = Math.min(policy.max, available - cost);
  return { allowed: true, available: points, state: points >= policy.max ? undefined : { points, updatedAt: now } };
}

/** Whole seconds until the bucket holds `cost` points again (at least 1); null when it never can (cost over `max`). */
export function secondsUntilAvailable(available: number, cost: number, policy: Policy): number | null {
  if (cost > policy.max) return null;
  return Math.max(1, Math.ceil((cost - available) / policy.restoreRate));
}

/** Whole seconds until the bucket is full again (0 when it is). */
export function secondsUntilFull(available: number, policy: Policy): number {
  return Math.max(0, Math.ceil((policy.max - available) / policy.restoreRate));
}

/** How long an idle bucket's state needs keeping, in ms: after that it is full, the same as no state. */
export function ttlMs(available: number, policy: Policy): number {
  return Math.ceil(((policy.max - available) * 1000) / policy.restoreRate);
}
