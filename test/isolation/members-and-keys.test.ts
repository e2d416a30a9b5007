import { randomUUID } from 'node:crypto';
import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { type Cred } from '../helpers/gql';

/**
 * Network B must not be able to read or change network A's members and API keys, by any route:
 * by ID in mutations, by node/nodes, or by listing. Foreign IDs must look exactly like unknown IDs.
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let aMember: Cred;
let aAdminMember: Cred;
let aKeyGlobalId: string;
let bMember: Cred;

const MEMBER_FIELDS = 'id displayName email role';

const UPDATE_MEMBER = `mutation($id: ID!) { updateMember(id: $id, input: { displayName: "Hijacked", email: "evil@b.example" }) { ${MEMBER_FIELDS} } }`;
const SET_ROLE = `mutation($id: ID!) { setMemberRole(memberId: $id, role: ADMIN) { ${MEMBER_FIELDS} } }`;
const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
const ISSUE_TOKEN = `mutation($id: ID!) { issueMemberToken(memberId: $id, ttlSeconds: 600) { token member { id } } }`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename ... on Member { displayName email role } ... on ApiKey { name revokedAt } } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }`;
const MEMBERS = `{ members(first: 100) { nodes { id displayName } } }`;
const API_KEYS = `{ apiKeys { id name revokedAt } }`;

/** A's member as A sees it (with A's admin key). */
async function aMemberAsSeenByA(globalId: string) {
  const res = await app.gql(NODE, { id: globalId }, a.adminKey);
  expect(res.errors).toBeUndefined();
  return res.data?.node;
}

/** A's API keys as A sees them. */
async function aKeysAsSeenByA() {
  const res = await app.gql(API_KEYS, {}, a.adminKey);
  expect(res.errors).toBeUndefined();
  return res.data!.apiKeys as Array<{ id: string; name: string; revokedAt: string | null }>;
}

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  aMember = await a.member(NetworkRole.MEMBER, { displayName: 'Alice of A', email: 'alice@a.example' });
  aAdminMember = await a.member(NetworkRole.ADMIN, { displayName: 'Ada admin of A' });
  bMember = await b.member(NetworkRole.MEMBER, { displayName: 'Bob of B' });
  // A second key of A (besides the admin key), so there is a non-caller key to target.
  await a.key(ApiKeyScope.READ);
  const keys = await aKeysAsSeenByA();
  expect(keys.length).toBeGreaterThanOrEqual(2);
  aKeyGlobalId = keys[keys.length - 1].id;
});
afterAll(() => app.stop());

describe('by ID in mutations, with B’s all-scopes key', () => {
  test('updateMember on A’s member is NOT_FOUND and changes nothing', async () => {
    const before = await aMemberAsSeenByA(aMember.globalId);
    expect(before).toMatchObject({ displayName: 'Alice of A', email: 'alice@a.example', role: 'MEMBER' });

    const res = await app.gql(UPDATE_MEMBER, { id: aMember.globalId }, b.adminKey);
    expect(res.data).toBeNull();
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');

    expect(await aMemberAsSeenByA(aMember.globalId)).toEqual(before);
  });

  test('setMemberRole on A’s member is NOT_FOUND and changes nothing', async () => {
    const res = await app.gql(SET_ROLE, { id: aMember.globalId }, b.adminKey);
    expect(res.data).toBeNull();
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');

    expect(await aMemberAsSeenByA(aMember.globalId)).toMatchObject({ role: 'MEMBER', displayName: 'Alice of A' });
  });

  test('revokeApiKey on A’s key is NOT_FOUND and the key keeps working', async () => {
    const res = await app.gql(REVOKE_KEY, { id: aKeyGlobalId }, b.adminKey);
    expect(res.data).toBeNull();
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');

    const key = (await aKeysAsSeenByA()).find((k) => k.id === aKeyGlobalId);
    expect(key).toBeDefined();
    expect(key!.revokedAt).toBeNull();
  });

  test('revokeApiKey on A’s own admin key is NOT_FOUND and A can still authenticate', async () => {
    const keys = await aKeysAsSeenByA();
    for (const key of keys) {
      const res = await app.gql(REVOKE_KEY, { id: key.id }, b.adminKey);
      expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
    }
    const after = await aKeysAsSeenByA();
    expect(after.map((k) => k.id)).toEqual(keys.map((k) => k.id));
    expect(after.every((k) => k.revokedAt === null)).toBe(true);
  });

  test('issueMemberToken for A’s member is NOT_FOUND and yields no token', async () => {
    for (const target of [aMember, aAdminMember]) {
      const res = await app.gql(ISSUE_TOKEN, { id: target.globalId }, b.adminKey);
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
    }
  });

  test('B’s admin member token cannot update A’s member either', async () => {
    const bAdmin = await b.member(NetworkRole.ADMIN);
    const res = await app.gql(SET_ROLE, { id: aMember.globalId }, bAdmin.token);
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
    const upd = await app.gql(UPDATE_MEMBER, { id: aMember.globalId }, bAdmin.token);
    expect(upd.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(await aMemberAsSeenByA(aMember.globalId)).toMatchObject({ role: 'MEMBER', displayName: 'Alice of A' });
  });
});

describe('a foreign ID is indistinguishable from an ID that does not exist', () => {
  const cases: Array<[string, string, () => string, () => string]> = [
    ['updateMember', UPDATE_MEMBER, () => aMember.globalId, () => toGlobalId('Member', randomUUID())],
    ['setMemberRole', SET_ROLE, () => aMember.globalId, () => toGlobalId('Member', randomUUID())],
    ['revokeApiKey', REVOKE_KEY, () => aKeyGlobalId, () => toGlobalId('ApiKey', randomUUID())],
    ['issueMemberToken', ISSUE_TOKEN, () => aMember.globalId, () => toGlobalId('Member', randomUUID())],
  ];

  test.each(cases)('%s: same status, message and code', async (_name, mutation, foreignId, missingId) => {
    const foreign = await app.gql(mutation, { id: foreignId() }, b.adminKey);
    const missing = await app.gql(mutation, { id: missingId() }, b.adminKey);
    expect(foreign.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(foreign.status).toBe(missing.status);
    expect(foreign.data).toEqual(missing.data);
    expect(foreign.errors).toHaveLength(1);
    expect(missing.errors).toHaveLength(1);
    expect(foreign.errors![0].message).toBe(missing.errors![0].message);
    expect(foreign.errors![0].extensions).toEqual(missing.errors![0].extensions);
    expect(foreign.errors![0].path).toEqual(missing.errors![0].path);
  });
});

describe('by node(id:) and nodes(ids:)', () => {
  test('node with A’s member and key IDs is null for B’s key, though A sees them', async () => {
    for (const id of [aMember.globalId, aAdminMember.globalId, aKeyGlobalId]) {
      const asA = await app.gql(NODE, { id }, a.adminKey);
      expect(asA.data?.node?.id).toBe(id);

      const asB = await app.gql(NODE, { id }, b.adminKey);
      expect(asB.errors).toBeUndefined();
      expect(asB.data?.node).toBeNull();
    }
  });

  test('nodes with A’s IDs is all null for B, while B’s own ID in the same call resolves', async () => {
    const ids = [aMember.globalId, aKeyGlobalId, bMember.globalId, aAdminMember.globalId];
    const res = await app.gql(NODES, { ids }, b.adminKey);
    expect(res.errors).toBeUndefined();
    expect(res.data?.nodes).toEqual([null, null, { id: bMember.globalId, __typename: 'Member' }, null]);
  });

  test('a member token of B cannot see A’s member by node, whatever its role', async () => {
    const bAdmin = await b.member(NetworkRole.ADMIN);
    for (const token of [bMember.token, bAdmin.token]) {
      const res = await app.gql(NODE, { id: aMember.globalId }, token);
      expect(res.errors).toBeUndefined();
      expect(res.data?.node).toBeNull();
      const many = await app.gql(NODES, { ids: [aMember.globalId, aAdminMember.globalId, aKeyGlobalId] }, token);
      expect(many.errors).toBeUndefined();
      expect(many.data?.nodes).toEqual([null, null, null]);
    }
    // Sanity: the B admin token does see a B member by node, so null above is isolation, not a blanket refusal.
    const own = await app.gql(NODE, { id: bMember.globalId }, bAdmin.token);
    expect(own.data?.node?.id).toBe(bMember.globalId);
  });
});

describe('by listing', () => {
  test('members with B’s key lists B’s members and none of A’s', async () => {
    const asA = await app.gql(MEMBERS, {}, a.adminKey);
    const aIds: string[] = asA.data!.members.nodes.map((m: { id: string }) => m.id);
    expect(aIds).toEqual(expect.arrayContaining([aMember.globalId, aAdminMember.globalId]));

    const asB = await app.gql(MEMBERS, {}, b.adminKey);
    expect(asB.errors).toBeUndefined();
    const bIds: string[] = asB.data!.members.nodes.map((m: { id: string }) => m.id);
    expect(bIds).toContain(bMember.globalId);
    expect(bIds.filter((id) => aIds.includes(id))).toEqual([]);
    expect(asB.data!.members.nodes.map((m: { displayName: string }) => m.displayName)).not.toContain('Alice of A');
  });

  test('members searched by A’s member name with B’s key finds nothing', async () => {
    const res = await app.gql(`{ members(search: "Alice of A") { nodes { id } } }`, {}, b.adminKey);
    expect(res.errors).toBeUndefined();
    expect(res.data!.members.nodes).toEqual([]);
  });

  test('apiKeys with B’s key lists B’s keys and none of A’s', async () => {
    const aIds = (await aKeysAsSeenByA()).map((k) => k.id);
    expect(aIds).toContain(aKeyGlobalId);

    const res = await app.gql(API_KEYS, {}, b.adminKey);
    expect(res.errors).toBeUndefined();
    const bIds: string[] = res.data!.apiKeys.map((k: { id: string }) => k.id);
    expect(bIds.length).toBeGreaterThanOrEqual(1);
    expect(bIds.filter((id) => aIds.includes(id))).toEqual([]);
  });
});
