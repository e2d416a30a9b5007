import { Client } from 'pg';
import { beginTenantTransaction } from '../../src/db/tenant';
import { cancelled } from '../../src/graphql/errors';
import { transactionLimits } from '../../src/http/server';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { poolSettled, timedPost, watchAutocommit } from './watch';

/**
 * Time limits on real PostgreSQL: a request past its deadline is cut (its running statement cancelled) and
 * rolled back with TIMEOUT; a statement past `statement_timeout` is TIMEOUT too; the evaluation reads get the
 * longer budget. A row lock held by an outside connection makes a request wait as long as the test wants.
 * (The embedded database serves all connections from one session: no outside lock can make it wait.)
 */
const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';

/** An outside connection holding a row lock on one member until released. */
async function lockMember(memberId: string): Promise<{ release(): Promise<void>; waitingAppStatements(): Promise<number> }> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM members WHERE id = $1 FOR UPDATE', [memberId]);
  return {
    async release() {
      await client.query('ROLLBACK');
      await client.end();
    },
    async waitingAppStatements() {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'peer-networks-api' AND wait_event_type = 'Lock' AND datname = current_database()`,
      );
      return rows[0].n as number;
    },
  };
}

const UPDATE = (id: string, name: string) => `updateMember(id: "${id}", input: { displayName: "${name}" }) { id displayName }`;

(embedded ? describe.skip : describe)('deadlines and statement timeouts (PostgreSQL)', () => {
  let app: TestApp;
  let net: TestNetwork;
  let watch: ReturnType<typeof watchAutocommit>;
  beforeAll(async () => {
    app = await startTestApp({ REQUEST_TIMEOUT_MS: '800', DB_STATEMENT_TIMEOUT_MS: '60000' });
    net = await createTestNetwork(app, 'Deadlines');
    watch = watchAutocommit(app);
  });
  afterAll(() => app.stop());

  test('past the request deadline the operation is cut, its waiting statement cancelled, and nothing it wrote stays', async () => {
    const victim = await net.member();
    const lock = await lockMember(victim.id);
    let res: Awaited<ReturnType<typeof timedPost>>;
    try {
      res = await timedPost(
        app,
        `mutation { created: createMember(input: { displayName: "Before the wait", email: "deadline@cut.example" }) { id } renamed: ${UPDATE(victim.globalId, 'Never')} }`,
        net.adminKey,
      );
      // The cancel request reached PostgreSQL: nothing of ours is still waiting for the lock.
      expect(await lock.waitingAppStatements()).toBe(0);
    } finally {
      await lock.release();
    }
    expect(res.status).toBe(503);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'TIMEOUT' } })]);
    expect(res.body.errors[0].message).toMatch(/800 ms/);
    // Cut near the deadline, not after the 60 s statement timeout.
    expect(res.ms).toBeLessThan(5_000);
    const left: Array<{ n: number }> = await app.db.dataSource.query(
      `/* test */ SELECT count(*)::int AS n FROM members WHERE network_id = $1 AND email = 'deadline@cut.example'`,
      [net.id],
    );
    expect(left[0].n).toBe(0);
    await poolSettled(app);
    expect(watch.violations).toEqual([]);
    // The member was not renamed either, and the network's next request is served normally.
    const after = await app.gql(`query($id: ID!) { node(id: $id) { ... on Member { displayName } } }`, { id: victim.globalId }, net.adminKey);
    expect(after.data!.node.displayName).not.toBe('Never');
  });

  test('a statement past DB_STATEMENT_TIMEOUT_MS is TIMEOUT and its mutation writes nothing', async () => {
    const quick = await startTestApp({ DB_STATEMENT_TIMEOUT_MS: '300' });
    try {
      const other = await createTestNetwork(quick, 'Statement timeout');
      const victim = await other.member();
      const lock = await lockMember(victim.id);
      let res: Awaited<ReturnType<typeof timedPost>>;
      try {
        res = await timedPost(quick, `mutation { ${UPDATE(victim.globalId, 'Never either')} }`, other.adminKey);
      } finally {
        await lock.release();
      }
      expect(res.body.errors).toEqual([expect.objectContaining({ path: ['updateMember'], extensions: { code: 'TIMEOUT' } })]);
      expect(res.ms).toBeLessThan(5_000);
      const after = await quick.gql(`query($id: ID!) { node(id: $id) { ... on Member { displayName } } }`, { id: victim.globalId }, other.adminKey);
      expect(after.data!.node.displayName).not.toBe('Never either');
    } finally {
      await quick.stop();
    }
  });

  test('limits are transaction-local settings: evaluation reads switch to the longer budget', async () => {
    const limits = transactionLimits(app.config);
    const tx = await beginTenantTransaction(app.db.dataSource, net.id, { limits });
    try {
      const show = async () => ((await tx.manager.query('SHOW statement_timeout')) as Array<{ statement_timeout: string }>)[0].statement_timeout;
      expect(await show()).toBe('1min');
      const idle: Array<{ idle_in_transaction_session_timeout: string }> = await tx.manager.query('SHOW idle_in_transaction_session_timeout');
      expect(idle[0].idle_in_transaction_session_timeout).toBe('15s');
      await tx.useLongBudget();
      expect(await show()).toBe('30s');
    } finally {
      await tx.finish('rollback');
    }
    // Nothing leaks to the pooled connection afterwards (the settings were SET LOCAL).
    const plain: Array<{ statement_timeout: string }> = await app.db.dataSource.query('/* test */ SHOW statement_timeout');
    expect(plain[0].statement_timeout).toBe('0');
  });
});

describe('a transaction refuses statements after its end (any database)', () => {
  let app: TestApp;
  let net: TestNetwork;
  beforeAll(async () => {
    app = await startTestApp();
    net = await createTestNetwork(app, 'After the end');
  });
  afterAll(() => app.stop());

  test('after finish, a late statement is refused in the application and never reaches the database', async () => {
    const tx = await beginTenantTransaction(app.db.dataSource, net.id);
    const outcome = tx.finish('commit');
    await expect(tx.manager.query(`INSERT INTO members (network_id, display_name, role) VALUES ($1, 'Late', 'MEMBER')`, [net.id])).rejects.toThrow(
      /transaction has already ended/,
    );
    expect(await outcome).toBe('committed');
    expect(await tx.finish('rollback')).toBe('committed');
    const rows: Array<{ n: number }> = await app.db.dataSource.query(
      `/* test */ SELECT count(*)::int AS n FROM members WHERE network_id = $1 AND display_name = 'Late'`,
      [net.id],
    );
    expect(rows[0].n).toBe(0);
  });

  test('after abort, statements already queued are refused too, and the transaction rolls back', async () => {
    const tx = await beginTenantTransaction(app.db.dataSource, net.id);
    const first = tx.manager.query(`INSERT INTO members (network_id, display_name, role) VALUES ($1, 'Queued 1', 'MEMBER')`, [net.id]);
    const second = tx.manager.query(`INSERT INTO members (network_id, display_name, role) VALUES ($1, 'Queued 2', 'MEMBER')`, [net.id]);
    tx.abort(cancelled());
    await Promise.allSettled([first, second]);
    await expect(second).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await tx.finish('commit')).toBe('rolled back');
    const rows: Array<{ n: number }> = await app.db.dataSource.query(
      `/* test */ SELECT count(*)::int AS n FROM members WHERE network_id = $1 AND display_name LIKE 'Queued %'`,
      [net.id],
    );
    expect(rows[0].n).toBe(0);
  });
});
