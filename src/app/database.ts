import { DataSource, MigrationExecutor } from 'typeorm';
import { embeddedConnections, startEmbeddedDatabase, type EmbeddedDatabase } from '../db/embedded';
import { useCancelRequests, usePreparedStatements, useStatementBatching } from '../db/tenant';
import { createDataSource } from './data-source';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';

/** The database as the rest of the app sees it: one DataSource, one app role, and how to stop it. */
export interface Database {
  readonly dataSource: DataSource;
  readonly embedded: boolean;
  /** True once migrations ran at start; /readyz also pings the pool. */
  migrated: boolean;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Arbitrary but fixed: serialises migration runs of several instances starting at once. */
const MIGRATION_LOCK_KEY = 4_711_2026;

/** Connects (starting the embedded PGlite when no DATABASE_URL is set) and runs pending migrations. */
export async function openDatabase(
  config: Config,
  logger: Logger,
  opts: { migrate?: boolean; /** The embedded database, already starting (src/main.ts starts it first). */ embedded?: Promise<EmbeddedDatabase> } = {},
): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await (opts.embedded ?? startEmbeddedDatabase(config.dataDir, embeddedConnections(config.dbPoolMax)));
  // The embedded database runs one transaction at a time: a pool wait there is not a sign of overload, and pg-pool's
  // timeout would drop a connection whose start-up pglite-socket has queued (the network shares still time out).
  const dataSource = createDataSource(config.databaseUrl ?? embedded!.url, config.dbPoolMax, embedded ? 0 : config.dbAcquireTimeoutMs);
  try {
    await dataSource.initialize();
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  // pglite-socket serves every connection from one PGlite session, where statement names would collide.
  if (!embedded && config.dbPreparedStatements) usePreparedStatements(dataSource);
  // pglite-socket does not serve PostgreSQL's cancel requests; there the statement timeout bounds an aborted statement.
  if (!embedded) useCancelRequests(dataSource);
  if (config.dbBatchReads) useStatementBatching(dataSource);
  const db: Database = {
    dataSource,
    embedded: !!embedded,
    migrated: false,
    async ping() {
      try {
        await dataSource.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
  if (opts.migrate !== false) {
    try {
      const ran = config.databaseMigrationUrl ? await migrateAsOwner(config.databaseMigrationUrl) : await runMigrations(db);
      if (ran.length) logger.info('migrations applied', { migrations: ran });
      db.migrated = true;
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

/** Runs the migrations over DATABASE_MIGRATION_URL (the schema owner), on a connection of its own closed afterwards. */
async function migrateAsOwner(url: string): Promise<string[]> {
  const owner = createDataSource(url, 1);
  await owner.initialize();
  try {
    return await runMigrations({ dataSource: owner });
  } finally {
    await owner.destroy();
  }
}

/**
 * Runs pending migrations in one transaction that first takes a transaction-level advisory lock, so that instances
 * starting together do not race. Transaction-level, not session-level: behind a transaction-pooling proxy (PgBouncer)
 * a session lock would stay with whichever server connection took it, and the next instance would wait for it forever.
 */
export async function runMigrations(db: Pick<Database, 'dataSource'>): Promise<string[]> {
  const runner = db.dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const executor = new MigrationExecutor(db.dataSource, runner);
      executor.transaction = 'all';
      const ran = await executor.executePendingMigrations();
      await runner.commitTransaction();
      return ran.map((m) => m.name);
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  } finally {
    await runner.release();
  }
}
