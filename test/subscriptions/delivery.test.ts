import { NetworkRole } from '../../src/modules/members/member.entity';
import { activePartnership, createTestNetwork, invitedJointEvent } from '../helpers/factories';
import { addMember, createGroup, dbId, ok } from '../helpers/gql';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, startLiveApp, subscribed } from './live';
import type { TestApp } from '../helpers/app';

/**
 * Delivery of each subscription through a real graphql-ws client: the event arrives once committed, read
 * under each subscriber's own credential (so each sees what its queries would show), and a subscriber of
 * another network hears nothing.
 */

let app: TestApp;
let a: World;
let b: World;
beforeAll(async () => {
  app = await startLiveApp();
  a = await createWorld(app, 'Live A');
  b = await createWorld(app, 'Live B');
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

const SESSION_CHANGED = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id title status group { id } } }';
const ATTENDANCE_CHANGED = 'subscription($s: ID!) { attendanceChanged(sessionId: $s) { id status session { id } member { displayName } } }';
const FEEDBACK_SUBMITTED =
  'subscription($s: ID!) { feedbackSubmitted(sessionId: $s) { id rating comment anonymous submittedAt author { displayName } session { id } } }';
const MEMBERSHIP_CHANGED = 'subscription($g: ID!) { membershipChanged(groupId: $g) { id role status member { displayName } group { id } } }';
const JOINT_EVENT_CHANGED = `subscription($e: ID!) { jointEventChanged(jointEventId: $e) { id status
  participants { network { id } status }
  registrationCounts { network { id } count }
  registrations(first: 10) { nodes { displayName network { id } } } } }`;
const PARTNERSHIP_CHANGED = 'subscription { partnershipChanged { id status scopes requester { id } partner { id } } }';

const START = 'mutation($id: ID!) { startSession(id: $id) { id } }';
const CHECK_IN = 'mutation($s: ID!, $m: ID) { checkIn(sessionId: $s, memberId: $m) { id } }';

test('sessionChanged: scheduling, starting and cancelling reach the group; another network hears nothing', async () => {
  const fac = connect(app.server.port, a.facilitator.token);
  const key = connect(app.server.port, a.keys.read);
  const other = connect(app.server.port, b.admin.token);
  const topic = { networkId: a.net.id, name: 'sessionChanged' as const, key: a.group.id };
  const facStream = await subscribed(app, fac, SESSION_CHANGED, { g: a.group.globalId }, topic);
  const keyStream = await subscribed(app, key, SESSION_CHANGED, { g: a.group.globalId }, topic);
  const otherStream = await subscribed(app, other, SESSION_CHANGED, { g: b.group.globalId }, { ...topic, networkId: b.net.id, key: b.group.id });

  const scheduled = ok(
    await app.gql<{ scheduleSessions: Array<{ id: string }> }>(
      'mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id } }',
      {
        g: a.group.globalId,
        input: {
          title: 'Live circle',
          startsAt: new Date(Date.now() + 3_600_000).toISOString(),
          durationMinutes: 60,
          timeZone: 'Europe/Berlin',
          repeat: { frequency: 'WEEKLY', count: 2 },
        },
      },
      a.facilitator.token,
    ),
  ).scheduleSessions;
  const firstTwo = [await facStream.data(), await facStream.data()].map((d) => d.sessionChanged);
  expect(firstTwo.map((s) => s.id).sort()).toEqual(scheduled.map((s) => s.id).sort());
  expect(firstTwo[0]).toMatchObject({ title: 'Live circle', status: 'SCHEDULED', group: { id: a.group.globalId } });

  ok(await app.gql(START, { id: scheduled[0].id }, a.facilitator.token));
  expect((await facStream.data()).sessionChanged).toMatchObject({ id: scheduled[0].id, status: 'LIVE' });
  ok(await app.gql('mutation($id: ID!) { cancelSession(id: $id, reason: "Snow") { id } }', { id: scheduled[1].id }, a.facilitator.token));
  expect((await facStream.data()).sessionChanged).toMatchObject({ id: scheduled[1].id, status: 'CANCELLED' });

  // The API key (READ) follows the same group and got all four events.
  const keyEvents = [await keyStream.data(), await keyStream.data(), await keyStream.data(), await keyStream.data()];
  expect(keyEvents.map((d) => d.sessionChanged.status).sort()).toEqual(['CANCELLED', 'LIVE', 'SCHEDULED', 'SCHEDULED']);
  await otherStream.nothing();
});

test('attendanceChanged: the check-in board for managers, their own records for members', async () => {
  const session = await insertSession(app, a.net.id, a.group.id, { status: 'LIVE' });
  const topic = { networkId: a.net.id, name: 'attendanceChanged' as const, key: session.id };
  const board = await subscribed(app, connect(app.server.port, a.facilitator.token), ATTENDANCE_CHANGED, { s: session.globalId }, topic);
  const keyBoard = await subscribed(app, connect(app.server.port, a.keys.readPersonal), ATTENDANCE_CHANGED, { s: session.globalId }, topic);
  const own = await subscribed(app, connect(app.server.port, a.member.token), ATTENDANCE_CHANGED, { s: session.globalId }, topic);

  ok(await app.gql(CHECK_IN, { s: session.globalId }, a.member2.token));
  expect((await board.data()).attendanceChanged).toMatchObject({ status: 'PRESENT', session: { id: session.globalId }, member: { displayName: 'Max Member' } });
  expect((await keyBoard.data()).attendanceChanged.member.displayName).toBe('Max Member');

  ok(await app.gql(CHECK_IN, { s: session.globalId }, a.member.token));
  expect((await board.data()).attendanceChanged.member.displayName).toBe('Mia Member');
  // The member's first event is their own check-in: Max's never reached them.
  expect((await own.data()).attendanceChanged.member.displayName).toBe('Mia Member');

  ok(
    await app.gql(
      'mutation($s: ID!, $e: [AttendanceEntryInput!]!) { markAttendance(sessionId: $s, entries: $e) { id } }',
      {
        s: session.globalId,
        e: [
          { memberId: a.member2.globalId, status: 'LATE' },
          { memberId: a.facilitator.globalId, status: 'PRESENT' },
        ],
      },
      a.facilitator.token,
    ),
  );
  const marked = [await board.data(), await board.data()].map((d) => d.attendanceChanged);
  expect(marked.map((m) => `${m.member.displayName}:${m.status}`).sort()).toEqual(['Fay Facilitator:PRESENT', 'Max Member:LATE']);
  await own.nothing();
});

test('feedbackSubmitted: named feedback with its author, anonymous feedback without one', async () => {
  const session = await insertSession(app, a.net.id, a.group.id, { status: 'LIVE' });
  for (const p of [a.member, a.member2]) ok(await app.gql(CHECK_IN, { s: session.globalId }, p.token));
  const topic = { networkId: a.net.id, name: 'feedbackSubmitted' as const, key: session.id };
  const fac = await subscribed(app, connect(app.server.port, a.facilitator.token), FEEDBACK_SUBMITTED, { s: session.globalId }, topic);
  const coord = await subscribed(app, connect(app.server.port, a.coordinator.token), FEEDBACK_SUBMITTED, { s: session.globalId }, topic);
  const submit = 'mutation($s: ID!, $input: FeedbackInput!) { submitFeedback(sessionId: $s, input: $input) { id } }';

  ok(await app.gql(submit, { s: session.globalId, input: { rating: 5, comment: 'Felt heard', anonymous: false } }, a.member.token));
  expect((await fac.data()).feedbackSubmitted).toMatchObject({ rating: 5, comment: 'Felt heard', anonymous: false, author: { displayName: 'Mia Member' } });

  ok(await app.gql(submit, { s: session.globalId, input: { rating: 2, comment: 'Too long', anonymous: true } }, a.member2.token));
  const anonymous = (await fac.data()).feedbackSubmitted;
  expect(anonymous).toMatchObject({ rating: 2, comment: 'Too long', anonymous: true, author: null, session: { id: session.globalId } });
  // Its time only to the hour, as stored: the live update gives nothing more away.
  expect(new Date(anonymous.submittedAt).getUTCMinutes()).toBe(0);
  expect(new Date(anonymous.submittedAt).getUTCSeconds()).toBe(0);

  const seenByCoordinator = [await coord.data(), await coord.data()].map((d) => d.feedbackSubmitted);
  expect(seenByCoordinator.find((f) => f.anonymous)).toMatchObject({ author: null });
});

test('membershipChanged: joins, role changes and leaving reach the group', async () => {
  const group = await createGroup(app, a.net, { name: 'Open circle' });
  await addMember(app, a.net, group, a.member.globalId);
  const topic = { networkId: a.net.id, name: 'membershipChanged' as const, key: dbId(group) };
  const stream = await subscribed(app, connect(app.server.port, a.member.token), MEMBERSHIP_CHANGED, { g: group }, topic);
  const otherNetwork = await subscribed(
    app,
    connect(app.server.port, b.member.token),
    MEMBERSHIP_CHANGED,
    { g: b.group.globalId },
    {
      ...topic,
      networkId: b.net.id,
      key: b.group.id,
    },
  );

  const joined = ok(
    await app.gql<{ joinGroup: { id: string } }>('mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }', { g: group }, a.outsider.token),
  ).joinGroup;
  expect((await stream.data()).membershipChanged).toMatchObject({ id: joined.id, role: 'MEMBER', status: 'ACTIVE', member: { displayName: 'Olli Outsider' } });

  ok(await app.gql('mutation($id: ID!) { updateMembership(id: $id, role: FACILITATOR) { id } }', { id: joined.id }, a.coordinator.token));
  expect((await stream.data()).membershipChanged).toMatchObject({ id: joined.id, role: 'FACILITATOR' });

  ok(await app.gql('mutation($g: ID!) { leaveGroup(groupId: $g) { id } }', { g: group }, a.outsider.token));
  expect((await stream.data()).membershipChanged).toMatchObject({ id: joined.id, status: 'LEFT' });
  await otherNetwork.nothing();
});

test('jointEventChanged: every participating network, each with its own view; an unrelated network hears nothing', async () => {
  const host = await createTestNetwork(app, 'Host');
  const guest = await createTestNetwork(app, 'Guest');
  const hostAdmin = await host.member(NetworkRole.ADMIN);
  const guestAdmin = await guest.member(NetworkRole.ADMIN);
  const guestMember = await guest.member(NetworkRole.MEMBER, { displayName: 'Gil Guest' });
  const hostGroup = await createGroup(app, host, { name: 'Host circle' });
  const guestGroup = await createGroup(app, guest, { name: 'Guest circle' });
  await addMember(app, guest, guestGroup, guestMember.globalId);
  await activePartnership(app, host.adminKey, { slug: guest.slug, admin: guest.adminKey }, ['JOINT_EVENTS']);
  const event = await invitedJointEvent(app, host.adminKey, hostGroup, guest);

  const hostStream = await subscribed(
    app,
    connect(app.server.port, hostAdmin.token),
    JOINT_EVENT_CHANGED,
    { e: event },
    {
      networkId: host.id,
      name: 'jointEventChanged',
      key: dbId(event),
    },
  );
  const guestStream = await subscribed(
    app,
    connect(app.server.port, guestAdmin.token),
    JOINT_EVENT_CHANGED,
    { e: event },
    {
      networkId: guest.id,
      name: 'jointEventChanged',
      key: dbId(event),
    },
  );
  const bystander = await subscribed(
    app,
    connect(app.server.port, b.admin.token),
    PARTNERSHIP_CHANGED,
    {},
    {
      networkId: b.net.id,
      name: 'partnershipChanged',
      key: null,
    },
  );

  ok(
    await app.gql(
      'mutation($e: ID!, $g: [ID!]) { respondToJointEventInvitation(jointEventId: $e, accept: true, groupIds: $g) { status } }',
      { e: event, g: [guestGroup] },
      guest.adminKey,
    ),
  );
  for (const stream of [hostStream, guestStream]) {
    const seen = (await stream.data()).jointEventChanged;
    expect(seen.participants).toEqual([
      { network: { id: host.globalId }, status: 'ACCEPTED' },
      { network: { id: guest.globalId }, status: 'ACCEPTED' },
    ]);
  }

  ok(await app.gql('mutation($e: ID!) { registerForJointEvent(jointEventId: $e, shareIdentity: false) { id } }', { e: event }, guestMember.token));
  const hostView = (await hostStream.data()).jointEventChanged;
  const guestView = (await guestStream.data()).jointEventChanged;
  expect(hostView.registrationCounts).toContainEqual({ network: { id: guest.globalId }, count: 1 });
  expect(hostView.registrations.nodes).toEqual([]); // another network's member who did not consent: a count, no name
  expect(guestView.registrations.nodes).toEqual([{ displayName: 'Gil Guest', network: { id: guest.globalId } }]);

  ok(await app.gql('mutation($id: ID!) { cancelJointEvent(id: $id) { id } }', { id: event }, host.adminKey));
  expect((await hostStream.data()).jointEventChanged.status).toBe('CANCELLED');
  expect((await guestStream.data()).jointEventChanged.status).toBe('CANCELLED');
  await bystander.nothing();
});

test('partnershipChanged: both networks’ admins follow a request and its answer; a third network hears nothing', async () => {
  const one = await createTestNetwork(app, 'One');
  const two = await createTestNetwork(app, 'Two');
  const oneAdmin = await one.member(NetworkRole.ADMIN);
  const topic = (networkId: string) => ({ networkId, name: 'partnershipChanged' as const, key: null });
  const oneStream = await subscribed(app, connect(app.server.port, oneAdmin.token), PARTNERSHIP_CHANGED, {}, topic(one.id));
  const twoStream = await subscribed(app, connect(app.server.port, two.adminKey), PARTNERSHIP_CHANGED, {}, topic(two.id));
  const third = await subscribed(app, connect(app.server.port, b.keys.all), PARTNERSHIP_CHANGED, {}, topic(b.net.id));

  const requested = ok(
    await app.gql<{ requestPartnership: { id: string } }>(
      'mutation($s: String!) { requestPartnership(partnerSlug: $s, scopes: [GROUP_DIRECTORY]) { id } }',
      { s: two.slug },
      one.adminKey,
    ),
  ).requestPartnership;
  const expected = { id: requested.id, status: 'PENDING', scopes: ['GROUP_DIRECTORY'], requester: { id: one.globalId }, partner: { id: two.globalId } };
  expect((await oneStream.data()).partnershipChanged).toEqual(expected);
  expect((await twoStream.data()).partnershipChanged).toEqual(expected);

  ok(await app.gql('mutation($id: ID!) { respondToPartnership(id: $id, accept: true) { id } }', { id: requested.id }, two.adminKey));
  expect((await oneStream.data()).partnershipChanged.status).toBe('ACTIVE');
  expect((await twoStream.data()).partnershipChanged.status).toBe('ACTIVE');
  await third.nothing();
});

test('a mutation sent over the socket publishes too, and its result arrives after the commit', async () => {
  const session = await insertSession(app, a.net.id, a.group.id, { status: 'SCHEDULED', startsInMinutes: 30 });
  const watcher = await subscribed(
    app,
    connect(app.server.port, a.coordinator.token),
    SESSION_CHANGED,
    { g: a.group.globalId },
    {
      networkId: a.net.id,
      name: 'sessionChanged',
      key: a.group.id,
    },
  );
  const ws = connect(app.server.port, a.facilitator.token);
  const result = await ws.subscribe<{ startSession: { id: string } }>(START, { id: session.globalId }).data();
  expect(result.startSession.id).toBe(session.globalId);
  // Committed before the answer: a query right after sees it.
  const seen = ok(
    await app.gql<{ node: { status: string } }>(
      'query($id: ID!) { node(id: $id) { ... on Session { status } } }',
      { id: session.globalId },
      a.facilitator.token,
    ),
  );
  expect(seen.node.status).toBe('LIVE');
  expect((await watcher.data()).sessionChanged).toMatchObject({ id: session.globalId, status: 'LIVE' });
});
