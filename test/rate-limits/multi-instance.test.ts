/**
 * Two real server processes sharing one database and one Redis hold one budget per credential: points spent on
 * instance 1 are missing on instance 2, and a burst spread over both meets RATE_LIMITED after the same total.
 * Needs real PostgreSQL (the embedded database serves one process) and Redis; `npm test` builds dist/ first.
 */
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';
import { uniquePrefix } from '../subscriptions/live';

const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';
const MAX = 100;
/** 22 points (2 + totalCount 20), none refunded: what it asks is what it costs. */
const TEN_MEMBERS = '{ members(first: 10) { totalCount } }';

interface Reply {
  status: number;
  remaining: number;
  cost: { requestedQueryCost: number; actualQueryCost: number | null };
  code?: string;
}

async function post(port: number, credential: string, query: string): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: Array<{ extensions: { code: string } }>; extensions: { cost: Reply['cost'] } };
  const m = /^"cost";r=(\d+);t=\d+$/.exec(res.headers.get('ratelimit') ?? '');
  return { status: res.status, remaining: m ? Number(m[1]) : NaN, cost: body.extensions.cost, code: body.errors?.[0]?.extensions.code };
}

(embedded ? describe.skip : describe)('two instances, one Redis: one budget per credential', () => {
  let app: TestApp;
  let net: TestNetwork;
  let one: Instance;
  let two: Instance;

  beforeAll(async () => {
    // Fixtures only.
    app = await startTestApp({ REDIS_URL: '' });
    net = await createTestNetwork(app, 'Two instances');
    const prefix = uniquePrefix();
    const env = { RATE_LIMIT_MAX: String(MAX), RATE_LIMIT_RESTORE_RATE: '1' };
    [one, two] = await Promise.all([startInstance(prefix, env), startInstance(prefix, env)]);
  }, 120_000);

  afterAll(async () => {
    for (const instance of [one, two]) if (instance) expect(await stopInstance(instance)).toBe(0);
    await app?.stop();
  });

  test('points spent on instance 1 are missing on instance 2', async () => {
    const key = await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
    const first = await post(one.port, key, TEN_MEMBERS);
    expect(first.status).toBe(200);
    expect(first.remaining).toBe(MAX - first.cost.actualQueryCost!);
    const second = await post(two.port, key, TEN_MEMBERS);
    expect(second.status).toBe(200);
    const expected = first.remaining - second.cost.actualQueryCost!;
    expect(second.remaining).toBeGreaterThanOrEqual(expected);
    expect(second.remaining).toBeLessThanOrEqual(expected + 2);
  });

  test('a burst alternating between the instances is refused after the same total as on one', async () => {
    const key = await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA);
    let ok = 0;
    let last: Reply | undefined;
    for (let i = 0; i < 30; i++) {
      last = await post(i % 2 ? two.port : one.port, key, TEN_MEMBERS);
      if (last.status !== 200) break;
      ok += 1;
    }
    expect(ok).toBe(Math.floor(MAX / last!.cost.requestedQueryCost));
    expect(last).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Refused on the other instance too.
    const other = await post(ok % 2 ? one.port : two.port, key, TEN_MEMBERS);
    expect(other).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });
});
