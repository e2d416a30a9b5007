import { toGlobalId } from '../../src/graphql/global-id';
import { startTestApp, type TestApp } from '../helpers/app';
import { expectCode, expectFieldErrors, ok } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app);
  other = await createWorld(app, 'Other network');
});
afterAll(() => app.stop());

const ADD = `mutation($s: ID!, $text: String!, $anonymous: Boolean) {
  addGratitudeNote(sessionId: $s, text: $text, anonymous: $anonymous) { id text anonymous createdAt author { id displayName } session { id } }
}`;
const LIST = `query($s: ID!, $first: Int, $after: String) { node(id: $s) { ... on Session {
  gratitudeNotes(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { text anonymous author { displayName } } }
} } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on GratitudeNote { text anonymous author { displayName } } } }`;

type Added = {
  addGratitudeNote: {
    id: string;
    text: string;
    anonymous: boolean;
    createdAt: string;
    author: { id: string; displayName: string } | null;
    session: { id: string };
  };
};
type Listed = {
  node: {
    gratitudeNotes: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: Array<{ text: string; anonymous: boolean; author: { displayName: string } | null }>;
    };
  };
};

const add = (s: string, text: string, credential: string, anonymous?: boolean) => app.gql<Added>(ADD, { s, text, anonymous }, credential);
const list = async (s: string, credential: string, vars: Record<string, unknown> = {}) =>
  ok(await app.gql<Listed>(LIST, { s, ...vars }, credential)).node.gratitudeNotes;

describe('addGratitudeNote', () => {
  test('named and anonymous notes; anonymous stores no author', async () => {
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    const named = ok(await add(s.globalId, 'I learned to breathe first.', w.member.token)).addGratitudeNote;
    expect(named).toMatchObject({
      text: 'I learned to breathe first.',
      anonymous: false,
      author: { id: w.member.globalId, displayName: 'Mia Member' },
      session: { id: s.globalId },
    });
    const anon = ok(await add(s.globalId, 'Thanks for listening.', w.member2.token, true)).addGratitudeNote;
    expect(anon).toMatchObject({ text: 'Thanks for listening.', anonymous: true, author: null });
    const rows = await sql(app, w.net.id, 'SELECT text, author_member_id FROM gratitude_notes WHERE session_id = $1 ORDER BY created_at', [s.id]);
    expect(rows).toEqual([
      { text: 'I learned to breathe first.', author_member_id: w.member.id },
      { text: 'Thanks for listening.', author_member_id: null },
    ]);
    // Facilitators may share notes too (they are ACTIVE members); so may a COMPLETED session's members.
    await sql(app, w.net.id, `UPDATE sessions SET status = 'COMPLETED' WHERE id = $1`, [s.id]);
    expect(ok(await add(s.globalId, 'Proud of this group.', w.facilitator.token)).addGratitudeNote.author!.displayName).toBe('Fay Facilitator');
  });

  test('SCHEDULED or CANCELLED session: CONFLICT', async () => {
    for (const status of ['SCHEDULED', 'CANCELLED'] as const) {
      const s = await insertSession(app, w.net.id, w.group.id, { status, startsInMinutes: 30 });
      expectCode(await add(s.globalId, 'Too soon', w.member.token), 'CONFLICT');
    }
  });

  test('only ACTIVE members of the group, through member tokens', async () => {
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    expectCode(await add(s.globalId, 'Hello', w.outsider.token), 'FORBIDDEN');
    expectCode(await add(s.globalId, 'Hello', w.admin.token), 'FORBIDDEN');
    const key = await add(s.globalId, 'Hello', w.keys.all);
    expectCode(key, 'FORBIDDEN');
    expect(key.errors![0].message).toMatch(/member token/);
  });

  test('text of 0 or 501 characters, or blank: fieldErrors [text]', async () => {
    const s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    expectFieldErrors(await add(s.globalId, '', w.member.token), ['text']);
    expectFieldErrors(await add(s.globalId, 'x'.repeat(501), w.member.token), ['text']);
    expectFieldErrors(await add(s.globalId, '   ', w.member.token), ['text']);
    expect(ok(await add(s.globalId, 'x'.repeat(500), w.member.token)).addGratitudeNote.text).toHaveLength(500);
  });

  test("another network's session: NOT_FOUND; its notes through node: null", async () => {
    const foreign = await insertSession(app, other.net.id, other.group.id, { status: 'LIVE' });
    expectCode(await add(foreign.globalId, 'Hi', w.member.token), 'NOT_FOUND');
    const theirs = ok(await add(foreign.globalId, 'Ours', other.member.token)).addGratitudeNote;
    for (const credential of [w.admin.token, w.keys.all]) expect(ok(await app.gql(NODE, { id: theirs.id }, credential)).node).toBeNull();
    expect(ok(await app.gql(NODE, { id: theirs.id }, other.member2.token)).node).toEqual({
      text: 'Ours',
      anonymous: false,
      author: { displayName: 'Mia Member' },
    });
  });
});

describe('Session.gratitudeNotes', () => {
  let s: { id: string; globalId: string };
  let noteId: string;
  beforeAll(async () => {
    s = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
    noteId = ok(await add(s.globalId, 'first', w.member.token)).addGratitudeNote.id;
    ok(await add(s.globalId, 'second', w.member2.token, true));
    ok(await add(s.globalId, 'third', w.facilitator.token));
  });

  test("the group's members, managers and READ+PERSONAL_DATA keys see the notes in the order shared, paged", async () => {
    for (const credential of [w.member.token, w.member2.token, w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.readPersonal]) {
      const notes = await list(s.globalId, credential);
      expect(notes.totalCount).toBe(3);
      expect(notes.nodes).toEqual([
        { text: 'first', anonymous: false, author: { displayName: 'Mia Member' } },
        { text: 'second', anonymous: true, author: null },
        { text: 'third', anonymous: false, author: { displayName: 'Fay Facilitator' } },
      ]);
    }
    const page1 = await list(s.globalId, w.member.token, { first: 2 });
    expect(page1.nodes.map((n) => n.text)).toEqual(['first', 'second']);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = await list(s.globalId, w.member.token, { first: 2, after: page1.pageInfo.endCursor });
    expect(page2.nodes.map((n) => n.text)).toEqual(['third']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  test('anonymous notes have a null author even for ADMIN', async () => {
    const notes = await list(s.globalId, w.admin.token);
    expect(notes.nodes.find((n) => n.text === 'second')!.author).toBeNull();
  });

  test('outsiders and keys without PERSONAL_DATA see an empty list; node(id) is null for them', async () => {
    for (const credential of [w.outsider.token, w.keys.read]) {
      expect(await list(s.globalId, credential)).toMatchObject({ totalCount: 0, nodes: [] });
      expect(ok(await app.gql(NODE, { id: noteId }, credential)).node).toBeNull();
    }
    expect(ok(await app.gql(NODE, { id: noteId }, w.member2.token)).node).toEqual({ text: 'first', anonymous: false, author: { displayName: 'Mia Member' } });
    expect(ok(await app.gql(NODE, { id: toGlobalId('GratitudeNote', '00000000-0000-4000-8000-000000000000') }, w.admin.token)).node).toBeNull();
  });
});
