/**
 * Rate limits over graphql-ws: every operation (query, mutation, subscribe) draws from the same budget as HTTP,
 * refused ones get RATE_LIMITED while the socket stays open; and a cap on open sockets per credential.
 */
import { parse } from 'graphql';
import { getSchema } from '../../src/app/schema';
import { operationCost } from '../../src/graphql/limits';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { connect, disconnectAll, eventually, uniquePrefix, type Stream } from '../subscriptions/live';

const MAX = 100;
/** 22 points (2 + totalCount 20), none refunded: what it asks is what it costs. */
const TEN_MEMBERS = '{ members(first: 10) { totalCount } }';
/** A subscription with twenty aliased objects: about 21 points. */
const PARTNERSHIPS = `subscription { partnershipChanged { id ${Array.from({ length: 20 }, (_, i) => `p${i}: partner { id }`).join(' ')} } }`;

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

let app: TestApp;
let net: TestNetwork;

beforeAll(async () => {
  app = await startTestApp({
    RATE_LIMIT_MAX: String(MAX),
    RATE_LIMIT_RESTORE_RATE: '1',
    WS_MAX_CONNECTIONS_PER_CREDENTIAL: '2',
    REDIS_PREFIX: uniquePrefix(),
  });
  net = await createTestNetwork(app, 'Rate over WebSocket');
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

/** The one result of a query or mutation over the socket, or the errors it was refused with. */
async function once(
  stream: Stream,
): Promise<{ data?: any; errors?: Array<{ message: string; extensions: Record<string, any> }>; extensions?: { cost?: Cost } }> {
  await stream.ended();
  if (stream.error) return { errors: stream.error as never };
  expect(stream.results).toHaveLength(1);
  return stream.results[0] as never;
}

/** What the key has left, read over HTTP (the read itself costs its own points, reported with it). */
async function remainingOverHttp(key: string): Promise<{ remaining: number; cost: Cost }> {
  const res = await app.http().post('/graphql').set('authorization', `Bearer ${key}`).send({ query: '{ viewer { kind } }' });
  return { remaining: res.body.extensions.cost.throttleStatus.currentlyAvailable, cost: res.body.extensions.cost };
}

test('queries over the socket draw from the same bucket as HTTP, report extensions.cost, and meet RATE_LIMITED with the socket left open', async () => {
  const key = await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
  const live = connect(app.server.port, key);
  await live.opened;
  const first = await once(live.subscribe(TEN_MEMBERS));
  expect(first.errors).toBeUndefined();
  const cost = first.extensions!.cost!;
  expect(cost.throttleStatus).toEqual({ maximumAvailable: MAX, currentlyAvailable: MAX - cost.actualQueryCost!, restoreRate: 1 });

  // HTTP sees what the socket spent.
  const http = await remainingOverHttp(key);
  expect(http.remaining).toBeGreaterThanOrEqual(MAX - cost.actualQueryCost! - http.cost.actualQueryCost!);
  expect(http.remaining).toBeLessThanOrEqual(MAX - cost.actualQueryCost! - http.cost.actualQueryCost! + 2);

  let refused: Awaited<ReturnType<typeof once>> | undefined;
  for (let i = 0; i < 20 && !refused; i++) {
    const res = await once(live.subscribe(TEN_MEMBERS));
    if (res.errors) refused = res;
  }
  expect(refused).toBeDefined();
  const error = refused!.errors![0];
  expect(error.extensions.code).toBe('RATE_LIMITED');
  expect(error.extensions.retryAfter).toBeGreaterThanOrEqual(1);
  // No headers over a socket: the error carries the cost report instead.
  expect(error.extensions.cost).toMatchObject({ actualQueryCost: null, throttleStatus: { maximumAvailable: MAX, restoreRate: 1 } });
  expect(error.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(error.extensions.cost.requestedQueryCost);

  // The socket stays open and serves what fits once enough has come back (a 1-point read after at most 1 s).
  await new Promise((r) => setTimeout(r, 1_100));
  const after = await once(live.subscribe('{ viewer { kind } }'));
  expect(after.errors).toBeUndefined();
  expect(after.data).toEqual({ viewer: { kind: 'API_KEY' } });
  expect(await Promise.race([live.closed, new Promise((r) => setTimeout(() => r('still open'), 50))])).toBe('still open');
});

test('subscribing draws its cost from the bucket too, and is refused over budget', async () => {
  const key = await net.key(ApiKeyScope.ADMIN, ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
  const subscriptionCost = operationCost(await getSchema(), parse(PARTNERSHIPS), undefined, {});
  expect(subscriptionCost).toBeGreaterThan(10);
  const before = await remainingOverHttp(key);
  const live = connect(app.server.port, key);
  const before2 = app.server.live.subscribers(net.id, 'partnershipChanged', null);
  const stream = live.subscribe(PARTNERSHIPS);
  await eventually(() => app.server.live.subscribers(net.id, 'partnershipChanged', null) > before2, 'the subscription to be in place');
  const after = await remainingOverHttp(key);
  const spent = subscriptionCost + after.cost.actualQueryCost!;
  expect(after.remaining).toBeGreaterThanOrEqual(before.remaining - spent);
  expect(after.remaining).toBeLessThanOrEqual(before.remaining - spent + 2);
  expect(stream.completed).toBe(false);

  // Spent down over HTTP: the next subscription does not fit and is refused; the socket stays open.
  while ((await app.http().post('/graphql').set('authorization', `Bearer ${key}`).send({ query: TEN_MEMBERS })).status === 200);
  const refused = live.subscribe(PARTNERSHIPS);
  await refused.ended();
  expect((refused.error as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('RATE_LIMITED');
  expect(stream.completed).toBe(false);
});

describe('open sockets per credential (WS_MAX_CONNECTIONS_PER_CREDENTIAL = 2)', () => {
  test('a third socket of one credential is closed with 4403 and a clear reason; others connect; closing one frees a place', async () => {
    const key = await net.key(ApiKeyScope.READ);
    const [one, two] = [connect(app.server.port, key), connect(app.server.port, key)];
    await Promise.all([one.opened, two.opened]);
    const third = connect(app.server.port, key);
    expect(await third.closed).toEqual({ code: 4403, reason: 'Too many connections for this credential' });

    // Another credential of the same network, and a member, are counted apart.
    const otherKey = connect(app.server.port, await net.key(ApiKeyScope.READ));
    const member = connect(app.server.port, (await net.member()).token);
    await Promise.all([otherKey.opened, member.opened]);

    await one.client.dispose();
    await one.closed;
    const again = connect(app.server.port, key);
    await again.opened;
    const res = await once(again.subscribe('{ viewer { kind } }'));
    expect(res.data).toEqual({ viewer: { kind: 'API_KEY' } });
  });
});
