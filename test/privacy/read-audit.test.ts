import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { beginTenantTransaction } from '../../src/db/tenant';
import { startTestApp, type TestApp } from '../helpers/app';
import { expectCode, ok, type Cred } from '../helpers/gql';
import { createWorld, insertSession, type World } from '../helpers/world';

/**
 * The audit of sensitive reads (issue 14): every operation that reads members' personal data writes one
 * `personal_data.read` entry (fields, how many members, request id), in the operation's own transaction; plain reads
 * write none. Admins filter the log; a member sees the reads of their own data without the readers' identities.
 */

let app: TestApp;
let w: World;
let other: World;
let live: { id: string; globalId: string };
let quiet: { id: string; globalId: string };

const READ = 'personal_data.read';

interface Entry {
  actor: string;
  action: string;
  at: string;
  details: {
    operation: string | null;
    fields: string[];
    subjectCount: number;
    requestId: string;
    readerKind: string;
    readerRole?: string;
    apiKeyName?: string;
  };
}

const AUDIT_LOG = `query($action: String, $actorId: ID, $subject: ID, $from: DateTime, $to: DateTime) {
  auditLog(first: 100, action: $action, actorId: $actorId, subjectMemberId: $subject, from: $from, to: $to) {
    totalCount nodes { actor action at details }
  }
}`;

async function auditLog(world: World, vars: { action?: string; actorId?: string; subject?: string; from?: string; to?: string } = {}): Promise<Entry[]> {
  return ok(await app.gql<{ auditLog: { nodes: Entry[] } }>(AUDIT_LOG, vars, world.keys.all)).auditLog.nodes;
}

/** The read entries written since `since`, oldest first. */
async function readsSince(since: string, world = w): Promise<Entry[]> {
  return (await auditLog(world, { action: READ, from: since })).reverse();
}

const now = () => new Date().toISOString();

const ACCESS_LOG = `query($after: String) { myAccessLog(first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { at fields readerKind readerRole apiKeyName }
} }`;
interface AccessEntry {
  at: string;
  fields: string[];
  readerKind: string;
  readerRole: string | null;
  apiKeyName: string | null;
}
const accessLog = async (member: Cred) =>
  ok(await app.gql<{ myAccessLog: { totalCount: number; nodes: AccessEntry[] } }>(ACCESS_LOG, {}, member.token)).myAccessLog;

beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Read audit');
  other = await createWorld(app, 'Other network');
  // One LIVE session with two members' attendance, an RSVP, named and anonymous feedback and gratitude notes,
  // and outreach to one of them.
  live = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
  for (const m of [w.member, w.member2]) ok(await app.gql(`mutation($s: ID!) { checkIn(sessionId: $s) { id } }`, { s: live.globalId }, m.token));
  ok(await app.gql(`mutation($s: ID!) { rsvp(sessionId: $s, status: GOING) { id } }`, { s: live.globalId }, w.member.token));
  const feedback = `mutation($s: ID!, $anonymous: Boolean) { submitFeedback(sessionId: $s, input: { rating: 4, comment: "Helpful", anonymous: $anonymous }) { id } }`;
  ok(await app.gql(feedback, { s: live.globalId, anonymous: false }, w.member.token));
  ok(await app.gql(feedback, { s: live.globalId, anonymous: true }, w.member2.token));
  const note = `mutation($s: ID!, $anonymous: Boolean) { addGratitudeNote(sessionId: $s, text: "Thank you all", anonymous: $anonymous) { id } }`;
  ok(await app.gql(note, { s: live.globalId, anonymous: false }, w.member.token));
  ok(await app.gql(note, { s: live.globalId, anonymous: true }, w.member2.token));
  ok(
    await app.gql(
      `mutation($m: ID!) { recordOutreach(membershipId: $m, input: { channel: CALL, note: "Checked in by phone" }) { id } }`,
      { m: w.memberMembership },
      w.facilitator.token,
    ),
  );
  // A session whose only personal data is an anonymous note: nobody identifiable to log.
  quiet = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
  ok(await app.gql(note, { s: quiet.globalId, anonymous: true }, w.member2.token));
});
afterAll(() => app.stop());

const EVERYTHING = `query FacilitatorReview($s: ID!) { node(id: $s) { ... on Session {
  attendance { nodes { status member { displayName } } }
  rsvps { nodes { status member { displayName } } }
  feedback { nodes { rating comment } }
  gratitudeNotes { nodes { text } }
} } }`;

describe('sensitive reads', () => {
  test('one operation reading attendance, RSVPs, comments and notes writes exactly one entry: fields, subject count, request id', async () => {
    const since = now();
    const res = await app
      .http()
      .post('/graphql')
      .set('authorization', `Bearer ${w.facilitator.token}`)
      .set('x-request-id', 'read-audit-1')
      .send({
        query: EVERYTHING,
        variables: { s: live.globalId },
      });
    expect(res.body.errors).toBeUndefined();
    const entries = await readsSince(since);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: `member:${w.facilitator.globalId}`,
      action: READ,
      details: {
        operation: 'FacilitatorReview',
        fields: ['Feedback.comment', 'Session.attendance', 'Session.gratitudeNotes', 'Session.rsvps'],
        // Mia (attendance, RSVP, named comment, named note) and Max (attendance; his anonymous items name no one).
        subjectCount: 2,
        requestId: 'read-audit-1',
        readerKind: 'MEMBER',
        readerRole: 'MEMBER',
      },
    });
  });

  test('anonymous authors are never subjects: a list of anonymous notes only writes nothing', async () => {
    const since = now();
    const notes = ok(
      await app.gql(
        `query($s: ID!) { node(id: $s) { ... on Session { gratitudeNotes { nodes { text anonymous } } } } }`,
        { s: quiet.globalId },
        w.facilitator.token,
      ),
    );
    expect(notes.node.gratitudeNotes.nodes).toEqual([{ text: 'Thank you all', anonymous: true }]);
    expect(await readsSince(since)).toEqual([]);
  });

  test('emails of the member directory read with an API key: one entry for the whole page, the key named', async () => {
    const since = now();
    const page = ok(await app.gql(`query Directory { members(first: 100) { nodes { id email } } }`, {}, w.keys.readPersonal)).members.nodes as Array<{
      email: string | null;
    }>;
    const withEmail = page.filter((m) => m.email != null).length;
    expect(withEmail).toBeGreaterThanOrEqual(6);
    const entries = await readsSince(since);
    expect(entries).toHaveLength(1);
    expect(entries[0].actor).toMatch(/^api_key:/);
    expect(entries[0].details).toMatchObject({
      operation: 'Directory',
      fields: ['Member.email'],
      subjectCount: withEmail,
      readerKind: 'API_KEY',
      apiKeyName: 'test key READ,PERSONAL_DATA',
    });
  });

  test('outreach about a member is a read of that member', async () => {
    const since = now();
    const res = ok(
      await app.gql(`query($m: ID!) { node(id: $m) { ... on Membership { outreach { nodes { note } } } } }`, { m: w.memberMembership }, w.facilitator.token),
    );
    expect(res.node.outreach.nodes).toEqual([{ note: 'Checked in by phone' }]);
    const entries = await readsSince(since);
    expect(entries.map((e) => e.details)).toEqual([expect.objectContaining({ fields: ['Membership.outreach'], subjectCount: 1 })]);
  });

  test('plain reads write nothing: groups, sessions, counts, aggregates, one’s own records and email', async () => {
    const since = now();
    ok(
      await app.gql(
        `query($s: ID!) { groups { nodes { name memberCount } } node(id: $s) { ... on Session { title attendanceCount rsvpCounts { going } feedbackSummary { responses } } } }`,
        { s: live.globalId },
        w.facilitator.token,
      ),
    );
    ok(await app.gql(`query($s: ID!) { node(id: $s) { ... on Session { attendanceCount } } }`, { s: live.globalId }, w.keys.read));
    // A member sees only their own attendance and RSVP, and their own email: nobody else's data.
    const own = ok(
      await app.gql(
        `query($s: ID!) { viewer { member { email } } node(id: $s) { ... on Session { attendance { nodes { status } } rsvps { nodes { status } } } } }`,
        { s: live.globalId },
        w.member.token,
      ),
    );
    expect(own.node.attendance.nodes).toHaveLength(1);
    // A coordinator sees display names in the directory, but not emails (null): no email was read.
    ok(await app.gql(`{ members(first: 100) { nodes { displayName email } } }`, {}, w.coordinator.token));
    expect(await readsSince(since)).toEqual([]);
  });
});

test('over WebSocket a query reading personal data writes its one entry too', async () => {
  const since = now();
  const client = createClient({
    url: `ws://127.0.0.1:${app.server.port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${w.facilitator.token}` },
  });
  try {
    const result = await new Promise<{ data?: unknown; errors?: unknown }>((resolve, reject) => {
      let got: { data?: unknown; errors?: unknown } | undefined;
      client.subscribe(
        { query: EVERYTHING, operationName: 'FacilitatorReview', variables: { s: live.globalId } },
        { next: (r) => (got = r), error: reject, complete: () => resolve(got ?? {}) },
      );
    });
    expect(result.errors).toBeUndefined();
  } finally {
    await client.dispose();
  }
  const entries = await readsSince(since);
  expect(entries.map((e) => e.details)).toEqual([
    expect.objectContaining({
      operation: 'FacilitatorReview',
      fields: ['Feedback.comment', 'Session.attendance', 'Session.gratitudeNotes', 'Session.rsvps'],
      subjectCount: 2,
    }),
  ]);
});

describe('auditLog filters', () => {
  test('by action, actor, subject member and time range; still a connection', async () => {
    const start = now();
    ok(await app.gql(EVERYTHING, { s: live.globalId }, w.facilitator.token));
    ok(await app.gql(`{ members(first: 100) { nodes { email } } }`, {}, w.admin.token));
    const end = now();

    const reads = await auditLog(w, { action: READ, from: start, to: end });
    expect(reads).toHaveLength(2);
    expect(reads.every((e) => e.action === READ)).toBe(true);
    // Newest first.
    expect(reads.map((e) => e.details.fields)).toEqual([
      ['Member.email'],
      ['Feedback.comment', 'Session.attendance', 'Session.gratitudeNotes', 'Session.rsvps'],
    ]);

    expect((await auditLog(w, { actorId: w.facilitator.globalId, from: start, to: end })).map((e) => e.actor)).toEqual([`member:${w.facilitator.globalId}`]);
    expect((await auditLog(w, { actorId: w.admin.globalId, from: start, to: end })).map((e) => e.actor)).toEqual([`member:${w.admin.globalId}`]);
    // The outsider was read only through the admin's directory read.
    expect((await auditLog(w, { subject: w.outsider.globalId, from: start, to: end })).map((e) => e.details.fields)).toEqual([['Member.email']]);
    expect(await auditLog(w, { subject: w.member2.globalId, from: start, to: end })).toHaveLength(2);
    // An ID of another type names no member; a range before the reads holds none of them.
    expect(await auditLog(w, { subject: w.group.globalId })).toEqual([]);
    expect(await auditLog(w, { action: READ, to: start, from: new Date(Date.parse(start) - 1).toISOString() })).toEqual([]);
    expect(await auditLog(w, { action: 'partnership.requested' })).toEqual([]);

    const page = ok(
      await app.gql(
        `query($from: DateTime) { auditLog(first: 1, action: "${READ}", from: $from) { pageInfo { hasNextPage endCursor } nodes { action } } }`,
        { from: start },
        w.keys.all,
      ),
    ).auditLog;
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = ok(
      await app.gql(
        `query($from: DateTime, $after: String) { auditLog(first: 1, after: $after, action: "${READ}", from: $from) { pageInfo { hasNextPage } nodes { action } } }`,
        { from: start, after: page.pageInfo.endCursor },
        w.keys.all,
      ),
    ).auditLog;
    expect(next).toEqual({ pageInfo: { hasNextPage: false }, nodes: [{ action: READ }] });
  });

  test('members and keys without ADMIN cannot read the log', async () => {
    expectCode(await app.gql(AUDIT_LOG, { action: READ }, w.facilitator.token), 'FORBIDDEN');
    expectCode(await app.gql(AUDIT_LOG, { action: READ }, w.keys.readPersonal), 'FORBIDDEN');
  });
});

describe('myAccessLog', () => {
  test('a member sees the reads of their data, by role or key name only; one never read sees nothing', async () => {
    const mine = await accessLog(w.member);
    const about = await auditLog(w, { subject: w.member.globalId });
    expect(mine.totalCount).toBe(about.length);
    expect(mine.totalCount).toBeGreaterThanOrEqual(4);
    expect(mine.nodes).toContainEqual(
      expect.objectContaining({
        fields: ['Feedback.comment', 'Session.attendance', 'Session.gratitudeNotes', 'Session.rsvps'],
        readerKind: 'MEMBER',
        readerRole: 'MEMBER',
        apiKeyName: null,
      }),
    );
    expect(mine.nodes).toContainEqual({
      at: expect.any(String),
      fields: ['Member.email'],
      readerKind: 'API_KEY',
      readerRole: null,
      apiKeyName: 'test key READ,PERSONAL_DATA',
    });
    expect(mine.nodes).toContainEqual(expect.objectContaining({ fields: ['Member.email'], readerKind: 'MEMBER', readerRole: 'ADMIN' }));

    const newcomer = await w.net.member();
    expect(await accessLog(newcomer)).toMatchObject({ totalCount: 0, nodes: [] });
  });

  test('the entry type has no field that names the reader', async () => {
    const type = ok(await app.gql(`{ __type(name: "AccessLogEntry") { fields { name } } }`, {}, w.member.token)).__type;
    expect(type.fields.map((f: { name: string }) => f.name).sort()).toEqual(['apiKeyName', 'at', 'fields', 'readerKind', 'readerRole']);
  });

  test('member tokens only', async () => {
    expectCode(await app.gql(ACCESS_LOG, {}, w.keys.all), 'FORBIDDEN');
  });
});

describe('append-only', () => {
  test('the app role can neither UPDATE nor DELETE audit entries', async () => {
    for (const statement of [`UPDATE audit_log SET action = 'tampered'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`]) {
      const tx = await beginTenantTransaction(app.db.dataSource, w.net.id);
      try {
        await expect(tx.manager.query(statement)).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '42501' }) }); // insufficient_privilege
      } finally {
        await tx.finish('rollback');
      }
    }
    expect((await auditLog(w, { action: 'tampered' })).length).toBe(0);
    expect((await auditLog(w, { action: READ })).length).toBeGreaterThan(0);
  });
});

describe('another network', () => {
  test('sees none of these entries, and its reads land in its own log only', async () => {
    expect(await auditLog(other, { subject: w.member.globalId })).toEqual([]);
    expect(await auditLog(other, { actorId: w.facilitator.globalId })).toEqual([]);
    expect((await auditLog(other, { action: READ })).length).toBe(0);
    // Another network's admin asking about our session reads nothing and writes nothing here.
    const since = now();
    const res = await app.gql(EVERYTHING, { s: live.globalId }, other.admin.token);
    expect(res.data?.node ?? null).toBeNull();
    ok(await app.gql(`{ members(first: 100) { nodes { email } } }`, {}, other.admin.token));
    expect(await readsSince(since)).toEqual([]);
    const theirs = await readsSince(since, other);
    expect(theirs).toHaveLength(1);
    expect(theirs[0].actor).toBe(`member:${other.admin.globalId}`);
    // Our member's access log holds none of the other network's reads.
    expect((await accessLog(w.member)).totalCount).toBe((await auditLog(w, { subject: w.member.globalId })).length);
    expect((await accessLog(other.member)).nodes.map((e) => e.fields)).toEqual([['Member.email']]);
  });
});
