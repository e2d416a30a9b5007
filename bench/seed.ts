import 'reflect-metadata';
import { Client } from 'pg';
import { DEFAULT_AGENDA } from '../src/modules/groups/agenda';

/**
 * A reproducible benchmark data set, generated in SQL (generate_series and fixed formulas, no
 * randomness; every id is md5 of a fixed string, so a reseed gives the same rows).
 *
 * Per group (2,000 in 10 networks of different sizes): 100 memberships (2 facilitators; some PAUSED,
 * 0-24 % LEFT, so member counts vary; the last 10 joined in the last weeks), 25 sessions (20 every two weeks in the past, one of
 * them CANCELLED; one today, LIVE in every 4th group; four SCHEDULED weekly after), 27 attendance rows
 * per COMPLETED session, RSVPs for upcoming sessions (waitlisted past capacity), feedback (named and
 * anonymous) for completed ones. Every member is in exactly 4 groups.
 */
export const SEED_VERSION = 'v1';
export const SEED_MARKER = 'bench_seed';

/** Groups per network (sum 2,000); each network has 25 members per group. */
export const NETWORK_GROUPS = [420, 330, 260, 220, 200, 170, 140, 110, 90, 60];
const MEMBERS_PER_GROUP = 25;
const MEMBERSHIPS_PER_GROUP = 100;
/** Member of membership (group i, slot j) = (i * 25 + j * STRIDE) mod members: unique per group, 4 groups per member. */
const STRIDE = 257;
const SESSIONS_PER_GROUP = 25;
const ATTENDEES_PER_SESSION = 27;

const NETWORK_NAMES = [
  'Mindful Cities',
  'Recovery Collective',
  'Caregivers United',
  'Open Door Peer Support',
  'Northern Lights',
  'Harbour Wellbeing',
  'Parents Together',
  'Veterans Circle',
  'Rainbow Peers',
  'Quiet Strength',
];
const TOPICS = [
  'anxiety',
  'depression',
  'grief',
  'addiction-recovery',
  'parenting',
  'caregivers',
  'chronic-pain',
  'loneliness',
  'burnout',
  'lgbtq',
  'veterans',
  'eating-disorders',
  'bipolar',
  'ptsd',
  'newcomers',
  'mindfulness',
];
const GROUP_SUFFIXES = ['Circle', 'Together', 'Peer Group', 'Support Circle', 'Community', 'Cafe', 'Evenings', 'Network'];
const FIRST_NAMES = [
  'Alex',
  'Sam',
  'Jordan',
  'Riley',
  'Casey',
  'Morgan',
  'Taylor',
  'Jamie',
  'Robin',
  'Charlie',
  'Avery',
  'Quinn',
  'Skyler',
  'Dakota',
  'Reese',
  'Rowan',
  'Emerson',
  'Finley',
  'Hayden',
  'Kendall',
  'Logan',
  'Parker',
  'Sage',
  'Blake',
  'Drew',
  'Ellis',
  'Frankie',
  'Harper',
  'Jesse',
  'Kai',
  'Lee',
  'Marley',
  'Noel',
  'Oakley',
  'Peyton',
  'River',
  'Shay',
  'Toni',
  'Val',
  'Wren',
];
const SESSION_TITLES = [
  'Check-in and sharing',
  'Coping strategies',
  'Open circle',
  'Boundaries',
  'Self-care',
  'Setbacks and progress',
  'Gratitude evening',
  'Guest speaker',
];
const COMMENTS = [
  'Felt heard today, thank you.',
  'The sharing round ran a bit long.',
  'Good to see new faces.',
  'I learned a new breathing exercise.',
  'Hard session but worth it.',
  'Thanks to the facilitators.',
];
const TIME_ZONES = ['Europe/Berlin', 'Europe/London', 'America/New_York', 'Europe/Amsterdam'];

export interface SeedInfo {
  version: string;
  /** The "now" the data set was built around (ISO); sessions are shifted when it gets old. */
  anchor: string;
  seededAt: string;
  seconds: number;
  counts: Record<string, number>;
}

/** Parameters of every per-network statement: $1 n, $2 groups, $3 members, $4 anchor, then statement-specific ones. */
const NID = `md5('n:' || $1::int)::uuid`;
const GID = (i: string) => `md5('g:' || $1::int || ':' || ${i})::uuid`;
const MID = (m: string) => `md5('m:' || $1::int || ':' || ${m})::uuid`;
const SID = (i: string, k: string) => `md5('s:' || $1::int || ':' || ${i} || ':' || ${k})::uuid`;
/**
 * Ids of leaf rows (memberships, attendance, RSVPs, feedback), ordered like time-ordered UUIDs (v7): inserts
 * append to the primary-key indexes instead of touching random pages, which halves the seeding time.
 */
const ORDERED_ID = (...parts: string[]) =>
  `(lpad(to_hex($1::int), 8, '0') || ${parts.map((p) => `lpad(to_hex(${p}), ${24 / parts.length}, '0')`).join(' || ')})::uuid`;
const MEMBER_OF = (i: string, j: string) => `((${i}) * ${MEMBERS_PER_GROUP} + (${j}) * ${STRIDE}) % $3::int`;
/** Membership slot j of group i has LEFT: 0-24 % of a group's slots (never the facilitators, slots 0 and 1). */
const HAS_LEFT = (i: string, j: string) => `(${j} >= 2 AND (${j} * 7 + ${i}) % 100 < ${i} % 25)`;
/** starts_at of session k of group i (see the layout above). */
const STARTS_AT = (i: string, k: string) => `(CASE
  WHEN ${k} < 20 THEN date_trunc('day', $4::timestamptz) + interval '18 hours' - (((20 - ${k}) * 14 + ${i} % 7 + 1) * interval '1 day')
  WHEN ${k} = 20 AND ${i} % 4 = 0 THEN date_trunc('minute', $4::timestamptz) - interval '20 minutes'
  WHEN ${k} = 20 THEN date_trunc('day', $4::timestamptz) + interval '18 hours' + ((1 + ${i} % 6) * interval '1 day')
  ELSE date_trunc('day', $4::timestamptz) + interval '18 hours' + (((${k} - 20) * 7 + 1 + ${i} % 6) * interval '1 day')
END)`;
const SESSION_STATUS = (i: string, k: string) =>
  `(CASE WHEN ${k} = 9 THEN 'CANCELLED' WHEN ${k} < 20 THEN 'COMPLETED' WHEN ${k} = 20 AND ${i} % 4 = 0 THEN 'LIVE' ELSE 'SCHEDULED' END)`;
const ATTENDANCE_STATUS = `(CASE WHEN (t + k) % 10 < 7 THEN 'PRESENT' WHEN (t + k) % 10 = 7 THEN 'LATE' WHEN (t + k) % 10 = 8 THEN 'EXCUSED' ELSE 'ABSENT' END)`;

export function networkStatements(): Array<{ table: string; sql: string; extra?: (n: number) => unknown[] }> {
  return [
    {
      table: 'networks',
      sql: `INSERT INTO networks (id, slug, name, description, time_zone, created_at)
        VALUES (${NID}, 'bench-' || lpad($1::int::text, 2, '0'), $5, 'Benchmark network ' || $1::int || ' (' || $2::int || ' groups).',
          $6, $4::timestamptz - interval '800 days')`,
      extra: (n) => [NETWORK_NAMES[n - 1], TIME_ZONES[n % TIME_ZONES.length]],
    },
    {
      table: 'members',
      sql: `INSERT INTO members (id, network_id, display_name, email, role, created_at, updated_at)
        SELECT ${MID('m')}, ${NID},
          ($5::text[])[1 + m % 40] || ' ' || chr(65 + (m / 40) % 26) || '.',
          CASE WHEN m % 3 = 0 THEN 'member' || m || '@bench-' || $1::int || '.example.org' END,
          CASE WHEN m = 0 THEN 'ADMIN' WHEN m <= 3 THEN 'COORDINATOR' ELSE 'MEMBER' END,
          $4::timestamptz - ((400 + m % 300) * interval '1 day'), $4::timestamptz - ((m % 300) * interval '1 day')
        FROM generate_series(0, $3::int - 1) m`,
      extra: () => [FIRST_NAMES],
    },
    {
      table: 'groups',
      sql: `INSERT INTO groups (id, network_id, name, slug, description, objectives, topics, norms, visibility, format,
          capacity, time_zone, agenda_template, created_at, updated_at)
        SELECT ${GID('i')}, ${NID},
          initcap(replace(t1, '-', ' ')) || ' ' || ($6::text[])[1 + (i / 16) % 8] || CASE WHEN i >= 128 THEN ' ' || (i / 128 + 1) ELSE '' END,
          'group-' || i,
          'A peer support group on ' || replace(t1, '-', ' ') || ' and ' || replace(t2, '-', ' ') || '. We meet '
            || CASE WHEN i % 3 = 1 THEN 'in person' WHEN i % 3 = 2 THEN 'online and in person' ELSE 'online' END
            || ', share what works and listen without judgement.',
          ARRAY['Share experiences of ' || replace(t1, '-', ' '), 'Learn coping strategies from each other', 'Feel less alone'],
          ARRAY[t1, t2],
          ARRAY['What is shared here stays here', 'Listen without fixing', 'Speak from your own experience', 'Phones on silent'],
          CASE WHEN i % 10 = 9 THEN 'PRIVATE' WHEN i % 10 = 8 THEN 'PARTNERS' ELSE 'NETWORK' END,
          (ARRAY['ONLINE', 'IN_PERSON', 'HYBRID'])[1 + i % 3],
          CASE WHEN i % 7 = 0 THEN NULL ELSE 8 + (i % 5) * 4 END,
          $7, $8::jsonb,
          $4::timestamptz - interval '420 days' + i * interval '1 minute', $4::timestamptz - (i % 90) * interval '1 day'
        FROM generate_series(0, $2::int - 1) i,
          LATERAL (SELECT ($5::text[])[1 + i % 16] AS t1, ($5::text[])[1 + (i * 7 + 3) % 16] AS t2) t`,
      extra: (n) => [TOPICS, GROUP_SUFFIXES, TIME_ZONES[n % TIME_ZONES.length], JSON.stringify(DEFAULT_AGENDA)],
    },
    {
      table: 'memberships',
      sql: `INSERT INTO memberships (id, network_id, group_id, member_id, role, status, joined_at, norms_accepted_at, left_at,
          created_at, updated_at)
        SELECT ${ORDERED_ID('i', 'j')}, ${NID}, ${GID('i')}, ${MID(MEMBER_OF('i', 'j'))},
          CASE WHEN j < 2 THEN 'FACILITATOR' ELSE 'MEMBER' END,
          CASE WHEN ${HAS_LEFT('i', 'j')} THEN 'LEFT' WHEN j % 17 = 16 THEN 'PAUSED' ELSE 'ACTIVE' END,
          joined, joined, CASE WHEN ${HAS_LEFT('i', 'j')} THEN $4::timestamptz - (j % 30) * interval '1 day' END, joined, joined
        FROM generate_series(0, $2::int - 1) i, generate_series(0, ${MEMBERSHIPS_PER_GROUP - 1}) j,
          LATERAL (SELECT CASE WHEN j < 90 THEN $4::timestamptz - ((300 + (j * 7 + i) % 60) * interval '1 day')
                               ELSE $4::timestamptz - ((j - 89) * 4 * interval '1 day') END AS joined) x`,
    },
    {
      table: 'sessions',
      sql: `INSERT INTO sessions (id, network_id, group_id, title, starts_at, ends_at, time_zone, status, capacity, location,
          online_url, agenda, cancel_reason, started_at, ended_at, cancelled_at, created_at, updated_at)
        SELECT ${SID('i', 'k')}, ${NID}, ${GID('i')}, ($5::text[])[1 + (i + k) % 8], s, s + interval '90 minutes', $6,
          st, NULL,
          CASE WHEN i % 3 <> 0 THEN 'Community centre, room ' || (1 + i % 9) END,
          CASE WHEN i % 3 <> 1 THEN 'https://meet.example.org/bench-' || $1::int || '-' || i END,
          $7::jsonb,
          CASE WHEN st = 'CANCELLED' THEN 'Facilitator unwell' END,
          CASE WHEN st IN ('LIVE', 'COMPLETED') THEN s - interval '5 minutes' END,
          CASE WHEN st = 'COMPLETED' THEN s + interval '90 minutes' END,
          CASE WHEN st = 'CANCELLED' THEN s - interval '1 day' END,
          s - interval '60 days', s
        FROM generate_series(0, $2::int - 1) i, generate_series(0, ${SESSIONS_PER_GROUP - 1}) k,
          LATERAL (SELECT ${STARTS_AT('i', 'k')} AS s, ${SESSION_STATUS('i', 'k')} AS st) x`,
      extra: (n) => [SESSION_TITLES, TIME_ZONES[n % TIME_ZONES.length], JSON.stringify(DEFAULT_AGENDA)],
    },
    {
      table: 'attendance',
      // 27 of the first 90 slots per COMPLETED session; first_session = the member's first PRESENT/LATE in the group.
      sql: `INSERT INTO attendance (id, network_id, session_id, group_id, member_id, status, checked_in_at, first_session,
          mood_before, created_at, updated_at)
        SELECT ${ORDERED_ID('i', 'k', 't')}, ${NID}, ${SID('i', 'k')}, ${GID('i')}, ${MID('m')},
          status,
          CASE WHEN status = 'PRESENT' THEN s + (t % 5) * interval '1 minute' WHEN status = 'LATE' THEN s + interval '15 minutes' END,
          attended AND row_number() OVER (PARTITION BY i, m, attended ORDER BY k) = 1,
          CASE WHEN attended AND t % 3 <> 2 THEN 1 + (i + j + k) % 5 END,
          s, s
        FROM generate_series(0, $2::int - 1) i, generate_series(0, 19) k, generate_series(0, ${ATTENDEES_PER_SESSION - 1}) t,
          LATERAL (SELECT (k * 13 + t * 37) % 90 AS j) y,
          LATERAL (SELECT ${MEMBER_OF('i', 'j')} AS m, ${STARTS_AT('i', 'k')} AS s, ${ATTENDANCE_STATUS} AS status) x,
          LATERAL (SELECT x.status IN ('PRESENT', 'LATE') AS attended) z
        WHERE k <> 9
        ORDER BY i, k, t`,
    },
    {
      table: 'rsvps',
      // 10-14 answers per upcoming session from members who have not left; GOING past capacity is WAITLISTED.
      sql: `INSERT INTO rsvps (id, network_id, session_id, member_id, status, responded_at)
        SELECT ${ORDERED_ID('i', 'k', 't')}, ${NID}, ${SID('i', 'k')}, ${MID(MEMBER_OF('i', 'j'))},
          CASE WHEN intent <> 'GOING' THEN intent
               WHEN cap IS NULL OR row_number() OVER (PARTITION BY i, k, intent ORDER BY t) <= cap THEN 'GOING'
               ELSE 'WAITLISTED' END,
          $4::timestamptz - ((24 - k) * interval '1 day') - ((40 - t) * interval '1 hour')
        FROM generate_series(0, $2::int - 1) i, generate_series(20, 24) k, generate_series(0, 13) t,
          LATERAL (SELECT (k * 7 + t * 11) % 100 AS j,
                          CASE WHEN i % 7 = 0 THEN NULL ELSE 8 + (i % 5) * 4 END AS cap,
                          CASE WHEN t % 6 = 5 THEN 'MAYBE' WHEN t % 9 = 8 THEN 'NOT_GOING' ELSE 'GOING' END AS intent) x
        WHERE t < 10 + (i % 3) * 2 AND NOT ${HAS_LEFT('i', 'j')}
        ORDER BY i, k, t`,
    },
    {
      table: 'feedback',
      sql: `INSERT INTO feedback (id, network_id, session_id, member_id, rating, mood_after, comment, submitted_at)
        SELECT ${ORDERED_ID('i', 'k', 't')}, ${NID}, ${SID('i', 'k')}, ${MID('m')},
          (ARRAY[4, 5, 3, 4, 5, 2, 4, 5])[1 + (i + k + t) % 8],
          1 + (i + j + k + 1) % 5,
          CASE WHEN (k + t) % 4 = 0 THEN ($5::text[])[1 + (i + k) % 6] END,
          s + interval '2 hours'
        FROM generate_series(0, $2::int - 1) i, generate_series(0, 19) k, generate_series(0, ${ATTENDEES_PER_SESSION - 1}) t,
          LATERAL (SELECT (k * 13 + t * 37) % 90 AS j) y,
          LATERAL (SELECT ${MEMBER_OF('i', 'j')} AS m, ${STARTS_AT('i', 'k')} AS s, ${ATTENDANCE_STATUS} AS status) x
        WHERE k <> 9 AND t % 9 = 0 AND status IN ('PRESENT', 'LATE')`,
      extra: () => [COMMENTS],
    },
    {
      table: 'anonymous_feedback',
      // The app keys dedup_key with an HMAC under its secret; here any fixed 32 bytes per (session, member) do.
      sql: `INSERT INTO anonymous_feedback (id, network_id, session_id, dedup_key, rating, mood_after, comment, submitted_at)
        SELECT ${ORDERED_ID('i', 'k', 't')}, ${NID}, ${SID('i', 'k')},
          decode(md5('af-key:' || $1::int || ':' || i || ':' || k || ':' || t) || md5('af-key2:' || $1::int || ':' || i || ':' || k || ':' || t), 'hex'),
          (ARRAY[4, 3, 5, 2, 4, 5, 1, 4])[1 + (i + k) % 8], 1 + (i + k) % 5,
          CASE WHEN k % 3 = 0 THEN 'Anonymous: ' || ($5::text[])[1 + (i + k + 1) % 6] END,
          s + interval '3 hours'
        FROM generate_series(0, $2::int - 1) i, generate_series(0, 19) k, generate_series(4, 5) t,
          LATERAL (SELECT (k * 13 + t * 37) % 90 AS j) y,
          LATERAL (SELECT ${STARTS_AT('i', 'k')} AS s, ${ATTENDANCE_STATUS} AS status) x
        WHERE k <> 9 AND status IN ('PRESENT', 'LATE')`,
      extra: () => [COMMENTS],
    },
  ];
}

const COUNTED_TABLES = ['networks', 'members', 'groups', 'memberships', 'sessions', 'attendance', 'rsvps', 'feedback', 'anonymous_feedback'];
const BENCH_NETWORKS = `(SELECT id FROM networks WHERE slug LIKE 'bench-%')`;

export async function readSeedInfo(client: Client): Promise<SeedInfo | undefined> {
  const rows = (await client.query<{ value: string }>('SELECT value FROM installation WHERE key = $1', [SEED_MARKER])).rows;
  if (!rows.length) return undefined;
  try {
    const info = JSON.parse(rows[0].value) as SeedInfo;
    return info.version === SEED_VERSION ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Seeds unless the marker of this version is present. Returns the marker (with how long seeding took, if it ran now). */
export async function ensureSeeded(client: Client, log: (msg: string) => void, force = false): Promise<{ info: SeedInfo; seededNow: boolean }> {
  const existing = force ? undefined : await readSeedInfo(client);
  if (existing) return { info: existing, seededNow: false };

  const startedAt = Date.now();
  const anchor = new Date();
  anchor.setMilliseconds(0);
  const stale = (await client.query(`SELECT count(*)::int AS n FROM networks WHERE slug LIKE 'bench-%'`)).rows[0].n as number;
  if (stale) {
    log(`removing ${stale} benchmark networks of an earlier (partial or other-version) seed…`);
    const others = (await client.query(`SELECT count(*)::int AS n FROM networks WHERE slug NOT LIKE 'bench-%'`)).rows[0].n as number;
    // TRUNCATE is instant where the database holds only benchmark networks; a cascading DELETE takes minutes.
    await client.query(others ? `DELETE FROM networks WHERE slug LIKE 'bench-%'` : `TRUNCATE networks CASCADE`);
  }
  await client.query('DELETE FROM installation WHERE key = $1', [SEED_MARKER]);

  const statements = networkStatements();
  const superuser = (await client.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows[0]?.rolsuper === true;
  const tableMs: Record<string, number> = {};
  for (let n = 1; n <= NETWORK_GROUPS.length; n++) {
    const groups = NETWORK_GROUPS[n - 1];
    const t0 = Date.now();
    await client.query('BEGIN');
    try {
      // Row-level security is forced on every tenant table: a non-superuser owner writes as the tenant.
      await client.query(`SELECT set_config('app.network_id', md5('n:' || $1::int)::uuid::text, true)`, [n]);
      await client.query(`SET LOCAL synchronous_commit = off`);
      await client.query(`SET LOCAL work_mem = '256MB'`);
      // The formulas only build consistent references: a superuser may skip the foreign-key triggers.
      if (superuser) await client.query(`SET LOCAL session_replication_role = replica`);
      for (const st of statements) {
        const ts = Date.now();
        // The CTE only types $1-$4 for statements that do not use all of them.
        const sql = `WITH _params AS (SELECT $1::int, $2::int, $3::int, $4::timestamptz) ${st.sql}`;
        await client.query(sql, [n, groups, groups * MEMBERS_PER_GROUP, anchor.toISOString(), ...(st.extra?.(n) ?? [])]);
        tableMs[st.table] = (tableMs[st.table] ?? 0) + Date.now() - ts;
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
    log(`  network ${n}/${NETWORK_GROUPS.length}: ${groups} groups, ${groups * MEMBERS_PER_GROUP} members (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  log(
    `  seconds per table: ${Object.entries(tableMs)
      .map(([t, ms]) => `${t} ${(ms / 1000).toFixed(1)}`)
      .join(', ')}`,
  );
  log('  ANALYZE…');
  await client.query(`ANALYZE ${COUNTED_TABLES.join(', ')}`);

  const counts: Record<string, number> = {};
  for (const table of COUNTED_TABLES) {
    const col = table === 'networks' ? 'id' : 'network_id';
    counts[table] = (await client.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${col} IN ${BENCH_NETWORKS}`)).rows[0].n;
  }
  const info: SeedInfo = {
    version: SEED_VERSION,
    anchor: anchor.toISOString(),
    seededAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
    counts,
  };
  await writeSeedInfo(client, info);
  return { info, seededNow: true };
}

async function writeSeedInfo(client: Client, info: SeedInfo): Promise<void> {
  await client.query(`INSERT INTO installation (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
    SEED_MARKER,
    JSON.stringify(info),
  ]);
}

/**
 * Keeps the data set "current": when the anchor is more than 10 minutes old, shifts every time that the
 * queries compare with now (sessions, and membership join dates) by the difference, so LIVE sessions are live
 * now and upcoming sessions are still upcoming. Also removes attendance recorded on LIVE sessions by an
 * earlier checkIn run, so every run starts from the same state.
 */
export async function refreshSeed(client: Client, info: SeedInfo, log: (msg: string) => void): Promise<SeedInfo> {
  const removed = await client.query(
    `DELETE FROM attendance a USING sessions s
      WHERE s.network_id = a.network_id AND s.id = a.session_id AND s.status = 'LIVE' AND s.network_id IN ${BENCH_NETWORKS}`,
  );
  if (removed.rowCount) log(`removed ${removed.rowCount} attendance rows left on LIVE sessions by an earlier run`);
  const now = new Date();
  now.setMilliseconds(0);
  const shiftMs = now.getTime() - new Date(info.anchor).getTime();
  if (shiftMs < 10 * 60_000) return info;
  const shift = `${Math.round(shiftMs / 1000)} seconds`;
  log(`shifting the data set's times by ${(shiftMs / 3_600_000).toFixed(1)} h to now…`);
  await client.query('BEGIN');
  try {
    await client.query(
      `UPDATE sessions SET starts_at = starts_at + $1::interval, ends_at = ends_at + $1::interval,
         started_at = started_at + $1::interval, ended_at = ended_at + $1::interval, cancelled_at = cancelled_at + $1::interval
       WHERE network_id IN ${BENCH_NETWORKS}`,
      [shift],
    );
    await client.query(
      `UPDATE memberships SET joined_at = joined_at + $1::interval, norms_accepted_at = norms_accepted_at + $1::interval,
         left_at = left_at + $1::interval
       WHERE network_id IN ${BENCH_NETWORKS}`,
      [shift],
    );
    // The evaluation data (bench/evaluation.ts), if it was added.
    await client.query(`UPDATE wellbeing_checkins SET recorded_at = recorded_at + $1::interval WHERE network_id IN ${BENCH_NETWORKS}`, [shift]);
    await client.query(`UPDATE outreach SET at = at + $1::interval WHERE network_id IN ${BENCH_NETWORKS}`, [shift]);
    const next = { ...info, anchor: now.toISOString() };
    await writeSeedInfo(client, next);
    await client.query('COMMIT');
    await client.query('VACUUM ANALYZE sessions, memberships, wellbeing_checkins, outreach');
    return next;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
