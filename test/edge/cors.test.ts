import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';

/**
 * CORS on /graphql: an allow-list (CORS_ORIGINS) answers listed origins only; the default `*` answers any.
 * Never Access-Control-Allow-Credentials: credentials are bearer headers, not cookies.
 */

const ALLOWED = 'https://app.example.org';
const EXPOSED = ['idempotent-replayed', 'ratelimit', 'ratelimit-policy', 'retry-after', 'x-request-id'];

let listed: TestApp;
let open: TestApp;
let net: TestNetwork;
beforeAll(async () => {
  listed = await startTestApp({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
  open = await startTestApp();
  net = await createTestNetwork(listed, 'Cors');
});
afterAll(async () => {
  await listed.stop();
  await open.stop();
});

const preflight = (app: TestApp, origin: string) =>
  app
    .http()
    .options('/graphql')
    .set('origin', origin)
    .set('access-control-request-method', 'POST')
    .set('access-control-request-headers', 'authorization, content-type, idempotency-key');

const exposed = (header: string | undefined) => (header ?? '').split(',').map((h) => h.trim().toLowerCase());

describe('CORS_ORIGINS allow-list', () => {
  test('a preflight from a listed origin is answered: origin, max age, methods, the requested headers', async () => {
    const res = await preflight(listed, ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['vary']).toMatch(/Origin/);
    expect(res.headers['access-control-max-age']).toBe('7200');
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(exposed(res.headers['access-control-allow-headers'])).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  test('a preflight from another origin gets no Access-Control-Allow-Origin (the browser refuses the call)', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.org.evil.example', 'http://app.example.org']) {
      const res = await preflight(listed, origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  test('an actual request from a listed origin exposes the request id, rate-limit and replay headers', async () => {
    const res = await listed
      .http()
      .post('/graphql')
      .set('origin', ALLOWED)
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${net.adminKey}`)
      .send({ query: '{ viewer { kind } }' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(exposed(res.headers['access-control-expose-headers'])).toEqual(expect.arrayContaining(EXPOSED));
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.headers['ratelimit']).toBeTruthy();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  test('an actual request from another origin is still answered, without CORS headers (the browser hides it)', async () => {
    const res = await listed
      .http()
      .post('/graphql')
      .set('origin', 'https://evil.example')
      .set('content-type', 'application/json')
      .send({ query: '{ __typename }' });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the default: any origin', () => {
  test('a preflight from any origin is answered with *', async () => {
    const res = await preflight(open, 'https://anywhere.example');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-max-age']).toBe('7200');
    expect(exposed(res.headers['access-control-allow-headers'])).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  test('actual requests expose the same headers', async () => {
    const res = await open
      .http()
      .post('/graphql')
      .set('origin', 'https://anywhere.example')
      .set('content-type', 'application/json')
      .send({ query: '{ __typename }' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(exposed(res.headers['access-control-expose-headers'])).toEqual(expect.arrayContaining(EXPOSED));
  });
});
