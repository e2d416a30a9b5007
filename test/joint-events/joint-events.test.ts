import { randomUUID } from 'node:crypto';
import { withTenant } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { code, createGroup, type Cred, dbId, inDays, joinGroup, ok } from '../helpers/gql';

/**
 * One story: A hosts, B partners (JOINT_EVENTS), C is unrelated. Create, invite, accept with groups,
 * register from both networks, counts versus identities as each side sees them, capacity across networks,
 * cancellation, and revocation mid-way (B withdrawn, its registrations cancelled, past events unchanged).
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let c: TestNetwork;
let aAdmin: Cred;
let bAdmin: Cred;
let aGroup: string;
let aGroup2: string;
let bGroup: string;
let cGroup: string;
let partnershipId: string;
let eventId: string;
const aMembers: Cred[] = [];
const bMembers: Cred[] = [];

const CREATE = `mutation($input: CreateJointEventInput!) { createJointEvent(input: $input) {
  id title description startsAt endsAt format location onlineUrl capacity status host { id }
  participants { network { id } status respondedAt groups { id name } } } }`;
const INVITE = `mutation($e: ID!, $n: ID!) { inviteToJointEvent(jointEventId: $e, networkId: $n) { network { id } status respondedAt groups { id } } }`;
const RESPOND = `mutation($e: ID!, $accept: Boolean!, $g: [ID!]) { respondToJointEventInvitation(jointEventId: $e, accept: $accept, groupIds: $g) {
  network { id } status respondedAt groups { id name } } }`;
const REGISTER = `mutation($e: ID!, $share: Boolean) { registerForJointEvent(jointEventId: $e, shareIdentity: $share) {
  id displayName registeredAt member { id } network { id } jointEvent { id } } }`;
const CANCEL = `mutation($id: ID!) { cancelJointEvent(id: $id) { id status } }`;
const VIEW = `query($id: ID!) { node(id: $id) { ... on JointEvent { id title status
  participants { network { id } status groups { id name } }
  registrationCounts { network { id } count }
  registrations(first: 100) { totalCount nodes { displayName member { id email } network { id } } }
  viewerRegistration { id } } } }`;
const LIST = `query($from: DateTime, $to: DateTime) { jointEvents(first: 50, from: $from, to: $to) { totalCount nodes { id title } } }`;
const AUDIT = `{ auditLog(first: 100) { nodes { action targetType targetId details } } }`;

const eventInput = (over: Record<string, unknown> = {}) => ({
  title: 'Grief circle together',
  description: 'A shared session',
  startsAt: inDays(10),
  endsAt: new Date(Date.parse(inDays(10)) + 7_200_000).toISOString(),
  format: 'ONLINE',
  onlineUrl: 'https://meet.example/grief',
  capacity: 4,
  hostGroupIds: [aGroup],
  ...over,
});
type View = {
  node: {
    participants: Array<{ network: { id: string }; status: string; groups: Array<{ id: string; name: string }> }>;
    registrationCounts: Array<{ network: { id: string }; count: number }>;
    registrations: {
      totalCount: number;
      nodes: Array<{ displayName: string | null; member: { id: string; email: string | null } | null; network: { id: string } }>;
    };
    viewerRegistration: { id: string } | null;
    status: string;
  } | null;
};
const view = async (id: string, cred: string) => ok(await app.gql<View>(VIEW, { id }, cred)).node;
const counts = (v: View['node']) => Object.fromEntries(v!.registrationCounts.map((c) => [c.network.id, c.count]));

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  c = await createTestNetwork(app, 'Network C');
  aAdmin = await a.member(NetworkRole.ADMIN);
  bAdmin = await b.member(NetworkRole.ADMIN);
  aGroup = await createGroup(app, a, { name: 'Alpha grief' });
  aGroup2 = await createGroup(app, a, { name: 'Alpha two' });
  bGroup = await createGroup(app, b, { name: 'Beta grief' });
  cGroup = await createGroup(app, c, { name: 'Gamma grief' });
  for (let i = 0; i < 3; i += 1) {
    aMembers.push(await a.member(NetworkRole.MEMBER, { displayName: `Ann ${i}` }));
    bMembers.push(await b.member(NetworkRole.MEMBER, { displayName: `Bo ${i}` }));
    await joinGroup(app, aGroup, aMembers[i]);
    await joinGroup(app, bGroup, bMembers[i]);
  }
});
afterAll(() => app.stop());

describe('a joint event across A (host), B (partner) and C (unrelated)', () => {
  test('create: a malformed ID in hostGroupIds is BAD_USER_INPUT at its path, as a list position', async () => {
    const malformed = await app.gql(CREATE, { input: eventInput({ hostGroupIds: [aGroup, 'not-an-id'] }) }, aAdmin.token);
    expect(code(malformed)).toBe('BAD_USER_INPUT');
    expect(malformed.errors![0].extensions.fieldErrors).toEqual([{ path: ['input', 'hostGroupIds', 1], message: 'is not a valid ID' }]);
    expect(ok(await app.gql<any>(LIST, {}, aAdmin.token)).jointEvents.totalCount).toBe(0);
  });

  test('create: validation, own groups only, permissions, the host as ACCEPTED participant, audit', async () => {
    const bad = await app.gql(CREATE, { input: eventInput({ endsAt: inDays(9), title: '', capacity: 0 }) }, aAdmin.token);
    expect(code(bad)).toBe('BAD_USER_INPUT');
    const paths = bad.errors![0].extensions.fieldErrors!.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['input', 'title'],
        ['input', 'capacity'],
      ]),
    );
    const order = await app.gql(CREATE, { input: eventInput({ endsAt: inDays(9) }) }, aAdmin.token);
    expect(order.errors![0].extensions.fieldErrors).toEqual([{ path: ['input', 'endsAt'], message: 'must be after startsAt' }]);
    // A joint event is planned ahead: a start in the past (or now) is refused, with the end checked too.
    const past = await app.gql(CREATE, { input: eventInput({ startsAt: inDays(-1), endsAt: inDays(-0.9) }) }, aAdmin.token);
    expect({ code: code(past), fieldErrors: past.errors![0].extensions.fieldErrors }).toEqual({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ path: ['input', 'startsAt'], message: 'must be in the future' }],
    });
    const pastAndBackwards = await app.gql(CREATE, { input: eventInput({ startsAt: inDays(-1), endsAt: inDays(-2) }) }, aAdmin.token);
    expect(pastAndBackwards.errors![0].extensions.fieldErrors).toEqual([
      { path: ['input', 'startsAt'], message: 'must be in the future' },
      { path: ['input', 'endsAt'], message: 'must be after startsAt' },
    ]);
    expect(ok(await app.gql<any>(LIST, {}, aAdmin.token)).jointEvents.totalCount).toBe(0);
    const foreign = await app.gql(CREATE, { input: eventInput({ hostGroupIds: [aGroup, bGroup] }) }, aAdmin.token);
    expect(code(foreign)).toBe('BAD_USER_INPUT');
    expect(foreign.errors![0].extensions.fieldErrors).toEqual([{ path: ['input', 'hostGroupIds', 1], message: 'is not a group of your network' }]);
    expect(code(await app.gql(CREATE, { input: eventInput() }, (await a.member(NetworkRole.COORDINATOR)).token))).toBe('FORBIDDEN');
    expect(code(await app.gql(CREATE, { input: eventInput() }, await a.key(ApiKeyScope.WRITE)))).toBe('FORBIDDEN');

    const created = ok(await app.gql<{ createJointEvent: Record<string, any> }>(CREATE, { input: eventInput() }, aAdmin.token)).createJointEvent;
    eventId = created.id;
    expect(created).toMatchObject({
      title: 'Grief circle together',
      format: 'ONLINE',
      capacity: 4,
      status: 'SCHEDULED',
      host: { id: a.globalId },
      participants: [{ network: { id: a.globalId }, status: 'ACCEPTED', groups: [{ id: toGlobalId('SharedGroup', dbId(aGroup)), name: 'Alpha grief' }] }],
    });
    expect(created.participants[0].respondedAt).not.toBeNull();
    const log = ok(await app.gql<{ auditLog: { nodes: any[] } }>(AUDIT, {}, aAdmin.token)).auditLog.nodes;
    expect(log[0]).toMatchObject({ action: 'joint_event.created', targetType: 'JointEvent', details: { title: 'Grief circle together' } });
  });

  test('invite: NOT_FOUND before any partnership, FORBIDDEN without JOINT_EVENTS, then invited; twice is CONFLICT', async () => {
    const res = await app.gql(INVITE, { e: eventId, n: b.globalId }, aAdmin.token);
    expect(code(res)).toBe('NOT_FOUND');
    // A partnership sharing only the directory.
    const dirOnly = ok(
      await app.gql<{ requestPartnership: { id: string } }>(
        `mutation($s: String!) { requestPartnership(partnerSlug: $s, scopes: [GROUP_DIRECTORY]) { id } }`,
        { s: b.slug },
        aAdmin.token,
      ),
    ).requestPartnership.id;
    ok(await app.gql(`mutation($id: ID!) { respondToPartnership(id: $id, accept: true) { id } }`, { id: dirOnly }, bAdmin.token));
    const forbidden = await app.gql(INVITE, { e: eventId, n: b.globalId }, aAdmin.token);
    expect(code(forbidden)).toBe('FORBIDDEN');
    expect(forbidden.errors![0].message).toMatch(/JOINT_EVENTS/);
    ok(await app.gql(`mutation($id: ID!) { revokePartnership(id: $id) { id } }`, { id: dirOnly }, aAdmin.token));
    partnershipId = ok(
      await app.gql<{ requestPartnership: { id: string } }>(
        `mutation($s: String!) { requestPartnership(partnerSlug: $s, scopes: [GROUP_DIRECTORY, JOINT_EVENTS]) { id } }`,
        { s: b.slug },
        aAdmin.token,
      ),
    ).requestPartnership.id;
    // Pending is not enough.
    expect(code(await app.gql(INVITE, { e: eventId, n: b.globalId }, aAdmin.token))).toBe('FORBIDDEN');
    ok(await app.gql(`mutation($id: ID!) { respondToPartnership(id: $id, accept: true) { id } }`, { id: partnershipId }, bAdmin.token));

    expect(code(await app.gql(INVITE, { e: eventId, n: c.globalId }, aAdmin.token))).toBe('NOT_FOUND');
    expect(code(await app.gql(INVITE, { e: eventId, n: b.globalId }, await a.key(ApiKeyScope.WRITE)))).toBe('FORBIDDEN');
    const invited = ok(await app.gql<{ inviteToJointEvent: any }>(INVITE, { e: eventId, n: b.globalId }, a.adminKey)).inviteToJointEvent;
    expect(invited).toEqual({ network: { id: b.globalId }, status: 'INVITED', respondedAt: null, groups: [] });
    expect(code(await app.gql(INVITE, { e: eventId, n: b.globalId }, aAdmin.token))).toBe('CONFLICT');
    // B's admin is a party but not the host.
    expect(code(await app.gql(INVITE, { e: eventId, n: a.globalId }, bAdmin.token))).toBe('FORBIDDEN');

    const bLog = ok(await app.gql<{ auditLog: { nodes: any[] } }>(AUDIT, {}, bAdmin.token)).auditLog.nodes;
    expect(bLog[0]).toMatchObject({ action: 'joint_event.invited', details: { jointEventId: eventId, partnerSlug: a.slug } });
    const aLog = ok(await app.gql<{ auditLog: { nodes: any[] } }>(AUDIT, {}, aAdmin.token)).auditLog.nodes;
    expect(aLog[0]).toMatchObject({ action: 'joint_event.invited', targetType: 'JointEvent', details: { partnerSlug: b.slug } });
  });

  test('B sees the event; B accepts with its own groups only; registering needs an accepted participant', async () => {
    expect(ok(await app.gql<any>(LIST, {}, bMembers[0].token)).jointEvents.nodes).toEqual([{ id: eventId, title: 'Grief circle together' }]);
    // Before accepting, B's members may not register.
    expect(code(await app.gql(REGISTER, { e: eventId }, bMembers[0].token))).toBe('FORBIDDEN');
    const foreign = await app.gql(RESPOND, { e: eventId, accept: true, g: [bGroup, aGroup2] }, bAdmin.token);
    expect(code(foreign)).toBe('BAD_USER_INPUT');
    expect(foreign.errors![0].extensions.fieldErrors).toEqual([{ path: ['groupIds', 1], message: 'is not a group of your network' }]);
    expect(code(await app.gql(RESPOND, { e: eventId, accept: true, g: [bGroup] }, bMembers[0].token))).toBe('FORBIDDEN');
    // The host is not INVITED.
    expect(code(await app.gql(RESPOND, { e: eventId, accept: true, g: [aGroup] }, aAdmin.token))).toBe('CONFLICT');
    const accepted = ok(await app.gql<any>(RESPOND, { e: eventId, accept: true, g: [bGroup] }, bAdmin.token)).respondToJointEventInvitation;
    expect(accepted).toMatchObject({
      network: { id: b.globalId },
      status: 'ACCEPTED',
      groups: [{ id: toGlobalId('SharedGroup', dbId(bGroup)), name: 'Beta grief' }],
    });
    expect(code(await app.gql(RESPOND, { e: eventId, accept: false }, bAdmin.token))).toBe('CONFLICT');
    const aLog = ok(await app.gql<{ auditLog: { nodes: any[] } }>(AUDIT, {}, aAdmin.token)).auditLog.nodes;
    expect(aLog[0]).toMatchObject({ action: 'joint_event.accepted', details: { partnerSlug: b.slug } });
  });

  test('registrations from both networks: counts for everyone, identities only where consented', async () => {
    const r1 = ok(await app.gql<any>(REGISTER, { e: eventId }, aMembers[0].token)).registerForJointEvent;
    expect(r1).toMatchObject({ displayName: 'Ann 0', member: { id: aMembers[0].globalId }, network: { id: a.globalId }, jointEvent: { id: eventId } });
    expect(code(await app.gql(REGISTER, { e: eventId }, aMembers[0].token))).toBe('CONFLICT');
    ok(await app.gql(REGISTER, { e: eventId, share: true }, bMembers[0].token));
    ok(await app.gql(REGISTER, { e: eventId, share: false }, bMembers[1].token));
    // Not a member of a participating group; API keys; C.
    expect(code(await app.gql(REGISTER, { e: eventId }, (await b.member()).token))).toBe('FORBIDDEN');
    expect(code(await app.gql(REGISTER, { e: eventId }, b.adminKey))).toBe('FORBIDDEN');

    const fromA = await view(eventId, aAdmin.token);
    expect(counts(fromA)).toEqual({ [a.globalId]: 1, [b.globalId]: 2 });
    expect(fromA!.registrations.totalCount).toBe(2);
    expect(fromA!.registrations.nodes).toEqual(
      expect.arrayContaining([
        { displayName: 'Ann 0', member: { id: aMembers[0].globalId, email: expect.any(String) }, network: { id: a.globalId } },
        { displayName: 'Bo 0', member: null, network: { id: b.globalId } },
      ]),
    );
    expect(JSON.stringify(fromA)).not.toContain('Bo 1');
    expect(JSON.stringify(fromA)).not.toContain(b.slug);

    const fromB = await view(eventId, bAdmin.token);
    expect(counts(fromB)).toEqual({ [a.globalId]: 1, [b.globalId]: 2 });
    expect(fromB!.registrations.nodes.map((r) => [r.displayName, r.member?.id ?? null])).toEqual(
      expect.arrayContaining([
        ['Bo 0', bMembers[0].globalId],
        ['Bo 1', bMembers[1].globalId],
      ]),
    );
    expect(fromB!.registrations.totalCount).toBe(2); // Ann did not consent.

    // A plain member sees only their own registration; an API key with READ only counts.
    const own = await view(eventId, bMembers[1].token);
    expect(own!.registrations.nodes).toEqual([
      { displayName: 'Bo 1', member: { id: bMembers[1].globalId, email: expect.any(String) }, network: { id: b.globalId } },
    ]);
    expect(own!.viewerRegistration).not.toBeNull();
    const readKey = await view(eventId, await a.key(ApiKeyScope.READ));
    expect(readKey!.registrations.nodes).toEqual([]);
    expect(counts(readKey)).toEqual({ [a.globalId]: 1, [b.globalId]: 2 });
    const personal = await view(eventId, await a.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA));
    expect(personal!.registrations.totalCount).toBe(2);

    // Listed with other events (one statement for all of them), each event shows the same registrations.
    for (const cred of [aAdmin.token, bAdmin.token, bMembers[1].token]) {
      const listed = ok(
        await app.gql<{ jointEvents: { nodes: Array<{ id: string; registrations: { totalCount: number; nodes: Array<{ displayName: string | null }> } }> } }>(
          `{ jointEvents(first: 10) { nodes { id registrations(first: 20) { totalCount nodes { displayName } } } } }`,
          {},
          cred,
        ),
      ).jointEvents.nodes.find((e) => e.id === eventId)!;
      const single = (await view(eventId, cred))!.registrations;
      expect(listed.registrations.totalCount).toBe(single.totalCount);
      expect(listed.registrations.nodes.map((r) => r.displayName).sort()).toEqual(single.nodes.map((r) => r.displayName).sort());
    }
  });

  test('capacity counts every network: the last place, then CONFLICT from either side', async () => {
    ok(await app.gql(REGISTER, { e: eventId }, aMembers[1].token)); // 4 of 4
    expect(code(await app.gql(REGISTER, { e: eventId }, aMembers[2].token))).toBe('CONFLICT');
    expect(code(await app.gql(REGISTER, { e: eventId }, bMembers[2].token))).toBe('CONFLICT');
  });

  test('declining: the event disappears for the decliner (NOT_FOUND, null, not listed); the host sees DECLINED', async () => {
    // B hosts this one and invites A; A declines.
    const start = inDays(12);
    const declined = ok(
      await app.gql<{ createJointEvent: { id: string } }>(
        CREATE,
        {
          input: eventInput({ title: 'Beta evening', startsAt: start, endsAt: new Date(Date.parse(start) + 3_600_000).toISOString(), hostGroupIds: [bGroup] }),
        },
        bAdmin.token,
      ),
    ).createJointEvent.id;
    ok(await app.gql(INVITE, { e: declined, n: a.globalId }, bAdmin.token));
    expect((await view(declined, aAdmin.token))!.participants.map((p) => p.status)).toEqual(['ACCEPTED', 'INVITED']);
    expect(ok(await app.gql<any>(RESPOND, { e: declined, accept: false }, a.adminKey)).respondToJointEventInvitation).toMatchObject({
      network: { id: a.globalId },
      status: 'DECLINED',
      groups: [],
    });
    const unknown = toGlobalId('JointEvent', randomUUID());
    for (const cred of [aAdmin.token, a.adminKey, aMembers[0].token]) {
      expect(await view(declined, cred)).toBeNull();
      expect(ok(await app.gql<any>(LIST, {}, cred)).jointEvents.nodes.map((n: any) => n.id)).toEqual([eventId]);
    }
    for (const [query, vars, cred] of [
      [RESPOND, { accept: true, g: [aGroup] }, aAdmin.token],
      [RESPOND, { accept: false }, aAdmin.token],
      [REGISTER, {}, aMembers[0].token],
      [CANCEL, {}, aAdmin.token],
    ] as const) {
      const key = query === CANCEL ? 'id' : 'e';
      const res = await app.gql(query, { ...vars, [key]: declined }, cred);
      const other = await app.gql(query, { ...vars, [key]: unknown }, cred);
      expect([code(res), res.errors![0].message]).toEqual(['NOT_FOUND', other.errors![0].message]);
    }
    // The host: A DECLINED, counts for its own network only.
    const fromB = await view(declined, bAdmin.token);
    expect(fromB!.participants.map((p) => [p.network.id, p.status])).toEqual([
      [b.globalId, 'ACCEPTED'],
      [a.globalId, 'DECLINED'],
    ]);
    expect(counts(fromB)).toEqual({ [b.globalId]: 0 });
    ok(await app.gql(CANCEL, { id: declined }, bAdmin.token));
  });

  test('revocation mid-way: B withdrawn, its registrations cancelled, past events keep their counts', async () => {
    // A past event with registrations from both networks, written directly.
    const ds = app.db.dataSource;
    const id = randomUUID();
    const pastId = await withTenant(ds, a.id, async (m) => {
      await m.query(
        `INSERT INTO joint_events (id, host_network_id, title, starts_at, ends_at, format, status)
         VALUES ($2, $1, 'Past circle', now() - interval '3 days', now() - interval '3 days' + interval '1 hour', 'ONLINE', 'COMPLETED')`,
        [a.id, id],
      );
      await m.query(
        `INSERT INTO joint_event_participants (joint_event_id, network_id, status, responded_at) VALUES ($1, $2, 'ACCEPTED', now()), ($1, $3, 'ACCEPTED', now())`,
        [id, a.id, b.id],
      );
      await m.query(`INSERT INTO joint_event_registrations (joint_event_id, network_id, member_id) VALUES ($1, $2, $3)`, [id, a.id, aMembers[0].id]);
      return id as string;
    });
    await withTenant(ds, b.id, (m) =>
      m.query(`INSERT INTO joint_event_registrations (joint_event_id, network_id, member_id, share_identity) SELECT $1, $2, unnest($3::uuid[]), true`, [
        pastId,
        b.id,
        [bMembers[0].id, bMembers[1].id],
      ]),
    );
    const past = toGlobalId('JointEvent', pastId);
    expect(counts(await view(past, aAdmin.token))).toEqual({ [a.globalId]: 1, [b.globalId]: 2 });

    ok(await app.gql(`mutation($id: ID!) { revokePartnership(id: $id) { id status } }`, { id: partnershipId }, bAdmin.token));

    // The host sees B WITHDRAWN, with its (cancelled) count.
    const v = await view(eventId, aAdmin.token);
    expect(v!.participants.map((p) => [p.network.id, p.status])).toEqual([
      [a.globalId, 'ACCEPTED'],
      [b.globalId, 'WITHDRAWN'],
    ]);
    expect(counts(v)).toEqual({ [a.globalId]: 2, [b.globalId]: 0 });
    expect(v!.registrations.nodes.map((r) => r.displayName).sort()).toEqual(['Ann 0', 'Ann 1']);
    // For B the event is gone: null, not listed, NOT_FOUND for registering or answering.
    for (const cred of [bAdmin.token, b.adminKey, bMembers[0].token]) {
      expect(await view(eventId, cred)).toBeNull();
      const listed = ok(await app.gql<any>(LIST, {}, cred)).jointEvents.nodes.map((n: any) => n.id);
      expect(listed).toContain(past);
      expect(listed).not.toContain(eventId);
    }
    expect(code(await app.gql(REGISTER, { e: eventId }, bMembers[2].token))).toBe('NOT_FOUND');
    expect(code(await app.gql(RESPOND, { e: eventId, accept: true, g: [bGroup] }, bAdmin.token))).toBe('NOT_FOUND');
    // The past event keeps its counts, for both sides.
    for (const cred of [aAdmin.token, bAdmin.token]) expect(counts(await view(past, cred))).toEqual({ [a.globalId]: 1, [b.globalId]: 2 });
    // A's members can again take the freed places.
    ok(await app.gql(REGISTER, { e: eventId }, aMembers[2].token));
    // Audit: the revocation says how many participations were withdrawn, on both sides.
    for (const cred of [aAdmin.token, bAdmin.token]) {
      const log = ok(await app.gql<{ auditLog: { nodes: any[] } }>(AUDIT, {}, cred)).auditLog.nodes;
      expect(log.find((e) => e.action === 'partnership.revoked' && e.targetId === partnershipId)).toMatchObject({ details: { jointEventsWithdrawn: 1 } });
    }
  });

  test('cancel: host ADMIN only, SCHEDULED only; jointEvents lists soonest first with from/to', async () => {
    expect(code(await app.gql(CANCEL, { id: eventId }, bAdmin.token))).toBe('NOT_FOUND'); // withdrawn: no longer a party
    expect(code(await app.gql(CANCEL, { id: eventId }, aMembers[0].token))).toBe('FORBIDDEN');
    expect(ok(await app.gql<any>(CANCEL, { id: eventId }, aAdmin.token)).cancelJointEvent).toEqual({ id: eventId, status: 'CANCELLED' });
    expect(code(await app.gql(CANCEL, { id: eventId }, aAdmin.token))).toBe('CONFLICT');
    expect(code(await app.gql(REGISTER, { e: eventId }, (await a.member()).token))).not.toBeUndefined();
    const list = ok(await app.gql<any>(LIST, {}, aMembers[0].token)).jointEvents;
    expect(list.nodes.map((n: any) => n.title)).toEqual(['Past circle', 'Grief circle together']);
    expect(ok(await app.gql<any>(LIST, { from: inDays(1) }, a.adminKey)).jointEvents.nodes.map((n: any) => n.title)).toEqual(['Grief circle together']);
    expect(ok(await app.gql<any>(LIST, { to: inDays(1) }, bAdmin.token)).jointEvents.nodes.map((n: any) => n.title)).toEqual(['Past circle']);
    expect(ok(await app.gql<any>(LIST, {}, c.adminKey)).jointEvents).toEqual({ totalCount: 0, nodes: [] });
    const log = ok(await app.gql<{ auditLog: { nodes: any[] } }>(AUDIT, {}, aAdmin.token)).auditLog.nodes;
    expect(log[0]).toMatchObject({ action: 'joint_event.cancelled', targetType: 'JointEvent' });
  });

  test('registering while cancelled is CONFLICT', async () => {
    const member = await a.member();
    await joinGroup(app, aGroup, member);
    expect(code(await app.gql(REGISTER, { e: eventId }, member.token))).toBe('CONFLICT');
    void cGroup;
  });
});
