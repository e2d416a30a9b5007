import DataLoader from 'dataloader';
import { DateTime } from 'luxon';
import { rowMapper, selectList } from '../../db/rows';
import { type Row, queryRows } from '../../db/sql';
import { paginate, type Connection, type ConnectionArgs } from '../../graphql/connection';
import { invalidArgument } from '../../graphql/errors';
import { ATTENDED_SQL } from '../attendance/attendance.service';
import { Membership } from '../memberships/membership.entity';
import { loadNetwork } from '../networks/network.loader';
import { DriftingMember, GroupHealth, OutcomePoint, ParticipationPoint, TrendInterval } from './evaluation.types';
import { isSuppressed, minimumAggregateSize, unlessSuppressed } from './privacy';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

/**
 * Evaluation, computed in PostgreSQL: each aggregate is one statement (CTEs, window functions,
 * `generate_series` for the periods, `FILTER`); JavaScript only applies the privacy threshold to the
 * figures that come back.
 *
 * Periods are calendar periods in the network's time zone, and every query snaps `from` back and `to`
 * forward to period boundaries: moving `from` or `to` by a day cannot narrow an aggregate to one session
 * or one person (README, "Evaluation and privacy thresholds").
 *
 * Shared definitions:
 * - a session is *held* when COMPLETED (cancelled ones never are); it belongs to the period it starts in;
 * - *attended* means PRESENT or LATE;
 * - members *expected* at a session: memberships of its group that had joined by its start and had not
 *   left by then, except those PAUSED now (pauses are not dated). Present ÷ expected is the attendance
 *   rate; a session never counts fewer expected than present.
 */

/** At most this long a period may be (10 years: 522 weekly points). */
const MAX_PERIOD_MS = 3653 * 86_400_000;

/** PostgreSQL's `date_trunc` unit and step per interval (fixed strings, inlined into SQL). */
const UNITS: Record<TrendInterval, { unit: string; step: string }> = {
  [TrendInterval.WEEK]: { unit: 'week', step: '1 week' },
  [TrendInterval.MONTH]: { unit: 'month', step: '1 month' },
  [TrendInterval.QUARTER]: { unit: 'quarter', step: '3 months' },
};

/** A requested period, checked: `from` before `to`, at most 10 years. */
export function checkPeriod(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime())) throw invalidArgument('from', 'is not a valid time');
  if (Number.isNaN(to.getTime())) throw invalidArgument('to', 'is not a valid time');
  if (to.getTime() <= from.getTime()) throw invalidArgument('to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw invalidArgument('to', 'must be at most 10 years after from');
}

/**
 * CTE `p`: the requested period snapped to period boundaries in the network's time zone ($tz): `lo_local`
 * and `hi_local` as local wall times, `lo` and `hi` as instants. `hi` is exclusive.
 */
function periodCte(unit: string, step: string, from: string, to: string, tz: string): string {
  const local = (t: string) => `(${t}::timestamptz AT TIME ZONE ${tz})`;
  return `p AS (
    SELECT lo_local, hi_local, lo_local AT TIME ZONE ${tz} AS lo, hi_local AT TIME ZONE ${tz} AS hi
    FROM (SELECT date_trunc('${unit}', ${local(from)}) AS lo_local,
                 CASE WHEN date_trunc('${unit}', ${local(to)}) = ${local(to)} THEN ${local(to)}
                      ELSE date_trunc('${unit}', ${local(to)}) + interval '${step}' END AS hi_local) x
  )`;
}

/**
 * CTE `mg` (group_id, joins, leaves): per group, the sorted join and leave times of its memberships
 * (PAUSED ones left out). Members expected at an instant t are then `EXPECTED_AT(t)`: joins at or before t
 * minus leaves at or before t, two binary searches (`width_bucket` over a sorted array) per session rather
 * than a scan of the memberships. (A membership leaves after it joins; rejoining clears `left_at`.)
 */
function membersByGroupCte(filter: string): string {
  return `mg AS (
    SELECT m.group_id, array_agg(m.joined_at ORDER BY m.joined_at) AS joins,
           array_agg(m.left_at ORDER BY m.left_at) FILTER (WHERE m.left_at IS NOT NULL) AS leaves
    FROM memberships m WHERE m.network_id = $1 AND ${filter} AND m.status <> 'PAUSED'
    GROUP BY m.group_id
  )`;
}

const EXPECTED_AT = (t: string) => `(coalesce(width_bucket(${t}, mg.joins), 0) - coalesce(width_bucket(${t}, mg.leaves), 0))`;

const round = (expr: string, digits: number) => `round(${expr}, ${digits})::float8`;

// --- Group.health ---------------------------------------------------------------------------------

interface HealthRow {
  group_id: string;
  lo: Date;
  hi: Date;
  sessions_held: number;
  average_attendance: number | null;
  attendance_rate: number | null;
  attendees: number;
  newcomers: number;
  cohort: number;
  retention_rate: number | null;
  average_rating: number | null;
  raters: number;
  average_mood_change: number | null;
  mood_people: number;
}

/**
 * Health of many groups over one period, in one statement. $1 network, $2 group ids, $3 from, $4 to, $5 time zone.
 *
 * Who contributes (for the threshold): to attendance figures, the distinct members who attended; to
 * retention, the members at `from`; to the rating, the people who gave feedback — anonymous feedback names
 * no one, so this is a lower bound: the distinct named authors, or the most responses to one session
 * (each from a different person), whichever is larger; to the mood change, the fewer of those who gave a
 * mood after (counted the same way) and the distinct attendees who gave a mood before.
 */
const HEALTH_SQL = `
  WITH ${periodCte('month', '1 month', '$3', '$4', '$5::text')},
  ${membersByGroupCte('m.group_id = ANY($2::uuid[])')},
  s AS (
    SELECT s.id, s.group_id, s.starts_at, ${EXPECTED_AT('s.starts_at')} AS expected
    FROM sessions s CROSS JOIN p LEFT JOIN mg ON mg.group_id = s.group_id
    WHERE s.network_id = $1 AND s.group_id = ANY($2::uuid[]) AND s.status = 'COMPLETED' AND s.starts_at >= p.lo AND s.starts_at < p.hi
  ),
  a AS (
    SELECT s.group_id, a.session_id, a.member_id, a.first_session, a.mood_before
    FROM s JOIN attendance a ON a.network_id = $1 AND a.session_id = s.id AND a.status IN ${ATTENDED_SQL}
  ),
  present AS (SELECT session_id, count(*) AS n FROM a GROUP BY session_id),
  by_sessions AS (
    SELECT s.group_id, count(*)::int AS held, avg(coalesce(pr.n, 0)) AS avg_present,
           sum(coalesce(pr.n, 0))::numeric / nullif(sum(greatest(s.expected, coalesce(pr.n, 0))), 0) AS rate
    FROM s LEFT JOIN present pr ON pr.session_id = s.id
    GROUP BY s.group_id
  ),
  by_people AS (
    SELECT group_id, count(DISTINCT member_id)::int AS attendees,
           count(DISTINCT member_id) FILTER (WHERE first_session)::int AS newcomers,
           avg(mood_before) AS avg_before,
           count(DISTINCT member_id) FILTER (WHERE mood_before IS NOT NULL)::int AS before_people
    FROM a GROUP BY group_id
  ),
  f AS (
    SELECT s.group_id, f.session_id, f.member_id, f.rating, f.mood_after
    FROM s JOIN feedback f ON f.network_id = $1 AND f.session_id = s.id
    UNION ALL
    SELECT s.group_id, f.session_id, NULL::uuid, f.rating, f.mood_after
    FROM s JOIN anonymous_feedback f ON f.network_id = $1 AND f.session_id = s.id
  ),
  f_most AS (
    SELECT group_id, max(responses) AS responses, max(moods) AS moods
    FROM (SELECT group_id, session_id, count(*) AS responses, count(mood_after) AS moods FROM f GROUP BY group_id, session_id) x
    GROUP BY group_id
  ),
  by_feedback AS (
    SELECT group_id, avg(rating) AS avg_rating, avg(mood_after) AS avg_after,
           count(DISTINCT member_id) AS named, count(DISTINCT member_id) FILTER (WHERE mood_after IS NOT NULL) AS named_moods
    FROM f GROUP BY group_id
  ),
  retention AS (
    SELECT m.group_id,
           count(*) FILTER (WHERE m.joined_at <= p.lo AND (m.left_at IS NULL OR m.left_at > p.lo))::int AS cohort,
           count(*) FILTER (WHERE m.joined_at <= p.lo AND (m.left_at IS NULL OR m.left_at > p.hi))::int AS retained
    FROM memberships m, p WHERE m.network_id = $1 AND m.group_id = ANY($2::uuid[])
    GROUP BY m.group_id
  )
  SELECT g.id AS group_id, p.lo, p.hi,
         coalesce(bs.held, 0) AS sessions_held,
         ${round('bs.avg_present', 2)} AS average_attendance,
         ${round('bs.rate', 4)} AS attendance_rate,
         coalesce(bp.attendees, 0) AS attendees,
         coalesce(bp.newcomers, 0) AS newcomers,
         coalesce(r.cohort, 0) AS cohort,
         ${round('r.retained::numeric / nullif(r.cohort, 0)', 4)} AS retention_rate,
         ${round('bf.avg_rating', 2)} AS average_rating,
         coalesce(greatest(bf.named, fm.responses), 0)::int AS raters,
         ${round('bf.avg_after - bp.avg_before', 2)} AS average_mood_change,
         least(coalesce(greatest(bf.named_moods, fm.moods), 0), coalesce(bp.before_people, 0))::int AS mood_people
  FROM unnest($2::uuid[]) AS g(id) CROSS JOIN p
  LEFT JOIN by_sessions bs ON bs.group_id = g.id
  LEFT JOIN by_people bp ON bp.group_id = g.id
  LEFT JOIN by_feedback bf ON bf.group_id = g.id
  LEFT JOIN f_most fm ON fm.group_id = g.id
  LEFT JOIN retention r ON r.group_id = g.id`;

function toHealth(r: HealthRow, k: number): GroupHealth {
  const attendance = isSuppressed(r.attendees, k);
  const retention = isSuppressed(r.cohort, k);
  const rating = isSuppressed(r.raters, k);
  const mood = isSuppressed(r.mood_people, k);
  return Object.assign(new GroupHealth(), {
    from: r.lo,
    to: r.hi,
    sessionsHeld: r.sessions_held,
    averageAttendance: attendance ? null : r.average_attendance,
    attendanceRate: attendance ? null : r.attendance_rate,
    retentionRate: retention ? null : r.retention_rate,
    newcomers: r.newcomers,
    averageRating: rating ? null : r.average_rating,
    averageMoodChange: mood ? null : r.average_mood_change,
    suppressed: attendance || retention || rating || mood,
  });
}

/** `Group.health` for one group; the groups of one request asking for the same period share one statement. */
export async function loadGroupHealth(ctx: Context, groupId: string, args: { from?: Date | null; to?: Date | null }): Promise<GroupHealth> {
  const network = await loadNetwork(ctx);
  const k = await minimumAggregateSize(ctx);
  const to = args.to ?? new Date();
  // Default: 12 whole months, this one included (the snap moves it to the first of that month).
  const from = args.from ?? DateTime.fromJSDate(to, { zone: network.timeZone }).minus({ months: 11 }).toJSDate();
  checkPeriod(from, to);
  return ctx.loaders
    .keyed(
      `group-health:${from.toISOString()}:${to.toISOString()}`,
      (manager, networkId) =>
        new DataLoader<string, GroupHealth>(async (ids) => {
          const rows = await queryRows<HealthRow>(manager, HEALTH_SQL, [networkId, ids, from, to, network.timeZone]);
          const byId = new Map(rows.map((r) => [r.group_id, toHealth(r, k)]));
          return ids.map((id) => byId.get(id)!);
        }),
    )
    .load(groupId);
}

// --- trends --------------------------------------------------------------------------------------

export interface TrendRequest {
  /** One group's database id, or null for the whole network. */
  groupId: string | null;
  interval: TrendInterval;
  from: Date;
  to: Date;
}

/** The periods of a trend (CTE `b`, one row per period, empty ones included): local start and number (1, 2, …). */
const periodsCte = (step: string) =>
  `b AS (
    SELECT t AS start_local, row_number() OVER (ORDER BY t) AS n
    FROM p, generate_series(p.lo_local, p.hi_local - interval '${step}', interval '${step}') t
  )`;

/** The period columns of a trend's rows. $tz is the time-zone parameter. */
const periodColumns = (step: string, tz: string) =>
  `b.start_local AT TIME ZONE ${tz} AS period_start, (b.start_local + interval '${step}') AT TIME ZONE ${tz} AS period_end`;

const trendSql = new Map<string, string>();

/** What a trend statement is built from: the interval's unit and step, and the placeholders of its parameters. */
interface TrendParts {
  unit: string;
  step: string;
  from: string;
  to: string;
  tz: string;
  /** `<alias>.group_id = $2` for a group trend; `true` for the whole network. */
  groupFilter: (alias: string) => string;
}

/**
 * A trend statement: $1 network, $2 group (group trends only), then from, to, time zone (see `trendParams`).
 * Statement texts are fixed per (kind, interval, group or network), so each is built once and prepared once
 * per connection.
 */
function trendStatement(kind: string, interval: TrendInterval, forGroup: boolean, build: (parts: TrendParts) => string): string {
  const key = `${kind}:${interval}:${forGroup}`;
  let sql = trendSql.get(key);
  if (!sql) {
    const [from, to, tz] = forGroup ? ['$3', '$4', '$5::text'] : ['$2', '$3', '$4::text'];
    const groupFilter = (alias: string) => (forGroup ? `${alias}.group_id = $2` : 'true');
    trendSql.set(key, (sql = build({ ...UNITS[interval], from, to, tz, groupFilter })));
  }
  return sql;
}

function participationSql(interval: TrendInterval, forGroup: boolean): string {
  return trendStatement(
    'participation',
    interval,
    forGroup,
    ({ unit, step, from, to, tz, groupFilter }) => `
      WITH ${periodCte(unit, step, from, to, tz)}, ${periodsCte(step)},
      ${membersByGroupCte(groupFilter('m'))},
      -- Materialized: the period and the expected members are computed once per session, not per attendance row.
      s AS MATERIALIZED (
        SELECT s.id, date_trunc('${unit}', s.starts_at AT TIME ZONE ${tz}) AS bucket, ${EXPECTED_AT('s.starts_at')} AS expected
        FROM sessions s CROSS JOIN p LEFT JOIN mg ON mg.group_id = s.group_id
        WHERE s.network_id = $1 AND ${groupFilter('s')} AND s.status = 'COMPLETED' AND s.starts_at >= p.lo AND s.starts_at < p.hi
      ),
      per_session AS (
        SELECT s.bucket, s.expected, c.present
        FROM s CROSS JOIN LATERAL (
          SELECT count(*) AS present FROM attendance a WHERE a.network_id = $1 AND a.session_id = s.id AND a.status IN ${ATTENDED_SQL}
        ) c
      ),
      by_bucket AS (
        SELECT bucket, count(*)::int AS sessions, sum(present)::int AS attendees, max(present)::int AS most_present,
               sum(greatest(expected, present)) AS expected
        FROM per_session GROUP BY bucket
      )
      SELECT ${periodColumns(step, tz)},
             coalesce(bb.sessions, 0) AS sessions, coalesce(bb.attendees, 0) AS attendees, coalesce(bb.most_present, 0) AS most_present,
             ${round('bb.attendees::numeric / nullif(bb.expected, 0)', 4)} AS attendance_rate
      FROM b LEFT JOIN by_bucket bb ON bb.bucket = b.start_local
      ORDER BY b.start_local`,
  );
}

/**
 * A check-in counts for a group when its member was in the group when recording it (joined before, not left yet).
 *
 * Index-only reads; each member's check-ins of a period are averaged first (sums and counts: small
 * by-value aggregate states), then the periods. A check-in's period is a binary search over the periods'
 * start instants (`width_bucket`), not a time-zone conversion per row.
 */
function outcomeSql(interval: TrendInterval, forGroup: boolean): string {
  return trendStatement('outcome', interval, forGroup, ({ unit, step, from, to, tz }) => {
    const checkIns = forGroup
      ? `FROM memberships m CROSS JOIN p
         JOIN wellbeing_checkins w ON w.network_id = m.network_id AND w.member_id = m.member_id
           AND w.recorded_at >= greatest(p.lo, m.joined_at) AND w.recorded_at < p.hi
         WHERE m.network_id = $1 AND m.group_id = $2 AND (m.left_at IS NULL OR w.recorded_at < m.left_at)`
      : `FROM wellbeing_checkins w, p
         WHERE w.network_id = $1 AND w.recorded_at >= p.lo AND w.recorded_at < p.hi`;
    return `
      WITH ${periodCte(unit, step, from, to, tz)}, ${periodsCte(step)},
      starts AS (SELECT array_agg(b.start_local AT TIME ZONE ${tz} ORDER BY b.start_local) AS a FROM b),
      per_person AS (
        SELECT w.member_id, width_bucket(w.recorded_at, (SELECT a FROM starts)) AS n,
               sum(w.wellbeing)::numeric / count(*) AS wellbeing, sum(w.confidence)::numeric / count(*) AS confidence
        ${checkIns}
        GROUP BY w.member_id, 2
      ),
      by_period AS (
        SELECT n, count(*)::int AS respondents, avg(wellbeing) AS wellbeing, avg(confidence) AS confidence
        FROM per_person GROUP BY n
      )
      SELECT ${periodColumns(step, tz)}, coalesce(bp.respondents, 0) AS respondents,
             ${round('bp.wellbeing', 2)} AS average_wellbeing, ${round('bp.confidence', 2)} AS average_confidence
      FROM b LEFT JOIN by_period bp ON bp.n = b.n
      ORDER BY b.start_local`;
  });
}

async function trendParams(ctx: Context, req: TrendRequest): Promise<{ params: unknown[]; k: number }> {
  checkPeriod(req.from, req.to);
  const network = await loadNetwork(ctx);
  const k = await minimumAggregateSize(ctx);
  const params = [ctx.networkId, ...(req.groupId ? [req.groupId] : []), req.from, req.to, network.timeZone];
  return { params, k };
}

export async function participationTrend(ctx: Context, req: TrendRequest): Promise<ParticipationPoint[]> {
  const { params, k } = await trendParams(ctx, req);
  const rows = await queryRows<{
    period_start: Date;
    period_end: Date;
    sessions: number;
    attendees: number;
    most_present: number;
    attendance_rate: number | null;
  }>(ctx.manager, participationSql(req.interval, req.groupId != null), params);
  // People behind the rate: at least as many as were present at the fullest session (a lower bound, so the
  // threshold errs on the side of withholding; counting distinct people over a network's year costs ~10x).
  return rows.map((r) =>
    Object.assign(new ParticipationPoint(), {
      periodStart: r.period_start,
      periodEnd: r.period_end,
      sessions: r.sessions,
      attendees: r.attendees,
      attendanceRate: unlessSuppressed(r.attendance_rate, r.most_present, k),
      suppressed: isSuppressed(r.most_present, k),
    }),
  );
}

export async function outcomeTrend(ctx: Context, req: TrendRequest): Promise<OutcomePoint[]> {
  const { params, k } = await trendParams(ctx, req);
  const rows = await queryRows<{
    period_start: Date;
    period_end: Date;
    respondents: number;
    average_wellbeing: number | null;
    average_confidence: number | null;
  }>(ctx.manager, outcomeSql(req.interval, req.groupId != null), params);
  return rows.map((r) =>
    Object.assign(new OutcomePoint(), {
      periodStart: r.period_start,
      periodEnd: r.period_end,
      respondents: r.respondents,
      averageWellbeing: unlessSuppressed(r.average_wellbeing, r.respondents, k),
      averageConfidence: unlessSuppressed(r.average_confidence, r.respondents, k),
      suppressed: isSuppressed(r.respondents, k),
    }),
  );
}

// --- drifting members ----------------------------------------------------------------------------

interface ListedDrifting extends DriftingMember {
  sortKey: number;
}

/** A membership row of `driftingFrom` with its streak and dates. */
type DriftingRow = Row & { missed_in_a_row: number; last_attended_at: Date | null; last_outreach_at: Date | null };

/**
 * Drifting members as one relation `t` (the membership's columns, `missed_in_a_row`, `last_attended_at`):
 * $1 network, $2 minMissed, and with `groups` $3 the group ids. Sessions are the group's COMPLETED ones.
 *
 * - `g`: per group, the ids and start times of its sessions in time order. "How many sessions started
 *   since t" is then a binary search (`width_bucket`), and a session's place is `array_position`;
 * - `seen`: who attended one of their group's last $2 sessions (a few index probes per group): not drifting;
 * - every other ACTIVE membership with at least $2 sessions since joining, except members who asked not
 *   to be contacted, looks up its last attended session (one index-only probe);
 * - missed in a row = the sessions after that one, at most those since joining.
 */
function driftingFrom(manager: EntityManager, restricted: boolean): string {
  const groups = (alias: string) => (restricted ? `AND ${alias}.group_id = ANY($3::uuid[])` : '');
  return `(
    WITH g AS (
      SELECT s.group_id, array_agg(s.id ORDER BY s.starts_at, s.id) AS ids, array_agg(s.starts_at ORDER BY s.starts_at, s.id) AS starts
      FROM sessions s WHERE s.network_id = $1 AND s.status = 'COMPLETED' ${groups('s')}
      GROUP BY s.group_id
    ),
    recent AS (SELECT array_agg(r.id) AS ids FROM g CROSS JOIN LATERAL unnest(g.ids[cardinality(g.ids) - $2 + 1:]) AS r(id)),
    seen AS (
      SELECT a.group_id, a.member_id FROM attendance a
      WHERE a.network_id = $1 AND a.session_id = ANY ((SELECT ids FROM recent)::uuid[]) AND a.status IN ${ATTENDED_SQL}
    ),
    -- Materialized: the cheap filters run first, the per-member lookup below only for what is left.
    candidates AS MATERIALIZED (
      SELECT ${selectList(manager.connection, Membership, 'ms')},
             cardinality(g.ids) - width_bucket(ms.joined_at - interval '1 microsecond', g.starts) AS since_join
      FROM memberships ms JOIN g ON g.group_id = ms.group_id
      WHERE ms.network_id = $1 AND ms.status = 'ACTIVE' ${groups('ms')}
        AND cardinality(g.ids) - width_bucket(ms.joined_at - interval '1 microsecond', g.starts) >= $2
        AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.group_id = ms.group_id AND seen.member_id = ms.member_id)
        AND NOT EXISTS (SELECT 1 FROM members mb WHERE mb.network_id = $1 AND mb.id = ms.member_id AND mb.do_not_contact)
    )
    SELECT ${selectList(manager.connection, Membership, 'c')},
           least(c.since_join, cardinality(g.ids) - coalesce(la.k, 0))::int AS missed_in_a_row,
           g.starts[la.k] AS last_attended_at
    FROM candidates c
    JOIN g ON g.group_id = c.group_id
    CROSS JOIN LATERAL (
      SELECT max(array_position(g.ids, a.session_id)) AS k FROM attendance a
      WHERE a.network_id = $1 AND a.member_id = c.member_id AND a.group_id = c.group_id AND a.status IN ${ATTENDED_SQL}
    ) la
    WHERE least(c.since_join, cardinality(g.ids) - coalesce(la.k, 0)) >= $2
  ) t`;
}

/** Drifting members, most sessions missed first (then by membership, for a stable order). */
export async function listDriftingMembers(ctx: Context, groups: string[] | null, minMissed: number, args: ConnectionArgs): Promise<Connection<DriftingMember>> {
  const manager = ctx.manager;
  const networkId = ctx.networkId;
  const map = rowMapper(manager.connection, Membership);
  return paginate<ListedDrifting, DriftingRow>(
    manager,
    {
      // The last outreach is read for the page's rows only (a sub-select evaluated after the LIMIT).
      select: `t.*, (SELECT max(o.at) FROM outreach o WHERE o.network_id = t.network_id AND o.membership_id = t.id) AS last_outreach_at`,
      from: driftingFrom(manager, groups != null),
      where: [],
      params: [networkId, minMissed, ...(groups ? [groups] : [])],
      map: (row) =>
        Object.assign(new DriftingMember(), {
          membership: map(row),
          missedInARow: row.missed_in_a_row,
          lastAttendedAt: row.last_attended_at,
          lastOutreachAt: row.last_outreach_at,
          sortKey: -row.missed_in_a_row,
        }),
    },
    args,
    [
      { sql: '(-t.missed_in_a_row)', value: (d) => d.sortKey },
      { sql: 't.id', value: (d) => d.membership.id },
    ],
    'drifting-members',
  );
}
