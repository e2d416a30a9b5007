/**
 * GET /metrics (Prometheus text format) on a real server: protected by METRICS_TOKEN or served on METRICS_PORT only,
 * operations by type and by a bounded operation label (allow-listed names, else "other"; never a network or member
 * id), errors by code, pool and WebSocket gauges, live-update delivery latency, rate-limit refusals, process and
 * event-loop metrics. And the logger itself: levels, streams and redaction.
 */
import request from 'supertest';
import { createLogger, REDACTED } from '../../src/config/logger';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { dbId, ok } from '../helpers/gql';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, eventually, startLiveApp, subscribed } from '../subscriptions/live';
import { CREATE_ENDPOINT, dispatcherFor, FAST_WEBHOOKS, startReceiver, type Receiver } from '../webhooks/receiver';
import type { WebhookDispatcher } from '../../src/modules/webhooks/webhook.dispatcher';

const TOKEN = 'metrics-token-that-is-at-least-32-characters';

/** The value of one sample (`name{labels} value`), or undefined if absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('GET /metrics behind a bearer token', () => {
  let app: TestApp;
  let w: World;
  const scrape = async () => {
    const res = await app.http().get('/metrics').set('authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  beforeAll(async () => {
    app = await startLiveApp({ METRICS_TOKEN: TOKEN, METRICS_OPERATIONS: 'Listed, Live' });
    w = await createWorld(app, 'Metrics');
  });
  afterAll(async () => {
    await disconnectAll();
    await app.stop();
  });

  test('no token or a wrong one: 401, and nothing is shown', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      let req = app.http().get('/metrics');
      if (authorization) req = req.set('authorization', authorization);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.text).not.toContain('peer_');
    }
  });

  test('every documented metric is there, process and event-loop metrics included', async () => {
    const text = await scrape();
    for (const name of [
      'peer_graphql_operation_duration_seconds',
      'peer_graphql_errors_total',
      'peer_db_pool_connections_in_use',
      'peer_db_pool_waiting',
      'peer_db_share_waiting',
      'peer_websocket_connections',
      'peer_subscriptions',
      'peer_live_update_delivery_seconds',
      'peer_rate_limit_refusals_total',
      'peer_webhook_deliveries_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect({ name, declared: text.includes(`# TYPE ${name} `) }).toEqual({ name, declared: true });
    }
    expect(sample(text, 'peer_db_pool_connections_in_use')).toEqual(expect.any(Number));
  });

  test('operations by type and bounded label: a listed name has its own, any other name is "other"; errors by code', async () => {
    const before = await scrape();
    const count = (text: string, type: string, operation: string) =>
      sample(text, 'peer_graphql_operation_duration_seconds_count', { transport: 'http', type, operation }) ?? 0;
    ok(await app.gql('query Listed { viewer { kind } }', {}, w.keys.read));
    ok(await app.gql('query Listed { viewer { kind } }', {}, w.member.token));
    ok(await app.gql('query SecretPlanForQuillon { viewer { kind } }', {}, w.keys.read));
    ok(await app.gql(`mutation Unlisted { updateMember(id: "${w.member.globalId}", input: { displayName: "Mia" }) { id } }`, {}, w.member.token));
    const refused = await app.gql('query Listed { viewer { kind } }', {}, 'pnk_not-a-key');
    expect(refused.status).toBe(401);
    const forbidden = await app.gql('query Listed { members(first: 1) { totalCount } }', {}, w.keys.read);
    expect(forbidden.errors?.[0].extensions.code).toBe('FORBIDDEN');

    const after = await scrape();
    expect(count(after, 'query', 'Listed') - count(before, 'query', 'Listed')).toBe(3);
    expect(count(after, 'query', 'other') - count(before, 'query', 'other')).toBe(1);
    expect(count(after, 'mutation', 'other') - count(before, 'mutation', 'other')).toBe(1);
    // The refused credential never reached an operation: no type, no name.
    expect(count(after, 'none', 'other') - count(before, 'none', 'other')).toBe(1);
    const errors = (text: string, code: string) => sample(text, 'peer_graphql_errors_total', { code }) ?? 0;
    expect(errors(after, 'UNAUTHENTICATED') - errors(before, 'UNAUTHENTICATED')).toBe(1);
    expect(errors(after, 'FORBIDDEN') - errors(before, 'FORBIDDEN')).toBe(1);
    // Never free text, a network or a member.
    for (const never of ['SecretPlanForQuillon', 'Unlisted', w.net.id, dbId(w.member.globalId), w.net.slug]) expect(after).not.toContain(never);
  });

  test('WebSockets: open connections and subscriptions, operations over graphql-ws, live-update delivery latency', async () => {
    const session = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
    const before = await scrape();
    const live = connect(app.server.port, w.member.token);
    await live.opened;
    const stream = await subscribed(
      app,
      live,
      'subscription Live($g: ID!) { sessionChanged(groupId: $g) { id } }',
      { g: w.group.globalId },
      {
        networkId: w.net.id,
        name: 'sessionChanged',
        key: w.group.id,
      },
    );
    const open = await scrape();
    expect(sample(open, 'peer_websocket_connections')).toBeGreaterThanOrEqual(1);
    expect(sample(open, 'peer_subscriptions')).toBeGreaterThanOrEqual(1);
    expect(sample(open, 'peer_graphql_operation_duration_seconds_count', { transport: 'websocket', type: 'subscription', operation: 'Live' })).toBe(
      (sample(before, 'peer_graphql_operation_duration_seconds_count', { transport: 'websocket', type: 'subscription', operation: 'Live' }) ?? 0) + 1,
    );

    ok(await app.gql('mutation($s: ID!) { updateSession(id: $s, input: { title: "Moved" }) { id } }', { s: session.globalId }, w.facilitator.token));
    await stream.data();
    const delivered = await scrape();
    expect(sample(delivered, 'peer_live_update_delivery_seconds_count')! - (sample(before, 'peer_live_update_delivery_seconds_count') ?? 0)).toBe(1);

    await live.client.dispose();
    await eventually(async () => sample(await scrape(), 'peer_websocket_connections') === sample(before, 'peer_websocket_connections'), 'the socket to close');
  });
});

describe('rate-limit refusals', () => {
  let app: TestApp;
  let net: TestNetwork;
  beforeAll(async () => {
    app = await startTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_MAX: '2', RATE_LIMIT_RESTORE_RATE: '1' });
    net = await createTestNetwork(app, 'Refusals');
  });
  afterAll(() => app.stop());

  test('an operation over its budget is counted as refused', async () => {
    const refused = await app.gql('{ members(first: 50) { nodes { id } } }', {}, net.adminKey);
    expect(refused.errors?.[0].extensions.code).toBe('RATE_LIMITED');
    const text = (await app.http().get('/metrics').set('authorization', `Bearer ${TOKEN}`)).text;
    expect(sample(text, 'peer_rate_limit_refusals_total', { kind: 'operation' })).toBe(1);
    expect(sample(text, 'peer_graphql_errors_total', { code: 'RATE_LIMITED' })).toBe(1);
  });
});

describe('webhook deliveries', () => {
  let app: TestApp;
  let w: World;
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher;
  beforeAll(async () => {
    app = await startTestApp({ ...FAST_WEBHOOKS, METRICS_TOKEN: TOKEN });
    w = await createWorld(app, 'Webhook metrics');
    dispatcher = dispatcherFor(app, [w.net.id]);
    receiver = await startReceiver((n) => (n === 0 ? { status: 500 } : { status: 204 }));
  });
  afterAll(async () => {
    await dispatcher.stop();
    await receiver.close();
    await app.stop();
  });

  test('attempts are counted by outcome: a failed one, then its retry delivered', async () => {
    ok(await app.gql(CREATE_ENDPOINT, { url: receiver.url, events: ['SESSION_CANCELLED'] }, w.net.adminKey));
    const session = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 120 });
    ok(await app.gql('mutation($id: ID!) { cancelSession(id: $id, reason: "ill") { id } }', { id: session.globalId }, w.net.adminKey));
    await receiver.waitFor(2);
    await eventually(async () => {
      const text = (await app.http().get('/metrics').set('authorization', `Bearer ${TOKEN}`)).text;
      return (
        sample(text, 'peer_webhook_deliveries_total', { outcome: 'delivered' }) === 1 &&
        sample(text, 'peer_webhook_deliveries_total', { outcome: 'failed' }) === 1
      );
    }, 'the two attempts to be counted');
  });
});

describe('METRICS_PORT: a listener of its own', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
  });
  afterAll(() => app.stop());

  test('serves /metrics without a token on its port, and the API port serves none', async () => {
    expect(app.server.metricsPort).toEqual(expect.any(Number));
    expect(app.server.metricsPort).not.toBe(app.server.port);
    const res = await fetch(`http://127.0.0.1:${app.server.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE peer_graphql_operation_duration_seconds histogram');
    expect((await app.http().get('/metrics')).status).toBe(404);
  });
});

test('metrics off (no METRICS_TOKEN, no METRICS_PORT): no /metrics at all', async () => {
  const app = await startTestApp();
  try {
    expect(app.server.metrics).toBeUndefined();
    expect((await request(app.server.httpServer).get('/metrics').set('authorization', `Bearer ${TOKEN}`)).status).toBe(404);
  } finally {
    await app.stop();
  }
});

describe('the logger', () => {
  const capture = (level: Parameters<typeof createLogger>[0]) => {
    const out: string[] = [];
    const err: string[] = [];
    const logger = createLogger(level, { out: { write: (l: string) => out.push(l) }, err: { write: (l: string) => err.push(l) } });
    return { logger, out, err, lines: () => [...out, ...err].map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  test('one JSON line per event: debug and info on stdout, warn and error on stderr, below LOG_LEVEL nothing', () => {
    const c = capture('info');
    c.logger.debug('not written');
    c.logger.info('listening', { port: 4000 });
    c.logger.warn('careful');
    c.logger.error('broken', { requestId: 'r1' });
    expect(c.out.map((l) => JSON.parse(l))).toEqual([{ level: 'info', time: expect.any(String), msg: 'listening', port: 4000 }]);
    expect(c.err.map((l) => JSON.parse(l).msg)).toEqual(['careful', 'broken']);
    expect(new Date(c.lines()[0].time as string).toISOString()).toBe(c.lines()[0].time);
    const silent = capture('silent');
    silent.logger.error('nothing');
    expect(silent.lines()).toEqual([]);
  });

  test('fields named like credentials, variables or personal values are censored, objects under such names whole', () => {
    const c = capture('debug');
    c.logger.info('slip', {
      authorization: 'Bearer pnk_secret',
      token: 'eyJ.secret',
      variables: { input: { email: 'a@b.org' } },
      email: 'a@b.org',
      name: 'Quillon',
      comment: 'unheard',
      wellbeing: 9,
      headers: { authorization: 'Bearer pnk_secret', 'x-request-id': 'r' },
      body: { query: '{ viewer { kind } }', variables: { displayName: 'Quillon' } },
      score: 2,
      requestId: 'kept',
    });
    const [line] = c.lines();
    expect(line).toMatchObject({
      authorization: REDACTED,
      token: REDACTED,
      variables: REDACTED,
      email: REDACTED,
      name: REDACTED,
      comment: REDACTED,
      wellbeing: REDACTED,
      headers: REDACTED,
      body: REDACTED,
      score: REDACTED,
      requestId: 'kept',
    });
    expect(JSON.stringify(line)).not.toMatch(/pnk_secret|eyJ|a@b\.org|Quillon|unheard/);
  });
});
