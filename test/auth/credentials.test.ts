import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { MemberTokens } from '../../src/modules/auth/member-token';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, TEST_TOKEN_SECRET, type GqlResult, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';

let app: TestApp;
let net: TestNetwork;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app);
});
afterAll(() => app.stop());

const VIEWER = '{ viewer { kind } }';
const ISSUER = 'peer-networks-api';
const AUDIENCE = 'peer-networks-api:member';

/** The signing key the server derives from TOKEN_SECRET, so claims other than the signature can be tested. */
const serverKey = createHmac('sha256', TEST_TOKEN_SECRET).update('member-token-signing-key/v1').digest();

function craft(claims: { net: string; sub: string; iss?: string; aud?: string; exp?: number }, alg = 'HS256', key: Uint8Array = serverKey) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ net: claims.net })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key);
}

function expectUnauthenticated(res: GqlResult<unknown>) {
  expect(res.status).toBe(401);
  expect(res.data ?? null).toBeNull();
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0].extensions.code).toBe('UNAUTHENTICATED');
}

/** POST with a raw Authorization header (app.gql always prefixes "Bearer "). */
async function withHeader(authorization: string | undefined) {
  let req = app.http().post('/graphql').set('content-type', 'application/json');
  if (authorization !== undefined) req = req.set('authorization', authorization);
  const res = await req.send({ query: VIEWER });
  return { status: res.status, data: res.body.data, errors: res.body.errors } as GqlResult<unknown>;
}

describe('credential failures answer 401 UNAUTHENTICATED', () => {
  test('no Authorization header', async () => {
    const res = await withHeader(undefined);
    expectUnauthenticated(res);
    expect(res.errors![0].message).toMatch(/Missing credentials/);
  });

  test.each([['Basic abc'], ['Bearer'], ['Bearer '], ['Token pnk_abc'], ['Bearer a b']])('malformed header %j', async (header) => {
    const res = await withHeader(header);
    expectUnauthenticated(res);
  });

  test('malformed credential', async () => {
    const res = await app.gql(VIEWER, {}, 'garbage');
    expectUnauthenticated(res);
    expect(res.errors![0].message).toMatch(/Malformed credentials/);
  });

  test('unknown API key', async () => {
    const res = await app.gql(VIEWER, {}, `pnk_${randomBytes(32).toString('base64url')}`);
    expectUnauthenticated(res);
    expect(res.errors![0].message).toBe('Invalid API key');
  });

  test('a revoked API key stops working at once', async () => {
    const created = await app.gql(
      'mutation($name: String!, $scopes: [ApiKeyScope!]!) { createApiKey(name: $name, scopes: $scopes) { secret apiKey { id } } }',
      { name: 'to revoke', scopes: ['READ'] },
      net.adminKey,
    );
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data!.createApiKey;
    expect((await app.gql(VIEWER, {}, secret)).data).toEqual({ viewer: { kind: 'API_KEY' } });

    const revoked = await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }', { id: apiKey.id }, net.adminKey);
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeApiKey.id).toBe(apiKey.id);
    expect(new Date(revoked.data!.revokeApiKey.revokedAt).getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    const res = await app.gql(VIEWER, {}, secret);
    expectUnauthenticated(res);
    expect(res.errors![0].message).toMatch(/revoked/);

    // Revoking again keeps the first time.
    const again = await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: apiKey.id }, net.adminKey);
    expect(again.data!.revokeApiKey.revokedAt).toBe(revoked.data!.revokeApiKey.revokedAt);
  });

  test('an expired member token', async () => {
    const member = await net.member();
    const { token } = await app.tokens.issue(net.id, member.id, -10);
    expectUnauthenticated(await app.gql(VIEWER, {}, token));
  });

  test('a member token signed with another secret', async () => {
    const member = await net.member();
    const { token } = await new MemberTokens('another-secret-that-is-also-at-least-32-characters').issue(net.id, member.id, 600);
    expectUnauthenticated(await app.gql(VIEWER, {}, token));
  });

  test('a correctly crafted token works (so the failures below are due to the one changed claim)', async () => {
    const member = await net.member();
    const res = await app.gql('{ viewer { kind member { id } } }', {}, await craft({ net: net.id, sub: member.id }));
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ viewer: { kind: 'MEMBER', member: { id: member.globalId } } });
  });

  test('an unsigned token (alg "none")', async () => {
    const member = await net.member();
    const token = new UnsecuredJWT({ net: net.id })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(member.id)
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode();
    expect(token.split('.')).toHaveLength(3);
    expectUnauthenticated(await app.gql(VIEWER, {}, token));
  });

  test('a token with the wrong audience', async () => {
    const member = await net.member();
    expectUnauthenticated(await app.gql(VIEWER, {}, await craft({ net: net.id, sub: member.id, aud: 'some-other-api' })));
  });

  test('a token with the wrong issuer', async () => {
    const member = await net.member();
    expectUnauthenticated(await app.gql(VIEWER, {}, await craft({ net: net.id, sub: member.id, iss: 'someone-else' })));
  });

  test('a token with another algorithm (HS512) under the same key', async () => {
    const member = await net.member();
    expectUnauthenticated(await app.gql(VIEWER, {}, await craft({ net: net.id, sub: member.id }, 'HS512')));
  });

  test('a token for a member that does not exist', async () => {
    expectUnauthenticated(await app.gql(VIEWER, {}, (await app.tokens.issue(net.id, randomUUID(), 600)).token));
  });

  test("a token pairing a member with another network's id", async () => {
    const other = await createTestNetwork(app, 'Other');
    const member = await net.member();
    expectUnauthenticated(await app.gql(VIEWER, {}, (await app.tokens.issue(other.id, member.id, 600)).token));
  });

  test('a tampered token payload', async () => {
    const member = await net.member();
    const [h, , s] = member.token.split('.');
    const payload = Buffer.from(JSON.stringify({ net: net.id, sub: member.id, iss: ISSUER, aud: AUDIENCE, exp: 9999999999 })).toString('base64url');
    expectUnauthenticated(await app.gql(VIEWER, {}, `${h}.${payload}.${s}`));
  });
});

describe('API keys', () => {
  const CREATE =
    'mutation($name: String!, $scopes: [ApiKeyScope!]!) { createApiKey(name: $name, scopes: $scopes) { secret apiKey { id name prefix scopes lastUsedAt revokedAt } } }';
  const LIST = '{ apiKeys { id name prefix scopes lastUsedAt revokedAt } }';

  test('createApiKey shows the secret once; apiKeys lists the key by prefix, without secret; lastUsedAt is set on use', async () => {
    const n = await createTestNetwork(app);
    const created = await app.gql(CREATE, { name: 'partner backend', scopes: ['WRITE', 'READ'] }, n.adminKey);
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(/^pnk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'partner backend', scopes: ['READ', 'WRITE'], lastUsedAt: null, revokedAt: null });
    expect(apiKey.prefix).toMatch(/^pnk_.{8}$/);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);

    const listed = await app.gql<{ apiKeys: Array<Record<string, unknown>> }>(LIST, {}, n.adminKey);
    expect(listed.errors).toBeUndefined();
    const mine = listed.data!.apiKeys.find((k) => k.id === apiKey.id)!;
    expect(mine).toEqual({ ...apiKey });
    expect(JSON.stringify(listed.data)).not.toContain(secret);
    expect(listed.data!.apiKeys).toHaveLength(2); // the factory's admin key, then this one (oldest first)
    expect(listed.data!.apiKeys[1].id).toBe(apiKey.id);

    // The secret is not retrievable: ApiKey has no such field.
    const secretField = await app.gql('{ apiKeys { secret } }', {}, n.adminKey);
    expect(secretField.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const used = await app.gql('{ viewer { kind scopes apiKey { id } } }', {}, secret);
    expect(used.data).toEqual({ viewer: { kind: 'API_KEY', scopes: ['READ', 'WRITE'], apiKey: { id: apiKey.id } } });

    const after = await app.gql<{ apiKeys: Array<{ id: string; lastUsedAt: string | null }> }>(LIST, {}, n.adminKey);
    const lastUsedAt = after.data!.apiKeys.find((k) => k.id === apiKey.id)!.lastUsedAt;
    expect(lastUsedAt).not.toBeNull();
    expect(Math.abs(new Date(lastUsedAt!).getTime() - Date.now())).toBeLessThan(60_000);
  });

  test('revoking an ID that is not an API key, or of another network, is NOT_FOUND', async () => {
    const other = await createTestNetwork(app);
    const otherKeys = await app.gql(LIST, {}, other.adminKey);
    const otherKeyId = otherKeys.data!.apiKeys[0].id;
    const res = await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: otherKeyId }, net.adminKey);
    expect(res.errors![0].extensions.code).toBe('NOT_FOUND');
    // The other network's key still works.
    expect((await app.gql(VIEWER, {}, other.adminKey)).data).toEqual({ viewer: { kind: 'API_KEY' } });

    const member = await net.member();
    const wrongType = await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: member.globalId }, net.adminKey);
    expect(wrongType.errors![0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('member tokens', () => {
  const ISSUE = 'mutation($memberId: ID!, $ttl: Int) { issueMemberToken(memberId: $memberId, ttlSeconds: $ttl) { token expiresAt member { id } } }';

  test('issueMemberToken (API key with ISSUE_MEMBER_TOKENS) returns a token that acts as the member', async () => {
    const member = await net.member(NetworkRole.MEMBER, { displayName: 'Token Holder' });
    const issuer = await net.key(ApiKeyScope.ISSUE_MEMBER_TOKENS);
    const before = Date.now();
    const res = await app.gql(ISSUE, { memberId: member.globalId, ttl: 120 }, issuer);
    expect(res.errors).toBeUndefined();
    const issued = res.data!.issueMemberToken;
    expect(issued.member).toEqual({ id: member.globalId });
    const expiresAt = new Date(issued.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 118_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 121_000);

    const viewer = await app.gql('{ viewer { kind scopes expiresAt member { id displayName } } }', {}, issued.token);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data).toEqual({
      viewer: { kind: 'MEMBER', scopes: [], expiresAt: issued.expiresAt, member: { id: member.globalId, displayName: 'Token Holder' } },
    });
  });

  test('the default lifetime is 900 seconds', async () => {
    const member = await net.member();
    const res = await app.gql(ISSUE, { memberId: member.globalId }, net.adminKey);
    const ttl = (new Date(res.data!.issueMemberToken.expiresAt).getTime() - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(890);
    expect(ttl).toBeLessThanOrEqual(901);
  });

  test('issueMemberToken for a member of another network is NOT_FOUND', async () => {
    const other = await createTestNetwork(app);
    const stranger = await other.member();
    const res = await app.gql(ISSUE, { memberId: stranger.globalId }, net.adminKey);
    expect(res.data).toBeNull();
    expect(res.errors![0].extensions.code).toBe('NOT_FOUND');
  });

  test.each([NetworkRole.MEMBER, NetworkRole.COORDINATOR, NetworkRole.ADMIN])('a %s member token cannot issue member tokens (FORBIDDEN)', async (role) => {
    const caller = await net.member(role);
    const target = await net.member();
    const res = await app.gql(ISSUE, { memberId: target.globalId }, caller.token);
    expect(res.status).toBe(200);
    expect(res.data).toBeNull();
    expect(res.errors![0].extensions.code).toBe('FORBIDDEN');
  });
});
