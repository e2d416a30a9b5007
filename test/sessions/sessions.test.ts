import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { addMember, createGroup, dbId, expectBadInput, expectCode, ok } from '../helpers/gql';

let app: TestApp;
let net: TestNetwork;
let other: TestNetwork;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app, 'Sessions A');
  other = await createTestNetwork(app, 'Sessions B');
});
afterAll(() => app.stop());

interface SessionData {
  id: string;
  title: string;
  startsAt: string;
  endsAt: string;
  timeZone: string;
  status: string;
  capacity: number | null;
  location: string | null;
  onlineUrl: string | null;
  agenda: Array<{ kind: string; title: string; minutes: number | null }>;
  cancelReason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  cancelledAt: string | null;
  group: { id: string };
}

const SESSION_FIELDS = `id title startsAt endsAt timeZone status capacity location onlineUrl agenda { kind title minutes }
  cancelReason startedAt endedAt cancelledAt group { id }`;
const SCHEDULE = `mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { ${SESSION_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateSessionInput!) { updateSession(id: $id, input: $input) { ${SESSION_FIELDS} } }`;
const CANCEL = `mutation($id: ID!, $reason: String) { cancelSession(id: $id, reason: $reason) { ${SESSION_FIELDS} } }`;
const START = `mutation($id: ID!) { startSession(id: $id) { ${SESSION_FIELDS} } }`;
const END = `mutation($id: ID!) { endSession(id: $id) { ${SESSION_FIELDS} } }`;

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const future = (ms: number) => new Date(Date.now() + ms).toISOString();

async function schedule(groupId: string, input: Record<string, unknown>, cred = net.adminKey): Promise<SessionData[]> {
  return ok(await app.gql<{ scheduleSessions: SessionData[] }>(SCHEDULE, { g: groupId, input }, cred)).scheduleSessions;
}

async function one(groupId: string, input: Record<string, unknown> = {}, cred = net.adminKey): Promise<SessionData> {
  const [s] = await schedule(groupId, { title: 'Weekly circle', startsAt: future(2 * DAY), durationMinutes: 90, timeZone: 'Europe/Berlin', ...input }, cred);
  return s;
}

describe('scheduleSessions', () => {
  test('a facilitator schedules one session: capacity and agenda default to the group', async () => {
    const groupId = await createGroup(app, net, {
      capacity: 12,
      agendaTemplate: [
        { kind: 'CHECK_IN', title: 'Arrive', minutes: 10 },
        { kind: 'CHECK_OUT', title: 'Leave' },
      ],
    });
    const fac = await net.member();
    await addMember(app, net, groupId, fac.globalId, 'FACILITATOR');
    const startsAt = '2031-05-06T16:00:00.000Z';
    const s = await one(groupId, { startsAt, durationMinutes: 75, location: ' Room 4 ', onlineUrl: 'https://meet.example/abc' }, fac.token);
    expect(s).toMatchObject({
      title: 'Weekly circle',
      startsAt,
      endsAt: '2031-05-06T17:15:00.000Z',
      timeZone: 'Europe/Berlin',
      status: 'SCHEDULED',
      capacity: 12,
      location: 'Room 4',
      onlineUrl: 'https://meet.example/abc',
      cancelReason: null,
      startedAt: null,
      group: { id: groupId },
    });
    expect(s.agenda).toEqual([
      { kind: 'CHECK_IN', title: 'Arrive', minutes: 10 },
      { kind: 'CHECK_OUT', title: 'Leave', minutes: null },
    ]);
    const [row] = await app.db.dataSource.query('SELECT capacity, series_id FROM sessions WHERE id = $1', [dbId(s.id)]);
    expect(row).toEqual({ capacity: null, series_id: null });
  });

  test('own capacity and agenda; the effective capacity follows the group when the session has none', async () => {
    const groupId = await createGroup(app, net, { capacity: 8 });
    const s = await one(groupId, { capacity: 3, agenda: [{ kind: 'SHARING_ROUND', title: 'Share', prompt: 'Anything', minutes: 60 }] });
    expect(s.capacity).toBe(3);
    expect(s.agenda).toEqual([{ kind: 'SHARING_ROUND', title: 'Share', minutes: 60 }]);
    const unlimited = await one(await createGroup(app, net));
    expect(unlimited.capacity).toBeNull();
    expect(unlimited.agenda.map((a) => a.kind)).toEqual(['ICEBREAKER', 'CHECK_IN', 'SHARING_ROUND', 'GRATITUDE_ROUND', 'CHECK_OUT']);
  });

  test('a weekly 18:00 Europe/Berlin series stays at 18:00 local across the start of summer time', async () => {
    const groupId = await createGroup(app, net);
    // 2030-03-31 is the last Sunday of March: Berlin moves from UTC+1 to UTC+2.
    const series = await schedule(groupId, {
      title: 'Thursday circle',
      startsAt: '2030-03-14T17:00:00Z',
      durationMinutes: 90,
      timeZone: 'Europe/Berlin',
      repeat: { frequency: 'WEEKLY', count: 5 },
    });
    expect(series.map((s) => s.startsAt)).toEqual([
      '2030-03-14T17:00:00.000Z',
      '2030-03-21T17:00:00.000Z',
      '2030-03-28T17:00:00.000Z',
      '2030-04-04T16:00:00.000Z',
      '2030-04-11T16:00:00.000Z',
    ]);
    expect(series.map((s) => s.endsAt)).toEqual([
      '2030-03-14T18:30:00.000Z',
      '2030-03-21T18:30:00.000Z',
      '2030-03-28T18:30:00.000Z',
      '2030-04-04T17:30:00.000Z',
      '2030-04-11T17:30:00.000Z',
    ]);
    const rows: Array<{ series_id: string | null }> = await app.db.dataSource.query('SELECT DISTINCT series_id FROM sessions WHERE id = ANY($1)', [
      series.map((s) => dbId(s.id)),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].series_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a biweekly series keeps local time when summer time ends', async () => {
    const groupId = await createGroup(app, net);
    // 2030-10-27: Berlin goes back from UTC+2 to UTC+1.
    const series = await schedule(groupId, {
      title: 'Fortnightly',
      startsAt: '2030-10-17T16:00:00Z',
      durationMinutes: 60,
      timeZone: 'Europe/Berlin',
      repeat: { frequency: 'BIWEEKLY', count: 3 },
    });
    expect(series.map((s) => s.startsAt)).toEqual(['2030-10-17T16:00:00.000Z', '2030-10-31T17:00:00.000Z', '2030-11-14T17:00:00.000Z']);
  });

  test('a monthly series: same day and local time, the last day in shorter months, across DST', async () => {
    const groupId = await createGroup(app, net);
    const series = await schedule(groupId, {
      title: 'Monthly',
      startsAt: '2030-01-31T17:00:00Z',
      durationMinutes: 120,
      timeZone: 'Europe/Berlin',
      repeat: { frequency: 'MONTHLY', count: 4 },
    });
    expect(series.map((s) => s.startsAt)).toEqual([
      '2030-01-31T17:00:00.000Z',
      '2030-02-28T17:00:00.000Z',
      '2030-03-31T16:00:00.000Z',
      '2030-04-30T16:00:00.000Z',
    ]);
    expect(series.every((s) => new Date(s.endsAt).getTime() - new Date(s.startsAt).getTime() === 2 * HOUR)).toBe(true);
  });

  test('a New York series follows New York daylight saving, not Berlin', async () => {
    const groupId = await createGroup(app, net);
    // US summer time starts 2030-03-10; 19:00 EST = 00:00Z next day, 19:00 EDT = 23:00Z.
    const series = await schedule(groupId, {
      title: 'NY',
      startsAt: '2030-03-06T00:00:00Z',
      durationMinutes: 60,
      timeZone: 'America/New_York',
      repeat: { frequency: 'WEEKLY', count: 2 },
    });
    expect(series.map((s) => s.startsAt)).toEqual(['2030-03-06T00:00:00.000Z', '2030-03-12T23:00:00.000Z']);
  });

  test('52 sessions are allowed', async () => {
    const series = await schedule(await createGroup(app, net), {
      title: 'Year',
      startsAt: '2031-01-02T17:00:00Z',
      durationMinutes: 60,
      timeZone: 'UTC',
      repeat: { frequency: 'WEEKLY', count: 52 },
    });
    expect(series).toHaveLength(52);
    expect(series[51].startsAt).toBe('2031-12-25T17:00:00.000Z');
  });

  describe('validation', () => {
    let groupId: string;
    beforeAll(async () => {
      groupId = await createGroup(app, net);
    });
    const base = { title: 'X', startsAt: '2031-01-02T17:00:00Z', durationMinutes: 60, timeZone: 'Europe/Berlin' };
    test.each([
      ['count > 52', { repeat: { frequency: 'WEEKLY', count: 53 } }, ['input', 'repeat', 'count']],
      ['count 0', { repeat: { frequency: 'MONTHLY', count: 0 } }, ['input', 'repeat', 'count']],
      ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, ['input', 'timeZone']],
      ['durationMinutes 0', { durationMinutes: 0 }, ['input', 'durationMinutes']],
      ['durationMinutes 1441', { durationMinutes: 1441 }, ['input', 'durationMinutes']],
      ['capacity 0', { capacity: 0 }, ['input', 'capacity']],
      ['capacity 10001', { capacity: 10001 }, ['input', 'capacity']],
      ['a blank title', { title: '   ' }, ['input', 'title']],
      ['an onlineUrl that is not a URL', { onlineUrl: 'join us on zoom' }, ['input', 'onlineUrl']],
      ['an agenda item without title', { agenda: [{ kind: 'TOPIC', title: '' }] }, ['input', 'agenda', 0, 'title']],
    ])('%s: BAD_USER_INPUT with the fieldError path', async (_label, change, path) => {
      const res = await app.gql(SCHEDULE, { g: groupId, input: { ...base, ...change } }, net.adminKey);
      expectBadInput(res, path as Array<string | number>);
      const [{ count }] = await app.db.dataSource.query('SELECT count(*)::int AS count FROM sessions WHERE group_id = $1', [dbId(groupId)]);
      expect(count).toBe(0);
    });

    test('the bounds 1 and 1440 minutes are accepted', async () => {
      expect(await schedule(groupId, { ...base, durationMinutes: 1 })).toHaveLength(1);
      const [s] = await schedule(groupId, { ...base, durationMinutes: 1440 });
      expect(s.endsAt).toBe('2031-01-03T17:00:00.000Z');
    });

    test('an archived group takes no sessions: BAD_USER_INPUT', async () => {
      const archived = await createGroup(app, net);
      ok(await app.gql('mutation($id: ID!) { archiveGroup(id: $id) { archived } }', { id: archived }, net.adminKey));
      const res = await app.gql(SCHEDULE, { g: archived, input: base }, net.adminKey);
      expectBadInput(res, ['groupId']);
    });
  });

  describe('who may schedule', () => {
    let groupId: string;
    const input = { title: 'X', startsAt: '2031-02-02T17:00:00Z', durationMinutes: 60, timeZone: 'UTC' };
    beforeAll(async () => {
      groupId = await createGroup(app, net);
    });

    test('a plain member of the group, a facilitator of another group, and keys without WRITE: FORBIDDEN', async () => {
      const member = await net.member();
      await addMember(app, net, groupId, member.globalId);
      const otherFac = await net.member();
      await addMember(app, net, await createGroup(app, net), otherFac.globalId, 'FACILITATOR');
      for (const cred of [
        member.token,
        otherFac.token,
        await net.key(ApiKeyScope.READ),
        await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA, ApiKeyScope.ADMIN),
      ]) {
        expectCode(await app.gql(SCHEDULE, { g: groupId, input }, cred), 'FORBIDDEN');
      }
    });

    test('a PAUSED facilitator may not; coordinators, admins and WRITE keys may', async () => {
      const paused = await net.member();
      await addMember(app, net, groupId, paused.globalId, 'FACILITATOR');
      const membership = ok(
        await app.gql<{ group: { memberships: { nodes: Array<{ id: string; member: { id: string } }> } } }>(
          'query($g: ID!) { group: node(id: $g) { ... on Group { memberships(first: 100) { nodes { id member { id } } } } } }',
          { g: groupId },
          net.adminKey,
        ),
      ).group.memberships.nodes.find((m) => m.member.id === paused.globalId)!;
      ok(await app.gql('mutation($id: ID!) { updateMembership(id: $id, status: PAUSED) { status } }', { id: membership.id }, net.adminKey));
      expectCode(await app.gql(SCHEDULE, { g: groupId, input }, paused.token), 'FORBIDDEN');

      for (const cred of [(await net.member(NetworkRole.COORDINATOR)).token, (await net.member(NetworkRole.ADMIN)).token, await net.key(ApiKeyScope.WRITE)]) {
        expect(await schedule(groupId, input, cred)).toHaveLength(1);
      }
    });

    test('a PRIVATE group is NOT_FOUND for a member outside it', async () => {
      const privateGroup = await createGroup(app, net, { visibility: 'PRIVATE' });
      const outsider = await net.member();
      expectCode(await app.gql(SCHEDULE, { g: privateGroup, input }, outsider.token), 'NOT_FOUND');
    });
  });
});

describe('the session state machine', () => {
  let groupId: string;
  let fac: { token: string };
  beforeAll(async () => {
    groupId = await createGroup(app, net);
    const f = await net.member();
    await addMember(app, net, groupId, f.globalId, 'FACILITATOR');
    fac = f;
  });

  test('SCHEDULED → LIVE (early start allowed) → COMPLETED, recording the times', async () => {
    const s = await one(groupId, { startsAt: future(3 * DAY) }, fac.token);
    const before = Date.now();
    const live = ok(await app.gql<{ startSession: SessionData }>(START, { id: s.id }, fac.token)).startSession;
    expect(live.status).toBe('LIVE');
    expect(new Date(live.startedAt!).getTime()).toBeGreaterThanOrEqual(before - 5000);
    expect(new Date(live.startedAt!).getTime()).toBeLessThan(new Date(s.startsAt).getTime());
    const done = ok(await app.gql<{ endSession: SessionData }>(END, { id: s.id }, fac.token)).endSession;
    expect(done.status).toBe('COMPLETED');
    expect(done.startedAt).toBe(live.startedAt);
    expect(new Date(done.endedAt!).getTime()).toBeGreaterThanOrEqual(new Date(live.startedAt!).getTime());
    expect(done.cancelledAt).toBeNull();
  });

  test('SCHEDULED → CANCELLED with a reason', async () => {
    const s = await one(groupId, {}, fac.token);
    const c = ok(await app.gql<{ cancelSession: SessionData }>(CANCEL, { id: s.id, reason: ' Facilitator is ill ' }, fac.token)).cancelSession;
    expect(c).toMatchObject({ status: 'CANCELLED', cancelReason: 'Facilitator is ill', startedAt: null });
    expect(c.cancelledAt).not.toBeNull();
    const noReason = ok(await app.gql<{ cancelSession: SessionData }>(CANCEL, { id: (await one(groupId)).id }, fac.token)).cancelSession;
    expect(noReason).toMatchObject({ status: 'CANCELLED', cancelReason: null });
  });

  test('a reason over 1,000 characters: fieldError [reason]', async () => {
    const s = await one(groupId);
    expectBadInput(await app.gql(CANCEL, { id: s.id, reason: 'x'.repeat(1001) }, fac.token), ['reason']);
    expect(ok(await app.gql<{ cancelSession: SessionData }>(CANCEL, { id: s.id, reason: 'x'.repeat(1000) }, fac.token)).cancelSession.status).toBe('CANCELLED');
  });

  async function inState(state: 'SCHEDULED' | 'LIVE' | 'COMPLETED' | 'CANCELLED'): Promise<string> {
    const s = await one(groupId);
    if (state === 'LIVE' || state === 'COMPLETED') ok(await app.gql(START, { id: s.id }, fac.token));
    if (state === 'COMPLETED') ok(await app.gql(END, { id: s.id }, fac.token));
    if (state === 'CANCELLED') ok(await app.gql(CANCEL, { id: s.id }, fac.token));
    return s.id;
  }

  test.each([
    ['end', 'SCHEDULED', END],
    ['start', 'LIVE', START],
    ['start', 'COMPLETED', START],
    ['start', 'CANCELLED', START],
    ['end', 'COMPLETED', END],
    ['end', 'CANCELLED', END],
    ['cancel', 'LIVE', CANCEL],
    ['cancel', 'COMPLETED', CANCEL],
    ['cancel', 'CANCELLED', CANCEL],
  ] as const)('%s a %s session: CONFLICT naming the status, nothing changes', async (_action, state, mutation) => {
    const id = await inState(state);
    const res = await app.gql(mutation, { id }, fac.token);
    expectCode(res, 'CONFLICT', new RegExp(`\\b${state}\\b`));
    const after = ok(await app.gql<{ node: { status: string } }>('query($id: ID!) { node(id: $id) { ... on Session { status } } }', { id }, fac.token));
    expect(after.node.status).toBe(state);
  });

  test('concurrent starts: exactly one succeeds', async () => {
    const s = await one(groupId);
    const results = await Promise.all(Array.from({ length: 5 }, () => app.gql(START, { id: s.id }, fac.token)));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0].extensions.code === 'CONFLICT')).toHaveLength(4);
  });

  test('a plain member and keys without WRITE cannot start, end or cancel', async () => {
    const member = await net.member();
    await addMember(app, net, groupId, member.globalId);
    const readKey = await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
    const scheduled = await one(groupId);
    const live = await inState('LIVE');
    for (const cred of [member.token, readKey]) {
      expectCode(await app.gql(START, { id: scheduled.id }, cred), 'FORBIDDEN');
      expectCode(await app.gql(CANCEL, { id: scheduled.id, reason: 'no' }, cred), 'FORBIDDEN');
      expectCode(await app.gql(END, { id: live }, cred), 'FORBIDDEN');
      expectCode(await app.gql(UPDATE, { id: scheduled.id, input: { title: 'Mine' } }, cred), 'FORBIDDEN');
    }
    const writeKey = await net.key(ApiKeyScope.WRITE);
    expect(ok(await app.gql<{ startSession: SessionData }>(START, { id: scheduled.id }, writeKey)).startSession.status).toBe('LIVE');
    expect(ok(await app.gql<{ endSession: SessionData }>(END, { id: live }, (await net.member(NetworkRole.COORDINATOR)).token)).endSession.status).toBe(
      'COMPLETED',
    );
  });

  describe('updateSession', () => {
    test('changes the given fields only; empty strings remove location and link', async () => {
      const s = await one(groupId, { location: 'Room 1', onlineUrl: 'https://meet.example/x', startsAt: '2031-06-01T10:00:00Z' }, fac.token);
      const u = ok(
        await app.gql<{ updateSession: SessionData }>(
          UPDATE,
          {
            id: s.id,
            input: {
              title: 'Renamed',
              startsAt: '2031-06-01T09:00:00Z',
              timeZone: 'Europe/Lisbon',
              capacity: 4,
              location: '',
              agenda: [{ kind: 'TOPIC', title: 'Sleep', minutes: 30 }],
            },
          },
          fac.token,
        ),
      ).updateSession;
      expect(u).toMatchObject({
        title: 'Renamed',
        startsAt: '2031-06-01T09:00:00.000Z',
        endsAt: s.endsAt,
        timeZone: 'Europe/Lisbon',
        capacity: 4,
        location: null,
        onlineUrl: 'https://meet.example/x',
        agenda: [{ kind: 'TOPIC', title: 'Sleep', minutes: 30 }],
      });
      const u2 = ok(await app.gql<{ updateSession: SessionData }>(UPDATE, { id: s.id, input: { onlineUrl: '', capacity: 0 } }, fac.token)).updateSession;
      expect(u2).toMatchObject({ onlineUrl: null, capacity: null, title: 'Renamed' });
    });

    test('endsAt before or equal to startsAt, also against the stored value: fieldError [input, endsAt]', async () => {
      const s = await one(groupId, { startsAt: '2031-07-01T10:00:00Z', durationMinutes: 60 });
      expectBadInput(await app.gql(UPDATE, { id: s.id, input: { startsAt: '2031-07-01T12:00:00Z', endsAt: '2031-07-01T11:00:00Z' } }, fac.token), [
        'input',
        'endsAt',
      ]);
      expectBadInput(await app.gql(UPDATE, { id: s.id, input: { endsAt: '2031-07-01T10:00:00Z' } }, fac.token), ['input', 'endsAt']);
      expectBadInput(await app.gql(UPDATE, { id: s.id, input: { startsAt: '2031-07-01T11:30:00Z' } }, fac.token), ['input', 'endsAt']);
      const moved = ok(
        await app.gql<{ updateSession: SessionData }>(
          UPDATE,
          { id: s.id, input: { startsAt: '2031-07-01T12:00:00Z', endsAt: '2031-07-01T13:00:00Z' } },
          fac.token,
        ),
      );
      expect(moved.updateSession).toMatchObject({ startsAt: '2031-07-01T12:00:00.000Z', endsAt: '2031-07-01T13:00:00.000Z' });
    });

    test('input validation: time zone, capacity, URL', async () => {
      const s = await one(groupId);
      expectBadInput(await app.gql(UPDATE, { id: s.id, input: { timeZone: 'Europe/Atlantis' } }, fac.token), ['input', 'timeZone']);
      expectBadInput(await app.gql(UPDATE, { id: s.id, input: { capacity: -1 } }, fac.token), ['input', 'capacity']);
      expectBadInput(await app.gql(UPDATE, { id: s.id, input: { onlineUrl: 'ftp://x' } }, fac.token), ['input', 'onlineUrl']);
    });

    test('a LIVE session can be edited; COMPLETED and CANCELLED ones cannot (CONFLICT)', async () => {
      const live = await inState('LIVE');
      expect(ok(await app.gql<{ updateSession: SessionData }>(UPDATE, { id: live, input: { title: 'Still going' } }, fac.token)).updateSession.title).toBe(
        'Still going',
      );
      for (const state of ['COMPLETED', 'CANCELLED'] as const) {
        expectCode(await app.gql(UPDATE, { id: await inState(state), input: { title: 'Too late' } }, fac.token), 'CONFLICT', new RegExp(state));
      }
    });
  });
});

describe('another network', () => {
  test("another network's group and session IDs are NOT_FOUND for every mutation and null for node", async () => {
    const groupId = await createGroup(app, net);
    const s = await one(groupId);
    const input = { title: 'X', startsAt: '2031-02-02T17:00:00Z', durationMinutes: 60, timeZone: 'UTC' };
    const otherAdmin = await other.member(NetworkRole.ADMIN);
    for (const cred of [other.adminKey, otherAdmin.token]) {
      expectCode(await app.gql(SCHEDULE, { g: groupId, input }, cred), 'NOT_FOUND');
      expectCode(await app.gql(UPDATE, { id: s.id, input: { title: 'Hijacked' } }, cred), 'NOT_FOUND');
      expectCode(await app.gql(START, { id: s.id }, cred), 'NOT_FOUND');
      expectCode(await app.gql(END, { id: s.id }, cred), 'NOT_FOUND');
      expectCode(await app.gql(CANCEL, { id: s.id }, cred), 'NOT_FOUND');
      const node = ok(
        await app.gql<{ node: unknown; nodes: unknown[] }>('query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }', { id: s.id }, cred),
      );
      expect(node).toEqual({ node: null, nodes: [null] });
    }
    // Unchanged, and visible at home.
    const home = ok(
      await app.gql<{ node: { title: string; status: string } }>(
        'query($id: ID!) { node(id: $id) { ... on Session { title status } } }',
        { id: s.id },
        net.adminKey,
      ),
    );
    expect(home.node).toEqual({ title: 'Weekly circle', status: 'SCHEDULED' });
  });

  test('a session ID passed as a group ID is NOT_FOUND; a malformed ID is BAD_USER_INPUT', async () => {
    const s = await one(await createGroup(app, net));
    expectCode(
      await app.gql(SCHEDULE, { g: s.id, input: { title: 'X', startsAt: future(DAY), durationMinutes: 60, timeZone: 'UTC' } }, net.adminKey),
      'NOT_FOUND',
    );
    expectBadInput(await app.gql(START, { id: 'nope' }, net.adminKey), ['id']);
  });

  test('a session of a PRIVATE group: node is null and mutations NOT_FOUND for an outsider, visible to its members', async () => {
    const groupId = await createGroup(app, net, { visibility: 'PRIVATE' });
    const s = await one(groupId);
    const outsider = await net.member();
    const insider = await net.member();
    await addMember(app, net, groupId, insider.globalId);
    expect(ok(await app.gql<{ node: unknown }>('query($id: ID!) { node(id: $id) { id } }', { id: s.id }, outsider.token)).node).toBeNull();
    expectCode(await app.gql(START, { id: s.id }, outsider.token), 'NOT_FOUND');
    expect(ok(await app.gql<{ node: { id: string } }>('query($id: ID!) { node(id: $id) { id } }', { id: s.id }, insider.token)).node).toEqual({ id: s.id });
  });
});

describe('reading sessions', () => {
  const GROUP_SESSIONS = `query($g: ID!, $first: Int, $after: String, $last: Int, $before: String, $from: DateTime, $to: DateTime, $status: SessionStatus) {
    node(id: $g) { ... on Group {
      sessions(first: $first, after: $after, last: $last, before: $before, from: $from, to: $to, status: $status) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } nodes { title startsAt status }
      }
    } } }`;
  type Page = {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string; startCursor: string };
    nodes: Array<{ title: string; startsAt: string; status: string }>;
  };
  const sessionsOf = async (vars: Record<string, unknown>, cred = net.adminKey) =>
    ok(await app.gql<{ node: { sessions: Page } }>(GROUP_SESSIONS, vars, cred)).node.sessions;

  test('Group.sessions: by start time, paged both ways, filtered by from / to / status', async () => {
    const groupId = await createGroup(app, net);
    const series = await schedule(groupId, {
      title: 'S',
      startsAt: '2031-03-03T18:00:00Z',
      durationMinutes: 60,
      timeZone: 'UTC',
      repeat: { frequency: 'WEEKLY', count: 5 },
    });
    ok(await app.gql(CANCEL, { id: series[2].id }, net.adminKey));
    await one(groupId, { title: 'Early', startsAt: '2031-03-01T08:00:00Z' });

    const all = await sessionsOf({ g: groupId, first: 10 });
    expect(all.totalCount).toBe(6);
    expect(all.nodes.map((n) => n.startsAt)).toEqual([
      '2031-03-01T08:00:00.000Z',
      '2031-03-03T18:00:00.000Z',
      '2031-03-10T18:00:00.000Z',
      '2031-03-17T18:00:00.000Z',
      '2031-03-24T18:00:00.000Z',
      '2031-03-31T18:00:00.000Z',
    ]);

    const p1 = await sessionsOf({ g: groupId, first: 2 });
    expect(p1.nodes.map((n) => n.title)).toEqual(['Early', 'S']);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = await sessionsOf({ g: groupId, first: 2, after: p1.pageInfo.endCursor });
    expect(p2.nodes.map((n) => n.startsAt)).toEqual(['2031-03-10T18:00:00.000Z', '2031-03-17T18:00:00.000Z']);
    const back = await sessionsOf({ g: groupId, last: 2, before: p2.pageInfo.startCursor });
    expect(back.nodes.map((n) => n.title)).toEqual(['Early', 'S']);

    const window = await sessionsOf({ g: groupId, first: 10, from: '2031-03-10T18:00:00Z', to: '2031-03-24T18:00:00Z' });
    expect(window.nodes.map((n) => n.startsAt)).toEqual(['2031-03-10T18:00:00.000Z', '2031-03-17T18:00:00.000Z']);
    expect(window.totalCount).toBe(2);
    const cancelled = await sessionsOf({ g: groupId, status: 'CANCELLED' });
    expect(cancelled.nodes).toEqual([{ title: 'S', startsAt: '2031-03-17T18:00:00.000Z', status: 'CANCELLED' }]);
    expect(cancelled.totalCount).toBe(1);
  });

  test('Group.nextSession: the next SCHEDULED or LIVE session not yet over, for many groups at once', async () => {
    const n = await createTestNetwork(app, 'Next sessions');
    const g1 = await createGroup(app, n);
    const g2 = await createGroup(app, n);
    const g3 = await createGroup(app, n);
    const oneIn = async (g: string, title: string, startsAt: string, durationMinutes = 60) =>
      (await schedule(g, { title, startsAt, durationMinutes, timeZone: 'UTC' }, n.adminKey))[0];
    // g1: a past session, a cancelled sooner one, a live one still running, then a later one.
    await oneIn(g1, 'past', new Date(Date.now() - 3 * DAY).toISOString());
    const cancelled = await oneIn(g1, 'cancelled', future(HOUR));
    ok(await app.gql(CANCEL, { id: cancelled.id }, n.adminKey));
    const running = await oneIn(g1, 'running', new Date(Date.now() - HOUR).toISOString(), 180);
    ok(await app.gql(START, { id: running.id }, n.adminKey));
    await oneIn(g1, 'later', future(DAY));
    // g2: an overdue SCHEDULED session that has ended is skipped; next is tomorrow.
    await oneIn(g2, 'overdue', new Date(Date.now() - 3 * HOUR).toISOString(), 60);
    await oneIn(g2, 'tomorrow', future(DAY));
    await oneIn(g2, 'next week', future(7 * DAY));
    // g3: nothing ahead.
    const done = await oneIn(g3, 'done', future(HOUR));
    ok(await app.gql(START, { id: done.id }, n.adminKey));
    ok(await app.gql(END, { id: done.id }, n.adminKey));

    const res = ok(
      await app.gql<{ groups: { nodes: Array<{ id: string; nextSession: { title: string; status: string } | null }> } }>(
        '{ groups(first: 10) { nodes { id nextSession { title status } } } }',
        {},
        n.adminKey,
      ),
    );
    const byId = new Map(res.groups.nodes.map((g) => [g.id, g.nextSession]));
    expect(byId.get(g1)).toEqual({ title: 'running', status: 'LIVE' });
    expect(byId.get(g2)).toEqual({ title: 'tomorrow', status: 'SCHEDULED' });
    expect(byId.get(g3)).toBeNull();
  });

  test('upcomingSessions: a member sees their ACTIVE groups, soonest first; a READ key sees the network; others are FORBIDDEN', async () => {
    const n = await createTestNetwork(app, 'Upcoming');
    const mine = await createGroup(app, n);
    const alsoMine = await createGroup(app, n);
    const leftGroup = await createGroup(app, n);
    const notMine = await createGroup(app, n);
    const me = await n.member();
    await addMember(app, n, mine, me.globalId);
    await addMember(app, n, alsoMine, me.globalId);
    ok(await app.gql('mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }', { g: leftGroup }, me.token));
    ok(await app.gql('mutation($g: ID!) { leaveGroup(groupId: $g) { status } }', { g: leftGroup }, me.token));
    const at = async (g: string, title: string, ms: number) =>
      (await schedule(g, { title, startsAt: new Date(Date.now() + ms).toISOString(), durationMinutes: 60, timeZone: 'UTC' }, n.adminKey))[0];
    await at(mine, 'A in 3 days', 3 * DAY);
    await at(alsoMine, 'B in 1 day', DAY);
    await at(mine, 'A in 2 days', 2 * DAY);
    await at(mine, 'A past', -3 * DAY);
    const cancelled = await at(alsoMine, 'B cancelled', 12 * HOUR);
    ok(await app.gql(CANCEL, { id: cancelled.id }, n.adminKey));
    const live = await at(mine, 'A live now', -30 * 60_000);
    ok(await app.gql(START, { id: live.id }, n.adminKey));
    await at(leftGroup, 'left group', DAY);
    await at(notMine, 'not mine', DAY);

    const Q = `query($first: Int, $after: String) { upcomingSessions(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { title group { id } } } }`;
    type R = { upcomingSessions: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Array<{ title: string }> } };
    const page1 = ok(await app.gql<R>(Q, { first: 2 }, me.token)).upcomingSessions;
    expect(page1.totalCount).toBe(4);
    expect(page1.nodes.map((s) => s.title)).toEqual(['A live now', 'B in 1 day']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await app.gql<R>(Q, { first: 2, after: page1.pageInfo.endCursor }, me.token)).upcomingSessions;
    expect(page2.nodes.map((s) => s.title)).toEqual(['A in 2 days', 'A in 3 days']);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    const keyView = ok(await app.gql<R>(Q, { first: 20 }, await n.key(ApiKeyScope.READ))).upcomingSessions;
    // Scheduled one after the other, so the three "in 1 day" sessions start in this order.
    expect(keyView.nodes.map((s) => s.title)).toEqual(['A live now', 'B in 1 day', 'left group', 'not mine', 'A in 2 days', 'A in 3 days']);
    expect(keyView.totalCount).toBe(6);

    const stranger = await n.member();
    expect(ok(await app.gql<R>(Q, {}, stranger.token)).upcomingSessions).toMatchObject({ totalCount: 0, nodes: [] });
    expectCode(await app.gql(Q, {}, await n.key(ApiKeyScope.WRITE)), 'FORBIDDEN');
    // The other network's sessions never show.
    expect(ok(await app.gql<R>(Q, { first: 100 }, other.adminKey)).upcomingSessions.nodes.map((s) => s.title)).not.toContain('not mine');
  });
});
