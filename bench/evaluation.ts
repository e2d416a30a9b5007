import { performance } from 'node:perf_hooks';
import { NETWORK_GROUPS, type SeedInfo } from './seed';
import type { Client } from 'pg';

/**
 * The evaluation part of the benchmark (issue 6): what the base data set lacks for it (wellbeing check-ins,
 * do-not-contact wishes, outreach), and the latency runs of the four evaluation queries, which are
 * reported as p50/p95 of single requests rather than as throughput.
 */

export const EVALUATION_SEED_VERSION = 'v1';
export const EVALUATION_SEED_MARKER = 'bench_seed_evaluation';

const NID = `md5('n:' || $1::int)::uuid`;
const MEMBERS_PER_GROUP = 25;
/** Every second member records a check-in about every two weeks over the past year. */
const CHECK_INS_PER_MEMBER = 26;

/**
 * Per network, in SQL, deterministic ($1 network number, $2 members, $3 anchor):
 * - wellbeing check-ins: every second member, 26 check-ins 14 days apart (shifted by member), values that
 *   drift upwards over the year;
 * - do-not-contact: about 3 % of the members (by the first byte of md5 of their id);
 * - outreach: about 4 % of the memberships, once in the last 60 days.
 */
const STATEMENTS: Array<{ table: string; sql: string }> = [
  {
    table: 'wellbeing_checkins',
    sql: `INSERT INTO wellbeing_checkins (id, network_id, member_id, session_id, wellbeing, confidence, recorded_at)
      SELECT (lpad(to_hex($1::int), 8, '0') || lpad(to_hex(m), 12, '0') || lpad(to_hex(w), 12, '0'))::uuid, ${NID},
        md5('m:' || $1::int || ':' || m)::uuid, NULL,
        least(10, 2 + (m * 7 + w * 3) % 6 + w / 8), least(10, 1 + (m * 3 + w * 5) % 7 + w / 6),
        $3::timestamptz - (((${CHECK_INS_PER_MEMBER} - w) * 14 - m % 14) * interval '1 day') - ((m % 24) * interval '1 hour')
      FROM generate_series(0, $2::int - 1) m, generate_series(0, ${CHECK_INS_PER_MEMBER - 1}) w
      WHERE m % 2 = 0
      ORDER BY m, w`,
  },
  {
    table: 'members',
    sql: `UPDATE members SET do_not_contact = true
      WHERE network_id = ${NID} AND get_byte(decode(md5(id::text), 'hex'), 0) < 8`,
  },
  {
    table: 'outreach',
    sql: `INSERT INTO outreach (network_id, membership_id, by_member_id, channel, note, outcome, at)
      SELECT network_id, id, NULL, 'MESSAGE', NULL, NULL, $3::timestamptz - ((get_byte(decode(md5(id::text), 'hex'), 2) % 60) * interval '1 day')
      FROM memberships
      WHERE network_id = ${NID} AND get_byte(decode(md5(id::text), 'hex'), 1) < 10`,
  },
];

interface EvaluationSeedInfo {
  version: string;
  /** The base seed it belongs to (a reseed of the base invalidates it). */
  baseSeededAt: string;
  counts: Record<string, number>;
}

/**
 * Adds the evaluation data to a seeded data set unless it is there already (marker per base seed). Run
 * after `refreshSeed`, so that it is built around the current anchor; later refreshes shift it too.
 */
export async function ensureEvaluationSeed(client: Client, base: SeedInfo, log: (msg: string) => void): Promise<void> {
  const rows = (await client.query<{ value: string }>('SELECT value FROM installation WHERE key = $1', [EVALUATION_SEED_MARKER])).rows;
  const existing = rows.length ? (JSON.parse(rows[0].value) as EvaluationSeedInfo) : undefined;
  if (existing && existing.version === EVALUATION_SEED_VERSION && existing.baseSeededAt === base.seededAt) return;

  const t0 = Date.now();
  log('adding the evaluation data (wellbeing check-ins, do-not-contact wishes, outreach)…');
  const superuser = (await client.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows[0]?.rolsuper === true;
  for (let n = 1; n <= NETWORK_GROUPS.length; n++) {
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('app.network_id', md5('n:' || $1::int)::uuid::text, true)`, [n]);
      await client.query(`SET LOCAL synchronous_commit = off`);
      if (superuser) await client.query(`SET LOCAL session_replication_role = replica`);
      // An earlier, other-version evaluation seed of this network goes first.
      await client.query(`DELETE FROM wellbeing_checkins WHERE network_id = md5('n:' || $1::int)::uuid`, [n]);
      await client.query(`DELETE FROM outreach WHERE network_id = md5('n:' || $1::int)::uuid`, [n]);
      await client.query(`UPDATE members SET do_not_contact = false WHERE network_id = md5('n:' || $1::int)::uuid AND do_not_contact`, [n]);
      for (const st of STATEMENTS) {
        await client.query(`WITH _params AS (SELECT $1::int, $2::int, $3::timestamptz) ${st.sql}`, [n, NETWORK_GROUPS[n - 1] * MEMBERS_PER_GROUP, base.anchor]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  }
  // Index-only scans need the visibility map of freshly written rows; autovacuum would set it some time
  // after seeding, this sets it now so that every run measures the same thing.
  await client.query('VACUUM ANALYZE attendance, sessions, memberships, members, wellbeing_checkins, outreach');
  const counts: Record<string, number> = {};
  const bench = `(SELECT id FROM networks WHERE slug LIKE 'bench-%')`;
  counts.wellbeing_checkins = (await client.query(`SELECT count(*)::int AS n FROM wellbeing_checkins WHERE network_id IN ${bench}`)).rows[0].n;
  counts.do_not_contact = (await client.query(`SELECT count(*)::int AS n FROM members WHERE do_not_contact AND network_id IN ${bench}`)).rows[0].n;
  counts.outreach = (await client.query(`SELECT count(*)::int AS n FROM outreach WHERE network_id IN ${bench}`)).rows[0].n;
  const info: EvaluationSeedInfo = { version: EVALUATION_SEED_VERSION, baseSeededAt: base.seededAt, counts };
  await client.query(`INSERT INTO installation (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
    EVALUATION_SEED_MARKER,
    JSON.stringify(info),
  ]);
  log(`  evaluation data in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`);
}

// --- latency runs ---

export const EVALUATION_SCENARIOS = ['health', 'participation', 'drifting', 'outcomes'] as const;
export type EvaluationScenario = (typeof EVALUATION_SCENARIOS)[number];

const HEALTH_QUERY = `query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on Group { name
  health(from: $from, to: $to) { from to sessionsHeld averageAttendance attendanceRate retentionRate newcomers averageRating averageMoodChange suppressed } } } }`;
const PARTICIPATION_QUERY = `query($from: DateTime!, $to: DateTime!) { participationTrend(interval: WEEK, from: $from, to: $to) {
  periodStart sessions attendees attendanceRate suppressed } }`;
const DRIFTING_QUERY = `{ driftingMembers(first: 20) { edges { cursor node { missedInARow lastAttendedAt lastOutreachAt
  membership { id member { displayName } group { name } } } } pageInfo { hasNextPage endCursor } } }`;
const OUTCOMES_QUERY = `query($from: DateTime!, $to: DateTime!) { outcomeTrend(interval: MONTH, from: $from, to: $to) {
  periodStart respondents averageWellbeing averageConfidence suppressed } }`;

export const EVALUATION_QUERIES: Record<EvaluationScenario, string> = {
  health: HEALTH_QUERY,
  participation: PARTICIPATION_QUERY,
  drifting: DRIFTING_QUERY,
  outcomes: OUTCOMES_QUERY,
};

/** Request bodies per scenario: one group's health over a year (rotating over 200 groups), network-wide otherwise. */
export function evaluationBodies(groupIds: string[]): Record<EvaluationScenario, string[]> {
  const to = new Date();
  const from = new Date(to.getTime() - 365 * 86_400_000);
  const period = { from: from.toISOString(), to: to.toISOString() };
  return {
    health: groupIds.map((id) => JSON.stringify({ query: HEALTH_QUERY, variables: { id, ...period } })),
    participation: [JSON.stringify({ query: PARTICIPATION_QUERY, variables: period })],
    drifting: [JSON.stringify({ query: DRIFTING_QUERY })],
    outcomes: [JSON.stringify({ query: OUTCOMES_QUERY, variables: period })],
  };
}

export interface LatencyResult {
  requests: number;
  concurrency: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  firstError?: string;
}

/** The p-th percentile of ascending values (nearest rank); NaN for none. */
export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * `requests` requests, `concurrency` at a time, each timed from send to the end of the body. Heavy
 * aggregates are measured as single-request latency: autocannon's histogram has no p95.
 */
export async function measureLatency(url: string, authorizations: string[], bodies: string[], requests: number, concurrency: number): Promise<LatencyResult> {
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      const t0 = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: authorizations[i % authorizations.length] },
        body: bodies[i % bodies.length],
      });
      const text = await res.text();
      times.push(performance.now() - t0);
      if (!res.ok || text.includes('"errors"')) {
        errors++;
        firstError ??= `HTTP ${res.status}: ${text.slice(0, 400)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  times.sort((a, b) => a - b);
  return {
    requests,
    concurrency,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    max: times[times.length - 1],
    errors,
    firstError,
  };
}
