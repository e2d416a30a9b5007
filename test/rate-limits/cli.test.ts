/**
 * Operators raise (or reset) a network's rate-limit budget with the CLI (`set-rate-limit`), and the running
 * server applies it. Uses the built CLI: `npm test` builds dist/ first (pretest).
 */
import { startTestApp, uniqueSlug, type TestApp } from '../helpers/app';
import { cli } from '../helpers/cli';

/** The server's defaults, as the CLI (which reads no test settings) knows them. */
const DEFAULTS = { RATE_LIMIT_MAX: '', RATE_LIMIT_RESTORE_RATE: '' };

let app: TestApp;
beforeAll(async () => {
  expect(process.env.DATABASE_URL).toBeTruthy();
  app = await startTestApp(DEFAULTS);
});
afterAll(() => app?.stop());

describe('set-rate-limit', () => {
  const RATE_LIMIT = '{ rateLimit { limit restoreRate } }';

  test("raises a network's budget per credential; --reset brings back the defaults; other networks keep theirs", async () => {
    const slug = uniqueSlug('cli');
    const created = JSON.parse((await cli('create-network', '--slug', slug, '--name', 'Busy Network', '--json')).stdout);
    const other = JSON.parse((await cli('create-network', '--slug', uniqueSlug('cli'), '--name', 'Quiet Network', '--json')).stdout);

    const res = await cli('set-rate-limit', '--network', slug, '--max', '200000', '--restore-rate', '2500', '--json');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      network: { id: created.network.id, slug },
      rateLimit: { max: 200_000, restoreRate: 2500, custom: true },
    });

    // The running server reads the network's budget when it first sees the network (then caches it for 30 s).
    const busy = await app.http().post('/graphql').set('authorization', `Bearer ${created.apiKey}`).send({ query: RATE_LIMIT });
    expect(busy.body.data.rateLimit).toEqual({ limit: 200_000, restoreRate: 2500 });
    expect(busy.headers['ratelimit-policy']).toBe('"cost";q=200000;w=80');
    const quiet = await app.gql(RATE_LIMIT, {}, other.apiKey);
    expect(quiet.data?.rateLimit).toEqual({ limit: app.config.rateLimitMax, restoreRate: app.config.rateLimitRestoreRate });

    // One part alone keeps the other.
    const half = await cli('set-rate-limit', '--network', slug, '--max', '90000', '--json');
    expect(JSON.parse(half.stdout).rateLimit).toEqual({ max: 90_000, restoreRate: 2500, custom: true });

    const reset = await cli('set-rate-limit', '--network', slug, '--reset');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toBe(
      `Rate limit of ${slug} (the defaults): ${app.config.rateLimitMax} points per credential, ${app.config.rateLimitRestoreRate} restored per second. Running servers apply it within 30 seconds.\n`,
    );
    // A server that has not cached the network yet sees the defaults at once.
    const fresh = await startTestApp(DEFAULTS);
    try {
      expect((await fresh.gql(RATE_LIMIT, {}, created.apiKey)).data?.rateLimit).toEqual({
        limit: app.config.rateLimitMax,
        restoreRate: app.config.rateLimitRestoreRate,
      });
    } finally {
      await fresh.stop();
    }
  });

  test.each<[string, string[], RegExp]>([
    ['no budget given', ['set-rate-limit', '--network', 'whatever'], /^give --max and\/or --restore-rate, or --reset$/],
    ['a zero --max', ['set-rate-limit', '--network', 'whatever', '--max', '0'], /^--max must be a whole number of points between 1 and 1000000000, got "0"$/],
    ['a fractional --max', ['set-rate-limit', '--network', 'whatever', '--max', '1.5'], /^--max must be a whole number/],
    [
      'a zero --restore-rate',
      ['set-rate-limit', '--network', 'whatever', '--restore-rate', '0'],
      /^--restore-rate must be a number of points per second above 0/,
    ],
    ['--reset with a budget', ['set-rate-limit', '--network', 'whatever', '--reset', '--max', '5'], /^--reset takes no --max or --restore-rate$/],
    ['an unknown network', ['set-rate-limit', '--network', 'no-such-network-x', '--max', '5'], /^No network with slug "no-such-network-x"$/],
  ])('%s exits non-zero with a clear message', async (_name, args, message) => {
    const res = await cli(...args);
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim()).toMatch(message);
  });
});
