import { randomUUID } from 'node:crypto';
import { withTenant } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, type Cred, dbId, expectLikeUnknown, ok, unknownId } from '../helpers/gql';

/**
 * Joint events across networks: A hosts, B is invited (before and after the partnership), C is unrelated.
 * A non-party gets NOT_FOUND on every operation, exactly as for an unknown ID, and null from `node`;
 * row-level security agrees (no rows, no registrations of another network).
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let c: TestNetwork;
let aAdmin: Cred;
let bAdmin: Cred;
let cAdmin: Cred;
let cMember: Cred;
let aMember: Cred;
let aGroup: string;
let bGroup: string;
let cGroup: string;
let eventId: string;
let partnershipId: string;

const INVITE = `mutation($id: ID!, $n: ID!) { inviteToJointEvent(jointEventId: $id, networkId: $n) { status } }`;
const RESPOND = `mutation($id: ID!, $g: [ID!]) { respondToJointEventInvitation(jointEventId: $id, accept: true, groupIds: $g) { status } }`;
const REGISTER = `mutation($id: ID!) { registerForJointEvent(jointEventId: $id, shareIdentity: true) { id } }`;
const CANCEL = `mutation($id: ID!) { cancelJointEvent(id: $id) { status } }`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename } }`;
const LIST = `{ jointEvents(first: 50) { totalCount nodes { id } } }`;

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  c = await createTestNetwork(app, 'Network C');
  aAdmin = await a.member(NetworkRole.ADMIN);
  bAdmin = await b.member(NetworkRole.ADMIN);
  cAdmin = await c.member(NetworkRole.ADMIN);
  cMember = await c.member(NetworkRole.MEMBER);
  aMember = await a.member(NetworkRole.MEMBER, { displayName: 'Ann' });
  aGroup = await createGroup(app, a, { name: 'Alpha' });
  bGroup = await createGroup(app, b, { name: 'Beta' });
  cGroup = await createGroup(app, c, { name: 'Gamma' });
  ok(await app.gql(`mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }`, { g: aGroup }, aMember.token));
  const start = new Date(Date.now() + 5 * 86_400_000);
  eventId = ok(
    await app.gql<{ createJointEvent: { id: string } }>(
      `mutation($input: CreateJointEventInput!) { createJointEvent(input: $input) { id } }`,
      {
        input: {
          title: 'Shared circle',
          startsAt: start.toISOString(),
          endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
          format: 'ONLINE',
          capacity: 10,
          hostGroupIds: [aGroup],
        },
      },
      aAdmin.token,
    ),
  ).createJointEvent.id;
  ok(await app.gql(REGISTER, { id: eventId }, aMember.token));
});
afterAll(() => app.stop());

test('an unrelated network (C) gets NOT_FOUND on every operation and null from node', async () => {
  for (const cred of [cAdmin.token, c.adminKey]) {
    await expectLikeUnknown(app, INVITE, { n: c.globalId, id: eventId }, { n: c.globalId, id: unknownId('JointEvent') }, cred);
    await expectLikeUnknown(app, RESPOND, { g: [cGroup], id: eventId }, { g: [cGroup], id: unknownId('JointEvent') }, cred);
    await expectLikeUnknown(app, CANCEL, { id: eventId }, { id: unknownId('JointEvent') }, cred);
    expect(ok(await app.gql(NODE, { id: eventId }, cred)).node).toBeNull();
    expect(ok(await app.gql(LIST, {}, cred)).jointEvents).toEqual({ totalCount: 0, nodes: [] });
  }
  await expectLikeUnknown(app, REGISTER, { id: eventId }, { id: unknownId('JointEvent') }, cMember.token);
  // A cannot invite C: no partnership, so C is not visible.
  expect((await app.gql(INVITE, { id: eventId, n: c.globalId }, aAdmin.token)).errors![0].extensions.code).toBe('NOT_FOUND');
});

test('B before any partnership: NOT_FOUND too; after invitation B sees the event but not A’s registrations', async () => {
  await expectLikeUnknown(app, RESPOND, { g: [bGroup], id: eventId }, { g: [bGroup], id: unknownId('JointEvent') }, bAdmin.token);
  expect(ok(await app.gql(NODE, { id: eventId }, bAdmin.token)).node).toBeNull();
  partnershipId = ok(
    await app.gql<{ requestPartnership: { id: string } }>(
      `mutation($s: String!) { requestPartnership(partnerSlug: $s, scopes: [JOINT_EVENTS]) { id } }`,
      { s: b.slug },
      aAdmin.token,
    ),
  ).requestPartnership.id;
  ok(await app.gql(`mutation($id: ID!) { respondToPartnership(id: $id, accept: true) { id } }`, { id: partnershipId }, bAdmin.token));
  ok(await app.gql(INVITE, { id: eventId, n: b.globalId }, aAdmin.token));
  expect(ok(await app.gql(NODE, { id: eventId }, bAdmin.token)).node).toEqual({ id: eventId, __typename: 'JointEvent' });
  const seen = ok(
    await app.gql<any>(
      `query($id: ID!) { node(id: $id) { ... on JointEvent { registrationCounts { network { id } count } registrations { totalCount nodes { displayName } } } } }`,
      { id: eventId },
      bAdmin.token,
    ),
  ).node;
  // Ann consented, but B only ever sees her display name — and only through the identities function.
  expect(seen).toEqual({ registrationCounts: [{ network: { id: a.globalId }, count: 1 }], registrations: { totalCount: 1, nodes: [{ displayName: 'Ann' }] } });
  // A's registration is not a node for B.
  const regId = ok(await app.gql<any>(`query($id: ID!) { node(id: $id) { ... on JointEvent { viewerRegistration { id } } } }`, { id: eventId }, aMember.token))
    .node.viewerRegistration.id;
  expect(ok(await app.gql(NODE, { id: regId }, bAdmin.token)).node).toBeNull();
  expect(ok(await app.gql(NODE, { id: regId }, aAdmin.token)).node).toEqual({ id: regId, __typename: 'JointEventRegistration' });
  // B cannot cancel A's event; C still sees nothing.
  expect((await app.gql(CANCEL, { id: eventId }, bAdmin.token)).errors![0].extensions.code).toBe('FORBIDDEN');
  expect(ok(await app.gql(NODE, { id: eventId }, cAdmin.token)).node).toBeNull();
});

test('row-level security agrees: C sees no rows; B sees no registration rows of A; only the host can lock the event row', async () => {
  const ds = app.db.dataSource;
  const id = Buffer.from(eventId, 'base64url').toString('utf8').split(':')[1];
  await withTenant(ds, c.id, async (m) => {
    for (const table of ['joint_events', 'joint_event_participants', 'joint_event_groups', 'joint_event_registrations']) {
      expect(await m.query(`SELECT * FROM ${table}`)).toEqual([]);
    }
    expect(await m.query(`SELECT * FROM app_joint_event_counts($1)`, [id])).toEqual([]);
    expect(await m.query(`SELECT * FROM app_joint_event_identities($1)`, [id])).toEqual([]);
  });
  await withTenant(ds, b.id, async (m) => {
    expect(await m.query(`SELECT * FROM joint_event_registrations WHERE joint_event_id = $1`, [id])).toEqual([]);
    expect(await m.query(`SELECT id FROM joint_events WHERE id = $1`, [id])).toHaveLength(1);
    // Why registration takes an advisory lock: a partner cannot lock the host's event row (UPDATE policy).
    expect(await m.query(`SELECT id FROM joint_events WHERE id = $1 FOR UPDATE`, [id])).toEqual([]);
  });
});

test('row-level security: a network that declined or was withdrawn is no party any more; the host still reads and updates its row; the past stays', async () => {
  const ds = app.db.dataSource;
  const declined = dbId(eventId);
  // A second event B accepts (and a member of B registers for), to be withdrawn by the revocation.
  const start = new Date(Date.now() + 8 * 86_400_000);
  const second = ok(
    await app.gql<{ createJointEvent: { id: string } }>(
      `mutation($input: CreateJointEventInput!) { createJointEvent(input: $input) { id } }`,
      {
        input: {
          title: 'Second circle',
          startsAt: start.toISOString(),
          endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
          format: 'ONLINE',
          hostGroupIds: [aGroup],
        },
      },
      aAdmin.token,
    ),
  ).createJointEvent.id;
  ok(await app.gql(INVITE, { id: second, n: b.globalId }, aAdmin.token));
  ok(await app.gql(RESPOND, { id: second, g: [bGroup] }, bAdmin.token));
  const withdrawn = dbId(second);
  // A past event B took part in (written directly: the API creates none in the past).
  const past = randomUUID();
  await withTenant(ds, a.id, async (m) => {
    await m.query(
      `INSERT INTO joint_events (id, host_network_id, title, starts_at, ends_at, format, status)
       VALUES ($1, $2, 'Past circle', now() - interval '3 days', now() - interval '3 days' + interval '1 hour', 'ONLINE', 'COMPLETED')`,
      [past, a.id],
    );
    await m.query(
      `INSERT INTO joint_event_participants (joint_event_id, network_id, status, responded_at) VALUES ($1, $2, 'ACCEPTED', now()), ($1, $3, 'ACCEPTED', now())`,
      [past, a.id, b.id],
    );
  });

  // B declines the first event; B revokes the partnership, which withdraws it from the second.
  ok(await app.gql(`mutation($id: ID!) { respondToJointEventInvitation(jointEventId: $id, accept: false) { status } }`, { id: eventId }, bAdmin.token));
  ok(await app.gql(`mutation($id: ID!) { revokePartnership(id: $id) { status } }`, { id: partnershipId }, bAdmin.token));

  await withTenant(ds, b.id, async (m) => {
    for (const event of [declined, withdrawn]) {
      for (const table of ['joint_events', 'joint_event_participants', 'joint_event_groups']) {
        const column = table === 'joint_events' ? 'id' : 'joint_event_id';
        expect({ table, rows: await m.query(`SELECT * FROM ${table} WHERE ${column} = $1`, [event]) }).toEqual({ table, rows: [] });
      }
      expect(await m.query(`SELECT * FROM app_joint_event_counts($1)`, [event])).toEqual([]);
      expect(await m.query(`SELECT * FROM app_joint_event_identities($1)`, [event])).toEqual([]);
      // Nor can B answer again or take its part back.
      const [, changed] = await m.query(`UPDATE joint_event_participants SET status = 'INVITED' WHERE joint_event_id = $1 AND network_id = $2`, [event, b.id]);
      expect(changed).toBe(0);
    }
    // A's groups of those events are not B's to see any more.
    expect(await m.query(`SELECT id FROM groups WHERE id = $1`, [dbId(aGroup)])).toEqual([]);
    // The past event: still a party, with its counts.
    expect(await m.query(`SELECT id FROM joint_events WHERE id = $1`, [past])).toHaveLength(1);
    expect(
      (await m.query(`SELECT network_id FROM app_joint_event_counts($1) ORDER BY 1`, [past])).map((r: { network_id: string }) => r.network_id).sort(),
    ).toEqual([a.id, b.id].sort());
  });

  await withTenant(ds, a.id, async (m) => {
    // The host reads B's rows with their status, and may still update them.
    const statuses = async () =>
      (await m.query(`SELECT joint_event_id, status FROM joint_event_participants WHERE network_id = $1 AND joint_event_id = ANY($2) ORDER BY status`, [
        b.id,
        [declined, withdrawn],
      ])) as Array<{ joint_event_id: string; status: string }>;
    expect(await statuses()).toEqual([
      { joint_event_id: declined, status: 'DECLINED' },
      { joint_event_id: withdrawn, status: 'WITHDRAWN' },
    ]);
    const [, touched] = await m.query(`UPDATE joint_event_participants SET responded_at = responded_at WHERE network_id = $1 AND joint_event_id = ANY($2)`, [
      b.id,
      [declined, withdrawn],
    ]);
    expect(touched).toBe(2);
    // Counts still work for the host (B, withdrawn before any of its members registered, is not counted).
    expect(await m.query(`SELECT network_id, count FROM app_joint_event_counts($1)`, [withdrawn])).toEqual([{ network_id: a.id, count: 0 }]);
  });
  // And through the API, B gets null / NOT_FOUND like an unknown event.
  for (const id of [eventId, second]) {
    expect(ok(await app.gql(NODE, { id }, bAdmin.token)).node).toBeNull();
    const unknown = toGlobalId('JointEvent', randomUUID());
    const res = await app.gql(RESPOND, { id, g: [bGroup] }, bAdmin.token);
    const other = await app.gql(RESPOND, { id: unknown, g: [bGroup] }, bAdmin.token);
    expect([res.errors![0].extensions.code, res.errors![0].message]).toEqual(['NOT_FOUND', other.errors![0].message]);
  }
  expect(ok(await app.gql<{ jointEvents: { nodes: Array<{ id: string }> } }>(LIST, {}, bAdmin.token)).jointEvents.nodes).toEqual([
    { id: toGlobalId('JointEvent', past) },
  ]);
});
