import { startTestApp, type TestApp } from '../helpers/app';
import { ok } from '../helpers/gql';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';
import { createWorld, insertSession, sql, type World } from '../helpers/world';
import { eventually, uniquePrefix } from '../subscriptions/live';

/**
 * The scheduled purge as the server runs it: two real server processes (`node dist/src/main.js`) on one database,
 * each with the retention job every 50 ms, both limited to our network (RETENTION_PURGE_NETWORKS; the test
 * database is shared). Every expired row goes, each exactly once: the counts their `retention.purged` entries
 * report add up to exactly what expired. What is inside its period stays; a network outside the list is untouched.
 */

let app: TestApp;
let ours: World;
let theirs: World;
let instances: Instance[] = [];

const EXPIRED_NOTES = 1_234;
const EXPIRED_CHECKINS = 1_777;
const UPDATE = `mutation($input: RetentionInput!) { updateRetention(input: $input) { textRetentionMonths wellbeingRetentionMonths } }`;

/** Expired rows (two months old) and rows inside the period (a day old), made in SQL: many, fast. */
async function seed(world: World): Promise<void> {
  const session = await insertSession(app, world.net.id, world.group.id, { status: 'COMPLETED' });
  await sql(
    app,
    world.net.id,
    `INSERT INTO gratitude_notes (network_id, session_id, text, created_at)
     SELECT $1::uuid, $2::uuid, 'thanks ' || i, now() - interval '2 months' - i * interval '1 second' FROM generate_series(1, $3) i
     UNION ALL SELECT $1::uuid, $2::uuid, 'fresh', now() - interval '1 day'`,
    [world.net.id, session.id, EXPIRED_NOTES],
  );
  await sql(
    app,
    world.net.id,
    `INSERT INTO wellbeing_checkins (network_id, member_id, wellbeing, confidence, recorded_at)
     SELECT $1::uuid, $2::uuid, 1 + i % 10, 1 + i % 10, now() - interval '2 months' - i * interval '1 second' FROM generate_series(1, $3) i
     UNION ALL SELECT $1::uuid, $2::uuid, 5, 5, now() - interval '1 day'`,
    [world.net.id, world.member.id, EXPIRED_CHECKINS],
  );
}

const remaining = async (world: World) =>
  (
    await sql<{ notes: number; checkins: number }>(
      app,
      world.net.id,
      `SELECT (SELECT count(*) FROM gratitude_notes)::int AS notes, (SELECT count(*) FROM wellbeing_checkins)::int AS checkins`,
    )
  )[0];

interface PurgeEntry {
  actor: string;
  details: { gratitudeNotes: number; wellbeingCheckIns: number; feedbackComments: number; outreachNotes: number };
}
const purgeEntries = async (world: World): Promise<PurgeEntry[]> =>
  ok(
    await app.gql<{ auditLog: { nodes: PurgeEntry[] } }>(
      `{ auditLog(first: 100, action: "retention.purged") { nodes { actor details } } }`,
      {},
      world.keys.all,
    ),
  ).auditLog.nodes;

// Real server processes share one database: PostgreSQL only (the embedded PGlite serves one process).
const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';

(embedded ? describe.skip : describe)('the scheduled purge in real server processes (PostgreSQL)', () => {
  beforeAll(async () => {
    app = await startTestApp();
    ours = await createWorld(app, 'Scheduled purge');
    theirs = await createWorld(app, 'Not in the list');
    for (const w of [ours, theirs]) ok(await app.gql(UPDATE, { input: { textRetentionMonths: 1, wellbeingRetentionMonths: 1 } }, w.admin.token));
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    await app.stop();
  });

  test('two server processes purge on their schedule: every expired row once, the rest kept, other networks untouched', async () => {
    const env = { RETENTION_PURGE_INTERVAL_MS: '50', RETENTION_PURGE_NETWORKS: ours.net.id, LOG_LEVEL: 'info' };
    instances = await Promise.all([startInstance(uniquePrefix(), env), startInstance(uniquePrefix(), env)]);
    // Both are running their schedule now; the expired rows appear at once, for both to find.
    await seed(ours);
    await seed(theirs);

    await eventually(
      async () => (await remaining(ours)).checkins === 1 && (await remaining(ours)).notes === 1,
      'the purge to remove every expired row',
      30_000,
    );
    // A few more runs of both schedules: nothing more is removed, nothing counted again.
    await new Promise((r) => setTimeout(r, 300));
    const codes = await Promise.all(instances.map((i) => stopInstance(i)));
    expect(codes).toEqual([0, 0]);

    expect(await remaining(ours)).toEqual({ notes: 1, checkins: 1 });
    const entries = await purgeEntries(ours);
    expect(entries.length).toBeGreaterThanOrEqual(1);
    for (const e of entries) expect(e.actor).toBe('system:retention');
    const sum = (k: keyof PurgeEntry['details']) => entries.reduce((n, e) => n + e.details[k], 0);
    expect({ notes: sum('gratitudeNotes'), checkins: sum('wellbeingCheckIns') }).toEqual({ notes: EXPIRED_NOTES, checkins: EXPIRED_CHECKINS });

    // The network outside RETENTION_PURGE_NETWORKS keeps everything, and its log has no purge.
    expect(await remaining(theirs)).toEqual({ notes: EXPIRED_NOTES + 1, checkins: EXPIRED_CHECKINS + 1 });
    expect(await purgeEntries(theirs)).toEqual([]);
    // Which instance did how much varies from run to run; the log says who purged (no content, no names).
    for (const i of instances) expect(i.output()).not.toMatch(/thanks \d/);
  }, 90_000);
});
