import { spawn } from 'node:child_process';
import path from 'node:path';

/** The API as it runs in production, `node dist/src/main.js`, with WEB_CONCURRENCY workers (`npm run bench -- --workers=N`). */
export interface ClusterServer {
  url: string;
  stop(): Promise<void>;
}

const MAIN = path.join(__dirname, '..', 'dist', 'src', 'main.js');

/** Starts the server process (built dist/) with the bench's settings and resolves once all its workers listen. */
export function startClusterServer(env: Record<string, string | undefined>, workers: number, log: (line: string) => void): Promise<ClusterServer> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: '0', WEB_CONCURRENCY: String(workers) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 120_000);
    const check = () => {
      // Each worker prints the banner once it listens (whatever LOG_LEVEL says).
      const ports = [...out.matchAll(/Peer Networks API ready at http:\/\/localhost:(\d+)\/graphql/g)].map((m) => Number(m[1]));
      if (ports.length < workers) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      log(`server process ${child.pid} with ${workers} worker(s) on port ${ports[0]}`);
      resolve({
        url: `http://127.0.0.1:${ports[0]}/graphql`,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`the server exited (${code}):\n${out}`)));
  });
}
