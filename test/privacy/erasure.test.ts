import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { purgeExpired } from '../../src/modules/retention/retention.purge';
import {
  attend,
  evaluationNetwork,
  feedback,
  group,
  HEALTH,
  joined,
  OUTCOMES,
  PARTICIPATION,
  session,
  sessionGlobalId,
  wellbeing,
  type Group,
  type Joined,
} from '../evaluation/fixtures';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { type Cred, expectCode, expectLikeUnknown, ok, unknownId } from '../helpers/gql';
import { sql } from '../helpers/world';

/**
 * eraseMember: the person's name and email leave every column of every table; what aggregates count stays,
 * so group health, trends, feedback summaries and counts read the same before and after.
 */

const ERASE = `mutation($id: ID!, $reason: String!) { eraseMember(memberId: $id, reason: $reason) { memberId erasedAt alreadyErased } }`;
const VIEWER = `{ viewer { __typename } }`;
const SESSION_FIGURES = `query($id: ID!) { node(id: $id) { ... on Session {
  attendanceCount rsvpCounts { going maybe notGoing waitlisted }
  feedbackSummary { responses averageRating averageMoodChange suppressed }
} } }`;
const MEMBER_COUNT = `query($id: ID!) { node(id: $id) { ... on Group { memberCount } } }`;
const AUDIT = `{ auditLog(first: 20) { nodes { action actor targetType details } } }`;

// Unique per run: the scans cover the whole database, which other runs (and other test files) share.
const RUN = Math.random().toString(36).slice(2, 8);
const NAME = `Zebulon Quillfeather ${RUN}`;
const EMAIL = `zebulon.quillfeather.${RUN}@erasure.example`;
const EXTERNAL_ID = `partner-zq-${RUN}`;

let app: TestApp;
let net: TestNetwork;
let g: Group;
let erased: Joined;
let others: Joined[];
let admin: Cred;
let past: string[];
let future: string;

beforeAll(async () => {
  app = await startTestApp();
  net = await evaluationNetwork(app, 'Erasure');
  admin = await net.member(NetworkRole.ADMIN, { displayName: 'Ada Admin' });
  g = await group(app, net, 'Recovery Circle');
  const early = '2025-01-10T10:00:00Z';
  erased = await joined(app, net, g, NAME, early);
  await sql(app, net.id, `UPDATE members SET email = $2, external_id = $3 WHERE id = $1`, [erased.id, EMAIL, EXTERNAL_ID]);
  others = [];
  for (const n of ['B1', 'B2', 'B3', 'B4', 'B5', 'B6']) others.push(await joined(app, net, g, n, early, n === 'B1' ? { role: 'FACILITATOR' } : {}));

  // Two past sessions everyone attended, with moods, named feedback (the erased member's with a comment) and anonymous feedback.
  past = [await session(app, net, g, '2025-02-05T17:00:00Z'), await session(app, net, g, '2025-02-19T17:00:00Z')];
  for (const [i, s] of past.entries()) {
    for (const p of [erased, ...others]) await attend(app, net, g, s, p, i === 1 && p === others[5] ? 'ABSENT' : 'PRESENT', { moodBefore: 2 + (i % 2) });
    for (const [j, p] of [erased, ...others.slice(0, 5)].entries()) await feedback(app, net, s, p, 1 + ((i + j) % 5), 3 + (j % 3));
    await feedback(app, net, s, null, 4, 4);
  }
  await sql(app, net.id, `UPDATE feedback SET comment = $2 WHERE member_id = $1`, [erased.id, `I am ${NAME}, write to ${EMAIL}`]);
  // Gratitude notes: one under the name, one anonymous.
  await sql(
    app,
    net.id,
    `INSERT INTO gratitude_notes (network_id, session_id, author_member_id, text) VALUES ($1, $2, $3, $4), ($1, $2, NULL, 'Thanks, all')`,
    [net.id, past[0], erased.id, `Grateful, ${NAME}`],
  );
  // Wellbeing check-ins of everyone (outcome trends).
  for (const [j, p] of [erased, ...others].entries()) {
    await wellbeing(app, net, p, '2025-02-06T10:00:00Z', 3 + j, 4 + (j % 3));
    await wellbeing(app, net, p, '2025-02-20T10:00:00Z', 4 + j, 5);
  }
  // Outreach about the erased member (a note naming them) and by them about someone else.
  await sql(app, net.id, `INSERT INTO outreach (network_id, membership_id, by_member_id, channel, note, outcome) VALUES ($1, $2, $3, 'CALL', $4, $5)`, [
    net.id,
    erased.membershipId,
    others[0].id,
    `Called ${NAME}`,
    `Reached ${EMAIL}`,
  ]);
  await sql(app, net.id, `INSERT INTO outreach (network_id, membership_id, by_member_id, channel, note) VALUES ($1, $2, $3, 'MESSAGE', 'Sent a card')`, [
    net.id,
    others[1].membershipId,
    erased.id,
  ]);
  // An upcoming session with RSVPs through the API.
  future = await session(app, net, g, new Date(Date.now() + 7 * 86_400_000).toISOString(), 'SCHEDULED');
  const RSVP = `mutation($s: ID!, $status: RsvpStatus!) { rsvp(sessionId: $s, status: $status) { status } }`;
  ok(await app.gql(RSVP, { s: sessionGlobalId(future), status: 'GOING' }, erased.token));
  ok(await app.gql(RSVP, { s: sessionGlobalId(future), status: 'MAYBE' }, others[2].token));
  // A joint event hosted by the network, the erased member registered and sharing their name with partners.
  const [event] = await app.db.dataSource.query(
    `INSERT INTO joint_events (host_network_id, title, starts_at, ends_at, format) VALUES ($1, 'Open day', now() + interval '9 days', now() + interval '10 days', 'ONLINE') RETURNING id`,
    [net.id],
  );
  await app.db.dataSource.query(`INSERT INTO joint_event_participants (joint_event_id, network_id, status) VALUES ($1, $2, 'ACCEPTED')`, [event.id, net.id]);
  await app.db.dataSource.query(`INSERT INTO joint_event_registrations (joint_event_id, network_id, member_id, share_identity) VALUES ($1, $2, $3, true)`, [
    event.id,
    net.id,
    erased.id,
  ]);
});
afterAll(() => app.stop());

/** Every text-like column of every table in the public schema that holds `needle` (case-insensitive): "table.column". */
async function columnsHolding(needle: string): Promise<string[]> {
  const ds = app.db.dataSource;
  const columns: Array<{ table_name: string; column_name: string }> = await ds.query(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'tsvector')`,
  );
  expect(columns.length).toBeGreaterThan(20);
  const found: string[] = [];
  for (const { table_name: t, column_name: c } of columns) {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM "${t}" WHERE strpos(lower("${c}"::text), lower($1)) > 0`, [needle]);
    if (n > 0) found.push(`${t}.${c}`);
  }
  return found;
}

/** Every uuid or uuid[] column of every table that holds `id`: "table.column". */
async function uuidColumnsHolding(id: string): Promise<string[]> {
  const ds = app.db.dataSource;
  const columns: Array<{ table_name: string; column_name: string; data_type: string }> = await ds.query(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' AND (c.udt_name = 'uuid' OR c.udt_name = '_uuid')`,
  );
  const found: string[] = [];
  for (const { table_name: t, column_name: c, data_type: type } of columns) {
    const test = type === 'ARRAY' ? `$1::uuid = ANY ("${c}")` : `"${c}" = $1::uuid`;
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM "${t}" WHERE ${test}`, [id]);
    if (n > 0) found.push(`${t}.${c}`);
  }
  return found.sort();
}

/** The figures the erasure must not change. */
async function figures() {
  const range = { from: '2025-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z' };
  return {
    health: ok(await app.gql(HEALTH, { id: g.globalId, ...range }, admin.token)).node,
    participation: ok(await app.gql(PARTICIPATION, { g: g.globalId, i: 'WEEK', ...range }, admin.token)),
    networkParticipation: ok(await app.gql(PARTICIPATION, { i: 'MONTH', ...range }, admin.token)),
    outcomes: ok(await app.gql(OUTCOMES, { g: g.globalId, i: 'MONTH', ...range }, admin.token)),
    networkOutcomes: ok(await app.gql(OUTCOMES, { i: 'WEEK', ...range }, admin.token)),
    sessions: await Promise.all(past.map(async (s) => ok(await app.gql(SESSION_FIGURES, { id: sessionGlobalId(s) }, admin.token)).node)),
    memberCount: ok(await app.gql(MEMBER_COUNT, { id: g.globalId }, admin.token)).node,
  };
}

describe('eraseMember', () => {
  test('a plain member cannot erase another (FORBIDDEN); another network cannot erase (as an unknown ID); nor can a key without PERSONAL_DATA', async () => {
    expectCode(await app.gql(ERASE, { id: erased.globalId, reason: 'x' }, others[2].token), 'FORBIDDEN');
    expectCode(await app.gql(ERASE, { id: erased.globalId, reason: 'x' }, await net.key(ApiKeyScope.ADMIN, ApiKeyScope.WRITE)), 'FORBIDDEN');
    const other = await createTestNetwork(app, 'Elsewhere');
    const otherAdmin = await other.member(NetworkRole.ADMIN);
    for (const credential of [otherAdmin.token, other.adminKey]) {
      await expectLikeUnknown(app, ERASE, { id: erased.globalId, reason: 'x' }, { id: unknownId('Member'), reason: 'x' }, credential);
    }
    expect((await sql(app, net.id, `SELECT erased_at FROM members WHERE id = $1`, [erased.id]))[0].erased_at).toBeNull();
  });

  test('removes the name and email from every column of every table, keeps every aggregate, stops the token; a second call is a no-op', async () => {
    expect(await columnsHolding(NAME)).toEqual(expect.arrayContaining(['members.display_name', 'feedback.comment', 'gratitude_notes.text', 'outreach.note']));
    expect(await columnsHolding(EMAIL)).toEqual(expect.arrayContaining(['members.email']));
    const before = await figures();
    // Figures with the member in them, not suppressed ones (k = 5; seven people).
    expect(before.sessions[0]).toMatchObject({ attendanceCount: 7, feedbackSummary: { responses: 7, suppressed: false } });
    expect(before.outcomes.outcomeTrend[1]).toMatchObject({ respondents: 7, suppressed: false });
    expect(before.health.health).toMatchObject({ sessionsHeld: 2, averageAttendance: 6.5 });
    const futureBefore = ok(await app.gql(SESSION_FIGURES, { id: sessionGlobalId(future) }, admin.token)).node.rsvpCounts;
    expect(futureBefore).toMatchObject({ going: 1, maybe: 1 });
    const live = ok(await app.gql(VIEWER, {}, erased.token));
    expect(live).toBeTruthy();

    const first = ok(await app.gql(ERASE, { id: erased.globalId, reason: `Request by ${NAME} (${EMAIL}) on 2026-12-01` }, admin.token)).eraseMember;
    expect(first).toMatchObject({ memberId: erased.globalId, alreadyErased: false });

    expect({ name: await columnsHolding(NAME), email: await columnsHolding(EMAIL), externalId: await columnsHolding(EXTERNAL_ID) }).toEqual({
      name: [],
      email: [],
      externalId: [],
    });
    expect(await figures()).toEqual(before);
    // The RSVPs went: the upcoming session counts one answer fewer (documented).
    expect(ok(await app.gql(SESSION_FIGURES, { id: sessionGlobalId(future) }, admin.token)).node.rsvpCounts).toEqual({ ...futureBefore, going: 0 });

    const res = await app.gql(VIEWER, {}, erased.token);
    expect(res.status).toBe(401);
    expectCode(res, 'UNAUTHENTICATED');

    // The person's ID leads nowhere: no row of any table but the audit log's history holds it, and it resolves to nothing.
    const holding = await uuidColumnsHolding(erased.id);
    expect(holding).toContain('audit_log.target_id');
    expect(holding.filter((c) => !c.startsWith('audit_log.'))).toEqual([]);
    expect(ok(await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: erased.globalId }, admin.token)).node).toBeNull();
    // What stays, detached: moved to a tombstone with a fresh ID that nothing links to the person.
    const [{ member_id: tombstone }] = await sql<{ member_id: string }>(app, net.id, `SELECT member_id FROM memberships WHERE id = $1`, [erased.membershipId]);
    expect(tombstone).not.toBe(erased.id);
    expect(await uuidColumnsHolding(tombstone)).not.toContain('audit_log.target_id');
    expect(await sql(app, net.id, `SELECT display_name, email, external_id, erased_at IS NOT NULL AS erased FROM members WHERE id = $1`, [tombstone])).toEqual([
      { display_name: 'Erased member', email: null, external_id: null, erased: true },
    ]);
    // Attendance, ratings and moods, memberships, wellbeing numbers, registrations (without consent), outreach dates.
    const [kept] = await sql<Record<string, number>>(
      app,
      net.id,
      `SELECT (SELECT count(*) FROM attendance WHERE member_id = $1)::int AS attendance,
              (SELECT count(*) FROM feedback WHERE member_id = $1 AND comment IS NULL)::int AS feedback,
              (SELECT count(*) FROM memberships WHERE member_id = $1)::int AS memberships,
              (SELECT count(*) FROM wellbeing_checkins WHERE member_id = $1)::int AS wellbeing,
              (SELECT count(*) FROM rsvps WHERE member_id = $1)::int AS rsvps,
              (SELECT count(*) FROM gratitude_notes)::int AS gratitude,
              (SELECT count(*) FROM outreach WHERE note IS NULL AND outcome IS NULL)::int AS outreach_blanked,
              (SELECT count(*) FROM outreach WHERE by_member_id = $1)::int AS outreach_by,
              (SELECT count(*) FROM joint_event_registrations WHERE member_id = $1 AND NOT share_identity)::int AS registrations,
              (SELECT count(*) FROM consents WHERE member_id = $1 OR member_id = $2)::int AS consents`,
      [tombstone, erased.id],
    );
    expect(kept).toEqual({
      attendance: 2,
      feedback: 2,
      memberships: 1,
      wellbeing: 2,
      rsvps: 0,
      gratitude: 1,
      outreach_blanked: 1,
      outreach_by: 0,
      registrations: 1,
      consents: 0,
    });

    // Audited once, with who and why, the person only by ID.
    const entries = ok(await app.gql(AUDIT, {}, net.adminKey)).auditLog.nodes.filter((e: { action: string }) => e.action === 'member.erased');
    expect(entries).toEqual([
      { action: 'member.erased', actor: `member:${admin.globalId}`, targetType: 'Member', details: { reason: 'Request by [erased] ([erased]) on 2026-12-01' } },
    ]);

    const again = ok(await app.gql(ERASE, { id: erased.globalId, reason: 'again' }, net.adminKey)).eraseMember;
    expect(again).toEqual({ ...first, alreadyErased: true });
    expect(ok(await app.gql(AUDIT, {}, net.adminKey)).auditLog.nodes.filter((e: { action: string }) => e.action === 'member.erased')).toHaveLength(1);
    expect(await figures()).toEqual(before);
  });

  test('a member may erase themself; the last ADMIN cannot be erased (CONFLICT), by themself or a key', async () => {
    const self = await net.member(NetworkRole.MEMBER, { displayName: 'Selma Self' });
    expect(ok(await app.gql(ERASE, { id: self.globalId, reason: 'my wish' }, self.token)).eraseMember.alreadyErased).toBe(false);
    expect((await app.gql(VIEWER, {}, self.token)).status).toBe(401);

    const lone = await createTestNetwork(app, 'Lone admin');
    const only = await lone.member(NetworkRole.ADMIN, { displayName: 'Only Admin' });
    expectCode(await app.gql(ERASE, { id: only.globalId, reason: 'my wish' }, only.token), 'CONFLICT', /last ADMIN/);
    expectCode(await app.gql(ERASE, { id: only.globalId, reason: 'cleanup' }, lone.adminKey), 'CONFLICT', /last ADMIN/);
    const second = await lone.member(NetworkRole.ADMIN, { displayName: 'Second Admin' });
    ok(await app.gql(ERASE, { id: only.globalId, reason: 'my wish' }, only.token));
    // The tombstone is no ADMIN: the remaining one is now the last.
    expectCode(await app.gql(ERASE, { id: second.globalId, reason: 'cleanup' }, lone.adminKey), 'CONFLICT', /last ADMIN/);
  });

  test('a tombstone is edited, promoted, added to groups and issued tokens by nobody (NOT_FOUND)', async () => {
    const gone = await net.member(NetworkRole.MEMBER, { displayName: 'Tomb Stone' });
    ok(await app.gql(ERASE, { id: gone.globalId, reason: 'request' }, admin.token));
    const calls: Array<[string, Record<string, unknown>]> = [
      ['mutation($id: ID!) { updateMember(id: $id, input: { displayName: "Back" }) { id } }', { id: gone.globalId }],
      ['mutation($id: ID!) { setMemberRole(memberId: $id, role: ADMIN) { id } }', { id: gone.globalId }],
      ['mutation($id: ID) { issueMemberToken(memberId: $id) { token } }', { id: gone.globalId }],
    ];
    for (const [query, vars] of calls) expectCode(await app.gql(query, vars, net.adminKey), 'NOT_FOUND');
    // Erasing it again still answers (idempotent).
    expect(ok(await app.gql(ERASE, { id: gone.globalId, reason: 'again' }, admin.token)).eraseMember.alreadyErased).toBe(true);
  });

  test('a tombstone leaves the member directory; where participation is counted it stays, marked `erased`', async () => {
    const DIRECTORY = `query($search: String) { members(first: 100, search: $search) { totalCount nodes { id displayName erased } } }`;
    const MEMBERSHIPS = `query($id: ID!) { node(id: $id) { ... on Group { memberCount memberships(first: 50) { totalCount nodes { member { id displayName erased } } } } } }`;
    const gone = await joined(app, net, g, 'Gwen Gone', '2025-01-10T10:00:00Z');
    const directoryBefore = ok(await app.gql(DIRECTORY, {}, admin.token)).members;
    expect(directoryBefore.nodes).toContainEqual({ id: gone.globalId, displayName: 'Gwen Gone', erased: false });
    const groupBefore = ok(await app.gql(MEMBERSHIPS, { id: g.globalId }, admin.token)).node;

    ok(await app.gql(ERASE, { id: gone.globalId, reason: 'request' }, admin.token));
    const directory = ok(await app.gql(DIRECTORY, {}, admin.token)).members;
    expect(directory.totalCount).toBe(directoryBefore.totalCount - 1);
    expect(directory.nodes.map((n: { id: string }) => n.id)).not.toContain(gone.globalId);
    expect(directory.nodes.every((n: { erased: boolean }) => !n.erased)).toBe(true);
    expect(ok(await app.gql(DIRECTORY, { search: 'Erased' }, admin.token)).members.totalCount).toBe(0);

    const group = ok(await app.gql(MEMBERSHIPS, { id: g.globalId }, admin.token)).node;
    expect(group.memberCount).toBe(groupBefore.memberCount);
    expect(group.memberships.totalCount).toBe(groupBefore.memberships.totalCount);
    const erasedNodes = group.memberships.nodes.filter((n: { member: { erased: boolean } }) => n.member.erased);
    expect(erasedNodes.map((n: { member: { displayName: string } }) => n.member.displayName)).toEqual(['Erased member', 'Erased member']);
    expect(erasedNodes.map((n: { member: { id: string } }) => n.member.id)).not.toContain(gone.globalId);
  });

  test('the reason is required', async () => {
    const someone = await net.member();
    expectCode(await app.gql(ERASE, { id: someone.globalId, reason: '  ' }, admin.token), 'BAD_USER_INPUT');
  });
  // Last in this file: it purges the network's older check-ins.
  test('outcomeTrend reads the same before and after, also when the member’s check-ins had expired first', async () => {
    const lapsed = await joined(app, net, g, 'Lapsed Lou', '2025-01-10T10:00:00Z');
    await wellbeing(app, net, lapsed, '2025-03-03T10:00:00Z', 9, 9);
    await wellbeing(app, net, lapsed, '2025-03-17T10:00:00Z', 8, 9);
    const range = { from: '2025-01-01T00:00:00Z', to: '2025-04-01T00:00:00Z' };
    const trends = async () => ({
      group: ok(await app.gql(OUTCOMES, { g: g.globalId, i: 'MONTH', ...range }, admin.token)),
      network: ok(await app.gql(OUTCOMES, { i: 'WEEK', ...range }, admin.token)),
    });
    // Lou's March check-ins count; then the purge (24 months, run as of April 2027) expires every check-in of early 2025.
    const withMarch = await trends();
    expect(withMarch.group.outcomeTrend[2]).toMatchObject({ respondents: 1 });
    await purgeExpired(app.db.dataSource, { now: new Date('2027-04-02T00:00:00Z'), networks: [net.id] });
    const expired = await trends();
    expect(expired.group.outcomeTrend.every((p: { respondents: number }) => p.respondents === 0)).toBe(true);
    ok(await app.gql(ERASE, { id: lapsed.globalId, reason: 'request' }, admin.token));
    expect(await trends()).toEqual(expired);
  });
});
