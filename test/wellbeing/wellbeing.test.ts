import { toGlobalId } from '../../src/graphql/global-id';
import { startTestApp, type TestApp } from '../helpers/app';
import { createGroup, dbId, expectCode, expectFieldErrors, ok } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app);
  other = await createWorld(app, 'Other network');
  await consent(w.member.token);
});
afterAll(() => app.stop());

const RECORD = `mutation($input: WellbeingInput!) { recordWellbeing(input: $input) { id wellbeing confidence recordedAt session { id } } }`;
const MINE = `query($first: Int, $after: String) { myWellbeing(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id wellbeing confidence session { id } }
} }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on WellbeingCheckIn { wellbeing confidence } } }`;

type Recorded = { recordWellbeing: { id: string; wellbeing: number; confidence: number; recordedAt: string; session: { id: string } | null } };
type Mine = {
  myWellbeing: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string };
    nodes: Array<{ id: string; wellbeing: number; confidence: number; session: { id: string } | null }>;
  };
};

// Recording needs the member's consent (test/privacy/consent.test.ts); these tests give it first.
const consent = async (credential: string) => ok(await app.gql(`mutation { giveConsent(purpose: WELLBEING_TRACKING) { active } }`, {}, credential));
const record = (input: Record<string, unknown>, credential: string) => app.gql<Recorded>(RECORD, { input }, credential);

describe('recordWellbeing and myWellbeing', () => {
  test('a member records check-ins and reads them back, newest first, paged', async () => {
    const p = await w.net.member();
    await consent(p.token);
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'COMPLETED', startsInMinutes: -120 });
    const first = ok(await record({ wellbeing: 4, confidence: 3 }, p.token)).recordWellbeing;
    expect(first).toMatchObject({ wellbeing: 4, confidence: 3, session: null });
    const second = ok(await record({ wellbeing: 7, confidence: 6, sessionId: s.globalId }, p.token)).recordWellbeing;
    expect(second).toMatchObject({ wellbeing: 7, confidence: 6, session: { id: s.globalId } });
    const third = ok(await record({ wellbeing: 10, confidence: 1 }, p.token)).recordWellbeing;

    const all = ok(await app.gql<Mine>(MINE, {}, p.token)).myWellbeing;
    expect(all.totalCount).toBe(3);
    expect(all.nodes.map((n) => n.id)).toEqual([third.id, second.id, first.id]);
    const page1 = ok(await app.gql<Mine>(MINE, { first: 2 }, p.token)).myWellbeing;
    expect(page1.nodes.map((n) => n.id)).toEqual([third.id, second.id]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await app.gql<Mine>(MINE, { first: 2, after: page1.pageInfo.endCursor }, p.token)).myWellbeing;
    expect(page2.nodes).toEqual([{ id: first.id, wellbeing: 4, confidence: 3, session: null }]);

    // Only the own check-ins: another member's list is theirs alone.
    const other = ok(await app.gql<Mine>(MINE, {}, w.member.token)).myWellbeing;
    expect(other.nodes.map((n) => n.id)).not.toContain(first.id);
    const rows = await sql(
      app,
      w.net.id,
      'SELECT member_id, wellbeing, confidence, session_id FROM wellbeing_checkins WHERE member_id = $1 AND session_id IS NOT NULL',
      [p.id],
    );
    expect(rows).toEqual([{ member_id: p.id, wellbeing: 7, confidence: 6, session_id: s.id }]);
  });

  test('API keys: FORBIDDEN for both, even with every scope', async () => {
    const rec = await record({ wellbeing: 5, confidence: 5 }, w.keys.all);
    expectCode(rec, 'FORBIDDEN');
    expect(rec.errors![0].message).toMatch(/member token/);
    expectCode(await app.gql(MINE, {}, w.keys.all), 'FORBIDDEN');
    expectCode(await app.gql(MINE, {}, w.keys.readPersonal), 'FORBIDDEN');
  });

  test("nobody else reads a member's check-in through node: not ADMINs, coordinators, facilitators, or keys", async () => {
    const id = ok(await record({ wellbeing: 2, confidence: 2 }, w.member.token)).recordWellbeing.id;
    expect(ok(await app.gql(NODE, { id }, w.member.token)).node).toEqual({ wellbeing: 2, confidence: 2 });
    for (const credential of [w.admin.token, w.coordinator.token, w.facilitator.token, w.member2.token, w.keys.all, w.keys.readPersonal, other.admin.token]) {
      expect(ok(await app.gql(NODE, { id }, credential)).node).toBeNull();
    }
  });

  test('validation: wellbeing 11 and 0, confidence 11 → fieldErrors under input; a malformed sessionId too', async () => {
    expectFieldErrors(await record({ wellbeing: 11, confidence: 5 }, w.member.token), ['input', 'wellbeing']);
    expectFieldErrors(await record({ wellbeing: 0, confidence: 11 }, w.member.token), ['input', 'wellbeing'], ['input', 'confidence']);
    expectFieldErrors(await record({ wellbeing: 5, confidence: 5, sessionId: 'not-an-id' }, w.member.token), ['input', 'sessionId']);
  });

  test("a session of another network, an unknown one, or a PRIVATE group's the member cannot see: NOT_FOUND", async () => {
    const foreign = await insertSession(app, other.net.id, other.group.id);
    expectCode(await record({ wellbeing: 5, confidence: 5, sessionId: foreign.globalId }, w.member.token), 'NOT_FOUND');
    expectCode(
      await record({ wellbeing: 5, confidence: 5, sessionId: toGlobalId('Session', '00000000-0000-4000-8000-000000000000') }, w.member.token),
      'NOT_FOUND',
    );
    const hidden = await createGroup(app, w.net, { name: 'Private circle', visibility: 'PRIVATE' });
    const hiddenSession = await insertSession(app, w.net.id, dbId(hidden));
    expectCode(await record({ wellbeing: 5, confidence: 5, sessionId: hiddenSession.globalId }, w.member.token), 'NOT_FOUND');
    const [{ n }] = await sql<{ n: number }>(app, w.net.id, 'SELECT count(*)::int AS n FROM wellbeing_checkins WHERE session_id = ANY($1)', [
      [hiddenSession.id],
    ]);
    expect(n).toBe(0);
  });
});
