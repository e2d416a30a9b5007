import { parse, type GraphQLSchema } from 'graphql';
import { getSchema } from '../../src/app/schema';
import {
  actualOperationCost,
  MAX_ALIASES,
  MAX_FIELDS,
  MAX_MUTATION_FIELDS,
  MAX_QUERY_COST,
  operationCost,
  operationLimitError,
} from '../../src/graphql/limits';

/** The formula pinned on the served schema (pure logic; the limits through the server are in limits.test.ts). */

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await getSchema();
});

const cost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) => operationCost(schema, parse(query), operationName, variables);
const actual = (query: string, data: unknown, variables: Record<string, unknown> = {}) => actualOperationCost(schema, parse(query), undefined, variables, data);
const refusal = (query: string, variables: Record<string, unknown> = {}) => operationLimitError(schema, parse(query), undefined, variables)?.message;
const aliased = (n: number, field: string, keyword = '') => `${keyword}{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

/** bench/run.ts's home screen. */
const HOME = `{ groups(first: 20) { nodes { name topics memberCount viewerMembership { role }
  nextSession { startsAt rsvpCounts { going waitlisted } viewerRsvp { status } }
  memberships(first: 10) { nodes { role engagement member { displayName } } } } } }`;
const BIG = '{ groups(first: 100) { nodes { memberships(first: 100) { nodes { member { displayName } } } } } }';

describe('requested cost', () => {
  test('the home screen: 2 + 20 × (1 + memberCount 1 + viewerMembership 1 + nextSession 3 + memberships (2 + 10 × 3)) = 762', () => {
    expect(cost(HOME)).toBe(762);
  });

  test('two nested pages of 100: 2 + 100 × (1 + 2 + 100 × 2) = 20,302, allowed', () => {
    expect(cost(BIG)).toBe(20_302);
    expect(refusal(BIG)).toBeUndefined();
  });

  test('scalars 0, objects 1, every root field at least 1; totalCount 20, pageInfo 0', () => {
    expect(cost('{ viewer { kind scopes } }')).toBe(1);
    expect(cost('{ viewer { kind network { name } member { displayName } } }')).toBe(3);
    expect(cost('{ members { totalCount } }')).toBe(22);
    expect(cost('{ members { totalCount pageInfo { hasNextPage endCursor } } }')).toBe(22);
  });

  test('a connection: page × (1 + the item) for nodes and for edges (an edge’s node adds only its selection); first ?? last ?? 20', () => {
    expect(cost('{ groups(first: 5) { nodes { name memberCount } } }')).toBe(2 + 5 * 2);
    expect(cost('{ groups(first: 5) { edges { cursor node { name memberCount } } } }')).toBe(2 + 5 * 2);
    expect(cost('{ groups(first: 5) { nodes { id } edges { node { id } } } }')).toBe(2 + 5 * 2);
    expect(cost('{ groups(last: 3) { nodes { id } } }')).toBe(2 + 3);
    expect(cost('{ groups { nodes { id } } }')).toBe(2 + 20);
    expect(cost('{ groups(first: 0) { nodes { id } } }')).toBe(2);
  });

  test('page sizes and IDs from variables, with the variables’ defaults', () => {
    const q = 'query($n: Int) { groups(first: $n) { nodes { memberCount } } }';
    expect(cost(q, { n: 50 })).toBe(2 + 50 * 2);
    expect(cost(q, {})).toBe(2 + 20 * 2);
    expect(cost(q, { n: null })).toBe(2 + 20 * 2);
    expect(cost('query($n: Int = 10) { groups(first: $n) { nodes { memberCount } } }')).toBe(2 + 10 * 2);
    const byIds = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    expect(cost(byIds, { ids: ['a', 'b', 'c'] })).toBe(1 + 3);
    expect(cost('{ nodes(ids: ["a", "b"]) { id } }')).toBe(1 + 2);
  });

  test('declared prices: aggregates, counts, whole-set reads', () => {
    const period = 'from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z"';
    expect(cost(`{ participationTrend(interval: WEEK, ${period}) { sessions } }`)).toBe(101);
    expect(cost(`{ outcomeTrend(interval: MONTH, ${period}) { respondents } }`)).toBe(101);
    expect(cost('{ apiKeys { id } partnerships { id } }')).toBe(21 + 21);
    // 2 + 200 + 20 × (1 + membership 1 + member 1 + group 1)
    expect(
      cost(`{ driftingMembers(first: 20) { edges { cursor node { missedInARow lastAttendedAt lastOutreachAt
        membership { id member { displayName } group { name } } } } pageInfo { hasNextPage endCursor } } }`),
    ).toBe(282);
    // 2 + 10 × (1 + health 51)
    expect(cost('{ groups(first: 10) { nodes { health { sessionsHeld } } } }')).toBe(2 + 10 * 52);
    // A session: attendanceCount 1, feedbackSummary 2, rsvpCounts 1.
    expect(cost('{ upcomingSessions(first: 10) { nodes { attendanceCount feedbackSummary { responses } rsvpCounts { going } } } }')).toBe(2 + 10 * 5);
  });

  test('mutations: MUTATION_PRICE (15) + declared price + selection each', () => {
    expect(cost('mutation { createMember(input: { displayName: "A" }) { id displayName } }')).toBe(15);
    expect(cost('mutation { a: createMember(input: { displayName: "A" }) { id } b: createMember(input: { displayName: "B" }) { id } }')).toBe(30);
    expect(cost('mutation { scheduleSessions(groupId: "g", input: { title: "t", startsAt: "2027-01-01T10:00:00Z" }) { id group { name } } }')).toBe(
      15 + 50 + 1,
    );
  });

  test('a subscription field: 1 + its selection', () => {
    expect(cost('subscription($g: ID!) { sessionChanged(groupId: $g) { title group { name } } }')).toBe(2);
  });

  test('@skip / @include honoured, with variables', () => {
    const q = 'query($s: Boolean!) { groups { totalCount nodes { health @skip(if: $s) { sessionsHeld } } } }';
    expect(cost(q, { s: true })).toBe(2 + 20 + 20 * 1);
    expect(cost(q, { s: false })).toBe(2 + 20 + 20 * 52);
    const i = 'query($i: Boolean!) { groups { ... on GroupConnection @include(if: $i) { totalCount } } }';
    expect(cost(i, { i: false })).toBe(2);
    expect(cost(i, { i: true })).toBe(22);
    expect(cost('{ groups { totalCount @skip(if: true) } }')).toBe(2);
  });

  test('fragments: counted each time they are spread; abstract types: the most expensive possible type', () => {
    expect(cost('{ a: groups { ...G } b: groups { ...G } } fragment G on GroupConnection { nodes { memberCount } }')).toBe(2 * (2 + 20 * 2));
    // node: 1 + max(Group: memberCount 1, Session: attendanceCount 1 + rsvpCounts 1)
    expect(cost('{ node(id: "x") { id ... on Group { memberCount } ... on Session { attendanceCount rsvpCounts { going } } } }')).toBe(3);
    expect(cost('{ nodes(ids: ["a", "b"]) { ...S } } fragment S on Session { group { memberCount } }')).toBe(1 + 2 * (1 + 2));
  });

  test('fragment cycles and unknown fragments or fields do not crash the walk (validation reports them)', () => {
    expect(cost('{ viewer { ...A } } fragment A on Viewer { network { name } ...B } fragment B on Viewer { ...A }')).toBe(2);
    expect(cost('{ viewer { ...Nope nope } }')).toBe(1);
    expect(cost('{ viewer { kind } }', {}, 'Other')).toBe(0);
  });
});

describe('actual cost', () => {
  test('a connection counts the items it returned; a null object its own price only', () => {
    const group = (memberships: number, next: boolean) => ({
      name: 'g',
      topics: [],
      memberCount: memberships,
      viewerMembership: null,
      nextSession: next ? { startsAt: 'x', rsvpCounts: { going: 1, waitlisted: 0 }, viewerRsvp: null } : null,
      memberships: { nodes: Array.from({ length: memberships }, () => ({ role: 'MEMBER', engagement: 'NEW', member: { displayName: 'm' } })) },
    });
    // 2 + (1 + 1 + 1 + 3 + (2 + 2 × 3)) + (1 + 1 + 1 + 1 + 2)
    expect(actual(HOME, { groups: { nodes: [group(2, true), group(0, false)] } })).toBe(2 + 14 + 6);
    const full = { groups: { nodes: Array.from({ length: 20 }, () => group(10, true)) } };
    expect(actual(HOME, full)).toBe(762);
  });

  test('edges and nodes by their actual length; IDs by the items returned (null ones at 1)', () => {
    expect(actual('{ groups(first: 5) { edges { node { memberCount } } } }', { groups: { edges: [{ node: { memberCount: 1 } }] } })).toBe(2 + 2);
    expect(actual('{ nodes(ids: ["a", "b", "c"]) { ... on Group { memberCount } } }', { nodes: [{ memberCount: 1 }, null, {}] })).toBe(1 + 2 + 1 + 1);
  });

  test('a list of unknown length never costs more than requested', () => {
    const q = '{ partnerships { partner { name } } }';
    expect(cost(q)).toBe(22);
    expect(actual(q, { partnerships: [] })).toBe(21);
    expect(actual(q, { partnerships: [{ partner: { name: 'a' } }, { partner: { name: 'b' } }] })).toBe(22);
  });

  test('no data (the operation failed as a whole): each root field at its own price', () => {
    expect(actual('mutation { a: createMember(input: { displayName: "A" }) { id } b: createMember(input: { displayName: "B" }) { id } }', null)).toBe(30);
    expect(actual(HOME, null)).toBe(2);
    expect(actual('{ groups { totalCount } }', { groups: { totalCount: 3 } })).toBe(22);
  });

  test('fields of another possible type, or skipped, cost nothing', () => {
    const q = 'query($s: Boolean!) { node(id: "x") { id ... on Group { memberCount @skip(if: $s) } ... on Session { attendanceCount rsvpCounts { going } } } }';
    expect(actual(q, { node: { id: 'x', memberCount: 4 } }, { s: false })).toBe(2);
    expect(actual(q, { node: { id: 'x', attendanceCount: 4, rsvpCounts: { going: 1 } } }, { s: false })).toBe(3);
    expect(actual(q, { node: null }, { s: false })).toBe(1);
  });
});

describe('limits', () => {
  test('the issue’s floods are over the cost limit on their own', () => {
    expect(cost(aliased(4000, 'members { totalCount }'))).toBe(88_000);
    expect(cost(aliased(2000, 'groups(first: 20) { totalCount }'))).toBe(44_000);
    expect(cost(aliased(2400, 'apiKeys { id name }'))).toBe(50_400);
    expect(cost(aliased(2400, 'groups { nodes { id } }'))).toBe(52_800);
    expect(cost(aliased(2000, 'createMember(input: { displayName: "x" }) { id }', 'mutation '))).toBe(30_000);
    for (const n of [88_000, 44_000, 50_400, 30_000]) expect(n).toBeGreaterThan(MAX_QUERY_COST);
    expect(refusal(aliased(4000, 'members { totalCount }'))).toContain('costs 88,000 points (at most 25,000: 63,000 over');
  });

  test('each limit named, with by how much', () => {
    expect(refusal(aliased(MAX_ALIASES + 1, 'viewer { kind }'))).toMatch(/has 101 aliased fields \(at most 100: 1 over\)\. /);
    expect(refusal(aliased(MAX_ALIASES, 'viewer { kind }'))).toBeUndefined();
    expect(refusal(aliased(MAX_MUTATION_FIELDS + 1, 'createMember(input: { displayName: "x" }) { id }', 'mutation '))).toMatch(
      /has 51 mutation fields \(at most 50: 1 over\)\. /,
    );
    expect(refusal(`{ viewer { ${'kind '.repeat(MAX_FIELDS + 1)}} }`)).toMatch(/selects 10,002 fields \(at most 10,000: 2 over/);
    expect(refusal(`{ viewer { ${'kind '.repeat(MAX_FIELDS - 1)}} }`)).toBeUndefined();
  });

  test('a fragment counts each time it is spread, and a fragment bomb is refused quickly', () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === 0 ? 'fragment F0 on Viewer { kind network { name } }' : `fragment F${i} on Viewer { ...F${i - 1} ...F${i - 1} }`,
    );
    const started = Date.now();
    const message = refusal(`{ viewer { ...F${levels - 1} } } ${fragments.join(' ')}`);
    expect(message).toContain('selects 1,610,612,737 fields');
    expect(message).toContain('costs 536,870,913 points');
    expect(actual(`{ viewer { ...F${levels - 1} } } ${fragments.join(' ')}`, { viewer: { kind: 'MEMBER', network: { name: 'n' } } })).toBe(536_870_913);
    const roots = Array.from({ length: levels }, (_, i) =>
      i === 0 ? 'fragment M0 on Mutation { createMember(input: { displayName: "x" }) { id } }' : `fragment M${i} on Mutation { ...M${i - 1} ...M${i - 1} }`,
    );
    const mutation = `mutation { ...M${levels - 1} } ${roots.join(' ')}`;
    expect(refusal(mutation)).toContain('has 536,870,912 mutation fields');
    expect(actual(mutation, null)).toBe(15 * 2 ** (levels - 1));
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
