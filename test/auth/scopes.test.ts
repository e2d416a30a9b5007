import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { expectCode, ok } from '../helpers/gql';

const { READ, WRITE, PERSONAL_DATA, ADMIN } = ApiKeyScope;

let app: TestApp;
let net: TestNetwork;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app);
});
afterAll(() => app.stop());

const MEMBERS = '{ members(first: 100) { totalCount nodes { id displayName email } } }';
const CREATE_MEMBER = 'mutation($input: CreateMemberInput!) { createMember(input: $input) { id displayName email role } }';
const API_KEYS = '{ apiKeys { id } }';
const CREATE_KEY = 'mutation($scopes: [ApiKeyScope!]!) { createApiKey(name: "k", scopes: $scopes) { secret apiKey { scopes } } }';
const ISSUE = 'mutation($id: ID!) { issueMemberToken(memberId: $id) { token } }';
const SET_ROLE = 'mutation($id: ID!, $role: NetworkRole!) { setMemberRole(memberId: $id, role: $role) { id role } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { id displayName email } }';

/** Refused with `code` (exactly one error, no data), at HTTP 200. */
function expectRefused(res: GqlResult<unknown>, code: string) {
  expect(res.status).toBe(200);
  expectCode(res, code);
}
const expectForbidden = (res: GqlResult<unknown>) => expectRefused(res, 'FORBIDDEN');
/** Number of members in `n`, counted with an all-scopes key. */
async function memberCount(n: TestNetwork): Promise<number> {
  return ok(await app.gql(MEMBERS, {}, n.adminKey)).members.totalCount;
}

describe('API key scopes', () => {
  test('a READ-only key cannot createMember, and nothing is written', async () => {
    const before = await memberCount(net);
    const res = await app.gql(CREATE_MEMBER, { input: { displayName: 'Nope' } }, await net.key(READ));
    expectForbidden(res);
    expect(res.errors![0].message).toMatch(/WRITE/);
    expect(await memberCount(net)).toBe(before);
  });

  test('a WRITE key may createMember with role MEMBER, but a role above MEMBER needs WRITE and ADMIN', async () => {
    const writer = await net.key(WRITE);
    const written = ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'Written' } }, writer));
    expect(written.createMember).toMatchObject({ displayName: 'Written', role: 'MEMBER' });
    expectForbidden(await app.gql(CREATE_MEMBER, { input: { displayName: 'Boss', role: 'ADMIN' } }, writer));
    const made = ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'Boss', role: 'COORDINATOR' } }, await net.key(WRITE, ADMIN)));
    expect(made.createMember.role).toBe('COORDINATOR');
  });

  test('listing members needs READ and PERSONAL_DATA', async () => {
    await net.member();
    const readOnly = await app.gql(MEMBERS, {}, await net.key(READ, WRITE));
    expectForbidden(readOnly);
    expect(readOnly.errors![0].message).toMatch(/PERSONAL_DATA/);
    expectForbidden(await app.gql(MEMBERS, {}, await net.key(PERSONAL_DATA)));
    const both = ok(await app.gql(MEMBERS, {}, await net.key(READ, PERSONAL_DATA)));
    expect(both.members.totalCount).toBeGreaterThan(0);
    // PERSONAL_DATA keys see emails.
    expect(both.members.nodes.some((m: { email: string | null }) => m.email !== null)).toBe(true);
  });

  describe('a key without ADMIN (READ, WRITE, PERSONAL_DATA) is FORBIDDEN for admin operations', () => {
    let key: string;
    let memberId: string;
    beforeAll(async () => {
      key = await net.key(READ, WRITE, PERSONAL_DATA);
      memberId = (await net.member()).globalId;
    });

    test('apiKeys', async () => expectForbidden(await app.gql(API_KEYS, {}, key)));
    test('createApiKey', async () => {
      const res = await app.gql(CREATE_KEY, { scopes: ['READ'] }, key);
      expectForbidden(res);
      expect(res.errors![0].message).toMatch(/ADMIN/);
    });
    test('issueMemberToken', async () => expectForbidden(await app.gql(ISSUE, { id: memberId }, key)));
    test('setMemberRole, and the role stays', async () => {
      expectForbidden(await app.gql(SET_ROLE, { id: memberId, role: 'ADMIN' }, key));
      const node = await app.gql('query($id: ID!) { node(id: $id) { ... on Member { role } } }', { id: memberId }, net.adminKey);
      expect(node.data).toEqual({ node: { role: 'MEMBER' } });
    });
  });

  test('scopes are explicit: an ADMIN-only key manages keys (never beyond its own scopes) but may not issue tokens or list members', async () => {
    const adminOnly = await net.key(ADMIN);
    const keys = ok(await app.gql<{ apiKeys: Array<{ id: string }> }>(API_KEYS, {}, adminOnly));
    expect(keys.apiKeys.length).toBeGreaterThan(0);
    const created = ok(await app.gql(CREATE_KEY, { scopes: ['ADMIN'] }, adminOnly));
    expect(created.createApiKey.apiKey.scopes).toEqual(['ADMIN']);
    const stronger = await app.gql(CREATE_KEY, { scopes: ['READ'] }, adminOnly);
    expectForbidden(stronger);
    expect(stronger.errors![0].message).toMatch(/scopes it does not hold itself: READ/);
    const member = await net.member();
    expectForbidden(await app.gql(ISSUE, { id: member.globalId }, adminOnly));

    const res = await app.gql(MEMBERS, {}, adminOnly);
    expectForbidden(res);
    expect(res.errors![0].message).toMatch(/READ, PERSONAL_DATA/);
    // setMemberRole needs WRITE too.
    expectForbidden(await app.gql(SET_ROLE, { id: member.globalId, role: 'COORDINATOR' }, adminOnly));
  });

  test('createMember with an email already used in the network, in any case, is CONFLICT; other networks are separate', async () => {
    const n = await createTestNetwork(app);
    const first = ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'First', email: 'Sam@Example.org' } }, n.adminKey));
    expect(first.createMember.email).toBe('Sam@Example.org');
    const before = await memberCount(n);

    const dup = await app.gql(CREATE_MEMBER, { input: { displayName: 'Second', email: 'sam@EXAMPLE.org' } }, n.adminKey);
    expectRefused(dup, 'CONFLICT');
    expect(dup.data).toBeNull();
    expect(await memberCount(n)).toBe(before);

    expectRefused(await app.gql(CREATE_MEMBER, { input: { displayName: 'Third', email: 'SAM@EXAMPLE.ORG' } }, n.adminKey), 'CONFLICT');
    // A member without email does not clash with anyone.
    ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'No Email 1' } }, n.adminKey));
    ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'No Email 2', email: null } }, n.adminKey));

    const elsewhere = await createTestNetwork(app);
    const other = ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'Sam', email: 'sam@example.org' } }, elsewhere.adminKey));
    expect(other.createMember.email).toBe('sam@example.org');
  });

  test('updateMember to an email another member has is CONFLICT', async () => {
    const n = await createTestNetwork(app);
    await n.member(NetworkRole.MEMBER, { email: 'taken@example.org' });
    const other = await n.member(NetworkRole.MEMBER, { email: 'mine@example.org' });
    expectRefused(await app.gql(UPDATE, { id: other.globalId, input: { email: 'TAKEN@example.org' } }, n.adminKey), 'CONFLICT');
    const node = await app.gql('query($id: ID!) { node(id: $id) { ... on Member { email } } }', { id: other.globalId }, n.adminKey);
    expect(node.data).toEqual({ node: { email: 'mine@example.org' } });
  });
});

describe('member roles', () => {
  test('a MEMBER may not list members or create API keys', async () => {
    const m = await net.member(NetworkRole.MEMBER);
    const res = await app.gql(MEMBERS, {}, m.token);
    expectForbidden(res);
    expect(res.errors![0].message).toMatch(/ADMIN or COORDINATOR; you are MEMBER/);
    expectForbidden(await app.gql(CREATE_KEY, { scopes: ['READ'] }, m.token));
    expectForbidden(await app.gql(API_KEYS, {}, m.token));
    expectForbidden(await app.gql(CREATE_MEMBER, { input: { displayName: 'x' } }, m.token));
  });

  test('a MEMBER may update themself but not another member', async () => {
    const me = await net.member(NetworkRole.MEMBER, { displayName: 'Me Before', email: 'me-before@example.org' });
    const other = await net.member(NetworkRole.MEMBER, { displayName: 'Other Person' });

    const self = ok(await app.gql(UPDATE, { id: me.globalId, input: { displayName: 'Me After', email: 'me-after@example.org' } }, me.token));
    expect(self.updateMember).toEqual({ id: me.globalId, displayName: 'Me After', email: 'me-after@example.org' });

    expectForbidden(await app.gql(UPDATE, { id: other.globalId, input: { displayName: 'Hacked' } }, me.token));
    const node = await app.gql('query($id: ID!) { node(id: $id) { ... on Member { displayName } } }', { id: other.globalId }, net.adminKey);
    expect(node.data).toEqual({ node: { displayName: 'Other Person' } });
  });

  test('a MEMBER sees their own email', async () => {
    const me = await net.member(NetworkRole.MEMBER, { email: 'own@example.org' });
    const res = ok(await app.gql('{ viewer { member { id email } } }', {}, me.token));
    expect(res.viewer.member).toEqual({ id: me.globalId, email: 'own@example.org' });
  });

  test("a COORDINATOR lists members but sees only their own email, not other members'", async () => {
    const n = await createTestNetwork(app);
    const coord = await n.member(NetworkRole.COORDINATOR, { displayName: 'Coord', email: 'coord@example.org' });
    const other = await n.member(NetworkRole.MEMBER, { displayName: 'Other', email: 'other@example.org' });
    const res = ok(await app.gql(MEMBERS, {}, coord.token));
    expect(res.members.totalCount).toBe(2);
    const byId = Object.fromEntries(res.members.nodes.map((m: { id: string }) => [m.id, m]));
    expect(byId[other.globalId]).toEqual({ id: other.globalId, displayName: 'Other', email: null });
    expect(byId[coord.globalId]).toEqual({ id: coord.globalId, displayName: 'Coord', email: 'coord@example.org' });
    // A coordinator may add members, but not admins.
    ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'New' } }, coord.token));
    expectForbidden(await app.gql(CREATE_MEMBER, { input: { displayName: 'New Admin', role: 'ADMIN' } }, coord.token));
    // …nor change other members.
    expectForbidden(await app.gql(UPDATE, { id: other.globalId, input: { displayName: 'x' } }, coord.token));
  });

  test('an ADMIN member sees emails and updates others, but manages no API keys (keys are server credentials)', async () => {
    const n = await createTestNetwork(app);
    const admin = await n.member(NetworkRole.ADMIN, { email: 'admin@example.org' });
    const other = await n.member(NetworkRole.MEMBER, { displayName: 'Other', email: 'other@example.org' });
    const res = ok(await app.gql(MEMBERS, {}, admin.token));
    expect(res.members.nodes.map((m: { email: string }) => m.email).sort()).toEqual(['admin@example.org', 'other@example.org']);
    expectForbidden(await app.gql(API_KEYS, {}, admin.token));
    expectForbidden(await app.gql(CREATE_KEY, { scopes: ['READ'] }, admin.token));
    expect(ok(await app.gql(UPDATE, { id: other.globalId, input: { displayName: 'Renamed' } }, admin.token)).updateMember.displayName).toBe('Renamed');
    const promoted = ok(await app.gql(SET_ROLE, { id: other.globalId, role: 'COORDINATOR' }, admin.token));
    expect(promoted.setMemberRole.role).toBe('COORDINATOR');
  });

  test('the last ADMIN cannot be demoted (CONFLICT); with a second ADMIN it can', async () => {
    const n = await createTestNetwork(app);
    const admin = await n.member(NetworkRole.ADMIN);

    const byKey = await app.gql(SET_ROLE, { id: admin.globalId, role: 'MEMBER' }, n.adminKey);
    expectRefused(byKey, 'CONFLICT');
    expect(byKey.data).toBeNull();
    expectRefused(await app.gql(SET_ROLE, { id: admin.globalId, role: 'COORDINATOR' }, admin.token), 'CONFLICT');
    const still = await app.gql('query($id: ID!) { node(id: $id) { ... on Member { role } } }', { id: admin.globalId }, n.adminKey);
    expect(still.data).toEqual({ node: { role: 'ADMIN' } });

    // Setting ADMIN on an ADMIN is fine.
    expect(ok(await app.gql(SET_ROLE, { id: admin.globalId, role: 'ADMIN' }, n.adminKey)).setMemberRole.role).toBe('ADMIN');

    const second = await n.member(NetworkRole.MEMBER);
    ok(await app.gql(SET_ROLE, { id: second.globalId, role: 'ADMIN' }, admin.token));
    expect(ok(await app.gql(SET_ROLE, { id: admin.globalId, role: 'MEMBER' }, admin.token)).setMemberRole.role).toBe('MEMBER');
    // Now `second` is the last one.
    expectRefused(await app.gql(SET_ROLE, { id: second.globalId, role: 'MEMBER' }, n.adminKey), 'CONFLICT');
  });
});
