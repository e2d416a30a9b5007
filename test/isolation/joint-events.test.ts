import { randomUUID } from 'node:crypto';
import { withTenant } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';

/**
 * Joint events across networks: A hosts, B is invited (before and after the partnership), C is unrelated.
 * A non-party gets NOT_FOUND on every operation, exactly as for an unknown ID, and null from `node`;
 * row-level security agrees (no rows, no registrations of another network).
 */

type Cred = { id: string; globalId: string; token: string };

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

const INVITE = `mutation($id: ID!, $n: ID!) { inviteToJointEvent(jointEventId: $id, networkId: $n) { status } }`;
const RESPOND = `mutation($id: ID!, $g: [ID!]) { respondToJointEventInvitation(jointEventId: $id, accept: true, groupIds: $g) { status } }`;
const REGISTER = `mutation($id: ID!) { registerForJointEvent(jointEventId: $id, shareIdentity: true) { id } }`;
const CANCEL = `mutation($id: ID!) { cancelJointEvent(id: $id) { status } }`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename } }`;
const LIST = `{ jointEvents(first: 50) { totalCount nodes { id } } }`;

function ok<T>(res: GqlResult<T>): T {
  expect(res.errors).toBeUndefined();
  return res.data!;
}

/** NOT_FOUND, with the same message as for an ID that exists nowhere. */
async function expectLikeUnknown(query: string, vars: Record<string, unknown>, credential: string) {
  const unknown = toGlobalId('JointEvent', randomUUID());
  const res = await app.gql(query, { ...vars, id: eventId }, credential);
  expect(res.data).toBeNull();
  expect(res.errors![0].extensions.code).toBe('NOT_FOUND');
  const other = await app.gql(query, { ...vars, id: unknown }, credential);
  expect(other.errors![0].extensions.code).toBe('NOT_FOUND');
  expect(res.errors![0].message).toBe(other.errors![0].message);
}

async function group(net: TestNetwork, name: string): Promise<string> {
  const res = await app.gql<{ createGroup: { id: string } }>(
    `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`,
    { input: { name, objectives: ['Support'], topics: ['grief'], norms: ['Confidentiality'], format: 'ONLINE', visibility: 'NETWORK' } },
    net.adminKey,
  );
  return ok(res).createGroup.id;
}

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
  aGroup = await group(a, 'Alpha');
  bGroup = await group(b, 'Beta');
  cGroup = await group(c, 'Gamma');
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
    await expectLikeUnknown(INVITE, { n: c.globalId }, cred);
    await expectLikeUnknown(RESPOND, { g: [cGroup] }, cred);
    await expectLikeUnknown(CANCEL, {}, cred);
    expect(ok(await app.gql(NODE, { id: eventId }, cred)).node).toBeNull();
    expect(ok(await app.gql(LIST, {}, cred)).jointEvents).toEqual({ totalCount: 0, nodes: [] });
  }
  await expectLikeUnknown(REGISTER, {}, cMember.token);
  // A cannot invite C: no partnership, so C is not visible.
  expect((await app.gql(INVITE, { id: eventId, n: c.globalId }, aAdmin.token)).errors![0].extensions.code).toBe('NOT_FOUND');
});

test('B before any partnership: NOT_FOUND too; after invitation B sees the event but not A’s registrations', async () => {
  await expectLikeUnknown(RESPOND, { g: [bGroup] }, bAdmin.token);
  expect(ok(await app.gql(NODE, { id: eventId }, bAdmin.token)).node).toBeNull();
  const p = ok(
    await app.gql<{ requestPartnership: { id: string } }>(
      `mutation($s: String!) { requestPartnership(partnerSlug: $s, scopes: [JOINT_EVENTS]) { id } }`,
      { s: b.slug },
      aAdmin.token,
    ),
  ).requestPartnership.id;
  ok(await app.gql(`mutation($id: ID!) { respondToPartnership(id: $id, accept: true) { id } }`, { id: p }, bAdmin.token));
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
  const regId = ok(
    await app.gql<any>(`query($id: ID!) { node(id: $id) { ... on JointEvent { viewerRegistration { id } } } }`, { id: eventId }, aMember.token),
  ).node.viewerRegistration.id;
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
