import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded PostgreSQL (PGlite), served on a loopback port so the ordinary `pg` pool reaches it. */
export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite with its data under `dataDir/pgdata` and serves it with pglite-socket. A new data directory starts
 * from the build's template (initdb and migrations done) unless `template: false` (an empty database, for the
 * migrations test).
 * Not `typeorm-pglite`: that shares one session between concurrent transactions, so one network's
 * `set_config` would be visible to another's. pglite-socket keeps a transaction on its own connection.
 */
export async function startEmbeddedDatabase(dataDir: string, maxConnections: number, opts: { template?: boolean } = {}): Promise<EmbeddedDatabase> {
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  try {
    const pgdata = path.join(dataDir, 'pgdata');
    const db = opts.template === false ? await PGlite.create(pgdata) : await openPglite(pgdata);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    return {
      url,
      async stop() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

/**
 * The build's template of a freshly initialised data directory (scripts/pglite-template.mjs): dist/pglite next to the
 * compiled code (dist/src/db → dist/pglite), or under dist/ when run from the TypeScript sources (jest).
 */
function templateFiles(): { tarball: string; manifest: string } | undefined {
  for (const dir of [path.resolve(__dirname, '../../pglite'), path.resolve(__dirname, '../../dist/pglite')]) {
    const files = { tarball: path.join(dir, 'pgdata.tar.gz'), manifest: path.join(dir, 'pgdata.json') };
    if (fs.existsSync(files.tarball) && fs.existsSync(files.manifest)) return files;
  }
  return undefined;
}

/** The installed PGlite's version (a template made by another version is not used). */
function pgliteVersion(): string | undefined {
  try {
    const pkg = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Opens PGlite on `pgdata`. A new data directory starts from the build's template when there is one for this PGlite
 * version (about 2 s instead of initdb's 8–10 s); without one, or should loading it fail, PGlite runs initdb itself.
 */
async function openPglite(pgdata: string): Promise<PGlite> {
  const template = fs.existsSync(path.join(pgdata, 'PG_VERSION')) ? undefined : templateFiles();
  if (template) {
    try {
      const made = (JSON.parse(fs.readFileSync(template.manifest, 'utf8')) as { pgliteVersion?: string }).pgliteVersion;
      if (made === pgliteVersion()) return await PGlite.create(pgdata, { loadDataDir: new Blob([fs.readFileSync(template.tarball)]) });
    } catch {
      // A damaged or unreadable template: start over with initdb, from an empty directory.
      fs.rmSync(pgdata, { recursive: true, force: true });
    }
  }
  return PGlite.create(pgdata);
}

/** PGlite's files must have one writer: refuse a second process on the same DATA_DIR with a clear message. */
function lockDataDir(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'server.lock');
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const pid = Number(fs.readFileSync(lockFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`DATA_DIR ${dataDir} is in use by process ${pid}; stop it first, or use another DATA_DIR or a DATABASE_URL`, { cause: err });
    }
    fs.writeFileSync(lockFile, String(process.pid));
  }
  return () => fs.rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
