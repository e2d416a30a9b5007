import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/config/logger';
import { APP_ROLE, beginTenantTransaction, withTenant } from '../../src/db/tenant';
import { createContext } from '../../src/modules/auth/context';
import { Pseudonyms } from '../../src/modules/auth/member-token';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import type { Context, ContextDeps } from '../../src/graphql/context';

/**
 * Row-level security is the backstop behind every query filter: SQL that forgets `network_id`
 * still only sees (and may only write) the caller's network.
 */

let app: TestApp;
let deps: ContextDeps;
let a: TestNetwork;
let b: TestNetwork;
let aMember: { id: string; token: string };
let bMember: { id: string; token: string };

beforeAll(async () => {
  app = await startTestApp();
  deps = { dataSource: app.db.dataSource, tokens: app.tokens, pseudonyms: new Pseudonyms(TEST_TOKEN_SECRET), logger: createLogger('silent') };
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  aMember = await a.member(NetworkRole.ADMIN);
  bMember = await b.member(NetworkRole.MEMBER);
  await b.member(NetworkRole.COORDINATOR);
});
afterAll(() => app.stop());

/** Runs `fn` in a request context for `credential`, always rolling back. */
async function inRequest<T>(credential: string, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = await createContext(deps, { authorization: 'Bearer ' + credential });
  try {
    return await fn(ctx);
  } finally {
    await ctx.tx.finish('rollback');
  }
}

const ids = (rows: Array<Record<string, string>>, column: string) => rows.map((r) => r[column]);

describe('SQL without a network filter, inside a request transaction', () => {
  test.each([
    ['A’s API key', () => a.adminKey],
    ['A’s member token', () => aMember.token],
  ])('with %s sees only network A’s members, api_keys and networks', async (_label, credential) => {
    await inRequest(credential(), async (ctx) => {
      expect(ctx.networkId).toBe(a.id);

      const members = await ctx.manager.query('SELECT network_id FROM members');
      expect(members.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ids(members, 'network_id'))).toEqual(new Set([a.id]));

      const keys = await ctx.manager.query('SELECT network_id FROM api_keys');
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ids(keys, 'network_id'))).toEqual(new Set([a.id]));

      const networks = await ctx.manager.query('SELECT id FROM networks');
      expect(ids(networks, 'id')).toEqual([a.id]);

      // Even asking for B's rows explicitly finds nothing.
      expect(await ctx.manager.query('SELECT id FROM members WHERE network_id = $1', [b.id])).toEqual([]);
      expect(await ctx.manager.query('SELECT id FROM members WHERE id = $1', [bMember.id])).toEqual([]);
      expect(await ctx.manager.query('SELECT id FROM api_keys WHERE network_id = $1', [b.id])).toEqual([]);
      expect(await ctx.manager.query('SELECT id FROM networks WHERE id = $1', [b.id])).toEqual([]);
    });
  });

  test('B’s key sees only B’s rows (the mirror image)', async () => {
    await inRequest(b.adminKey, async (ctx) => {
      const members = await ctx.manager.query('SELECT network_id FROM members');
      expect(members.length).toBeGreaterThanOrEqual(2);
      expect(new Set(ids(members, 'network_id'))).toEqual(new Set([b.id]));
      expect(new Set(ids(await ctx.manager.query('SELECT network_id FROM api_keys'), 'network_id'))).toEqual(new Set([b.id]));
      expect(ids(await ctx.manager.query('SELECT id FROM networks'), 'id')).toEqual([b.id]);
    });
  });

  test('unfiltered UPDATE and DELETE cannot touch another network’s rows', async () => {
    await inRequest(a.adminKey, async (ctx) => {
      await ctx.manager.query(`UPDATE members SET display_name = 'overwritten'`);
      await ctx.manager.query('DELETE FROM api_keys WHERE network_id = $1', [b.id]);
      await ctx.manager.query('DELETE FROM members WHERE id = $1', [bMember.id]);
    });
    // The request rolled back anyway; the point is B's rows were never reachable.
    await withTenant(app.db.dataSource, b.id, async (m) => {
      const rows = await m.query('SELECT id, display_name FROM members WHERE id = $1', [bMember.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].display_name).not.toBe('overwritten');
      expect((await m.query('SELECT id FROM api_keys')).length).toBeGreaterThanOrEqual(1);
    });
  });
});

test('with no network set, the same SQL returns zero rows', async () => {
  const tx = await beginTenantTransaction(app.db.dataSource, null);
  try {
    expect(await tx.manager.query('SELECT network_id FROM members')).toEqual([]);
    expect(await tx.manager.query('SELECT network_id FROM api_keys')).toEqual([]);
    expect(await tx.manager.query('SELECT id FROM networks')).toEqual([]);
  } finally {
    await tx.finish('rollback');
  }
  // Control: the rows do exist (the owner connection, outside the app role, sees them).
  const [{ n }] = await app.db.dataSource.query('SELECT count(*)::int AS n FROM members WHERE network_id = ANY($1::uuid[])', [[a.id, b.id]]);
  expect(n).toBeGreaterThanOrEqual(3);
});

test('request transactions run as peer_app, which is neither superuser nor exempt from RLS', async () => {
  await inRequest(a.adminKey, async (ctx) => {
    const [{ user }] = await ctx.manager.query('SELECT current_user AS user');
    expect(user).toBe('peer_app');
    expect(user).toBe(APP_ROLE);
    const rows = await ctx.manager.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
  });
});

test('every public table with a network_id column has row-level security enabled and forced', async () => {
  const rows: Array<{ table_name: string; relrowsecurity: boolean; relforcerowsecurity: boolean }> = await app.db.dataSource.query(`
    SELECT c.table_name, k.relrowsecurity, k.relforcerowsecurity
      FROM information_schema.columns c
      JOIN pg_class k ON k.relname = c.table_name AND k.relkind IN ('r', 'p')
      JOIN pg_namespace ns ON ns.oid = k.relnamespace AND ns.nspname = c.table_schema
     WHERE c.table_schema = 'public' AND c.column_name = 'network_id'
     ORDER BY c.table_name`);
  const tables = rows.map((r) => r.table_name);
  expect(tables.length).toBeGreaterThan(0);
  expect(tables).toEqual(expect.arrayContaining(['members', 'api_keys']));
  const unprotected = rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.table_name);
  expect(unprotected).toEqual([]);

  // networks is the tenant table itself (keyed by id): it must be protected too.
  const [networks] = await app.db.dataSource.query(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'public.networks'::regclass`);
  expect(networks).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
});

test('every table the request role may read has row-level security enabled and forced (cross-network tables too)', async () => {
  const rows: Array<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }> = await app.db.dataSource.query(`
    SELECT k.relname, k.relrowsecurity, k.relforcerowsecurity
      FROM pg_class k JOIN pg_namespace ns ON ns.oid = k.relnamespace
     WHERE ns.nspname = 'public' AND k.relkind IN ('r', 'p') AND has_table_privilege('peer_app', k.oid, 'SELECT')
     ORDER BY k.relname`);
  expect(rows.map((r) => r.relname)).toEqual(expect.arrayContaining(['networks', 'groups', 'partnerships', 'audit_log']));
  expect(rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.relname)).toEqual([]);
});

test('every table with row-level security has its owner policy, for the owner only (migrations/1765020000000-OwnerPolicies.ts)', async () => {
  const rows: Array<{ relname: string; owner_policy: string | null; roles: string[] | null }> = await app.db.dataSource.query(`
    SELECT k.relname, p.policyname AS owner_policy, p.roles::text[] AS roles
      FROM pg_class k JOIN pg_namespace ns ON ns.oid = k.relnamespace
      LEFT JOIN pg_policies p ON p.schemaname = 'public' AND p.tablename = k.relname AND p.policyname = k.relname || '_owner'
     WHERE ns.nspname = 'public' AND k.relkind = 'r' AND k.relrowsecurity
     ORDER BY k.relname`);
  expect(rows.length).toBeGreaterThan(20);
  expect(rows.filter((r) => r.owner_policy === null).map((r) => r.relname)).toEqual([]);
  // Never for the request role (nor PUBLIC): only the role that ran the migrations.
  const [{ owner }] = await app.db.dataSource.query(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.members'::regclass`);
  for (const r of rows) expect({ table: r.relname, roles: r.roles }).toEqual({ table: r.relname, roles: [owner] });
});

describe('writes across networks are rejected by the database', () => {
  const insertKey = (m: { query: (sql: string, params: unknown[]) => Promise<unknown> }, hash: string, createdBy: string) =>
    m.query(
      `INSERT INTO api_keys (network_id, name, prefix, secret_hash, scopes, created_by_member_id)
       VALUES ($1, 'cross-network key', 'pnk_test1234', $2, ARRAY['READ'], $3)`,
      [a.id, hash, createdBy],
    );
  const keyCount = (hash: string) =>
    withTenant(app.db.dataSource, a.id, async (m) => (await m.query('SELECT id FROM api_keys WHERE secret_hash = $1', [hash])).length as number);

  test('composite foreign key: A’s api key cannot name B’s member as its creator', async () => {
    const hash = randomBytes(32).toString('hex');
    await expect(withTenant(app.db.dataSource, a.id, (m) => insertKey(m, hash, bMember.id))).rejects.toMatchObject({
      driverError: expect.objectContaining({ code: '23503' }), // foreign_key_violation
    });
    expect(await keyCount(hash)).toBe(0);
  });

  test('control: the same insert naming A’s own member succeeds', async () => {
    const hash = randomBytes(32).toString('hex');
    const tx = await beginTenantTransaction(app.db.dataSource, a.id);
    try {
      await insertKey(tx.manager, hash, aMember.id);
      expect(await tx.manager.query('SELECT created_by_member_id FROM api_keys WHERE secret_hash = $1', [hash])).toEqual([
        { created_by_member_id: aMember.id },
      ]);
    } finally {
      await tx.finish('rollback');
    }
    expect(await keyCount(hash)).toBe(0);
  });

  test('WITH CHECK: inserting a member into B while app.network_id is A is rejected', async () => {
    const name = `smuggled ${randomBytes(4).toString('hex')}`;
    await expect(
      withTenant(app.db.dataSource, a.id, (m) => m.query(`INSERT INTO members (network_id, display_name, role) VALUES ($1, $2, 'ADMIN')`, [b.id, name])),
    ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '42501' }) }); // insufficient_privilege (RLS)

    const inB = await withTenant(app.db.dataSource, b.id, (m) => m.query('SELECT id FROM members WHERE display_name = $1', [name]));
    expect(inB).toEqual([]);
    const anywhere = await app.db.dataSource.query('SELECT id FROM members WHERE display_name = $1', [name]);
    expect(anywhere).toEqual([]);
  });

  test('WITH CHECK: moving A’s member to B with an UPDATE is rejected', async () => {
    await expect(
      withTenant(app.db.dataSource, a.id, (m) => m.query('UPDATE members SET network_id = $1 WHERE id = $2', [b.id, aMember.id])),
    ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '42501' }) });
    const [row] = await app.db.dataSource.query('SELECT network_id FROM members WHERE id = $1', [aMember.id]);
    expect(row.network_id).toBe(a.id);
  });
});
