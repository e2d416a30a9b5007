import { addMember, ok } from '../helpers/gql';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, startLiveApp, subscribed, type Stream } from './live';
import type { TestApp } from '../helpers/app';

/**
 * Batched delivery: the subscribers of one event in one network are resolved together on one transaction,
 * sharing the viewer-independent loaders (entities by id) but each under its own context. Each must still get
 * exactly its own view, and losing access in the middle of a batch only ends that subscriber's deliveries.
 */

let app: TestApp;
let a: World;
beforeAll(async () => {
  app = await startLiveApp();
  a = await createWorld(app, 'Batch');
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

const ATTENDANCE_CHANGED = 'subscription($s: ID!) { attendanceChanged(sessionId: $s) { id status session { id } member { id displayName email } } }';
const SESSION_CHANGED =
  'subscription($g: ID!) { sessionChanged(groupId: $g) { id status attendance(first: 10) { edges { node { member { displayName email } } } } } }';
const CHECK_IN = 'mutation($s: ID!) { checkIn(sessionId: $s) { id } }';
const START = 'mutation($id: ID!) { startSession(id: $id) { id } }';

type AttendanceEvent = {
  attendanceChanged: { id: string; status: string; session: { id: string }; member: { id: string; displayName: string; email: string | null } };
};
type SessionEvent = {
  sessionChanged: { id: string; status: string; attendance: { edges: Array<{ node: { member: { displayName: string; email: string | null } } }> } };
};

const emailOf = async (globalId: string): Promise<string> =>
  ok(await app.gql<{ node: { email: string } }>('query($id: ID!) { node(id: $id) { ... on Member { email } } }', { id: globalId }, a.keys.all)).node.email;

test('one check-in, one batch: every subscriber gets exactly its own view', async () => {
  const session = await insertSession(app, a.net.id, a.group.id, { status: 'LIVE' });
  const topic = { networkId: a.net.id, name: 'attendanceChanged' as const, key: session.id };
  const follow = (credential: string) =>
    subscribed<AttendanceEvent>(app, connect(app.server.port, credential), ATTENDANCE_CHANGED, { s: session.globalId }, topic);
  // Interleaved, so that shared loaders would be primed by one view before another reads.
  const own = await follow(a.member2.token); // Max: the one who checks in
  const facilitator = await follow(a.facilitator.token);
  const other = await follow(a.member.token); // Mia: another member's check-in is not hers
  const keyPersonal = await follow(a.keys.readPersonal);
  const admin = await follow(a.admin.token);
  const coordinator = await follow(a.coordinator.token);
  const maxEmail = await emailOf(a.member2.globalId);

  ok(await app.gql(CHECK_IN, { s: session.globalId }, a.member2.token));
  const seen = async (stream: Stream<AttendanceEvent>) => (await stream.data()).attendanceChanged;
  const base = { status: 'PRESENT', session: { id: session.globalId } };
  // Max sees his own record with his own email; admins and PERSONAL_DATA keys see the email too.
  expect(await seen(own)).toMatchObject({ ...base, member: { id: a.member2.globalId, displayName: 'Max Member', email: maxEmail } });
  expect(await seen(admin)).toMatchObject({ ...base, member: { displayName: 'Max Member', email: maxEmail } });
  expect(await seen(keyPersonal)).toMatchObject({ ...base, member: { displayName: 'Max Member', email: maxEmail } });
  // The facilitator and the coordinator see the record, without the email (not theirs to see).
  expect(await seen(facilitator)).toMatchObject({ ...base, member: { displayName: 'Max Member', email: null } });
  expect(await seen(coordinator)).toMatchObject({ ...base, member: { displayName: 'Max Member', email: null } });

  // Mia's own check-in is the first thing she gets; Max does not get hers.
  ok(await app.gql(CHECK_IN, { s: session.globalId }, a.member.token));
  expect(await seen(other)).toMatchObject({ member: { id: a.member.globalId, displayName: 'Mia Member', email: await emailOf(a.member.globalId) } });
  expect(await seen(facilitator)).toMatchObject({ member: { displayName: 'Mia Member', email: null } });
  await own.nothing();
});

test('nested lists in one batch: READ vs READ+PERSONAL_DATA keys, managers and members each see their own rows', async () => {
  const session = await insertSession(app, a.net.id, a.group.id, { status: 'SCHEDULED', startsInMinutes: 30 });
  for (const p of [a.member, a.member2]) ok(await app.gql(CHECK_IN, { s: session.globalId }, p.token));
  const topic = { networkId: a.net.id, name: 'sessionChanged' as const, key: a.group.id };
  const follow = (credential: string) => subscribed<SessionEvent>(app, connect(app.server.port, credential), SESSION_CHANGED, { g: a.group.globalId }, topic);
  const readKey = await follow(a.keys.read);
  const member = await follow(a.member.token);
  const personalKey = await follow(a.keys.readPersonal);
  const facilitator = await follow(a.facilitator.token);
  const member2 = await follow(a.member2.token);

  ok(await app.gql(START, { id: session.globalId }, a.facilitator.token));
  const rows = async (stream: Stream<SessionEvent>) => {
    const event = (await stream.data()).sessionChanged;
    expect(event).toMatchObject({ id: session.globalId, status: 'LIVE' });
    return event.attendance.edges.map((e) => `${e.node.member.displayName}:${e.node.member.email === null ? 'no email' : 'email'}`).sort();
  };
  expect(await rows(readKey)).toEqual([]);
  expect(await rows(personalKey)).toEqual(['Max Member:email', 'Mia Member:email']);
  expect(await rows(facilitator)).toEqual(['Max Member:no email', 'Mia Member:no email']);
  expect(await rows(member)).toEqual(['Mia Member:email']);
  expect(await rows(member2)).toEqual(['Max Member:email']);
});

test('a revoked key and a member who was removed stop receiving; the rest of the batch continues', async () => {
  const group = a.group;
  const extra = await a.net.member(undefined, { displayName: 'Rita Removed' });
  const membership = await addMember(app, a.net, group.globalId, extra.globalId);
  const created = ok(
    await app.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      'mutation { createApiKey(name: "batch board", scopes: [READ]) { secret apiKey { id } } }',
      {},
      a.keys.all,
    ),
  ).createApiKey;
  const topic = { networkId: a.net.id, name: 'sessionChanged' as const, key: group.id };
  const query = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id status } }';
  const revokedLive = connect(app.server.port, created.secret);
  const revoked = await subscribed(app, revokedLive, query, { g: group.globalId }, topic);
  const removed = await subscribed(app, connect(app.server.port, extra.token), query, { g: group.globalId }, topic);
  const stays = await subscribed(app, connect(app.server.port, a.member.token), query, { g: group.globalId }, topic);
  const key = await subscribed(app, connect(app.server.port, a.keys.read), query, { g: group.globalId }, topic);
  const facilitator = await subscribed(app, connect(app.server.port, a.facilitator.token), query, { g: group.globalId }, topic);

  const first = await insertSession(app, a.net.id, group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
  ok(await app.gql(START, { id: first.globalId }, a.facilitator.token));
  for (const s of [revoked, removed, stays, key, facilitator]) expect((await s.data()).sessionChanged).toEqual({ id: first.globalId, status: 'LIVE' });

  ok(await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.apiKey.id }, a.keys.all));
  ok(await app.gql('mutation($id: ID!) { updateMembership(id: $id, status: LEFT) { id } }', { id: membership }, a.facilitator.token));

  const second = await insertSession(app, a.net.id, group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
  ok(await app.gql(START, { id: second.globalId }, a.facilitator.token));
  for (const s of [stays, key, facilitator]) expect((await s.data()).sessionChanged).toEqual({ id: second.globalId, status: 'LIVE' });
  expect((await revokedLive.closed).code).toBe(4403);
  await removed.nothing();
  expect(revoked.results).toHaveLength(1);

  // The batch goes on for the others.
  const third = await insertSession(app, a.net.id, group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
  ok(await app.gql(START, { id: third.globalId }, a.facilitator.token));
  for (const s of [stays, key, facilitator]) expect((await s.data()).sessionChanged).toEqual({ id: third.globalId, status: 'LIVE' });
  await removed.nothing();
});
