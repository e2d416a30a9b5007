import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { expectBadInput, ok } from '../helpers/gql';

let app: TestApp;
let net: TestNetwork;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app);
});
afterAll(() => app.stop());

const CREATE_MEMBER = 'mutation($input: CreateMemberInput!) { createMember(input: $input) { id displayName email } }';
const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $search: String) {
  members(first: $first, after: $after, last: $last, before: $before, search: $search) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id displayName } }
  }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: Array<{ cursor: string; node: { id: string; displayName: string } }>;
}

async function page(n: TestNetwork, vars: Record<string, unknown>): Promise<Page> {
  const res = await app.gql<{ members: Page }>(PAGE, vars, n.adminKey);
  expect(res.errors).toBeUndefined();
  return res.data!.members;
}
const names = (p: Page) => p.edges.map((e) => e.node.displayName);

describe('validation', () => {
  test('createMember with a blank displayName and a bad email: BAD_USER_INPUT with fieldErrors under input', async () => {
    const res = await app.gql(CREATE_MEMBER, { input: { displayName: '   ', email: 'not-an-email' } }, net.adminKey);
    const fieldErrors = expectBadInput(res, ['input', 'displayName'], ['input', 'email']);
    expect(fieldErrors.every((f) => f.path[0] === 'input')).toBe(true);
    expect(fieldErrors.find((f) => f.path[1] === 'displayName')!.message).toMatch(/blank/);
    expect(res.errors![0].path).toEqual(['createMember']);
  });

  test('createMember with an empty and a too long displayName', async () => {
    expectBadInput(await app.gql(CREATE_MEMBER, { input: { displayName: '' } }, net.adminKey), ['input', 'displayName']);
    expectBadInput(await app.gql(CREATE_MEMBER, { input: { displayName: 'x'.repeat(101) } }, net.adminKey), ['input', 'displayName']);
    ok(await app.gql(CREATE_MEMBER, { input: { displayName: 'x'.repeat(100) } }, net.adminKey));
  });

  test('a rejected createMember writes nothing', async () => {
    const res = await app.gql(CREATE_MEMBER, { input: { displayName: 'Invalid Person', email: 'bad' } }, net.adminKey);
    expectBadInput(res, ['input', 'email']);
    expect((await page(net, { search: 'Invalid Person' })).totalCount).toBe(0);
  });

  test('updateMember validation errors are under input as well', async () => {
    const m = await net.member();
    const res = await app.gql(
      'mutation($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { id } }',
      { id: m.globalId, input: { displayName: ' ', email: 'nope' } },
      net.adminKey,
    );
    expectBadInput(res, ['input', 'displayName'], ['input', 'email']);
  });

  test('createApiKey with no scopes: fieldErrors path [scopes]', async () => {
    const res = await app.gql('mutation { createApiKey(name: "k", scopes: []) { secret } }', {}, net.adminKey);
    expectBadInput(res, ['scopes']);
  });

  test('createApiKey with a blank name: fieldErrors path [name]', async () => {
    expectBadInput(await app.gql('mutation { createApiKey(name: "  ", scopes: [READ]) { secret } }', {}, net.adminKey), ['name']);
  });

  test.each([5, 59, 86_401, -1])('issueMemberToken with ttlSeconds %i: fieldErrors path [ttlSeconds]', async (ttl) => {
    const m = await net.member();
    const res = await app.gql(
      'mutation($id: ID!, $ttl: Int) { issueMemberToken(memberId: $id, ttlSeconds: $ttl) { token } }',
      { id: m.globalId, ttl },
      net.adminKey,
    );
    expectBadInput(res, ['ttlSeconds']);
  });

  test.each([60, 86_400])('issueMemberToken accepts the bound %i', async (ttl) => {
    const m = await net.member();
    const res = await app.gql(
      'mutation($id: ID!, $ttl: Int) { issueMemberToken(memberId: $id, ttlSeconds: $ttl) { expiresAt } }',
      { id: m.globalId, ttl },
      net.adminKey,
    );
    expect(res.errors).toBeUndefined();
    expect(new Date(res.data!.issueMemberToken.expiresAt).getTime()).toBeGreaterThan(Date.now() + (ttl - 5) * 1000);
  });

  test.each([
    ['garbage', 'not-an-id'],
    ['empty', ''],
    ['a non-UUID id inside', 'TWVtYmVyOjEyMw'],
    ['too long', 'a'.repeat(300)],
  ])('a malformed ID (%s) is BAD_USER_INPUT on that argument', async (_label, id) => {
    const update = await app.gql('mutation($id: ID!) { updateMember(id: $id, input: { displayName: "x" }) { id } }', { id }, net.adminKey);
    expectBadInput(update, ['id']);
    const role = await app.gql('mutation($id: ID!) { setMemberRole(memberId: $id, role: MEMBER) { id } }', { id }, net.adminKey);
    expectBadInput(role, ['memberId']);
  });

  test('a well-formed ID that does not exist is NOT_FOUND', async () => {
    const unknown = Buffer.from('Member:00000000-0000-4000-8000-000000000000').toString('base64url');
    const res = await app.gql('mutation($id: ID!) { updateMember(id: $id, input: { displayName: "x" }) { id } }', { id: unknown }, net.adminKey);
    expect(res.errors![0].extensions.code).toBe('NOT_FOUND');
  });
});

describe('pagination of members', () => {
  const ALL = ['Alice', 'Bruno', 'Chen', 'Dana', 'Emil', 'Farah', 'Gus'];
  let n: TestNetwork;
  beforeAll(async () => {
    n = await createTestNetwork(app);
    // Created out of order, so the order comes from the display name.
    for (const name of ['Dana', 'Gus', 'Alice', 'Farah', 'Bruno', 'Emil', 'Chen']) await n.member(NetworkRole.MEMBER, { displayName: name });
  });

  test('first: 0 gives no edges, and says there is more', async () => {
    const p = await page(n, { first: 0 });
    expect(p.edges).toEqual([]);
    expect(p.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
    expect(p.totalCount).toBe(7);
  });

  test('the default page holds everyone here', async () => {
    const p = await page(n, {});
    expect(names(p)).toEqual(ALL);
    expect(p.pageInfo.hasNextPage).toBe(false);
  });

  test('first: 101 or -1 is BAD_USER_INPUT on first; first: 100 is fine', async () => {
    expectBadInput(await app.gql(PAGE, { first: 101 }, n.adminKey), ['first']);
    expectBadInput(await app.gql(PAGE, { first: -1 }, n.adminKey), ['first']);
    expectBadInput(await app.gql(PAGE, { last: 101 }, n.adminKey), ['last']);
    expect(names(await page(n, { first: 100 }))).toEqual(ALL);
  });

  test('first and last together are BAD_USER_INPUT', async () => {
    expectBadInput(await app.gql(PAGE, { first: 2, last: 2 }, n.adminKey), ['last']);
  });

  test.each(['bogus', '', Buffer.from('["other",1]').toString('base64url'), Buffer.from('["members","Alice"]').toString('base64url')])(
    'a bad cursor %j is BAD_USER_INPUT on after / before',
    async (cursor) => {
      expectBadInput(await app.gql(PAGE, { first: 2, after: cursor }, n.adminKey), ['after']);
      expectBadInput(await app.gql(PAGE, { last: 2, before: cursor }, n.adminKey), ['before']);
    },
  );

  test('walking forward with first: 3 visits every member exactly once, in display name order', async () => {
    const seen: string[] = [];
    const ids = new Set<string>();
    const flags: Array<[boolean, boolean]> = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p = await page(n, { first: 3, after });
      expect(p.totalCount).toBe(7);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor ?? null);
      expect(p.pageInfo.endCursor).toBe(p.edges[p.edges.length - 1]?.cursor ?? null);
      seen.push(...names(p));
      p.edges.forEach((e) => ids.add(e.node.id));
      flags.push([p.pageInfo.hasPreviousPage, p.pageInfo.hasNextPage]);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(ALL);
    expect(ids.size).toBe(7);
    expect(flags).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
  });

  test('walking backward with last: 3 and before visits every member exactly once', async () => {
    const last = await page(n, { last: 3 });
    expect(names(last)).toEqual(['Emil', 'Farah', 'Gus']);
    expect(last.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });

    const middle = await page(n, { last: 3, before: last.pageInfo.startCursor });
    expect(names(middle)).toEqual(['Bruno', 'Chen', 'Dana']);
    expect(middle.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });

    const first = await page(n, { last: 3, before: middle.pageInfo.startCursor });
    expect(names(first)).toEqual(['Alice']);
    expect(first.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect(first.totalCount).toBe(7);
  });

  test('a cursor works in both directions: after and before the same edge', async () => {
    const all = await page(n, { first: 7 });
    const chen = all.edges[2].cursor;
    expect(names(await page(n, { first: 2, after: chen }))).toEqual(['Dana', 'Emil']);
    expect(names(await page(n, { last: 2, before: chen }))).toEqual(['Alice', 'Bruno']);
    expect(names(await page(n, { before: chen }))).toEqual(['Alice', 'Bruno']);
  });

  test('with equal display names (tie broken by id) no member is skipped or repeated', async () => {
    const same = await createTestNetwork(app);
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await same.member(NetworkRole.MEMBER, { displayName: 'Same Name' }));
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res: GqlResult<{ members: Page }> = await app.gql<{ members: Page }>(PAGE, { first: 2, after }, same.adminKey);
      const p: Page = res.data!.members;
      ids.push(...p.edges.map((e) => e.node.id));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(ids).toHaveLength(5);
    expect(new Set(ids)).toEqual(new Set(created.map((m) => m.globalId)));
  });

  test("a cursor used with another network's key pages that network's members only", async () => {
    const other = await createTestNetwork(app);
    await other.member(NetworkRole.MEMBER, { displayName: 'Zed' });
    const cursor = (await page(n, { first: 1 })).pageInfo.endCursor;
    const res = await app.gql<{ members: Page }>(PAGE, { first: 10, after: cursor }, other.adminKey);
    expect(res.errors).toBeUndefined();
    expect(names(res.data!.members)).toEqual(['Zed']);
  });
});

describe('search', () => {
  let n: TestNetwork;
  beforeAll(async () => {
    n = await createTestNetwork(app);
    for (const name of ['Marta Lopez', 'MARTIN Ode', 'Omar', '50% Club', '500 Club', 'a_b', 'axb', 'Back\\slash']) {
      await n.member(NetworkRole.MEMBER, { displayName: name });
    }
  });

  test('is case-insensitive and matches inside the name', async () => {
    const p = await page(n, { search: 'mart' });
    expect(names(p).sort()).toEqual(['MARTIN Ode', 'Marta Lopez']);
    expect(p.totalCount).toBe(2);
    expect(names(await page(n, { search: 'MAR' })).sort()).toEqual(['MARTIN Ode', 'Marta Lopez', 'Omar']);
  });

  test('treats % and _ literally', async () => {
    expect(names(await page(n, { search: '50%' }))).toEqual(['50% Club']);
    expect(names(await page(n, { search: '%' }))).toEqual(['50% Club']);
    expect(names(await page(n, { search: 'a_b' }))).toEqual(['a_b']);
    expect(names(await page(n, { search: '\\' }))).toEqual(['Back\\slash']);
  });

  test('a search matching nobody, and a blank search (ignored)', async () => {
    const none = await page(n, { search: 'nobody-here' });
    expect(none).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false } });
    expect((await page(n, { search: '   ' })).totalCount).toBe(8);
  });

  test('pages within the search results', async () => {
    const first = await page(n, { search: 'club', first: 1 });
    expect(first.totalCount).toBe(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page(n, { search: 'club', first: 1, after: first.pageInfo.endCursor });
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...names(first), ...names(second)].sort()).toEqual(['50% Club', '500 Club']);
  });

  test('a search longer than 100 characters is BAD_USER_INPUT on search', async () => {
    expectBadInput(await app.gql(PAGE, { search: 'x'.repeat(101) }, n.adminKey), ['search']);
  });
});

describe('atomicity of mutation operations', () => {
  test('two mutations where the second fails in the database: the first persists, the second wrote nothing', async () => {
    const a = await createTestNetwork(app);
    await a.member(NetworkRole.MEMBER, { displayName: 'Existing', email: 'taken@example.org' });
    const res = await app.gql(
      `mutation {
        one: createMember(input: { displayName: "Atom One", email: "one@example.org" }) { id displayName }
        two: createMember(input: { displayName: "Atom Two", email: "TAKEN@example.org" }) { id }
      }`,
      {},
      a.adminKey,
    );
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions.code).toBe('CONFLICT');
    expect(res.errors![0].path).toEqual(['two']);
    // createMember is non-null, so the failure nulls the whole data.
    expect(res.data).toBeNull();

    expect(names(await page(a, { search: 'Atom' }))).toEqual(['Atom One']);
    expect((await page(a, {})).totalCount).toBe(2);
  });

  test('a single mutation that fails writes nothing (the whole transaction rolls back) and the next request works', async () => {
    const a = await createTestNetwork(app);
    await a.member(NetworkRole.MEMBER, { displayName: 'Owner', email: 'owner@example.org' });
    const res = await app.gql('mutation { createMember(input: { displayName: "Single Fail", email: "OWNER@example.org" }) { id } }', {}, a.adminKey);
    expect(res.errors![0]).toMatchObject({ path: ['createMember'], extensions: { code: 'CONFLICT' } });
    expect(names(await page(a, { search: 'Single' }))).toEqual([]);
    const next = await app.gql('mutation { createMember(input: { displayName: "Single Fine" }) { displayName } }', {}, a.adminKey);
    expect(next.errors).toBeUndefined();
    expect(names(await page(a, { search: 'Single' }))).toEqual(['Single Fine']);
  });

  test('an update that fails keeps the row as it was, while an earlier mutation persists', async () => {
    const a = await createTestNetwork(app);
    await a.member(NetworkRole.MEMBER, { displayName: 'Holder', email: 'held@example.org' });
    const target = await a.member(NetworkRole.MEMBER, { displayName: 'Target', email: 'target@example.org' });
    const res = await app.gql(
      `mutation($id: ID!) {
        first: createMember(input: { displayName: "Persisted" }) { id }
        second: updateMember(id: $id, input: { displayName: "Changed", email: "held@example.org" }) { id }
      }`,
      { id: target.globalId },
      a.adminKey,
    );
    expect(res.errors![0]).toMatchObject({ path: ['second'], extensions: { code: 'CONFLICT' } });
    const node = await app.gql('query($id: ID!) { node(id: $id) { ... on Member { displayName email } } }', { id: target.globalId }, a.adminKey);
    expect(node.data).toEqual({ node: { displayName: 'Target', email: 'target@example.org' } });
    expect(names(await page(a, { search: 'Persisted' }))).toEqual(['Persisted']);
  });

  test('when an earlier mutation fails, later ones do not run', async () => {
    const a = await createTestNetwork(app);
    const res = await app.gql(
      `mutation {
        bad: createMember(input: { displayName: "Bad", role: ADMIN }) { id }
        later: createMember(input: { displayName: "Later" }) { id }
      }`,
      {},
      await a.key(ApiKeyScope.WRITE),
    );
    expect(res.errors![0]).toMatchObject({ path: ['bad'], extensions: { code: 'FORBIDDEN' } });
    expect((await page(a, {})).totalCount).toBe(0);
  });
});
