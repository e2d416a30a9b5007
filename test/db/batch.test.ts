import { Client } from 'pg';
import { inlineParameters, isBatchable, literal } from '../../src/db/batch';
import { beginTenantTransaction } from '../../src/db/tenant';
import { startTestApp, type TestApp } from '../helpers/app';

/** Statement batching (src/db/batch.ts): literals that PostgreSQL reads exactly as it reads the parameters. */

describe('inlineParameters', () => {
  test('replaces $n outside literals, quoted identifiers and comments; $10 is not $1', () => {
    const values = ['a', 2, 3, 4, 5, 6, 7, 8, 9, 'ten'];
    expect(inlineParameters(`SELECT $1, '$1', "$1", $10 -- $1\n, /* $2 */ $2`, values)).toBe(`SELECT 'a', '$1', "$1", 'ten' \n,  '2'`);
  });
  test('a value cannot end its literal', () => {
    expect(literal(`x'); DROP TABLE groups; --`)).toBe(`'x''); DROP TABLE groups; --'`);
    expect(literal(null)).toBe('NULL');
  });
  test('a missing value is an error, not a NULL', () => {
    expect(() => inlineParameters('SELECT $2', ['a'])).toThrow(/\$2/);
  });
  test('only plain reads are batched', () => {
    expect(isBatchable('SELECT 1 FROM groups WHERE id = $1', ['x'])).toBe(true);
    expect(isBatchable(' WITH a AS (SELECT 1) SELECT * FROM a', [])).toBe(true);
    expect(isBatchable('UPDATE groups SET name = $1', ['x'])).toBe(false);
    expect(isBatchable('WITH a AS (DELETE FROM rsvps RETURNING 1) SELECT * FROM a', [])).toBe(false);
    expect(isBatchable('SELECT id FROM sessions WHERE id = $1 FOR UPDATE', ['x'])).toBe(false);
    expect(isBatchable('SELECT $1', [Buffer.from('x')])).toBe(false);
    expect(isBatchable('SELECT $1', [{ a: 1 }])).toBe(false);
    expect(isBatchable('SELECT $1', [Number.NaN])).toBe(false);
    expect(isBatchable(`SELECT 'a;b'`, [])).toBe(false);
  });
});

describe('on PostgreSQL', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  const awkward: unknown[] = [
    `it's`,
    'back\\slash',
    'dollar $1 $$ quote',
    'ünïcödé ✓',
    '',
    null,
    -0.5,
    12345678901,
    true,
    new Date('2026-12-03T10:11:12.345Z'),
    ['a,b', '{c}', '"d"', 'NULL', null, 'e\\f', `g'h`],
    [new Date('2026-01-01T00:00:00.000Z')],
    [1, 2.5],
    [],
  ];
  const casts = [
    'text',
    'text',
    'text',
    'text',
    'text',
    'text',
    'numeric',
    'bigint',
    'boolean',
    'timestamptz',
    'text[]',
    'timestamptz[]',
    'numeric[]',
    'uuid[]',
  ];

  test('every value reads back as its parameter does', async () => {
    const sql = `SELECT ${casts.map((c, i) => `$${i + 1}::${c} AS v${i}`).join(', ')}`;
    expect(isBatchable(sql, awkward)).toBe(true);
    const asParameters = (await client.query(sql, awkward)).rows[0];
    const asLiterals = (await client.query(inlineParameters(sql, awkward))).rows[0];
    expect(asLiterals).toEqual(asParameters);
  });

  test('untyped literals take their type from the context, as parameters do (ANY, LIMIT, comparisons)', async () => {
    const sql = `SELECT x FROM unnest('{3,1,2}'::int[]) x WHERE x = ANY($1) AND x > $2 ORDER BY x LIMIT $3`;
    const values = [[1, 2, 3], 1, 5];
    expect((await client.query(inlineParameters(sql, values))).rows).toEqual((await client.query(sql, values)).rows);
  });
});

describe('in a tenant transaction', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  test('reads issued together share one round trip and keep their own results', async () => {
    const tx = await beginTenantTransaction(app.db.dataSource, null);
    const before = tx.roundTrips;
    const [a, b, c] = await Promise.all([
      tx.manager.query('SELECT $1::int AS n', [1]),
      tx.manager.query('SELECT $1::text AS s', [`o'k`]),
      tx.manager.query('SELECT count(*)::int AS n FROM generate_series(1, $1)', [7]),
    ]);
    expect([a, b, c]).toEqual([[{ n: 1 }], [{ s: `o'k` }], [{ n: 7 }]]);
    expect(tx.roundTrips - before).toBe(1);
    expect(await tx.finish('commit')).toBe('committed');
  });

  test('a failing read fails its batch; the transaction then rolls back and the connection is reused cleanly', async () => {
    const tx = await beginTenantTransaction(app.db.dataSource, null);
    const results = await Promise.allSettled([tx.manager.query('SELECT 1 AS n', []), tx.manager.query('SELECT 1 / $1::int AS n', [0])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/division by zero/);
    expect(await tx.finish('commit')).toBe('rolled back');
    const next = await beginTenantTransaction(app.db.dataSource, null);
    expect(await next.manager.query('SELECT $1::int AS n', [2])).toEqual([{ n: 2 }]);
    await next.finish('commit');
  });

  test('a write between reads keeps its place: reads before it go first, reads after it see it', async () => {
    const tx = await beginTenantTransaction(app.db.dataSource, null);
    await tx.manager.query('CREATE TEMP TABLE batch_order (n int) ON COMMIT DROP');
    const first = tx.manager.query('SELECT count(*)::int AS n FROM batch_order', []);
    const write = tx.manager.query('INSERT INTO batch_order VALUES (1)', []);
    const after = tx.manager.query('SELECT count(*)::int AS n FROM batch_order', []);
    expect(await first).toEqual([{ n: 0 }]);
    await write;
    expect(await after).toEqual([{ n: 1 }]);
    await tx.finish('rollback');
  });
});

(process.env.TEST_DATABASE_EMBEDDED === '1' ? describe.skip : describe)('with prepared statements (DB_PREPARED_STATEMENTS=true)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ DB_PREPARED_STATEMENTS: 'true', DB_POOL_MAX: '1' });
  });
  afterAll(() => app?.stop());

  const reads = (tx: Awaited<ReturnType<typeof beginTenantTransaction>>, n: number) =>
    Promise.all([
      tx.manager.query('SELECT $1::int + 1 AS n', [n]),
      tx.manager.query('SELECT count(*)::int AS n FROM generate_series(1, $1)', [n]),
      tx.manager.query(`SELECT 'no parameters' AS s`, []),
    ]);

  test('a batch prepares each text once per connection, then executes it with its values', async () => {
    for (const n of [3, 5, 8]) {
      const tx = await beginTenantTransaction(app.db.dataSource, null);
      expect(await reads(tx, n)).toEqual([[{ n: n + 1 }], [{ n }], [{ s: 'no parameters' }]]);
      const names = (await tx.manager.query(`SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'pb\\_%'`, [])) as Array<{ name: string }>;
      expect(names).toHaveLength(3); // the same three, however often they ran (one pooled connection)
      await tx.finish('commit');
    }
  });

  test('a failing batch leaves the connection usable and its new texts are prepared again under new names', async () => {
    const tx = await beginTenantTransaction(app.db.dataSource, null);
    const failed = await Promise.allSettled([tx.manager.query('SELECT 10 / $1::int AS n', [0]), tx.manager.query('SELECT $1::text AS s', ['x'])]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await tx.finish('commit')).toBe('rolled back');
    const next = await beginTenantTransaction(app.db.dataSource, null);
    expect(await Promise.all([next.manager.query('SELECT 10 / $1::int AS n', [2]), next.manager.query('SELECT $1::text AS s', ['y'])])).toEqual([
      [{ n: 5 }],
      [{ s: 'y' }],
    ]);
    await next.finish('commit');
  });
});
