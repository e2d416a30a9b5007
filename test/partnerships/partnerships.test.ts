import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { type Cred, expectCode, ok } from '../helpers/gql';

/** Partnerships between networks, the audit log, and the partner directory, through the API. */

let app: TestApp;

const FIELDS = `id status scopes createdAt respondedAt revokedAt requester { id slug name } partner { id slug name }`;
const REQUEST = `mutation($slug: String!, $scopes: [PartnershipScope!]!) { requestPartnership(partnerSlug: $slug, scopes: $scopes) { ${FIELDS} } }`;
const RESPOND = `mutation($id: ID!, $accept: Boolean!) { respondToPartnership(id: $id, accept: $accept) { ${FIELDS} } }`;
const REVOKE = `mutation($id: ID!) { revokePartnership(id: $id) { ${FIELDS} } }`;
const LIST = `query($status: PartnershipStatus) { partnerships(status: $status) { ${FIELDS} } }`;
const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Partnership { status } ... on AuditEntry { action } } }`;
const AUDIT = `query($first: Int, $after: String) {
  auditLog(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id actor action targetType targetId at details } }
}`;
const DIRECTORY = `query($topic: String, $search: String, $first: Int, $after: String) {
  partnerDirectory(topic: $topic, search: $search, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id name description objectives topics format network { id slug name } }
  }
}`;
const CREATE_GROUP = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`;

type P = {
  id: string;
  status: string;
  scopes: string[];
  createdAt: string;
  respondedAt: string | null;
  revokedAt: string | null;
  requester: { id: string; slug: string; name: string };
  partner: { id: string; slug: string; name: string };
};
type Audit = { id: string; actor: string; action: string; targetType: string | null; targetId: string | null; at: string; details: any };

/** Three fresh networks per test group, with ADMIN tokens. */
async function trio() {
  const a = await createTestNetwork(app, 'Network A');
  const b = await createTestNetwork(app, 'Network B');
  const c = await createTestNetwork(app, 'Network C');
  return { a, b, c, aAdmin: await a.member(NetworkRole.ADMIN), bAdmin: await b.member(NetworkRole.ADMIN), cAdmin: await c.member(NetworkRole.ADMIN) };
}

async function request(from: Cred | string, to: TestNetwork, scopes = ['GROUP_DIRECTORY', 'JOINT_EVENTS']): Promise<P> {
  return ok(await app.gql<{ requestPartnership: P }>(REQUEST, { slug: to.slug, scopes }, typeof from === 'string' ? from : from.token)).requestPartnership;
}

async function auditLog(cred: string): Promise<Audit[]> {
  return ok(await app.gql<{ auditLog: { nodes: Audit[] } }>(AUDIT, { first: 100 }, cred)).auditLog.nodes;
}

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

describe('requestPartnership, respondToPartnership, revokePartnership, partnerships', () => {
  test('request and accept: both sides see the same row; audit entries on both sides', async () => {
    const { a, b, aAdmin, bAdmin } = await trio();
    const requested = await request(aAdmin, b, ['GROUP_DIRECTORY', 'GROUP_DIRECTORY']);
    expect(requested).toMatchObject({
      status: 'PENDING',
      scopes: ['GROUP_DIRECTORY'],
      respondedAt: null,
      revokedAt: null,
      requester: { id: a.globalId, slug: a.slug, name: 'Network A' },
      partner: { id: b.globalId, slug: b.slug, name: 'Network B' },
    });
    const aList = ok(await app.gql<{ partnerships: P[] }>(LIST, {}, aAdmin.token)).partnerships;
    const bList = ok(await app.gql<{ partnerships: P[] }>(LIST, {}, bAdmin.token)).partnerships;
    expect(aList).toEqual([requested]);
    expect(bList).toEqual([requested]);
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, { status: 'ACTIVE' }, bAdmin.token)).partnerships).toEqual([]);

    const accepted = ok(await app.gql<{ respondToPartnership: P }>(RESPOND, { id: requested.id, accept: true }, bAdmin.token)).respondToPartnership;
    expect(accepted).toMatchObject({ id: requested.id, status: 'ACTIVE', scopes: ['GROUP_DIRECTORY'], revokedAt: null, createdAt: requested.createdAt });
    expect(new Date(accepted.respondedAt!).getTime()).toBeGreaterThanOrEqual(new Date(requested.createdAt).getTime());
    for (const cred of [aAdmin.token, bAdmin.token, a.adminKey, b.adminKey, await b.key(ApiKeyScope.ADMIN)]) {
      expect(ok(await app.gql<{ partnerships: P[] }>(LIST, { status: 'ACTIVE' }, cred)).partnerships).toEqual([accepted]);
    }
    // node: ADMINs of both sides.
    for (const cred of [aAdmin.token, bAdmin.token, b.adminKey]) {
      expect(ok(await app.gql(NODE, { id: requested.id }, cred)).node).toEqual({ __typename: 'Partnership', id: requested.id, status: 'ACTIVE' });
    }

    // Audit: A's log has its request (own entry) and B's acceptance (partner entry); B's log the mirror.
    const aLog = await auditLog(aAdmin.token);
    const bLog = await auditLog(b.adminKey);
    expect(aLog.map((e) => e.action)).toEqual(['partnership.accepted', 'partnership.requested']);
    expect(bLog.map((e) => e.action)).toEqual(['partnership.accepted', 'partnership.requested']);
    expect(aLog[1]).toMatchObject({
      actor: `member:${aAdmin.globalId}`,
      targetType: 'Partnership',
      targetId: requested.id,
      details: { scopes: ['GROUP_DIRECTORY'], partnerSlug: b.slug },
    });
    expect(aLog[0]).toMatchObject({
      actor: `member:${bAdmin.globalId}`,
      targetType: 'Partnership',
      targetId: requested.id,
      details: { scopes: ['GROUP_DIRECTORY'], partnerSlug: b.slug },
    });
    expect(bLog[1]).toMatchObject({ actor: `member:${aAdmin.globalId}`, targetId: requested.id, details: { partnerSlug: a.slug } });
    expect(bLog[0]).toMatchObject({ actor: `member:${bAdmin.globalId}`, targetId: requested.id, details: { partnerSlug: a.slug } });
    expect(new Date(aLog[0].at).getTime()).toBeGreaterThanOrEqual(new Date(aLog[1].at).getTime());
    // An audit entry is a node for the network's ADMINs.
    expect(ok(await app.gql(NODE, { id: aLog[0].id }, aAdmin.token)).node).toEqual({
      __typename: 'AuditEntry',
      id: aLog[0].id,
      action: 'partnership.accepted',
    });
    expect(ok(await app.gql(NODE, { id: aLog[0].id }, bAdmin.token)).node).toBeNull();
    expect(ok(await app.gql(NODE, { id: aLog[0].id }, (await a.member(NetworkRole.COORDINATOR)).token)).node).toBeNull();

    // Revoke by the partner side.
    const revoked = ok(await app.gql<{ revokePartnership: P }>(REVOKE, { id: requested.id }, b.adminKey)).revokePartnership;
    expect(revoked).toMatchObject({ id: requested.id, status: 'REVOKED', respondedAt: accepted.respondedAt });
    expect(revoked.revokedAt).not.toBeNull();
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, {}, aAdmin.token)).partnerships).toEqual([revoked]);
    const aAfter = await auditLog(aAdmin.token);
    expect(aAfter[0]).toMatchObject({
      action: 'partnership.revoked',
      actor: `api_key:${toGlobalId('ApiKey', (await keyId(b.adminKey))!)}`,
      targetId: requested.id,
      details: { previousStatus: 'ACTIVE', partnerSlug: b.slug },
    });
    // Revoking twice, responding after revocation: CONFLICT.
    expectCode(await app.gql(REVOKE, { id: requested.id }, aAdmin.token), 'CONFLICT');
    expectCode(await app.gql(RESPOND, { id: requested.id, accept: true }, bAdmin.token), 'CONFLICT');
    // A new request is possible once the old one is no longer live, in either direction.
    const again = await request(bAdmin, a, ['JOINT_EVENTS']);
    expect(again).toMatchObject({ status: 'PENDING', requester: { id: b.globalId }, partner: { id: a.globalId } });
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, {}, aAdmin.token)).partnerships.map((p) => p.id)).toEqual([again.id, requested.id]);
  });

  test('decline; responding twice is CONFLICT; the requester may not respond; the requester may withdraw a pending request', async () => {
    const { a, b, aAdmin, bAdmin } = await trio();
    const p = await request(a.adminKey, b, ['JOINT_EVENTS']);
    const forbiddenRes = await app.gql(RESPOND, { id: p.id, accept: true }, aAdmin.token);
    expectCode(forbiddenRes, 'FORBIDDEN');
    const declined = ok(await app.gql<{ respondToPartnership: P }>(RESPOND, { id: p.id, accept: false }, bAdmin.token)).respondToPartnership;
    expect(declined).toMatchObject({ id: p.id, status: 'DECLINED', revokedAt: null });
    expect(declined.respondedAt).not.toBeNull();
    expectCode(await app.gql(RESPOND, { id: p.id, accept: true }, bAdmin.token), 'CONFLICT');
    expectCode(await app.gql(REVOKE, { id: p.id }, bAdmin.token), 'CONFLICT');
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, { status: 'DECLINED' }, aAdmin.token)).partnerships).toEqual([declined]);
    expect((await auditLog(aAdmin.token))[0]).toMatchObject({ action: 'partnership.declined', actor: `member:${bAdmin.globalId}` });

    const p2 = await request(aAdmin, b);
    const withdrawn = ok(await app.gql<{ revokePartnership: P }>(REVOKE, { id: p2.id }, aAdmin.token)).revokePartnership;
    expect(withdrawn).toMatchObject({ status: 'REVOKED', respondedAt: null });
    expectCode(await app.gql(RESPOND, { id: p2.id, accept: true }, bAdmin.token), 'CONFLICT');
    expect((await auditLog(bAdmin.token))[0]).toMatchObject({ action: 'partnership.revoked', details: { previousStatus: 'PENDING', partnerSlug: a.slug } });
  });

  test('a second live partnership for the same pair is CONFLICT, in both directions', async () => {
    const { b, c, bAdmin, cAdmin } = await trio();
    const p = await request(bAdmin, c);
    expectCode(await app.gql(REQUEST, { slug: c.slug, scopes: ['JOINT_EVENTS'] }, bAdmin.token), 'CONFLICT');
    expectCode(await app.gql(REQUEST, { slug: b.slug, scopes: ['JOINT_EVENTS'] }, cAdmin.token), 'CONFLICT');
    ok(await app.gql(RESPOND, { id: p.id, accept: true }, cAdmin.token));
    expectCode(await app.gql(REQUEST, { slug: b.slug, scopes: ['GROUP_DIRECTORY'] }, c.adminKey), 'CONFLICT');
    expectCode(await app.gql(REQUEST, { slug: c.slug, scopes: ['GROUP_DIRECTORY'] }, b.adminKey), 'CONFLICT');
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, {}, bAdmin.token)).partnerships).toHaveLength(1);
  });

  test('validation: oneself, unknown slug, no scopes, malformed id', async () => {
    const { a, aAdmin } = await trio();
    const self = await app.gql(REQUEST, { slug: a.slug, scopes: ['GROUP_DIRECTORY'] }, aAdmin.token);
    expectCode(self, 'BAD_USER_INPUT');
    expect(self.errors![0].extensions.fieldErrors).toEqual([{ path: ['partnerSlug'], message: expect.any(String) }]);
    expectCode(await app.gql(REQUEST, { slug: 'no-such-network-xyz', scopes: ['GROUP_DIRECTORY'] }, aAdmin.token), 'NOT_FOUND');
    const none = await app.gql(REQUEST, { slug: 'no-such-network-xyz', scopes: [] }, aAdmin.token);
    expectCode(none, 'BAD_USER_INPUT');
    expect(none.errors![0].extensions.fieldErrors).toEqual([{ path: ['scopes'], message: expect.any(String) }]);
    const bad = await app.gql(RESPOND, { id: 'not-an-id!', accept: true }, aAdmin.token);
    expectCode(bad, 'BAD_USER_INPUT');
    expect(bad.errors![0].extensions.fieldErrors).toEqual([{ path: ['id'], message: expect.any(String) }]);
    // An ID of another type is NOT_FOUND.
    expectCode(await app.gql(REVOKE, { id: a.globalId }, aAdmin.token), 'NOT_FOUND');
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, {}, aAdmin.token)).partnerships).toEqual([]);
    expect(await auditLog(aAdmin.token)).toEqual([]);
  });

  test('permissions: MEMBER and COORDINATOR tokens and API keys without ADMIN (or WRITE for changes) are FORBIDDEN', async () => {
    const { a, b, aAdmin, bAdmin } = await trio();
    const p = await request(aAdmin, b);
    const denied: string[] = [
      (await b.member(NetworkRole.MEMBER)).token,
      (await b.member(NetworkRole.COORDINATOR)).token,
      await b.key(ApiKeyScope.READ, ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA),
    ];
    for (const cred of denied) {
      expectCode(await app.gql(LIST, {}, cred), 'FORBIDDEN');
      expectCode(await app.gql(AUDIT, {}, cred), 'FORBIDDEN');
      expectCode(await app.gql(REQUEST, { slug: a.slug, scopes: ['GROUP_DIRECTORY'] }, cred), 'FORBIDDEN');
      expectCode(await app.gql(RESPOND, { id: p.id, accept: true }, cred), 'FORBIDDEN');
      expectCode(await app.gql(REVOKE, { id: p.id }, cred), 'FORBIDDEN');
      expect(ok(await app.gql(NODE, { id: p.id }, cred)).node).toBeNull();
    }
    // ADMIN without WRITE reads, but does not change.
    const adminOnly = await b.key(ApiKeyScope.ADMIN);
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, {}, adminOnly)).partnerships.map((x) => x.id)).toEqual([p.id]);
    expectCode(await app.gql(RESPOND, { id: p.id, accept: true }, adminOnly), 'FORBIDDEN');
    // With ADMIN and WRITE it may.
    const adminWrite = await b.key(ApiKeyScope.ADMIN, ApiKeyScope.WRITE);
    expect(ok(await app.gql<{ respondToPartnership: P }>(RESPOND, { id: p.id, accept: true }, adminWrite)).respondToPartnership.status).toBe('ACTIVE');
    expect(ok(await app.gql<{ partnerships: P[] }>(LIST, {}, bAdmin.token)).partnerships[0].status).toBe('ACTIVE');
  });

  test('auditLog pages newest first', async () => {
    const { a, b, c, aAdmin } = await trio();
    const p1 = await request(aAdmin, b);
    await request(aAdmin, c);
    ok(await app.gql(REVOKE, { id: p1.id }, aAdmin.token));
    const first = ok(
      await app.gql<{ auditLog: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Audit[] } }>(
        AUDIT,
        { first: 2 },
        a.adminKey,
      ),
    ).auditLog;
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.nodes.map((e) => e.action)).toEqual(['partnership.revoked', 'partnership.requested']);
    expect(first.nodes[1].details.partnerSlug).toBe(c.slug);
    const second = ok(
      await app.gql<{ auditLog: { pageInfo: { hasNextPage: boolean }; nodes: Audit[] } }>(AUDIT, { first: 2, after: first.pageInfo.endCursor }, a.adminKey),
    ).auditLog;
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(second.nodes.map((e) => [e.action, e.details.partnerSlug])).toEqual([['partnership.requested', b.slug]]);
    const tooMany = await app.gql(AUDIT, { first: 101 }, a.adminKey);
    expectCode(tooMany, 'BAD_USER_INPUT');
    expect(tooMany.errors![0].extensions.fieldErrors).toEqual([{ path: ['first'], message: expect.any(String) }]);
  });
});

/** The API key's database id, read through `viewer`. */
async function keyId(secret: string): Promise<string | undefined> {
  const res = ok(await app.gql<{ viewer: { apiKey: { id: string } | null } }>(`{ viewer { apiKey { id } } }`, {}, secret));
  const gid = res.viewer.apiKey?.id;
  return gid ? Buffer.from(gid, 'base64url').toString('utf8').split(':')[1] : undefined;
}

describe('partnerDirectory', () => {
  let a: TestNetwork;
  let b: TestNetwork;
  let c: TestNetwork;
  let aAdmin: Cred;
  let bAdmin: Cred;
  let bMember: Cred;
  let cAdmin: Cred;
  const groupIds: Record<string, string> = {};

  const input = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: `About ${name}: anxiety and recovery`,
    objectives: ['Mutual support'],
    topics: ['anxiety'],
    norms: ['Confidentiality'],
    format: 'ONLINE',
    ...extra,
  });

  beforeAll(async () => {
    ({ a, b, c, aAdmin, bAdmin, cAdmin } = await trio());
    bMember = await b.member(NetworkRole.MEMBER);
    const create = async (key: string, name: string, extra: Record<string, unknown> = {}) =>
      ok(await app.gql<{ createGroup: { id: string } }>(CREATE_GROUP, { input: input(name, extra) }, key)).createGroup.id;
    groupIds.shared1 = await create(a.adminKey, 'Alpha Anxiety Circle', { visibility: 'PARTNERS' });
    groupIds.shared2 = await create(a.adminKey, 'Beacon Grief Group', { visibility: 'PARTNERS', topics: ['grief'], format: 'IN_PERSON', description: null });
    groupIds.network = await create(a.adminKey, 'Alpha Network Only', { visibility: 'NETWORK' });
    groupIds.private = await create(a.adminKey, 'Alpha Private', { visibility: 'PRIVATE' });
    groupIds.archived = await create(a.adminKey, 'Alpha Archived Partners', { visibility: 'PARTNERS' });
    ok(await app.gql(`mutation($id: ID!) { archiveGroup(id: $id) { id } }`, { id: groupIds.archived }, a.adminKey));
    groupIds.bOwn = await create(b.adminKey, 'Bravo Partners Group', { visibility: 'PARTNERS' });
    groupIds.cShared = await create(c.adminKey, 'Charlie Partners Group', { visibility: 'PARTNERS' });
  });

  type Dir = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: any[] };
  const dir = async (cred: string, vars: Record<string, unknown> = {}) => ok(await app.gql<{ partnerDirectory: Dir }>(DIRECTORY, vars, cred)).partnerDirectory;
  const sharedId = (groupGlobalId: string) => toGlobalId('SharedGroup', Buffer.from(groupGlobalId, 'base64url').toString('utf8').split(':')[1]);

  test('the whole story: nothing before acceptance, only with GROUP_DIRECTORY, nothing after revocation', async () => {
    // JOINT_EVENTS only, accepted: still nothing.
    const je = await request(aAdmin, b, ['JOINT_EVENTS']);
    expect((await dir(bAdmin.token)).nodes).toEqual([]);
    ok(await app.gql(RESPOND, { id: je.id, accept: true }, bAdmin.token));
    expect((await dir(bAdmin.token)).nodes).toEqual([]);
    ok(await app.gql(REVOKE, { id: je.id }, aAdmin.token));

    // GROUP_DIRECTORY, pending: nothing.
    const p = await request(bAdmin, a, ['GROUP_DIRECTORY']);
    expect((await dir(bAdmin.token)).totalCount).toBe(0);
    ok(await app.gql(RESPOND, { id: p.id, accept: true }, aAdmin.token));

    // ACTIVE: B sees A's PARTNERS groups, and A sees B's; C sees nothing.
    for (const cred of [bAdmin.token, bMember.token, (await b.member(NetworkRole.COORDINATOR)).token, await b.key(ApiKeyScope.READ)]) {
      const list = await dir(cred);
      expect(list.totalCount).toBe(2);
      expect(list.nodes).toEqual([
        {
          id: sharedId(groupIds.shared1),
          name: 'Alpha Anxiety Circle',
          description: 'About Alpha Anxiety Circle: anxiety and recovery',
          objectives: ['Mutual support'],
          topics: ['anxiety'],
          format: 'ONLINE',
          network: { id: a.globalId, slug: a.slug, name: 'Network A' },
        },
        {
          id: sharedId(groupIds.shared2),
          name: 'Beacon Grief Group',
          description: null,
          objectives: ['Mutual support'],
          topics: ['grief'],
          format: 'IN_PERSON',
          network: { id: a.globalId, slug: a.slug, name: 'Network A' },
        },
      ]);
    }
    expect((await dir(a.adminKey)).nodes.map((g) => g.name)).toEqual(['Bravo Partners Group']);
    expect((await dir(cAdmin.token)).nodes).toEqual([]);
    expect((await dir(c.adminKey)).totalCount).toBe(0);

    // Filters and paging.
    expect((await dir(bAdmin.token, { topic: 'grief' })).nodes.map((g) => g.name)).toEqual(['Beacon Grief Group']);
    expect((await dir(bAdmin.token, { topic: ' GRIEF ' })).nodes.map((g) => g.name)).toEqual(['Beacon Grief Group']);
    expect((await dir(bAdmin.token, { search: 'alph circ' })).nodes.map((g) => g.name)).toEqual(['Alpha Anxiety Circle']);
    expect((await dir(bAdmin.token, { search: 'network' })).nodes).toEqual([]);
    expect((await dir(bAdmin.token, { search: 'archived' })).nodes).toEqual([]);
    const page1 = await dir(bAdmin.token, { first: 1 });
    expect(page1.nodes.map((g) => g.name)).toEqual(['Alpha Anxiety Circle']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await dir(bAdmin.token, { first: 1, after: page1.pageInfo.endCursor });
    expect(page2.nodes.map((g) => g.name)).toEqual(['Beacon Grief Group']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const longSearch = await app.gql(DIRECTORY, { search: 'x'.repeat(201) }, bAdmin.token);
    expectCode(longSearch, 'BAD_USER_INPUT');
    expect(longSearch.errors![0].extensions.fieldErrors).toEqual([{ path: ['search'], message: expect.any(String) }]);

    // Revocation: gone at once, both ways.
    ok(await app.gql(REVOKE, { id: p.id }, aAdmin.token));
    expect((await dir(bAdmin.token)).nodes).toEqual([]);
    expect((await dir(a.adminKey)).nodes).toEqual([]);
  });

  test('API keys without READ may not read the directory', async () => {
    expectCode(await app.gql(DIRECTORY, {}, await b.key(ApiKeyScope.WRITE, ApiKeyScope.ADMIN)), 'FORBIDDEN');
  });
});
