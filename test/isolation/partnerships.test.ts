import { withTenant } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { type Cred, dbId, expectLikeUnknown, ok, unknownId } from '../helpers/gql';

/**
 * A and B are partners (GROUP_DIRECTORY, ACTIVE); C is unrelated. C must not see or change the A–B
 * partnership by any route, and B must see nothing of A beyond the partner directory: not A's groups
 * through `groups`, `node` or `nodes`, not A's members, and no change to A's groups. The database
 * (row-level security) agrees.
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let c: TestNetwork;
let aAdmin: Cred;
let bAdmin: Cred;
let cAdmin: Cred;
let partnershipId: string;
let aShared: string;
let aNetworkGroup: string;
let aPrivate: string;
let aArchived: string;
let aMember: Cred;

const RESPOND = `mutation($id: ID!) { respondToPartnership(id: $id, accept: true) { id status } }`;
const REVOKE = `mutation($id: ID!) { revokePartnership(id: $id) { id status } }`;
const LIST = `{ partnerships { id status } }`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }`;
const AUDIT = `{ auditLog(first: 100) { totalCount nodes { action targetId } } }`;
const DIRECTORY = `{ partnerDirectory(first: 100) { totalCount nodes { id name network { id } } } }`;
const GROUPS = `query($search: String) { groups(first: 100, search: $search, includeArchived: true) { totalCount nodes { id name } } }`;
const CREATE_GROUP = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`;

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  c = await createTestNetwork(app, 'Network C');
  aAdmin = await a.member(NetworkRole.ADMIN);
  bAdmin = await b.member(NetworkRole.ADMIN);
  cAdmin = await c.member(NetworkRole.ADMIN);
  aMember = await a.member(NetworkRole.MEMBER, { displayName: 'Alice of A' });
  const create = async (name: string, visibility: string) =>
    ok(
      await app.gql<{ createGroup: { id: string } }>(
        CREATE_GROUP,
        { input: { name, objectives: ['Support'], topics: ['anxiety'], norms: ['Confidentiality'], format: 'ONLINE', visibility } },
        a.adminKey,
      ),
    ).createGroup.id;
  aShared = await create('Alpha Shared', 'PARTNERS');
  aNetworkGroup = await create('Alpha Network', 'NETWORK');
  aPrivate = await create('Alpha Private', 'PRIVATE');
  aArchived = await create('Alpha Archived', 'PARTNERS');
  ok(await app.gql(`mutation($id: ID!) { archiveGroup(id: $id) { id } }`, { id: aArchived }, a.adminKey));
  ok(await app.gql(`mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }`, { g: aShared }, aMember.token));
  partnershipId = ok(
    await app.gql<{ requestPartnership: { id: string } }>(
      `mutation($slug: String!) { requestPartnership(partnerSlug: $slug, scopes: [GROUP_DIRECTORY, JOINT_EVENTS]) { id } }`,
      { slug: b.slug },
      aAdmin.token,
    ),
  ).requestPartnership.id;
  ok(await app.gql(RESPOND, { id: partnershipId }, bAdmin.token));
});
afterAll(() => app.stop());

describe('an unrelated network (C) and the A–B partnership', () => {
  test('respond and revoke answer NOT_FOUND, exactly as for an unknown ID; nothing changes', async () => {
    const unknown = unknownId('Partnership');
    for (const cred of [cAdmin.token, c.adminKey]) {
      await expectLikeUnknown(app, RESPOND, { id: partnershipId }, { id: unknown }, cred);
      await expectLikeUnknown(app, REVOKE, { id: partnershipId }, { id: unknown }, cred);
    }
    expect(ok(await app.gql<{ partnerships: unknown[] }>(LIST, {}, aAdmin.token)).partnerships).toEqual([{ id: partnershipId, status: 'ACTIVE' }]);
  });

  test('node, nodes, partnerships, auditLog and the directory show C nothing', async () => {
    for (const cred of [cAdmin.token, c.adminKey]) {
      expect(ok(await app.gql(NODE, { id: partnershipId }, cred)).node).toBeNull();
      expect(ok(await app.gql(NODES, { ids: [partnershipId, a.globalId, b.globalId] }, cred)).nodes).toEqual([null, null, null]);
      expect(ok(await app.gql(LIST, {}, cred)).partnerships).toEqual([]);
      expect(ok(await app.gql(AUDIT, {}, cred)).auditLog).toEqual({ totalCount: 0, nodes: [] });
      expect(ok(await app.gql(DIRECTORY, {}, cred)).partnerDirectory).toEqual({ totalCount: 0, nodes: [] });
    }
    // A's audit entries are not nodes for B either.
    const aEntries = ok(await app.gql<{ auditLog: { nodes: Array<{ id: string }> } }>(`{ auditLog { nodes { id } } }`, {}, aAdmin.token)).auditLog.nodes;
    expect(aEntries).toHaveLength(2);
    expect(ok(await app.gql(NODES, { ids: aEntries.map((e) => e.id) }, bAdmin.token)).nodes).toEqual([null, null]);
  });
});

describe('a partner (B) and the rest of A', () => {
  test("the directory shows A's shared group only", async () => {
    const dir = ok(await app.gql<{ partnerDirectory: { nodes: Array<{ id: string; name: string }> } }>(DIRECTORY, {}, bAdmin.token)).partnerDirectory;
    expect(dir.nodes).toEqual([{ id: toGlobalId('SharedGroup', dbId(aShared)), name: 'Alpha Shared', network: { id: a.globalId } }]);
  });

  test("groups, node and nodes show B none of A's groups (row-level security lets PARTNERS rows through; the API must not)", async () => {
    const ids = [aShared, aNetworkGroup, aPrivate, aArchived];
    for (const cred of [bAdmin.token, b.adminKey, (await b.member(NetworkRole.MEMBER)).token]) {
      const groups = ok(await app.gql<{ groups: { totalCount: number; nodes: unknown[] } }>(GROUPS, { search: 'alpha' }, cred)).groups;
      expect(groups).toEqual({ totalCount: 0, nodes: [] });
      for (const id of ids) expect(ok(await app.gql(NODE, { id }, cred)).node).toBeNull();
      expect(ok(await app.gql(NODES, { ids }, cred)).nodes).toEqual([null, null, null, null]);
      // A's members are not nodes for B. A's network is (its public fields, as Partnership.partner and
      // SharedGroup.network show it; `_entities` agrees), without A's own settings.
      expect(ok(await app.gql(NODES, { ids: [a.globalId, aMember.globalId, aAdmin.globalId] }, cred)).nodes).toEqual([
        { id: a.globalId, __typename: 'Network' },
        null,
        null,
      ]);
      const aNetwork = ok(
        await app.gql<{ node: Record<string, unknown> }>(
          `query($id: ID!) { node(id: $id) { ... on Network { slug minimumAggregateSize } } }`,
          { id: a.globalId },
          cred,
        ),
      ).node;
      expect(aNetwork).toEqual({ slug: a.slug, minimumAggregateSize: null });
      // A SharedGroup ID is not a way in either.
      expect(ok(await app.gql(NODE, { id: toGlobalId('SharedGroup', dbId(aShared)) }, cred)).node).toBeNull();
    }
  });

  test("B cannot change or join A's shared group", async () => {
    const unknown = unknownId('Group');
    await expectLikeUnknown(
      app,
      `mutation($id: ID!) { updateGroup(id: $id, input: { name: "Hijacked" }) { id } }`,
      { id: aShared },
      { id: unknown },
      bAdmin.token,
    );
    await expectLikeUnknown(app, `mutation($id: ID!) { archiveGroup(id: $id) { id } }`, { id: aShared }, { id: unknown }, b.adminKey);
    await expectLikeUnknown(
      app,
      `mutation($id: ID!) { joinGroup(groupId: $id, acceptNorms: true) { id } }`,
      { id: aShared },
      { id: unknown },
      (await b.member(NetworkRole.MEMBER)).token,
    );
    const aGroups = ok(await app.gql<{ groups: { nodes: Array<{ name: string }> } }>(GROUPS, {}, a.adminKey)).groups.nodes.map((g) => g.name);
    expect(aGroups).toContain('Alpha Shared');
    expect(aGroups).not.toContain('Hijacked');
  });
});

describe('row-level security backs it', () => {
  test("C's transactions see and change no partnership row, and cannot request in another network's name", async () => {
    const ds = app.db.dataSource;
    await withTenant(ds, c.id, async (m) => {
      expect(await m.query(`SELECT id FROM partnerships WHERE id = $1`, [dbId(partnershipId)])).toEqual([]);
      const [, affected] = await m.query(`UPDATE partnerships SET status = 'REVOKED' WHERE id = $1`, [dbId(partnershipId)]);
      expect(affected).toBe(0);
      expect(await m.query(`SELECT id FROM networks WHERE id = ANY($1)`, [[a.id, b.id]])).toEqual([]);
      expect(await m.query(`SELECT id FROM audit_log WHERE network_id = ANY($1)`, [[a.id, b.id]])).toEqual([]);
    });
    await expect(
      withTenant(ds, c.id, (m) =>
        m.query(`INSERT INTO partnerships (requester_network_id, partner_network_id, scopes) VALUES ($1, $2, '{GROUP_DIRECTORY}')`, [a.id, c.id]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(withTenant(ds, c.id, (m) => m.query(`SELECT app_audit_partner($1, 'x', 'x', null)`, [dbId(partnershipId)]))).rejects.toThrow(/not a party/);
    const [{ status }] = await withTenant(ds, a.id, (m) => m.query(`SELECT status FROM partnerships WHERE id = $1`, [dbId(partnershipId)]));
    expect(status).toBe('ACTIVE');
  });

  test('a party cannot rewrite the agreement in SQL: parties and scopes are fixed, only the partner accepts, no way back from REVOKED', async () => {
    const ds = app.db.dataSource;
    const id = dbId(partnershipId);
    await expect(withTenant(ds, a.id, (m) => m.query(`UPDATE partnerships SET partner_network_id = $2 WHERE id = $1`, [id, c.id]))).rejects.toThrow(
      /cannot change/,
    );
    await expect(withTenant(ds, b.id, (m) => m.query(`UPDATE partnerships SET scopes = '{JOINT_EVENTS}' WHERE id = $1`, [id]))).rejects.toThrow(
      /cannot change/,
    );
    // A fresh request from A to C: A (the requester) cannot accept it itself.
    const pending = ok(
      await app.gql<{ requestPartnership: { id: string } }>(
        `mutation($slug: String!) { requestPartnership(partnerSlug: $slug, scopes: [GROUP_DIRECTORY]) { id } }`,
        { slug: c.slug },
        aAdmin.token,
      ),
    ).requestPartnership.id;
    await expect(withTenant(ds, a.id, (m) => m.query(`UPDATE partnerships SET status = 'ACTIVE' WHERE id = $1`, [dbId(pending)]))).rejects.toThrow(
      /only the partner/,
    );
    await withTenant(ds, a.id, (m) => m.query(`UPDATE partnerships SET status = 'REVOKED', revoked_at = now() WHERE id = $1`, [dbId(pending)]));
    await expect(withTenant(ds, c.id, (m) => m.query(`UPDATE partnerships SET status = 'ACTIVE' WHERE id = $1`, [dbId(pending)]))).rejects.toThrow(
      /cannot go from REVOKED to ACTIVE/,
    );
    const [{ status }] = await withTenant(ds, a.id, (m) => m.query(`SELECT status FROM partnerships WHERE id = $1`, [id]));
    expect(status).toBe('ACTIVE');
  });

  test("B's transactions see A's network row and A's shared, unarchived PARTNERS groups only; no member data", async () => {
    const rows = await withTenant(app.db.dataSource, b.id, async (m) => ({
      networks: (await m.query(`SELECT id FROM networks WHERE id = ANY($1) ORDER BY id`, [[a.id, c.id]])) as Array<{ id: string }>,
      groups: (await m.query(`SELECT name FROM groups WHERE network_id = $1 ORDER BY name`, [a.id])) as Array<{ name: string }>,
      memberships: (await m.query(`SELECT id FROM memberships WHERE network_id = $1`, [a.id])) as unknown[],
      members: (await m.query(`SELECT id FROM members WHERE network_id = $1`, [a.id])) as unknown[],
    }));
    expect(rows.networks.map((n) => n.id)).toEqual([a.id]);
    expect(rows.groups.map((g) => g.name)).toEqual(['Alpha Shared']);
    expect(rows.memberships).toEqual([]);
    expect(rows.members).toEqual([]);
  });
});
