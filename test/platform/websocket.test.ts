import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork } from '../helpers/factories';

let app: TestApp;
const clients: Client[] = [];
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await app.stop();
});

/** A graphql-ws client; resolves `opened` on connection_ack and `closed` with the close code. */
function connect(authorization?: string, port = app.server.port) {
  let onClosed: (code: number) => void = () => undefined;
  let onOpen: () => void = () => undefined;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const opened = new Promise<void>((resolve) => (onOpen = resolve));
  const client: Client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
    on: { connected: () => onOpen(), closed: (event) => onClosed((event as { code: number }).code) },
    onNonLazyError: () => undefined,
  });
  clients.push(client);
  return { client, opened, closed };
}

test('graphql-ws on /graphql runs operations under the same context as HTTP', async () => {
  const net = await createTestNetwork(app);
  const { client } = connect(`Bearer ${net.adminKey}`);
  const result = await new Promise<unknown>((resolve, reject) => {
    let value: unknown;
    client.subscribe({ query: '{ viewer { kind network { slug } } }' }, { next: (v) => (value = v), error: reject, complete: () => resolve(value) });
  });
  // Plus the rate-limit report (extensions.cost), as over HTTP.
  expect(result).toEqual({ data: { viewer: { kind: 'API_KEY', network: { slug: net.slug } } }, extensions: { cost: expect.any(Object) } });
});

test('a socket without valid credentials is closed with 4403', async () => {
  expect(await connect().closed).toBe(4403);
  expect(await connect('Bearer pnk_not-a-real-key').closed).toBe(4403);
});

test('graceful shutdown closes open sockets with 1001 (going away)', async () => {
  const other = await startTestApp();
  const net = await createTestNetwork(other);
  const { opened, closed } = connect(`Bearer ${net.adminKey}`, other.server.port);
  await opened;
  await other.stop();
  expect(await closed).toBe(1001);
});
