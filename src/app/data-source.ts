import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { entities } from './features';

/**
 * The one DataSource factory, used by the server, the CLI, the migration script and the tests.
 * Never `synchronize`: the schema comes from the reviewed SQL in migrations/.
 */
export function createDataSource(url: string, poolMax = 10, acquireTimeoutMs = 0): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: false,
    applicationName: 'peer-networks-api',
    // connectionTimeoutMillis: how long a checkout waits for the pool (0: forever, for the CLI and scripts).
    extra: { max: poolMax, idleTimeoutMillis: 30_000, connectionTimeoutMillis: acquireTimeoutMs },
  });
}
