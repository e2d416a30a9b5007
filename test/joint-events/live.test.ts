import { NetworkRole } from '../../src/modules/members/member.entity';
import { activePartnership, createTestNetwork, invitedJointEvent } from '../helpers/factories';
import { createGroup, dbId } from '../helpers/gql';
import { connect, disconnectAll, refusal, startLiveApp, subscribed } from '../subscriptions/live';
import type { TestApp } from '../helpers/app';

/**
 * `jointEventChanged` when a partner's part ends: the partner declines, or revokes the partnership. Once it
 * has, the partner no longer sees the event or its participants (row-level security), so the change is
 * announced to the parties read before it; the host hears of it, and the partner can no longer follow.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startLiveApp();
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

const CHANGED = `subscription($e: ID!) { jointEventChanged(jointEventId: $e) { id participants { network { id } status } } }`;

async function setUp() {
  const host = await createTestNetwork(app, 'Host');
  const guest = await createTestNetwork(app, 'Guest');
  const hostAdmin = await host.member(NetworkRole.ADMIN);
  const partnership = await activePartnership(app, host.adminKey, { slug: guest.slug, admin: guest.adminKey }, ['JOINT_EVENTS']);
  const event = await invitedJointEvent(app, host.adminKey, await createGroup(app, host, { name: 'Host circle' }), guest);
  const hostStream = await subscribed(
    app,
    connect(app.server.port, hostAdmin.token),
    CHANGED,
    { e: event },
    {
      networkId: host.id,
      name: 'jointEventChanged',
      key: dbId(event),
    },
  );
  return { host, guest, partnership, event, hostStream };
}

test('the guest declines: the host hears of it; the guest can no longer follow the event (NOT_FOUND)', async () => {
  const { host, guest, event, hostStream } = await setUp();
  const res = await app.gql(`mutation($e: ID!) { respondToJointEventInvitation(jointEventId: $e, accept: false) { status } }`, { e: event }, guest.adminKey);
  expect(res.errors).toBeUndefined();
  expect((await hostStream.data()).jointEventChanged.participants).toEqual([
    { network: { id: host.globalId }, status: 'ACCEPTED' },
    { network: { id: guest.globalId }, status: 'DECLINED' },
  ]);
  expect(await refusal(connect(app.server.port, guest.adminKey).subscribe(CHANGED, { e: event }))).toEqual(['NOT_FOUND']);
});

test('the guest revokes the partnership: the host hears that the guest was withdrawn', async () => {
  const { host, guest, partnership, event, hostStream } = await setUp();
  const res = await app.gql(`mutation($id: ID!) { revokePartnership(id: $id) { status } }`, { id: partnership }, guest.adminKey);
  expect(res.errors).toBeUndefined();
  expect((await hostStream.data()).jointEventChanged.participants).toEqual([
    { network: { id: host.globalId }, status: 'ACCEPTED' },
    { network: { id: guest.globalId }, status: 'WITHDRAWN' },
  ]);
  expect(await refusal(connect(app.server.port, guest.adminKey).subscribe(CHANGED, { e: event }))).toEqual(['NOT_FOUND']);
});
