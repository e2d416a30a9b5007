import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/app';
import { cli } from '../helpers/cli';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { code, ok } from '../helpers/gql';

/**
 * No credential creates or acts with more than it holds (issue 12): member tokens never manage keys, issuing member
 * tokens is its own scope bounded by a highest role, tokens can be narrowed at issue, and a token dies with its key.
 */

let app: TestApp;
let net: TestNetwork;
let other: TestNetwork;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app);
  other = await createTestNetwork(app);
});
afterAll(() => app.stop());

const { READ, WRITE, PERSONAL_DATA, ADMIN, ISSUE_MEMBER_TOKENS } = ApiKeyScope;

const ISSUE = `mutation($memberId: ID, $externalId: String, $maxRole: NetworkRole, $readOnly: Boolean) {
  issueMemberToken(memberId: $memberId, externalId: $externalId, maxRole: $maxRole, readOnly: $readOnly) { token role readOnly member { id } }
}`;
const CREATE_KEY = `mutation($scopes: [ApiKeyScope!]!, $max: NetworkRole) {
  createApiKey(name: "k", scopes: $scopes, memberTokenMaxRole: $max) { secret apiKey { id scopes memberTokenMaxRole trustedDocumentsOnly } }
}`;
const API_KEYS = '{ apiKeys { id } }';
const VIEWER = '{ viewer { kind role readOnly member { id } } }';
const MEMBERS = '{ members(first: 5) { nodes { id email } } }';
const SET_ROLE = 'mutation($id: ID!, $role: NetworkRole!) { setMemberRole(memberId: $id, role: $role) { role } }';
const CREATE_MEMBER = 'mutation($input: CreateMemberInput!) { createMember(input: $input) { id externalId } }';
const UPDATE_MEMBER = 'mutation($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { id displayName externalId } }';
const BY_EXTERNAL = 'query($x: String!) { member(externalId: $x) { id displayName externalId } }';

function expectForbidden(res: GqlResult<unknown>, message?: RegExp) {
  expect(code(res)).toBe('FORBIDDEN');
  if (message) expect(res.errors![0].message).toMatch(message);
}

async function issue(key: string, vars: Record<string, unknown>) {
  return ok(await app.gql<{ issueMemberToken: { token: string; role: string; readOnly: boolean; member: { id: string } } }>(ISSUE, vars, key)).issueMemberToken;
}

describe('the escalation found: an ADMIN key → an ADMIN member token → an all-scope key', () => {
  test('an ADMIN-scope key cannot issue member tokens', async () => {
    const admin = await net.member(NetworkRole.ADMIN);
    expectForbidden(await app.gql(ISSUE, { memberId: admin.globalId }, await net.key(ADMIN)), /ISSUE_MEMBER_TOKENS/);
  });

  test('an ADMIN member token cannot create, list or revoke API keys, nor issue tokens', async () => {
    const admin = await net.member(NetworkRole.ADMIN);
    expectForbidden(await app.gql(CREATE_KEY, { scopes: [READ, WRITE, PERSONAL_DATA, ADMIN] }, admin.token));
    expectForbidden(await app.gql(API_KEYS, {}, admin.token));
    const keyId = ok(await app.gql(CREATE_KEY, { scopes: [READ] }, net.adminKey)).createApiKey.apiKey.id;
    expectForbidden(await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: keyId }, admin.token));
    expect(ok(await app.gql('query($id: ID!) { node(id: $id) { id } }', { id: keyId }, admin.token)).node).toBeNull();
    expectForbidden(await app.gql(ISSUE, { memberId: admin.globalId }, admin.token));
  });

  test.each([NetworkRole.MEMBER, NetworkRole.COORDINATOR])('a %s member token cannot issue tokens', async (role) => {
    const caller = await net.member(role);
    expectForbidden(await app.gql(ISSUE, { memberId: caller.globalId }, caller.token));
  });

  test('a key without ISSUE_MEMBER_TOKENS cannot issue tokens, whatever else it holds', async () => {
    const m = await net.member();
    expectForbidden(await app.gql(ISSUE, { memberId: m.globalId }, await net.key(READ, WRITE, PERSONAL_DATA, ADMIN)));
  });
});

describe('an issuing-only key (ISSUE_MEMBER_TOKENS, highest role MEMBER by default)', () => {
  let issuer: string;
  beforeAll(async () => {
    issuer = await net.key(ISSUE_MEMBER_TOKENS);
  });

  test('issues tokens for plain members; the token acts as the member', async () => {
    const m = await net.member();
    const t = await issue(issuer, { memberId: m.globalId });
    expect(t).toMatchObject({ role: 'MEMBER', readOnly: false, member: { id: m.globalId } });
    expect(ok(await app.gql(VIEWER, {}, t.token)).viewer).toEqual({ kind: 'MEMBER', role: 'MEMBER', readOnly: false, member: { id: m.globalId } });
  });

  test('refuses a token for a member above its highest role, unless narrowed to it', async () => {
    const admin = await net.member(NetworkRole.ADMIN);
    const coordinator = await net.member(NetworkRole.COORDINATOR);
    expectForbidden(await app.gql(ISSUE, { memberId: admin.globalId }, issuer), /up to the role MEMBER.*maxRole: MEMBER/);
    expectForbidden(await app.gql(ISSUE, { memberId: coordinator.globalId }, issuer), /up to the role MEMBER/);
    expectForbidden(await app.gql(ISSUE, { memberId: admin.globalId, maxRole: 'COORDINATOR' }, issuer));

    // Narrowed: the admin's token acts as a plain member.
    const t = await issue(issuer, { memberId: admin.globalId, maxRole: 'MEMBER' });
    expect(t.role).toBe('MEMBER');
    expect(ok(await app.gql(VIEWER, {}, t.token)).viewer.role).toBe('MEMBER');
    expectForbidden(await app.gql(MEMBERS, {}, t.token));
    expectForbidden(await app.gql(SET_ROLE, { id: admin.globalId, role: 'ADMIN' }, t.token));
    expectForbidden(await app.gql(CREATE_KEY, { scopes: [READ] }, t.token));
    // Own email: still the member's own data.
    expect(ok(await app.gql('{ viewer { member { email } } }', {}, t.token)).viewer.member.email).toMatch(/@/);
  });

  test('the key itself reads and writes nothing', async () => {
    const m = await net.member();
    expectForbidden(await app.gql(MEMBERS, {}, issuer));
    expectForbidden(await app.gql('{ groups(first: 1) { nodes { id } } }', {}, issuer));
    expectForbidden(await app.gql('{ network { id name } }', {}, issuer));
    expectForbidden(await app.gql(API_KEYS, {}, issuer));
    expectForbidden(await app.gql(BY_EXTERNAL, { x: 'anyone' }, issuer));
    expectForbidden(await app.gql(CREATE_KEY, { scopes: [ISSUE_MEMBER_TOKENS] }, issuer));
    expectForbidden(await app.gql(CREATE_MEMBER, { input: { displayName: 'New' } }, issuer));
    expectForbidden(await app.gql(UPDATE_MEMBER, { id: m.globalId, input: { displayName: 'Renamed' } }, issuer));
    expectForbidden(
      await app.gql(
        'mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
        { input: { name: 'G', objectives: ['o'], topics: ['t'], norms: ['n'], format: 'ONLINE', visibility: 'NETWORK' } },
        issuer,
      ),
    );
    // The member it issues for: what the answer shows, nothing more (no email without PERSONAL_DATA).
    const res = await app.gql('mutation($id: ID) { issueMemberToken(memberId: $id) { member { id email } } }', { id: m.globalId }, issuer);
    expect(ok(res).issueMemberToken.member).toEqual({ id: m.globalId, email: null });
    // Its own identity and budget.
    expect(ok(await app.gql('{ viewer { kind scopes } rateLimit { limit } }', {}, issuer)).viewer).toEqual({ kind: 'API_KEY', scopes: [ISSUE_MEMBER_TOKENS] });
  });

  test('a key with a higher declared role issues up to it', async () => {
    const coordinatorIssuer = await net.keyWith({ scopes: [ISSUE_MEMBER_TOKENS], memberTokenMaxRole: NetworkRole.COORDINATOR });
    const coordinator = await net.member(NetworkRole.COORDINATOR);
    const admin = await net.member(NetworkRole.ADMIN);
    expect((await issue(coordinatorIssuer, { memberId: coordinator.globalId })).role).toBe('COORDINATOR');
    expectForbidden(await app.gql(ISSUE, { memberId: admin.globalId }, coordinatorIssuer), /up to the role COORDINATOR/);
    const narrowed = await issue(coordinatorIssuer, { memberId: admin.globalId, maxRole: 'COORDINATOR' });
    expect(narrowed.role).toBe('COORDINATOR');
    expect(code(await app.gql(MEMBERS, {}, narrowed.token))).toBeUndefined(); // coordinators see the directory
    expectForbidden(await app.gql(SET_ROLE, { id: coordinator.globalId, role: 'MEMBER' }, narrowed.token));
  });

  test('another network: its members are NOT_FOUND, by id and by external id', async () => {
    const stranger = await other.member();
    expect(code(await app.gql(ISSUE, { memberId: stranger.globalId }, issuer))).toBe('NOT_FOUND');
    const withExternal = ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'Far', externalId: 'shared-id-1' } }, other.adminKey)).createMember;
    expect(withExternal.externalId).toBe('shared-id-1');
    expect(code(await app.gql(ISSUE, { externalId: 'shared-id-1' }, issuer))).toBe('NOT_FOUND');
  });

  test('exactly one of memberId and externalId', async () => {
    const m = await net.member();
    expect(code(await app.gql(ISSUE, {}, issuer))).toBe('BAD_USER_INPUT');
    expect(code(await app.gql(ISSUE, { memberId: m.globalId, externalId: 'x' }, issuer))).toBe('BAD_USER_INPUT');
  });
});

describe('tokens narrowed at issue, and tokens that die with their key', () => {
  test('a read-only token reads but runs no mutation, not even its own', async () => {
    const m = await net.member(NetworkRole.ADMIN);
    const t = await issue(net.adminKey, { memberId: m.globalId, readOnly: true });
    expect(t).toMatchObject({ role: 'ADMIN', readOnly: true });
    expect(ok(await app.gql(VIEWER, {}, t.token)).viewer).toMatchObject({ role: 'ADMIN', readOnly: true });
    expect(ok(await app.gql(MEMBERS, {}, t.token)).members.nodes.length).toBeGreaterThan(0);
    expectForbidden(await app.gql(UPDATE_MEMBER, { id: m.globalId, input: { displayName: 'Me' } }, t.token), /read-only/);
    expectForbidden(await app.gql(SET_ROLE, { id: m.globalId, role: 'ADMIN' }, t.token), /read-only/);
  });

  test('a token cannot exceed its narrowing even when the member is promoted later', async () => {
    const m = await net.member();
    const t = await issue(net.adminKey, { memberId: m.globalId, maxRole: 'MEMBER' });
    ok(await app.gql(SET_ROLE, { id: m.globalId, role: 'ADMIN' }, net.adminKey));
    expect(ok(await app.gql(VIEWER, {}, t.token)).viewer.role).toBe('MEMBER');
    expectForbidden(await app.gql(MEMBERS, {}, t.token));
    // Demoted: the lower role wins as well.
    const full = await issue(net.adminKey, { memberId: m.globalId });
    expect(full.role).toBe('ADMIN');
    ok(await app.gql(SET_ROLE, { id: m.globalId, role: 'COORDINATOR' }, net.adminKey));
    expect(ok(await app.gql(VIEWER, {}, full.token)).viewer.role).toBe('COORDINATOR');
  });

  test('revoking the issuing key ends its tokens at once', async () => {
    const made = ok(await app.gql(CREATE_KEY, { scopes: [ISSUE_MEMBER_TOKENS] }, net.adminKey)).createApiKey;
    const m = await net.member();
    const t = await issue(made.secret, { memberId: m.globalId });
    expect(code(await app.gql(VIEWER, {}, t.token))).toBeUndefined();
    ok(await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: made.apiKey.id }, net.adminKey));
    const res = await app.gql(VIEWER, {}, t.token);
    expect(res.status).toBe(401);
    expect(res.errors![0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/issued this member token was revoked/) });
    // Tokens of other keys are untouched.
    expect(code(await app.gql(VIEWER, {}, (await issue(net.adminKey, { memberId: m.globalId })).token))).toBeUndefined();
  });
});

describe('createApiKey never gives more than the calling key holds', () => {
  test('scopes, highest token role and the trusted-documents mode are bounded by the caller', async () => {
    const limited = await net.keyWith({ scopes: [ADMIN, ISSUE_MEMBER_TOKENS, READ] });
    expect(ok(await app.gql(CREATE_KEY, { scopes: [ISSUE_MEMBER_TOKENS] }, limited)).createApiKey.apiKey).toMatchObject({
      scopes: [ISSUE_MEMBER_TOKENS],
      memberTokenMaxRole: 'MEMBER',
      trustedDocumentsOnly: false,
    });
    expectForbidden(await app.gql(CREATE_KEY, { scopes: [ISSUE_MEMBER_TOKENS], max: 'ADMIN' }, limited), /above its own highest role \(MEMBER\)/);
    expectForbidden(await app.gql(CREATE_KEY, { scopes: [WRITE] }, limited), /WRITE/);
    // The root key (every scope, ADMIN) may make a key that issues admin tokens.
    const made = ok(await app.gql(CREATE_KEY, { scopes: [ISSUE_MEMBER_TOKENS], max: 'ADMIN' }, net.adminKey)).createApiKey;
    expect(made.apiKey.memberTokenMaxRole).toBe('ADMIN');
    const admin = await net.member(NetworkRole.ADMIN);
    expect((await issue(made.secret, { memberId: admin.globalId })).role).toBe('ADMIN');
  });
});

describe('the CLI makes keys with the new powers', () => {
  test('create-api-key --scopes ISSUE_MEMBER_TOKENS --member-token-max-role COORDINATOR', async () => {
    const res = await cli('create-api-key', '--network', net.slug, '--scopes', 'ISSUE_MEMBER_TOKENS', '--member-token-max-role', 'coordinator', '--json');
    expect(res.stderr).toBe('');
    const made = JSON.parse(res.stdout);
    expect(made).toMatchObject({ scopes: [ISSUE_MEMBER_TOKENS], memberTokenMaxRole: 'COORDINATOR', trustedDocumentsOnly: false });
    const coordinator = await net.member(NetworkRole.COORDINATOR);
    expect((await issue(made.apiKey, { memberId: coordinator.globalId })).role).toBe('COORDINATOR');
    const bad = await cli('create-api-key', '--network', net.slug, '--scopes', 'READ', '--member-token-max-role', 'OWNER');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--member-token-max-role must be one of/);
  });
});

describe('externalId: partners map their users without storing our ids', () => {
  test('set by keys with WRITE, unique per network, looked up and used to issue tokens', async () => {
    const m = ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'Partner user', externalId: 'crm-4711' } }, net.adminKey)).createMember;
    expect(m.externalId).toBe('crm-4711');
    // Unique in the network; the same id in another network is another member.
    expect(code(await app.gql(CREATE_MEMBER, { input: { displayName: 'Twin', externalId: 'crm-4711' } }, net.adminKey))).toBe('CONFLICT');
    ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'Elsewhere', externalId: 'crm-4711' } }, other.adminKey));

    const reader = await net.key(READ, PERSONAL_DATA);
    expect(ok(await app.gql(BY_EXTERNAL, { x: 'crm-4711' }, reader)).member).toEqual({ id: m.id, displayName: 'Partner user', externalId: 'crm-4711' });
    expect(ok(await app.gql(BY_EXTERNAL, { x: 'no-such-user' }, reader)).member).toBeNull();

    const t = await issue(await net.key(ISSUE_MEMBER_TOKENS), { externalId: 'crm-4711' });
    expect(t.member.id).toBe(m.id);
    // The member sees their own external id; a plain member looking up someone else gets null.
    expect(ok(await app.gql(BY_EXTERNAL, { x: 'crm-4711' }, t.token)).member).toEqual({ id: m.id, displayName: 'Partner user', externalId: 'crm-4711' });
    const stranger = await net.member();
    expect(ok(await app.gql(BY_EXTERNAL, { x: 'crm-4711' }, stranger.token)).member).toBeNull();
    expect(ok(await app.gql('query($id: ID!) { node(id: $id) { ... on Member { externalId } } }', { id: m.id }, stranger.token)).node).toBeNull();

    // Changed and removed by keys with WRITE; never by member tokens, admins included.
    expect(ok(await app.gql(UPDATE_MEMBER, { id: m.id, input: { externalId: 'crm-0815' } }, net.adminKey)).updateMember.externalId).toBe('crm-0815');
    const admin = await net.member(NetworkRole.ADMIN);
    expectForbidden(await app.gql(UPDATE_MEMBER, { id: m.id, input: { externalId: 'mine' } }, admin.token));
    expectForbidden(await app.gql(CREATE_MEMBER, { input: { displayName: 'X', externalId: 'by-token' } }, admin.token));
    expect(ok(await app.gql(UPDATE_MEMBER, { id: m.id, input: { externalId: '' } }, net.adminKey)).updateMember.externalId).toBeNull();
    expect(ok(await app.gql(BY_EXTERNAL, { x: 'crm-0815' }, reader)).member).toBeNull();
  });

  test('another network sees nothing by external id', async () => {
    ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'Mine', externalId: 'only-here' } }, net.adminKey));
    expect(ok(await app.gql(BY_EXTERNAL, { x: 'only-here' }, other.adminKey)).member).toBeNull();
    const otherAdmin = await other.member(NetworkRole.ADMIN);
    expect(ok(await app.gql(BY_EXTERNAL, { x: 'only-here' }, otherAdmin.token)).member).toBeNull();
  });

  test('bad external ids are BAD_USER_INPUT with the field', async () => {
    for (const bad of ['has space', 'x'.repeat(256), 'ümlaut', '']) {
      const res = await app.gql(CREATE_MEMBER, { input: { displayName: 'Bad', externalId: bad } }, net.adminKey);
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions.fieldErrors![0].path).toEqual(['input', 'externalId']);
    }
  });
});
