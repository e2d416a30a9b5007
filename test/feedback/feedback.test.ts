import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { type Cred, expectCode, expectFieldErrors, ok } from '../helpers/gql';
import { createWorld, insertSession, moreMembers, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app);
  other = await createWorld(app, 'Other network');
});
afterAll(() => app.stop());

const SUBMIT = `mutation($s: ID!, $input: FeedbackInput!) {
  submitFeedback(sessionId: $s, input: $input) { id rating moodAfter comment anonymous submittedAt author { id } session { id } }
}`;
const CHECK_IN = `mutation($s: ID!, $mood: Int) { checkIn(sessionId: $s, moodBefore: $mood) { id } }`;
const FEEDBACK = `query($s: ID!) { node(id: $s) { ... on Session {
  feedback(first: 50) { totalCount nodes { id rating moodAfter comment anonymous author { displayName } } }
  feedbackSummary { responses averageRating averageMoodChange suppressed }
} } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on Feedback { rating comment anonymous author { displayName } } } }`;

interface Submitted {
  id: string;
  rating: number;
  moodAfter: number | null;
  comment: string | null;
  anonymous: boolean;
  submittedAt: string;
  author: { id: string } | null;
  session: { id: string };
}
interface SessionFeedback {
  node: {
    feedback: {
      totalCount: number;
      nodes: Array<{
        id: string;
        rating: number;
        moodAfter: number | null;
        comment: string | null;
        anonymous: boolean;
        author: { displayName: string } | null;
      }>;
    };
    feedbackSummary: { responses: number; averageRating: number | null; averageMoodChange: number | null; suppressed: boolean } | null;
  };
}

const submit = (s: string, input: Record<string, unknown>, credential: string) => app.gql<{ submitFeedback: Submitted }>(SUBMIT, { s, input }, credential);
const checkIn = async (s: string, p: Cred, mood?: number) => ok(await app.gql(CHECK_IN, { s, mood }, p.token));
const readFeedback = async (s: string, credential: string) => ok(await app.gql<SessionFeedback>(FEEDBACK, { s }, credential)).node;

/** A LIVE session the given people have checked in to. */
async function liveSessionWith(...people: Cred[]) {
  const s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
  for (const p of people) await checkIn(s.globalId, p);
  return s;
}

describe('submitFeedback', () => {
  test('named feedback by an attendee: stored with the author, who sees their own comment', async () => {
    const s = await liveSessionWith(w.member);
    const res = ok(await submit(s.globalId, { rating: 4, moodAfter: 5, comment: 'Felt heard today.' }, w.member.token)).submitFeedback;
    expect(res).toMatchObject({
      rating: 4,
      moodAfter: 5,
      comment: 'Felt heard today.',
      anonymous: false,
      author: { id: w.member.globalId },
      session: { id: s.globalId },
    });
    const rows = await sql(app, w.net.id, 'SELECT member_id, rating, mood_after, comment FROM feedback WHERE session_id = $1', [s.id]);
    expect(rows).toEqual([{ member_id: w.member.id, rating: 4, mood_after: 5, comment: 'Felt heard today.' }]);
    expect(ok(await app.gql(NODE, { id: res.id }, w.member.token)).node).toEqual({
      rating: 4,
      comment: 'Felt heard today.',
      anonymous: false,
      author: { displayName: 'Mia Member' },
    });
  });

  test('anonymous feedback: stored without an author, the time only to the hour; author null, even for ADMIN', async () => {
    const s = await liveSessionWith(w.member);
    const res = ok(await submit(s.globalId, { rating: 2, moodAfter: 2, comment: 'Too rushed.', anonymous: true }, w.member.token)).submitFeedback;
    expect(res).toMatchObject({ rating: 2, anonymous: true, author: null, comment: null });
    expect(new Date(res.submittedAt).getUTCMinutes()).toBe(0);
    expect(await sql(app, w.net.id, 'SELECT count(*)::int AS n FROM feedback WHERE session_id = $1', [s.id])).toEqual([{ n: 0 }]);
    const [stored] = await sql(app, w.net.id, 'SELECT * FROM anonymous_feedback WHERE session_id = $1', [s.id]);
    expect(Object.values(stored)).not.toContain(w.member.id);
    expect(Object.keys(stored).sort()).toEqual(['comment', 'dedup_key', 'id', 'mood_after', 'network_id', 'rating', 'session_id', 'submitted_at']);

    for (const credential of [w.admin.token, w.facilitator.token, w.keys.all]) {
      const listed = (await readFeedback(s.globalId, credential)).feedback.nodes;
      expect(listed).toEqual([{ id: res.id, rating: 2, moodAfter: 2, comment: 'Too rushed.', anonymous: true, author: null }]);
      expect(ok(await app.gql(NODE, { id: res.id }, credential)).node).toEqual({ rating: 2, comment: 'Too rushed.', anonymous: true, author: null });
    }
    // Not even the author can fetch it back: nothing links it to them.
    expect(ok(await app.gql(NODE, { id: res.id }, w.member.token)).node).toBeNull();
  });

  test('once per member per session: named twice, named then anonymous, anonymous then named, anonymous twice → CONFLICT', async () => {
    const s = await liveSessionWith(w.member, w.member2);
    ok(await submit(s.globalId, { rating: 3 }, w.member.token));
    expectCode(await submit(s.globalId, { rating: 3 }, w.member.token), 'CONFLICT');
    expectCode(await submit(s.globalId, { rating: 3, anonymous: true }, w.member.token), 'CONFLICT');
    ok(await submit(s.globalId, { rating: 5, anonymous: true }, w.member2.token));
    expectCode(await submit(s.globalId, { rating: 5, anonymous: true }, w.member2.token), 'CONFLICT');
    expectCode(await submit(s.globalId, { rating: 5 }, w.member2.token), 'CONFLICT');
    expect((await readFeedback(s.globalId, w.facilitator.token)).feedback.totalCount).toBe(2);
  });

  test('concurrent named and anonymous submissions by one member: exactly one is stored', async () => {
    const s = await liveSessionWith(w.member);
    const results = await Promise.all([
      submit(s.globalId, { rating: 4 }, w.member.token),
      submit(s.globalId, { rating: 4, anonymous: true }, w.member.token),
      submit(s.globalId, { rating: 4 }, w.member.token),
      submit(s.globalId, { rating: 4, anonymous: true }, w.member.token),
    ]);
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0].extensions.code === 'CONFLICT')).toHaveLength(3);
    const [{ n }] = await sql(
      app,
      w.net.id,
      'SELECT (SELECT count(*) FROM feedback WHERE session_id = $1) + (SELECT count(*) FROM anonymous_feedback WHERE session_id = $1) AS n',
      [s.id],
    );
    expect(Number(n)).toBe(1);
  });

  test('before the session is LIVE (and when cancelled): CONFLICT; a COMPLETED session still takes feedback', async () => {
    const early = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 30 });
    await checkIn(early.globalId, w.member);
    expectCode(await submit(early.globalId, { rating: 4 }, w.member.token), 'CONFLICT');
    const cancelled = await insertSession(app, w.net.id, w.group.id, { status: 'CANCELLED' });
    expectCode(await submit(cancelled.globalId, { rating: 4 }, w.member.token), 'CONFLICT');
    const done = await liveSessionWith(w.member);
    await sql(app, w.net.id, `UPDATE sessions SET status = 'COMPLETED' WHERE id = $1`, [done.id]);
    expect(ok(await submit(done.globalId, { rating: 4 }, w.member.token)).submitFeedback.rating).toBe(4);
  });

  test('only attendees: a member who did not check in, or was marked ABSENT, is FORBIDDEN; so is an outsider', async () => {
    const s = await liveSessionWith(w.member);
    expectCode(await submit(s.globalId, { rating: 4 }, w.member2.token), 'FORBIDDEN');
    expectCode(await submit(s.globalId, { rating: 4, anonymous: true }, w.member2.token), 'FORBIDDEN');
    expectCode(await submit(s.globalId, { rating: 4 }, w.outsider.token), 'FORBIDDEN');
    ok(
      await app.gql(
        `mutation($s: ID!, $e: [AttendanceEntryInput!]!) { markAttendance(sessionId: $s, entries: $e) { id } }`,
        { s: s.globalId, e: [{ memberId: w.member2.globalId, status: 'ABSENT' }] },
        w.facilitator.token,
      ),
    );
    expectCode(await submit(s.globalId, { rating: 4 }, w.member2.token), 'FORBIDDEN');
  });

  test('API keys cannot submit feedback (member tokens only)', async () => {
    const s = await liveSessionWith(w.member);
    const res = await submit(s.globalId, { rating: 4 }, w.keys.all);
    expectCode(res, 'FORBIDDEN');
    expect(res.errors![0].message).toMatch(/member token/);
  });

  test('validation: rating 6 and 0, moodAfter 0 and 6, a 2001-character comment → fieldErrors under input', async () => {
    const s = await liveSessionWith(w.member);
    expectFieldErrors(await submit(s.globalId, { rating: 6 }, w.member.token), ['input', 'rating']);
    expectFieldErrors(await submit(s.globalId, { rating: 0, moodAfter: 0 }, w.member.token), ['input', 'rating'], ['input', 'moodAfter']);
    expectFieldErrors(await submit(s.globalId, { rating: 3, moodAfter: 6 }, w.member.token), ['input', 'moodAfter']);
    expectFieldErrors(await submit(s.globalId, { rating: 3, comment: 'x'.repeat(2001) }, w.member.token), ['input', 'comment']);
    expect(ok(await submit(s.globalId, { rating: 3, comment: 'x'.repeat(2000) }, w.member.token)).submitFeedback.comment).toHaveLength(2000);
  });

  test("another network's session: NOT_FOUND; its feedback through node: null", async () => {
    const foreign = await insertSession(app, other.net.id, other.group.id);
    ok(await app.gql(CHECK_IN, { s: foreign.globalId }, other.member.token));
    expectCode(await submit(foreign.globalId, { rating: 4 }, w.member.token), 'NOT_FOUND');
    const theirs = ok(await submit(foreign.globalId, { rating: 4, comment: 'ours' }, other.member.token)).submitFeedback;
    for (const credential of [w.admin.token, w.keys.all]) expect(ok(await app.gql(NODE, { id: theirs.id }, credential)).node).toBeNull();
    expect((await readFeedback(foreign.globalId, other.keys.all)).feedback.totalCount).toBe(1);
  });
});

describe('reading feedback', () => {
  let s: { id: string; globalId: string };
  let named: Submitted;
  beforeAll(async () => {
    s = await liveSessionWith(w.member, w.member2);
    named = ok(await submit(s.globalId, { rating: 5, comment: 'Thank you all' }, w.member.token)).submitFeedback;
    ok(await submit(s.globalId, { rating: 3, comment: 'Hard week', anonymous: true }, w.member2.token));
  });

  test('managers and READ+PERSONAL_DATA keys see all feedback, newest first, with comments and named authors', async () => {
    for (const credential of [w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.readPersonal]) {
      const { feedback } = await readFeedback(s.globalId, credential);
      expect(feedback.totalCount).toBe(2);
      const byRating = Object.fromEntries(feedback.nodes.map((f) => [f.rating, f]));
      expect(byRating[5]).toMatchObject({ comment: 'Thank you all', anonymous: false, author: { displayName: 'Mia Member' } });
      expect(byRating[3]).toMatchObject({ comment: 'Hard week', anonymous: true, author: null });
    }
  });

  test("a plain member sees none of the session's feedback, nor another member's comment; keys without PERSONAL_DATA neither", async () => {
    for (const credential of [w.member.token, w.member2.token, w.outsider.token, w.keys.read]) {
      expect((await readFeedback(s.globalId, credential)).feedback).toEqual({ totalCount: 0, nodes: [] });
    }
    for (const credential of [w.member2.token, w.outsider.token, w.keys.read]) {
      expect(ok(await app.gql(NODE, { id: named.id }, credential)).node).toBeNull();
    }
  });

  test('feedbackSummary: managers and READ keys; null for plain members and keys without READ', async () => {
    const writeOnly = await w.net.key(ApiKeyScope.WRITE);
    for (const credential of [w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.read]) {
      expect((await readFeedback(s.globalId, credential)).feedbackSummary).toEqual({
        responses: 2,
        averageRating: null,
        averageMoodChange: null,
        suppressed: true,
      });
    }
    for (const credential of [w.member.token, w.outsider.token]) expect((await readFeedback(s.globalId, credential)).feedbackSummary).toBeNull();
    const res = await app.gql<SessionFeedback>(
      `query($s: ID!) { node(id: $s) { ... on Session { feedbackSummary { responses } } } }`,
      { s: s.globalId },
      writeOnly,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.node?.feedbackSummary ?? null).toBeNull();
  });
});

describe('feedbackSummary suppression', () => {
  test('4 responses: suppressed, averages null; 5: exact averages (after − before as a difference of averages)', async () => {
    const people = await moreMembers(app, w, 5);
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    const moodsBefore = [1, 2, 2, 3, 2]; // average 2.0
    const ratings = [5, 4, 4, 3, 5]; // average 4.2
    const moodsAfter = [4, 3, 4, 5, 3]; // average 3.8 → change +1.8
    for (const [i, p] of people.entries()) await checkIn(s.globalId, p, moodsBefore[i]);
    for (let i = 0; i < 4; i++) ok(await submit(s.globalId, { rating: ratings[i], moodAfter: moodsAfter[i], anonymous: i % 2 === 0 }, people[i].token));

    const four = (await readFeedback(s.globalId, w.facilitator.token)).feedbackSummary;
    expect(four).toEqual({ responses: 4, averageRating: null, averageMoodChange: null, suppressed: true });

    ok(await submit(s.globalId, { rating: ratings[4], moodAfter: moodsAfter[4], anonymous: true }, people[4].token));
    const five = (await readFeedback(s.globalId, w.facilitator.token)).feedbackSummary;
    expect(five).toEqual({ responses: 5, averageRating: 4.2, averageMoodChange: 1.8, suppressed: false });
    expect((await readFeedback(s.globalId, w.keys.read)).feedbackSummary).toEqual(five);

    // Several sessions in one query: each its own summary.
    const empty = await insertSession(app, w.net.id, w.group.id);
    const both = ok(
      await app.gql<{ nodes: Array<{ feedbackSummary: unknown }> }>(
        `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Session { feedbackSummary { responses suppressed averageRating } } } }`,
        { ids: [s.globalId, empty.globalId] },
        w.coordinator.token,
      ),
    );
    expect(both.nodes).toEqual([
      { feedbackSummary: { responses: 5, suppressed: false, averageRating: 4.2 } },
      { feedbackSummary: { responses: 0, suppressed: true, averageRating: null } },
    ]);
  });
});

describe('anonymous_feedback has no link to a member', () => {
  test('no column is named like member or author, no column references members, no foreign key to members', async () => {
    const columns = await sql<{ column_name: string }>(
      app,
      w.net.id,
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'anonymous_feedback'`,
    );
    const names = columns.map((c) => c.column_name).sort();
    expect(names).toEqual(['comment', 'dedup_key', 'id', 'mood_after', 'network_id', 'rating', 'session_id', 'submitted_at']);
    expect(names.filter((n) => /member|author|user|person/i.test(n))).toEqual([]);

    const referencing = await sql<{ column_name: string }>(
      app,
      w.net.id,
      `SELECT kcu.column_name
       FROM information_schema.referential_constraints rc
       JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema
       JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name AND ccu.constraint_schema = rc.constraint_schema
       WHERE kcu.table_name = 'anonymous_feedback' AND ccu.table_name = 'members'`,
    );
    expect(referencing).toEqual([]);

    const fks = await sql<{ target: string }>(
      app,
      w.net.id,
      `SELECT confrelid::regclass::text AS target FROM pg_constraint WHERE conrelid = 'anonymous_feedback'::regclass AND contype = 'f' ORDER BY 1`,
    );
    expect(fks.map((f) => f.target)).not.toContain('members');
    expect(fks.map((f) => f.target).sort()).toEqual(['networks', 'sessions']);
    // The named table does reference members: the check above is not vacuous.
    const namedFks = await sql<{ target: string }>(
      app,
      w.net.id,
      `SELECT confrelid::regclass::text AS target FROM pg_constraint WHERE conrelid = 'feedback'::regclass AND contype = 'f'`,
    );
    expect(namedFks.map((f) => f.target)).toContain('members');
  });

  test('Feedback IDs of another type or unknown: node → null', async () => {
    expect(ok(await app.gql(NODE, { id: toGlobalId('Feedback', '00000000-0000-4000-8000-000000000000') }, w.admin.token)).node).toBeNull();
  });
});
