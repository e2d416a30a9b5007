import 'reflect-metadata';
import fs from 'node:fs';
import { Session as InspectorSession } from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg, { Client } from 'pg';
import { openDatabase } from '../src/app/database';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/config/logger';
import { toGlobalId } from '../src/graphql/global-id';
import { startServer } from '../src/http/server';
import { MemberTokens, MEMBER_TOKEN_MAX_TTL } from '../src/modules/auth/member-token';
import { startClusterServer, type ClusterServer } from './cluster';
import {
  ensureEvaluationSeed,
  EVALUATION_QUERIES,
  EVALUATION_SCENARIOS,
  evaluationBodies,
  measureLatency,
  type EvaluationScenario,
  type LatencyResult,
} from './evaluation';
import { FAIRNESS_A_QUERY, FAIRNESS_B_QUERY, fairnessABody, loadFairnessFixtures, runFairness, type FairnessRun } from './fairness';
import { compareWithFloor, FLOOR_SCENARIOS, FLOOR_TARGETS, printFloorTable, startFloorServer, type FloorRow, type FloorServer } from './floor';
import { failures, runInWorker, type LoadJob, type LoadResult } from './load';
import { runObservabilityOverhead } from './observability';
import { runRateLimitOverhead, UNLIMITED_BUDGET, type OverheadReport } from './ratelimit';
import { ensureSeeded, refreshSeed, type SeedInfo } from './seed';

/**
 * `npm run bench`: seeds the benchmark data set into DATABASE_URL (once), starts the real server
 * in this process (production settings, row-level security on), and load-tests three scenarios with
 * autocannon in a worker thread, then times the four evaluation queries (p50/p95).
 * Flags: --only=home,group,checkin,health,participation,drifting,outcomes  --duration=10  --connections=10,50
 * --warmup=3  --reseed  --seed-only  --show (print sample responses and the SQL of one)  --profile (CPU profile of the server's
 * thread during each measured run, in bench/profiles/)  --basic-home (home query without the
 * session fields, to check the harness while those do not exist)  --eval-requests=100  --eval-connections=1,4
 * --explain (EXPLAIN ANALYZE of the slowest statement of one request per evaluation scenario).
 * Issue 11: scenario `fairness` (network A saturating, network B's latency) with --no-shares (also without pool
 * shares), --fairness-a=50 --fairness-b=10 --fairness-b-rate=50; scenario `home-ratelimit` (rate limits off
 * vs on) with --rounds=2. Issue 19: scenario `home-observability` (metrics and access log off vs on, ./observability.ts).
 */

const SCENARIOS = ['home', 'group', 'checkin'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
/** Scenarios that start servers of their own (other settings): see ./fairness.ts and ./ratelimit.ts. */
const SERVER_SCENARIOS = ['home-ratelimit', 'fairness', 'home-observability'] as const;
const ALL_SCENARIOS: readonly string[] = [...SCENARIOS, ...SERVER_SCENARIOS, ...EVALUATION_SCENARIOS];

export const BENCH_TOKEN_SECRET = 'bench-token-secret-that-is-at-least-32-characters-long';
const RESULTS_FILE = path.join(__dirname, 'results.json');

interface Options {
  only: string[];
  evalRequests: number;
  evalConnections: number[];
  explain: boolean;
  duration: number;
  connections: number[];
  warmup: number;
  reseed: boolean;
  seedOnly: boolean;
  basicHome: boolean;
  show: boolean;
  profile: boolean;
  noShares: boolean;
  fairnessA: number;
  fairnessB: number;
  fairnessBRate: number;
  rounds: number;
  /** 0: the load scenarios run against the server in this process; N: against `node dist/src/main.js` with WEB_CONCURRENCY=N. */
  workers: number;
  /** Settings of the server in this process changed for the run, e.g. `--server-env=DB_BATCH_READS=false`. */
  serverEnv: Record<string, string>;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    only: [...ALL_SCENARIOS],
    evalRequests: 100,
    evalConnections: [1, 4],
    explain: false,
    duration: 10,
    connections: [10, 50],
    warmup: 3,
    reseed: false,
    seedOnly: false,
    basicHome: false,
    show: false,
    profile: false,
    noShares: false,
    fairnessA: 50,
    fairnessB: 10,
    fairnessBRate: 50,
    rounds: 2,
    workers: 0,
    serverEnv: {},
  };
  for (const arg of argv) {
    const flag = arg.replace(/^--/, '');
    const eq = flag.indexOf('=');
    const [key, value] = eq < 0 ? [flag, ''] : [flag.slice(0, eq), flag.slice(eq + 1)];
    const num = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} needs a number, got "${value}"`);
      return n;
    };
    const whole = () => {
      const n = num();
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} needs a whole number ≥ 1, got "${value}"`);
      return n;
    };
    switch (key) {
      case 'only':
        opts.only = value.split(',').map((s) => {
          if (!ALL_SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario "${s}" (${ALL_SCENARIOS.join(', ')})`);
          return s;
        });
        break;
      case 'eval-requests':
        opts.evalRequests = num();
        break;
      case 'eval-connections':
        opts.evalConnections = value.split(',').map(Number);
        if (opts.evalConnections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--eval-connections: whole numbers, got "${value}"`);
        break;
      case 'explain':
        opts.explain = true;
        break;
      case 'duration':
        opts.duration = num();
        break;
      case 'warmup':
        opts.warmup = num();
        break;
      case 'connections':
        opts.connections = value.split(',').map(Number);
        if (opts.connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--connections: whole numbers, got "${value}"`);
        break;
      case 'reseed':
        opts.reseed = true;
        break;
      case 'seed-only':
        opts.seedOnly = true;
        break;
      case 'profile':
        opts.profile = true;
        break;
      case 'show':
        opts.show = true;
        break;
      case 'basic-home':
        opts.basicHome = true;
        break;
      case 'no-shares':
        opts.noShares = true;
        break;
      case 'fairness-a':
        opts.fairnessA = whole();
        break;
      case 'fairness-b':
        opts.fairnessB = whole();
        break;
      case 'fairness-b-rate':
        opts.fairnessBRate = whole();
        break;
      case 'server-env':
        for (const pair of value.split(',')) {
          const at = pair.indexOf('=');
          if (at < 1) throw new Error(`--server-env: NAME=value pairs separated by commas, got "${value}"`);
          opts.serverEnv[pair.slice(0, at)] = pair.slice(at + 1);
        }
        break;
      case 'workers':
        opts.workers = whole();
        break;
      case 'rounds':
        opts.rounds = whole();
        break;
      default:
        throw new Error(`unknown flag ${arg} (see bench/README.md)`);
    }
  }
  return opts;
}

const log = (msg: string) => process.stdout.write(`${msg}\n`);

/**
 * Round trips (pg `Client.query` calls) and SQL statements (a simple-protocol text holding several counts each: BEGIN
 * with the settings, batched reads) sent by any pg client of this process (the server's pool; the seeding client is
 * idle during runs, and the floor runs after the API's measurement).
 */
let statementsSent = 0;
let roundTripsSent = 0;
/** When set, the text of each statement is collected here (--show). */
let statementLog: string[] | undefined;
/** When set, each parameterised statement with its values is collected here (--explain). */
let statementCapture: Array<{ text: string; values: unknown[] }> | undefined;
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  roundTripsSent++;
  const first = args[0];
  statementsSent += typeof first === 'string' && args[1] === undefined ? first.split(';').filter((part) => part.trim() !== '').length : 1;
  if (statementLog || statementCapture) {
    const q = args[0] as string | { text?: string; values?: unknown[] };
    const text = typeof q === 'string' ? q : (q?.text ?? '?');
    statementLog?.push(text);
    const values = typeof q === 'string' ? args[1] : q?.values;
    if (Array.isArray(values)) statementCapture?.push({ text, values });
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof originalQuery;

// --- the queries (API-SKETCH.graphql) ---

export const HOME_QUERY = `{ groups(first: 20) { nodes { name topics memberCount viewerMembership { role }
  nextSession { startsAt rsvpCounts { going waitlisted } viewerRsvp { status } }
  memberships(first: 10) { nodes { role engagement member { displayName } } } } } }`;
/** For checking the harness while the session fields do not exist yet. */
const BASIC_HOME_QUERY = `{ groups(first: 20) { nodes { name topics memberCount viewerMembership { role }
  memberships(first: 10) { nodes { role engagement member { displayName } } } } } }`;

const groupPageQuery = (now: string) => `query($id: ID!) { node(id: $id) { ... on Group { name description objectives norms memberCount
  upcoming: sessions(first: 10, from: "${now}") { nodes { title startsAt rsvpCounts { going waitlisted } } }
  past: sessions(last: 10, to: "${now}", status: COMPLETED) { nodes { title startsAt attendanceCount } } } } }`;

const CHECK_IN_MUTATION = `mutation($s: ID!) { checkIn(sessionId: $s) { status firstSession } }`;

// --- fixtures: who asks what ---

export interface Fixtures {
  networkId: string;
  /** The largest network's coordinators and admin (evaluation is theirs). */
  managers: string[];
  /** 200 of its groups, for `health`. */
  evaluationGroups: string[];
  homeMembers: string[];
  groupPairs: Array<{ memberId: string; groupId: string }>;
  checkInPairs: Array<{ memberId: string; sessionId: string }>;
}

/** Plain members (network role MEMBER) of the largest network, in a fixed but spread-out order. */
export async function loadFixtures(client: Client): Promise<Fixtures> {
  const networkId = (await client.query(`SELECT md5('n:1')::uuid AS id`)).rows[0].id as string;
  const homeMembers = (
    await client.query<{ id: string }>(
      `SELECT m.id FROM members m
        WHERE m.network_id = $1 AND m.role = 'MEMBER'
          AND (SELECT count(*) FROM memberships ms WHERE ms.network_id = m.network_id AND ms.member_id = m.id AND ms.status = 'ACTIVE') >= 3
        ORDER BY md5(m.id::text) LIMIT 200`,
      [networkId],
    )
  ).rows.map((r) => r.id);
  const groupPairs = (
    await client.query<{ member_id: string; group_id: string }>(
      `SELECT member_id, group_id FROM memberships
        WHERE network_id = $1 AND member_id = ANY($2) AND status = 'ACTIVE' ORDER BY md5(id::text)`,
      [networkId, homeMembers],
    )
  ).rows.map((r) => ({ memberId: r.member_id, groupId: r.group_id }));
  const checkInPairs = (
    await client.query<{ member_id: string; session_id: string }>(
      `SELECT ms.member_id, s.id AS session_id
         FROM sessions s
         JOIN memberships ms ON ms.network_id = s.network_id AND ms.group_id = s.group_id AND ms.status = 'ACTIVE'
         JOIN members m ON m.network_id = ms.network_id AND m.id = ms.member_id AND m.role = 'MEMBER'
        WHERE s.network_id = $1 AND s.status = 'LIVE'
        ORDER BY md5(ms.id::text || s.id::text) LIMIT 2000`,
      [networkId],
    )
  ).rows.map((r) => ({ memberId: r.member_id, sessionId: r.session_id }));
  const managers = (
    await client.query<{ id: string }>(`SELECT id FROM members WHERE network_id = $1 AND role IN ('ADMIN', 'COORDINATOR') ORDER BY id`, [networkId])
  ).rows.map((r) => r.id);
  const evaluationGroups = (
    await client.query<{ id: string }>(`SELECT id FROM groups WHERE network_id = $1 ORDER BY md5(id::text) LIMIT 200`, [networkId])
  ).rows.map((r) => r.id);
  if (!homeMembers.length || !groupPairs.length || !checkInPairs.length || !managers.length) {
    throw new Error('the seeded data set has no suitable members or LIVE sessions; run again with --reseed');
  }
  return { networkId, managers, evaluationGroups, homeMembers, groupPairs, checkInPairs };
}

// --- running ---

interface ScenarioRow {
  scenario: ScenarioName;
  connections: number;
  result?: LoadResult;
  /** Share of the time the server's event loop (this process's main thread) was busy. */
  serverEventLoopUtilization?: number;
  /** SQL statements the server sent per completed request (transaction control included). */
  statementsPerRequest?: number;
  /** Round trips to the database per completed request (several statements may share one). */
  roundTripsPerRequest?: number;
  errors?: number;
  /** The machine's 1-minute load average as the run started (other work on the machine skews the figures). */
  loadAverageBefore?: number;
  skipped?: string;
}

/** POSTs the first few items once and returns an error message if any fails (HTTP status, or "errors" in the body). */
async function sampleCheck(url: string, items: LoadJob['items'], show: boolean): Promise<string | undefined> {
  for (const [n, item] of items.slice(0, 3).entries()) {
    if (show && n === 0) statementLog = [];
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: item.authorization }, body: item.body });
    const text = await res.text();
    if (show) log(`  sample response (${text.length} bytes): ${text.slice(0, 1500)}`);
    if (statementLog) {
      log(`  its ${statementLog.length} SQL statements:`);
      for (const sql of statementLog) log(`    ${sql.replace(/\s+/g, ' ').slice(0, Number(process.env.BENCH_SHOW_CHARS ?? 400))}`);
      statementLog = undefined;
    }
    let body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      return `HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`;
    }
    if (!res.ok || body?.errors?.length || !body?.data) {
      const errs = body?.errors?.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ');
      return `HTTP ${res.status}: ${errs ?? text.slice(0, 300)}`;
    }
  }
  return undefined;
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

function printTable(rows: ScenarioRow[]): void {
  const header = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'avg ms', 'requests', 'errors', 'SQL/req', 'trips/req', 'server ELU', 'load before'];
  const lines = rows.map((r) =>
    r.result
      ? [
          r.scenario,
          String(r.connections),
          fmt(r.result.reqPerSec, 1),
          fmt(r.result.p50),
          fmt(r.result.p99),
          fmt(r.result.latencyAvg, 1),
          String(r.result.requests),
          String(r.errors ?? 0),
          fmt(r.statementsPerRequest, 1),
          fmt(r.roundTripsPerRequest, 1),
          fmt((r.serverEventLoopUtilization ?? NaN) * 100) + '%',
          fmt(r.loadAverageBefore, 1),
        ]
      : [r.scenario, String(r.connections), 'skipped: ' + (r.skipped ?? '')],
  );
  printAligned(header, lines);
}

/**
 * Prints a table: the first two columns left-aligned, the others right-aligned. A row of three cells (scenario,
 * connections, "skipped: …") is a skipped run: its last cell runs on unaligned.
 */
function printAligned(header: string[], lines: string[][]): void {
  const full = lines.filter((l) => l.length > 3);
  const widths = header.map((h, i) => Math.max(h.length, ...full.map((l) => (l[i] ?? '').length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  log('');
  log(pad(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) log(l.length > 3 ? pad(l) : `${l[0].padEnd(widths[0])}  ${l[1].padEnd(widths[1])}  ${l[2]}`);
  log('');
}

function printOverheadTable(report: OverheadReport, what = 'rate limits'): void {
  if (report.skipped) {
    log(`${what}: skipped: ${report.skipped}`);
    return;
  }
  const header = [what, 'conns', 'req/s', 'spread', 'p50 ms', 'p99 ms', 'errors', 'overhead', 'server CPU ms/req', 'CPU overhead'];
  const percent = (n: number | undefined) => (n === undefined ? '-' : `${fmt(n, 1)} %`);
  const lines = report.summary.map((r) => [
    r.variant,
    String(r.connections),
    fmt(r.reqPerSec, 1),
    `${fmt(r.spreadPercent)} %`,
    fmt(r.p50),
    fmt(r.p99),
    String(r.errors),
    percent(r.overheadPercent),
    fmt(r.serverCpuMsPerRequest, 2),
    percent(r.cpuOverheadPercent),
  ]);
  printAligned(header, lines);
  if (what !== 'rate limits') return;
  const active = Object.entries(report.rateLimitsActive)
    .map(([v, a]) => `${v}: ${a ? 'yes' : 'no'}`)
    .join(', ');
  log(`rate-limit information in the responses (${active})${report.policy ? `; RateLimit-Policy: ${report.policy}` : ''}`);
  if (report.rateLimitsActive.on === false) log('  this build has no rate limits: RATE_LIMITS_ENABLED is ignored and the overhead is noise');
  log('');
}

function printFairnessTable(runs: FairnessRun[]): void {
  const header = [
    'fairness',
    'A',
    'B req/s',
    'B p50 ms',
    'B p99 ms',
    'B max ms',
    'B errors',
    'A req/s',
    'A p50 ms',
    'A p99 ms',
    'A SERVER_BUSY',
    'A other errors',
  ];
  const lines: string[][] = [];
  for (const r of runs) {
    const name = `${r.variant} (${r.pool.dbMaxConnectionsPerNetwork}/${r.pool.dbPoolMax})`;
    if (r.skipped) {
      lines.push([name, '-', 'skipped: ' + r.skipped]);
      continue;
    }
    const b = (x: LoadResult) => [fmt(x.reqPerSec, 1), fmt(x.p50), fmt(x.p99), fmt(x.max), String(failures(x))];
    const a = r.loadedA!;
    const busy = a.errorCodes.SERVER_BUSY ?? 0;
    lines.push([name, 'idle', ...b(r.baseline!), '-', '-', '-', '-', '-']);
    lines.push([name, 'saturating', ...b(r.loadedB!), fmt(a.reqPerSec, 1), fmt(a.p50), fmt(a.p99), String(busy), String(failures(a) - busy)]);
  }
  printAligned(header, lines);
}

interface EvaluationRow {
  scenario: EvaluationScenario;
  result?: LatencyResult;
  statementsPerRequest?: number;
  loadAverageBefore?: number;
  skipped?: string;
}

function printEvaluationTable(rows: EvaluationRow[]): void {
  const header = ['evaluation', 'conns', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'SQL/req', 'load before'];
  const lines = rows.map((r) =>
    r.result
      ? [
          r.scenario,
          String(r.result.concurrency),
          String(r.result.requests),
          fmt(r.result.p50),
          fmt(r.result.p95),
          fmt(r.result.p99),
          fmt(r.result.max),
          String(r.result.errors),
          fmt(r.statementsPerRequest, 1),
          fmt(r.loadAverageBefore, 1),
        ]
      : [r.scenario, '-', 'skipped: ' + (r.skipped ?? '')],
  );
  printAligned(header, lines);
}

/**
 * Sends one request, times each parameterised statement it made again in a tenant transaction (as the app
 * role, row-level security on, JIT off) and returns EXPLAIN (ANALYZE, BUFFERS) of the slowest.
 */
async function explainSlowest(client: Client, url: string, item: LoadJob['items'][number], networkId: string): Promise<string> {
  statementCapture = [];
  await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: item.authorization }, body: item.body });
  const statements = statementCapture.filter((s) => /^\s*(WITH|SELECT)\b/i.test(s.text) && !s.text.includes('set_config'));
  statementCapture = undefined;
  const inTenant = async <T>(fn: () => Promise<T>): Promise<T> => {
    await client.query('BEGIN');
    try {
      // As the request ran them: the app role, the tenant, and JIT off (as src/modules/evaluation does).
      await client.query(`SELECT set_config('role', 'peer_app', true), set_config('app.network_id', $1, true), set_config('jit', 'off', true)`, [networkId]);
      return await fn();
    } finally {
      await client.query('ROLLBACK');
    }
  };
  let slowest: { ms: number; text: string; values: unknown[] } | undefined;
  for (const st of statements) {
    const ms = await inTenant(async () => {
      const t0 = performance.now();
      await client.query(st.text, st.values as unknown[]);
      return performance.now() - t0;
    });
    if (!slowest || ms > slowest.ms) slowest = { ms, ...st };
  }
  if (!slowest) return '(no statement)';
  const plan = await inTenant(() => client.query(`EXPLAIN (ANALYZE, BUFFERS) ${slowest!.text}`, slowest!.values as unknown[]));
  return plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
}

/** Lets the requests still in flight when a load run stopped finish (they would count towards the next run). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

/** Samples this thread (the server's; the load generator runs in a worker) until stop() writes the .cpuprofile. */
async function startProfiler(): Promise<{ stop(name: string): Promise<string> }> {
  const session = new InspectorSession();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      const dir = path.join(__dirname, 'profiles');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const databaseUrl = process.env.DATABASE_URL?.trim();
  if (!databaseUrl) {
    process.stderr.write(
      'npm run bench needs DATABASE_URL pointing at a PostgreSQL database it may fill with ~1.5 million rows, e.g.\n' +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/peer_networks_bench npm run bench\n' +
        'It refuses to run on the embedded database (PGlite): the figures would say nothing about production.\n',
    );
    return 2;
  }

  const serverEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    TOKEN_SECRET: BENCH_TOKEN_SECRET,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    SEED_DEMO: 'false',
    DATABASE_URL: databaseUrl,
    // Rate limits as in production, but a budget no load run reaches: the bench measures the server, not the throttle.
    RATE_LIMIT_MAX: UNLIMITED_BUDGET,
    RATE_LIMIT_RESTORE_RATE: UNLIMITED_BUDGET,
  };
  /** The configuration of a server with these settings changed (the scenarios that start servers of their own). */
  const configWith = (overrides: Record<string, string | undefined> = {}) => loadConfig({ ...serverEnv, ...overrides });
  const config = configWith(opts.serverEnv);
  const logger = createLogger(config.logLevel);
  log(`database: ${databaseUrl.replace(/\/\/[^@/]*@/, '//…@')} (pool ${config.dbPoolMax}); migrating…`);
  const db = await openDatabase(config, logger);
  const client = new Client({ connectionString: databaseUrl, application_name: 'peer-networks-bench' });
  await client.connect();

  let seed: SeedInfo;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let cluster: ClusterServer | undefined;
  try {
    const seedStarted = Date.now();
    log(opts.reseed ? 'reseeding…' : 'checking the benchmark data set…');
    const seeded = await ensureSeeded(client, log, opts.reseed);
    seed = seeded.info;
    if (seeded.seededNow) log(`seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s: ${JSON.stringify(seed.counts)}`);
    else log(`already seeded (${seed.version}, ${seed.seededAt}, took ${seed.seconds} s then): ${JSON.stringify(seed.counts)}`);
    seed = await refreshSeed(client, seed, log);
    await ensureEvaluationSeed(client, seed, log);
    if (opts.seedOnly) return 0;

    const fixtures = await loadFixtures(client);
    server = await startServer(config, logger, db);
    // --workers=N: the load scenarios go to a server process with N workers (node:cluster); BENCH_TARGET_URL: to a server
    // started elsewhere (same database and TOKEN_SECRET). Neither is the process measured by SQL/req and server ELU.
    cluster =
      opts.workers > 0
        ? await startClusterServer({ ...serverEnv, ...opts.serverEnv, REDIS_URL: config.redisUrl ?? 'redis://127.0.0.1:6379' }, opts.workers, log)
        : undefined;
    const url = cluster?.url ?? process.env.BENCH_TARGET_URL ?? `http://127.0.0.1:${server.port}/graphql`;
    const external = url !== `http://127.0.0.1:${server.port}/graphql`;
    const tokens = new MemberTokens(config.tokenSecret);
    const memberIds = [...new Set([...fixtures.homeMembers, ...fixtures.checkInPairs.map((p) => p.memberId), ...fixtures.managers])];
    const bearer = new Map<string, string>();
    for (const id of memberIds) bearer.set(id, `Bearer ${(await tokens.issue(fixtures.networkId, id, MEMBER_TOKEN_MAX_TTL)).token}`);
    log(
      `server on ${url}; ${fixtures.homeMembers.length} member tokens for home, ${fixtures.groupPairs.length} (member, group) pairs, ` +
        `${fixtures.checkInPairs.length} (member, LIVE session) pairs over ${new Set(fixtures.checkInPairs.map((p) => p.sessionId)).size} sessions`,
    );

    const now = new Date().toISOString();
    const homeBody = JSON.stringify({ query: opts.basicHome ? BASIC_HOME_QUERY : HOME_QUERY });
    const groupQuery = groupPageQuery(now);
    const items: Record<ScenarioName, LoadJob['items']> = {
      home: fixtures.homeMembers.map((id) => ({ authorization: bearer.get(id)!, body: homeBody })),
      group: fixtures.groupPairs.map((p) => ({
        authorization: bearer.get(p.memberId)!,
        body: JSON.stringify({ query: groupQuery, variables: { id: toGlobalId('Group', p.groupId) } }),
      })),
      checkin: fixtures.checkInPairs.map((p) => ({
        authorization: bearer.get(p.memberId)!,
        body: JSON.stringify({ query: CHECK_IN_MUTATION, variables: { s: toGlobalId('Session', p.sessionId) } }),
      })),
    };

    const rows: ScenarioRow[] = [];
    // Issue 18: the floor — the same requests answered from one hand-written SQL statement each (./floor.ts), loaded
    // right after the API with the same settings; `floorRows` holds its runs, reported as the API's ratio to it.
    const floorRows: FloorRow[] = [];
    let floor: FloorServer | undefined;
    if (!opts.basicHome && opts.only.some((s) => (FLOOR_SCENARIOS as readonly string[]).includes(s))) {
      floor = await startFloorServer(databaseUrl, BENCH_TOKEN_SECRET, config.dbPoolMax, { home: HOME_QUERY, group: groupQuery, now });
    }
    for (const scenario of opts.only.filter((s): s is ScenarioName => (SCENARIOS as readonly string[]).includes(s))) {
      await settle();
      const problem = await sampleCheck(url, items[scenario], opts.show);
      if (problem) {
        log(`${scenario}: sample request failed, scenario skipped: ${problem}`);
        for (const connections of opts.connections) rows.push({ scenario, connections, skipped: problem });
        continue;
      }
      const withFloor = floor && (FLOOR_SCENARIOS as readonly string[]).includes(scenario) ? floor : undefined;
      if (withFloor) {
        const mismatch = await compareWithFloor(url, withFloor.url, items[scenario].slice(0, 20));
        if (mismatch) throw new Error(`${scenario}: the floor's answer differs from the API's: ${mismatch}`);
      }
      if (opts.warmup > 0) {
        log(`${scenario}: warm-up ${opts.warmup} s…`);
        await runInWorker({ url, connections: opts.connections[0], duration: opts.warmup, items: items[scenario] });
        if (withFloor) await runInWorker({ url: withFloor.url, connections: opts.connections[0], duration: opts.warmup, items: items[scenario] });
        await settle();
      }
      for (const connections of opts.connections) {
        log(`${scenario}: ${connections} connections, ${opts.duration} s…`);
        const loadAverageBefore = os.loadavg()[0];
        const profiler = opts.profile ? await startProfiler() : undefined;
        const elu = performance.eventLoopUtilization();
        const statementsBefore = statementsSent;
        const roundTripsBefore = roundTripsSent;
        const result = await runInWorker({ url, connections, duration: opts.duration, items: items[scenario] });
        const serverEventLoopUtilization = performance.eventLoopUtilization(elu).utilization;
        const statementsPerRequest = (statementsSent - statementsBefore) / Math.max(1, result.requests);
        const roundTripsPerRequest = (roundTripsSent - roundTripsBefore) / Math.max(1, result.requests);
        await settle();
        if (profiler) log(`  profile: ${path.relative(process.cwd(), await profiler.stop(`${scenario}-${connections}`))}`);
        const errors = failures(result);
        if (errors) log(`  ${errors} errors; first: ${result.firstError ?? '(socket errors or timeouts)'}`);
        rows.push(
          external
            ? { scenario, connections, result, errors, loadAverageBefore }
            : { scenario, connections, result, serverEventLoopUtilization, statementsPerRequest, roundTripsPerRequest, errors, loadAverageBefore },
        );
        if (withFloor) {
          log(`${scenario} floor: ${connections} connections, ${opts.duration} s…`);
          const floorResult = await runInWorker({ url: withFloor.url, connections, duration: opts.duration, items: items[scenario] });
          await settle();
          floorRows.push({ scenario, connections, api: result, floor: floorResult, target: FLOOR_TARGETS[scenario as keyof typeof FLOOR_TARGETS] });
        }
      }
    }
    await floor?.stop();

    if (rows.length) printTable(rows);
    if (floorRows.length) printFloorTable(floorRows, log);

    // Issue 11: scenarios on servers with other settings, started and stopped here (the database pool is shared).
    const hooks = { log, settle, sampleCheck: (u: string, it: LoadJob['items']) => sampleCheck(u, it, opts.show) };
    const startWith = async (overrides: Record<string, string | undefined>, serverLogger = logger) => {
      const cfg = configWith(overrides);
      const s = await startServer(cfg, serverLogger, db);
      return { config: cfg, url: `http://127.0.0.1:${s.port}/graphql`, stop: () => s.stop() };
    };
    let rateLimitOverhead: OverheadReport | undefined;
    if (opts.only.includes('home-ratelimit')) {
      await settle();
      rateLimitOverhead = await runRateLimitOverhead(
        items.home,
        { connections: opts.connections, duration: opts.duration, warmup: opts.warmup, rounds: opts.rounds, redisUrl: config.redisUrl },
        { ...hooks, start: startWith, statements: () => statementsSent },
      );
      printOverheadTable(rateLimitOverhead);
    }
    const overheadOpts = { connections: opts.connections, duration: opts.duration, warmup: opts.warmup, rounds: opts.rounds, redisUrl: config.redisUrl };
    const observability = opts.only.includes('home-observability')
      ? await runObservabilityOverhead(items.home, overheadOpts, { ...hooks, start: startWith, statements: () => statementsSent })
      : undefined;
    if (observability) printOverheadTable(observability, 'metrics + access log');
    const fairnessRuns: FairnessRun[] = [];
    if (opts.only.includes('fairness')) {
      const fx = await loadFairnessFixtures(client);
      for (const id of fx.members) bearer.set(id, `Bearer ${(await tokens.issue(fx.networkId, id, MEMBER_TOKEN_MAX_TTL)).token}`);
      // A: the largest network's coordinators and admin; B: plain members of the second largest.
      const aBody = fairnessABody();
      const aItems = fixtures.managers.map((id) => ({ authorization: bearer.get(id)!, body: aBody }));
      const bBody = JSON.stringify({ query: FAIRNESS_B_QUERY });
      const bItems = fx.members.map((id) => ({ authorization: bearer.get(id)!, body: bBody }));
      const variants: Array<FairnessRun['variant']> = opts.noShares ? ['shares', 'no-shares'] : ['shares'];
      for (const variant of variants) {
        await settle();
        const s = await startWith(variant === 'no-shares' ? { DB_MAX_CONNECTIONS_PER_NETWORK: String(config.dbPoolMax) } : {});
        try {
          const pool = {
            dbPoolMax: s.config.dbPoolMax,
            dbMaxConnectionsPerNetwork: s.config.dbMaxConnectionsPerNetwork,
            dbAcquireTimeoutMs: s.config.dbAcquireTimeoutMs,
          };
          const fairnessOptions = {
            duration: opts.duration,
            warmup: opts.warmup,
            aConnections: opts.fairnessA,
            bConnections: opts.fairnessB,
            bRate: opts.fairnessBRate,
          };
          fairnessRuns.push(await runFairness(variant, pool, s.url, aItems, bItems, fairnessOptions, hooks));
        } finally {
          await s.stop();
        }
      }
      printFairnessTable(fairnessRuns);
    }

    // Evaluation: single-request latency of the four aggregates, as the largest network's coordinators and admin.
    const evaluationRows: EvaluationRow[] = [];
    const explains: Record<string, string> = {};
    const managerAuth = fixtures.managers.map((id) => bearer.get(id)!);
    const bodies = evaluationBodies(fixtures.evaluationGroups.map((id) => toGlobalId('Group', id)));
    for (const scenario of opts.only.filter((s): s is EvaluationScenario => (EVALUATION_SCENARIOS as readonly string[]).includes(s))) {
      await settle();
      const sample = bodies[scenario].map((body, i) => ({ authorization: managerAuth[i % managerAuth.length], body }));
      const problem = await sampleCheck(url, sample, opts.show);
      if (problem) {
        log(`${scenario}: sample request failed, scenario skipped: ${problem}`);
        evaluationRows.push({ scenario, skipped: problem });
        continue;
      }
      if (opts.explain) explains[scenario] = await explainSlowest(client, url, sample[0], fixtures.networkId);
      await measureLatency(url, managerAuth, bodies[scenario], 10, 1); // warm-up: plans cached, pages in memory
      for (const connections of opts.evalConnections) {
        log(`${scenario}: ${opts.evalRequests} requests, ${connections} at a time…`);
        const loadAverageBefore = os.loadavg()[0];
        const statementsBefore = statementsSent;
        const result = await measureLatency(url, managerAuth, bodies[scenario], opts.evalRequests, connections);
        const statementsPerRequest = (statementsSent - statementsBefore) / result.requests;
        if (result.errors) log(`  ${result.errors} errors; first: ${result.firstError}`);
        evaluationRows.push({ scenario, result, statementsPerRequest, loadAverageBefore });
      }
    }
    if (evaluationRows.length) printEvaluationTable(evaluationRows);
    for (const [scenario, plan] of Object.entries(explains)) log(`EXPLAIN ANALYZE, slowest statement of one ${scenario} request:\n${plan}\n`);

    const report = {
      ranAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      settings: {
        serverEnv: opts.serverEnv,
        workers: opts.workers,
        durationSeconds: opts.duration,
        warmupSeconds: opts.warmup,
        connections: opts.connections,
        dbPoolMax: config.dbPoolMax,
        basicHome: opts.basicHome,
        dbMaxConnectionsPerNetwork: config.dbMaxConnectionsPerNetwork,
        dbAcquireTimeoutMs: config.dbAcquireTimeoutMs,
        // Whether the servers used Redis (live updates; rate-limit buckets where rate limits are on), never its URL.
        redis: config.redisUrl !== undefined,
        rateLimitMax: Number(UNLIMITED_BUDGET),
        rateLimitRestoreRate: Number(UNLIMITED_BUDGET),
      },
      seed,
      queries: {
        home: opts.basicHome ? BASIC_HOME_QUERY : HOME_QUERY,
        group: groupQuery,
        checkin: CHECK_IN_MUTATION,
        ...EVALUATION_QUERIES,
        fairnessA: FAIRNESS_A_QUERY,
        fairnessB: FAIRNESS_B_QUERY,
      },
      results: rows,
      floor: floorRows.length ? floorRows : undefined,
      rateLimitOverhead: rateLimitOverhead && { rounds: opts.rounds, ...rateLimitOverhead },
      observabilityOverhead: observability && { rounds: opts.rounds, ...observability },
      fairness: fairnessRuns.length
        ? { aConnections: opts.fairnessA, bConnections: opts.fairnessB, bRequestsPerSecond: opts.fairnessBRate, runs: fairnessRuns }
        : undefined,
      evaluation: { requests: opts.evalRequests, connections: opts.evalConnections, results: evaluationRows, explain: explains },
    };
    fs.writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n');
    log(`written ${path.relative(process.cwd(), RESULTS_FILE)}`);
    // In the fairness runs A's SERVER_BUSY answers are expected; B failing while the shares are on is not.
    const fairnessFailed = fairnessRuns.some((r) => r.skipped || (r.variant === 'shares' && (failures(r.baseline!) || failures(r.loadedB!))));
    const overheadFailed = [rateLimitOverhead, observability].some((o) => o !== undefined && (o.skipped !== undefined || o.summary.some((r) => r.errors)));
    return rows.some((r) => r.skipped || r.errors) ||
      floorRows.some((r) => failures(r.floor)) ||
      evaluationRows.some((r) => r.skipped || r.result?.errors) ||
      fairnessFailed ||
      overheadFailed
      ? 1
      : 0;
  } finally {
    await cluster?.stop();
    await server?.stop();
    await client.end();
    await db.close();
  }
}

// Run, unless imported for its fixtures and queries (bench/proxy.ts).
if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
