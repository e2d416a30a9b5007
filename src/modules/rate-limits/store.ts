import { connectRedis } from '../../realtime/broker';
import { spend, type BucketState, type Policy } from './bucket';
import type { Logger } from '../../config/logger';
import type { Redis } from 'ioredis';

/** The outcome of one `spend` on a store. */
export interface StoreResult {
  readonly allowed: boolean;
  /** Points in the bucket afterwards. */
  readonly available: number;
}

/**
 * Where the buckets live: this process (one instance), or Redis (shared by every instance). `spend` is atomic per
 * bucket either way; a negative cost is a refund.
 */
export interface BucketStore {
  spend(key: string, cost: number, policy: Policy): Promise<StoreResult> | StoreResult;
  close(): Promise<void>;
}

/** How often full buckets are dropped from the in-process map (a full bucket is the same as none). */
const SWEEP_MS = 60_000;

/** One process: a map of bucket states; synchronous, so atomic. */
export class MemoryBucketStore implements BucketStore {
  private readonly buckets = new Map<string, { state: BucketState; policy: Policy }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  spend(key: string, cost: number, policy: Policy): StoreResult {
    const { allowed, available, state } = spend(this.buckets.get(key)?.state, this.now(), cost, policy);
    if (state) this.buckets.set(key, { state, policy });
    else this.buckets.delete(key);
    return { allowed, available };
  }

  /** Buckets held (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  sweep(): void {
    const now = this.now();
    for (const [key, { state, policy }] of this.buckets) {
      if (spend(state, now, 0, policy).state === undefined) this.buckets.delete(key);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.buckets.clear();
  }
}

/**
 * `spend` of ./bucket.ts in Lua, run atomically by Redis. The state is one string "points:updatedAt" that expires
 * when the bucket would be full (so idle buckets disappear). Time is Redis's own clock (`TIME`, ms with a
 * fraction), so instances whose clocks differ still agree. Returns {allowed (1/0), points afterwards as a string}
 * (Redis turns Lua numbers into integers).
 */
const SPEND_LUA = `
local cost = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local available = max
local stored = redis.call('GET', KEYS[1])
if stored then
  local sep = string.find(stored, ':', 1, true)
  local points = tonumber(string.sub(stored, 1, sep - 1))
  local updated = tonumber(string.sub(stored, sep + 1))
  available = math.min(max, points + math.max(0, now - updated) * rate / 1000)
end
if cost > available then
  return {0, tostring(available)}
end
available = math.min(max, available - cost)
if available >= max then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], tostring(available) .. ':' .. tostring(now), 'PX', math.ceil((max - available) * 1000 / rate))
end
return {1, tostring(available)}
`;

type SpendCommand = (key: string, cost: number, max: number, rate: number) => Promise<[number, string]>;

/** A Redis command that does not answer within this is given up on (the request goes ahead: fail open). */
const COMMAND_TIMEOUT_MS = 500;

/** Buckets in Redis, shared by every instance: one round trip (EVALSHA) per spend. */
export class RedisBucketStore implements BucketStore {
  private closing: Promise<void> | undefined;

  private constructor(private readonly client: Redis & { rateLimitSpend: SpendCommand }) {}

  /**
   * Connects its own client (commands only). Without a connection commands fail at once instead of queueing
   * (`enableOfflineQueue: false`), and a slow answer times out: the limiter then lets the request through.
   */
  static async connect(url: string, logger: Logger, onError: (err: Error) => void): Promise<RedisBucketStore> {
    const [client] = await connectRedis(url, logger, 1, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: COMMAND_TIMEOUT_MS }, onError);
    client.defineCommand('rateLimitSpend', { numberOfKeys: 1, lua: SPEND_LUA });
    return new RedisBucketStore(client as Redis & { rateLimitSpend: SpendCommand });
  }

  async spend(key: string, cost: number, policy: Policy): Promise<StoreResult> {
    const [allowed, available] = await this.client.rateLimitSpend(key, cost, policy.max, policy.restoreRate);
    return { allowed: allowed === 1, available: Number(available) };
  }

  /** Quits once (a second quit of an ended client would keep the process waiting). */
  close(): Promise<void> {
    this.closing ??= this.client.quit().then(
      () => undefined,
      () => this.client.disconnect(),
    );
    return this.closing;
  }
}
