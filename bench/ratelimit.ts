import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { failures, runInWorker, type LoadJob, type LoadResult } from './load';

/**
 * The cost of rate-limit bookkeeping (issue 11; scenario `home-ratelimit`): the `home` load against servers
 * that differ only in RATE_LIMITS_ENABLED, with a budget so large that nothing is throttled (the bucket is
 * still read and charged on every request). With REDIS_URL set the buckets live in Redis, which is what a
 * production deployment with several instances pays; the in-process store is measured too.
 *
 * Throughput differences of a few percent are within the noise of a shared machine, so the variants run in
 * rounds, in reverse order every other round (off, on, on, off…), and the figures are means over the rounds.
 * The steadier figure is the CPU time of the server's thread per request: the server is bound by its event
 * loop (ELU ~95 %), so its throughput on a quiet machine goes as the inverse of that time, and other work on
 * the machine changes it far less than it changes req/s.
 */

/** Budget and restore rate of the bench's servers: the largest values RATE_LIMIT_MAX / _RESTORE_RATE accept. */
export const UNLIMITED_BUDGET = '1000000000';

export type OverheadVariant = 'off' | 'on' | 'on-redis';

/** The server environment of each variant, on top of the bench's own. */
export function variantEnv(variant: OverheadVariant, redisUrl: string | undefined): Record<string, string | undefined> {
  const budget = { RATE_LIMIT_MAX: UNLIMITED_BUDGET, RATE_LIMIT_RESTORE_RATE: UNLIMITED_BUDGET };
  switch (variant) {
    case 'off':
      return { ...budget, RATE_LIMITS_ENABLED: 'false' };
    case 'on':
      // In-process buckets: no REDIS_URL (live updates then go in-process too; the home query publishes none).
      return { ...budget, RATE_LIMITS_ENABLED: 'true', REDIS_URL: undefined };
    case 'on-redis':
      return { ...budget, RATE_LIMITS_ENABLED: 'true', REDIS_URL: redisUrl };
  }
}

export interface OverheadRun {
  variant: string;
  round: number;
  connections: number;
  result: LoadResult;
  serverEventLoopUtilization: number;
  /** CPU time (user + system) of the server's thread, this process's main thread, per completed request; Linux only. */
  serverCpuMsPerRequest?: number;
  statementsPerRequest: number;
  loadAverageBefore: number;
}

export interface OverheadSummary {
  connections: number;
  variant: string;
  /** Means over the rounds. */
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  /** (off − this) / off × 100: the throughput the bookkeeping costs; undefined for `off` (the first variant). */
  overheadPercent?: number;
  /** (max − min) / mean × 100 of req/s over the rounds: the noise of identical runs (0 with one round). */
  spreadPercent: number;
  serverCpuMsPerRequest?: number;
  /** (this − off) / off × 100 of the server thread's CPU time per request; undefined for `off`. */
  cpuOverheadPercent?: number;
}

export interface OverheadReport {
  /** Whether the server's responses showed rate limiting at all (a RateLimit header or extensions.cost.throttleStatus) per variant. */
  rateLimitsActive: Partial<Record<OverheadVariant, boolean>>;
  /** The RateLimit-Policy header the `on` servers sent, if any. */
  policy?: string;
  runs: OverheadRun[];
  summary: OverheadSummary[];
  skipped?: string;
}

export interface OverheadHooks {
  log(msg: string): void;
  settle(): Promise<unknown>;
  sampleCheck(url: string, items: LoadJob['items']): Promise<string | undefined>;
  /** Starts a server with these environment overrides; stop() ends it. */
  start(env: Record<string, string | undefined>): Promise<{ url: string; stop(): Promise<void> }>;
  /** SQL statements the process has sent so far. */
  statements(): number;
}

export interface OverheadOptions {
  connections: number[];
  duration: number;
  warmup: number;
  rounds: number;
  redisUrl: string | undefined;
}

/**
 * CPU time of this process's main thread (the server's; the load generator runs in worker threads) in ms, from
 * /proc (utime + stime, in clock ticks of 10 ms: USER_HZ is 100 on Linux). Undefined elsewhere.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Whether one response carries rate-limit information, and its policy header. */
async function probe(url: string, item: LoadJob['items'][number]): Promise<{ active: boolean; policy?: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: item.authorization }, body: item.body });
  const body = (await res.json()) as { extensions?: { cost?: { throttleStatus?: unknown } } };
  const header = res.headers.get('ratelimit');
  return { active: header !== null || body.extensions?.cost?.throttleStatus !== undefined, policy: res.headers.get('ratelimit-policy') ?? undefined };
}

export async function runRateLimitOverhead(items: LoadJob['items'], opts: OverheadOptions, hooks: OverheadHooks): Promise<OverheadReport> {
  const variants: OverheadVariant[] = opts.redisUrl ? ['off', 'on', 'on-redis'] : ['off', 'on'];
  const report: OverheadReport = { rateLimitsActive: {}, runs: [], summary: [] };
  return runOverheadRounds(
    'home-ratelimit',
    variants.map((variant) => ({ name: variant, env: variantEnv(variant, opts.redisUrl) })),
    items,
    opts,
    hooks,
    report,
    async (variant, url) => {
      const seen = await probe(url, items[0]);
      report.rateLimitsActive[variant as OverheadVariant] = seen.active;
      if (variant !== 'off' && seen.policy) report.policy = seen.policy;
    },
  );
}

/**
 * The `home` load against servers that differ only in `variants`' settings (the first one is the baseline), in
 * rounds of alternating order; `probe` looks at each new server once before its load. Fills and returns `report`.
 */
export async function runOverheadRounds(
  scenario: string,
  variants: ReadonlyArray<{ name: string; env: Record<string, string | undefined> }>,
  items: LoadJob['items'],
  opts: OverheadOptions,
  hooks: OverheadHooks,
  report: OverheadReport,
  probe?: (variant: string, url: string) => Promise<void>,
): Promise<OverheadReport> {
  const { log, settle } = hooks;
  for (let round = 1; round <= opts.rounds; round++) {
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const [i, { name: variant, env }] of order.entries()) {
      const server = await hooks.start(env);
      try {
        const problem = await hooks.sampleCheck(server.url, items);
        if (problem) {
          log(`${scenario} (${variant}): sample request failed, scenario skipped: ${problem}`);
          return { ...report, skipped: `${variant}: ${problem}` };
        }
        await probe?.(variant, server.url);
        // The very first server also warms the process up (JIT, plans, pages) when nothing ran before it.
        const warmup = round === 1 && i === 0 ? Math.max(10, opts.warmup) : opts.warmup;
        if (warmup > 0) {
          log(`${scenario} (${variant}, round ${round}): warm-up ${warmup} s…`);
          await runInWorker({ url: server.url, connections: opts.connections[0], duration: warmup, items });
          await settle();
        }
        for (const connections of opts.connections) {
          log(`${scenario} (${variant}, round ${round}): ${connections} connections, ${opts.duration} s…`);
          const loadAverageBefore = os.loadavg()[0];
          const elu = performance.eventLoopUtilization();
          const cpuBefore = mainThreadCpuMs();
          const statementsBefore = hooks.statements();
          const result = await runInWorker({ url: server.url, connections, duration: opts.duration, items });
          const serverEventLoopUtilization = performance.eventLoopUtilization(elu).utilization;
          const cpuAfter = mainThreadCpuMs();
          const serverCpuMsPerRequest = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / Math.max(1, result.requests);
          const statementsPerRequest = (hooks.statements() - statementsBefore) / Math.max(1, result.requests);
          await settle();
          const cpu = serverCpuMsPerRequest === undefined ? '' : `, server CPU ${serverCpuMsPerRequest.toFixed(2)} ms/req`;
          log(
            `  ${result.reqPerSec.toFixed(1)} req/s, p99 ${result.p99} ms, server ELU ${(serverEventLoopUtilization * 100).toFixed(0)} %${cpu}, load before ${loadAverageBefore.toFixed(1)}`,
          );
          report.runs.push({ variant, round, connections, result, serverEventLoopUtilization, serverCpuMsPerRequest, statementsPerRequest, loadAverageBefore });
        }
      } finally {
        await server.stop();
      }
    }
  }
  report.summary = summarize(
    report.runs,
    variants.map((v) => v.name),
    opts.connections,
  );
  return report;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function summarize(runs: OverheadRun[], variants: string[], connections: number[]): OverheadSummary[] {
  const out: OverheadSummary[] = [];
  const baseline = variants[0];
  for (const c of connections) {
    const of = (v: string) => runs.filter((r) => r.connections === c && r.variant === v);
    const off = mean(of(baseline).map((r) => r.result.reqPerSec));
    const cpuOf = (rs: OverheadRun[]) => (rs.every((r) => r.serverCpuMsPerRequest !== undefined) ? mean(rs.map((r) => r.serverCpuMsPerRequest!)) : undefined);
    const offCpu = cpuOf(of(baseline));
    for (const variant of variants) {
      const rs = of(variant);
      if (!rs.length) continue;
      const rates = rs.map((r) => r.result.reqPerSec);
      const cpu = cpuOf(rs);
      const reqPerSec = mean(rates);
      out.push({
        connections: c,
        variant,
        reqPerSec,
        p50: mean(rs.map((r) => r.result.p50)),
        p99: mean(rs.map((r) => r.result.p99)),
        errors: rs.reduce((n, r) => n + failures(r.result), 0),
        overheadPercent: variant === baseline ? undefined : ((off - reqPerSec) / off) * 100,
        spreadPercent: ((Math.max(...rates) - Math.min(...rates)) / reqPerSec) * 100,
        serverCpuMsPerRequest: cpu,
        cpuOverheadPercent: variant === baseline || cpu === undefined || offCpu === undefined ? undefined : ((cpu - offCpu) / offCpu) * 100,
      });
    }
  }
  return out;
}
