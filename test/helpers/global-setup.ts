import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/app/database';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded';

declare global {
  var __EMBEDDED_DB__: EmbeddedDatabase | undefined;

  var __EMBEDDED_DIR__: string | undefined;
}

/**
 * Tests run against real PostgreSQL when DATABASE_URL is set (as CI does), otherwise against one
 * embedded PGlite for the whole run, reached through the same `pg` pool. Tests create their own
 * networks, so test files share the database the way tenants do.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-test-db-'));
    const embedded = await startEmbeddedDatabase(dir, 40);
    globalThis.__EMBEDDED_DB__ = embedded;
    globalThis.__EMBEDDED_DIR__ = dir;
    process.env.DATABASE_URL = embedded.url;
    process.env.TEST_DATABASE_EMBEDDED = '1';
    // Reached by URL like a server, but pglite-socket serves all connections from one session, where
    // prepared statement names would collide (child processes such as the CLI inherit this too).
    process.env.DB_PREPARED_STATEMENTS = 'false';
  }
  // @apollo/gateway (test/federation) otherwise runs its telemetry's cloud detectors, which call the cloud metadata
  // address 169.254.169.254: tests reach nothing beyond 127.0.0.1.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const db = await openDatabase(config, createLogger('warn'));
  await db.close();
}
