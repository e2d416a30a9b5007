/**
 * Rate limits over HTTP, through the public API on the real database (and real Redis when REDIS_URL is set, as
 * CI does; in-process buckets otherwise): a small budget per credential (100 points, 1 restored per second) so a
 * burst meets RATE_LIMITED quickly and the countdown can be checked exactly.
 */
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { ALL_SCOPES } from '../../src/modules/auth/api-key.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { ok } from '../helpers/gql';
import { uniquePrefix } from '../subscriptions/live';

const MAX = 100;
const RATE = 1;

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

interface Reply {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions: Record<string, any> }>; extensions?: { cost?: Cost } };
  headers: Record<string, string>;
  /** `r` of the RateLimit header. */
  remaining: number;
  at: number;
}

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;

beforeAll(async () => {
  app = await startTestApp({ RATE_LIMIT_MAX: String(MAX), RATE_LIMIT_RESTORE_RATE: String(RATE), REDIS_PREFIX: uniquePrefix() });
  [a, b] = [await createTestNetwork(app, 'Rate A'), await createTestNetwork(app, 'Rate B')];
});
afterAll(() => app.stop());

async function post(credential: string, query: string, variables: Record<string, unknown> = {}): Promise<Reply> {
  const res = await app.http().post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${credential}`).send({ query, variables });
  const header = String(res.headers['ratelimit'] ?? '');
  const m = /^"cost";r=(\d+);t=(\d+)$/.exec(header);
  return { status: res.status, body: res.body, headers: res.headers as Record<string, string>, remaining: m ? Number(m[1]) : NaN, at: Date.now() };
}

/** 1 + 10 × 1 = 11 points today; the tests read the cost from the response rather than assume the formula. */
const TEN_MEMBERS = '{ members(first: 10) { nodes { id } } }';
/** 22 points (2 + totalCount 20), none refunded: bursts spend exactly what they ask. */
const COUNT = '{ members(first: 10) { totalCount } }';
const RATE_LIMIT = '{ rateLimit { limit remaining restoreRate resetAt cost } }';

/** `after` is `before` minus `spent`, plus what was restored meanwhile (the header rounds down: up to 1 more). */
function expectCountdown(before: Reply, after: Reply, spent: number): void {
  const restored = Math.ceil(((after.at - before.at) / 1000) * RATE);
  expect(after.remaining).toBeGreaterThanOrEqual(Math.max(0, before.remaining - spent));
  expect(after.remaining).toBeLessThanOrEqual(Math.min(MAX, before.remaining - spent + 1 + restored));
}

describe('reporting', () => {
  test('every response carries extensions.cost and the draft RateLimit headers, counting down request by request', async () => {
    const key = await a.key(...ALL_SCOPES);
    const first = await post(key, TEN_MEMBERS);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    const cost = first.body.extensions!.cost!;
    expect(cost.requestedQueryCost).toBeGreaterThan(1);
    expect(cost.actualQueryCost).toBeLessThanOrEqual(cost.requestedQueryCost);
    expect(cost.throttleStatus).toEqual({ maximumAvailable: MAX, currentlyAvailable: MAX - cost.actualQueryCost!, restoreRate: RATE });
    // A full bucket refills from empty in MAX / RATE seconds: that is the policy's window.
    expect(first.headers['ratelimit-policy']).toBe(`"cost";q=${MAX};w=${MAX / RATE}`);
    expect(first.headers['ratelimit']).toBe(`"cost";r=${MAX - cost.actualQueryCost!};t=${cost.actualQueryCost! / RATE}`);
    expect(first.headers['retry-after']).toBeUndefined();

    let previous = first;
    for (let i = 0; i < 3; i++) {
      const next = await post(key, i % 2 ? TEN_MEMBERS : '{ viewer { kind } }');
      expect(next.status).toBe(200);
      const spent = next.body.extensions!.cost!.actualQueryCost!;
      expectCountdown(previous, next, spent);
      expect(next.body.extensions!.cost!.throttleStatus.currentlyAvailable).toBe(next.remaining);
      previous = next;
    }
  });

  test("rateLimit shows the caller's own bucket: limit, remaining after this operation, restore rate, reset time and cost", async () => {
    const key = await a.key(ApiKeyScope.READ);
    const before = await post(key, '{ viewer { kind } }');
    const res = await post(key, RATE_LIMIT);
    expect(res.body.errors).toBeUndefined();
    const rl = res.body.data.rateLimit;
    const cost = res.body.extensions!.cost!;
    expect(rl).toMatchObject({ limit: MAX, restoreRate: RATE, cost: cost.requestedQueryCost });
    // `remaining` is right after the take; the header also counts what came back after the run.
    expect(res.remaining).toBe(rl.remaining + cost.requestedQueryCost - cost.actualQueryCost!);
    expectCountdown(before, res, cost.requestedQueryCost);
    // Full again once the missing points are restored at 1 per second.
    const resetIn = (Date.parse(rl.resetAt) - res.at) / 1000;
    expect(resetIn).toBeGreaterThan(MAX - rl.remaining - 2);
    expect(resetIn).toBeLessThanOrEqual(MAX - rl.remaining + 1);
  });

  test("member tokens have buckets of their own, apart from the network's keys", async () => {
    const member = await a.member();
    const res = await post(member.token, RATE_LIMIT);
    expect(res.body.data.rateLimit.remaining).toBe(MAX - res.body.extensions!.cost!.requestedQueryCost);
  });

  test('an operation stopped before it runs (QUERY_TOO_COMPLEX) gets its points back', async () => {
    const key = await a.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
    const before = await post(key, '{ viewer { kind } }');
    // 13 fields deep, a handful of points.
    const deep = `{ groups(first: 1) { nodes { memberships(first: 1) { nodes { group { memberships(first: 1) { nodes { group {
      memberships(first: 1) { nodes { group { memberships(first: 1) { nodes { id } } } } } } } } } } } } } }`;
    const refused = await post(key, deep);
    expect(refused.status).toBe(400);
    expect(refused.body.errors![0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    const cost = refused.body.extensions!.cost!;
    expect(cost.requestedQueryCost).toBeGreaterThan(1);
    expect(cost.actualQueryCost).toBeNull();
    expectCountdown(before, refused, 0);
  });
});

describe('refunds', () => {
  const ASK_100 = '{ members(first: 100) { nodes { id } } }';
  let app2: TestApp;
  let key: string;

  beforeAll(async () => {
    app2 = await startTestApp({ RATE_LIMIT_MAX: '1000', RATE_LIMIT_RESTORE_RATE: '1', REDIS_PREFIX: uniquePrefix() });
    const net = await createTestNetwork(app2, 'Refunds');
    for (let i = 0; i < 3; i++) await net.member();
    key = await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
  });
  afterAll(() => app2.stop());

  const ask = async (query: string) => {
    const res = await app2.http().post('/graphql').set('authorization', `Bearer ${key}`).send({ query });
    expect(res.body.errors).toBeUndefined();
    return { data: res.body.data, cost: res.body.extensions.cost as Cost };
  };

  // Shopify's semantics: the requested cost is taken before execution, the actual cost is what is charged. The
  // bucket shows what the operation was charged (`actualQueryCost`), whatever the pricing formula makes of it.
  test('the bucket is charged the actual cost, and the next request sees it', async () => {
    const first = await ask(ASK_100);
    expect(first.data.members.nodes).toHaveLength(3);
    expect(first.cost.actualQueryCost).toBeLessThanOrEqual(first.cost.requestedQueryCost);
    expect(first.cost.throttleStatus.currentlyAvailable).toBe(1000 - first.cost.actualQueryCost!);
    const next = await ask('{ viewer { kind } }');
    const expected = 1000 - first.cost.actualQueryCost! - next.cost.actualQueryCost!;
    expect(next.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(expected);
    expect(next.cost.throttleStatus.currentlyAvailable).toBeLessThanOrEqual(expected + 2);
  });

  // A connection is charged for the items it returned (Shopify's refund of requested − actual).
  test('a connection asking first: 100 that returns 3 items is charged less than requested', async () => {
    const { cost } = await ask(ASK_100);
    expect(cost.actualQueryCost).toBeLessThan(cost.requestedQueryCost);
  });
});

describe('throttling', () => {
  test("a burst from one key meets RATE_LIMITED, 429 and Retry-After; another key of the network and another network's key are unaffected", async () => {
    const [burst, sibling, other] = [await a.key(...ALL_SCOPES), await a.key(...ALL_SCOPES), await b.key(...ALL_SCOPES)];
    let last: Reply | undefined;
    let ok = 0;
    for (let i = 0; i < 30; i++) {
      last = await post(burst, COUNT);
      if (last.status !== 200) break;
      ok += 1;
    }
    const cost = last!.body.extensions!.cost!;
    expect(ok).toBe(Math.floor(MAX / cost.requestedQueryCost)); // 4 × 22 = 88 of 100 (a second of restore at most)
    expect(last!.status).toBe(429);
    expect(last!.body.data).toBeUndefined();
    const error = last!.body.errors![0];
    expect(error.extensions.code).toBe('RATE_LIMITED');
    expect(error.message).toMatch(/^Rate limit exceeded: this operation costs \d+ points and \d+ are available \(1 restored per second\); retry in \d+ s$/);
    // Nothing taken: what is missing comes back at 1 per second.
    const available = cost.throttleStatus.currentlyAvailable;
    const wait = Math.ceil(cost.requestedQueryCost - available);
    expect(cost).toMatchObject({ actualQueryCost: null, throttleStatus: { maximumAvailable: MAX, restoreRate: RATE } });
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(wait - 1);
    expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(wait);
    expect(error.extensions.retryAfter).toBe(Number(last!.headers['retry-after']));
    expect(last!.remaining).toBe(available);

    // The same key stays refused while nothing has come back; the others have their whole budget.
    expect((await post(burst, COUNT)).status).toBe(429);
    for (const key of [sibling, other]) {
      const res = await post(key, COUNT);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.remaining).toBe(MAX - res.body.extensions!.cost!.actualQueryCost!);
    }
  });

  test("network B exhausting its budget leaves A's untouched, and rateLimit shows only the caller's own bucket", async () => {
    const [keyA, keyB] = [await a.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA), await b.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA)];
    while ((await post(keyB, COUNT)).status === 200);
    const mineB = await post(keyB, RATE_LIMIT);
    // B's small query still fits (its cost is 1), or is refused: either way less than one burst query is left.
    if (mineB.status === 200) expect(mineB.body.data.rateLimit.remaining).toBeLessThan(22 + 2);
    else expect(mineB.body.errors![0].extensions.code).toBe('RATE_LIMITED');

    const mineA = await post(keyA, RATE_LIMIT);
    expect(mineA.status).toBe(200);
    expect(mineA.body.data.rateLimit).toMatchObject({ limit: MAX, remaining: MAX - mineA.body.extensions!.cost!.requestedQueryCost });
  });

  test('an operation costing more than the whole bucket can never run: RATE_LIMITED without Retry-After, and says so', async () => {
    const key = await a.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
    const res = await post(key, '{ members(first: 100) { nodes { id } } }');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body.errors![0].extensions.code).toBe('RATE_LIMITED');
    expect(res.body.errors![0].extensions.retryAfter).toBeUndefined();
    expect(res.body.errors![0].message).toMatch(/^This operation costs \d+ points, more than the 100 a credential's budget holds: it can never run/);
    // Nothing was taken.
    expect(res.remaining).toBe(MAX);
  });
});

describe('configuration', () => {
  test('RATE_LIMITS_ENABLED=false: no throttling, no headers, no extensions.cost; rateLimit reports the defaults', async () => {
    const off = await startTestApp({ RATE_LIMITS_ENABLED: 'false', RATE_LIMIT_MAX: '5' });
    try {
      const net = await createTestNetwork(off, 'No limits');
      for (let i = 0; i < 3; i++) {
        const res = await off.http().post('/graphql').set('authorization', `Bearer ${net.adminKey}`).send({ query: TEN_MEMBERS });
        expect(res.status).toBe(200);
        expect(res.headers['ratelimit']).toBeUndefined();
        expect(res.body.extensions).toBeUndefined();
      }
      const res = await off.gql(RATE_LIMIT, {}, net.adminKey);
      expect(res.data!.rateLimit).toMatchObject({ limit: 5, remaining: 5, cost: 1 });
    } finally {
      await off.stop();
    }
  });
});

(process.env.REDIS_URL ? describe : describe.skip)('Redis failing at request time', () => {
  test('requests go through (fail open)', async () => {
    const app3 = await startTestApp({ RATE_LIMIT_MAX: '20', RATE_LIMIT_RESTORE_RATE: '1', REDIS_PREFIX: uniquePrefix() });
    try {
      const net = await createTestNetwork(app3, 'Fail open');
      ok(await app3.gql('{ viewer { kind } }', {}, net.adminKey));
      // The limiter's Redis connection is gone (closed here; a crashed Redis answers the same way: no connection).
      await app3.server.rateLimiter.close();
      // 5 × 11 points from a 20-point bucket restoring 1 per second: refused from the second on, were Redis there.
      for (let i = 0; i < 5; i++) {
        const res = await app3.http().post('/graphql').set('authorization', `Bearer ${net.adminKey}`).send({ query: TEN_MEMBERS });
        expect(res.status).toBe(200);
        expect(res.body.errors).toBeUndefined();
      }
    } finally {
      await app3.stop();
    }
  });
});
