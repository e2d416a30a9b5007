// Times `npm start` to the first answered query, as a newcomer meets it: cold (a new DATA_DIR: the embedded database is
// created, migrated and the demo seeded) and warm (the same DATA_DIR again). Usage, from a clone after `npm ci`:
//   node scripts/measure-start.mjs [runs=3]
// Prints each run and the median; the README's start-time figures come from it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 3);
const port = 4700 + Math.floor(Math.random() * 200);
const QUERY = JSON.stringify({ query: '{ viewer { kind network { name } } }' });

/** Starts `npm start` on `dataDir`; resolves with the ms until the query (with `key`, or the printed one) answered. */
async function timeStart(dataDir, key) {
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    detached: true,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${out}`);
      if (performance.now() - started > 120_000) throw new Error(`no answer within 120 s:\n${out}`);
      const credential = key ?? /^Demo ADMIN API key: (\S+)/m.exec(out)?.[1];
      if (credential) {
        const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
          body: QUERY,
        }).catch(() => undefined);
        if (res?.ok && (await res.json()).data?.viewer) return { ms: performance.now() - started, key: credential };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cold = [];
const warm = [];
for (let i = 0; i < runs; i++) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-start-'));
  const first = await timeStart(dataDir);
  const again = await timeStart(dataDir, first.key);
  cold.push(first.ms);
  warm.push(again.ms);
  process.stdout.write(`run ${i + 1}: cold ${(first.ms / 1000).toFixed(2)} s, warm ${(again.ms / 1000).toFixed(2)} s\n`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(`median of ${runs}: cold ${(median(cold) / 1000).toFixed(2)} s, warm ${(median(warm) / 1000).toFixed(2)} s\n`);
