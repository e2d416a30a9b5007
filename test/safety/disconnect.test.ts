import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { poolSettled, postAndAbandon, watchAutocommit } from './watch';

/**
 * A client that gives up mid-mutation: 60 operations of 40 aliased `createMember` each, the socket destroyed
 * 5–300 ms after sending. Every operation must leave none or all 40 of its members, and no statement may reach
 * the database outside a transaction (the protocol's own transaction status is watched on every connection).
 *
 * PostgreSQL only: on the embedded database (PGlite behind pglite-socket, one session for every connection), a storm of
 * abandoned requests has stalled pglite-socket's queue in this test (connections that never get their answer; not
 * yet understood). The embedded database is for development; the guard itself (no statement after the end, queued
 * ones refused after an abort) is checked on it too, by test/safety/timeouts.test.ts.
 */
const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';

const TRIALS = 60;
const CREATES = 40;
const PARALLEL = 4;

(embedded ? describe.skip : describe)('clients that give up mid-request (PostgreSQL)', () => {
  let app: TestApp;
  let net: TestNetwork;
  let watch: ReturnType<typeof watchAutocommit>;
  beforeAll(async () => {
    app = await startTestApp();
    net = await createTestNetwork(app, 'Disconnects');
    watch = watchAutocommit(app);
  });
  afterAll(() => app.stop());

  function operation(trial: number): object {
    const fields = Array.from(
      { length: CREATES },
      (_, i) => `m${i}: createMember(input: { displayName: "Trial ${trial} member ${i}", email: "t${trial}-${i}@disconnect.example" }) { id }`,
    );
    return { query: `mutation Trial${trial} { ${fields.join(' ')} }` };
  }

  test(`${TRIALS} abandoned multi-mutation operations each leave 0 or all ${CREATES} rows, and nothing runs outside a transaction`, async () => {
    // Deterministic spread of abandon times over 5–300 ms.
    const delays = Array.from({ length: TRIALS }, (_, i) => 5 + Math.round(((i * 37) % TRIALS) * (295 / (TRIALS - 1))));
    const outcomes: Array<'answered' | 'abandoned'> = [];
    for (let i = 0; i < TRIALS; i += PARALLEL) {
      const batch = delays.slice(i, i + PARALLEL).map((ms, j) => postAndAbandon(app.server.port, operation(i + j), net.adminKey, ms));
      outcomes.push(...(await Promise.all(batch)));
    }
    // A generous bound: on a loaded machine (another jest worker hammering the same PostgreSQL) the last batch's
    // rollbacks have taken over 15 s to come back; a leak would still fail it.
    await poolSettled(app, 45_000);

    const rows: Array<{ trial: string; n: string }> = await app.db.dataSource.query(
      `/* test */ SELECT split_part(email, '-', 1) AS trial, count(*) AS n FROM members WHERE network_id = $1 AND email LIKE 't%@disconnect.example' GROUP BY 1`,
      [net.id],
    );
    const counts = new Map(rows.map((r) => [r.trial, Number(r.n)]));
    const partial = [...counts].filter(([, n]) => n !== 0 && n !== CREATES);
    expect(partial).toEqual([]);
    expect(watch.violations).toEqual([]);
    expect(watch.statements()).toBeGreaterThan(0);
    // Both sides were exercised: some operations were cut off before they wrote, and the server kept serving.
    const complete = [...counts.values()].filter((n) => n === CREATES).length;
    expect(outcomes.filter((o) => o === 'abandoned').length).toBeGreaterThan(0);
    expect(TRIALS - complete).toBeGreaterThan(0);

    const after = await app.gql('{ members(first: 1) { totalCount } }', {}, net.adminKey);
    expect(after.errors).toBeUndefined();
    expect(after.data!.members.totalCount).toBe(complete * CREATES);
  });

  test('a read abandoned mid-flight also ends cleanly, and the connection is reusable at once', async () => {
    const body = { query: `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: members(first: 100) { totalCount nodes { id displayName } }`).join(' ')} }` };
    await Promise.all([5, 20, 60, 120].map((ms) => postAndAbandon(app.server.port, body, net.adminKey, ms)));
    await poolSettled(app);
    expect(watch.violations).toEqual([]);
    const res = await app.gql('{ viewer { kind } }', {}, net.adminKey);
    expect(res.data).toEqual({ viewer: { kind: 'API_KEY' } });
  });
});
