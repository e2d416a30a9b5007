/**
 * Several instances behind a proxy (issue 19, item 5): two real server processes (`node dist/src/main.js`) sharing
 * PostgreSQL and Redis, with Debian's nginx in front (HTTP and WebSocket upgrade, round robin, keep-alive to the
 * instances; test/helpers/nginx.ts). Shows that requests spread over both, that a subscription made through the proxy
 * hears mutations made on either instance, that one credential's rate-limit budget is one budget on both, and that
 * SIGTERM on one instance drains it while the other keeps serving: no request through the proxy fails.
 *
 * Needs real PostgreSQL (DATABASE_URL), Redis (REDIS_URL, else 127.0.0.1:6379), nginx (`apt-get install nginx`) and a
 * built dist/ (`npm test` builds it). Without nginx it is skipped with a message, except in CI (`CI` set), where
 * .ci/run installs it and a missing one fails.
 */
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';
import { nginxBinary, startNginx, type Nginx } from '../helpers/nginx';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, uniquePrefix } from '../subscriptions/live';

const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';
const missing = [...(nginxBinary() ? [] : ['nginx is not installed (apt-get install nginx)']), ...(embedded ? ['DATABASE_URL is not set'] : [])];
if (missing.length && process.env.CI) throw new Error(`The proxy test cannot run in CI: ${missing.join('; ')}`);
if (missing.length) console.warn(`Skipping test/scale/nginx.test.ts: ${missing.join('; ')}`);

const PREFIX = uniquePrefix();
const VIEWER = '{ viewer { kind } }';

interface Answer {
  status: number;
  upstream: string;
  rateLimit: string | null;
  body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
}

async function post(port: number, credential: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    // e.g. nginx's own HTML error page
    body = { errors: [{ extensions: { code: `not JSON: ${text.slice(0, 80)}` } }] };
  }
  return { status: res.status, upstream: res.headers.get('x-upstream') ?? '', rateLimit: res.headers.get('ratelimit'), body };
}

/** The instance behind a WebSocket upgrade through the proxy (its X-Upstream header). */
function upgradeUpstream(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    ws.once('upgrade', (res) => {
      resolve(String(res.headers['x-upstream'] ?? ''));
      ws.close();
    });
    ws.once('error', reject);
  });
}

(missing.length ? describe.skip : describe)('two instances behind nginx, one database, one Redis', () => {
  let app: TestApp;
  let one: Instance;
  let two: Instance;
  let proxy: Nginx;
  let a: World;
  const addr = (i: Instance) => `127.0.0.1:${i.port}`;

  beforeAll(async () => {
    // Fixtures only: this in-process app publishes nowhere.
    app = await startTestApp({ REDIS_URL: '' });
    a = await createWorld(app, 'Proxy A');
    // One credential's budget is restored at 1 point per second, so that its use shows in the RateLimit header.
    const env = { RATE_LIMIT_MAX: '1000000', RATE_LIMIT_RESTORE_RATE: '1', SHUTDOWN_DELAY_MS: '500' };
    [one, two] = await Promise.all([startInstance(PREFIX, env), startInstance(PREFIX, env)]);
    proxy = await startNginx([addr(one), addr(two)], { exposeUpstream: true });
  }, 120_000);

  afterAll(async () => {
    await disconnectAll();
    await proxy?.stop();
    for (const instance of [one, two]) if (instance && instance.child.exitCode === null) await stopInstance(instance);
    await app?.stop();
  });

  test('requests and WebSocket upgrades through the proxy spread over both instances', async () => {
    const served = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const res = await post(proxy.port, a.keys.read, VIEWER);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ viewer: { kind: 'API_KEY' } });
      served.set(res.upstream, (served.get(res.upstream) ?? 0) + 1);
    }
    expect([...served.keys()].sort()).toEqual([addr(one), addr(two)].sort());
    for (const n of served.values()) expect(n).toBeGreaterThanOrEqual(5);

    const upgrades = new Set<string>();
    for (let i = 0; i < 4; i++) upgrades.add(await upgradeUpstream(proxy.port));
    expect([...upgrades].sort()).toEqual([addr(one), addr(two)].sort());
  });

  test('a subscription made through the proxy hears mutations made on either instance', async () => {
    const SESSION_CHANGED = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id status } }';
    const START = 'mutation($id: ID!) { startSession(id: $id) { id } }';
    const s1 = await insertSession(app, a.net.id, a.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
    const s2 = await insertSession(app, a.net.id, a.group.id, { status: 'SCHEDULED', startsInMinutes: 120 });
    const live = connect(proxy.port, a.member.token);
    await live.opened;
    const stream = live.subscribe(SESSION_CHANGED, { g: a.group.globalId });
    // The subscription is open once an event made on its own instance arrives; whichever instance holds it, one
    // of the two mutations below is made on the other.
    await new Promise((r) => setTimeout(r, 300));
    expect((await post(one.port, a.facilitator.token, START, { id: s1.globalId })).body.errors).toBeUndefined();
    expect(await stream.data()).toEqual({ sessionChanged: { id: s1.globalId, status: 'LIVE' } });
    expect((await post(two.port, a.facilitator.token, START, { id: s2.globalId })).body.errors).toBeUndefined();
    expect(await stream.data()).toEqual({ sessionChanged: { id: s2.globalId, status: 'LIVE' } });
  });

  test("one credential's rate-limit budget is one budget on both instances", async () => {
    // Each answer's RateLimit `r` is what the credential has left after it. Kept per instance, the two instances'
    // figures would interleave two separate countdowns; shared (in Redis), every answer has less left than the one
    // before, whichever instance gave it.
    const key = a.keys.readPersonal;
    const left: Array<{ upstream: string; r: number }> = [];
    for (let i = 0; i < 12; i++) {
      const res = await post(proxy.port, key, '{ members(first: 50) { nodes { id } } }');
      expect(res.status).toBe(200);
      left.push({ upstream: res.upstream, r: Number(/;r=(\d+)/.exec(res.rateLimit ?? '')?.[1]) });
    }
    expect(new Set(left.map((x) => x.upstream)).size).toBe(2);
    for (let i = 1; i < left.length; i++) expect(left[i].r).toBeLessThan(left[i - 1].r);
    // With both instances counting, twelve requests spent twelve requests' worth.
    const spent = 1_000_000 - left[left.length - 1].r;
    const perRequest = 1_000_000 - left[0].r;
    expect(spent).toBeGreaterThanOrEqual(perRequest * 12 - 12);
  });

  test('SIGTERM on one instance drains it while the other keeps serving: no request through the proxy fails', async () => {
    const failures: string[] = [];
    const servedBy = new Map<string, number>();
    let stop = false;
    let total = 0;
    const client = async () => {
      // Bounded: stops when told, or after 2,000 requests.
      for (let i = 0; i < 2_000 && !stop; i++) {
        try {
          const res = await post(proxy.port, a.keys.read, '{ viewer { kind network { name } } }');
          total += 1;
          if (res.status !== 200 || res.body.errors) failures.push(`${res.status} from ${res.upstream}: ${JSON.stringify(res.body.errors)}`);
          else servedBy.set(res.upstream, (servedBy.get(res.upstream) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const clients = Array.from({ length: 4 }, () => client());
    await new Promise((r) => setTimeout(r, 500));
    const servedBeforeByOne = servedBy.get(addr(one)) ?? 0;
    expect(servedBeforeByOne).toBeGreaterThan(0);
    expect(await stopInstance(one)).toBe(0);
    const servedByTwoAtExit = servedBy.get(addr(two)) ?? 0;
    await new Promise((r) => setTimeout(r, 700));
    stop = true;
    await Promise.all(clients);
    expect({ failures, proxyLog: failures.length ? proxy.log() : '' }).toEqual({ failures: [], proxyLog: '' });
    expect(total).toBeGreaterThan(20);
    // The other instance went on serving after the first one exited.
    expect(servedBy.get(addr(two))!).toBeGreaterThan(servedByTwoAtExit);
  });
});
