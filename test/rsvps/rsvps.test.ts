import { parseGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { addMember, createGroup, type Cred, expectCode, ok } from '../helpers/gql';

let app: TestApp;
let net: TestNetwork;
let other: TestNetwork;
beforeAll(async () => {
  app = await startTestApp({ DB_POOL_MAX: '20' });
  net = await createTestNetwork(app, 'RSVP A');
  other = await createTestNetwork(app, 'RSVP B');
});
afterAll(() => app.stop());

interface RsvpData {
  id: string;
  status: string;
  respondedAt: string;
  session: { id: string };
  member: { id: string; displayName: string };
}
interface Counts {
  going: number;
  maybe: number;
  notGoing: number;
  waitlisted: number;
}

const RSVP = `mutation($s: ID!, $status: RsvpStatus!) { rsvp(sessionId: $s, status: $status) { id status respondedAt session { id } member { id displayName } } }`;
const SESSION = `query($id: ID!, $status: RsvpStatus, $first: Int, $after: String) { node(id: $id) { ... on Session {
  capacity rsvpCounts { going maybe notGoing waitlisted } viewerRsvp { id status }
  rsvps(first: $first, after: $after, status: $status) { totalCount pageInfo { hasNextPage endCursor } nodes { id status member { id } } }
} } }`;
type SessionView = {
  capacity: number | null;
  rsvpCounts: Counts;
  viewerRsvp: { id: string; status: string } | null;
  rsvps: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Array<{ id: string; status: string; member: { id: string } }> };
};

async function members(n: TestNetwork, groupId: string, count: number): Promise<Cred[]> {
  const list: Cred[] = [];
  for (let i = 0; i < count; i += 1) {
    const m = await n.member();
    await addMember(app, n, groupId, m.globalId);
    list.push(m);
  }
  return list;
}

async function schedule(n: TestNetwork, groupId: string, input: Record<string, unknown> = {}): Promise<string> {
  const res = await app.gql<{ scheduleSessions: Array<{ id: string }> }>(
    'mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id } }',
    {
      g: groupId,
      input: { title: 'Circle', startsAt: new Date(Date.now() + 2 * 86400_000).toISOString(), durationMinutes: 90, timeZone: 'Europe/Berlin', ...input },
    },
    n.adminKey,
  );
  return ok(res).scheduleSessions[0].id;
}

const rsvp = async (sessionId: string, status: string, m: Cred) => ok(await app.gql<{ rsvp: RsvpData }>(RSVP, { s: sessionId, status }, m.token)).rsvp;
const view = async (sessionId: string, cred: string, vars: Record<string, unknown> = {}) =>
  ok(await app.gql<{ node: SessionView }>(SESSION, { id: sessionId, first: 100, ...vars }, cred)).node;
const statuses = async (sessionId: string) => {
  const rows: Array<{ member_id: string; status: string }> = await app.db.dataSource.query('SELECT member_id, status FROM rsvps WHERE session_id = $1', [
    parseGlobalId(sessionId)!.id,
  ]);
  return new Map(rows.map((r) => [r.member_id, r.status]));
};

describe('rsvp', () => {
  test('a member answers, changes their answer; counts and viewerRsvp follow', async () => {
    const groupId = await createGroup(app, net);
    const sessionId = await schedule(net, groupId);
    const [a, b] = await members(net, groupId, 2);
    const first = await rsvp(sessionId, 'GOING', a);
    expect(first).toMatchObject({ status: 'GOING', session: { id: sessionId }, member: { id: a.globalId } });
    expect(parseGlobalId(first.id)!.type).toBe('Rsvp');
    await rsvp(sessionId, 'MAYBE', b);
    expect((await view(sessionId, a.token)).rsvpCounts).toEqual({ going: 1, maybe: 1, notGoing: 0, waitlisted: 0 });
    expect((await view(sessionId, a.token)).viewerRsvp).toEqual({ id: first.id, status: 'GOING' });

    await new Promise((r) => setTimeout(r, 5));
    const changed = await rsvp(sessionId, 'NOT_GOING', a);
    expect(changed.id).toBe(first.id);
    expect(changed.status).toBe('NOT_GOING');
    expect(new Date(changed.respondedAt).getTime()).toBeGreaterThan(new Date(first.respondedAt).getTime());
    expect((await view(sessionId, b.token)).rsvpCounts).toEqual({ going: 0, maybe: 1, notGoing: 1, waitlisted: 0 });
    expect((await view(sessionId, b.token)).viewerRsvp!.status).toBe('MAYBE');
    const [{ count }] = await app.db.dataSource.query('SELECT count(*)::int AS count FROM rsvps WHERE session_id = $1', [parseGlobalId(sessionId)!.id]);
    expect(count).toBe(2);
    // API keys have no viewerRsvp, but see the counts.
    const keyView = await view(sessionId, await net.key(ApiKeyScope.READ));
    expect(keyView.viewerRsvp).toBeNull();
    expect(keyView.rsvpCounts.notGoing).toBe(1);
  });

  test('a LIVE session still takes answers; COMPLETED and CANCELLED ones are CONFLICT', async () => {
    const groupId = await createGroup(app, net);
    const [m] = await members(net, groupId, 1);
    const live = await schedule(net, groupId);
    ok(await app.gql('mutation($id: ID!) { startSession(id: $id) { status } }', { id: live }, net.adminKey));
    expect((await rsvp(live, 'GOING', m)).status).toBe('GOING');
    ok(await app.gql('mutation($id: ID!) { endSession(id: $id) { status } }', { id: live }, net.adminKey));
    expectCode(await app.gql(RSVP, { s: live, status: 'NOT_GOING' }, m.token), 'CONFLICT', /COMPLETED/);
    const cancelled = await schedule(net, groupId);
    ok(await app.gql('mutation($id: ID!) { cancelSession(id: $id) { status } }', { id: cancelled }, net.adminKey));
    expectCode(await app.gql(RSVP, { s: cancelled, status: 'GOING' }, m.token), 'CONFLICT', /CANCELLED/);
    expect((await statuses(live)).get(parseGlobalId(m.globalId)!.id)).toBe('GOING');
  });

  test('WAITLISTED cannot be chosen: fieldError [status]', async () => {
    const groupId = await createGroup(app, net);
    const [m] = await members(net, groupId, 1);
    const res = await app.gql(RSVP, { s: await schedule(net, groupId), status: 'WAITLISTED' }, m.token);
    expectCode(res, 'BAD_USER_INPUT');
    expect(res.errors![0].extensions.fieldErrors!.map((f) => f.path)).toEqual([['status']]);
  });

  test('only ACTIVE members of the group, through member tokens', async () => {
    const groupId = await createGroup(app, net);
    const sessionId = await schedule(net, groupId);
    const outsider = await net.member();
    const admin = await net.member(NetworkRole.ADMIN);
    const leaver = await net.member();
    ok(await app.gql('mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }', { g: groupId }, leaver.token));
    ok(await app.gql('mutation($g: ID!) { leaveGroup(groupId: $g) { status } }', { g: groupId }, leaver.token));
    for (const m of [outsider, admin, leaver]) expectCode(await app.gql(RSVP, { s: sessionId, status: 'GOING' }, m.token), 'FORBIDDEN', /ACTIVE members/);
    expectCode(await app.gql(RSVP, { s: sessionId, status: 'GOING' }, net.adminKey), 'FORBIDDEN', /member token/);
    expect((await view(sessionId, net.adminKey)).rsvpCounts.going).toBe(0);
  });

  test("another network's session, a PRIVATE group's session for an outsider: NOT_FOUND; node null", async () => {
    const groupId = await createGroup(app, net);
    const sessionId = await schedule(net, groupId);
    const [m] = await members(net, groupId, 1);
    const mine = await rsvp(sessionId, 'GOING', m);
    const stranger = await other.member(NetworkRole.ADMIN);
    expectCode(await app.gql(RSVP, { s: sessionId, status: 'GOING' }, stranger.token), 'NOT_FOUND');
    for (const cred of [stranger.token, other.adminKey]) {
      expect(ok(await app.gql<{ nodes: unknown[] }>('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [sessionId, mine.id] }, cred)).nodes).toEqual([
        null,
        null,
      ]);
    }

    const privateGroup = await createGroup(app, net, { visibility: 'PRIVATE' });
    const privateSession = await schedule(net, privateGroup);
    const outsider = await net.member();
    expectCode(await app.gql(RSVP, { s: privateSession, status: 'GOING' }, outsider.token), 'NOT_FOUND');
  });
});

describe('capacity and the waitlist', () => {
  test('GOING past capacity is WAITLISTED; a freed place goes to the earliest waitlisted', async () => {
    const groupId = await createGroup(app, net);
    const sessionId = await schedule(net, groupId, { capacity: 2 });
    const [a, b, c, d, e] = await members(net, groupId, 5);
    expect((await rsvp(sessionId, 'GOING', a)).status).toBe('GOING');
    expect((await rsvp(sessionId, 'GOING', b)).status).toBe('GOING');
    expect((await rsvp(sessionId, 'GOING', c)).status).toBe('WAITLISTED');
    expect((await rsvp(sessionId, 'MAYBE', e)).status).toBe('MAYBE');
    expect((await rsvp(sessionId, 'GOING', d)).status).toBe('WAITLISTED');
    // Saying GOING again keeps the waitlist position (and a GOING place).
    const cAgain = await rsvp(sessionId, 'GOING', c);
    expect(cAgain.status).toBe('WAITLISTED');
    expect((await rsvp(sessionId, 'GOING', a)).status).toBe('GOING');
    expect((await view(sessionId, net.adminKey)).rsvpCounts).toEqual({ going: 2, maybe: 1, notGoing: 0, waitlisted: 2 });

    // a frees a place: c (waitlisted before d) is promoted in the same mutation.
    expect((await rsvp(sessionId, 'NOT_GOING', a)).status).toBe('NOT_GOING');
    let s = await statuses(sessionId);
    const id = (m: Cred) => parseGlobalId(m.globalId)!.id;
    expect([s.get(id(a)), s.get(id(b)), s.get(id(c)), s.get(id(d))]).toEqual(['NOT_GOING', 'GOING', 'GOING', 'WAITLISTED']);
    expect((await view(sessionId, c.token)).viewerRsvp!.status).toBe('GOING');

    // A waitlisted member who changes to MAYBE frees no place and leaves the waitlist.
    expect((await rsvp(sessionId, 'MAYBE', d)).status).toBe('MAYBE');
    // a wants to come again: the session is full.
    expect((await rsvp(sessionId, 'GOING', a)).status).toBe('WAITLISTED');
    // b changes to MAYBE: a is promoted.
    await rsvp(sessionId, 'MAYBE', b);
    s = await statuses(sessionId);
    expect([s.get(id(a)), s.get(id(b)), s.get(id(c)), s.get(id(d))]).toEqual(['GOING', 'MAYBE', 'GOING', 'MAYBE']);
    expect((await view(sessionId, net.adminKey)).rsvpCounts).toEqual({ going: 2, maybe: 3, notGoing: 0, waitlisted: 0 });
  });

  test('RSVP counts read with a session list (the group page) and with nextSession match the RSVPs', async () => {
    const groupId = await createGroup(app, net);
    const sessionId = await schedule(net, groupId, { capacity: 2 });
    const list = await members(net, groupId, 3);
    for (const m of list) await rsvp(sessionId, 'GOING', m);
    await rsvp(sessionId, 'NOT_GOING', list[0]);
    type Counts2 = { going: number; maybe: number; notGoing: number; waitlisted: number };
    const page = ok(
      await app.gql<{
        node: { nextSession: { rsvpCounts: Counts2; viewerRsvp: { status: string } | null }; sessions: { nodes: Array<{ rsvpCounts: Counts2 }> } };
      }>(
        `query($g: ID!) { node(id: $g) { ... on Group {
          nextSession { rsvpCounts { going maybe notGoing waitlisted } viewerRsvp { status } }
          sessions(first: 10) { nodes { rsvpCounts { going maybe notGoing waitlisted } } } } } }`,
        { g: groupId },
        list[2].token,
      ),
    ).node;
    const expected = { going: 2, maybe: 0, notGoing: 1, waitlisted: 0 };
    expect(page.sessions.nodes).toEqual([{ rsvpCounts: expected }]);
    expect(page.nextSession).toEqual({ rsvpCounts: expected, viewerRsvp: { status: 'GOING' } });
  });

  test("the session capacity defaults to the group's", async () => {
    const groupId = await createGroup(app, net, { capacity: 3 });
    const sessionId = await schedule(net, groupId);
    const list = await members(net, groupId, 3);
    ok(
      await app.gql(
        'mutation($g: ID!, $input: UpdateGroupInput!) { updateGroup(id: $g, input: $input) { capacity } }',
        { g: groupId, input: { capacity: 2 } },
        net.adminKey,
      ),
    );
    expect((await view(sessionId, net.adminKey)).capacity).toBe(2);
    expect((await Promise.all(list.map(async (m) => (await rsvp(sessionId, 'GOING', m)).status))).sort()).toEqual(['GOING', 'GOING', 'WAITLISTED']);
  });

  test("raising the group's capacity promotes the waitlist of its open sessions at once", async () => {
    const groupId = await createGroup(app, net, { capacity: 5 });
    const sessionId = await schedule(net, groupId);
    const list = await members(net, groupId, 3);
    await app.gql(
      'mutation($g: ID!, $input: UpdateGroupInput!) { updateGroup(id: $g, input: $input) { capacity } }',
      { g: groupId, input: { capacity: 1 } },
      net.adminKey,
    );
    for (const m of list) await rsvp(sessionId, 'GOING', m);
    expect((await view(sessionId, net.adminKey)).rsvpCounts).toMatchObject({ going: 1, waitlisted: 2 });
    ok(
      await app.gql(
        'mutation($g: ID!, $input: UpdateGroupInput!) { updateGroup(id: $g, input: $input) { capacity } }',
        { g: groupId, input: { capacity: 2 } },
        net.adminKey,
      ),
    );
    expect((await view(sessionId, net.adminKey)).rsvpCounts).toMatchObject({ going: 2, waitlisted: 1 });
    ok(
      await app.gql(
        'mutation($g: ID!, $input: UpdateGroupInput!) { updateGroup(id: $g, input: $input) { capacity } }',
        { g: groupId, input: { capacity: 0 } },
        net.adminKey,
      ),
    );
    expect((await view(sessionId, net.adminKey)).rsvpCounts).toMatchObject({ going: 3, waitlisted: 0 });
  });

  test('raising the capacity promotes the waitlist in order; lowering it keeps GOING places', async () => {
    const groupId = await createGroup(app, net, { capacity: 50 });
    const sessionId = await schedule(net, groupId, { capacity: 1 });
    const list = await members(net, groupId, 5);
    for (const m of list) await rsvp(sessionId, 'GOING', m);
    const id = (m: Cred) => parseGlobalId(m.globalId)!.id;
    const UPDATE = 'mutation($id: ID!, $input: UpdateSessionInput!) { updateSession(id: $id, input: $input) { capacity rsvpCounts { going waitlisted } } }';
    const up = ok(await app.gql<{ updateSession: { capacity: number; rsvpCounts: Counts } }>(UPDATE, { id: sessionId, input: { capacity: 3 } }, net.adminKey));
    expect(up.updateSession).toEqual({ capacity: 3, rsvpCounts: { going: 3, waitlisted: 2 } });
    let s = await statuses(sessionId);
    expect(list.map((m) => s.get(id(m)))).toEqual(['GOING', 'GOING', 'GOING', 'WAITLISTED', 'WAITLISTED']);

    const down = ok(
      await app.gql<{ updateSession: { capacity: number; rsvpCounts: Counts } }>(UPDATE, { id: sessionId, input: { capacity: 1 } }, net.adminKey),
    );
    expect(down.updateSession).toEqual({ capacity: 1, rsvpCounts: { going: 3, waitlisted: 2 } });
    // Places free up only below the new capacity.
    await rsvp(sessionId, 'NOT_GOING', list[0]);
    s = await statuses(sessionId);
    expect(list.map((m) => s.get(id(m)))).toEqual(['NOT_GOING', 'GOING', 'GOING', 'WAITLISTED', 'WAITLISTED']);

    // Back to the group's capacity (50): everyone waiting gets in.
    const groupCap = ok(
      await app.gql<{ updateSession: { capacity: number; rsvpCounts: Counts } }>(UPDATE, { id: sessionId, input: { capacity: 0 } }, net.adminKey),
    );
    expect(groupCap.updateSession).toEqual({ capacity: 50, rsvpCounts: { going: 4, waitlisted: 0 } });
  });

  test('the last place, requested by 20 members at once: exactly one GOING, 19 WAITLISTED', async () => {
    const groupId = await createGroup(app, net);
    const sessionId = await schedule(net, groupId, { capacity: 1 });
    const list = await members(net, groupId, 20);
    const results = await Promise.all(list.map((m) => app.gql<{ rsvp: RsvpData }>(RSVP, { s: sessionId, status: 'GOING' }, m.token)));
    for (const r of results) expect(r.errors).toBeUndefined();
    const answered = results.map((r) => r.data!.rsvp.status);
    expect(answered.filter((x) => x === 'GOING')).toHaveLength(1);
    expect(answered.filter((x) => x === 'WAITLISTED')).toHaveLength(19);
    const rows: Array<{ status: string; count: number }> = await app.db.dataSource.query(
      'SELECT status, count(*)::int AS count FROM rsvps WHERE session_id = $1 GROUP BY status ORDER BY status',
      [parseGlobalId(sessionId)!.id],
    );
    expect(rows).toEqual([
      { status: 'GOING', count: 1 },
      { status: 'WAITLISTED', count: 19 },
    ]);
    expect((await view(sessionId, net.adminKey)).rsvpCounts).toEqual({ going: 1, maybe: 0, notGoing: 0, waitlisted: 19 });

    // The winner leaves and the others all retry at once: still exactly one GOING.
    const winner = list[answered.indexOf('GOING')];
    const again = await Promise.all([
      app.gql(RSVP, { s: sessionId, status: 'NOT_GOING' }, winner.token),
      ...list.filter((m) => m !== winner).map((m) => app.gql(RSVP, { s: sessionId, status: 'GOING' }, m.token)),
    ]);
    for (const r of again) expect(r.errors).toBeUndefined();
    expect((await view(sessionId, net.adminKey)).rsvpCounts).toEqual({ going: 1, maybe: 0, notGoing: 1, waitlisted: 18 });
  });
});

describe('who sees which RSVPs', () => {
  let groupId: string;
  let sessionId: string;
  let fac: Cred;
  let a: Cred;
  let b: Cred;
  let c: Cred;
  let silent: Cred;
  beforeAll(async () => {
    groupId = await createGroup(app, net);
    sessionId = await schedule(net, groupId, { capacity: 1 });
    fac = await net.member();
    await addMember(app, net, groupId, fac.globalId, 'FACILITATOR');
    [a, b, c, silent] = await members(net, groupId, 4);
    await rsvp(sessionId, 'GOING', a);
    await rsvp(sessionId, 'GOING', b);
    await rsvp(sessionId, 'NOT_GOING', c);
  });

  test("the group's facilitator, coordinators, admins and READ+PERSONAL_DATA keys see every answer, in answer order", async () => {
    const coord = await net.member(NetworkRole.COORDINATOR);
    const admin = await net.member(NetworkRole.ADMIN);
    for (const cred of [fac.token, coord.token, admin.token, await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA)]) {
      const v = await view(sessionId, cred);
      expect(v.rsvps.totalCount).toBe(3);
      expect(v.rsvps.nodes.map((n) => [n.member.id, n.status])).toEqual([
        [a.globalId, 'GOING'],
        [b.globalId, 'WAITLISTED'],
        [c.globalId, 'NOT_GOING'],
      ]);
      const waiting = await view(sessionId, cred, { status: 'WAITLISTED' });
      expect(waiting.rsvps.nodes.map((n) => n.member.id)).toEqual([b.globalId]);
      expect(waiting.rsvps.totalCount).toBe(1);
    }
  });

  test('pages with cursors', async () => {
    const p1 = await view(sessionId, fac.token, { first: 2 });
    expect(p1.rsvps.nodes.map((n) => n.member.id)).toEqual([a.globalId, b.globalId]);
    expect(p1.rsvps.pageInfo.hasNextPage).toBe(true);
    const p2 = await view(sessionId, fac.token, { first: 2, after: p1.rsvps.pageInfo.endCursor });
    expect(p2.rsvps.nodes.map((n) => n.member.id)).toEqual([c.globalId]);
    expect(p2.rsvps.pageInfo.hasNextPage).toBe(false);
  });

  test('a plain member sees only their own answer; a READ key without PERSONAL_DATA sees none, but the counts', async () => {
    const mine = await view(sessionId, b.token);
    expect(mine.rsvps.nodes.map((n) => [n.member.id, n.status])).toEqual([[b.globalId, 'WAITLISTED']]);
    expect(mine.rsvps.totalCount).toBe(1);
    expect(mine.rsvpCounts).toEqual({ going: 1, maybe: 0, notGoing: 1, waitlisted: 1 });
    expect((await view(sessionId, b.token, { status: 'GOING' })).rsvps.nodes).toEqual([]);
    expect((await view(sessionId, silent.token)).rsvps).toMatchObject({ totalCount: 0, nodes: [] });
    const readOnly = await view(sessionId, await net.key(ApiKeyScope.READ));
    expect(readOnly.rsvps).toMatchObject({ totalCount: 0, nodes: [] });
    expect(readOnly.rsvpCounts.going).toBe(1);
  });

  test('node(Rsvp): visible to its member and those who see the list; hidden from others', async () => {
    const aRsvp = (await view(sessionId, a.token)).viewerRsvp!;
    const Q = 'query($id: ID!) { node(id: $id) { ... on Rsvp { status member { id } session { id } } } }';
    for (const cred of [a.token, fac.token, await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA)]) {
      expect(ok(await app.gql<{ node: unknown }>(Q, { id: aRsvp.id }, cred)).node).toEqual({
        status: 'GOING',
        member: { id: a.globalId },
        session: { id: sessionId },
      });
    }
    for (const cred of [b.token, await net.key(ApiKeyScope.READ), other.adminKey]) {
      expect(ok(await app.gql<{ node: unknown }>(Q, { id: aRsvp.id }, cred)).node).toBeNull();
    }
  });

  test('many sessions in one query: counts and viewerRsvp batched', async () => {
    const ids = [sessionId, await schedule(net, groupId), await schedule(net, groupId)];
    await rsvp(ids[1], 'MAYBE', a);
    const res = ok(
      await app.gql<{ nodes: Array<{ rsvpCounts: Counts; viewerRsvp: { status: string } | null }> }>(
        'query($ids: [ID!]!) { nodes(ids: $ids) { ... on Session { rsvpCounts { going maybe notGoing waitlisted } viewerRsvp { status } } } }',
        { ids },
        a.token,
      ),
    );
    expect(res.nodes).toEqual([
      { rsvpCounts: { going: 1, maybe: 0, notGoing: 1, waitlisted: 1 }, viewerRsvp: { status: 'GOING' } },
      { rsvpCounts: { going: 0, maybe: 1, notGoing: 0, waitlisted: 0 }, viewerRsvp: { status: 'MAYBE' } },
      { rsvpCounts: { going: 0, maybe: 0, notGoing: 0, waitlisted: 0 }, viewerRsvp: null },
    ]);
  });
});
