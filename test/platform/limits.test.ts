import { startTestApp, type GqlResult, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, joinGroup, ok, type Cred } from '../helpers/gql';

/** Cost and limits through the server: refused before execution (HTTP 400, QUERY_TOO_COMPLEX), the rest allowed. */

let app: TestApp;
let net: TestNetwork;
let member: Cred;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app, 'Limits');
  member = await net.member();
  for (const name of ['Grief circle', 'New parents']) await joinGroup(app, await createGroup(app, net, { name }), member);
});
afterAll(() => app.stop());

const aliased = (n: number, field: string, keyword = '') => `${keyword}{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

/** Refused before anything ran: HTTP 400, no data, QUERY_TOO_COMPLEX with a message naming the limit. */
function expectRefused(res: GqlResult<unknown>, message: RegExp) {
  expect(res.status).toBe(400);
  expect(res.data).toBeUndefined();
  expect(res.errors?.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(res.errors![0].message).toMatch(message);
}

const memberCount = async () => ok(await app.gql<{ members: { totalCount: number } }>('{ members { totalCount } }', {}, net.adminKey)).members.totalCount;

describe('the issue’s floods are refused by their cost, before execution', () => {
  test('4,000 aliases of members { totalCount }: 88,000 points', async () => {
    expectRefused(await app.gql(aliased(4000, 'members { totalCount }'), {}, net.adminKey), /costs 88,000 points \(at most 25,000: 63,000 over/);
  });

  test('2,000 aliases of groups(first: 20) { totalCount }: 44,000 points', async () => {
    expectRefused(await app.gql(aliased(2000, 'groups(first: 20) { totalCount }'), {}, net.adminKey), /costs 44,000 points/);
  });

  test('2,400 aliased list fields: 50,400 points', async () => {
    expectRefused(await app.gql(aliased(2400, 'apiKeys { id name }'), {}, net.adminKey), /costs 50,400 points/);
  });

  test('2,000 aliased createMember: 30,000 points, and no member written', async () => {
    const before = await memberCount();
    const flood = aliased(2000, 'createMember(input: { displayName: "Flood" }) { id }', 'mutation ');
    expectRefused(await app.gql(flood, {}, net.adminKey), /has 2,000 mutation fields \(at most 50: 1,950 over\).*costs 30,000 points/);
    expect(await memberCount()).toBe(before);
  });
});

describe('caps', () => {
  test('51 mutation fields are refused (nothing written); 50 run', async () => {
    const before = await memberCount();
    const create = 'createMember(input: { displayName: "Batch" }) { id }';
    expectRefused(
      await app.gql(aliased(51, create, 'mutation '), {}, net.adminKey),
      /^The operation is over its limits: it has 51 mutation fields \(at most 50: 1 over\)\. /,
    );
    expect(await memberCount()).toBe(before);
    const done = ok(await app.gql<Record<string, { id: string }>>(aliased(50, create, 'mutation '), {}, net.adminKey));
    expect(Object.keys(done)).toHaveLength(50);
    expect(await memberCount()).toBe(before + 50);
  });

  test('101 aliased fields are refused, through fragments too; 100 pass', async () => {
    expectRefused(
      await app.gql(aliased(101, 'viewer { kind }'), {}, net.adminKey),
      /^The operation is over its limits: it has 101 aliased fields \(at most 100: 1 over\)\. /,
    );
    const viaFragment = `{ viewer { ...F } network { ...N } } fragment F on Viewer { ${Array.from({ length: 60 }, (_, i) => `k${i}: kind`).join(' ')} }
      fragment N on Network { ${Array.from({ length: 41 }, (_, i) => `n${i}: name`).join(' ')} }`;
    expectRefused(await app.gql(viaFragment, {}, net.adminKey), /has 101 aliased fields/);
    ok(await app.gql(aliased(100, 'viewer { kind }'), {}, net.adminKey));
  });

  test('more than 10,000 fields are refused, a fragment counting each time it is spread', async () => {
    // F0 has 3 fields, each next fragment spreads the previous one twice: F(n) expands to 3 × 2^n.
    const spreading = (levels: number) =>
      `{ viewer { ...F${levels - 1} } } ` +
      Array.from({ length: levels }, (_, i) =>
        i === 0 ? 'fragment F0 on Viewer { kind network { name } }' : `fragment F${i} on Viewer { ...F${i - 1} ...F${i - 1} }`,
      ).join(' ');
    expectRefused(await app.gql(spreading(13), {}, net.adminKey), /selects 12,289 fields \(at most 10,000: 2,289 over/);
    ok(await app.gql(spreading(12), {}, net.adminKey));
  });

  test('depth is still limited to 12', async () => {
    const deep = `{ groups { nodes { memberships { nodes { member { memberships { nodes { group { memberships { nodes {
      member { memberships { nodes { id } } } } } } } } } } } } } }`;
    expectRefused(await app.gql(deep, {}, net.adminKey), /is nested 14 fields deep \(at most 12: 2 over\)/);
  });
});

describe('normal operations stay allowed', () => {
  test('the home screen (762 points) and two nested pages of 100 (20,302 points)', async () => {
    const home = ok(
      await app.gql<{ groups: { nodes: Array<{ name: string; memberships: { nodes: unknown[] } }> } }>(
        `{ groups(first: 20) { nodes { name topics memberCount viewerMembership { role }
          nextSession { startsAt rsvpCounts { going waitlisted } viewerRsvp { status } }
          memberships(first: 10) { nodes { role engagement member { displayName } } } } } }`,
        {},
        member.token,
      ),
    );
    expect(home.groups.nodes.map((g) => g.name).sort()).toEqual(['Grief circle', 'New parents']);
    const big = ok(await app.gql('{ groups(first: 100) { nodes { memberships(first: 100) { nodes { member { displayName } } } } } }', {}, net.adminKey));
    expect(big.groups.nodes).toHaveLength(2);
  });

  test('@skip excluding the expensive part lowers the cost below the limit', async () => {
    const page = 'groups(first: 100) { nodes { memberships(first: 100) { nodes { member { displayName } } } } }';
    const q = `query($s: Boolean!) { a: ${page} b: ${page.replace('groups(first: 100)', 'groups(first: 100) @skip(if: $s)')} }`;
    expectRefused(await app.gql(q, { s: false }, net.adminKey), /costs 40,604 points/);
    expect(ok(await app.gql(q, { s: true }, net.adminKey))).toEqual({ a: expect.anything() });
  });

  test('page sizes from variables are honoured (and their defaults)', async () => {
    const q = `query($n: Int) { groups(first: $n) { nodes { memberships(first: 100) { nodes { member { memberships(first: 2) { nodes { id } } } } } } } }`;
    // 2 + n × (1 + 2 + 100 × (1 + member (1 + 2 + 2 × 1)))
    expectRefused(await app.gql(q, { n: 100 }, net.adminKey), /costs 60,302 points/);
    ok(await app.gql(q, { n: 10 }, net.adminKey));
    expectRefused(await app.gql(q.replace('$n: Int', '$n: Int = 50'), {}, net.adminKey), /costs 30,152 points/);
  });
});

describe('malformed documents are validation errors, not crashes', () => {
  test.each([
    ['a fragment cycle', '{ viewer { ...A } } fragment A on Viewer { kind ...B } fragment B on Viewer { ...A }'],
    ['an unknown fragment', '{ viewer { ...Nope } }'],
    ['an unknown field', '{ viewer { nope } }'],
  ])('%s', async (_, query) => {
    const res = await app.gql(query, {}, net.adminKey);
    // 200 under application/json, 400 under application/graphql-response+json (GraphQL over HTTP; test/edge/http.test.ts).
    expect(res.status).toBe(200);
    expect(res.errors?.length).toBeGreaterThan(0);
    for (const e of res.errors!) expect(e.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
