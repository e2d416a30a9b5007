/**
 * Production database roles (issue 19, item 6): the server connects as a login role that is neither the owner nor a
 * superuser nor BYPASSRLS, with no privilege of its own (NOINHERIT) and membership in `peer_app`; the schema owner's
 * URL (DATABASE_MIGRATION_URL) only runs the migrations at start. A real server process runs that way, and the login
 * role alone can read no table and switch no row-level security off. Needs real PostgreSQL whose DATABASE_URL role
 * may create roles (CREATEROLE, as CI's `peer_ci_owner`); skipped on the embedded database.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDataSource } from '../../src/app/data-source';
import { claimFirstStart } from '../../src/modules/networks/network.service';
import { purgeExpired } from '../../src/modules/retention/retention.purge';
import { dueNetworks, purgeDeliveries } from '../../src/modules/webhooks/webhook.outbox';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';

const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';
const role = `peer_test_server_${randomBytes(4).toString('hex')}`;

function urlAs(user: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.username = user;
  url.password = '';
  return url.toString();
}

(embedded ? describe.skip : describe)('the server as a login role that can only become peer_app', () => {
  let app: TestApp;
  let net: TestNetwork;
  let owner: Client;
  let server: Client;
  let instance: Instance | undefined;

  beforeAll(async () => {
    app = await startTestApp();
    net = await createTestNetwork(app, 'Server role');
    owner = new Client({ connectionString: process.env.DATABASE_URL });
    await owner.connect();
    // As the README's production setup: LOGIN, NOINHERIT (no privilege without SET ROLE), member of peer_app only.
    await owner.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT`);
    await owner.query(`GRANT peer_app TO ${role}`);
    server = new Client({ connectionString: urlAs(role) });
    await server.connect();
  }, 60_000);

  afterAll(async () => {
    if (instance) await stopInstance(instance);
    await server?.end();
    await owner?.query(`DROP ROLE IF EXISTS ${role}`);
    await owner?.end();
    await app?.stop();
  });

  test('a server process with DATABASE_URL as that role (migrations as the owner) serves requests', async () => {
    instance = await startInstance(`test-${role}:`, {
      DATABASE_URL: urlAs(role),
      DATABASE_MIGRATION_URL: process.env.DATABASE_URL!,
      // The jobs that read across networks run too (through their SECURITY DEFINER functions).
      WEBHOOK_DISPATCH_INTERVAL_MS: '200',
      RETENTION_PURGE_NETWORKS: net.id,
    });
    const res = await fetch(`http://127.0.0.1:${instance.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${net.adminKey}` },
      body: JSON.stringify({ query: '{ network { id } members(first: 5) { totalCount } }' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { network: { id: string } } }).data.network.id).toBeTruthy();
    const users = await owner.query<{ usename: string }>(
      `SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'peer-networks-api' AND usename = $1`,
      [role],
    );
    expect(users.rows).toEqual([{ usename: role }]);
    await new Promise((r) => setTimeout(r, 500)); // a few dispatcher passes
    expect(await stopInstance(instance)).toBe(0);
    expect(instance.output()).not.toMatch(/permission denied|error/i);
    instance = undefined;
  });

  test('the background reads across networks work as that role', async () => {
    const ds = createDataSource(urlAs(role), 2);
    await ds.initialize();
    try {
      expect(Array.isArray(await dueNetworks(ds, { networks: [net.id] }))).toBe(true);
      expect(await purgeDeliveries(ds, new Date(0))).toBe(0);
      expect(await purgeExpired(ds, { networks: [net.id] })).toEqual(new Map());
      expect(typeof (await claimFirstStart(ds))).toBe('boolean');
    } finally {
      await ds.destroy();
    }
  });

  test('without SET ROLE it reads nothing; as peer_app, row-level security binds it; it can switch nothing off', async () => {
    await expect(server.query('SELECT count(*) FROM members')).rejects.toThrow(/permission denied/);
    await expect(server.query('SELECT * FROM app_webhook_due_networks(10, NULL)')).rejects.toThrow(/permission denied/);
    await expect(server.query('ALTER TABLE members DISABLE ROW LEVEL SECURITY')).rejects.toThrow(/must be owner/);
    await expect(server.query(`SET ROLE ${(await owner.query<{ u: string }>('SELECT current_user AS u')).rows[0].u}`)).rejects.toThrow(/permission denied/);
    await server.query('BEGIN');
    try {
      await server.query(`SELECT set_config('role', 'peer_app', true)`);
      expect((await server.query('SELECT count(*)::int AS n FROM members')).rows[0].n).toBe(0); // no network set: no rows
      await expect(server.query('ALTER TABLE members NO FORCE ROW LEVEL SECURITY')).rejects.toThrow(/must be owner/);
    } finally {
      await server.query('ROLLBACK');
    }
    const attrs = await owner.query(`SELECT rolsuper, rolbypassrls, rolinherit FROM pg_roles WHERE rolname = $1`, [role]);
    expect(attrs.rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolinherit: false }]);
  });
});
