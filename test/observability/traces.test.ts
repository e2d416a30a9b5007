/**
 * Traces of a real server process with OTEL_EXPORTER_OTLP_ENDPOINT set, received by an OTLP/HTTP receiver on
 * loopback: spans of the HTTP request, the GraphQL operation and its PostgreSQL statements; no span per resolver; no
 * credential, API key hash or variable value in any span. `npm test` builds dist/ first; run `npm run build` before
 * running this file on its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';
import { eventually, uniquePrefix } from '../subscriptions/live';
import type { AddressInfo } from 'node:net';

interface Span {
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

let app: TestApp;
let net: TestNetwork;
let receiver: http.Server;
let instance: Instance | undefined;
const bodies: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app, 'Traces');
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await stopInstance(instance);
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await app.stop();
});

test('OTEL_EXPORTER_OTLP_ENDPOINT: HTTP, GraphQL and PostgreSQL spans, no resolver spans, no secret or value in them', async () => {
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  instance = await startInstance(uniquePrefix(), { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  const secretName = `Traced Person ${randomBytes(4).toString('hex')}`;
  const res = await fetch(`http://127.0.0.1:${instance.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${net.adminKey}` },
    body: JSON.stringify({
      query: 'mutation Traced($input: CreateMemberInput!) { createMember(input: $input) { id displayName } }',
      variables: { input: { displayName: secretName } },
    }),
  });
  expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();

  // SIGTERM: the server stops, and its tracing flushes every span before the process exits.
  expect(await stopInstance(instance)).toBe(0);
  instance = undefined;
  const spans = (): Span[] =>
    bodies.flatMap((b) =>
      (JSON.parse(b) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }> }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
  const names = () => spans().map((s) => s.name);
  await eventually(() => names().includes('POST') && names().includes('mutation Traced'), 'the HTTP and GraphQL spans', 20_000);
  // The operation's span is named after it; parse and validate have their own; the statements are pg.query spans
  // (named by their verb, or by their prepared statement's name, and the database).
  expect(names()).toEqual(expect.arrayContaining(['mutation Traced', 'graphql.parse', 'graphql.validate']));
  expect(names().filter((n) => /^pg\.query:COMMIT /.test(n)).length).toBeGreaterThanOrEqual(1);
  expect(names().filter((n) => n === 'graphql.resolve')).toEqual([]);
  const everything = bodies.join('\n');
  const keyHash = createHash('sha256').update(net.adminKey).digest('hex');
  for (const secret of [net.adminKey, keyHash, secretName]) expect(everything).not.toContain(secret);
  expect(bodies.some((b) => b.includes('peer-networks-api'))).toBe(true);
}, 90_000);
