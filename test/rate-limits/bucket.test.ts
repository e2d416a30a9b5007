/**
 * The bucket arithmetic (pure), the in-process store on a fake clock, and the Redis store's Lua against a real
 * Redis (REDIS_URL, else redis://127.0.0.1:6379): the same decisions as the TypeScript.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/config/logger';
import { availableAt, secondsUntilAvailable, secondsUntilFull, spend, ttlMs, type BucketState, type Policy } from '../../src/modules/rate-limits/bucket';
import { MemoryBucketStore, RedisBucketStore } from '../../src/modules/rate-limits/store';

const policy: Policy = { max: 100, restoreRate: 10 };

describe('bucket arithmetic', () => {
  test('no state is a full bucket', () => {
    expect(availableAt(undefined, 0, policy)).toBe(100);
  });

  test('a take leaves the rest and records the time', () => {
    const r = spend(undefined, 1_000, 30, policy);
    expect(r).toEqual({ allowed: true, available: 70, state: { points: 70, updatedAt: 1_000 } });
  });

  test('points come back at restoreRate per second, never beyond max', () => {
    const state: BucketState = { points: 70, updatedAt: 1_000 };
    expect(availableAt(state, 1_500, policy)).toBe(75);
    expect(availableAt(state, 3_000, policy)).toBe(90);
    expect(availableAt(state, 60_000, policy)).toBe(100);
    // A clock that went backwards restores nothing (and takes nothing).
    expect(availableAt(state, 0, policy)).toBe(70);
  });

  test('a take larger than what is available is refused and changes nothing', () => {
    const state: BucketState = { points: 5, updatedAt: 1_000 };
    const r = spend(state, 1_100, 20, policy);
    expect(r.allowed).toBe(false);
    expect(r.available).toBe(6);
    expect(r.state).toBe(state);
  });

  test('exactly what is available is allowed, down to zero', () => {
    const r = spend({ points: 20, updatedAt: 0 }, 0, 20, policy);
    expect(r).toMatchObject({ allowed: true, available: 0 });
  });

  test('a refund (negative cost) gives points back up to max; a full bucket needs no state', () => {
    const half = spend({ points: 10, updatedAt: 0 }, 0, -40, policy);
    expect(half).toEqual({ allowed: true, available: 50, state: { points: 50, updatedAt: 0 } });
    const full = spend({ points: 90, updatedAt: 0 }, 0, -40, policy);
    expect(full).toEqual({ allowed: true, available: 100, state: undefined });
  });

  test('a lower max (an operator change) caps what was stored', () => {
    expect(availableAt({ points: 80, updatedAt: 0 }, 0, { max: 50, restoreRate: 1 })).toBe(50);
  });

  test('seconds until a cost is available: rounded up, at least 1; never for a cost over max', () => {
    expect(secondsUntilAvailable(5, 20, policy)).toBe(2); // 15 missing at 10/s: 1.5 s
    expect(secondsUntilAvailable(19.99, 20, policy)).toBe(1);
    expect(secondsUntilAvailable(30, 20, policy)).toBe(1);
    expect(secondsUntilAvailable(100, 101, policy)).toBeNull();
  });

  test('seconds until full, and how long an idle state must be kept', () => {
    expect(secondsUntilFull(100, policy)).toBe(0);
    expect(secondsUntilFull(95, policy)).toBe(1);
    expect(secondsUntilFull(0, policy)).toBe(10);
    expect(ttlMs(0, policy)).toBe(10_000);
    expect(ttlMs(99.5, policy)).toBe(50);
  });

  test('fractions restore exactly: 1 point/s, 250 ms at a time', () => {
    const slow: Policy = { max: 10, restoreRate: 1 };
    let state: BucketState | undefined = spend(undefined, 0, 10, slow).state;
    for (let t = 250; t <= 750; t += 250) state = spend(state, t, 0, slow).state;
    expect(state).toEqual({ points: 0.75, updatedAt: 750 });
    expect(availableAt(state, 1_000, slow)).toBe(1);
    expect(spend(state, 999, 1, slow).allowed).toBe(false);
    expect(spend(state, 1_000, 1, slow)).toMatchObject({ allowed: true, available: 0 });
  });
});

describe('in-process store', () => {
  test('spends, refunds and forgets full buckets', async () => {
    let now = 0;
    const store = new MemoryBucketStore(() => now);
    try {
      expect(store.spend('a', 60, policy)).toEqual({ allowed: true, available: 40 });
      expect(store.spend('a', 50, policy)).toEqual({ allowed: false, available: 40 });
      expect(store.spend('b', 50, policy)).toEqual({ allowed: true, available: 50 });
      now = 1_000;
      expect(store.spend('a', 50, policy)).toEqual({ allowed: true, available: 0 });
      expect(store.spend('a', -20, policy)).toEqual({ allowed: true, available: 20 });
      expect(store.size).toBe(2);
      now = 60_000;
      store.sweep();
      expect(store.size).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('Redis store (Lua)', () => {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const prefix = `test-${randomBytes(6).toString('hex')}:`;
  let store: RedisBucketStore;
  let redis: Redis;

  beforeAll(async () => {
    store = await RedisBucketStore.connect(url, createLogger('silent'), () => undefined);
    redis = new Redis(url);
  });
  afterAll(async () => {
    await store.close();
    redis.disconnect();
  });

  test('the same decisions as the TypeScript, with an expiry at the time the bucket is full again', async () => {
    // 1 point per second: the few milliseconds between the commands restore almost nothing.
    const slow: Policy = { max: 100, restoreRate: 1 };
    const key = `${prefix}rl:one`;
    const first = await store.spend(key, 60, slow);
    expect(first).toEqual({ allowed: true, available: 40 });
    const refused = await store.spend(key, 50, slow);
    expect(refused.allowed).toBe(false);
    expect(refused.available).toBeGreaterThanOrEqual(40);
    expect(refused.available).toBeLessThan(41);
    const second = await store.spend(key, 40, slow);
    expect(second.allowed).toBe(true);
    expect(second.available).toBeLessThan(1);
    // 100 points missing at 1/s: kept about 100 s, then gone (a full bucket).
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(98_000);
    expect(ttl).toBeLessThanOrEqual(100_000);
    const refund = await store.spend(key, -30, slow);
    expect(refund.allowed).toBe(true);
    expect(refund.available).toBeGreaterThanOrEqual(30);
    expect(refund.available).toBeLessThan(31.5);
    // Refunded to full: no state left.
    await store.spend(key, -1_000, slow);
    expect(await redis.exists(key)).toBe(0);
  });

  test('points restore on the Redis clock', async () => {
    const fast: Policy = { max: 1_000, restoreRate: 1_000 };
    const key = `${prefix}rl:two`;
    expect((await store.spend(key, 1_000, fast)).available).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    const after = await store.spend(key, 0, fast);
    expect(after.available).toBeGreaterThanOrEqual(190);
    expect(after.available).toBeLessThan(400);
  });

  test('concurrent takes never spend more than the bucket holds', async () => {
    const frozen: Policy = { max: 100, restoreRate: 0.001 };
    const key = `${prefix}rl:three`;
    const results = await Promise.all(Array.from({ length: 50 }, () => store.spend(key, 7, frozen)));
    expect(results.filter((r) => r.allowed)).toHaveLength(14); // 14 × 7 = 98
  });
});
