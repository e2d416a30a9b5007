import { withTenant } from '../../src/db/tenant';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- pg's wire-protocol Connection is not in its type declarations
const PgConnection: new () => unknown = require('pg/lib/connection');

/**
 * The partner home-screen query must not run a query per group: the number of SQL statements sent to
 * PostgreSQL (transaction control included) is the same for 5 and for 50 groups, and at most 12.
 * Counted on the wire (pg's protocol writer, for every connection in this process), so nothing in the app
 * can hide one.
 */
const HOME = `query($first: Int) { groups(first: $first) { nodes { name topics memberCount viewerMembership { role }
  nextSession { startsAt rsvpCounts { going waitlisted } viewerRsvp { status } }
  memberships(first: 10) { nodes { role engagement member { displayName } } } } } }`;

let app: TestApp;
let net: TestNetwork;
let viewer: { id: string; token: string };

beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app);
  viewer = await net.member(NetworkRole.MEMBER);
  // 60 groups, 15 members each (the viewer in every third), 2 upcoming sessions each with RSVPs, 3 completed sessions with attendance.
  await withTenant(app.db.dataSource, net.id, async (m) => {
    await m.query(`INSERT INTO members (network_id, display_name) SELECT $1, 'Member ' || i FROM generate_series(1, 40) i`, [net.id]);
    await m.query(
      `INSERT INTO groups (network_id, name, slug, topics, format, capacity, agenda_template)
       SELECT $1, 'Group ' || lpad(i::text, 3, '0'), 'group-' || i, ARRAY['topic-' || (i % 4)], 'ONLINE', 8, '[]'
       FROM generate_series(1, 60) i`,
      [net.id],
    );
    await m.query(
      `INSERT INTO memberships (network_id, group_id, member_id, role, joined_at)
       SELECT $1, g.id, mb.id, CASE WHEN mb.rn = 1 THEN 'FACILITATOR' ELSE 'MEMBER' END, now() - interval '60 days'
       FROM groups g
       CROSS JOIN LATERAL (SELECT id, row_number() OVER (ORDER BY md5(g.id::text || id::text)) AS rn FROM members
                           WHERE network_id = $1 AND id <> $2 ORDER BY md5(g.id::text || id::text) LIMIT 15) mb
       WHERE g.network_id = $1`,
      [net.id, viewer.id],
    );
    await m.query(
      `INSERT INTO memberships (network_id, group_id, member_id)
       SELECT $1, g.id, $2 FROM groups g WHERE g.network_id = $1 AND substring(g.name from 7)::int % 3 = 0`,
      [net.id, viewer.id],
    );
    await m.query(
      `INSERT INTO sessions (network_id, group_id, title, starts_at, ends_at, time_zone, status, agenda)
       SELECT $1, g.id, 'Session', now() + (d || ' days')::interval, now() + (d || ' days')::interval + interval '90 minutes',
              'UTC', CASE WHEN d < 0 THEN 'COMPLETED' ELSE 'SCHEDULED' END, '[]'
       FROM groups g CROSS JOIN (VALUES (-21), (-14), (-7), (3), (10)) v(d) WHERE g.network_id = $1`,
      [net.id],
    );
    await m.query(
      `INSERT INTO rsvps (network_id, session_id, member_id, status)
       SELECT $1, s.id, ms.member_id, CASE WHEN row_number() OVER (PARTITION BY s.id ORDER BY ms.member_id) <= 8 THEN 'GOING' ELSE 'WAITLISTED' END
       FROM sessions s JOIN memberships ms ON ms.network_id = s.network_id AND ms.group_id = s.group_id
       WHERE s.network_id = $1 AND s.status = 'SCHEDULED'`,
      [net.id],
    );
    await m.query(
      `INSERT INTO attendance (network_id, session_id, group_id, member_id, status)
       SELECT $1, s.id, s.group_id, ms.member_id, 'PRESENT'
       FROM sessions s JOIN memberships ms ON ms.network_id = s.network_id AND ms.group_id = s.group_id
       WHERE s.network_id = $1 AND s.status = 'COMPLETED' AND md5(s.id::text || ms.member_id::text) < '8'`,
      [net.id],
    );
  });
});
afterAll(() => app.stop());

interface HomeData {
  groups: {
    nodes: Array<{
      name: string;
      memberCount: number;
      viewerMembership: { role: string } | null;
      nextSession: { startsAt: string; rsvpCounts: { going: number; waitlisted: number }; viewerRsvp: { status: string } | null } | null;
      memberships: { nodes: Array<{ role: string; engagement: string; member: { displayName: string } }> };
    }>;
  };
}

/**
 * Runs the home-screen query and counts the statements every pg connection in this process sent
 * meanwhile, at the wire-protocol level: each extended-protocol Execute, and each statement of a
 * simple-protocol Query (BEGIN and the settings travel together).
 */
async function countStatements(first: number, credential: string): Promise<{ statements: number; data: HomeData }> {
  const proto = PgConnection.prototype as unknown as Record<'query' | 'execute', (...args: unknown[]) => unknown>;
  const { query, execute } = proto;
  let statements = 0;
  proto.query = function (this: unknown, text: unknown, ...rest: unknown[]) {
    statements += String(text)
      .split(';')
      .filter((part) => part.trim() !== '').length;
    return query.call(this, text, ...rest);
  };
  proto.execute = function (this: unknown, ...args: unknown[]) {
    statements += 1;
    return execute.apply(this, args);
  };
  try {
    const res = await app.gql<HomeData>(HOME, { first }, credential);
    expect(res.errors).toBeUndefined();
    return { statements, data: res.data! };
  } finally {
    proto.query = query;
    proto.execute = execute;
  }
}

test.each([
  ['a member token', () => viewer.token],
  ['an API key with READ and PERSONAL_DATA', () => net.adminKey],
])('home screen with %s: the same statement count for first: 5 and first: 50, at most 12', async (_label, credential) => {
  await countStatements(5, credential()); // warm-up: prepared metadata, pool connection
  const five = await countStatements(5, credential());
  const fifty = await countStatements(50, credential());
  expect(five.data.groups.nodes).toHaveLength(5);
  expect(fifty.data.groups.nodes).toHaveLength(50);
  expect(five.statements).toBeGreaterThanOrEqual(5); // BEGIN, settings, groups, …, COMMIT: the counter sees them
  expect(fifty.statements).toBe(five.statements);
  expect(fifty.statements).toBeLessThanOrEqual(12);
  console.log(`home screen (${_label}): ${fifty.statements} statements for first: 5 and first: 50`);
});

test('the home screen returns the real figures', async () => {
  const { data } = await countStatements(50, viewer.token);
  const groups = data.groups.nodes;
  const mine = groups.filter((g) => g.viewerMembership);
  expect(mine.length).toBeGreaterThan(10);
  for (const g of groups) {
    expect(g.nextSession).not.toBeNull();
    expect(g.nextSession!.rsvpCounts.going).toBe(8);
    expect(g.nextSession!.rsvpCounts.waitlisted).toBe(g.memberCount - 8);
    // Members of a group see its list; others only their own membership (none).
    expect(g.memberships.nodes).toHaveLength(g.viewerMembership ? 10 : 0);
    if (g.viewerMembership) {
      expect(g.memberships.nodes[0].role).toBe('FACILITATOR');
      expect(g.nextSession!.viewerRsvp).not.toBeNull();
    } else {
      expect(g.nextSession!.viewerRsvp).toBeNull();
    }
  }
  expect(mine.every((g) => g.memberCount === 16)).toBe(true);
});
