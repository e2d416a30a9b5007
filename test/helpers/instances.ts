import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TEST_TOKEN_SECRET } from './app';

/**
 * Real server processes (`node dist/src/main.js`) on their own ports, sharing the test database (DATABASE_URL) and a
 * real Redis. `npm test` builds dist/ first (pretest); run `npm run build` before running such a file on its own.
 */

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export interface Instance {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts one instance with Redis under `redisPrefix` (plus `env`), resolving once it listens. */
export function startInstance(redisPrefix: string, env: Record<string, string> = {}): Promise<Instance> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: process.env.DATABASE_URL,
      // Set by scripts/test-pgbouncer.sh (DATABASE_URL then goes through PgBouncer); unset otherwise.
      ...(process.env.DATABASE_MIGRATION_URL ? { DATABASE_MIGRATION_URL: process.env.DATABASE_MIGRATION_URL } : {}),
      ...(process.env.DATABASE_LISTEN_URL ? { DATABASE_LISTEN_URL: process.env.DATABASE_LISTEN_URL } : {}),
      DB_PREPARED_STATEMENTS: process.env.DB_PREPARED_STATEMENTS ?? 'true',
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      TOKEN_SECRET: TEST_TOKEN_SECRET,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      // The purge would cover every network of the shared test database: off unless a test turns it on (for its own networks).
      RETENTION_PURGE_INTERVAL_MS: '0',
      // No webhook dispatcher unless a test asks for one (test/webhooks): it would deliver other tests' events.
      WEBHOOK_DISPATCH_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start:\n${out}`)), 60_000);
    const check = () => {
      const m = /Peer Networks API ready at http:\/\/localhost:(\d+)\/graphql/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve({ child, port: Number(m[1]), output: () => out, exited });
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`instance exited:\n${out}`)));
  });
}

/** SIGTERM, and the exit code (0 for a clean shutdown). */
export async function stopInstance(instance: Instance | undefined): Promise<number | null | undefined> {
  if (!instance) return undefined;
  instance.child.kill('SIGTERM');
  return instance.exited;
}
