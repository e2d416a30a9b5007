import { performance } from 'node:perf_hooks';
import { execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { beginTenantTransaction } from '../db/tenant';
import { newRequestId, type ContextDeps } from '../graphql/context';
import { logUnexpected } from '../graphql/errors';
import { Loaders } from '../graphql/loaders';
import { nameReadOperation, readPersonalData } from '../modules/audit/read-audit';
import { reauthenticate } from '../modules/auth/authenticate';
import { contextOf } from '../modules/auth/context';
import { EventStream } from '../realtime/stream';
import { isSkipped } from '../realtime/subscriptions';
import { closeExpired, closeRevoked, closeSlowConsumer, expired, type Connection } from './websocket-connection';
import type { Logger } from '../config/logger';
import type { Metrics } from '../config/metrics';
import type { WebSocket } from 'ws';

/**
 * The delivery of live updates to graphql-ws subscriptions (./websocket.ts hands each subscription's stream here).
 *
 * Events are delivered in batches: the subscriptions of this process that take the same event (the broker hands
 * them one object) in the same network are resolved together, up to `MAX_BATCH` at a time, on ONE fresh tenant
 * transaction of that network opened after the event arrived (so after the publisher's commit), which is rolled
 * back once every execution of the batch has ended. The batch's credentials are checked again in one statement
 * (`reauthenticate`: the member still exists with its current role, the API key is not revoked and has its
 * current scopes); token expiry is checked in memory. Each subscriber then gets its OWN context (principal,
 * viewer, expiry, request id) and its own loaders, whose viewer-independent loaders (entities by id) come from
 * the batch's shared parent, so identical reads coalesce into one statement (see src/graphql/loaders.ts). The
 * executions run concurrently, in waves of `WAVE` (see runBatch). Expired or revoked credentials close the
 * socket (4403) instead, and a subscription whose checks now fail skips the event (./subscriptions.ts).
 */

/** At most this many subscribers are resolved on one transaction; a bigger batch is split (each part its own connection). */
const MAX_BATCH = 500;

/** At most this many executions of a batch run at once (see runBatch). */
const WAVE = 100;

const SKIP = Symbol('skip');
const END = Symbol('end');
type Delivery = ExecutionResult | typeof SKIP | typeof END;

/** One subscription's share of a delivery batch. */
interface BatchEntry {
  connection: Connection;
  socket: WebSocket;
  args: ExecutionArgs;
  operationId: string;
  resolve: (result: Delivery) => void;
}

/** Lets at most `size` deliveries hold a database connection at once, leaving the rest of the pool to requests. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

export class LiveDelivery {
  private readonly limiter: Limiter;
  /**
   * Batches being collected, by event object and network: the broker hands every listener of a channel the same
   * object in one turn of the event loop, so the subscriptions taking it join one batch, flushed on the next turn.
   */
  private readonly collecting = new Map<unknown, Map<string, BatchEntry[]>>();

  constructor(
    private readonly deps: ContextDeps,
    private readonly logger: Logger,
    /** At most this many batches hold a database connection at once. */
    connections: number,
    /** Registers work that holds a transaction, so that closing the server waits for it. */
    private readonly track: (work: () => Promise<unknown>) => unknown,
    /** Observes each result's delivery latency, from the event's arrival here (METRICS_*). */
    private readonly metrics?: Metrics,
  ) {
    this.limiter = new Limiter(connections);
  }

  /** The results of a subscription: its events, each delivered, skipped ones left out. */
  results(
    connection: Connection,
    socket: WebSocket,
    operationId: string,
    args: ExecutionArgs,
    source: AsyncIterator<unknown>,
  ): AsyncIterableIterator<ExecutionResult> {
    if (source instanceof EventStream) {
      source.onOverflow = () => closeSlowConsumer(socket);
      if (source.overflowed) closeSlowConsumer(socket);
    }
    const stop = async (): Promise<IteratorResult<ExecutionResult>> => {
      await source.return?.();
      return { value: undefined, done: true };
    };
    const deliver = (event: unknown) => this.collect({ connection, socket, args, operationId }, event);
    return {
      async next() {
        for (;;) {
          const event = await source.next();
          if (event.done) return { value: undefined, done: true };
          const result = await deliver(event.value);
          if (result === END) return stop();
          if (result !== SKIP) return { value: result, done: false };
        }
      },
      return: stop,
      throw: stop,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Delivers one event to one subscription, as part of the event's batch. */
  private collect(subscriber: Omit<BatchEntry, 'resolve'>, event: unknown): Promise<Delivery> {
    return new Promise<Delivery>((resolve) => {
      let byNetwork = this.collecting.get(event);
      if (!byNetwork) {
        const batches = new Map<string, BatchEntry[]>();
        const arrivedAt = performance.now();
        byNetwork = batches;
        this.collecting.set(event, batches);
        setImmediate(() => {
          this.collecting.delete(event);
          for (const [networkId, entries] of batches) {
            for (let i = 0; i < entries.length; i += MAX_BATCH) this.runBatch(networkId, event, entries.slice(i, i + MAX_BATCH), arrivedAt);
          }
        });
      }
      const networkId = subscriber.connection.networkId;
      let entries = byNetwork.get(networkId);
      if (!entries) byNetwork.set(networkId, (entries = []));
      entries.push({ ...subscriber, resolve });
    });
  }

  /** Resolves one batch on one transaction (one of the limiter's connections); every entry's promise settles. */
  private runBatch(networkId: string, event: unknown, entries: BatchEntry[], arrivedAt: number): void {
    const { deps, logger, metrics } = this;
    /** A result goes to its subscriber's socket: its latency is observed. */
    const deliver = (e: BatchEntry, result: ExecutionResult) => {
      metrics?.liveDelivery.observe((performance.now() - arrivedAt) / 1000);
      e.resolve(result);
    };
    const run = this.limiter.run(async () => {
      // A socket being closed (slow consumer, expiry, shutdown) gets no more work done for it.
      const live = entries.filter((e) => {
        if (e.socket.readyState !== e.socket.OPEN) return (e.resolve(END), false);
        if (expired(e.connection)) return (closeExpired(e.socket), e.resolve(END), false);
        return true;
      });
      if (live.length === 0) return;
      let tx: Awaited<ReturnType<typeof beginTenantTransaction>> | undefined;
      try {
        // Deliveries take the network's share of the pool like its requests do (fair sharing), with the same limits.
        const shares = deps.shares;
        tx = await beginTenantTransaction(deps.dataSource, networkId, { limits: deps.limits, acquireShare: shares && (() => shares.acquire(networkId)) });
        const current = await reauthenticate(
          tx,
          networkId,
          live.map((e) => e.connection.principal),
        );
        const shared = new Loaders(tx.manager, networkId);
        const openTx = tx;
        // Results that read other members' personal data wait for the batch's COMMIT, which writes their read-audit
        // entries (src/modules/audit/read-audit.ts): no such read is sent without its record.
        const held: Array<{ e: BatchEntry; result: ExecutionResult }> = [];
        const one = async (e: BatchEntry) => {
          try {
            const principal = current(e.connection.principal);
            if (!principal) {
              closeRevoked(e.socket);
              return e.resolve(END);
            }
            // Expiry again: the batch may have waited for a connection.
            if (expired(e.connection)) {
              closeExpired(e.socket);
              return e.resolve(END);
            }
            const auth = { networkId, principal, expiresAt: e.connection.expiresAt === undefined ? undefined : new Date(e.connection.expiresAt) };
            const ctx = contextOf(deps, openTx, auth, newRequestId(), shared);
            nameReadOperation(ctx, e.args.operationName, e.args.document);
            const result = await execute({ ...e.args, rootValue: event, contextValue: ctx });
            if (isSkipped(result)) return e.resolve(SKIP);
            logUnexpected(logger, result.errors, { requestId: ctx.requestId, operationName: e.args.operationName, operationId: e.operationId });
            if (readPersonalData(ctx)) held.push({ e, result });
            else deliver(e, result);
          } catch (err) {
            logger.error('live update not delivered', { error: (err as Error).message });
            e.resolve(SKIP);
          }
        };
        // Every execution of the batch has ended (settled) before its transaction is finished. They run in waves of
        // WAVE: the first wave's reads fill the shared loaders, the later ones mostly find them there, and only one
        // wave's executions are alive at a time (1,000 concurrent executions outgrow the young generation: costly GC).
        for (let i = 0; i < live.length; i += WAVE) await Promise.allSettled(live.slice(i, i + WAVE).map(one));
        if (held.length > 0) {
          const committed = (await openTx.finish('commit')) === 'committed';
          if (!committed) logger.error('read audit not written: live updates withheld', { subscriptions: held.length });
          for (const { e, result } of held) {
            if (committed) deliver(e, result);
            else e.resolve(SKIP);
          }
        }
      } catch (err) {
        logger.error('live update not delivered', { error: (err as Error).message });
      } finally {
        // Otherwise read-only work: nothing to keep (a finished transaction stays as it ended). Entries not answered
        // yet (the transaction did not open) skip the event.
        await tx?.finish('rollback');
        for (const e of live) e.resolve(SKIP);
      }
    });
    this.track(() => run);
  }
}
