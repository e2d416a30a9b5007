import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../src/app/database';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import { MemberTokens, MEMBER_TOKEN_MAX_TTL } from '../src/modules/auth/member-token';
import { startInstance, stopInstance, type Instance } from '../test/helpers/instances';
import { startNginx, type Nginx } from '../test/helpers/nginx';
import { failures, runInWorker, type LoadJob, type LoadResult } from './load';
import { UNLIMITED_BUDGET } from './ratelimit';
import { BENCH_TOKEN_SECRET, HOME_QUERY, loadFixtures } from './run';
import { ensureSeeded, refreshSeed } from './seed';

/**
 * `npm run bench:proxy` (issue 19): the home scenario of `npm run bench` (same data set, query and member tokens) in
 * one run against three set-ups of real server processes (`node dist/src/main.js`, production settings, Redis between
 * them): one instance directly, nginx in front of that one instance, and nginx in front of two instances (round robin,
 * keep-alive to the instances; test/helpers/nginx.ts). Needs DATABASE_URL (seeded by `npm run bench` if not yet),
 * Redis (REDIS_URL, else 127.0.0.1:6379) and nginx (`apt-get install nginx`).
 * Flags: --duration=10 --connections=50 --warmup=3 --rounds=1 (the three set-ups in turn, `rounds` times).
 * Writes bench/results-proxy.json.
 */

const RESULTS_FILE = path.join(__dirname, 'results-proxy.json');
const log = (msg: string) => process.stdout.write(`[bench:proxy] ${msg}\n`);
const settle = () => new Promise((r) => setTimeout(r, 1000));

interface Options {
  duration: number;
  connections: number;
  warmup: number;
  rounds: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { duration: 10, connections: 50, warmup: 3, rounds: 1 };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=', 2);
    const n = Number(value);
    if (!(key in opts) || !Number.isInteger(n) || n < 0) throw new Error(`unknown flag or bad value: ${arg} (--duration, --connections, --warmup, --rounds)`);
    opts[key as keyof Options] = n;
  }
  if (opts.connections < 1 || opts.rounds < 1 || opts.duration < 1) throw new Error('--connections, --rounds and --duration must be ≥ 1');
  return opts;
}

interface Row {
  setup: string;
  round: number;
  result: LoadResult;
  errors: number;
  loadAverageBefore: number;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL (the benchmark data set lives in PostgreSQL; see bench/README.md)');
  const config = loadConfig({ NODE_ENV: 'production', TOKEN_SECRET: BENCH_TOKEN_SECRET, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  const db = await openDatabase(config, createLogger('silent'));
  await db.close();
  const client = new Client({ connectionString: databaseUrl, application_name: 'peer-networks-bench' });
  await client.connect();
  const instances: Instance[] = [];
  const proxies: Nginx[] = [];
  try {
    const seed = (await ensureSeeded(client, log)).info;
    await refreshSeed(client, seed, log);
    const fixtures = await loadFixtures(client);
    const tokens = new MemberTokens(BENCH_TOKEN_SECRET);
    const body = JSON.stringify({ query: HOME_QUERY });
    const items: LoadJob['items'] = [];
    for (const id of fixtures.homeMembers)
      items.push({ authorization: `Bearer ${(await tokens.issue(fixtures.networkId, id, MEMBER_TOKEN_MAX_TTL)).token}`, body });

    const env = {
      NODE_ENV: 'production',
      TOKEN_SECRET: BENCH_TOKEN_SECRET,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: UNLIMITED_BUDGET,
      RATE_LIMIT_RESTORE_RATE: UNLIMITED_BUDGET,
      EXPLORER: 'false',
    };
    const prefix = `bench-proxy-${process.pid}:`;
    instances.push(...(await Promise.all([startInstance(prefix, env), startInstance(prefix, env)])));
    const [one, two] = instances;
    proxies.push(await startNginx([`127.0.0.1:${one.port}`]), await startNginx([`127.0.0.1:${one.port}`, `127.0.0.1:${two.port}`]));
    const setups: Array<{ setup: string; url: string }> = [
      { setup: 'one instance, directly', url: `http://127.0.0.1:${one.port}/graphql` },
      { setup: 'nginx → one instance', url: `http://127.0.0.1:${proxies[0].port}/graphql` },
      { setup: 'nginx → two instances', url: `http://127.0.0.1:${proxies[1].port}/graphql` },
    ];
    log(
      `${os.cpus().length} cores; instances on ${one.port} and ${two.port}; ${items.length} member tokens; ${opts.connections} connections, ${opts.duration} s each`,
    );

    const rows: Row[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const { setup, url } of setups) {
        const sample = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: items[0].authorization }, body });
        const text = await sample.text();
        if (!sample.ok || text.includes('"errors"')) throw new Error(`${setup}: sample request failed: HTTP ${sample.status} ${text.slice(0, 300)}`);
        if (opts.warmup > 0) await runInWorker({ url, connections: opts.connections, duration: opts.warmup, items });
        await settle();
        const loadAverageBefore = os.loadavg()[0];
        const result = await runInWorker({ url, connections: opts.connections, duration: opts.duration, items });
        const errors = failures(result);
        log(`${setup} (round ${round}): ${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${errors} errors`);
        rows.push({ setup, round, result, errors, loadAverageBefore });
      }
    }

    const header = ['set-up', 'round', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'load avg'];
    const lines = rows.map((r) => [
      r.setup,
      String(r.round),
      r.result.reqPerSec.toFixed(0),
      String(r.result.p50),
      String(r.result.p99),
      String(r.errors),
      r.loadAverageBefore.toFixed(1),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    for (const l of [header, ...lines]) process.stdout.write(`${l.map((c, i) => c.padEnd(widths[i])).join('  ')}\n`);
    fs.writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify({ at: new Date().toISOString(), cores: os.cpus().length, options: opts, rows: rows.map((r) => ({ ...r, result: { ...r.result } })) }, null, 2)}\n`,
    );
    log(`wrote ${path.relative(process.cwd(), RESULTS_FILE)}`);
    return rows.some((r) => r.errors) ? 1 : 0;
  } finally {
    for (const p of proxies) await p.stop();
    for (const i of instances) await stopInstance(i);
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench:proxy failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
