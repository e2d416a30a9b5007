import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** A running embedded PostgreSQL (PGlite), served on a loopback port so the ordinary `pg` pool reaches it. */
export interface EmbeddedDatabase {
  readonly url: string;
  stop(): Promise<void>;
}

/** Connections the embedded database serves for a pool of `poolMax`: a few spare (migration lock, CLI, listeners). */
export const embeddedConnections = (poolMax: number): number => poolMax + 4;

/** PGlite served on a loopback port. */
interface Served {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite with its data under `dataDir/pgdata` and serves it with pglite-socket. A new data directory starts
 * from the build's template (initdb and migrations done) unless `template: false` (an empty database, for the
 * migrations test).
 * PGlite runs in a worker thread (src/db/embedded-worker.ts) when its compiled script is there: its start (~1 s of
 * WebAssembly PostgreSQL) then overlaps with this thread loading the app and building the schema. Without it (e.g. no
 * build yet under jest), in this thread.
 * Not `typeorm-pglite`: that shares one session between concurrent transactions, so one network's
 * `set_config` would be visible to another's. pglite-socket keeps a transaction on its own connection.
 */
export async function startEmbeddedDatabase(dataDir: string, maxConnections: number, opts: { template?: boolean } = {}): Promise<EmbeddedDatabase> {
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  try {
    const request: ServeRequest = { pgdata: path.join(dataDir, 'pgdata'), maxConnections, template: opts.template !== false };
    const script = workerScript();
    const served = script ? await serveInWorker(script, request) : await servePglite(request);
    return {
      url: served.url,
      async stop() {
        await served.stop();
        releaseLock();
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

/** What the embedded database is started with (the worker's `workerData`). */
export interface ServeRequest {
  pgdata: string;
  maxConnections: number;
  /** Start a new data directory from the build's template. */
  template: boolean;
}

/** Opens PGlite and serves it with pglite-socket, in the calling thread (the worker's, or this one as the fallback). */
export async function servePglite(request: ServeRequest): Promise<Served> {
  const db = request.template ? await openPglite(request.pgdata) : await PGlite.create(request.pgdata);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: request.maxConnections });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** The compiled worker script: next to this file (dist/src/db), or in dist/ when run from the TypeScript sources (jest). */
function workerScript(): string | undefined {
  const candidates = [path.join(__dirname, 'embedded-worker.js'), path.resolve(__dirname, '../../dist/src/db/embedded-worker.js')];
  return candidates.find((file) => fs.existsSync(file));
}

/** Messages of the worker (src/db/embedded-worker.ts). */
export type WorkerMessage = { type: 'ready'; url: string } | { type: 'failed'; message: string } | { type: 'stopped' };

/** Starts the worker and resolves once its PGlite is served; a failure to start rejects with the worker's message. */
function serveInWorker(script: string, request: ServeRequest): Promise<Served> {
  const worker = new Worker(script, { workerData: request });
  return new Promise<Served>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    const onExit = (code: number) => reject(new Error(`The embedded database stopped while starting (exit code ${code})`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (message: WorkerMessage) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (message.type !== 'ready') {
        void worker.terminate();
        reject(new Error(message.type === 'failed' ? message.message : 'The embedded database did not start'));
        return;
      }
      resolve({
        url: message.url,
        stop: () =>
          new Promise<void>((done) => {
            // Stopped cleanly (PGlite closed its files), then the thread ends; should it end first, that is the end too.
            worker.once('exit', () => done());
            worker.once('message', () => void worker.terminate());
            worker.postMessage('stop');
          }),
      });
    });
  });
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
