/**
 * The built CLI (`node dist/src/cli.js`) against the test database (DATABASE_URL from the global setup).
 * `npm test` builds dist/ first (pretest); run `npm run build` before running this file on its own.
 */
import { startTestApp, uniqueSlug, type TestApp } from '../helpers/app';
import { cli } from '../helpers/cli';

const VIEWER = '{ viewer { kind scopes network { id slug name } apiKey { prefix name } } }';

let app: TestApp;
beforeAll(async () => {
  expect(process.env.DATABASE_URL).toBeTruthy();
  app = await startTestApp();
});
afterAll(() => app?.stop());

describe('create-network and create-api-key', () => {
  const slug = uniqueSlug('cli');
  let networkId: string;

  test('create-network --json prints one JSON line with the network and an all-scopes key', async () => {
    const res = await cli('create-network', '--slug', slug, '--name', 'Acme Peer Network', '--json');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(Object.keys(out).sort()).toEqual(['apiKey', 'network']);
    expect(Object.keys(out.network).sort()).toEqual(['id', 'slug']);
    expect(out.network.slug).toBe(slug);
    expect(out.apiKey).toMatch(/^pnk_/);
    networkId = out.network.id;

    const viewer = await app.gql(VIEWER, {}, out.apiKey);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data?.viewer).toMatchObject({
      kind: 'API_KEY',
      scopes: ['READ', 'WRITE', 'PERSONAL_DATA', 'ADMIN', 'ISSUE_MEMBER_TOKENS'],
      network: { id: networkId, slug, name: 'Acme Peer Network' },
    });
  });

  test('create-api-key --scopes READ,WRITE gives a key with exactly those scopes', async () => {
    const res = await cli('create-api-key', '--network', slug, '--scopes', 'READ,WRITE', '--json');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(out).toMatchObject({ scopes: ['READ', 'WRITE'], network: { id: networkId, slug } });
    expect(out.apiKey).toMatch(/^pnk_/);
    expect(out.apiKey.startsWith(out.prefix)).toBe(true);

    const viewer = await app.gql(VIEWER, {}, out.apiKey);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data?.viewer).toMatchObject({
      kind: 'API_KEY',
      scopes: ['READ', 'WRITE'],
      network: { id: networkId, slug },
      apiKey: { prefix: out.prefix, name: 'CLI key (READ, WRITE)' },
    });
  });

  test('scopes are case-insensitive, trimmed and de-duplicated; --name is used', async () => {
    const res = await cli('create-api-key', '--network', slug, '--scopes', 'read, ADMIN,read', '--name', 'Ops', '--json');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.scopes).toEqual(['READ', 'ADMIN']);
    const viewer = await app.gql(VIEWER, {}, out.apiKey);
    expect(viewer.data?.viewer).toMatchObject({ scopes: ['READ', 'ADMIN'], apiKey: { name: 'Ops' } });
  });

  test('a duplicate slug exits non-zero with a clear message', async () => {
    const res = await cli('create-network', '--slug', slug, '--name', 'Another', '--json');
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim()).toBe(`A network with slug "${slug}" already exists`);
  });

  test('an unknown scope exits non-zero and names it', async () => {
    const res = await cli('create-api-key', '--network', slug, '--scopes', 'READ,SUPERUSER', '--json');
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('unknown: SUPERUSER');
    expect(res.stderr).toContain('READ, WRITE, PERSONAL_DATA, ADMIN');
  });
});

test('without --json the output is for people', async () => {
  const slug = uniqueSlug('cli');
  const res = await cli('create-network', '--slug', slug, '--name', 'Plain Output Network');
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(new RegExp(`^Created network "Plain Output Network" \\(${slug}\\)\\.\\nAPI key \\(all scopes; shown once\\): pnk_\\S+\\n$`));
});

test.each<[string, string[], RegExp]>([
  ['an unknown network', ['create-api-key', '--network', 'no-such-network-x', '--scopes', 'READ'], /^No network with slug "no-such-network-x"$/],
  ['missing --scopes', ['create-api-key', '--network', 'whatever'], /--scopes must list some of/],
  ['missing --name', ['create-network', '--slug', 'some-slug-x'], /^--name is required$/],
  ['a bad slug', ['create-network', '--slug', 'Bad Slug', '--name', 'X'], /slug must be 2–63 lower-case letters/],
])('%s exits non-zero with a clear message', async (_name, args, message) => {
  const res = await cli(...args);
  expect(res.code).not.toBe(0);
  expect(res.stdout).toBe('');
  expect(res.stderr.trim()).toMatch(message);
});

test('an unknown command prints the usage and exits 2', async () => {
  const res = await cli('frobnicate');
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('Usage:');
});
