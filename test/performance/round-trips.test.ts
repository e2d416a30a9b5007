import { withTenant } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- pg's wire-protocol Connection is not in its type declarations
const PgConnection: new () => unknown = require('pg/lib/connection');

/**
 * Issue 18: round trips, not statements, limit the server's throughput (each costs its event loop socket writes and
 * reads). Reads a request issues together share one round trip (src/db/batch.ts); `node(id:)` starts a group's
 * member count and session lists along with the group (src/graphql/lookahead.ts); lists read only what is selected.
 * Counted on the wire (pg's protocol writer, every connection of this process): a simple-protocol Query message, or an
 * extended-protocol Sync, is one round trip.
 */
const GROUP_PAGE = `query($id: ID!, $now: DateTime!) { node(id: $id) { ... on Group { name description memberCount
  upcoming: sessions(first: 10, from: $now) { nodes { title startsAt rsvpCounts { going waitlisted } } }
  past: sessions(last: 10, to: $now, status: COMPLETED) { nodes { title startsAt attendanceCount } } } } }`;
const HOME = `{ groups(first: 20) { nodes { name memberCount viewerMembership { role }
  nextSession { startsAt rsvpCounts { going waitlisted } viewerRsvp { status } }
  memberships(first: 10) { nodes { role engagement member { displayName } } } } } }`;

let app: TestApp;
let unbatched: TestApp;
let net: TestNetwork;
let other: TestNetwork;
let viewer: { id: string; token: string };
let groupId: string;

beforeAll(async () => {
  [app, unbatched] = await Promise.all([startTestApp(), startTestApp({ DB_BATCH_READS: 'false' })]);
  net = await createTestNetwork(app);
  other = await createTestNetwork(app);
  viewer = await net.member(NetworkRole.MEMBER);
  await withTenant(app.db.dataSource, net.id, async (m) => {
    await m.query(`INSERT INTO members (network_id, display_name) SELECT $1, 'Member ' || i FROM generate_series(1, 12) i`, [net.id]);
    await m.query(
      `INSERT INTO groups (network_id, name, slug, topics, format, capacity, agenda_template)
       SELECT $1, 'Group ' || i, 'group-' || i, ARRAY['t'], 'ONLINE', 8, '[]' FROM generate_series(1, 6) i`,
      [net.id],
    );
    await m.query(
      `INSERT INTO memberships (network_id, group_id, member_id, joined_at)
       SELECT $1, g.id, mb.id, now() - interval '60 days' FROM groups g CROSS JOIN members mb WHERE g.network_id = $1 AND mb.network_id = $1`,
      [net.id],
    );
    await m.query(
      `INSERT INTO sessions (network_id, group_id, title, starts_at, ends_at, time_zone, status, agenda)
       SELECT $1, g.id, 'Session ' || d, now() + (d || ' days')::interval, now() + (d || ' days')::interval + interval '90 minutes',
              'UTC', CASE WHEN d < 0 THEN 'COMPLETED' ELSE 'SCHEDULED' END, '[]'
       FROM groups g CROSS JOIN (VALUES (-21), (-14), (-7), (3), (10)) v(d) WHERE g.network_id = $1`,
      [net.id],
    );
    await m.query(
      `INSERT INTO rsvps (network_id, session_id, member_id, status)
       SELECT $1, s.id, ms.member_id, 'GOING' FROM sessions s JOIN memberships ms ON ms.network_id = s.network_id AND ms.group_id = s.group_id
       WHERE s.network_id = $1 AND s.status = 'SCHEDULED' AND md5(s.id::text || ms.member_id::text) < '8'`,
      [net.id],
    );
    await m.query(
      `INSERT INTO attendance (network_id, session_id, group_id, member_id, status)
       SELECT $1, s.id, s.group_id, ms.member_id, 'PRESENT' FROM sessions s JOIN memberships ms ON ms.network_id = s.network_id AND ms.group_id = s.group_id
       WHERE s.network_id = $1 AND s.status = 'COMPLETED' AND md5(s.id::text || ms.member_id::text) < '8'`,
      [net.id],
    );
    groupId = (await m.query(`SELECT id FROM groups WHERE network_id = $1 ORDER BY name LIMIT 1`, [net.id]))[0].id;
  });
});
afterAll(() => Promise.all([app?.stop(), unbatched?.stop()]));

/** Runs the operation and returns its answer with the round trips and the SQL texts it sent. */
async function traced<T>(target: TestApp, query: string, variables: Record<string, unknown>, credential: string) {
  const proto = PgConnection.prototype as unknown as Record<'query' | 'parse' | 'sync', (...args: unknown[]) => unknown>;
  const original = { query: proto.query, parse: proto.parse, sync: proto.sync };
  const texts: string[] = [];
  let roundTrips = 0;
  proto.query = function (this: unknown, text: unknown, ...rest: unknown[]) {
    roundTrips += 1;
    texts.push(String(text));
    return original.query.call(this, text, ...rest);
  };
  proto.parse = function (this: unknown, q: unknown, ...rest: unknown[]) {
    texts.push(String((q as { text?: string })?.text ?? ''));
    return original.parse.call(this, q, ...rest);
  };
  proto.sync = function (this: unknown, ...rest: unknown[]) {
    roundTrips += 1;
    return original.sync.apply(this, rest);
  };
  try {
    const res = await target.gql<T>(query, variables, credential);
    expect(res.errors).toBeUndefined();
    return { data: res.data!, roundTrips, sql: texts.join('\n') };
  } finally {
    Object.assign(proto, original);
  }
}

const pageVars = () => ({ id: toGlobalId('Group', groupId), now: new Date().toISOString() });

test('a group page takes three round trips: BEGIN with the viewer, the group with its count and both session lists, COMMIT', async () => {
  await traced(app, GROUP_PAGE, pageVars(), viewer.token); // warm: the network's rate-limit policy is cached
  const { data, roundTrips, sql } = await traced<{ node: { memberCount: number; upcoming: { nodes: unknown[] }; past: { nodes: unknown[] } } }>(
    app,
    GROUP_PAGE,
    pageVars(),
    viewer.token,
  );
  expect(data.node.memberCount).toBe(13);
  expect(data.node.upcoming.nodes).toHaveLength(2);
  expect(data.node.past.nodes).toHaveLength(3);
  expect(roundTrips).toBe(3);
  // The batch holds the group, the count and the two lists: four statements in one Query message.
  const batch = sql.split('\n').length > 0 ? sql.split(/;\s*\n/).length : 0;
  expect(batch).toBeGreaterThanOrEqual(4);
});

test('the home screen takes four round trips for any number of groups', async () => {
  await traced(app, HOME, {}, viewer.token);
  const { roundTrips } = await traced(app, HOME, {}, viewer.token);
  expect(roundTrips).toBe(4);
});

test('batched and unbatched servers answer exactly the same', async () => {
  const vars = pageVars();
  const [a, b] = await Promise.all([traced(app, GROUP_PAGE, vars, viewer.token), traced(unbatched, GROUP_PAGE, vars, viewer.token)]);
  expect(a.data).toEqual(b.data);
  const [h1, h2] = await Promise.all([traced(app, HOME, {}, viewer.token), traced(unbatched, HOME, {}, viewer.token)]);
  expect(h1.data).toEqual(h2.data);
  expect(JSON.stringify(h1.data)).toContain('"engagement"');
});

test('engagement is computed only when selected (no attendance scan otherwise)', async () => {
  const withEngagement = await traced(app, `{ groups(first: 3) { nodes { memberships(first: 5) { nodes { role engagement } } } } }`, {}, viewer.token);
  expect(withEngagement.sql).toMatch(/FROM attendance a/);
  const without = await traced(app, `{ groups(first: 3) { nodes { memberships(first: 5) { nodes { role member { displayName } } } } } }`, {}, viewer.token);
  expect(without.sql).not.toMatch(/FROM attendance a/);
  expect(without.sql).not.toMatch(/eng\.eligible/);
  // The same rows either way, and both forms in one request (aliases) do not share a loader.
  const both = await traced<{ groups: { nodes: Array<{ a: { nodes: Array<{ role: string }> }; b: { nodes: Array<{ role: string; engagement: string }> } }> } }>(
    app,
    `{ groups(first: 3) { nodes { a: memberships(first: 5) { nodes { role } } b: memberships(first: 5) { nodes { role engagement } } } } }`,
    {},
    viewer.token,
  );
  for (const g of both.data.groups.nodes) {
    expect(g.a.nodes.map((n) => n.role)).toEqual(g.b.nodes.map((n) => n.role));
    for (const n of g.b.nodes) expect(['NEW', 'ACTIVE', 'DRIFTING', 'INACTIVE']).toContain(n.engagement);
  }
});

test("another network's group page: null, and nothing of it read along", async () => {
  const stranger = await other.member(NetworkRole.ADMIN);
  const { data } = await traced<{ node: unknown }>(app, GROUP_PAGE, pageVars(), stranger.token);
  expect(data.node).toBeNull();
  // Its own network's loaders run the lookahead too, filtered by its network (and RLS): nothing to return.
  const aliases = await traced<{ a: unknown; b: unknown }>(
    app,
    `query($id: ID!) { a: node(id: $id) { ... on Group { memberCount } } b: node(id: $id) { ... on Group { sessions(first: 5) { totalCount nodes { title } } } } }`,
    { id: toGlobalId('Group', groupId) },
    stranger.token,
  );
  expect(aliases.data).toEqual({ a: null, b: null });
});
