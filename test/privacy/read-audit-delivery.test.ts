import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ok, type Cred } from '../helpers/gql';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, startLiveApp, subscribed } from '../subscriptions/live';
import type { TestApp } from '../helpers/app';

/**
 * No read of personal data without its record: live updates to subscribers are audited like queries, and an
 * answer whose read-audit entry cannot be committed is withheld (HTTP, WebSocket queries, live updates).
 *
 * The audit store "fails" through a trigger on audit_log that refuses the entries of operations named
 * `AuditMustFail…` about one member (Mia): other suites sharing the database never name theirs so.
 */

let app: TestApp;
let w: World;
const READ = 'personal_data.read';
const CHECK_IN = 'mutation($s: ID!) { checkIn(sessionId: $s) { id } }';
const BOARD = (name: string) => `subscription ${name}($s: ID!) { attendanceChanged(sessionId: $s) { id status member { id displayName } } }`;
const REVIEW = (name: string) => `query ${name}($s: ID!) { node(id: $s) { ... on Session { attendance { nodes { status member { displayName } } } } } }`;
type BoardEvent = { attendanceChanged: { id: string; status: string; member: { id: string; displayName: string } } };

interface Entry {
  actor: string;
  details: { operation: string | null; fields: string[]; subjectCount: number };
}
async function readsSince(since: string): Promise<Entry[]> {
  const q = `query($from: DateTime) { auditLog(first: 100, action: "${READ}", from: $from) { nodes { actor details } } }`;
  return ok(await app.gql<{ auditLog: { nodes: Entry[] } }>(q, { from: since }, w.keys.all)).auditLog.nodes.reverse();
}
const now = () => new Date().toISOString();

beforeAll(async () => {
  app = await startLiveApp();
  w = await createWorld(app, 'Audited deliveries');
  await app.db.dataSource.query(`
    CREATE OR REPLACE FUNCTION test_audit_must_fail() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.details->>'operation' LIKE 'AuditMustFail%' AND '${w.member.id}'::uuid = ANY (NEW.subject_member_ids) THEN
        RAISE EXCEPTION 'the audit store is unavailable (test)';
      END IF;
      RETURN NEW;
    END $$`);
  await app.db.dataSource.query(`CREATE TRIGGER test_audit_must_fail BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_audit_must_fail()`);
});
afterEach(() => disconnectAll());
afterAll(async () => {
  await app.db.dataSource.query(`DROP TRIGGER IF EXISTS test_audit_must_fail ON audit_log`);
  await app.db.dataSource.query(`DROP FUNCTION IF EXISTS test_audit_must_fail()`);
  await app.stop();
});

const follow = (session: { id: string; globalId: string }, cred: Cred, name: string) =>
  subscribed<BoardEvent>(
    app,
    connect(app.server.port, cred.token),
    BOARD(name),
    { s: session.globalId },
    {
      networkId: w.net.id,
      name: 'attendanceChanged',
      key: session.id,
    },
  );

describe('live updates are audited', () => {
  test("a facilitator's board writes one entry per delivery of another member's record; a member's own writes none", async () => {
    const session = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    const board = await follow(session, w.facilitator, 'FacilitatorBoard');
    const own = await follow(session, w.member2, 'OwnBoard');
    const since = now();
    ok(await app.gql(CHECK_IN, { s: session.globalId }, w.member2.token));
    expect((await board.data()).attendanceChanged.member.displayName).toBe('Max Member');
    expect((await own.data()).attendanceChanged.member.displayName).toBe('Max Member');
    const entries = await readsSince(since);
    expect(entries).toEqual([
      {
        actor: `member:${w.facilitator.globalId}`,
        details: expect.objectContaining({ operation: 'FacilitatorBoard', fields: ['Subscription.attendanceChanged'], subjectCount: 1 }),
      },
    ]);
  });

  test('a delivery whose entry cannot be written is not sent; the subscription goes on with the next event', async () => {
    const session = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    const board = await follow(session, w.facilitator, 'AuditMustFailBoard');
    const since = now();
    // Mia's check-in: its entry is refused, so the facilitator never sees it. Max's: recorded and delivered.
    ok(await app.gql(CHECK_IN, { s: session.globalId }, w.member.token));
    ok(await app.gql(CHECK_IN, { s: session.globalId }, w.member2.token));
    expect((await board.data()).attendanceChanged.member.displayName).toBe('Max Member');
    await board.nothing();
    expect((await readsSince(since)).map((e) => e.details)).toEqual([
      expect.objectContaining({ operation: 'AuditMustFailBoard', fields: ['Subscription.attendanceChanged'], subjectCount: 1 }),
    ]);
  });
});

describe('an answer whose read is not recorded is withheld', () => {
  let session: { id: string; globalId: string };
  beforeAll(async () => {
    session = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    for (const m of [w.member, w.member2]) ok(await app.gql(CHECK_IN, { s: session.globalId }, m.token));
  });

  test('over HTTP: 500 INTERNAL_SERVER_ERROR with the request id, no data, no name', async () => {
    const res = await app
      .http()
      .post('/graphql')
      .set('authorization', `Bearer ${w.facilitator.token}`)
      .send({ query: REVIEW('AuditMustFailReview'), variables: { s: session.globalId } });
    expect(res.status).toBe(500);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR', requestId: res.headers['x-request-id'] }) }),
    ]);
    expect(res.text).not.toMatch(/Mia|Max/);
    // The same read named otherwise is recorded and answered.
    const fine = await app.gql<{ node: { attendance: { nodes: unknown[] } } }>(REVIEW('Review'), { s: session.globalId }, w.facilitator.token);
    expect(ok(fine).node.attendance.nodes).toHaveLength(2);
  });

  test('over WebSocket: the same error instead of the data', async () => {
    const client = createClient({
      url: `ws://127.0.0.1:${app.server.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${w.facilitator.token}` },
    });
    try {
      const result = await new Promise<{ data?: unknown; errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }>((resolve, reject) => {
        let got: { data?: unknown; errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> } | undefined;
        client.subscribe(
          { query: REVIEW('AuditMustFailReview'), variables: { s: session.globalId } },
          { next: (r) => (got = r), error: reject, complete: () => resolve(got ?? {}) },
        );
      });
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(result)).not.toMatch(/Mia|Max/);
    } finally {
      await client.dispose();
    }
  });
});
