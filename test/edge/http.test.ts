import { createHash } from 'node:crypto';
import { watchedEdgeApp } from './logs';
import type { TestApp } from '../helpers/app';
import type { TestNetwork } from '../helpers/factories';

/** GraphQL over HTTP at the edge: persisted queries, refused bodies, status per media type. Nothing here is logged as unexpected. */

const edge = watchedEdgeApp();
let app: TestApp;
let net: TestNetwork;
beforeAll(() => ({ app, net } = edge));

const post = () => app.http().post('/graphql').set('authorization', `Bearer ${net.adminKey}`);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const codes = (body: { errors?: Array<{ extensions: { code: string } }> }) => body.errors?.map((e) => e.extensions.code);
/** A raw body over fetch (supertest re-encodes Buffers given with a JSON content type). */
const raw = (body: Buffer, contentType: string) =>
  fetch(`http://127.0.0.1:${app.server.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${net.adminKey}` },
    body,
  });

describe("automatic persisted queries (Apollo's protocol)", () => {
  // A text of its own per run, so the server's cache has never seen it.
  const query = `query Apq${Date.now()} { viewer { kind } }`;
  const persisted = (hash = sha256(query)) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

  test('POST: hash only → PERSISTED_QUERY_NOT_FOUND; query + hash → runs; hash only → runs', async () => {
    const miss = await post().set('content-type', 'application/json').send({ extensions: persisted() });
    expect(miss.status).toBe(200);
    expect(codes(miss.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const register = await post().set('content-type', 'application/json').send({ query, extensions: persisted() });
    expect(register.status).toBe(200);
    expect(register.body.data).toEqual({ viewer: { kind: 'API_KEY' } });

    const hit = await post().set('content-type', 'application/json').send({ extensions: persisted() });
    expect(hit.status).toBe(200);
    expect(hit.body.data).toEqual({ viewer: { kind: 'API_KEY' } });
  });

  test('GET: the same round trip in the URL (with the header CSRF prevention asks of GETs)', async () => {
    const text = `query ApqGet${Date.now()} { viewer { kind } }`;
    const get = (params: Record<string, string>) =>
      app.http().get('/graphql').query(params).set('authorization', `Bearer ${net.adminKey}`).set('apollo-require-preflight', 'true');
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(text) } });
    expect(codes((await get({ extensions })).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await get({ query: text, extensions })).body.data).toEqual({ viewer: { kind: 'API_KEY' } });
    expect((await get({ extensions })).body.data).toEqual({ viewer: { kind: 'API_KEY' } });
  });

  test('a hash that does not match the query is HTTP 400 BAD_REQUEST, and the query does not run', async () => {
    const res = await post()
      .set('content-type', 'application/json')
      .send({ query, extensions: persisted(sha256('something else')) });
    expect(res.status).toBe(400);
    expect(codes(res.body)).toEqual(['BAD_REQUEST']);
    expect(res.body.data).toBeUndefined();
  });

  test('an unsupported protocol version is HTTP 400 BAD_REQUEST', async () => {
    const res = await post()
      .set('content-type', 'application/json')
      .send({ query, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(query) } } });
    expect(res.status).toBe(400);
    expect(codes(res.body)).toEqual(['BAD_REQUEST']);
  });
});

describe('refused bodies are JSON GraphQL errors with a code and status, never an HTML page', () => {
  const expectRefusal = (res: { status: number; headers: Record<string, string>; body: unknown }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(codes(res.body as never)).toEqual([code]);
  };

  test('malformed JSON → 400 BAD_REQUEST', async () => {
    expectRefusal(await post().set('content-type', 'application/json').send('{"query": '), 400, 'BAD_REQUEST');
  });

  test('a body over 1 MB → 413 PAYLOAD_TOO_LARGE', async () => {
    expectRefusal(
      await post()
        .set('content-type', 'application/json')
        .send({ query: `{ viewer { kind } } # ${'x'.repeat(1_100_000)}` }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  test.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'Content-Type %s → 415 UNSUPPORTED_MEDIA_TYPE',
    async (type) => {
      expectRefusal(await post().set('content-type', type).send('query={viewer{kind}}'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  test.each(['utf-7', 'utf-16', 'UTF-16LE', 'iso-8859-1', 'klingon'])('charset=%s → 415 UNSUPPORTED_MEDIA_TYPE (only UTF-8)', async (charset) => {
    const res = await raw(Buffer.from('{"query":"{ viewer { kind } }"}'), `application/json; charset=${charset}`);
    expect(res.status).toBe(415);
    expect(codes((await res.json()) as never)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
  });

  test('charset=utf-8 (any case) and no charset are accepted', async () => {
    for (const type of ['application/json; charset=UTF-8', 'application/json; charset=utf-8', 'application/json']) {
      const res = await raw(Buffer.from('{"query":"{ viewer { kind } }"}'), type);
      expect(res.status).toBe(200);
    }
  });

  test('invalid UTF-8 bytes → 400 BAD_REQUEST (not silently replaced)', async () => {
    const body = Buffer.concat([Buffer.from('{"query":"{ viewer { kind } }","operationName":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const res = await raw(body, 'application/json');
    expect(res.status).toBe(400);
    expect(codes((await res.json()) as never)).toEqual(['BAD_REQUEST']);
  });

  test('an unknown Content-Encoding → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectRefusal(await post().set('content-type', 'application/json').set('content-encoding', 'snappy').send('{}'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe("a failed document: Apollo's codes, and the status of its media type", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a parse failure', { query: '{ viewer { kind }' }, 'GRAPHQL_PARSE_FAILED'],
    ['a validation failure', { query: '{ viewer { nope } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a variable coercion failure', { query: 'query($n: Int!) { groups(first: $n) { totalCount } }', variables: { n: 'many' } }, 'BAD_USER_INPUT'],
    [
      'text no argument may carry',
      { query: 'mutation($n: String) { updateNetwork(input: { name: $n }) { id } }', variables: { n: 'a\u0000' } },
      'BAD_USER_INPUT',
    ],
  ];
  test.each(cases)('%s: 200 under application/json, 400 under application/graphql-response+json', async (_, body, code) => {
    const json = await post().set('content-type', 'application/json').set('accept', 'application/json').send(body);
    expect([json.status, codes(json.body)?.[0]]).toEqual([200, code]);
    const gqlJson = await post().set('content-type', 'application/json').set('accept', 'application/graphql-response+json').send(body);
    expect([gqlJson.status, gqlJson.headers['content-type']]).toEqual([400, 'application/graphql-response+json; charset=utf-8']);
    expect(JSON.parse(gqlJson.text).errors[0].extensions.code).toBe(code);
  });

  test('an operation name that is not in the document is OPERATION_RESOLUTION_FAILURE', async () => {
    const res = await post().set('content-type', 'application/json').send({ query: 'query A { viewer { kind } }', operationName: 'B' });
    expect(codes(res.body)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
  });

  test('other refusals keep their status under application/json: too complex is 400, an invalid Idempotency-Key header 400', async () => {
    const aliases = `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`;
    const tooComplex = await post().set('content-type', 'application/json').send({ query: aliases });
    expect([tooComplex.status, codes(tooComplex.body)]).toEqual([400, ['QUERY_TOO_COMPLEX']]);
    const res = await post()
      .set('content-type', 'application/json')
      .set('idempotency-key', '')
      .send({ query: 'mutation { updateNetwork(input: { name: "Same" }) { id } }' });
    expect([res.status, codes(res.body)]).toEqual([400, ['BAD_USER_INPUT']]);
  });

  test('a request without a query is BAD_REQUEST (400)', async () => {
    const res = await post().set('content-type', 'application/json').send({ variables: {} });
    expect([res.status, codes(res.body)]).toEqual([400, ['BAD_REQUEST']]);
  });

  test("201 invalid list items hit graphql-js's variable error limit: BAD_USER_INPUT, never INTERNAL", async () => {
    const res = await post()
      .set('content-type', 'application/json')
      .set('accept', 'application/graphql-response+json')
      .send({ query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: Array.from({ length: 201 }, () => ({ bad: true })) } });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text);
    expect(new Set(codes(body))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(body.errors.at(-1).message).toMatch(/Too many errors processing variables/);
  });
});
