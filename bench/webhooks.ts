import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { openDatabase } from '../src/app/database';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import { withTenant } from '../src/db/tenant';
import { ALL_SCOPES, createApiKey } from '../src/modules/auth/api-key.service';
import { createNetwork } from '../src/modules/networks/network.service';
import { percentile } from './evaluation';
import type { AddressInfo } from 'node:net';

/**
 * `npm run bench:webhooks`: webhook delivery throughput and the delay from commit to receipt. A server process
 * (`node dist/src/main.js`, its dispatcher on) and five receivers on 127.0.0.1 in this process, each an endpoint
 * subscribed to `session.scheduled`; one receiver answers slowly. The bench schedules `--events` sessions (1,000
 * by default) through the API in series of 50 (one mutation, one transaction, 50 events each), as fast as the
 * server answers, and records when each delivery arrives. The delay is measured from the event's `timestamp`
 * (written inside the transaction, just before its COMMIT: an upper bound of commit → receipt), per endpoint.
 * Flags: --events=1000 --endpoints=5 --slow-ms=250 (the slow receiver's answer time) --port=4620.
 * Dispatcher settings come from the environment as for the server (WEBHOOK_CONCURRENCY, WEBHOOK_ENDPOINT_CONCURRENCY, …).
 */

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const SECRET = 'bench-token-secret-that-is-at-least-32-characters-long';
const RESULTS_FILE = path.join(__dirname, 'results-webhooks.json');
const SERIES = 50;

interface Options {
  events: number;
  endpoints: number;
  slowMs: number;
  port: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { events: 1000, endpoints: 5, slowMs: 250, port: 4620 };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=', 2);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} needs a whole number, got "${value}"`);
    if (key === 'events' || key === 'endpoints' || key === 'port') opts[key] = n;
    else if (key === 'slow-ms') opts.slowMs = n;
    else throw new Error(`unknown flag --${key}`);
  }
  if (opts.endpoints < 2) throw new Error('--endpoints must be at least 2 (one of them slow)');
  return opts;
}

const log = (msg: string) => process.stdout.write(`[bench:webhooks] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 10) / 10;

interface Receiver {
  url: string;
  slow: boolean;
  /** webhook-id → receipt delay (ms from the event's timestamp). */
  delays: Map<string, number>;
  duplicates: number;
  lastAt: number;
  close(): Promise<void>;
}

async function startReceiver(delayMs: number): Promise<Receiver> {
  const r: Receiver = { url: '', slow: delayMs > 0, delays: new Map(), duplicates: 0, lastAt: 0, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const id = String(req.headers['webhook-id']);
      const { timestamp } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
      if (r.delays.has(id)) r.duplicates += 1;
      else r.delays.set(id, now - Date.parse(timestamp));
      r.lastAt = now;
      const reply = () => res.writeHead(204).end();
      if (delayMs) setTimeout(reply, delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return r;
}

async function gql<T>(url: string, authorization: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 50)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

function startServer(opts: Options, databaseUrl: string): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('WEBHOOK_'))),
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // Not production: the receivers are on loopback (WEBHOOK_ALLOW_HTTP_LOOPBACK is on outside production).
    NODE_ENV: 'development',
    TOKEN_SECRET: SECRET,
    DATABASE_URL: databaseUrl,
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
  };
  return spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error('server did not become ready');
}

function summary(delays: number[]) {
  const sorted = [...delays].sort((a, b) => a - b);
  return { deliveries: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? NaN) };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write('bench:webhooks needs DATABASE_URL (PostgreSQL), e.g. postgres://postgres@127.0.0.1:5432/peer_networks_bench\n');
    return 2;
  }
  if (!fs.existsSync(MAIN)) {
    process.stderr.write('dist/ is missing: run `npm run build` first (npm run bench:webhooks does)\n');
    return 2;
  }
  const config = loadConfig({ DATABASE_URL: databaseUrl, TOKEN_SECRET: SECRET, LOG_LEVEL: 'warn', SEED_DEMO: 'false' });
  const db = await openDatabase(config, createLogger('warn'));
  const network = await createNetwork(db.dataSource, { slug: `bench-hooks-${Date.now().toString(36)}`, name: 'Bench webhooks' });
  const key = await withTenant(db.dataSource, network.id, (m) => createApiKey(m, network.id, { name: 'bench:webhooks', scopes: ALL_SCOPES }));
  await db.close();
  const adminKey = `Bearer ${key.secret}`;

  const receivers = await Promise.all(Array.from({ length: opts.endpoints }, (_, i) => startReceiver(i === opts.endpoints - 1 ? opts.slowMs : 0)));
  const server = startServer(opts, databaseUrl);
  const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${opts.port}`;
  const url = `${base}/graphql`;
  try {
    await waitReady(base);
    for (const r of receivers) {
      await gql(url, adminKey, 'mutation($u: String!) { createWebhookEndpoint(url: $u, events: [SESSION_SCHEDULED]) { secret } }', { u: r.url });
    }
    const { createGroup } = await gql<{ createGroup: { id: string } }>(url, adminKey, 'mutation($i: CreateGroupInput!) { createGroup(input: $i) { id } }', {
      i: { name: 'Webhook bench', objectives: ['Benchmark'], norms: ['Be kind'], topics: ['bench'], format: 'ONLINE' },
    });
    log(`server pid ${server.pid} on ${base}; ${opts.endpoints} endpoints (one answering in ${opts.slowMs} ms); ${opts.events} events`);

    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    for (let sent = 0; sent < opts.events; sent += SERIES) {
      const count = Math.min(SERIES, opts.events - sent);
      await gql(url, adminKey, 'mutation($g: ID!, $i: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $i) { id } }', {
        g: createGroup.id,
        i: {
          title: `Series ${sent / SERIES + 1}`,
          startsAt: new Date(Date.now() + 86_400_000).toISOString(),
          durationMinutes: 60,
          timeZone: 'Europe/Berlin',
          repeat: { frequency: 'WEEKLY', count },
        },
      });
    }
    const committed = Date.now() - started;
    const fast = receivers.filter((r) => !r.slow);
    const slow = receivers.filter((r) => r.slow);
    const deadline = Date.now() + 600_000;
    while (receivers.some((r) => r.delays.size < opts.events) && Date.now() < deadline) await sleep(20);
    await sleep(500);
    const fastDone = Math.max(...fast.map((r) => r.lastAt)) - started;
    const allDone = Math.max(...receivers.map((r) => r.lastAt)) - started;
    const total = receivers.reduce((n, r) => n + r.delays.size, 0);
    const result = {
      at: new Date().toISOString(),
      events: opts.events,
      endpoints: opts.endpoints,
      slowEndpointAnswerMs: opts.slowMs,
      mutationsCommittedInMs: committed,
      deliveries: total,
      missing: opts.events * opts.endpoints - total,
      duplicates: receivers.reduce((n, r) => n + r.duplicates, 0),
      throughputPerSecond: {
        fastEndpoints: round((fast.reduce((n, r) => n + r.delays.size, 0) / fastDone) * 1000),
        allEndpoints: round((total / allDone) * 1000),
      },
      fastEndpointsDoneInMs: fastDone,
      allDoneInMs: allDone,
      commitToReceiptMs: {
        fastEndpoints: summary(fast.flatMap((r) => [...r.delays.values()])),
        slowEndpoint: summary(slow.flatMap((r) => [...r.delays.values()])),
      },
      benchProcessCpuMs: round((process.cpuUsage(cpuBefore).user + process.cpuUsage(cpuBefore).system) / 1000),
      settings: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('WEBHOOK_'))),
      loadAverage: (await import('node:os')).loadavg().map(round),
    };
    log(JSON.stringify(result, null, 2));
    fs.writeFileSync(RESULTS_FILE, JSON.stringify(result, null, 2) + '\n');
    log(`written to ${path.relative(ROOT, RESULTS_FILE)}`);
    return result.missing === 0 && result.duplicates === 0 ? 0 : 1;
  } finally {
    server.kill('SIGTERM');
    await exited;
    await Promise.all(receivers.map((r) => r.close()));
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
