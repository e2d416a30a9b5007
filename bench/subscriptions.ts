import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { openDatabase } from '../src/app/database';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import { withTenant } from '../src/db/tenant';
import { ALL_SCOPES, createApiKey } from '../src/modules/auth/api-key.service';
import { MemberTokens } from '../src/modules/auth/member-token';
import { Member, NetworkRole } from '../src/modules/members/member.entity';
import { createNetwork } from '../src/modules/networks/network.service';
import { percentile } from './evaluation';

/**
 * `npm run bench:subscriptions`: N WebSocket subscribers (default 1,000, each with its own member token
 * of a COORDINATOR, so no two share a resolution) to one LIVE session's `attendanceChanged`; a publisher
 * checks members in one after another over HTTP. Reports the delivery latency from the moment the
 * mutation is sent (an upper bound of commit → receipt: the commit happens before the mutation answers)
 * and the server's memory per idle subscribed connection (RSS of the server process, before and after).
 *
 * The server runs as a child process (`node dist/src/main.js`, NODE_ENV=production) so its memory is its
 * own; the subscribers and the publisher share this process. Flags: --subscribers=1000 --events=30
 * --warmup=3 (events delivered before the measured ones, reported apart: the first runs cold code)
 * --redis (REDIS_URL, default redis://127.0.0.1:6379: events travel through Redis even on one instance),
 * --profile (the server writes a CPU profile, node --cpu-prof, to bench/profiles/ when it exits).
 */

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const SECRET = 'bench-token-secret-that-is-at-least-32-characters-long';
const RESULTS_FILE = path.join(__dirname, 'results-subscriptions.json');
const SUBSCRIPTION = 'subscription($s: ID!) { attendanceChanged(sessionId: $s) { id status checkedInAt member { displayName } } }';

interface Options {
  subscribers: number;
  events: number;
  /** Events sent (and delivered) before the measured ones, with every subscriber connected: not in the percentiles. */
  warmup: number;
  redis: boolean;
  port: number;
  /** Write a CPU profile of the server (node --cpu-prof) to bench/profiles/. */
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { subscribers: 1000, events: 30, warmup: 3, redis: false, port: 4610, profile: false };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=', 2);
    if (key === 'redis') opts.redis = true;
    else if (key === 'profile') opts.profile = true;
    else if (key === 'subscribers' || key === 'events' || key === 'port' || key === 'warmup') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (key === 'warmup' ? 0 : 1)) throw new Error(`--${key} needs a whole number, got "${value}"`);
      opts[key] = n;
    } else throw new Error(`unknown flag --${key}`);
  }
  return opts;
}

const log = (msg: string) => process.stdout.write(`[bench:subscriptions] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) a process has used, in ms (Linux /proc). */
function cpuMs(pid: number): number {
  const fields = fs
    .readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  // After "pid (comm) ": state is field 0, utime field 11, stime field 12, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of a process in bytes (Linux /proc). */
function rss(pid: number): number {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]) * 1024;
}

async function gql<T>(url: string, authorization: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 50)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

function startServer(opts: Options, databaseUrl: string): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    TOKEN_SECRET: SECRET,
    DATABASE_URL: databaseUrl,
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
  };
  if (opts.redis) env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Database settings pass through (e.g. DB_BATCH_READS=false, to measure what batching does to deliveries).
  for (const [name, value] of Object.entries(process.env)) if (name.startsWith('DB_')) env[name] = value;
  const nodeArgs = [
    ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(__dirname, 'profiles')}`] : []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, MAIN], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  return child;
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error('server did not become ready');
}

interface Subscriber {
  client: Client;
  /** attendance id → receipt time (performance.now()). */
  received: Map<string, number>;
  dispose(): void;
}

function subscribe(url: string, authorization: string, sessionId: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const received = new Map<string, number>();
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization },
      onNonLazyError: reject,
      on: { connected: () => setTimeout(() => resolve({ client, received, dispose }), 0) },
    });
    const dispose = client.subscribe<{ attendanceChanged: { id: string } }>(
      { query: SUBSCRIPTION, variables: { s: sessionId } },
      {
        next: (msg) => {
          const id = msg.data?.attendanceChanged.id;
          if (id && !received.has(id)) received.set(id, performance.now());
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => undefined,
      },
    );
  });
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write('bench:subscriptions needs DATABASE_URL (PostgreSQL), e.g. postgres://postgres@127.0.0.1:5432/peer_networks_bench\n');
    return 2;
  }
  if (!fs.existsSync(MAIN)) {
    process.stderr.write('dist/ is missing: run `npm run build` first (npm run bench:subscriptions does)\n');
    return 2;
  }

  // Fixture: a fresh network with one group, a LIVE session, N coordinators (subscribers) and
  // `events` members to check in. Written directly, like the CLI does; the rest goes through the API.
  const config = loadConfig({ DATABASE_URL: databaseUrl, TOKEN_SECRET: SECRET, LOG_LEVEL: 'warn', SEED_DEMO: 'false' });
  const db = await openDatabase(config, createLogger('warn'));
  const network = await createNetwork(db.dataSource, { slug: `bench-live-${Date.now().toString(36)}`, name: 'Bench live updates' });
  const { adminKey, coordinators, members } = await withTenant(db.dataSource, network.id, async (m) => {
    const key = await createApiKey(m, network.id, { name: 'bench:subscriptions', scopes: ALL_SCOPES });
    const repo = m.getRepository(Member);
    const make = (role: NetworkRole, n: number, label: string) =>
      Array.from({ length: n }, (_, i) => repo.create({ networkId: network.id, displayName: `${label} ${i + 1}`, email: null, role }));
    const coordinators = await repo.save(make(NetworkRole.COORDINATOR, opts.subscribers, 'Coordinator'), { chunk: 500 });
    const members = await repo.save(make(NetworkRole.MEMBER, opts.warmup + opts.events, 'Member'), { chunk: 500 });
    return { adminKey: `Bearer ${key.secret}`, coordinators, members };
  });
  await db.close();

  const server = startServer(opts, databaseUrl);
  const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${opts.port}`;
  const httpUrl = `${base}/graphql`;
  const wsUrl = `ws://127.0.0.1:${opts.port}/graphql`;
  const subscribers: Subscriber[] = [];
  try {
    await waitReady(base);
    log(`server pid ${server.pid} on ${base}${opts.redis ? ' with Redis' : ''}; network ${network.slug}`);

    const { createGroup } = await gql<{ createGroup: { id: string } }>(httpUrl, adminKey, 'mutation($i: CreateGroupInput!) { createGroup(input: $i) { id } }', {
      i: { name: 'Live board', objectives: ['Benchmark'], norms: ['Be kind'], topics: ['bench'], format: 'ONLINE' },
    });
    const groupId = createGroup.id;
    const { scheduleSessions } = await gql<{ scheduleSessions: { id: string }[] }>(
      httpUrl,
      adminKey,
      'mutation($g: ID!, $i: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $i) { id } }',
      { g: groupId, i: { title: 'Live session', startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 90, timeZone: 'UTC' } },
    );
    const sessionId = scheduleSessions[0].id;
    await gql(httpUrl, adminKey, 'mutation($id: ID!) { startSession(id: $id) { id } }', { id: sessionId });
    for (const member of members) {
      await gql(httpUrl, adminKey, 'mutation($g: ID!, $m: ID!) { addMember(groupId: $g, memberId: $m) { id } }', { g: groupId, m: member.globalId });
    }

    const tokens = new MemberTokens(SECRET);
    const bearer = await Promise.all(coordinators.map(async (c) => `Bearer ${(await tokens.issue(network.id, c.id, 3600)).token}`));

    // Warm the server's code paths with a few subscribers before taking the baseline.
    for (let i = 0; i < 5; i++) subscribers.push(await subscribe(wsUrl, bearer[i], sessionId));
    await sleep(2000);
    const before = rss(server.pid!);
    const connectStarted = performance.now();
    for (let i = 5; i < bearer.length; i += 50) {
      subscribers.push(...(await Promise.all(bearer.slice(i, i + 50).map((b) => subscribe(wsUrl, b, sessionId)))));
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await sleep(3000);
    const after = rss(server.pid!);
    const perConnection = (after - before) / (subscribers.length - 5);
    log(
      `${subscribers.length} subscribers connected and subscribed in ${connectSeconds.toFixed(1)} s; server RSS ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB: ${(perConnection / 1024).toFixed(1)} KB per idle subscribed connection`,
    );

    // Events, one after another: each waits until every subscriber has it (or 10 s). The first `warmup` ones
    // (the first delivery runs cold code: lazy compilation, heap growth) are reported apart, not measured.
    const warmupLast: number[] = [];
    const latencies: number[] = [];
    const fromResponse: number[] = [];
    let missing = 0;
    /** Per event: when its last subscriber had it (ms from sending the mutation). */
    const lastPerEvent: number[] = [];
    let serverCpuBefore = cpuMs(server.pid!);
    let clientCpuBefore = process.cpuUsage();
    const measured = members.slice(opts.warmup);
    for (const [i, member] of members.entries()) {
      if (i === opts.warmup) {
        serverCpuBefore = cpuMs(server.pid!);
        clientCpuBefore = process.cpuUsage();
      }
      const sent = performance.now();
      const { checkIn } = await gql<{ checkIn: { id: string } }>(
        httpUrl,
        adminKey,
        'mutation($s: ID!, $m: ID!) { checkIn(sessionId: $s, memberId: $m) { id } }',
        {
          s: sessionId,
          m: member.globalId,
        },
      );
      const answered = performance.now();
      const deadline = answered + 10_000;
      while (subscribers.some((s) => !s.received.has(checkIn.id)) && performance.now() < deadline) await sleep(5);
      let last = 0;
      for (const s of subscribers) last = Math.max(last, (s.received.get(checkIn.id) ?? Infinity) - sent);
      if (i < opts.warmup) {
        warmupLast.push(round(last));
        continue;
      }
      for (const s of subscribers) {
        const at = s.received.get(checkIn.id);
        if (at === undefined) missing += 1;
        else {
          latencies.push(at - sent);
          fromResponse.push(at - answered);
        }
      }
      lastPerEvent.push(round(last));
    }
    const serverCpuPerEvent = (cpuMs(server.pid!) - serverCpuBefore) / measured.length;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const clientCpuPerEvent = (clientCpu.user + clientCpu.system) / 1000 / measured.length;
    latencies.sort((a, b) => a - b);
    fromResponse.sort((a, b) => a - b);
    const result = {
      at: new Date().toISOString(),
      subscribers: subscribers.length,
      events: measured.length,
      warmupEvents: opts.warmup,
      redis: opts.redis,
      deliveries: latencies.length,
      missing,
      latencyFromSendMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies[latencies.length - 1]) },
      // When the last subscriber had each event (ms from sending the mutation); warm-up events apart.
      lastDeliveryPerEventMs: { warmup: warmupLast, measured: lastPerEvent },
      latencyFromResponseMs: { p50: round(percentile(fromResponse, 50)), p99: round(percentile(fromResponse, 99)) },
      // CPU time per event (its mutation and its deliveries): the server process, and this process (publisher + subscribers).
      cpuMsPerEvent: { server: round(serverCpuPerEvent), benchClients: round(clientCpuPerEvent) },
      memory: { rssBeforeMiB: round(before / 2 ** 20), rssAfterMiB: round(after / 2 ** 20), perIdleConnectionKB: round(perConnection / 1024) },
      loadAverage: (await import('node:os')).loadavg().map(round),
    };
    log(JSON.stringify(result, null, 2));
    fs.writeFileSync(RESULTS_FILE, JSON.stringify(result, null, 2) + '\n');
    log(`written to ${path.relative(ROOT, RESULTS_FILE)}`);
    return missing === 0 ? 0 : 1;
  } finally {
    await Promise.all(subscribers.map((s) => s.client.dispose()));
    server.kill('SIGTERM');
    await exited;
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
