import { toGlobalId } from '../../src/graphql/global-id';
import { startTestApp, type TestApp } from '../helpers/app';
import { addMember, createGroup, dbId, expectCode, expectFieldErrors, ok } from '../helpers/gql';
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

const CHECK_IN = `mutation($s: ID!, $m: ID, $mood: Int) {
  checkIn(sessionId: $s, memberId: $m, moodBefore: $mood) {
    id status checkedInAt firstSession moodBefore session { id } member { id displayName }
  }
}`;
const MARK = `mutation($s: ID!, $e: [AttendanceEntryInput!]!) {
  markAttendance(sessionId: $s, entries: $e) { id status checkedInAt firstSession member { id } }
}`;
const LIST = `query($s: ID!, $first: Int, $after: String) {
  node(id: $s) { ... on Session {
    attendanceCount
    attendance(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { status member { displayName } } }
  } }
}`;

interface CheckedIn {
  id: string;
  status: string;
  checkedInAt: string | null;
  firstSession: boolean;
  moodBefore: number | null;
  session: { id: string };
  member: { id: string; displayName: string };
}

const checkIn = (vars: { s: string; m?: string; mood?: number }, credential: string) => app.gql<{ checkIn: CheckedIn }>(CHECK_IN, vars, credential);

describe('checkIn', () => {
  test('a member checks in: PRESENT with mood, first session; again: the same row, first time kept, mood updated', async () => {
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE', startsInMinutes: -5 });
    const first = ok(await checkIn({ s: s.globalId, mood: 2 }, w.member.token)).checkIn;
    expect(first).toMatchObject({
      status: 'PRESENT',
      firstSession: true,
      moodBefore: 2,
      session: { id: s.globalId },
      member: { id: w.member.globalId, displayName: 'Mia Member' },
    });
    expect(Math.abs(Date.parse(first.checkedInAt!) - Date.now())).toBeLessThan(10_000);

    const again = ok(await checkIn({ s: s.globalId, mood: 4 }, w.member.token)).checkIn;
    expect(again).toMatchObject({ id: first.id, status: 'PRESENT', checkedInAt: first.checkedInAt, firstSession: true, moodBefore: 4 });
    const third = ok(await checkIn({ s: s.globalId }, w.member.token)).checkIn;
    expect(third).toMatchObject({ id: first.id, moodBefore: 4 });
    const rows = await sql(app, w.net.id, 'SELECT count(*)::int AS n FROM attendance WHERE session_id = $1', [s.id]);
    expect(rows[0].n).toBe(1);
  });

  test('firstSession is true on the first attended session in the group and false on the next', async () => {
    const p = await w.net.member();
    await addMember(app, w.net, w.group.globalId, p.globalId);
    const s1 = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE', startsInMinutes: -3 });
    const s2 = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE', startsInMinutes: -2 });
    expect(ok(await checkIn({ s: s1.globalId }, p.token)).checkIn.firstSession).toBe(true);
    expect(ok(await checkIn({ s: s2.globalId }, p.token)).checkIn.firstSession).toBe(false);
    // The first session in another group is a first session again.
    const g2 = await createGroup(app, w.net, { name: 'Second circle' });
    await addMember(app, w.net, g2, p.globalId);
    const s3 = await insertSession(app, w.net.id, dbId(g2), { status: 'LIVE' });
    expect(ok(await checkIn({ s: s3.globalId }, p.token)).checkIn.firstSession).toBe(true);
  });

  test('an ABSENT mark does not count: checking in later is still the first session', async () => {
    const p = await w.net.member();
    await addMember(app, w.net, w.group.globalId, p.globalId);
    const missed = await insertSession(app, w.net.id, w.group.id, { status: 'COMPLETED', startsInMinutes: -60 * 24 * 7 });
    const marked = ok(
      await app.gql<{ markAttendance: Array<{ firstSession: boolean; checkedInAt: string | null }> }>(
        MARK,
        { s: missed.globalId, e: [{ memberId: p.globalId, status: 'ABSENT' }] },
        w.facilitator.token,
      ),
    );
    expect(marked.markAttendance[0]).toEqual({ id: expect.any(String), status: 'ABSENT', checkedInAt: null, firstSession: false, member: { id: p.globalId } });
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    expect(ok(await checkIn({ s: s.globalId }, p.token)).checkIn.firstSession).toBe(true);
  });

  test('LATE more than 10 minutes after the start; early arrivals up to 2 hours before a SCHEDULED session', async () => {
    const late = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE', startsInMinutes: -11 });
    expect(ok(await checkIn({ s: late.globalId }, w.member.token)).checkIn.status).toBe('LATE');
    const early = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 110 });
    expect(ok(await checkIn({ s: early.globalId }, w.member.token)).checkIn.status).toBe('PRESENT');
    const tooEarly = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 130 });
    expectCode(await checkIn({ s: tooEarly.globalId }, w.member.token), 'CONFLICT');
  });

  test('COMPLETED and CANCELLED sessions: CONFLICT', async () => {
    for (const status of ['COMPLETED', 'CANCELLED'] as const) {
      const s = await insertSession(app, w.net.id, w.group.id, { status, startsInMinutes: -120 });
      expectCode(await checkIn({ s: s.globalId }, w.member.token), 'CONFLICT');
      expectCode(await checkIn({ s: s.globalId, m: w.member.globalId }, w.facilitator.token), 'CONFLICT');
    }
  });

  test('self check-in: only ACTIVE members of the group; API keys need a member token', async () => {
    const s = await insertSession(app, w.net.id, w.group.id);
    expectCode(await checkIn({ s: s.globalId }, w.outsider.token), 'FORBIDDEN');
    expectCode(await checkIn({ s: s.globalId }, w.admin.token), 'FORBIDDEN');
    const key = await checkIn({ s: s.globalId }, w.keys.all);
    expectCode(key, 'FORBIDDEN');
    expect(key.errors![0].message).toMatch(/member token/);
    const paused = await w.net.member();
    const membership = await addMember(app, w.net, w.group.globalId, paused.globalId);
    ok(await app.gql(`mutation($id: ID!) { updateMembership(id: $id, status: PAUSED) { status } }`, { id: membership }, paused.token));
    expectCode(await checkIn({ s: s.globalId }, paused.token), 'FORBIDDEN');
  });

  test('checking someone in: facilitators, coordinators, admins, keys with WRITE and PERSONAL_DATA', async () => {
    const s = await insertSession(app, w.net.id, w.group.id);
    for (const credential of [w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.writePersonal]) {
      const res = ok(await checkIn({ s: s.globalId, m: w.member2.globalId, mood: 3 }, credential)).checkIn;
      expect(res).toMatchObject({ status: 'PRESENT', member: { id: w.member2.globalId }, moodBefore: 3 });
    }
    expectCode(await checkIn({ s: s.globalId, m: w.member2.globalId }, w.member.token), 'FORBIDDEN');
    expectCode(await checkIn({ s: s.globalId, m: w.member2.globalId }, w.keys.write), 'FORBIDDEN');
    expectCode(await checkIn({ s: s.globalId, m: w.member2.globalId }, w.keys.readPersonal), 'FORBIDDEN');
  });

  test('checking in someone who is not an ACTIVE member of the group: BAD_USER_INPUT on memberId', async () => {
    const s = await insertSession(app, w.net.id, w.group.id);
    expectFieldErrors(await checkIn({ s: s.globalId, m: w.outsider.globalId }, w.facilitator.token), ['memberId']);
    expectFieldErrors(await checkIn({ s: s.globalId, m: other.member.globalId }, w.facilitator.token), ['memberId']);
    expectFieldErrors(await checkIn({ s: s.globalId, m: 'garbage' }, w.facilitator.token), ['memberId']);
  });

  test('moodBefore outside 1–5: fieldErrors [moodBefore]', async () => {
    const s = await insertSession(app, w.net.id, w.group.id);
    expectFieldErrors(await checkIn({ s: s.globalId, mood: 0 }, w.member.token), ['moodBefore']);
    expectFieldErrors(await checkIn({ s: s.globalId, mood: 6 }, w.member.token), ['moodBefore']);
    const rows = await sql(app, w.net.id, 'SELECT count(*)::int AS n FROM attendance WHERE session_id = $1', [s.id]);
    expect(rows[0].n).toBe(0);
  });

  test("another network's session: NOT_FOUND, for members and keys alike", async () => {
    const foreign = await insertSession(app, other.net.id, other.group.id);
    expectCode(await checkIn({ s: foreign.globalId }, w.member.token), 'NOT_FOUND');
    expectCode(await checkIn({ s: foreign.globalId, m: other.member.globalId }, w.keys.all), 'NOT_FOUND');
    expectCode(await app.gql(MARK, { s: foreign.globalId, e: [] }, w.keys.all), 'NOT_FOUND');
    expectCode(await checkIn({ s: toGlobalId('Session', '00000000-0000-4000-8000-000000000000') }, w.member.token), 'NOT_FOUND');
  });
});

describe('markAttendance', () => {
  test('sets statuses in one go, in the given order; check-in time only for PRESENT/LATE; a re-mark keeps the first check-in time', async () => {
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'COMPLETED', startsInMinutes: -180 });
    const entries = [
      { memberId: w.member2.globalId, status: 'LATE' },
      { memberId: w.member.globalId, status: 'EXCUSED' },
      { memberId: w.facilitator.globalId, status: 'PRESENT' },
    ];
    type Marked = { markAttendance: Array<{ id: string; status: string; checkedInAt: string | null; member: { id: string } }> };
    const res = ok(await app.gql<Marked>(MARK, { s: s.globalId, e: entries }, w.facilitator.token)).markAttendance;
    expect(res.map((a) => [a.member.id, a.status, a.checkedInAt != null])).toEqual([
      [w.member2.globalId, 'LATE', true],
      [w.member.globalId, 'EXCUSED', false],
      [w.facilitator.globalId, 'PRESENT', true],
    ]);
    const again = ok(
      await app.gql<Marked>(
        MARK,
        {
          s: s.globalId,
          e: [
            { memberId: w.member2.globalId, status: 'PRESENT' },
            { memberId: w.member.globalId, status: 'PRESENT' },
          ],
        },
        w.keys.writePersonal,
      ),
    ).markAttendance;
    expect(again[0]).toMatchObject({ id: res[0].id, status: 'PRESENT', checkedInAt: res[0].checkedInAt });
    expect(again[1]).toMatchObject({ id: res[1].id, status: 'PRESENT' });
    expect(again[1].checkedInAt).not.toBeNull();
    const rows = await sql(app, w.net.id, `SELECT count(*)::int AS n FROM attendance WHERE session_id = $1`, [s.id]);
    expect(rows[0].n).toBe(3);
  });

  test('denied to plain members, outsiders and keys without WRITE and PERSONAL_DATA', async () => {
    const s = await insertSession(app, w.net.id, w.group.id);
    const e = [{ memberId: w.member.globalId, status: 'PRESENT' }];
    for (const credential of [w.member.token, w.outsider.token, w.keys.write, w.keys.readPersonal]) {
      expectCode(await app.gql(MARK, { s: s.globalId, e }, credential), 'FORBIDDEN');
    }
    const rows = await sql(app, w.net.id, 'SELECT count(*)::int AS n FROM attendance WHERE session_id = $1', [s.id]);
    expect(rows[0].n).toBe(0);
  });

  test('unknown, foreign, malformed or repeated memberIds: BAD_USER_INPUT at entries.i.memberId, nothing written', async () => {
    const s = await insertSession(app, w.net.id, w.group.id);
    const res = await app.gql(
      MARK,
      {
        s: s.globalId,
        e: [
          { memberId: w.member.globalId, status: 'PRESENT' },
          { memberId: other.member.globalId, status: 'PRESENT' },
          { memberId: w.outsider.globalId, status: 'ABSENT' },
        ],
      },
      w.facilitator.token,
    );
    expectFieldErrors(res, ['entries', 1, 'memberId'], ['entries', 2, 'memberId']);
    expectFieldErrors(
      await app.gql(
        MARK,
        {
          s: s.globalId,
          e: [
            { memberId: 'nope', status: 'PRESENT' },
            { memberId: w.member.globalId, status: 'PRESENT' },
            { memberId: w.member.globalId, status: 'ABSENT' },
          ],
        },
        w.facilitator.token,
      ),
      ['entries', 0, 'memberId'],
      ['entries', 2, 'memberId'],
    );
    const rows = await sql(app, w.net.id, 'SELECT count(*)::int AS n FROM attendance WHERE session_id = $1', [s.id]);
    expect(rows[0].n).toBe(0);
  });

  test('more than 200 entries: fieldErrors [entries]; a cancelled session: CONFLICT', async () => {
    const s = await insertSession(app, w.net.id, w.group.id);
    const e = Array.from({ length: 201 }, () => ({ memberId: w.member.globalId, status: 'PRESENT' }));
    expectFieldErrors(await app.gql(MARK, { s: s.globalId, e }, w.facilitator.token), ['entries']);
    const cancelled = await insertSession(app, w.net.id, w.group.id, { status: 'CANCELLED' });
    expectCode(await app.gql(MARK, { s: cancelled.globalId, e: [{ memberId: w.member.globalId, status: 'EXCUSED' }] }, w.facilitator.token), 'CONFLICT');
  });
});

describe('Session.attendance and attendanceCount', () => {
  let s: { id: string; globalId: string };
  beforeAll(async () => {
    s = await insertSession(app, w.net.id, w.group.id, { status: 'COMPLETED', startsInMinutes: -300 });
    ok(
      await app.gql(
        MARK,
        {
          s: s.globalId,
          e: [
            { memberId: w.member.globalId, status: 'PRESENT' },
            { memberId: w.member2.globalId, status: 'LATE' },
            { memberId: w.facilitator.globalId, status: 'ABSENT' },
          ],
        },
        w.facilitator.token,
      ),
    );
  });

  type Listed = {
    node: {
      attendanceCount: number;
      attendance: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        nodes: Array<{ status: string; member: { displayName: string } }>;
      };
    };
  };

  test('managers and PERSONAL_DATA keys see everyone, by display name, paged; the count is PRESENT + LATE', async () => {
    for (const credential of [w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.readPersonal]) {
      const res = ok(await app.gql<Listed>(LIST, { s: s.globalId }, credential)).node;
      expect(res.attendanceCount).toBe(2);
      expect(res.attendance.totalCount).toBe(3);
      expect(res.attendance.nodes.map((a) => [a.member.displayName, a.status])).toEqual([
        ['Fay Facilitator', 'ABSENT'],
        ['Max Member', 'LATE'],
        ['Mia Member', 'PRESENT'],
      ]);
    }
    const page1 = ok(await app.gql<Listed>(LIST, { s: s.globalId, first: 2 }, w.facilitator.token)).node.attendance;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await app.gql<Listed>(LIST, { s: s.globalId, first: 2, after: page1.pageInfo.endCursor }, w.facilitator.token)).node.attendance;
    expect(page2.nodes.map((a) => a.member.displayName)).toEqual(['Mia Member']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  test('a plain member sees only their own record; a READ key without PERSONAL_DATA sees none, but the count', async () => {
    const mine = ok(await app.gql<Listed>(LIST, { s: s.globalId }, w.member.token)).node;
    expect(mine.attendanceCount).toBe(2);
    expect(mine.attendance.totalCount).toBe(1);
    expect(mine.attendance.nodes).toEqual([{ status: 'PRESENT', member: { displayName: 'Mia Member' } }]);
    const key = ok(await app.gql<Listed>(LIST, { s: s.globalId }, w.keys.read)).node;
    expect(key.attendanceCount).toBe(2);
    expect(key.attendance).toMatchObject({ totalCount: 0, nodes: [] });
  });

  test('node(id) of an Attendance: the member and managers; not another member; null for another network', async () => {
    const [row] = await sql<{ id: string }>(app, w.net.id, 'SELECT id FROM attendance WHERE session_id = $1 AND member_id = $2', [s.id, w.member.id]);
    const id = toGlobalId('Attendance', row.id);
    const q = `query($id: ID!) { node(id: $id) { ... on Attendance { status member { displayName } session { id } } } }`;
    for (const credential of [w.member.token, w.facilitator.token, w.admin.token, w.keys.readPersonal]) {
      expect(ok(await app.gql(q, { id }, credential)).node).toEqual({ status: 'PRESENT', member: { displayName: 'Mia Member' }, session: { id: s.globalId } });
    }
    for (const credential of [w.member2.token, w.outsider.token, w.keys.read, other.keys.all, other.admin.token]) {
      expect(ok(await app.gql(q, { id }, credential)).node).toBeNull();
    }
  });

  test("a group's session list reads attendanceCount (and rsvpCounts) with the page: the same figures as each session's own", async () => {
    const listed = ok(
      await app.gql<{ node: { sessions: { nodes: Array<{ id: string; attendanceCount: number; rsvpCounts: { going: number } }> } } }>(
        `query($g: ID!) { node(id: $g) { ... on Group { sessions(last: 100) { nodes { id attendanceCount rsvpCounts { going } } } } } }`,
        { g: w.group.globalId },
        w.keys.read,
      ),
    ).node.sessions.nodes;
    const mine = listed.find((x) => x.id === s.globalId)!;
    expect(mine).toMatchObject({ attendanceCount: 2, rsvpCounts: { going: 0 } });
    const each = ok(
      await app.gql<{ nodes: Array<{ id: string; attendanceCount: number; rsvpCounts: { going: number } }> }>(
        `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Session { id attendanceCount rsvpCounts { going } } } }`,
        { ids: listed.map((x) => x.id) },
        w.keys.read,
      ),
    ).nodes;
    expect(listed).toEqual(each);
  });

  test('attendanceCount of several sessions at once (batched)', async () => {
    const res = ok(
      await app.gql<{ nodes: Array<{ attendanceCount: number } | null> }>(
        `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Session { attendanceCount } } }`,
        { ids: [s.globalId, (await insertSession(app, w.net.id, w.group.id)).globalId] },
        w.keys.read,
      ),
    );
    expect(res.nodes).toEqual([{ attendanceCount: 2 }, { attendanceCount: 0 }]);
  });
});
