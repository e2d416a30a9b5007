import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { cli } from '../helpers/cli';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { code, ok } from '../helpers/gql';

/**
 * Trusted documents (issue 12): an API key in trusted-documents-only mode, and the member tokens it issues, run only
 * the documents registered for it; registered documents can be sent by hash alone (Apollo's persisted-query protocol).
 */

let app: TestApp;
let net: TestNetwork;
let other: TestNetwork;
const clients: Client[] = [];
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app);
  other = await createTestNetwork(app);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await app.stop();
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const VIEWER_DOC = 'query Viewer { viewer { kind } }';
const GROUPS_DOC = 'query Groups { groups(first: 3) { nodes { id } } }';
const CRAFTED = '{ members(first: 100) { nodes { id displayName email } } }';
const REGISTER = `mutation($key: ID!, $docs: [TrustedDocumentInput!]!, $only: Boolean) {
  registerTrustedDocuments(apiKeyId: $key, documents: $docs, trustedDocumentsOnly: $only) { id trustedDocumentsOnly trustedDocumentCount }
}`;
const CREATE_KEY = `mutation($scopes: [ApiKeyScope!]!, $max: NetworkRole, $trusted: Boolean) {
  createApiKey(name: "app", scopes: $scopes, memberTokenMaxRole: $max, trustedDocumentsOnly: $trusted) { secret apiKey { id trustedDocumentsOnly } }
}`;

async function newKey(scopes: ApiKeyScope[], extra: Record<string, unknown> = {}) {
  return ok(
    await app.gql<{ createApiKey: { secret: string; apiKey: { id: string; trustedDocumentsOnly: boolean } } }>(CREATE_KEY, { scopes, ...extra }, net.adminKey),
  ).createApiKey;
}

/** POST /graphql with a document by text and/or hash (Apollo's persisted-query extension). */
async function run(credential: string, doc: { query?: string; hash?: string; variables?: Record<string, unknown> }) {
  const body: Record<string, unknown> = { variables: doc.variables ?? {} };
  if (doc.query !== undefined) body.query = doc.query;
  if (doc.hash !== undefined) body.extensions = { persistedQuery: { version: 1, sha256Hash: doc.hash } };
  const res = await app.http().post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${credential}`).send(body);
  return { status: res.status, data: res.body.data, errors: res.body.errors as Array<{ message: string; extensions: { code: string } }> | undefined };
}

describe('registering documents', () => {
  test('an ADMIN key registers documents for a key, idempotently; the count shows on the key', async () => {
    const key = await newKey([ApiKeyScope.READ]);
    const docs = [{ body: VIEWER_DOC, hash: sha256(VIEWER_DOC), name: 'Viewer' }, { body: GROUPS_DOC }];
    expect(ok(await app.gql(REGISTER, { key: key.apiKey.id, docs }, net.adminKey)).registerTrustedDocuments).toEqual({
      id: key.apiKey.id,
      trustedDocumentsOnly: false,
      trustedDocumentCount: 2,
    });
    expect(ok(await app.gql(REGISTER, { key: key.apiKey.id, docs }, net.adminKey)).registerTrustedDocuments.trustedDocumentCount).toBe(2);
  });

  test("a hash that is not the body's, or a body that is not GraphQL, refuses the whole call with the field", async () => {
    const key = await newKey([ApiKeyScope.READ]);
    const wrongHash = await app.gql(
      REGISTER,
      { key: key.apiKey.id, docs: [{ body: VIEWER_DOC }, { body: GROUPS_DOC, hash: sha256(VIEWER_DOC) }] },
      net.adminKey,
    );
    expect(code(wrongHash)).toBe('BAD_USER_INPUT');
    expect(wrongHash.errors![0].extensions.fieldErrors).toEqual([{ path: ['documents', 1, 'hash'], message: 'is not the SHA-256 of the body' }]);
    const notGraphql = await app.gql(REGISTER, { key: key.apiKey.id, docs: [{ body: 'select * from members' }] }, net.adminKey);
    expect(code(notGraphql)).toBe('BAD_USER_INPUT');
    expect(notGraphql.errors![0].extensions.fieldErrors![0].path).toEqual(['documents', 0, 'body']);
    expect(ok(await app.gql('{ apiKeys { id trustedDocumentCount } }', {}, net.adminKey)).apiKeys.find((k: { id: string }) => k.id === key.apiKey.id)).toEqual({
      id: key.apiKey.id,
      trustedDocumentCount: 0,
    });
  });

  test("member tokens (admins included) and keys without ADMIN cannot register; another network's key is NOT_FOUND", async () => {
    const key = await newKey([ApiKeyScope.READ]);
    const docs = [{ body: VIEWER_DOC }];
    const admin = await net.member(NetworkRole.ADMIN);
    expect(code(await app.gql(REGISTER, { key: key.apiKey.id, docs }, admin.token))).toBe('FORBIDDEN');
    expect(code(await app.gql(REGISTER, { key: key.apiKey.id, docs }, await net.key(ApiKeyScope.READ, ApiKeyScope.WRITE)))).toBe('FORBIDDEN');
    expect(code(await app.gql(REGISTER, { key: key.apiKey.id, docs, only: true }, other.adminKey))).toBe('NOT_FOUND');
    expect(
      ok(await app.gql('{ apiKeys { id trustedDocumentsOnly trustedDocumentCount } }', {}, net.adminKey)).apiKeys.find(
        (k: { id: string }) => k.id === key.apiKey.id,
      ),
    ).toEqual({ id: key.apiKey.id, trustedDocumentsOnly: false, trustedDocumentCount: 0 });
  });
});

describe('trusted-documents-only mode', () => {
  let app1: { secret: string; apiKey: { id: string } };
  beforeAll(async () => {
    app1 = await newKey([ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA]);
    ok(await app.gql(REGISTER, { key: app1.apiKey.id, docs: [{ body: VIEWER_DOC }, { body: GROUPS_DOC }], only: true }, net.adminKey));
  });

  test('a registered document runs, by text or by hash alone', async () => {
    expect(await run(app1.secret, { query: VIEWER_DOC })).toMatchObject({ status: 200, data: { viewer: { kind: 'API_KEY' } } });
    expect(await run(app1.secret, { hash: sha256(GROUPS_DOC) })).toMatchObject({ status: 200, data: { groups: { nodes: expect.any(Array) } } });
    expect(await run(app1.secret, { query: VIEWER_DOC, hash: sha256(VIEWER_DOC) })).toMatchObject({ status: 200, data: { viewer: { kind: 'API_KEY' } } });
  });

  test('anything else is refused with DOCUMENT_NOT_TRUSTED (403) before it runs, even when the key has the scopes', async () => {
    const crafted = await run(app1.secret, { query: CRAFTED });
    expect(crafted.status).toBe(403);
    expect(crafted.data ?? null).toBeNull();
    expect(crafted.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'DOCUMENT_NOT_TRUSTED' }) })]);
    // A registered text with one more space is another document.
    expect((await run(app1.secret, { query: `${VIEWER_DOC} ` })).errors![0].extensions.code).toBe('DOCUMENT_NOT_TRUSTED');
    // Even a syntax error is refused as untrusted, not parsed.
    expect((await run(app1.secret, { query: '{ viewer {' })).errors![0].extensions.code).toBe('DOCUMENT_NOT_TRUSTED');
    // The same crafted query runs for a key of the network without the mode.
    expect(code(await app.gql(CRAFTED, {}, net.adminKey))).toBeUndefined();
  });

  test('member tokens issued by a trusted-documents-only key are bound to its documents too (HTTP and WebSocket)', async () => {
    const issuer = await newKey([ApiKeyScope.ISSUE_MEMBER_TOKENS], { trusted: true });
    expect(issuer.apiKey.trustedDocumentsOnly).toBe(true);
    const ME = 'query Me { viewer { member { displayName } } }';
    // The token backend's own key runs only its registered documents as well: the issue mutation.
    const ISSUE = 'mutation Issue($id: ID) { issueMemberToken(memberId: $id, maxRole: MEMBER) { token } }';
    ok(await app.gql(REGISTER, { key: issuer.apiKey.id, docs: [{ body: ME }, { body: ISSUE }] }, net.adminKey));
    const member = await net.member(NetworkRole.ADMIN, { displayName: 'First-party user' });
    const token = (await run(issuer.secret, { hash: sha256(ISSUE), variables: { id: member.globalId } })).data.issueMemberToken.token as string;
    expect((await run(issuer.secret, { query: '{ viewer { kind } }' })).status).toBe(403);
    expect(await run(token, { query: ME })).toMatchObject({ status: 200, data: { viewer: { member: { displayName: 'First-party user' } } } });
    expect(await run(token, { hash: sha256(ME) })).toMatchObject({ status: 200, data: { viewer: { member: { displayName: 'First-party user' } } } });
    const refused = await run(token, { query: '{ viewer { kind } }' });
    expect(refused.status).toBe(403);
    expect(refused.errors![0].extensions.code).toBe('DOCUMENT_NOT_TRUSTED');
    // A token from the server itself (no issuing key) is not bound.
    expect(code(await app.gql('{ viewer { kind } }', {}, member.token))).toBeUndefined();

    // Over WebSocket, the same rule.
    const client = createClient({
      url: `ws://127.0.0.1:${app.server.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    clients.push(client);
    const runWs = (query: string) =>
      new Promise<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }>((resolve) => {
        let value: unknown;
        client.subscribe({ query }, { next: (v) => (value = v), error: (e) => resolve({ errors: e as never }), complete: () => resolve(value as never) });
      });
    expect(await runWs(ME)).toMatchObject({ data: { viewer: { member: { displayName: 'First-party user' } } } });
    const wsRefused = await runWs('{ viewer { kind } }');
    expect(wsRefused.errors?.[0]?.extensions?.code).toBe('DOCUMENT_NOT_TRUSTED');
  });

  test('the mode is turned off by an ADMIN key, but never by a key in the mode itself; keys it makes keep the mode', async () => {
    const boundAdmin = await newKey([ApiKeyScope.ADMIN, ApiKeyScope.READ]);
    const LIST = '{ apiKeys { id } }';
    const MAKE = 'mutation { createApiKey(name: "child", scopes: [READ]) { apiKey { id trustedDocumentsOnly } } }';
    const UNBIND = `mutation($key: ID!) { registerTrustedDocuments(apiKeyId: $key, documents: [], trustedDocumentsOnly: false) { id } }`;
    ok(await app.gql(REGISTER, { key: boundAdmin.apiKey.id, docs: [{ body: LIST }, { body: MAKE }, { body: UNBIND }], only: true }, net.adminKey));
    const child = await run(boundAdmin.secret, { query: MAKE });
    expect(child.data.createApiKey.apiKey.trustedDocumentsOnly).toBe(true);
    const unbind = await run(boundAdmin.secret, { query: UNBIND, variables: { key: app1.apiKey.id } });
    expect(unbind.errors![0].extensions.code).toBe('FORBIDDEN');
    // The root key can.
    const key = await newKey([ApiKeyScope.READ]);
    ok(await app.gql(REGISTER, { key: key.apiKey.id, docs: [], only: true }, net.adminKey));
    expect((await run(key.secret, { query: CRAFTED })).status).toBe(403);
    ok(await app.gql(REGISTER, { key: key.apiKey.id, docs: [], only: false }, net.adminKey));
    expect((await run(key.secret, { query: CRAFTED })).status).toBe(200);
  });
});

describe('registered documents by hash without the mode', () => {
  test("a key runs its registered documents by hash; another network's key does not get them", async () => {
    const key = await newKey([ApiKeyScope.READ]);
    const DOC = 'query Registered { viewer { kind scopes } }';
    ok(await app.gql(REGISTER, { key: key.apiKey.id, docs: [{ body: DOC }] }, net.adminKey));
    expect(await run(key.secret, { hash: sha256(DOC) })).toMatchObject({ status: 200, data: { viewer: { kind: 'API_KEY', scopes: ['READ'] } } });
    const foreign = await run(other.adminKey, { hash: sha256(DOC) });
    expect(foreign.data ?? null).toBeNull();
    expect(foreign.errors![0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Nor did running it by hash teach Apollo's shared persisted-query cache the text.
    expect((await run(await net.key(ApiKeyScope.READ), { hash: sha256(DOC) })).errors![0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('the CLI registers a persisted-query manifest', () => {
  test('register-trusted-documents --manifest (Apollo format) --only', async () => {
    const key = await newKey([ApiKeyScope.READ]);
    const prefix = ok(await app.gql('{ apiKeys { id prefix } }', {}, net.adminKey)).apiKeys.find((k: { id: string }) => k.id === key.apiKey.id).prefix;
    const file = path.join(os.tmpdir(), `manifest-${process.pid}-${Date.now()}.json`);
    const operations = [VIEWER_DOC, GROUPS_DOC].map((body) => ({ id: sha256(body), body, name: body.split(' ')[1], type: 'query' }));
    writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
    const res = await cli('register-trusted-documents', '--network', net.slug, '--key', prefix, '--manifest', file, '--only', '--json');
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toMatchObject({ documents: 2, added: 2, apiKey: { trustedDocumentsOnly: true } });
    expect((await run(key.secret, { hash: sha256(GROUPS_DOC) })).status).toBe(200);
    expect((await run(key.secret, { query: CRAFTED })).status).toBe(403);
    const bad = await cli('register-trusted-documents', '--network', other.slug, '--key', prefix, '--manifest', file);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/API key not found/);
  });
});
