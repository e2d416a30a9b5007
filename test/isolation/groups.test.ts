import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { type Cred, expectLikeUnknown, ok, unknownId } from '../helpers/gql';

/**
 * Network B must not see or change network A's groups and memberships, by any route: listing, search,
 * node/nodes, or any groups/memberships mutation with A's IDs. A foreign ID must answer exactly like an
 * unknown one, and A must be unchanged afterwards.
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let aGroup: string;
let aPrivate: string;
let aMember: Cred;
let aFacilitator: Cred;
let aMembershipIds: string[];
let bGroup: string;
let bAdmin: Cred;
let bCoordinator: Cred;
let bMember: Cred;
/** B's credentials that may otherwise do everything with groups: its all-scopes key and its ADMIN token. */
let bCreds: Array<[string, string]>;

const CREATE = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`;
const UPDATE_GROUP = `mutation($id: ID!) { updateGroup(id: $id, input: { name: "Hijacked", visibility: NETWORK, capacity: 1 }) { id name } }`;
const ARCHIVE = `mutation($id: ID!) { archiveGroup(id: $id) { id archived } }`;
const JOIN = `mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }`;
const LEAVE = `mutation($g: ID!) { leaveGroup(groupId: $g) { id } }`;
const ADD = `mutation($g: ID!, $m: ID!) { addMember(groupId: $g, memberId: $m, role: FACILITATOR) { id } }`;
const UPDATE_MEMBERSHIP = `mutation($id: ID!, $role: GroupRole, $status: MembershipStatus) { updateMembership(id: $id, role: $role, status: $status) { id role status } }`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }`;
const GROUPS = `query($search: String, $topic: String, $after: String) {
  groups(first: 100, search: $search, topic: $topic, after: $after, includeArchived: true) { totalCount nodes { id name } }
}`;
/** Everything about A's groups, as A's all-scopes key sees it. */
const A_STATE = `{
  groups(first: 100, includeArchived: true) {
    nodes {
      id name slug description topics norms visibility capacity archived memberCount
      memberships(first: 100, status: null) { nodes { id role status joinedAt normsAcceptedAt leftAt member { id displayName } } }
      left: memberships(first: 100, status: LEFT) { totalCount }
    }
  }
}`;

async function aState() {
  return ok(await app.gql(A_STATE, {}, a.adminKey));
}

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  const input = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: 'Shared words: sobriety and anxiety',
    objectives: ['Support'],
    topics: ['addiction-recovery', 'anxiety'],
    norms: ['Confidentiality'],
    format: 'ONLINE',
    ...extra,
  });
  aGroup = ok(await app.gql<{ createGroup: { id: string } }>(CREATE, { input: input('Alpha Recovery', { capacity: 20 }) }, a.adminKey)).createGroup.id;
  aPrivate = ok(await app.gql<{ createGroup: { id: string } }>(CREATE, { input: input('Alpha Private', { visibility: 'PRIVATE' }) }, a.adminKey)).createGroup
    .id;
  aMember = await a.member(NetworkRole.MEMBER, { displayName: 'Alice of A' });
  aFacilitator = await a.member(NetworkRole.MEMBER, { displayName: 'Fay of A' });
  const m1 = ok(await app.gql<{ joinGroup: { id: string } }>(JOIN, { g: aGroup }, aMember.token)).joinGroup.id;
  const m2 = ok(await app.gql<{ addMember: { id: string } }>(ADD, { g: aGroup, m: aFacilitator.globalId }, a.adminKey)).addMember.id;
  const m3 = ok(
    await app.gql<{ addMember: { id: string } }>(
      `mutation($g: ID!, $m: ID!) { addMember(groupId: $g, memberId: $m) { id } }`,
      { g: aPrivate, m: aMember.globalId },
      a.adminKey,
    ),
  ).addMember.id;
  aMembershipIds = [m1, m2, m3];

  bGroup = ok(await app.gql<{ createGroup: { id: string } }>(CREATE, { input: input('Beta Group') }, b.adminKey)).createGroup.id;
  bAdmin = await b.member(NetworkRole.ADMIN, { displayName: 'Bob admin of B' });
  bCoordinator = await b.member(NetworkRole.COORDINATOR);
  bMember = await b.member(NetworkRole.MEMBER);
  bCreds = [
    ['all-scopes key', b.adminKey],
    ['ADMIN token', bAdmin.token],
  ];
});
afterAll(() => app.stop());

describe("reading A's groups and memberships with B's credentials", () => {
  test("groups lists only B's groups, whatever the search, topic or archive filter", async () => {
    for (const cred of [b.adminKey, bAdmin.token, bCoordinator.token, bMember.token, await b.key(ApiKeyScope.READ)]) {
      for (const vars of [{}, { search: 'alpha' }, { search: 'recovery' }, { topic: 'anxiety' }]) {
        const res = ok(await app.gql<{ groups: { nodes: Array<{ id: string; name: string }> } }>(GROUPS, vars, cred));
        const ids = res.groups.nodes.map((g) => g.id);
        expect(ids).not.toContain(aGroup);
        expect(ids).not.toContain(aPrivate);
        expect(res.groups.nodes.every((g) => g.name === 'Beta Group')).toBe(true);
      }
      expect(ok(await app.gql<{ groups: { totalCount: number } }>(GROUPS, { search: 'alpha' }, cred)).groups.totalCount).toBe(0);
    }
  });

  test("a cursor from A's list used by B pages B's groups only", async () => {
    const aPage = ok(await app.gql<{ groups: { pageInfo: { endCursor: string } } }>(`{ groups(first: 1) { pageInfo { endCursor } } }`, {}, a.adminKey));
    const res = ok(await app.gql<{ groups: { nodes: Array<{ id: string }> } }>(GROUPS, { after: aPage.groups.pageInfo.endCursor }, b.adminKey));
    for (const g of res.groups.nodes) expect([aGroup, aPrivate]).not.toContain(g.id);
  });

  test("node and nodes return null for A's groups and memberships", async () => {
    const ids = [aGroup, aPrivate, ...aMembershipIds, aMember.globalId];
    for (const [, cred] of [...bCreds, ['member', bMember.token] as [string, string]]) {
      for (const id of ids) expect(ok(await app.gql(NODE, { id }, cred)).node).toBeNull();
      expect(ok(await app.gql(NODES, { ids: [...ids, bGroup] }, cred)).nodes).toEqual([...ids.map(() => null), { id: bGroup, __typename: 'Group' }]);
    }
  });

  test("B's own lists hold nothing of A: B's group members, B's members' memberships", async () => {
    const res = ok(
      await app.gql<{ node: { memberCount: number; memberships: { totalCount: number } } }>(
        `query($id: ID!) { node(id: $id) { ... on Group { memberCount memberships { totalCount } } } }`,
        { id: bGroup },
        b.adminKey,
      ),
    );
    expect(res.node).toEqual({ memberCount: 0, memberships: { totalCount: 0 } });
    const mine = ok(
      await app.gql<{ viewer: { member: { memberships: { totalCount: number } } } }>(`{ viewer { member { memberships { totalCount } } } }`, {}, bAdmin.token),
    );
    expect(mine.viewer.member.memberships.totalCount).toBe(0);
  });
});

describe("changing A's groups and memberships with B's credentials: NOT_FOUND, and A unchanged", () => {
  let before: unknown;
  beforeAll(async () => {
    before = await aState();
  });

  test.each(['all-scopes key', 'ADMIN token'])('updateGroup and archiveGroup (%s)', async (label) => {
    const cred = bCreds.find(([l]) => l === label)![1];
    for (const id of [aGroup, aPrivate]) {
      await expectLikeUnknown(app, UPDATE_GROUP, { id }, { id: unknownId('Group') }, cred);
      await expectLikeUnknown(app, ARCHIVE, { id }, { id: unknownId('Group') }, cred);
    }
  });

  test.each(['all-scopes key', 'ADMIN token'])('addMember with A’s group or A’s member (%s)', async (label) => {
    const cred = bCreds.find(([l]) => l === label)![1];
    // A's group, B's member.
    await expectLikeUnknown(app, ADD, { g: aGroup, m: bMember.globalId }, { g: unknownId('Group'), m: bMember.globalId }, cred);
    await expectLikeUnknown(app, ADD, { g: aPrivate, m: bMember.globalId }, { g: unknownId('Group'), m: bMember.globalId }, cred);
    // B's group, A's member.
    await expectLikeUnknown(app, ADD, { g: bGroup, m: aMember.globalId }, { g: bGroup, m: unknownId('Member') }, cred);
    // Both A's.
    await expectLikeUnknown(app, ADD, { g: aGroup, m: aMember.globalId }, { g: unknownId('Group'), m: unknownId('Member') }, cred);
  });

  test.each(['all-scopes key', 'ADMIN token'])('updateMembership on A’s memberships (%s)', async (label) => {
    const cred = bCreds.find(([l]) => l === label)![1];
    for (const id of aMembershipIds) {
      await expectLikeUnknown(app, UPDATE_MEMBERSHIP, { id, role: 'FACILITATOR' }, { id: unknownId('Membership'), role: 'FACILITATOR' }, cred);
      await expectLikeUnknown(app, UPDATE_MEMBERSHIP, { id, status: 'LEFT' }, { id: unknownId('Membership'), status: 'LEFT' }, cred);
      await expectLikeUnknown(app, UPDATE_MEMBERSHIP, { id, status: 'PAUSED' }, { id: unknownId('Membership'), status: 'PAUSED' }, cred);
    }
  });

  test("joinGroup and leaveGroup with A's groups: NOT_FOUND for B's member tokens", async () => {
    for (const cred of [bAdmin.token, bCoordinator.token, bMember.token]) {
      for (const g of [aGroup, aPrivate]) {
        await expectLikeUnknown(app, JOIN, { g }, { g: unknownId('Group') }, cred);
        await expectLikeUnknown(app, LEAVE, { g }, { g: unknownId('Group') }, cred);
      }
    }
  });

  test("joinGroup and leaveGroup with B's key are FORBIDDEN for any group, A's or not (nothing to tell apart)", async () => {
    for (const g of [aGroup, aPrivate]) {
      await expectLikeUnknown(app, JOIN, { g }, { g: unknownId('Group') }, b.adminKey, 'FORBIDDEN');
      await expectLikeUnknown(app, LEAVE, { g }, { g: unknownId('Group') }, b.adminKey, 'FORBIDDEN');
    }
  });

  test("a multi-operation mutation by B touching A's IDs changes nothing in A", async () => {
    const res = await app.gql(
      `mutation($g: ID!, $p: ID!, $m: ID!) {
        u: updateGroup(id: $g, input: { name: "Hijacked" }) { id }
        a: archiveGroup(id: $p) { id }
        m: updateMembership(id: $m, status: LEFT) { id }
      }`,
      { g: aGroup, p: aPrivate, m: aMembershipIds[0] },
      b.adminKey,
    );
    expect(res.errors?.map((e) => e.extensions.code)).toContain('NOT_FOUND');
  });

  // Runs last in this block (jest keeps declaration order).
  test('afterwards A is exactly as it was: groups, counts, memberships', async () => {
    expect(await aState()).toEqual(before);
  });
});

describe('A still works for A', () => {
  test("A's own credentials still read A's groups and memberships (the IDs were valid all along)", async () => {
    const state = (await aState()) as { groups: { nodes: Array<{ id: string; name: string; memberCount: number; memberships: { nodes: unknown[] } }> } };
    const alpha = state.groups.nodes.find((g) => g.id === aGroup)!;
    expect(alpha).toMatchObject({ name: 'Alpha Recovery', memberCount: 2 });
    expect(alpha.memberships.nodes).toHaveLength(2);
    expect(ok(await app.gql(NODE, { id: aMembershipIds[2] }, aMember.token)).node).toEqual({ id: aMembershipIds[2], __typename: 'Membership' });
  });
});
