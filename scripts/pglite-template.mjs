// The embedded database's first start without initdb nor the migrations: PGlite's initdb (in WebAssembly) takes 8–10 s
// and the migrations 2–3 s, so the build makes one data directory with both done, once per PGlite version and set of
// migrations, and src/db/embedded.ts starts a new DATA_DIR from a copy of it (about 2 s). The start still runs the
// migrations as always (a no-op here; any the template lacks). dist/pglite/pgdata.tar.gz (PGlite's own dumpDataDir),
// with pgdata.json: the PGlite version and the migrations it was made with.
// Run by `npm run build`, after tsc (it uses the compiled migrations); does nothing when the template is current.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist/pglite');
const tarball = path.join(outDir, 'pgdata.tar.gz');
const manifest = path.join(outDir, 'pgdata.json');

const require = createRequire(import.meta.url);
const pglitePackage = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
const version = JSON.parse(fs.readFileSync(pglitePackage, 'utf8')).version;

require('reflect-metadata');
const migrationNames = require(path.join(root, 'dist/migrations')).migrations.map((m) => m.name);
// The compiled migrations' contents too: a migration edited in place (during development) makes a new template.
const compiled = path.join(root, 'dist/migrations');
const hash = createHash('sha256');
for (const file of fs
  .readdirSync(compiled)
  .filter((f) => f.endsWith('.js'))
  .sort())
  hash.update(file).update(fs.readFileSync(path.join(compiled, file)));
const migrations = { names: migrationNames, sha256: hash.digest('hex') };

const current = fs.existsSync(manifest) && fs.existsSync(tarball) ? JSON.parse(fs.readFileSync(manifest, 'utf8')) : undefined;
if (current?.pgliteVersion === version && JSON.stringify(current.migrations) === JSON.stringify(migrations)) process.exit(0);

const started = Date.now();
process.stderr.write(`Preparing the embedded database template (PGlite ${version}: initdb and ${migrationNames.length} migrations, once)…\n`);
const { PGlite } = await import('@electric-sql/pglite');
const { startEmbeddedDatabase } = require(path.join(root, 'dist/src/db/embedded'));
const { createDataSource } = require(path.join(root, 'dist/src/app/data-source'));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-template-'));
try {
  // From initdb (not from an older template: a migration edited in place must not keep its old version), then every
  // migration, as a first start runs them.
  const embedded = await startEmbeddedDatabase(scratch, 4, { template: false });
  const dataSource = createDataSource(embedded.url, 2);
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded.stop();
  }
  const db = await PGlite.create(path.join(scratch, 'pgdata'));
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(`${tarball}.tmp`, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(`${tarball}.tmp`, tarball);
  fs.writeFileSync(manifest, `${JSON.stringify({ pgliteVersion: version, migrations, createdAt: new Date().toISOString() })}\n`);
  process.stderr.write(`Embedded database template ready in ${Date.now() - started} ms\n`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
