import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../src/app/data-source';
import { startEmbeddedDatabase } from '../../src/db/embedded';

/** A database of its own: a new PostgreSQL database when the run uses PostgreSQL, else a new PGlite. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!process.env.TEST_DATABASE_EMBEDDED) {
    const name = `peer_mig_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: async () => {
        await admin.query(`DROP DATABASE ${name}`);
        await admin.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-mig-'));
  // Not from the build's template, which has the migrations done already: this test needs an empty database.
  const db = await startEmbeddedDatabase(dir, 4, { template: false });
  return {
    url: db.url,
    drop: async () => {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const tables = async (ds: ReturnType<typeof createDataSource>) =>
  (await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).map((r: { tablename: string }) => r.tablename);

test('every migration goes up, down and up again on an empty database', async () => {
  const fresh = await freshDatabase();
  const ds = createDataSource(fresh.url, 2);
  try {
    await ds.initialize();
    const count = (await ds.runMigrations({ transaction: 'all' })).length;
    expect(count).toBeGreaterThan(0);
    expect(await tables(ds)).toEqual(expect.arrayContaining(['api_keys', 'members', 'networks']));
    for (let i = 0; i < count; i++) await ds.undoLastMigration({ transaction: 'all' });
    expect(await tables(ds)).toEqual(['schema_migrations']);
    expect(await ds.runMigrations({ transaction: 'all' })).toHaveLength(count);
    expect(await ds.showMigrations()).toBe(false);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await fresh.drop();
  }
});
