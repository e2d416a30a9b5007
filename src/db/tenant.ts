import type { PoolClient, QueryConfig } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * The role every request transaction runs as. Created by the first migration with NOLOGIN NOBYPASSRLS:
 * it is neither a superuser nor exempt from row-level security, so the policies apply to it on
 * PostgreSQL and on PGlite alike (whose built-in user is a superuser).
 */
export const APP_ROLE = 'peer_app';

/** Transaction-local settings the row-level security policies read (see migrations/). */
export type TenantSetting = 'app.network_id' | 'app.api_key_hash' | 'app.network_slug';

/**
 * One transaction on one connection, running as APP_ROLE with `app.network_id` set transaction-locally.
 * Every query of an operation goes through `manager`, so a query that forgets its network filter
 * still cannot see or change another network's rows.
 */
export interface TenantTransaction {
  readonly manager: EntityManager;
  /** SQL statements sent on this transaction's connection, transaction control included. */
  readonly statementCount: number;
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
   * Runs `fn` inside `finish('commit')` just before COMMIT, only when the transaction is about to commit (not on
   * rollback). If `fn` throws, the transaction is rolled back and the error rethrown.
   */
  beforeCommit(fn: () => Promise<void>): void;
  /** Commits (or rolls back) and releases the connection. Safe to call more than once. */
  finish(outcome: 'commit' | 'rollback'): Promise<void>;
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

const preparedSources = new WeakSet<DataSource>();

/** Lets tenant transactions on this data source prepare their statements (real PostgreSQL only). */
export function usePreparedStatements(dataSource: DataSource): void {
  preparedSources.add(dataSource);
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
}

const SAFE_LITERAL = /^[0-9a-f-]{1,128}$/i;

/** A quoted SQL literal of a UUID or hex string (anything else throws), for BeginOptions. */
export function sqlLiteral(value: string): string {
  if (!SAFE_LITERAL.test(value)) throw new Error('sqlLiteral: only UUIDs and hex strings may be sent as literals');
  return `'${value}'`;
}

/** Opens a tenant transaction. `networkId` null means: no network, and so no tenant rows visible. */
export async function beginTenantTransaction(
  dataSource: DataSource,
  networkId: string | null,
  options: BeginOptions = {},
): Promise<TenantTransaction & { firstRows: Array<Record<string, unknown>> }> {
  const runner = dataSource.createQueryRunner();
  let statements = 0;
  const query = runner.query.bind(runner);
  // Loaders of one request run in parallel on this one connection: queue their statements here rather
  // than rely on pg's deprecated implicit queueing.
  let queue: Promise<unknown> = Promise.resolve();
  runner.query = ((...args: Parameters<QueryRunner['query']>) => {
    statements += 1;
    const run = queue.then(() => query(...args));
    queue = run.catch(() => undefined);
    return run;
  }) as QueryRunner['query'];

  let finished = false;
  let mustRollBack = false;
  let savepoints = 0;
  let onCommit: Array<() => void> = [];
  let preCommit: Array<() => Promise<void>> = [];
  // TypeORM's transaction bookkeeping (read-only in its typings), kept as its startTransaction() keeps it.
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  let firstRows: Array<Record<string, unknown>> = [];
  let client: PoolClient;
  try {
    client = (await runner.connect()) as PoolClient;
    if (preparedSources.has(dataSource)) prepareStatements(client);
    if (networkId !== null && !UUID.test(networkId)) throw new Error('beginTenantTransaction: networkId must be a UUID');
    // One round trip for BEGIN, the settings and the optional first query: a simple-protocol query with
    // several statements, whose only values are literals checked above. TypeORM's own bookkeeping is set
    // as its startTransaction() sets it.
    const settings = Object.entries(options.settings ?? {}).map(([name, value]) => `, set_config('${name}', ${sqlLiteral(value!)}, true)`);
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
    finished = true;
    if (runner.isTransactionActive) await runner.query('ROLLBACK').catch(() => undefined);
    state.isTransactionActive = false;
    await runner.release();
    throw err;
  }

  return {
    manager: runner.manager,
    firstRows,
    get statementCount() {
      return statements;
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
      if (finished) throw new Error('afterCommit: the transaction has already ended');
      onCommit.push(fn);
    },
    beforeCommit(fn) {
      if (finished) throw new Error('beforeCommit: the transaction has already ended');
      preCommit.push(fn);
    },
    async finish(outcome) {
      if (finished) return;
      finished = true;
      const callbacks = onCommit;
      onCommit = [];
      const before = preCommit;
      preCommit = [];
      let committed = false;
      try {
        if (runner.isTransactionActive) {
          if (outcome === 'commit' && !mustRollBack) {
            try {
              for (const fn of before) await fn();
            } catch (err) {
              await runner.rollbackTransaction();
              throw err;
            }
            // PostgreSQL answers COMMIT with ROLLBACK when an error aborted the transaction: only a real COMMIT
            // counts (pg's command tag; TypeORM's commitTransaction does not tell).
            await queue;
            statements += 1;
            const result = await client.query('COMMIT');
            state.isTransactionActive = false;
            state.transactionDepth = 0;
            committed = result.command === 'COMMIT';
          } else await runner.rollbackTransaction();
        }
      } finally {
        await runner.release();
      }
      if (committed) for (const fn of callbacks) fn();
    },
  };
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
