import { beginTenantTransaction } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { startTestApp, type TestApp } from '../helpers/app';
import { activePartnership, createTestNetwork, invitedJointEvent, type TestNetwork } from '../helpers/factories';

/**
 * Row-level security that scales with the tenant (migrations/1765050000000-TenantScaledPolicies.ts): a statement
 * as the app role with no network filter of its own still reads `groups` and `resources` through indexes, and no
 * policy evaluates a setting or a function per row. Plans only; who sees what is the isolation suites' business
 * (test/isolation, test/partnerships, test/joint-events, test/resources), plus one count on this larger data set.
 */

/** Groups per network, and networks of bare rows besides A, B and C: a few thousand groups, each tenant a few percent. */
const GROUPS_PER_NETWORK = 100;
const OTHER_NETWORKS = 37;

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let c: TestNetwork;
let jointEventGroup: string;
let others: string[];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** The plan of `sql` as the app role in network A's request transaction (rolled back). */
async function planAsA(sql: string, params: unknown[] = []): Promise<PlanNode> {
  const tx = await beginTenantTransaction(app.db.dataSource, a.id);
  try {
    const [row] = await tx.manager.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return (row['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0].Plan;
  } finally {
    await tx.finish('rollback');
  }
}

/** Scans of `table` in a plan; index scans report the index conditions they were given. */
const scansOf = (plan: PlanNode, table: string) => nodes(plan).filter((n) => n['Relation Name'] === table || n['Index Name']?.startsWith(`${table}_`));

/** The index scans among them, each with its condition: none may read a whole index (all networks' rows). */
const indexConditions = (scans: PlanNode[]) => scans.filter((n) => n['Index Name']).map((n) => n['Index Cond'] ?? `whole index ${n['Index Name']}`);

beforeAll(async () => {
  app = await startTestApp();
  [a, b, c] = await Promise.all([createTestNetwork(app, 'Plans A'), createTestNetwork(app, 'Plans B'), createTestNetwork(app, 'Plans C')]);
  const ds = app.db.dataSource;
  // As the owner: more networks (bare rows), then the same groups in each, 10 % in the partner directory, some
  // PRIVATE or archived, with a description of the usual length; a resource per group (shared with partners if the
  // group is in the directory).
  const prefix = a.slug.replace(/[^a-z0-9]/g, '');
  others = (
    await ds.query(`INSERT INTO networks (slug, name) SELECT $1 || '-plans-' || i, 'Plans filler ' || i FROM generate_series(1, $2::int) i RETURNING id`, [
      prefix,
      OTHER_NETWORKS,
    ])
  ).map((r: { id: string }) => r.id);
  await ds.query(
    `INSERT INTO groups (network_id, name, slug, description, format, agenda_template, visibility, archived_at)
     SELECT n, 'Plan group ' || i, 'plan-' || i, repeat('A peer group that meets weekly. ', 8), 'ONLINE', '[]',
            CASE WHEN i % 10 = 0 THEN 'PARTNERS' WHEN i % 10 = 1 THEN 'PRIVATE' ELSE 'NETWORK' END,
            CASE WHEN i % 50 = 0 THEN now() END
       FROM unnest($1::uuid[]) n CROSS JOIN generate_series(1, $2::int) i`,
    [[a.id, b.id, c.id, ...others], GROUPS_PER_NETWORK],
  );
  await ds.query(
    `INSERT INTO resources (network_id, group_id, kind, title, url, anonymous, shared_at)
     SELECT g.network_id, g.id, 'LINK', 'Plan resource', 'https://example.org/r', true, CASE WHEN g.visibility = 'PARTNERS' THEN now() END
       FROM groups g WHERE g.network_id = ANY($1)`,
    [[a.id, b.id, c.id, ...others]],
  );
  await ds.query('ANALYZE groups');
  await ds.query('ANALYZE resources');
  // A and B are partners; B hosts a joint event with one of its NETWORK groups and invites A.
  await activePartnership(app, a.adminKey, { slug: b.slug, admin: b.adminKey });
  [{ id: jointEventGroup }] = await ds.query(`SELECT id FROM groups WHERE network_id = $1 AND slug = 'plan-2'`, [b.id]);
  await invitedJointEvent(app, b.adminKey, toGlobalId('Group', jointEventGroup), a);
}, 120_000);

afterAll(async () => {
  // The seeded rows go (cascading from their networks); A, B and C stay like every test's networks.
  await app.db.dataSource.query('DELETE FROM groups WHERE network_id = ANY($1)', [[a.id, b.id, c.id]]);
  await app.db.dataSource.query('DELETE FROM networks WHERE id = ANY($1)', [others]);
  await app.stop();
});

test('an unfiltered SELECT on groups as the app role reads through indexes, the network index among them', async () => {
  const scans = scansOf(await planAsA('SELECT * FROM groups'), 'groups');
  expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  const conditions = indexConditions(scans);
  expect(conditions.some((c) => /network_id = /.test(c))).toBe(true);
  // The tenant's rows by network, the partners' directory groups by network, the joint events' groups by id.
  for (const c of conditions) expect(c).toMatch(/^\(?(network_id|id) = /);
});

test('SELECT … FROM groups WHERE id = ANY(…) reads through an index', async () => {
  const ids: Array<{ id: string }> = await app.db.dataSource.query(
    `SELECT id FROM groups WHERE network_id = ANY($1) AND slug = ANY(ARRAY['plan-3', 'plan-10', 'plan-20', 'plan-30'])`,
    [[a.id, b.id, c.id]],
  );
  const scans = scansOf(await planAsA('SELECT id, name FROM groups WHERE id = ANY($1)', [ids.map((r) => r.id)]), 'groups');
  expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  expect(indexConditions(scans).some((c) => /\bid = ANY/.test(c))).toBe(true);
});

test('an unfiltered SELECT on resources as the app role reads through indexes', async () => {
  const scans = scansOf(await planAsA('SELECT * FROM resources'), 'resources');
  expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  const conditions = indexConditions(scans);
  expect(conditions.length).toBeGreaterThan(0);
  // The tenant's resources and the partners' shared ones, both by network (not every network's shared resources).
  for (const c of conditions) expect(c).toMatch(/^\(?network_id = /);
});

test('the same unfiltered statements still see exactly the own network, the partner directory and the joint event’s group', async () => {
  const tx = await beginTenantTransaction(app.db.dataSource, a.id);
  try {
    const seen: Array<{ network_id: string; visibility: string; archived: boolean; n: number }> = await tx.manager.query(
      `SELECT network_id, visibility, archived_at IS NOT NULL AS archived, count(*)::int AS n FROM groups
        WHERE network_id = ANY($1) GROUP BY 1, 2, 3`,
      [[a.id, b.id, c.id]],
    );
    const inB = seen.filter((r) => r.network_id === b.id);
    expect(seen.filter((r) => r.network_id === c.id)).toEqual([]);
    expect(seen.filter((r) => r.network_id === a.id).reduce((s, r) => s + r.n, 0)).toBe(GROUPS_PER_NETWORK);
    // B: its unarchived PARTNERS groups (every 10th, less every 50th) and the one group of the joint event.
    expect(inB.sort((x, y) => x.visibility.localeCompare(y.visibility))).toEqual([
      { network_id: b.id, visibility: 'NETWORK', archived: false, n: 1 },
      { network_id: b.id, visibility: 'PARTNERS', archived: false, n: GROUPS_PER_NETWORK / 10 - GROUPS_PER_NETWORK / 50 },
    ]);
    const resources: Array<{ network_id: string; n: number }> = await tx.manager.query(
      `SELECT network_id, count(*)::int AS n FROM resources WHERE network_id = ANY($1) GROUP BY 1 ORDER BY 1`,
      [[b.id, c.id]],
    );
    expect(resources).toEqual([{ network_id: b.id, n: GROUPS_PER_NETWORK / 10 - GROUPS_PER_NETWORK / 50 }]);
  } finally {
    await tx.finish('rollback');
  }
});

test('no policy evaluates a setting or a function per row: an unfiltered SELECT on every table the app role reads', async () => {
  const tables: Array<{ relname: string }> = await app.db.dataSource.query(`
    SELECT k.relname FROM pg_class k JOIN pg_namespace ns ON ns.oid = k.relnamespace
     WHERE ns.nspname = 'public' AND k.relkind = 'r' AND k.relrowsecurity AND has_table_privilege('peer_app', k.oid, 'SELECT')
     ORDER BY 1`);
  expect(tables.map((t) => t.relname)).toEqual(expect.arrayContaining(['groups', 'resources', 'networks', 'joint_events', 'api_keys']));
  for (const { relname } of tables) {
    const conditions = nodes(await planAsA(`SELECT * FROM ${relname}`)).flatMap((n) => [n.Filter, n['Index Cond'], n['Recheck Cond']].filter(Boolean));
    // Settings and the policies' sets arrive as InitPlan results ($0, (InitPlan 1).col1); a call here would run per row.
    expect({ table: relname, calls: conditions.filter((c) => /current_setting|\bapp_\w+\(/.test(c!)) }).toEqual({ table: relname, calls: [] });
  }
});

test('every policy reads the settings through a scalar subquery (once per statement), never by a bare call', async () => {
  const bare: Array<{ policy: string }> = await app.db.dataSource.query(String.raw`
    SELECT tablename || '.' || policyname AS policy FROM pg_policies
     WHERE schemaname = 'public'
       AND concat(qual, ' ', with_check) ~ '(?<!SELECT )(app_current_network|app_setting|current_setting)\('`);
  expect(bare).toEqual([]);
});
