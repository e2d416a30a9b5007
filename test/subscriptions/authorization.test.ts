import { randomUUID } from 'node:crypto';
import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { activePartnership, createTestNetwork, invitedJointEvent } from '../helpers/factories';
import { addMember, createGroup, dbId, ok } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';
import { connect, disconnectAll, refusal, startLiveApp, subscribed } from './live';
import type { TestApp } from '../helpers/app';

/**
 * Authorization twice: at subscribe time with the rules of the matching query (another network's object:
 * NOT_FOUND and no stream; a missing role or scope: FORBIDDEN), and again at every delivery (a member who
 * left, a network whose partnership was revoked: nothing more). And nothing is published for work that
 * rolled back.
 */

let app: TestApp;
let a: World;
let b: World;
beforeAll(async () => {
  app = await startLiveApp();
  a = await createWorld(app, 'Auth A');
  b = await createWorld(app, 'Auth B');
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

const SESSION_CHANGED = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id status } }';
const ATTENDANCE_CHANGED = 'subscription($s: ID!) { attendanceChanged(sessionId: $s) { id } }';
const FEEDBACK_SUBMITTED = 'subscription($s: ID!) { feedbackSubmitted(sessionId: $s) { id } }';
const MEMBERSHIP_CHANGED = 'subscription($g: ID!) { membershipChanged(groupId: $g) { id status member { displayName } } }';
const JOINT_EVENT_CHANGED = 'subscription($e: ID!) { jointEventChanged(jointEventId: $e) { id status participants { network { id } status } } }';
const PARTNERSHIP_CHANGED = 'subscription { partnershipChanged { id status } }';
const START = 'mutation($id: ID!) { startSession(id: $id) { id } }';

/** The refusal codes of this subscription for this credential. */
async function refused(credential: string, query: string, variables: Record<string, unknown> = {}): Promise<string[]> {
  return refusal(connect(app.server.port, credential).subscribe(query, variables));
}

describe('at subscribe time', () => {
  test('another network’s group, session or joint event: NOT_FOUND, whoever asks', async () => {
    const session = await insertSession(app, a.net.id, a.group.id);
    for (const credential of [b.admin.token, b.keys.all, b.facilitator.token]) {
      expect(await refused(credential, SESSION_CHANGED, { g: a.group.globalId })).toEqual(['NOT_FOUND']);
      expect(await refused(credential, MEMBERSHIP_CHANGED, { g: a.group.globalId })).toEqual(['NOT_FOUND']);
      expect(await refused(credential, ATTENDANCE_CHANGED, { s: session.globalId })).toEqual(['NOT_FOUND']);
      expect(await refused(credential, FEEDBACK_SUBMITTED, { s: session.globalId })).toEqual(['NOT_FOUND']);
    }
    const host = await createTestNetwork(app, 'Host');
    const partner = await createTestNetwork(app, 'Partner');
    await activePartnership(app, host.adminKey, { slug: partner.slug, admin: partner.adminKey }, ['JOINT_EVENTS']);
    const event = await invitedJointEvent(app, host.adminKey, await createGroup(app, host), partner);
    expect(await refused(b.admin.token, JOINT_EVENT_CHANGED, { e: event })).toEqual(['NOT_FOUND']);
    expect(await refused(a.keys.all, JOINT_EVENT_CHANGED, { e: event })).toEqual(['NOT_FOUND']);
    // An ID of another type, or malformed.
    expect(await refused(a.admin.token, SESSION_CHANGED, { g: session.globalId })).toEqual(['NOT_FOUND']);
    expect(await refused(a.admin.token, SESSION_CHANGED, { g: 'not-an-id' })).toEqual(['BAD_USER_INPUT']);
  });

  test('a PRIVATE group is NOT_FOUND to a member outside it, as in queries', async () => {
    const hidden = await createGroup(app, a.net, { name: 'Hidden', visibility: 'PRIVATE' });
    expect(await refused(a.outsider.token, SESSION_CHANGED, { g: hidden })).toEqual(['NOT_FOUND']);
    expect(await refused(a.outsider.token, MEMBERSHIP_CHANGED, { g: hidden })).toEqual(['NOT_FOUND']);
  });

  test('roles and scopes: group streams are for those taking part; feedback for facilitators and above; partnerships for admins', async () => {
    const session = await insertSession(app, a.net.id, a.group.id);
    // A member of the network who is not in the group.
    expect(await refused(a.outsider.token, SESSION_CHANGED, { g: a.group.globalId })).toEqual(['FORBIDDEN']);
    expect(await refused(a.outsider.token, ATTENDANCE_CHANGED, { s: session.globalId })).toEqual(['FORBIDDEN']);
    // Feedback: not for members, nor for keys without PERSONAL_DATA.
    expect(await refused(a.member.token, FEEDBACK_SUBMITTED, { s: session.globalId })).toEqual(['FORBIDDEN']);
    expect(await refused(a.keys.read, FEEDBACK_SUBMITTED, { s: session.globalId })).toEqual(['FORBIDDEN']);
    // Participation data needs PERSONAL_DATA; sessions need READ.
    expect(await refused(a.keys.read, ATTENDANCE_CHANGED, { s: session.globalId })).toEqual(['FORBIDDEN']);
    expect(await refused(a.keys.read, MEMBERSHIP_CHANGED, { g: a.group.globalId })).toEqual(['FORBIDDEN']);
    expect(await refused(await a.net.key(ApiKeyScope.WRITE), SESSION_CHANGED, { g: a.group.globalId })).toEqual(['FORBIDDEN']);
    // Partnerships: ADMIN members, keys with ADMIN.
    expect(await refused(a.coordinator.token, PARTNERSHIP_CHANGED)).toEqual(['FORBIDDEN']);
    expect(await refused(a.member.token, PARTNERSHIP_CHANGED)).toEqual(['FORBIDDEN']);
    expect(await refused(a.keys.readPersonal, PARTNERSHIP_CHANGED)).toEqual(['FORBIDDEN']);

    // And the ones allowed get a stream (no result until something happens).
    const allowed: Array<[string, string, Record<string, unknown>, string, string | null]> = [
      [a.member.token, SESSION_CHANGED, { g: a.group.globalId }, 'sessionChanged', a.group.id],
      [a.facilitator.token, FEEDBACK_SUBMITTED, { s: session.globalId }, 'feedbackSubmitted', session.id],
      [a.coordinator.token, FEEDBACK_SUBMITTED, { s: session.globalId }, 'feedbackSubmitted', session.id],
      [a.keys.readPersonal, FEEDBACK_SUBMITTED, { s: session.globalId }, 'feedbackSubmitted', session.id],
      [a.admin.token, PARTNERSHIP_CHANGED, {}, 'partnershipChanged', null],
      [await a.net.key(ApiKeyScope.ADMIN), PARTNERSHIP_CHANGED, {}, 'partnershipChanged', null],
    ];
    for (const [credential, query, variables, name, key] of allowed) {
      await subscribed(app, connect(app.server.port, credential), query, variables, { networkId: a.net.id, name: name as 'sessionChanged', key });
    }
  });
});

describe('at delivery', () => {
  test('a member who leaves the group stops receiving its sessions and memberships', async () => {
    const group = await createGroup(app, a.net, { name: 'Leavers' });
    await addMember(app, a.net, group, a.facilitator.globalId, 'FACILITATOR');
    await addMember(app, a.net, group, a.member.globalId);
    await addMember(app, a.net, group, a.member2.globalId);
    const s1 = await insertSession(app, a.net.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 60 });
    const s2 = await insertSession(app, a.net.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 120 });
    const sessions = (credential: string) =>
      subscribed(app, connect(app.server.port, credential), SESSION_CHANGED, { g: group }, { networkId: a.net.id, name: 'sessionChanged', key: dbId(group) });
    const memberships = (credential: string) =>
      subscribed(
        app,
        connect(app.server.port, credential),
        MEMBERSHIP_CHANGED,
        { g: group },
        { networkId: a.net.id, name: 'membershipChanged', key: dbId(group) },
      );
    const leaverSessions = await sessions(a.member.token);
    const leaverMemberships = await memberships(a.member.token);
    const controlSessions = await sessions(a.facilitator.token);
    const controlMemberships = await memberships(a.member2.token);

    ok(await app.gql(START, { id: s1.globalId }, a.facilitator.token));
    expect((await leaverSessions.data()).sessionChanged.id).toBe(s1.globalId);
    expect((await controlSessions.data()).sessionChanged.id).toBe(s1.globalId);

    ok(await app.gql('mutation($g: ID!) { leaveGroup(groupId: $g) { id } }', { g: group }, a.member.token));
    expect((await controlMemberships.data()).membershipChanged).toMatchObject({ status: 'LEFT', member: { displayName: 'Mia Member' } });

    ok(await app.gql(START, { id: s2.globalId }, a.facilitator.token));
    expect((await controlSessions.data()).sessionChanged.id).toBe(s2.globalId);
    await addMember(app, a.net, group, a.outsider.globalId);
    expect((await controlMemberships.data()).membershipChanged.member.displayName).toBe('Olli Outsider');

    await leaverSessions.nothing();
    await leaverMemberships.nothing();
  });

  test('a network whose partnership is revoked stops receiving the joint event; the host still does', async () => {
    const host = await createTestNetwork(app, 'Host');
    const guest = await createTestNetwork(app, 'Guest');
    const hostAdmin = await host.member(NetworkRole.ADMIN);
    const guestAdmin = await guest.member(NetworkRole.ADMIN);
    const partnership = await activePartnership(app, host.adminKey, { slug: guest.slug, admin: guest.adminKey }, ['JOINT_EVENTS']);
    const event = await invitedJointEvent(app, host.adminKey, await createGroup(app, host), guest);
    const guestGroup = await createGroup(app, guest);
    const follow = (networkId: string, credential: string) =>
      subscribed(app, connect(app.server.port, credential), JOINT_EVENT_CHANGED, { e: event }, { networkId, name: 'jointEventChanged', key: dbId(event) });
    const hostStream = await follow(host.id, hostAdmin.token);
    const guestStream = await follow(guest.id, guestAdmin.token);

    ok(
      await app.gql(
        'mutation($e: ID!, $g: [ID!]) { respondToJointEventInvitation(jointEventId: $e, accept: true, groupIds: $g) { status } }',
        { e: event, g: [guestGroup] },
        guest.adminKey,
      ),
    );
    expect((await hostStream.data()).jointEventChanged.participants[1].status).toBe('ACCEPTED');
    expect((await guestStream.data()).jointEventChanged.participants[1].status).toBe('ACCEPTED');

    // The guest revokes: its part is withdrawn; the host hears that, the guest nothing more.
    ok(await app.gql('mutation($id: ID!) { revokePartnership(id: $id) { id } }', { id: partnership }, guest.adminKey));
    expect((await hostStream.data()).jointEventChanged.participants).toEqual([
      { network: { id: host.globalId }, status: 'ACCEPTED' },
      { network: { id: guest.globalId }, status: 'WITHDRAWN' },
    ]);
    ok(await app.gql('mutation($id: ID!) { cancelJointEvent(id: $id) { id } }', { id: event }, host.adminKey));
    expect((await hostStream.data()).jointEventChanged.status).toBe('CANCELLED');
    await guestStream.nothing();

    // For the guest the event is gone, as in queries.
    expect(await refused(guestAdmin.token, JOINT_EVENT_CHANGED, { e: event })).toEqual(['NOT_FOUND']);
  });

  test('after a revocation, a past event the partner still sees sends it nothing more (FORBIDDEN to subscribe)', async () => {
    const host = await createTestNetwork(app, 'Host');
    const guest = await createTestNetwork(app, 'Guest');
    const hostAdmin = await host.member(NetworkRole.ADMIN);
    const guestAdmin = await guest.member(NetworkRole.ADMIN);
    const partnership = await activePartnership(app, host.adminKey, { slug: guest.slug, admin: guest.adminKey }, ['JOINT_EVENTS']);
    // Started yesterday and never closed: revocation withdraws future events only, so the guest keeps this one.
    const id = randomUUID();
    await sql(
      app,
      host.id,
      `INSERT INTO joint_events (id, host_network_id, title, starts_at, ends_at, format)
      VALUES ($1, $2, 'Yesterday', now() - interval '1 day', now() - interval '23 hours', 'ONLINE')`,
      [id, host.id],
    );
    await sql(
      app,
      host.id,
      `INSERT INTO joint_event_participants (joint_event_id, network_id, status, responded_at)
      VALUES ($1, $2, 'ACCEPTED', now()), ($1, $3, 'ACCEPTED', now())`,
      [id, host.id, guest.id],
    );
    const event = toGlobalId('JointEvent', id);
    const follow = (networkId: string, credential: string) =>
      subscribed(app, connect(app.server.port, credential), JOINT_EVENT_CHANGED, { e: event }, { networkId, name: 'jointEventChanged', key: id });
    const hostStream = await follow(host.id, hostAdmin.token);
    const guestStream = await follow(guest.id, guestAdmin.token);

    ok(await app.gql('mutation($id: ID!) { revokePartnership(id: $id) { id } }', { id: partnership }, host.adminKey));
    ok(await app.gql('mutation($id: ID!) { cancelJointEvent(id: $id) { id } }', { id: event }, host.adminKey));
    expect((await hostStream.data()).jointEventChanged.status).toBe('CANCELLED');
    await guestStream.nothing();
    // Still visible to the guest (a past event), but no longer followed.
    const seen = ok(
      await app.gql<{ node: { status: string } | null }>('query($id: ID!) { node(id: $id) { ... on JointEvent { status } } }', { id: event }, guestAdmin.token),
    );
    expect(seen.node).toEqual({ status: 'CANCELLED' });
    expect(await refused(guestAdmin.token, JOINT_EVENT_CHANGED, { e: event })).toEqual(['FORBIDDEN']);
  });

  test('a member whose role is taken away stops receiving partnership changes', async () => {
    const one = await createTestNetwork(app, 'One');
    const two = await createTestNetwork(app, 'Two');
    const admin = await one.member(NetworkRole.ADMIN);
    const demoted = await one.member(NetworkRole.ADMIN);
    const topic = { networkId: one.id, name: 'partnershipChanged' as const, key: null };
    const control = await subscribed(app, connect(app.server.port, admin.token), PARTNERSHIP_CHANGED, {}, topic);
    const stream = await subscribed(app, connect(app.server.port, demoted.token), PARTNERSHIP_CHANGED, {}, topic);
    ok(await app.gql('mutation($id: ID!) { setMemberRole(memberId: $id, role: MEMBER) { id } }', { id: demoted.globalId }, one.adminKey));
    ok(await app.gql('mutation($s: String!) { requestPartnership(partnerSlug: $s, scopes: [GROUP_DIRECTORY]) { id } }', { s: two.slug }, one.adminKey));
    expect((await control.data()).partnershipChanged.status).toBe('PENDING');
    await stream.nothing();
  });
});

describe('nothing is published for work that did not commit', () => {
  test('a failing mutation (alone, or after a successful one in the same operation) and invalid input publish nothing', async () => {
    const group = await createGroup(app, a.net, { name: 'Rollbacks' });
    await addMember(app, a.net, group, a.facilitator.globalId, 'FACILITATOR');
    const s1 = await insertSession(app, a.net.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 60 });
    const s2 = await insertSession(app, a.net.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 120 });
    const stream = await subscribed(
      app,
      connect(app.server.port, a.facilitator.token),
      SESSION_CHANGED,
      { g: group },
      {
        networkId: a.net.id,
        name: 'sessionChanged',
        key: dbId(group),
      },
    );

    // Invalid input and a forbidden transition: nothing written, nothing published.
    const invalid = await app.gql(
      'mutation($id: ID!) { updateSession(id: $id, input: { startsAt: "2030-01-01T10:00:00Z", endsAt: "2030-01-01T09:00:00Z" }) { id } }',
      { id: s1.globalId },
      a.facilitator.token,
    );
    expect(invalid.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const conflict = await app.gql('mutation($id: ID!) { endSession(id: $id) { id } }', { id: s1.globalId }, a.facilitator.token);
    expect(conflict.errors?.[0].extensions.code).toBe('CONFLICT');

    // Two mutations: the first stays done (its event comes), the second fails (no event).
    const both = await app.gql(
      'mutation($a: ID!, $b: ID!) { first: startSession(id: $a) { id } second: endSession(id: $b) { id } }',
      { a: s1.globalId, b: s2.globalId },
      a.facilitator.token,
    );
    // (`second` is non-null: its failure nulls the whole data, but `first` stayed done.)
    expect(both.errors?.map((e) => e.extensions.code)).toEqual(['CONFLICT']);

    // The first event to arrive is s1's start, and the one after is the control change of s2.
    expect((await stream.data()).sessionChanged).toEqual({ id: s1.globalId, status: 'LIVE' });
    ok(await app.gql('mutation($id: ID!) { cancelSession(id: $id) { id } }', { id: s2.globalId }, a.facilitator.token));
    expect((await stream.data()).sessionChanged).toEqual({ id: s2.globalId, status: 'CANCELLED' });
    await stream.nothing();
  });

  test('a failing mutation over the socket publishes nothing either', async () => {
    const session = await insertSession(app, b.net.id, b.group.id, { status: 'LIVE' });
    const stream = await subscribed(
      app,
      connect(app.server.port, b.facilitator.token),
      SESSION_CHANGED,
      { g: b.group.globalId },
      {
        networkId: b.net.id,
        name: 'sessionChanged',
        key: b.group.id,
      },
    );
    const failed = await connect(app.server.port, b.facilitator.token).subscribe(START, { id: session.globalId }).next();
    expect(failed.errors?.[0].extensions?.code).toBe('CONFLICT');
    ok(await app.gql('mutation($id: ID!) { endSession(id: $id) { id } }', { id: session.globalId }, b.facilitator.token));
    expect((await stream.data()).sessionChanged).toEqual({ id: session.globalId, status: 'COMPLETED' });
    await stream.nothing();
  });
});
