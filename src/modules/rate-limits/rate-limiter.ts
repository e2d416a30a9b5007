import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { actualOperationCost, operationCost } from '../../graphql/limits';
import { principalKey } from '../auth/authenticate';
import { secondsUntilAvailable, secondsUntilFull, type Policy } from './bucket';
import { networkPolicy } from './rate-limit.service';
import { MemoryBucketStore, RedisBucketStore, type BucketStore, type StoreResult } from './store';
import type { Config } from '../../config/config';
import type { Logger } from '../../config/logger';
import type { Metrics } from '../../config/metrics';
import type { Context } from '../../graphql/context';

/**
 * Rate limits per credential: a leaky bucket of cost points per API key or member (see ./bucket.ts), in this
 * process or in Redis (REDIS_URL). An operation takes its requested cost before it runs (refused: RATE_LIMITED,
 * nothing runs) and gets back what it did not use once it has run (Shopify's requested and actual cost).
 *
 * Per request: one store round trip before execution; the refund is sent without waiting for it. A network's own
 * budget (set by operators with the CLI) is read once per POLICY_TTL_MS per instance, not per request.
 */

/** One operation's share of its credential's budget (`rateLimit` and the response's cost report read it). */
export interface Budget {
  readonly policy: Policy;
  /** Points taken before execution; null when rate limits are off (computed on demand then). */
  readonly requested: number | null;
  /** False: refused, nothing taken, nothing ran. */
  readonly allowed: boolean;
  /** Points left right after the take (or, refused, available then). */
  readonly availableAfterTake: number;
  /** When the take happened (ms). */
  readonly takenAt: number;
  /** Set once the operation has run (settle): its actual cost; null if it never ran. */
  actual: number | null | undefined;
  /** Points left after the refund (settle), else after the take. */
  available: number;
}

/** The `extensions.cost` of a response (Shopify's shape). */
export interface CostReport {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

const budgets = new WeakMap<object, Budget>();

/** The budget the operation of this context was charged (undefined outside an operation, e.g. a live-update delivery). */
export const budgetOf = (ctx: Context): Budget | undefined => budgets.get(ctx);

/** How long an instance keeps a network's budget before reading it again (a CLI change applies within this). */
export const POLICY_TTL_MS = 30_000;
/** Failures of the store are logged at most this often. */
const WARN_EVERY_MS = 60_000;
/** The policy's name in the RateLimit-Policy and RateLimit headers. */
const POLICY_NAME = '"cost"';

/** Every operation costs at least one point, so a flood of trivial ones is counted too. */
const atLeastOne = (n: number) => Math.max(1, Math.ceil(n));

/**
 * Requested costs by document and variables. The same query text is the same DocumentNode (Apollo's document
 * store, the WebSocket document cache), and its cost does not change for the same variables: pricing it once
 * saves walking the operation on every request (~0.1 ms for the home screen). Bounded per document.
 */
const costs = new WeakMap<DocumentNode, Map<string, number>>();
const COSTS_PER_DOCUMENT = 100;

/** The requested cost of an operation in points (one whose cost cannot be computed is refused elsewhere: 1). */
export function requestedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  let byVariables = costs.get(document);
  if (!byVariables) costs.set(document, (byVariables = new Map()));
  const key = `${operationName ?? ''}\u0000${variables ? JSON.stringify(variables) : ''}`;
  let cost = byVariables.get(key);
  if (cost === undefined) {
    try {
      cost = atLeastOne(operationCost(schema, document, operationName, variables));
    } catch {
      cost = 1;
    }
    if (byVariables.size >= COSTS_PER_DOCUMENT) byVariables.clear();
    byVariables.set(key, cost);
  }
  return cost;
}

export class RateLimiter {
  readonly defaults: Policy;
  private readonly policies = new Map<string, { expires: number; policy: Promise<Policy> }>();
  private lastWarning = 0;

  private constructor(
    readonly enabled: boolean,
    private readonly store: BucketStore | undefined,
    private readonly prefix: string,
    config: Config,
    private readonly logger: Logger,
    private readonly metrics: Metrics | undefined,
  ) {
    this.defaults = { max: config.rateLimitMax, restoreRate: config.rateLimitRestoreRate };
  }

  /** In-process buckets, or Redis ones with REDIS_URL (the start fails when Redis cannot be reached, as for live updates). */
  static async open(config: Config, logger: Logger, metrics?: Metrics): Promise<RateLimiter> {
    if (!config.rateLimitsEnabled) return new RateLimiter(false, undefined, '', config, logger, metrics);
    let limiter: RateLimiter | undefined;
    const warn = (err: Error) => limiter?.warn(err);
    const store = config.redisUrl ? await RedisBucketStore.connect(config.redisUrl, logger, warn) : new MemoryBucketStore();
    limiter = new RateLimiter(true, store, config.redisPrefix, config, logger, metrics);
    return limiter;
  }

  /**
   * Takes `requested` points from the caller's bucket (rate limits off: takes nothing, allows). The store failing
   * lets the operation through (fail open) and logs a warning at most once a minute.
   */
  async charge(ctx: Context, requested: number): Promise<Budget> {
    if (!this.enabled || !this.store) {
      const budget: Budget = {
        policy: this.defaults,
        requested: null,
        allowed: true,
        availableAfterTake: this.defaults.max,
        takenAt: Date.now(),
        actual: undefined,
        available: this.defaults.max,
      };
      budgets.set(ctx, budget);
      return budget;
    }
    const policy = await this.policyOf(ctx);
    let result: StoreResult;
    try {
      result = await this.store.spend(this.keyOf(ctx), requested, policy);
    } catch (err) {
      this.warn(err as Error);
      result = { allowed: true, available: Math.max(0, policy.max - requested) };
    }
    if (!result.allowed) this.metrics?.rateLimitRefusals.inc({ kind: 'operation' });
    const budget: Budget = {
      policy,
      requested,
      allowed: result.allowed,
      availableAfterTake: result.available,
      takenAt: Date.now(),
      actual: undefined,
      available: result.available,
    };
    budgets.set(ctx, budget);
    return budget;
  }

  /**
   * The operation has run (`ran`), or was stopped before running: gives back what it did not use (all of it when
   * it did not run), without waiting for the store.
   */
  settle(ctx: Context, budget: Budget, actual: number | null): void {
    if (budget.actual !== undefined) return;
    budget.actual = actual;
    if (!budget.allowed || budget.requested === null || !this.store) return;
    const refund = budget.requested - Math.min(budget.requested, actual ?? 0);
    if (refund <= 0) return;
    budget.available = Math.min(budget.policy.max, budget.available + refund);
    try {
      const pending = this.store.spend(this.keyOf(ctx), -refund, budget.policy);
      if (pending instanceof Promise) pending.catch((err: Error) => this.warn(err));
    } catch (err) {
      this.warn(err as Error);
    }
  }

  /** Settles an operation that ran, from its result data (its actual cost). */
  settleRun(
    ctx: Context,
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
    data: unknown,
  ): void {
    const budget = budgets.get(ctx);
    if (!budget || budget.actual !== undefined) return;
    if (budget.requested === null) return void (budget.actual = null);
    let actual: number;
    try {
      actual = Math.min(budget.requested, atLeastOne(actualOperationCost(schema, document, operationName, variables, data)));
    } catch {
      actual = budget.requested;
    }
    this.settle(ctx, budget, actual);
  }

  /** Settles an operation that ran (WebSocket queries and mutations) and adds `extensions.cost` to its result. */
  reportRun(
    ctx: Context,
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
    result: ExecutionResult,
  ): ExecutionResult {
    const budget = budgets.get(ctx);
    if (!budget || budget.requested === null) return result;
    this.settleRun(ctx, schema, document, operationName, variables, result.data);
    return { ...result, extensions: { ...result.extensions, cost: this.report(budget) } };
  }

  /**
   * The RATE_LIMITED error of a refused operation, with `retryAfter` in seconds unless it can never run (over HTTP
   * the plugin adds the status, 429; over WebSocket, where there are no headers, `withCost` adds the cost report).
   */
  refusal(budget: Budget, options: { withCost?: boolean } = {}): GraphQLError {
    const requested = budget.requested ?? 0;
    const { max, restoreRate } = budget.policy;
    const retryAfter = secondsUntilAvailable(budget.availableAfterTake, requested, budget.policy);
    const message =
      retryAfter === null
        ? `This operation costs ${requested} points, more than the ${max} a credential's budget holds: it can never run. Ask for less (smaller pages, fewer fields) or split it`
        : `Rate limit exceeded: this operation costs ${requested} points and ${Math.floor(budget.availableAfterTake)} are available (${restoreRate} restored per second); retry in ${retryAfter} s`;
    return new GraphQLError(message, {
      extensions: { code: 'RATE_LIMITED', ...(retryAfter !== null && { retryAfter }), ...(options.withCost && { cost: this.report(budget) }) },
    });
  }

  /** The response's `extensions.cost`. */
  report(budget: Budget): CostReport {
    return {
      requestedQueryCost: budget.requested ?? 0,
      actualQueryCost: budget.actual ?? null,
      throttleStatus: {
        maximumAvailable: budget.policy.max,
        currentlyAvailable: Math.floor(budget.available),
        restoreRate: budget.policy.restoreRate,
      },
    };
  }

  /**
   * The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers-11), one policy named "cost" whose quota `q` is
   * the bucket size in cost points and whose window `w` is the time a bucket takes to fill from empty; `r` is what
   * is available now and `t` the seconds until the bucket is full again. Retry-After on refusals that can succeed.
   */
  headers(budget: Budget): Array<[string, string]> {
    const { max, restoreRate } = budget.policy;
    const headers: Array<[string, string]> = [
      ['ratelimit-policy', `${POLICY_NAME};q=${max};w=${Math.max(1, Math.ceil(max / restoreRate))}`],
      ['ratelimit', `${POLICY_NAME};r=${Math.floor(budget.available)};t=${secondsUntilFull(budget.available, budget.policy)}`],
    ];
    if (!budget.allowed) {
      const retryAfter = secondsUntilAvailable(budget.availableAfterTake, budget.requested ?? 0, budget.policy);
      if (retryAfter !== null) headers.push(['retry-after', String(retryAfter)]);
    }
    return headers;
  }

  /**
   * Takes one request from the bucket `key` for a public route that has no credential (the feeds, src/http/feeds.ts):
   * allowed, or the whole seconds to wait. Rate limits off, or the store failing: allowed (fail open, as operations are).
   */
  async takeRequest(key: string, policy: Policy): Promise<{ allowed: boolean; retryAfter: number }> {
    if (!this.enabled || !this.store) return { allowed: true, retryAfter: 0 };
    try {
      const result = await this.store.spend(`${this.prefix}rl:public:${key}`, 1, policy);
      if (!result.allowed) this.metrics?.rateLimitRefusals.inc({ kind: 'feed' });
      return { allowed: result.allowed, retryAfter: result.allowed ? 0 : (secondsUntilAvailable(result.available, 1, policy) ?? 1) };
    } catch (err) {
      this.warn(err as Error);
      return { allowed: true, retryAfter: 0 };
    }
  }

  async close(): Promise<void> {
    await this.store?.close();
  }

  /** `<REDIS_PREFIX>rl:<networkId>:<K|M>:<id>`: the bucket of an API key (K) or a member (M). */
  private keyOf(ctx: Context): string {
    return `${this.prefix}rl:${ctx.networkId}:${principalKey(ctx.principal)}`;
  }

  /** The caller's network's budget: its own (CLI) or the defaults, cached per instance for POLICY_TTL_MS. */
  private policyOf(ctx: Context): Promise<Policy> {
    const now = Date.now();
    const cached = this.policies.get(ctx.networkId);
    if (cached && cached.expires > now) return cached.policy;
    if (this.policies.size >= 10_000) for (const [id, entry] of this.policies) if (entry.expires <= now) this.policies.delete(id);
    const policy = networkPolicy(ctx, this.defaults).catch((err: Error) => {
      // Not cached: the next request reads again.
      this.policies.delete(ctx.networkId);
      this.logger.warn('rate limit: network budget not read, using the defaults', { error: err.message });
      return this.defaults;
    });
    this.policies.set(ctx.networkId, { expires: now + POLICY_TTL_MS, policy });
    return policy;
  }

  private warn(err: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn('rate limit store unavailable: requests are let through (fail open)', { error: err.message });
  }
}
