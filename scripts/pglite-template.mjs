// The embedded database's first start without initdb nor the migrations: PGlite's initdb (in WebAssembly) takes 8–10 s
// and the migrations 2–3 s, so the build makes one data directory with both done, once per PGlite version and set of
// migrations, and src/db/embedded.ts starts a new DATA_DIR from a copy of it (about 2 s). The start still runs the
// migrations as always (a no-op here; any the template lacks). dist/pglite/pgdata.tar.gz (PGlite's own dumpDataDir),
// with pgdata.json: the PGlite version and the migrations it was made with.
// Run by `npm run build`, after tsc (it uses the compiled migrations); does nothing when the template is current.
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
const migrations = require(path.join(root, 'dist/migrations')).migrations.map((m) => m.name);

const current = fs.existsSync(manifest) && fs.existsSync(tarball) ? JSON.parse(fs.readFileSync(manifest, 'utf8')) : undefined;
if (current?.pgliteVersion === version && JSON.stringify(current.migrations) === JSON.stringify(migrations)) process.exit(0);

const started = Date.now();
process.stderr.write(`Preparing the embedded database template (PGlite ${version}: initdb and ${migrations.length} migrations, once)…\n`);
const { PGlite } = await import('@electric-sql/pglite');
const { openDatabase } = require(path.join(root, 'dist/src/app/database'));
const { loadConfig } = require(path.join(root, 'dist/src/config/config'));
const { createLogger } = require(path.join(root, 'dist/src/config/logger'));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-template-'));
try {
  // Exactly what a first start does (starting from the previous template when its PGlite version matches), minus the demo.
  const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: scratch, LOG_LEVEL: 'warn', TOKEN_SECRET: 'x'.repeat(32) });
  await (await openDatabase(config, createLogger('warn'))).close();
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
