import { purgeExpired, RETENTION_ACTOR } from '../../src/modules/retention/retention.purge';
import { startTestApp, type TestApp } from '../helpers/app';
import { dbId, expectBadInput, expectCode, ok } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app);
  other = await createWorld(app, 'Other network');
});
afterAll(() => app.stop());

const SETTINGS = `{ network { id textRetentionMonths wellbeingRetentionMonths } }`;
const UPDATE = `mutation($input: RetentionInput!) { updateRetention(input: $input) { textRetentionMonths wellbeingRetentionMonths } }`;
const AUDIT = `{ auditLog(first: 20) { nodes { actor action details } } }`;
type Settings = { textRetentionMonths: number | null; wellbeingRetentionMonths: number | null };
type Audit = { auditLog: { nodes: Array<{ actor: string; action: string; details: Record<string, unknown> }> } };

const settings = async (credential: string) => ok<{ network: Settings }>(await app.gql(SETTINGS, {}, credential)).network;
const update = (input: Partial<Settings>, credential: string) => app.gql<{ updateRetention: Settings }>(UPDATE, { input }, credential);
const auditOf = async (credential: string) => ok<Audit>(await app.gql(AUDIT, {}, credential)).auditLog.nodes;

describe('retention settings', () => {
  test('24 months by default; only the network’s admins and ADMIN keys see them, null for everyone else', async () => {
    expect(await settings(w.admin.token)).toMatchObject({ textRetentionMonths: 24, wellbeingRetentionMonths: 24 });
    expect(await settings(w.keys.all)).toMatchObject({ textRetentionMonths: 24, wellbeingRetentionMonths: 24 });
    for (const cred of [w.coordinator.token, w.member.token, w.keys.readPersonal, w.keys.writePersonal]) {
      expect(await settings(cred)).toMatchObject({ textRetentionMonths: null, wellbeingRetentionMonths: null });
    }
  });

  test('admins change them (omitted stays, null keeps), audited; at least 1 month; coordinators and WRITE keys are FORBIDDEN', async () => {
    const net = await createWorld(app, 'Settings');
    expect(ok(await update({ textRetentionMonths: 6 }, net.admin.token)).updateRetention).toEqual({ textRetentionMonths: 6, wellbeingRetentionMonths: 24 });
    expect(ok(await update({ wellbeingRetentionMonths: null }, net.keys.all)).updateRetention).toEqual({
      textRetentionMonths: 6,
      wellbeingRetentionMonths: null,
    });
    expectBadInput(await update({ textRetentionMonths: 0 }, net.admin.token), ['input', 'textRetentionMonths']);
    expectBadInput(await update({ wellbeingRetentionMonths: -3 }, net.admin.token), ['input', 'wellbeingRetentionMonths']);
    expectCode(await update({ textRetentionMonths: 1 }, net.coordinator.token), 'FORBIDDEN');
    expectCode(await update({ textRetentionMonths: 1 }, net.keys.writePersonal), 'FORBIDDEN');
    expect(await settings(net.admin.token)).toMatchObject({ textRetentionMonths: 6, wellbeingRetentionMonths: null });
    const entries = (await auditOf(net.admin.token)).filter((e) => e.action === 'network.retention_updated');
    expect(entries.map((e) => e.details)).toEqual([
      { changed: ['wellbeingRetentionMonths'], textRetentionMonths: 6, wellbeingRetentionMonths: null },
      { changed: ['textRetentionMonths'], textRetentionMonths: 6, wellbeingRetentionMonths: 24 },
    ]);
  });

  test('cross-network: another network’s admin changes only its own settings and never sees ours', async () => {
    const net = await createWorld(app, 'Ours');
    ok(await update({ textRetentionMonths: 3 }, other.admin.token));
    ok(await update({ textRetentionMonths: 2 }, other.keys.all));
    expect(await settings(net.admin.token)).toMatchObject({ textRetentionMonths: 24, wellbeingRetentionMonths: 24 });
    const ourId = (await settings(net.admin.token)) as Settings & { id: string };
    const seen = await app.gql<{ node: unknown }>(
      `query($id: ID!) { node(id: $id) { ... on Network { textRetentionMonths } } }`,
      { id: ourId.id },
      other.admin.token,
    );
    expect(ok(seen).node).toBeNull();
  });
});

const NOW = new Date('2030-06-15T12:00:00Z');
const minutes = (base: string, m: number) => new Date(new Date(base).getTime() + m * 60_000);
// With 6 months for text and 3 for check-ins, the cutoffs before NOW are:
const TEXT_CUTOFF = '2029-12-15T12:00:00Z';
const WELLBEING_CUTOFF = '2030-03-15T12:00:00Z';

/** Seeds one network with rows just past and just inside each cutoff. */
async function seed(net: World) {
  const sessions = [];
  for (let i = 0; i < 3; i++) sessions.push(await insertSession(app, net.net.id, net.group.id, { status: 'COMPLETED', startsInMinutes: -600 }));
  const members = [net.member, net.member2, net.facilitator];
  // Feedback: two expired (one a minute past the cutoff), one a minute inside; each with a rating that must stay.
  for (const [i, at] of [minutes(TEXT_CUTOFF, -60 * 24 * 30), minutes(TEXT_CUTOFF, -1), minutes(TEXT_CUTOFF, 1)].entries()) {
    await sql(app, net.net.id, `INSERT INTO feedback (network_id, session_id, member_id, rating, comment, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      net.net.id,
      sessions[i].id,
      members[i].id,
      i + 2,
      `comment ${i}`,
      at,
    ]);
  }
  for (const at of [minutes(TEXT_CUTOFF, -5), minutes(TEXT_CUTOFF, -1), minutes(TEXT_CUTOFF, 1)]) {
    await sql(app, net.net.id, `INSERT INTO gratitude_notes (network_id, session_id, author_member_id, text, created_at) VALUES ($1, $2, $3, 'thanks', $4)`, [
      net.net.id,
      sessions[0].id,
      net.member.id,
      at,
    ]);
  }
  for (const at of [minutes(TEXT_CUTOFF, -1), minutes(TEXT_CUTOFF, 1)]) {
    await sql(
      app,
      net.net.id,
      `INSERT INTO outreach (network_id, membership_id, channel, note, outcome, at) VALUES ($1, $2, 'CALL', 'a note', 'an outcome', $3)`,
      [net.net.id, dbId(net.memberMembership), at],
    );
  }
  for (const at of [minutes(WELLBEING_CUTOFF, -60 * 24 * 400), minutes(WELLBEING_CUTOFF, -60), minutes(WELLBEING_CUTOFF, -1), minutes(WELLBEING_CUTOFF, 1)]) {
    await sql(app, net.net.id, `INSERT INTO wellbeing_checkins (network_id, member_id, wellbeing, confidence, recorded_at) VALUES ($1, $2, 5, 5, $3)`, [
      net.net.id,
      net.member.id,
      at,
    ]);
  }
}

describe('the purge', () => {
  test('removes exactly what is past its time, keeps ratings and counts, and audits the counts; a second run is a no-op', async () => {
    const ours = await createWorld(app, 'Purged');
    const theirs = await createWorld(app, 'Untouched');
    ok(await update({ textRetentionMonths: 6, wellbeingRetentionMonths: 3 }, ours.admin.token));
    ok(await update({ textRetentionMonths: null, wellbeingRetentionMonths: null }, theirs.admin.token));
    await seed(ours);
    await seed(theirs);

    const purged = await purgeExpired(app.db.dataSource, { now: NOW, networks: [ours.net.id, theirs.net.id] });
    const counts = { feedbackComments: 2, outreachNotes: 1, gratitudeNotes: 2, wellbeingCheckIns: 3 };
    expect(Object.fromEntries(purged)).toEqual({ [ours.net.id]: counts });

    const feedback = await sql(app, ours.net.id, `SELECT rating, comment FROM feedback WHERE network_id = $1 ORDER BY submitted_at`, [ours.net.id]);
    expect(feedback).toEqual([
      { rating: 2, comment: null },
      { rating: 3, comment: null },
      { rating: 4, comment: 'comment 2' },
    ]);
    const left = async (net: World) =>
      (
        await sql(
          app,
          net.net.id,
          `SELECT (SELECT count(*)::int FROM gratitude_notes WHERE network_id = $1) AS notes,
                  (SELECT count(*)::int FROM outreach WHERE network_id = $1) AS outreach,
                  (SELECT count(*)::int FROM outreach WHERE network_id = $1 AND note IS NOT NULL AND outcome IS NOT NULL) AS outreach_notes,
                  (SELECT count(*)::int FROM wellbeing_checkins WHERE network_id = $1) AS checkins,
                  (SELECT count(*)::int FROM feedback WHERE network_id = $1 AND comment IS NOT NULL) AS comments`,
          [net.net.id],
        )
      )[0];
    expect(await left(ours)).toEqual({ notes: 1, outreach: 2, outreach_notes: 1, checkins: 1, comments: 1 });
    // The network that keeps its data lost nothing.
    expect(await left(theirs)).toEqual({ notes: 3, outreach: 2, outreach_notes: 2, checkins: 4, comments: 3 });

    const entries = (await auditOf(ours.admin.token)).filter((e) => e.action === 'retention.purged');
    expect(entries).toEqual([
      {
        actor: RETENTION_ACTOR,
        action: 'retention.purged',
        details: { ...counts, before: { text: new Date(TEXT_CUTOFF).toISOString(), wellbeing: new Date(WELLBEING_CUTOFF).toISOString() } },
      },
    ]);
    expect((await auditOf(theirs.admin.token)).filter((e) => e.action === 'retention.purged')).toEqual([]);
    // The other network's admin does not see our purge in its log.
    expect((await auditOf(other.admin.token)).filter((e) => e.action === 'retention.purged')).toEqual([]);

    expect((await purgeExpired(app.db.dataSource, { now: NOW, networks: [ours.net.id, theirs.net.id] })).size).toBe(0);
    expect((await auditOf(ours.admin.token)).filter((e) => e.action === 'retention.purged')).toHaveLength(1);
  });

  test('two purges at once never remove the same rows twice: their counts add up to what expired', async () => {
    const net = await createWorld(app, 'Concurrent');
    ok(await update({ textRetentionMonths: 1, wellbeingRetentionMonths: 1 }, net.admin.token));
    const s = await insertSession(app, net.net.id, net.group.id, { status: 'COMPLETED' });
    const old = new Date(NOW.getTime() - 400 * 86_400_000);
    await sql(
      app,
      net.net.id,
      `INSERT INTO gratitude_notes (network_id, session_id, text, created_at) SELECT $1, $2, 'note ' || i, $3 FROM generate_series(1, 1300) i`,
      [net.net.id, s.id, old],
    );
    await sql(
      app,
      net.net.id,
      `INSERT INTO wellbeing_checkins (network_id, member_id, wellbeing, confidence, recorded_at) SELECT $1, $2, 5, 5, $3 FROM generate_series(1, 1100) i`,
      [net.net.id, net.member.id, old],
    );

    const runs = await Promise.all([1, 2, 3].map(() => purgeExpired(app.db.dataSource, { now: NOW, networks: [net.net.id], batchSize: 100 })));
    const sum = (key: 'gratitudeNotes' | 'wellbeingCheckIns') => runs.reduce((n, r) => n + (r.get(net.net.id)?.[key] ?? 0), 0);
    expect({ notes: sum('gratitudeNotes'), checkins: sum('wellbeingCheckIns') }).toEqual({ notes: 1300, checkins: 1100 });
    const [{ n }] = await sql<{ n: number }>(
      app,
      net.net.id,
      `SELECT (SELECT count(*) FROM gratitude_notes WHERE network_id = $1) + (SELECT count(*) FROM wellbeing_checkins WHERE network_id = $1) AS n`,
      [net.net.id],
    );
    expect(Number(n)).toBe(0);
    // The audit log holds each run's own counts; together they are the total.
    const audited = (await auditOf(net.admin.token)).filter((e) => e.action === 'retention.purged');
    expect(audited.reduce((t, e) => t + (e.details.gratitudeNotes as number) + (e.details.wellbeingCheckIns as number), 0)).toBe(2400);
  });
});
