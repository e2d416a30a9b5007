import { createLogger } from '../../src/config/logger';
import { AppError } from '../../src/graphql/errors';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { createContext } from '../../src/modules/auth/context';
import { Pseudonyms } from '../../src/modules/auth/member-token';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { Membership } from '../../src/modules/memberships/membership.entity';
import { requireCurrentNorms } from '../../src/modules/norms/norms.service';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app';
import { addMember, createGroup, dbId, expectCode, expectLikeUnknown, joinGroup, ok, unknownId, type Cred } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';
import type { Context, ContextDeps } from '../../src/graphql/context';

let app: TestApp;
let w: World;
let other: World;
let deps: ContextDeps;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Norms');
  other = await createWorld(app, 'Other network');
  deps = { dataSource: app.db.dataSource, tokens: app.tokens, pseudonyms: new Pseudonyms(TEST_TOKEN_SECRET), logger: createLogger('silent') };
});
afterAll(() => app.stop());

const UPDATE = `mutation($id: ID!, $norms: [String!]!) { updateGroup(id: $id, input: { norms: $norms }) { id norms normsVersion } }`;
const ACCEPT = `mutation($g: ID!) { acceptNorms(groupId: $g) { id status normsAcceptedAt normsVersionAccepted needsNormsAcceptance } }`;
const MINE = `query($g: ID!) { node(id: $g) { ... on Group { normsVersion viewerMembership { status normsVersionAccepted needsNormsAcceptance } } } }`;
const HISTORY = `query($g: ID!, $first: Int, $after: String) { node(id: $g) { ... on Group {
  normsVersion normsHistory(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id version norms added removed proposedByRole createdAt }
  } } } }`;
const MEMBERS = `query($g: ID!) { node(id: $g) { ... on Group { memberships(first: 50, status: null) { nodes { member { id } status needsNormsAcceptance } } } } }`;
const CHECK_IN = `mutation($s: ID!) { checkIn(sessionId: $s) { id status } }`;
const SET_STATUS = `mutation($id: ID!, $status: MembershipStatus!) { updateMembership(id: $id, status: $status) { id status } }`;
const VIEWER_MEMBERSHIP_ID = `query($g: ID!) { node(id: $g) { ... on Group { viewerMembership { id } } } }`;

type History = {
  node: {
    normsVersion: number;
    normsHistory: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: Array<{ id: string; version: number; norms: string[]; added: string[]; removed: string[]; proposedByRole: string | null; createdAt: string }>;
    };
  } | null;
};

const mine = async (g: string, c: Cred) => ok(await app.gql(MINE, { g }, c.token)).node.viewerMembership;
const history = async (g: string, credential: string) => ok(await app.gql<History>(HISTORY, { g }, credential)).node!.normsHistory;
const membershipId = async (g: string, c: Cred): Promise<string> => ok(await app.gql(VIEWER_MEMBERSHIP_ID, { g }, c.token)).node.viewerMembership.id;

/** Runs `fn` in a request context for `credential`, rolling back. */
async function inRequest<T>(credential: string, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = await createContext(deps, { authorization: 'Bearer ' + credential });
  try {
    return await fn(ctx);
  } finally {
    await ctx.tx.finish('rollback');
  }
}

/** What `requireCurrentNorms` says for this member's membership of the group: 'ok' or the error's code and message. */
async function gate(groupId: string, c: Cred): Promise<string> {
  return inRequest(c.token, async (ctx) => {
    const m = await ctx.manager.getRepository(Membership).findOneByOrFail({ networkId: ctx.networkId, groupId: dbId(groupId), memberId: c.id });
    try {
      await requireCurrentNorms(ctx, m);
      return 'ok';
    } catch (err) {
      if (err instanceof AppError) return `${err.code}: ${err.message}`;
      throw err;
    }
  });
}

describe('a norms change', () => {
  test('flags exactly the ACTIVE members who accepted an older version; accepting clears it; attending works meanwhile', async () => {
    const g = await createGroup(app, w.net, { name: 'Agreement circle', norms: ['Confidentiality', 'Listen without fixing'] });
    const facilitator = await w.net.member();
    await addMember(app, w.net, g, facilitator.globalId, 'FACILITATOR');
    const [a, b, paused, left] = [await w.net.member(), await w.net.member(), await w.net.member(), await w.net.member()];
    for (const c of [a, b, paused, left]) await joinGroup(app, g, c);
    const added = await w.net.member();
    await addMember(app, w.net, g, added.globalId); // never accepted any version
    ok(await app.gql(SET_STATUS, { id: await membershipId(g, paused), status: 'PAUSED' }, paused.token));
    ok(await app.gql(`mutation($g: ID!) { leaveGroup(groupId: $g) { status } }`, { g }, left.token));
    expect(await mine(g, a)).toEqual({ status: 'ACTIVE', normsVersionAccepted: 1, needsNormsAcceptance: false });

    // The facilitator changes the norms: version 2, with what changed.
    const changed = ok(await app.gql(UPDATE, { id: g, norms: ['Confidentiality', ' Speak from your own experience '] }, facilitator.token)).updateGroup;
    expect(changed).toMatchObject({ norms: ['Confidentiality', 'Speak from your own experience'], normsVersion: 2 });
    const h = await history(g, a.token);
    expect(h.totalCount).toBe(2);
    expect(h.nodes.map((v) => v.version)).toEqual([2, 1]);
    expect(h.nodes[0]).toMatchObject({
      norms: ['Confidentiality', 'Speak from your own experience'],
      added: ['Speak from your own experience'],
      removed: ['Listen without fixing'],
      proposedByRole: 'FACILITATOR',
    });
    expect(h.nodes[1]).toMatchObject({ norms: ['Confidentiality', 'Listen without fixing'], added: ['Confidentiality', 'Listen without fixing'], removed: [] });
    expect(h.nodes[1].proposedByRole).toBe('API_KEY'); // createGroup with the admin key

    // Exactly the ACTIVE members who accepted version 1.
    const list = ok(await app.gql(MEMBERS, { g }, w.admin.token)).node.memberships.nodes as Array<{ member: { id: string }; needsNormsAcceptance: boolean }>;
    const flagged = list.filter((m) => m.needsNormsAcceptance).map((m) => m.member.id);
    expect(flagged.sort()).toEqual([a.globalId, b.globalId].sort());
    expect(await mine(g, paused)).toMatchObject({ status: 'PAUSED', needsNormsAcceptance: false });
    expect(await mine(g, added)).toMatchObject({ normsVersionAccepted: null, needsNormsAcceptance: false });

    // The same norms again: no new version, nobody else flagged.
    expect(ok(await app.gql(UPDATE, { id: g, norms: ['Confidentiality', 'Speak from your own experience'] }, facilitator.token)).updateGroup.normsVersion).toBe(
      2,
    );
    expect((await history(g, a.token)).totalCount).toBe(2);

    // Until they accept: they can still attend, but the gate for posting says CONFLICT, naming acceptNorms.
    const s = await insertSession(app, w.net.id, dbId(g), { status: 'LIVE' });
    expect(ok(await app.gql(CHECK_IN, { s: s.globalId }, a.token)).checkIn.status).toBe('PRESENT');
    expect(await gate(g, a)).toBe('CONFLICT: The norms of this group have changed (now version 2): accept them again with acceptNorms(groupId) first');
    expect(await gate(g, added)).toBe('ok');

    // Accepting clears it (once; again changes nothing).
    const accepted = ok(await app.gql(ACCEPT, { g }, a.token)).acceptNorms;
    expect(accepted).toMatchObject({ status: 'ACTIVE', normsVersionAccepted: 2, needsNormsAcceptance: false });
    expect(ok(await app.gql(ACCEPT, { g }, a.token)).acceptNorms).toEqual(accepted);
    expect(await gate(g, a)).toBe('ok');
    expect(await mine(g, b)).toMatchObject({ needsNormsAcceptance: true });

    // A paused member who comes back after the change is flagged then; a member added without accepting may accept.
    ok(await app.gql(SET_STATUS, { id: await membershipId(g, paused), status: 'ACTIVE' }, paused.token));
    expect(await mine(g, paused)).toMatchObject({ status: 'ACTIVE', normsVersionAccepted: 1, needsNormsAcceptance: true });
    expect(ok(await app.gql(ACCEPT, { g }, added.token)).acceptNorms).toMatchObject({ normsVersionAccepted: 2, needsNormsAcceptance: false });

    // Joining again after leaving accepts the current version.
    await joinGroup(app, g, left);
    expect(await mine(g, left)).toMatchObject({ status: 'ACTIVE', normsVersionAccepted: 2, needsNormsAcceptance: false });
  });

  test('the proposer is recorded by role: ADMIN, COORDINATOR, API_KEY; other group changes write no version', async () => {
    const g = await createGroup(app, w.net, { name: 'Roles circle', norms: ['One'] });
    ok(await app.gql(UPDATE, { id: g, norms: ['One', 'Two'] }, w.admin.token));
    ok(await app.gql(UPDATE, { id: g, norms: ['Two'] }, w.coordinator.token));
    ok(await app.gql(UPDATE, { id: g, norms: ['Two', 'Three'] }, w.keys.write));
    ok(await app.gql(`mutation($id: ID!) { updateGroup(id: $id, input: { name: "Renamed circle" }) { normsVersion } }`, { id: g }, w.admin.token));
    const h = await history(g, w.admin.token);
    expect(h.nodes.map((v) => [v.version, v.proposedByRole])).toEqual([
      [4, 'API_KEY'],
      [3, 'COORDINATOR'],
      [2, 'ADMIN'],
      [1, 'API_KEY'],
    ]);
    // Paged, newest first.
    const page1 = ok(await app.gql<History>(HISTORY, { g, first: 3 }, w.admin.token)).node!.normsHistory;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await app.gql<History>(HISTORY, { g, first: 3, after: page1.pageInfo.endCursor }, w.admin.token)).node!.normsHistory;
    expect(page2.nodes.map((v) => v.version)).toEqual([1]);
    // The proposer's member id is kept for the record (not shown); versions are append-only for the app role.
    const rows = await sql<{ proposed_by_member_id: string | null }>(
      app,
      w.net.id,
      'SELECT proposed_by_member_id FROM group_norms_versions WHERE group_id = $1 AND version = 2',
      [dbId(g)],
    );
    expect(rows).toEqual([{ proposed_by_member_id: w.admin.id }]);
  });

  test('who may change the norms and read the history', async () => {
    const g = w.group.globalId;
    expectCode(await app.gql(UPDATE, { id: g, norms: ['Nope'] }, w.member.token), 'FORBIDDEN');
    expectCode(await app.gql(UPDATE, { id: g, norms: ['Nope'] }, w.keys.read), 'FORBIDDEN');
    expect((await history(g, w.admin.token)).totalCount).toBe(1);
    for (const credential of [w.member.token, w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.read]) {
      expect((await history(g, credential)).nodes.map((v) => v.version)).toEqual([1]);
    }
    // Outsiders see the group and its current norms, not the history; a key without READ neither.
    expect(await history(g, w.outsider.token)).toMatchObject({ totalCount: 0, nodes: [] });
    const writeOnly = await w.net.key(ApiKeyScope.WRITE);
    expect(await history(g, writeOnly)).toMatchObject({ totalCount: 0, nodes: [] });
    // A version by node: for those who read the history only.
    const versionId = (await history(g, w.member.token)).nodes[0].id;
    const NODE = `query($id: ID!) { node(id: $id) { ... on GroupNormsVersion { version } } }`;
    expect(ok(await app.gql(NODE, { id: versionId }, w.member.token)).node).toEqual({ version: 1 });
    expect(ok(await app.gql(NODE, { id: versionId }, w.outsider.token)).node).toBeNull();
    expect(ok(await app.gql(NODE, { id: versionId }, other.admin.token)).node).toBeNull();
    expect(ok(await app.gql(NODE, { id: versionId }, other.keys.all)).node).toBeNull();
  });

  test('acceptNorms: member tokens, own membership; API keys FORBIDDEN; not a member NOT_FOUND; left CONFLICT', async () => {
    expectCode(await app.gql(ACCEPT, { g: w.group.globalId }, w.keys.all), 'FORBIDDEN');
    expectCode(await app.gql(ACCEPT, { g: w.group.globalId }, w.outsider.token), 'NOT_FOUND', /Membership/);
    const leaver = await w.net.member();
    await joinGroup(app, w.group.globalId, leaver);
    ok(await app.gql(`mutation($g: ID!) { leaveGroup(groupId: $g) { status } }`, { g: w.group.globalId }, leaver.token));
    expectCode(await app.gql(ACCEPT, { g: w.group.globalId }, leaver.token), 'CONFLICT', /joinGroup/);
    // A PRIVATE group the member cannot see: NOT_FOUND like an unknown group.
    const hidden = await createGroup(app, w.net, { name: 'Hidden circle', visibility: 'PRIVATE' });
    await expectLikeUnknown(app, ACCEPT, { g: hidden }, { g: unknownId('Group') }, w.member.token);
  });
});

describe('across networks', () => {
  test("another network's group: acceptNorms and updateGroup's norms answer like an unknown group; nothing changes", async () => {
    const foreign = other.group.globalId;
    await expectLikeUnknown(app, ACCEPT, { g: foreign }, { g: unknownId('Group') }, w.member.token);
    await expectLikeUnknown(app, UPDATE, { id: foreign, norms: ['Taken over'] }, { id: unknownId('Group'), norms: ['Taken over'] }, w.admin.token);
    await expectLikeUnknown(app, UPDATE, { id: foreign, norms: ['Taken over'] }, { id: unknownId('Group'), norms: ['Taken over'] }, w.keys.all);
    expect(ok(await app.gql<History>(HISTORY, { g: foreign }, w.admin.token)).node).toBeNull();
    expect(ok(await app.gql<History>(HISTORY, { g: foreign }, w.keys.all)).node).toBeNull();
    const [{ n }] = await sql<{ n: number }>(app, other.net.id, 'SELECT count(*)::int AS n FROM group_norms_versions WHERE group_id = $1', [other.group.id]);
    expect(n).toBe(1);
  });

  test('row-level security: a request of one network sees none of the other’s versions', async () => {
    await inRequest(w.keys.all, async (ctx) => {
      const rows: Array<{ network_id: string }> = await ctx.manager.query('SELECT network_id FROM group_norms_versions');
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.network_id))).toEqual(new Set([w.net.id]));
    });
  });
});

test('a network role change does not matter: a MEMBER who facilitates proposes as FACILITATOR', async () => {
  const g = await createGroup(app, w.net, { name: 'Facilitated circle', norms: ['A'] });
  const f = await w.net.member(NetworkRole.MEMBER);
  await addMember(app, w.net, g, f.globalId, 'FACILITATOR');
  ok(await app.gql(UPDATE, { id: g, norms: ['B'] }, f.token));
  expect((await history(g, f.token)).nodes[0]).toMatchObject({ version: 2, proposedByRole: 'FACILITATOR', added: ['B'], removed: ['A'] });
});
