import net from 'node:net';
import { QueryFailedError } from 'typeorm';
import { QueryResult } from 'typeorm/query-runner/QueryResult';
import { AppError, serverBusy, timedOut } from '../graphql/errors';
import { inlineParameters, isBatchable, literal } from './batch';
import type { PoolClient, QueryConfig } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * The role every request transaction runs as. Created by the first migration with NOLOGIN NOBYPASSRLS:
 * it is neither a superuser nor exempt from row-level security, so the policies apply to it on
 * PostgreSQL and on PGlite alike (whose built-in user is a superuser).
 */
export const APP_ROLE = 'peer_app';

/** Transaction-local settings the row-level security policies read (see migrations/). */
export type TenantSetting = 'app.network_id' | 'app.api_key_hash' | 'app.network_slug' | 'app.feed_token_hash';

/**
 * One transaction on one connection, running as APP_ROLE with `app.network_id` set transaction-locally.
 * Every query of an operation goes through `manager`, so a query that forgets its network filter
 * still cannot see or change another network's rows.
 */
export interface TenantTransaction {
  readonly manager: EntityManager;
  /** SQL statements sent on this transaction's connection, transaction control included. */
  readonly statementCount: number;
  /** Round trips to the database for them after BEGIN (reads issued together share one: ./batch.ts). */
  readonly roundTrips: number;
  /** Sets a transaction-local setting read by the policies (`null` clears it). */
  set(setting: TenantSetting, value: string | null): Promise<void>;
  /** Runs `fn` in a savepoint: on error only its own writes are rolled back, then the error is rethrown. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** From now on `finish('commit')` rolls back instead: the operation's only mutation failed. */
  rollbackOnly(): void;
  /**
   * Runs `fn` once the transaction has committed: never after a rollback, and not for work queued inside a
   * savepoint that was rolled back (e.g. live-update events, src/realtime). `fn` must not throw.
   */
  afterCommit(fn: () => void): void;
  /**
   * Runs `fn` inside `finish('commit')`, just before COMMIT, and only if the transaction is about to commit (not
   * after a rollback, an abort or `rollbackOnly`). If `fn` throws, the transaction is rolled back instead.
   */
  beforeCommit(fn: () => Promise<void>): void;
  /**
   * Ends the operation early (the client went away, or its deadline passed): no further statement is sent, the
   * running one is cancelled, and the transaction will roll back. Later statements fail with `reason`.
   */
  abort(reason: AppError): void;
  /** Why the transaction was aborted, if it was. */
  readonly abortReason: AppError | undefined;
  /** Raises this transaction's statement timeout and deadline to the long budget (the evaluation reads). */
  useLongBudget(): Promise<void>;
  /**
   * Ends the transaction exactly once, after its last statement: from the first call on, no new statement is
   * accepted; statements already issued finish (or are cancelled after `abort`); then COMMIT (or ROLLBACK) and the
   * connection goes back to the pool. Every call returns the same outcome.
   */
  finish(outcome: 'commit' | 'rollback'): Promise<'committed' | 'rolled back'>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** At most this many statements are kept prepared per connection; later new texts run unprepared. */
const MAX_PREPARED_PER_CONNECTION = 500;
const preparing = Symbol('preparing');

/**
 * Makes a pooled connection prepare each parameterised statement once and reuse it by name, so
 * PostgreSQL parses and plans the hot queries once per connection instead of on every request. The
 * same SQL text always gets the same name on a connection; texts beyond the cap run unnamed, as before.
 * (PostgreSQL re-plans a cached plan itself when the role or row-level security make it stale.)
 */
function prepareStatements(client: PoolClient & { [preparing]?: true }): void {
  if (client[preparing]) return;
  client[preparing] = true;
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text === 'string' && Array.isArray(values) && callback === undefined) {
      let name = names.get(text);
      if (!name && names.size < MAX_PREPARED_PER_CONNECTION) {
        name = `pn_${names.size}`;
        names.set(text, name);
      }
      if (name) return query({ name, text, values } satisfies QueryConfig);
    }
    return query(text, values, callback);
  }) as PoolClient['query'];
}

/**
 * Batched reads (./batch.ts) on a connection that prepares statements: each text is prepared once per connection with
 * SQL PREPARE, in the batch that first sends it, and later batches send `EXECUTE name(literals)`, so batched reads keep
 * their cached plans too. Names `pb_n` (pg's own `pn_n` are protocol-level and tracked by pg); a name whose batch
 * failed is never reused (whether its PREPARE stood is unknown).
 */
const batchPrepared = Symbol('batchPrepared');
type BatchPrepared = { names: Map<string, string>; next: number };

function batchNames(client: PoolClient & { [batchPrepared]?: BatchPrepared }): BatchPrepared {
  client[batchPrepared] ??= { names: new Map(), next: 0 };
  return client[batchPrepared];
}

const preparedSources = new WeakSet<DataSource>();

/** Lets tenant transactions on this data source prepare their statements (real PostgreSQL only). */
export function usePreparedStatements(dataSource: DataSource): void {
  preparedSources.add(dataSource);
}

/** Time limits of one tenant transaction (all transaction-local, so they hold behind a transaction-pooling proxy). */
export interface TransactionLimits {
  /** PostgreSQL `statement_timeout` of each statement. */
  statementTimeoutMs: number;
  /** PostgreSQL `idle_in_transaction_session_timeout`: a backstop should the application stall mid-transaction. */
  idleTimeoutMs: number;
  /** The whole transaction's deadline, from its start: then it is aborted with `TIMEOUT` and rolled back. */
  deadlineMs: number;
  /** Statement timeout and deadline after `useLongBudget()`. */
  longBudgetMs: number;
}

/** What else to send with BEGIN, in the same round trip. */
export interface BeginOptions {
  /** More transaction-local settings. Values must be UUIDs or hex (checked): they are sent as literals. */
  settings?: Partial<Record<TenantSetting, string>>;
  /**
   * One more statement (e.g. the member lookup), as literal SQL without parameters: build it with
   * `sqlLiteral`. Its rows come back as `firstRows`.
   */
  firstQuery?: string;
  /** Time limits; none when absent (the CLI, seeding and migrations-like work). */
  limits?: TransactionLimits;
  /**
   * Waits for the caller's share of the pool (src/db/shares.ts) before a connection is taken; the function it
   * resolves to gives the share back once the connection is released.
   */
  acquireShare?: () => Promise<() => void>;
}

const SAFE_LITERAL = /^[0-9a-f-]{1,128}$/i;

/** A quoted SQL literal of a UUID or hex string (anything else throws), for BeginOptions. */
export function sqlLiteral(value: string): string {
  if (!SAFE_LITERAL.test(value)) throw new Error('sqlLiteral: only UUIDs and hex strings may be sent as literals');
  return `'${value}'`;
}

const cancellable = new WeakSet<DataSource>();

/** Lets aborted transactions on this data source cancel their running statement (PostgreSQL's cancel request). */
export function useCancelRequests(dataSource: DataSource): void {
  cancellable.add(dataSource);
}

/**
 * Asks PostgreSQL to cancel what the connection is running (the protocol's CancelRequest on a new socket, as
 * libpq's PQcancel does: pg 8 has no public API for it). Best effort: the statement then fails with 57014.
 */
function sendCancelRequest(client: PoolClient): Promise<void> {
  const c = client as unknown as { processID: number | null; secretKey: number | null; host: string; port: number };
  if (c.processID === null || c.secretKey === null) return Promise.resolve();
  const socket = c.host.startsWith('/') ? net.connect(`${c.host}/.s.PGSQL.${c.port}`) : net.connect(c.port, c.host);
  socket.setTimeout(2_000, () => socket.destroy());
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(80_877_102, 4);
    message.writeInt32BE(c.processID!, 8);
    message.writeInt32BE(c.secretKey!, 12);
    socket.end(message);
  });
  // PostgreSQL closes the socket once it has passed the request on: only then may ROLLBACK follow (a late cancel
  // could otherwise hit it).
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** pg's message when `connectionTimeoutMillis` passed before the pool had a connection. */
const POOL_TIMEOUT = /timeout exceeded when trying to connect/i;

/** Refused statement: the transaction has already ended (or is ending). Never reaches the database. */
export class TransactionEndedError extends Error {
  constructor() {
    super('The transaction has already ended: statement refused');
    this.name = 'TransactionEndedError';
  }
}

const batchingSources = new WeakSet<DataSource>();

/** Lets tenant transactions on this data source send reads issued together in one round trip (./batch.ts). */
export function useStatementBatching(dataSource: DataSource): void {
  batchingSources.add(dataSource);
}

/** A read waiting for its round trip. */
interface PendingRead {
  sql: string;
  values: unknown[];
  structured: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** One statement's part of a multi-statement simple-protocol result. */
interface BatchResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

/** What TypeORM's PostgresQueryRunner.query answers for a SELECT: the rows, or (structured) a QueryResult. */
function typeormResult(raw: BatchResult, structured: boolean): unknown {
  if (!structured) return raw.rows;
  const result = new QueryResult();
  result.records = raw.rows;
  result.raw = raw.rows;
  result.affected = raw.rowCount ?? undefined;
  return result;
}

/** Opens a tenant transaction. `networkId` null means: no network, and so no tenant rows visible. */
export async function beginTenantTransaction(
  dataSource: DataSource,
  networkId: string | null,
  options: BeginOptions = {},
): Promise<TenantTransaction & { firstRows: Array<Record<string, unknown>> }> {
  if (networkId !== null && !UUID.test(networkId)) throw new Error('beginTenantTransaction: networkId must be a UUID');
  const giveBackShare = options.acquireShare ? await options.acquireShare() : undefined;
  const runner = dataSource.createQueryRunner();
  let statements = 0;
  let roundTrips = 0;
  const query = runner.query.bind(runner) as (sql: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;
  // Set once the transaction ends or is aborted: from then on no statement is sent (it would run after the
  // transaction-local role and network are gone, in autocommit). `aborted` also refuses statements already queued.
  let ended = false;
  let aborted: AppError | undefined;
  let running = 0;
  // Loaders of one request run in parallel on this one connection: queue their statements here rather
  // than rely on pg's deprecated implicit queueing.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      if (aborted) throw aborted;
      running += 1;
      try {
        return await job();
      } finally {
        running -= 1;
      }
    });
    queue = run.catch(() => undefined);
    return run;
  };
  // Reads issued at the same moment (./batch.ts) wait in `pending` until the event loop's current turn is over,
  // then go in one round trip, in their place in the queue; a lone read goes as it would have. A statement that
  // is not batched first sends the reads issued before it, so every statement keeps its order.
  const batching = batchingSources.has(dataSource);
  let pending: PendingRead[] = [];
  let flushTimer: NodeJS.Immediate | undefined;
  const runReads = async (group: PendingRead[]) => {
    if (group.length === 1) {
      const [p] = group;
      await query(p.sql, p.values, p.structured).then(p.resolve, p.reject);
      return;
    }
    // With prepared statements: PREPARE (first time on this connection) and EXECUTE; else the statement itself.
    const prepared = preparedSources.has(dataSource) ? batchNames(client) : undefined;
    const added: string[] = [];
    const parts: string[] = [];
    const resultIndex: number[] = [];
    try {
      for (const p of group) {
        let name = prepared?.names.get(p.sql);
        if (prepared && !name && prepared.names.size < MAX_PREPARED_PER_CONNECTION) {
          name = `pb_${prepared.next++}`;
          prepared.names.set(p.sql, name);
          added.push(p.sql);
          parts.push(`PREPARE ${name} AS ${p.sql}`);
        }
        resultIndex.push(parts.length);
        parts.push(name ? `EXECUTE ${name}${p.values.length ? `(${p.values.map(literal).join(', ')})` : ''}` : inlineParameters(p.sql, p.values));
      }
      const results = (await client.query(parts.join(';\n'))) as unknown as BatchResult[];
      group.forEach((p, i) => p.resolve(typeormResult(results[resultIndex[i]], p.structured)));
    } catch (err) {
      for (const sql of added) prepared!.names.delete(sql);
      for (const p of group) p.reject(err === aborted ? err : new QueryFailedError(p.sql, p.values, err as Error));
    }
  };
  const flush = () => {
    if (flushTimer) clearImmediate(flushTimer);
    flushTimer = undefined;
    if (!pending.length) return;
    const group = pending;
    pending = [];
    roundTrips += 1;
    // Through the queue like any statement (`aborted` refuses the whole group there).
    void enqueue(() => runReads(group)).catch((err: unknown) => group.forEach((p) => p.reject(err)));
  };
  runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) => {
    if (aborted) return Promise.reject(aborted);
    if (ended) return Promise.reject(new TransactionEndedError());
    statements += 1;
    if (batching && isBatchable(sql, parameters)) {
      return new Promise((resolve, reject) => {
        pending.push({ sql, values: parameters ?? [], structured: structured === true, resolve, reject });
        flushTimer ??= setImmediate(flush);
      });
    }
    flush(); // reads issued earlier go first
    roundTrips += 1;
    return enqueue(() => query(sql, parameters, structured));
  }) as QueryRunner['query'];

  let mustRollBack = false;
  let savepoints = 0;
  let onCommit: Array<() => void> = [];
  const beforeCommit: Array<() => Promise<void>> = [];
  // TypeORM's transaction bookkeeping (read-only in its typings), kept as its startTransaction() keeps it.
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  let firstRows: Array<Record<string, unknown>> = [];
  let client: PoolClient;
  const limits = options.limits;
  try {
    try {
      client = (await runner.connect()) as PoolClient;
    } catch (err) {
      if (err instanceof Error && POOL_TIMEOUT.test(err.message)) throw serverBusy();
      throw err;
    }
    if (preparedSources.has(dataSource)) prepareStatements(client);
    // One round trip for BEGIN, the settings and the optional first query: a simple-protocol query with
    // several statements, whose only values are literals checked above. TypeORM's own bookkeeping is set
    // as its startTransaction() sets it.
    const settings = Object.entries(options.settings ?? {}).map(([name, value]) => `, set_config('${name}', ${sqlLiteral(value!)}, true)`);
    // PostgreSQL only: the embedded database (one PGlite session behind pglite-socket) serves no cancel requests, and
    // a session timeout firing there would end the one session every connection shares. There the deadline alone
    // applies, between statements.
    if (limits && cancellable.has(dataSource)) {
      settings.push(
        `, set_config('statement_timeout', '${Math.trunc(limits.statementTimeoutMs)}', true)`,
        `, set_config('idle_in_transaction_session_timeout', '${Math.trunc(limits.idleTimeoutMs)}', true)`,
      );
    }
    const parts = [
      'START TRANSACTION',
      // No JIT: request statements take milliseconds and JIT compilation hundreds; large CTE-based cost
      // estimates (the evaluation reads) would otherwise cross jit_above_cost (observed: +1 s).
      `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.network_id', '${networkId ?? ''}', true), set_config('jit', 'off', true)${settings.join('')}`,
      ...(options.firstQuery ? [options.firstQuery] : []),
    ];
    state.isTransactionActive = true;
    const results = (await client.query(parts.join('; '))) as unknown as Array<{ rows: Array<Record<string, unknown>> }>;
    statements += parts.length;
    state.transactionDepth = 1;
    if (options.firstQuery) firstRows = results[results.length - 1].rows;
  } catch (err) {
    ended = true;
    if (runner.isTransactionActive) await client!.query('ROLLBACK').catch(() => undefined);
    state.isTransactionActive = false;
    await runner.release();
    giveBackShare?.();
    throw err;
  }

  const startedAt = Date.now();
  let deadline: NodeJS.Timeout | undefined;
  const armDeadline = (ms: number) => {
    clearTimeout(deadline);
    deadline = setTimeout(() => tx.abort(timedOut(ms)), Math.max(0, startedAt + ms - Date.now()));
    deadline.unref();
  };
  if (limits) armDeadline(limits.deadlineMs);

  let longBudget = false;
  let cancelling: Promise<void> | undefined;
  let finishing: Promise<'committed' | 'rolled back'> | undefined;
  async function end(outcome: 'commit' | 'rollback'): Promise<'committed' | 'rolled back'> {
    ended = true;
    clearTimeout(deadline);
    const callbacks = onCommit;
    onCommit = [];
    let committed = false;
    // On any doubt about the connection's state (a failed ROLLBACK), it is discarded rather than reused.
    let discard: Error | undefined;
    try {
      // Statements issued before the end finish first: COMMIT/ROLLBACK never overtakes them, and nothing follows.
      flush();
      await queue;
      await cancelling;
      if (outcome === 'commit' && !mustRollBack && !aborted) {
        for (const fn of beforeCommit) await runBeforeCommit(fn);
        flush();
        await queue;
      }
      if (outcome === 'commit' && !mustRollBack && !aborted) {
        // PostgreSQL answers COMMIT with ROLLBACK when an error aborted the transaction: only a real COMMIT
        // counts (pg's command tag; TypeORM's commitTransaction does not tell).
        statements += 1;
        const result = await client.query('COMMIT');
        committed = result.command === 'COMMIT';
      } else {
        statements += 1;
        await client.query('ROLLBACK');
      }
    } catch (err) {
      discard = err instanceof Error ? err : new Error(String(err));
    } finally {
      state.isTransactionActive = false;
      state.transactionDepth = 0;
      // TypeORM's PostgresQueryRunner releases with an error through releasePostgresConnection (pg-pool then
      // destroys the connection instead of reusing it).
      if (discard) await (runner as unknown as { releasePostgresConnection(err: Error): Promise<void> }).releasePostgresConnection(discard);
      else await runner.release();
      giveBackShare?.();
    }
    if (committed) for (const fn of callbacks) fn();
    return committed ? 'committed' : 'rolled back';
  }

  /** A beforeCommit hook runs as part of the transaction: statements it issues are still accepted. */
  async function runBeforeCommit(fn: () => Promise<void>): Promise<void> {
    ended = false;
    try {
      await fn();
    } catch {
      mustRollBack = true;
    } finally {
      ended = true;
    }
  }

  const tx: TenantTransaction & { firstRows: Array<Record<string, unknown>> } = {
    manager: runner.manager,
    firstRows,
    get statementCount() {
      return statements;
    },
    get roundTrips() {
      return roundTrips;
    },
    get abortReason() {
      return aborted;
    },
    async set(setting, value) {
      await runner.query('SELECT set_config($1, $2, true)', [setting, value ?? '']);
    },
    async savepoint(fn) {
      const name = `op_${++savepoints}`;
      const queued = onCommit.length;
      await runner.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn();
        await runner.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        onCommit.length = queued;
        await runner.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw err;
      }
    },
    rollbackOnly() {
      mustRollBack = true;
    },
    afterCommit(fn) {
      if (ended) throw new Error('afterCommit: the transaction has already ended');
      onCommit.push(fn);
    },
    beforeCommit(fn) {
      if (ended) throw new Error('beforeCommit: the transaction has already ended');
      beforeCommit.push(fn);
    },
    abort(reason) {
      if (aborted || finishing) return;
      aborted = reason;
      if (running > 0 && cancellable.has(dataSource)) cancelling = sendCancelRequest(client);
    },
    async useLongBudget() {
      // Once per transaction; later callers' statements queue behind this one anyway.
      if (!limits || longBudget) return;
      longBudget = true;
      if (cancellable.has(dataSource)) await runner.query(`SELECT set_config('statement_timeout', $1, true)`, [String(limits.longBudgetMs)]);
      armDeadline(limits.longBudgetMs);
    },
    finish(outcome) {
      finishing ??= end(outcome);
      return finishing;
    },
  };
  return tx;
}

/**
 * What every service call works in: a tenant transaction and its network. Services take it first, as
 * `scope`; the request context satisfies it, and the CLI and the demo seed pass `{ manager, networkId }`.
 */
export interface Scope {
  readonly manager: EntityManager;
  readonly networkId: string;
}

/** Runs `fn` in its own tenant transaction: commit on success, roll back on error. For the CLI, seeding and tests. */
export async function withTenant<T>(
  dataSource: DataSource,
  networkId: string | null,
  fn: (manager: EntityManager, tx: TenantTransaction) => Promise<T>,
): Promise<T> {
  const tx = await beginTenantTransaction(dataSource, networkId);
  try {
    const result = await fn(tx.manager, tx);
    await tx.finish('commit');
    return result;
  } catch (err) {
    await tx.finish('rollback');
    throw err;
  }
}
