import os from 'node:os';
import { EVALUATION_QUERIES } from './evaluation';
import { runInWorker, type LoadJob, type LoadResult } from './load';
import type { Client } from 'pg';

/**
 * The fairness scenario (issue 11): network A (bench-01, the largest) saturates the server with a heavy allowed
 * read while network B (bench-02) sends a cheap query at a modest, fixed rate; B's latency is what is measured,
 * once with A idle (baseline) and once under A's load. Run against a server with the pool shares on (the
 * production default) and, with `--no-shares`, once more with one network allowed the whole pool.
 */

/** A's heavy read: network-wide weekly participation over a year, ~70 ms of database time alone, 101 points. */
export const FAIRNESS_A_QUERY = EVALUATION_QUERIES.participation;
/** B's cheap query: one round trip for authentication, nothing else. */
export const FAIRNESS_B_QUERY = '{ viewer { kind } }';

export interface FairnessFixtures {
  /** Network B (bench-02). */
  networkId: string;
  /** 20 of its members, whose tokens B rotates over. */
  members: string[];
}

export async function loadFairnessFixtures(client: Client): Promise<FairnessFixtures> {
  const networkId = (await client.query(`SELECT md5('n:2')::uuid AS id`)).rows[0].id as string;
  const members = (
    await client.query<{ id: string }>(`SELECT id FROM members WHERE network_id = $1 AND role = 'MEMBER' ORDER BY md5(id::text) LIMIT 20`, [networkId])
  ).rows.map((r) => r.id);
  if (!members.length) throw new Error('the seeded data set has no members in bench-02; run again with --reseed');
  return { networkId, members };
}

/** A's request bodies: the year up to now, fixed for the run. */
export function fairnessABody(): string {
  const to = new Date();
  const from = new Date(to.getTime() - 365 * 86_400_000);
  return JSON.stringify({ query: FAIRNESS_A_QUERY, variables: { from: from.toISOString(), to: to.toISOString() } });
}

export interface FairnessOptions {
  duration: number;
  warmup: number;
  /** A's autocannon connections (closed loop: each sends again as soon as answered). */
  aConnections: number;
  /** B's connections and its overall rate (requests/s, open loop: latency is corrected for coordinated omission). */
  bConnections: number;
  bRate: number;
}

/** The pool settings a fairness run's server had. */
export interface PoolSettings {
  dbPoolMax: number;
  dbMaxConnectionsPerNetwork: number;
  dbAcquireTimeoutMs: number;
}

export interface FairnessRun {
  /** `shares`: the production default; `no-shares`: DB_MAX_CONNECTIONS_PER_NETWORK = DB_POOL_MAX. */
  variant: 'shares' | 'no-shares';
  pool: PoolSettings;
  /** B alone (A idle). */
  baseline?: LoadResult;
  /** B while A saturates (B's window lies inside A's run). */
  loadedB?: LoadResult;
  loadedA?: LoadResult;
  loadAverageBefore?: number;
  skipped?: string;
}

/** What the fairness run needs from the harness (run.ts owns the server and the sample check). */
export interface FairnessHooks {
  log(msg: string): void;
  settle(): Promise<unknown>;
  sampleCheck(url: string, items: LoadJob['items']): Promise<string | undefined>;
}

/** A is given this long to fill its share and queue before B's window starts. */
const LEAD_IN_SECONDS = 2;

export async function runFairness(
  variant: FairnessRun['variant'],
  pool: PoolSettings,
  url: string,
  a: LoadJob['items'],
  b: LoadJob['items'],
  opts: FairnessOptions,
  hooks: FairnessHooks,
): Promise<FairnessRun> {
  const { log, settle } = hooks;
  const problem = (await hooks.sampleCheck(url, a)) ?? (await hooks.sampleCheck(url, b));
  if (problem) {
    log(`fairness (${variant}): sample request failed, scenario skipped: ${problem}`);
    return { variant, pool, skipped: problem };
  }
  const bJob: LoadJob = { url, connections: opts.bConnections, duration: opts.duration, items: b, overallRate: opts.bRate };
  if (opts.warmup > 0) {
    log(`fairness (${variant}): warm-up ${opts.warmup} s…`);
    await Promise.all([runInWorker({ url, connections: 4, duration: opts.warmup, items: a }), runInWorker({ ...bJob, duration: opts.warmup })]);
    await settle();
  }
  log(`fairness (${variant}): B alone, ${opts.bConnections} connections at ${opts.bRate} req/s, ${opts.duration} s…`);
  const loadAverageBefore = os.loadavg()[0];
  const baseline = await runInWorker(bJob);
  await settle();

  log(
    `fairness (${variant}): A ${opts.aConnections} connections flat out, B as before after ${LEAD_IN_SECONDS} s ` +
      `(pool ${pool.dbPoolMax}, ${pool.dbMaxConnectionsPerNetwork} per network)…`,
  );
  const aRun = runInWorker({ url, connections: opts.aConnections, duration: LEAD_IN_SECONDS + opts.duration + 1, items: a });
  await new Promise((resolve) => setTimeout(resolve, LEAD_IN_SECONDS * 1000));
  const [loadedB, loadedA] = await Promise.all([runInWorker(bJob), aRun]);
  // A's queued requests end within the acquire timeout; they would count towards the next run.
  await new Promise((resolve) => setTimeout(resolve, pool.dbAcquireTimeoutMs));
  await settle();
  return { variant, pool, baseline, loadedB, loadedA, loadAverageBefore };
}
