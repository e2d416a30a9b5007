import { ViewerDocument } from '../generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork } from '../helpers/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

test('viewer tells an API key who it is', async () => {
  const net = await createTestNetwork(app);
  const res = await app.gql(ViewerDocument, {}, net.adminKey);
  expect(res.errors).toBeUndefined();
  expect(res.data?.viewer).toMatchObject({
    kind: 'API_KEY',
    scopes: ['READ', 'WRITE', 'PERSONAL_DATA', 'ADMIN', 'ISSUE_MEMBER_TOKENS'],
    expiresAt: null,
    member: null,
    network: { slug: net.slug, id: net.globalId },
  });
  expect(res.data?.viewer.apiKey?.prefix).toMatch(/^pnk_/);
});

test('viewer tells a member token which member it acts as', async () => {
  const net = await createTestNetwork(app);
  const member = await net.member();
  const res = await app.gql(ViewerDocument, {}, member.token);
  expect(res.data?.viewer).toMatchObject({ kind: 'MEMBER', scopes: [], apiKey: null, member: { id: member.globalId } });
  expect(new Date(res.data!.viewer.expiresAt!).getTime()).toBeGreaterThan(Date.now());
});

test('health endpoints answer, and the request id comes back', async () => {
  expect((await app.http().get('/healthz')).status).toBe(200);
  const ready = await app.http().get('/readyz');
  expect(ready.body).toEqual({ status: 'ready', shuttingDown: false, database: true });
  const res = await app.http().post('/graphql').set('content-type', 'application/json').set('x-request-id', 'req-123').send({ query: '{ viewer { kind } }' });
  expect(res.headers['x-request-id']).toBe('req-123');
});

test('CSRF prevention: a simple (non-JSON) POST is refused (415, before Apollo), and so is a GET without a preflight header', async () => {
  const res = await app.http().post('/graphql').set('content-type', 'text/plain').send('{"query":"{ viewer { kind } }"}');
  expect([res.status, res.body.errors?.[0].extensions.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  const get = await app.http().get('/graphql').query({ query: '{ viewer { kind } }' });
  expect([get.status, get.body.errors?.[0].extensions.code]).toEqual([400, 'BAD_REQUEST']);
});
