import { withTenant } from '../../src/db/tenant';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, type Cred, dbId, expectCode, expectFieldErrors, ok } from '../helpers/gql';

/** Memberships through the API: joinGroup, addMember, updateMembership, leaveGroup, the member lists, engagement. */

let app: TestApp;
let net: TestNetwork;
let other: TestNetwork;
let coord: Cred;
let admin: Cred;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app, 'Memberships Network');
  other = await createTestNetwork(app, 'Other Network');
  coord = await net.member(NetworkRole.COORDINATOR, { displayName: 'Cora Coordinator' });
  admin = await net.member(NetworkRole.ADMIN, { displayName: 'Ada Admin' });
});
afterAll(() => app.stop());

const M_FIELDS = 'id role status joinedAt normsAcceptedAt leftAt engagement group { id } member { id displayName }';
const JOIN = `mutation($g: ID!, $accept: Boolean!) { joinGroup(groupId: $g, acceptNorms: $accept) { ${M_FIELDS} } }`;
const ADD = `mutation($g: ID!, $m: ID!, $role: GroupRole) { addMember(groupId: $g, memberId: $m, role: $role) { ${M_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $role: GroupRole, $status: MembershipStatus) { updateMembership(id: $id, role: $role, status: $status) { ${M_FIELDS} } }`;
const LEAVE = `mutation($g: ID!) { leaveGroup(groupId: $g) { ${M_FIELDS} } }`;
const ARCHIVE = `mutation($id: ID!) { archiveGroup(id: $id) { archived } }`;
const GROUP = `query($id: ID!) { node(id: $id) { ... on Group { name memberCount viewerMembership { ${M_FIELDS} } } } }`;
const MEMBERSHIP_NODE = `query($id: ID!) { node(id: $id) { ... on Membership { ${M_FIELDS} } } }`;
const LIST = `query($id: ID!, $role: GroupRole, $status: MembershipStatus, $first: Int, $after: String) {
  node(id: $id) { ... on Group {
    memberships(role: $role, status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id role status engagement member { id displayName email } }
    }
  } }
}`;

interface M {
  id: string;
  role: string;
  status: string;
  joinedAt: string;
  normsAcceptedAt: string | null;
  leftAt: string | null;
  engagement: string;
  group: { id: string };
  member: { id: string; displayName: string };
}
interface ListPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: Array<{ id: string; role: string; status: string; engagement: string; member: { id: string; displayName: string; email: string | null } }>;
}

const recent = (iso: string | null) => {
  expect(iso).not.toBeNull();
  expect(Math.abs(new Date(iso!).getTime() - Date.now())).toBeLessThan(60_000);
};

const join = async (groupId: string, cred: string) => app.gql<{ joinGroup: M }>(JOIN, { g: groupId, accept: true }, cred);
const add = async (groupId: string, memberGlobalId: string, cred: string, role?: string) =>
  app.gql<{ addMember: M }>(ADD, { g: groupId, m: memberGlobalId, role }, cred);

/** The group with its counts as an all-scopes key sees it. */
async function groupAs(cred: string, groupId: string) {
  return ok(await app.gql<{ node: { name: string; memberCount: number; viewerMembership: M | null } | null }>(GROUP, { id: groupId }, cred)).node;
}
/** A membership as the network's all-scopes key sees it. */
async function membershipAsKey(n: TestNetwork, id: string): Promise<M> {
  return ok(await app.gql<{ node: M }>(MEMBERSHIP_NODE, { id }, n.adminKey)).node;
}
async function list(cred: string, groupId: string, vars: Record<string, unknown> = {}): Promise<ListPage> {
  const node = ok(await app.gql<{ node: { memberships: ListPage } | null }>(LIST, { id: groupId, ...vars }, cred)).node;
  return node!.memberships;
}

describe('joinGroup', () => {
  let group: string;
  beforeAll(async () => {
    group = await createGroup(app, net, { name: 'Join Me' });
  });

  test('a member joins, accepting the norms: ACTIVE MEMBER, norms acceptance recorded, NEW', async () => {
    const m = await net.member(NetworkRole.MEMBER, { displayName: 'Jo Joiner' });
    const joined = ok(await join(group, m.token)).joinGroup;
    expect(joined).toMatchObject({
      role: 'MEMBER',
      status: 'ACTIVE',
      leftAt: null,
      engagement: 'NEW',
      group: { id: group },
      member: { id: m.globalId, displayName: 'Jo Joiner' },
    });
    recent(joined.joinedAt);
    recent(joined.normsAcceptedAt);
    expect(Buffer.from(joined.id, 'base64url').toString()).toMatch(/^Membership:/);
    // Read back, by the member and by the key.
    expect((await groupAs(m.token, group))!.viewerMembership).toEqual(joined);
    expect(await membershipAsKey(net, joined.id)).toEqual(joined);
  });

  test('coordinators and admins may join as members too', async () => {
    expect(ok(await join(group, coord.token)).joinGroup).toMatchObject({ role: 'MEMBER', status: 'ACTIVE' });
    expect(ok(await join(group, admin.token)).joinGroup).toMatchObject({ role: 'MEMBER', status: 'ACTIVE' });
  });

  test('acceptNorms false: BAD_USER_INPUT on [acceptNorms], nothing written', async () => {
    const m = await net.member();
    const res = await app.gql(JOIN, { g: group, accept: false }, m.token);
    expectFieldErrors(res, ['acceptNorms']);
    expect((await groupAs(m.token, group))!.viewerMembership).toBeNull();
  });

  test('joining twice is CONFLICT; the membership is unchanged', async () => {
    const m = await net.member();
    const first = ok(await join(group, m.token)).joinGroup;
    expectCode(await join(group, m.token), 'CONFLICT');
    expect(await membershipAsKey(net, first.id)).toEqual(first);
  });

  test('two parallel joins by the same member: one succeeds, the other is CONFLICT', async () => {
    const m = await net.member();
    const results = await Promise.all([join(group, m.token), join(group, m.token)]);
    const codes = results.map((r) => r.errors?.[0].extensions.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
  });

  test('an archived group: BAD_USER_INPUT on [groupId]', async () => {
    const g = await createGroup(app, net, { name: 'Archived one' });
    ok(await app.gql(ARCHIVE, { id: g }, net.adminKey));
    expectFieldErrors(await join(g, (await net.member()).token), ['groupId']);
    expect((await groupAs(net.adminKey, g))!.memberCount).toBe(0);
  });

  test('API keys, even with every scope, are FORBIDDEN', async () => {
    for (const key of [net.adminKey, await net.key(ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA)]) {
      const err = expectCode(await join(group, key), 'FORBIDDEN');
      expect(err.message).toMatch(/member token/);
    }
  });

  test('unknown, foreign and malformed group IDs', async () => {
    const m = await net.member();
    expectCode(await join(Buffer.from('Group:00000000-0000-4000-8000-000000000000').toString('base64url'), m.token), 'NOT_FOUND');
    expectCode(await join(await createGroup(app, other), m.token), 'NOT_FOUND');
    expectCode(await join(m.globalId, m.token), 'NOT_FOUND');
    expectFieldErrors(await join('garbage', m.token), ['groupId']);
  });

  test('leave and rejoin: the same membership is ACTIVE again, with a new joinedAt and norms acceptance', async () => {
    const m = await net.member();
    const first = ok(await join(group, m.token)).joinGroup;
    const left = ok(await app.gql<{ leaveGroup: M }>(LEAVE, { g: group }, m.token)).leaveGroup;
    expect(left).toMatchObject({ id: first.id, status: 'LEFT' });
    recent(left.leftAt);
    await new Promise((r) => setTimeout(r, 20));
    const again = ok(await join(group, m.token)).joinGroup;
    expect(again).toMatchObject({ id: first.id, status: 'ACTIVE', role: 'MEMBER', leftAt: null });
    expect(new Date(again.joinedAt).getTime()).toBeGreaterThan(new Date(first.joinedAt).getTime());
    expect(new Date(again.normsAcceptedAt!).getTime()).toBeGreaterThan(new Date(first.normsAcceptedAt!).getTime());
  });

  test('a paused member joining again becomes ACTIVE', async () => {
    const m = await net.member();
    const first = ok(await join(group, m.token)).joinGroup;
    ok(await app.gql(UPDATE, { id: first.id, status: 'PAUSED' }, m.token));
    expect(ok(await join(group, m.token)).joinGroup).toMatchObject({ id: first.id, status: 'ACTIVE' });
  });
});

describe('joinGroup and PRIVATE groups', () => {
  let g: string;
  beforeAll(async () => {
    g = await createGroup(app, net, { name: 'Private joins', visibility: 'PRIVATE' });
  });

  test('a plain member cannot find it to join (NOT_FOUND); coordinators and admins can join it', async () => {
    expectCode(await join(g, (await net.member()).token), 'NOT_FOUND');
    expect(ok(await join(g, coord.token)).joinGroup).toMatchObject({ status: 'ACTIVE', role: 'MEMBER' });
    expect(ok(await join(g, admin.token)).joinGroup).toMatchObject({ status: 'ACTIVE', role: 'MEMBER' });
  });

  test('a paused member of it may join again; one who left cannot find it any more', async () => {
    const [p, l] = [await net.member(), await net.member()];
    const pm = ok(await add(g, p.globalId, net.adminKey)).addMember;
    ok(await add(g, l.globalId, net.adminKey));
    ok(await app.gql(UPDATE, { id: pm.id, status: 'PAUSED' }, p.token));
    expect(ok(await join(g, p.token)).joinGroup).toMatchObject({ id: pm.id, status: 'ACTIVE' });
    expectCode(await join(g, p.token), 'CONFLICT');
    ok(await app.gql(LEAVE, { g }, l.token));
    expectCode(await join(g, l.token), 'NOT_FOUND');
    expectCode(await app.gql(LEAVE, { g }, l.token), 'NOT_FOUND');
    expect(await groupAs(l.token, g)).toBeNull();
  });
});

describe('capacity', () => {
  test('a full group is CONFLICT; only ACTIVE members take places', async () => {
    const g = await createGroup(app, net, { name: 'Tiny', capacity: 2 });
    const [a, b, c] = [await net.member(), await net.member(), await net.member()];
    const ma = ok(await join(g, a.token)).joinGroup;
    ok(await join(g, b.token));
    const err = expectCode(await join(g, c.token), 'CONFLICT');
    expect(err.message).toMatch(/full/);
    // addMember respects capacity too.
    expectCode(await add(g, c.globalId, net.adminKey), 'CONFLICT');
    expect((await groupAs(net.adminKey, g))!.memberCount).toBe(2);
    // A pause frees a place; resuming into a full group is CONFLICT.
    ok(await app.gql(UPDATE, { id: ma.id, status: 'PAUSED' }, a.token));
    ok(await join(g, c.token));
    expectCode(await app.gql(UPDATE, { id: ma.id, status: 'ACTIVE' }, a.token), 'CONFLICT');
    expect((await membershipAsKey(net, ma.id)).status).toBe('PAUSED');
    // Raising the capacity lets them back.
    ok(await app.gql(`mutation($id: ID!) { updateGroup(id: $id, input: { capacity: 3 }) { capacity } }`, { id: g }, net.adminKey));
    expect(ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: ma.id, status: 'ACTIVE' }, a.token)).updateMembership.status).toBe('ACTIVE');
    expect((await groupAs(net.adminKey, g))!.memberCount).toBe(3);
  });

  test('8 parallel joins for the last place: exactly one gets it', async () => {
    const g = await createGroup(app, net, { name: 'Last place', capacity: 3 });
    ok(await join(g, (await net.member()).token));
    ok(await join(g, (await net.member()).token));
    const racers: Cred[] = [];
    for (let i = 0; i < 8; i++) racers.push(await net.member());
    const results = await Promise.all(racers.map((r) => join(g, r.token)));
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) expect(r.errors![0].extensions.code).toBe('CONFLICT');
    expect((await groupAs(net.adminKey, g))!.memberCount).toBe(3);
    expect((await list(net.adminKey, g)).totalCount).toBe(3);
  });
});

describe('addMember', () => {
  let group: string;
  let fac: Cred;
  let plain: Cred;
  let otherFac: Cred;
  beforeAll(async () => {
    group = await createGroup(app, net, { name: 'Add To Me' });
    const otherGroup = await createGroup(app, net, { name: 'Elsewhere' });
    fac = await net.member(NetworkRole.MEMBER, { displayName: 'Fay Facilitator' });
    plain = await net.member(NetworkRole.MEMBER, { displayName: 'Pia Plain' });
    otherFac = await net.member(NetworkRole.MEMBER, { displayName: 'Otto Other' });
    ok(await add(group, fac.globalId, coord.token, 'FACILITATOR'));
    ok(await join(group, plain.token));
    ok(await add(otherGroup, otherFac.globalId, coord.token, 'FACILITATOR'));
  });

  test('a coordinator adds a FACILITATOR: no norms accepted yet', async () => {
    const m = await net.member(NetworkRole.MEMBER, { displayName: 'New Fac' });
    const added = ok(await add(group, m.globalId, coord.token, 'FACILITATOR')).addMember;
    expect(added).toMatchObject({
      role: 'FACILITATOR',
      status: 'ACTIVE',
      normsAcceptedAt: null,
      member: { id: m.globalId, displayName: 'New Fac' },
      group: { id: group },
    });
    recent(added.joinedAt);
  });

  test('the facilitator, an admin, and a key with WRITE and PERSONAL_DATA add members (role MEMBER by default)', async () => {
    const creds = [fac.token, admin.token, await net.key(ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA)];
    for (const cred of creds) {
      const m = await net.member();
      expect(ok(await add(group, m.globalId, cred)).addMember).toMatchObject({ role: 'MEMBER', status: 'ACTIVE', member: { id: m.globalId } });
    }
  });

  test('a plain member, a facilitator of another group, and keys with WRITE alone are FORBIDDEN; nothing written', async () => {
    const target = await net.member();
    const creds = [plain.token, otherFac.token, target.token, await net.key(ApiKeyScope.WRITE), await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA)];
    for (const cred of creds) expectCode(await add(group, target.globalId, cred), 'FORBIDDEN');
    expect((await list(net.adminKey, group)).nodes.map((n) => n.member.id)).not.toContain(target.globalId);
  });

  test("another network's member or group: NOT_FOUND", async () => {
    const foreignMember = await other.member();
    const foreignGroup = await createGroup(app, other);
    expectCode(await add(group, foreignMember.globalId, coord.token), 'NOT_FOUND');
    expectCode(await add(group, foreignMember.globalId, net.adminKey), 'NOT_FOUND');
    expectCode(await add(foreignGroup, (await net.member()).globalId, net.adminKey), 'NOT_FOUND');
    expectFieldErrors(await add(group, 'garbage', net.adminKey), ['memberId']);
    // The foreign group is untouched.
    expect((await groupAs(other.adminKey, foreignGroup))!.memberCount).toBe(0);
  });

  test('an already ACTIVE member: CONFLICT; an archived group: BAD_USER_INPUT', async () => {
    expectCode(await add(group, plain.globalId, coord.token), 'CONFLICT');
    const g = await createGroup(app, net, { name: 'Archived for add' });
    ok(await app.gql(ARCHIVE, { id: g }, net.adminKey));
    expectFieldErrors(await add(g, plain.globalId, coord.token), ['groupId']);
  });

  test('adding to a PRIVATE group works, and the added member then sees the group', async () => {
    const g = await createGroup(app, net, { name: 'Hidden Circle', visibility: 'PRIVATE' });
    const m = await net.member();
    expect(await groupAs(m.token, g)).toBeNull();
    ok(await add(g, m.globalId, net.adminKey));
    expect(await groupAs(m.token, g)).toMatchObject({ name: 'Hidden Circle', memberCount: 1, viewerMembership: { status: 'ACTIVE', role: 'MEMBER' } });
  });

  test('re-adding a member who left reactivates the same membership with the new role', async () => {
    const m = await net.member();
    const first = ok(await join(group, m.token)).joinGroup;
    ok(await app.gql(LEAVE, { g: group }, m.token));
    const again = ok(await add(group, m.globalId, coord.token, 'FACILITATOR')).addMember;
    expect(again).toMatchObject({ id: first.id, role: 'FACILITATOR', status: 'ACTIVE', leftAt: null });
    // Their old norms acceptance is kept.
    expect(again.normsAcceptedAt).toBe(first.normsAcceptedAt);
  });
});

describe('updateMembership and leaveGroup', () => {
  let group: string;
  let fac: Cred;
  let alice: Cred;
  let bob: Cred;
  let outsider: Cred;
  let aliceM: M;
  let bobM: M;
  beforeEach(async () => {
    group = await createGroup(app, net, { name: 'Update Me' });
    fac = await net.member(NetworkRole.MEMBER, { displayName: 'Fay' });
    alice = await net.member(NetworkRole.MEMBER, { displayName: 'Alice' });
    bob = await net.member(NetworkRole.MEMBER, { displayName: 'Bob' });
    outsider = await net.member(NetworkRole.MEMBER, { displayName: 'Outsider' });
    ok(await add(group, fac.globalId, net.adminKey, 'FACILITATOR'));
    aliceM = ok(await join(group, alice.token)).joinGroup;
    bobM = ok(await join(group, bob.token)).joinGroup;
  });

  test('a coordinator promotes a member to FACILITATOR, who can then edit the group', async () => {
    expectCode(await app.gql(`mutation($id: ID!) { updateGroup(id: $id, input: { name: "x" }) { name } }`, { id: group }, alice.token), 'FORBIDDEN');
    const m = ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: aliceM.id, role: 'FACILITATOR' }, coord.token)).updateMembership;
    expect(m).toMatchObject({ id: aliceM.id, role: 'FACILITATOR', status: 'ACTIVE' });
    const upd = ok(
      await app.gql<{ updateGroup: { name: string } }>(
        `mutation($id: ID!) { updateGroup(id: $id, input: { name: "Renamed" }) { name } }`,
        { id: group },
        alice.token,
      ),
    );
    expect(upd.updateGroup.name).toBe('Renamed');
  });

  test("the group's facilitator and a key with READ, WRITE and PERSONAL_DATA change roles and statuses", async () => {
    expect(ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: bobM.id, role: 'FACILITATOR' }, fac.token)).updateMembership.role).toBe('FACILITATOR');
    const key = await net.key(ApiKeyScope.READ, ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA);
    expect(ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: bobM.id, role: 'MEMBER', status: 'PAUSED' }, key)).updateMembership).toMatchObject({
      role: 'MEMBER',
      status: 'PAUSED',
    });
    expect(await membershipAsKey(net, bobM.id)).toMatchObject({ role: 'MEMBER', status: 'PAUSED' });
  });

  test('a key with WRITE and PERSONAL_DATA (as documented, the scopes addMember needs) changes a membership it added', async () => {
    // The schema says "API keys with WRITE and PERSONAL_DATA may change role and status", and such a key can
    // addMember (and reads the membership back from it); updateMembership must not then say NOT_FOUND.
    const key = await net.key(ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA);
    const m = await net.member();
    const added = ok(await add(group, m.globalId, key)).addMember;
    const res = await app.gql<{ updateMembership: M }>(UPDATE, { id: added.id, role: 'FACILITATOR' }, key);
    expect(ok(res).updateMembership).toMatchObject({ id: added.id, role: 'FACILITATOR' });
  });

  test('a member pauses and resumes themself; leaving through updateMembership records leftAt', async () => {
    const paused = ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: aliceM.id, status: 'PAUSED' }, alice.token)).updateMembership;
    expect(paused).toMatchObject({ status: 'PAUSED', role: 'MEMBER', engagement: 'INACTIVE', leftAt: null });
    expect((await groupAs(net.adminKey, group))!.memberCount).toBe(2);
    expect(ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: aliceM.id, status: 'ACTIVE' }, alice.token)).updateMembership.status).toBe('ACTIVE');
    const left = ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: aliceM.id, status: 'LEFT' }, alice.token)).updateMembership;
    expect(left.status).toBe('LEFT');
    recent(left.leftAt);
  });

  test('a member who left cannot resume through updateMembership (CONFLICT: joinGroup, accepting the norms); a facilitator can reactivate them', async () => {
    ok(await app.gql(LEAVE, { g: group }, alice.token));
    const res = await app.gql(UPDATE, { id: aliceM.id, status: 'ACTIVE' }, alice.token);
    expect(res.errors?.[0].extensions.code).toBe('CONFLICT');
    expect(res.errors?.[0].message).toMatch(/joinGroup/);
    expect(ok(await app.gql<{ node: M }>(MEMBERSHIP_NODE, { id: aliceM.id }, alice.token)).node.status).toBe('LEFT');
    expect(ok(await app.gql<{ updateMembership: M }>(UPDATE, { id: aliceM.id, status: 'ACTIVE' }, fac.token)).updateMembership.status).toBe('ACTIVE');
  });

  test('a member cannot change their own role: FORBIDDEN, nothing changed', async () => {
    expectCode(await app.gql(UPDATE, { id: aliceM.id, role: 'FACILITATOR' }, alice.token), 'FORBIDDEN');
    expectCode(await app.gql(UPDATE, { id: aliceM.id, role: 'FACILITATOR', status: 'PAUSED' }, alice.token), 'FORBIDDEN');
    expect(await membershipAsKey(net, aliceM.id)).toMatchObject({ role: 'MEMBER', status: 'ACTIVE' });
  });

  test("a co-member changing someone else's membership is FORBIDDEN; a non-member gets NOT_FOUND; nothing changed", async () => {
    expectCode(await app.gql(UPDATE, { id: aliceM.id, status: 'PAUSED' }, bob.token), 'FORBIDDEN');
    expectCode(await app.gql(UPDATE, { id: aliceM.id, role: 'MEMBER' }, bob.token), 'FORBIDDEN');
    expectCode(await app.gql(UPDATE, { id: aliceM.id, status: 'LEFT' }, outsider.token), 'NOT_FOUND');
    expectCode(await app.gql(UPDATE, { id: aliceM.id, role: 'FACILITATOR' }, outsider.token), 'NOT_FOUND');
    expect(await membershipAsKey(net, aliceM.id)).toEqual(aliceM);
  });

  test('keys without PERSONAL_DATA cannot see the membership (NOT_FOUND); READ+PERSONAL_DATA without WRITE is FORBIDDEN', async () => {
    expectCode(await app.gql(UPDATE, { id: aliceM.id, status: 'PAUSED' }, await net.key(ApiKeyScope.WRITE)), 'NOT_FOUND');
    expectCode(await app.gql(UPDATE, { id: aliceM.id, status: 'PAUSED' }, await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA)), 'FORBIDDEN');
    expect(await membershipAsKey(net, aliceM.id)).toEqual(aliceM);
  });

  test('unknown and malformed membership IDs', async () => {
    expectCode(
      await app.gql(UPDATE, { id: Buffer.from('Membership:00000000-0000-4000-8000-000000000000').toString('base64url'), status: 'PAUSED' }, net.adminKey),
      'NOT_FOUND',
    );
    expectCode(await app.gql(UPDATE, { id: group, status: 'PAUSED' }, net.adminKey), 'NOT_FOUND');
    expectFieldErrors(await app.gql(UPDATE, { id: 'garbage', status: 'PAUSED' }, net.adminKey), ['id']);
  });

  test('leaveGroup: LEFT with leftAt; not a member → NOT_FOUND; twice → CONFLICT; API key → FORBIDDEN', async () => {
    const left = ok(await app.gql<{ leaveGroup: M }>(LEAVE, { g: group }, alice.token)).leaveGroup;
    expect(left).toMatchObject({ id: aliceM.id, status: 'LEFT', engagement: 'INACTIVE' });
    recent(left.leftAt);
    expect((await groupAs(net.adminKey, group))!.memberCount).toBe(2);
    expectCode(await app.gql(LEAVE, { g: group }, alice.token), 'CONFLICT');
    expectCode(await app.gql(LEAVE, { g: group }, outsider.token), 'NOT_FOUND');
    expectCode(await app.gql(LEAVE, { g: group }, net.adminKey), 'FORBIDDEN');
    expectCode(await app.gql(LEAVE, { g: await createGroup(app, other) }, bob.token), 'NOT_FOUND');
    expect((await membershipAsKey(net, bobM.id)).status).toBe('ACTIVE');
  });

  test('a paused member may leave', async () => {
    ok(await app.gql(UPDATE, { id: bobM.id, status: 'PAUSED' }, bob.token));
    expect(ok(await app.gql<{ leaveGroup: M }>(LEAVE, { g: group }, bob.token)).leaveGroup.status).toBe('LEFT');
  });
});

describe('member lists', () => {
  let n: TestNetwork;
  let group: string;
  let privateGroup: string;
  let zoe: Cred;
  let anna: Cred;
  let ben: Cred;
  let carl: Cred;
  let dora: Cred;
  let outsider: Cred;
  beforeAll(async () => {
    n = await createTestNetwork(app);
    group = await createGroup(app, n, { name: 'Listed' });
    privateGroup = await createGroup(app, n, { name: 'Listed Private', visibility: 'PRIVATE' });
    zoe = await n.member(NetworkRole.MEMBER, { displayName: 'Zoe', email: 'zoe@example.org' });
    anna = await n.member(NetworkRole.MEMBER, { displayName: 'Anna', email: 'anna@example.org' });
    ben = await n.member(NetworkRole.MEMBER, { displayName: 'Ben', email: 'ben@example.org' });
    carl = await n.member(NetworkRole.MEMBER, { displayName: 'Carl', email: 'carl@example.org' });
    dora = await n.member(NetworkRole.MEMBER, { displayName: 'Dora', email: 'dora@example.org' });
    outsider = await n.member(NetworkRole.MEMBER, { displayName: 'Outsider' });
    ok(await add(group, zoe.globalId, n.adminKey, 'FACILITATOR'));
    for (const m of [ben, anna, carl, dora]) ok(await join(group, m.token));
    const carlM = (await groupAs(carl.token, group))!.viewerMembership!;
    ok(await app.gql(UPDATE, { id: carlM.id, status: 'PAUSED' }, carl.token));
    ok(await app.gql(LEAVE, { g: group }, dora.token));
    ok(await add(privateGroup, anna.globalId, n.adminKey));
  });
  const names = (p: ListPage) => p.nodes.map((x) => x.member.displayName);

  test('members of the group see the whole list: facilitators first, then by join time (longest-standing first); LEFT excluded by default', async () => {
    for (const cred of [anna.token, ben.token, zoe.token]) {
      const p = await list(cred, group);
      expect(names(p)).toEqual(['Zoe', 'Ben', 'Anna', 'Carl']);
      expect(p.totalCount).toBe(4);
      expect(p.nodes.map((x) => [x.role, x.status])).toEqual([
        ['FACILITATOR', 'ACTIVE'],
        ['MEMBER', 'ACTIVE'],
        ['MEMBER', 'ACTIVE'],
        ['MEMBER', 'PAUSED'],
      ]);
    }
  });

  test('co-members see display names but not emails (only their own)', async () => {
    const p = await list(anna.token, group);
    expect(p.nodes.map((x) => x.member.email)).toEqual([null, null, 'anna@example.org', null]);
  });

  test('coordinators, admins and keys with READ and PERSONAL_DATA see all; admins and the key see emails', async () => {
    const c = await n.member(NetworkRole.COORDINATOR);
    const a = await n.member(NetworkRole.ADMIN);
    for (const cred of [c.token, a.token, await n.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA), n.adminKey]) {
      expect(names(await list(cred, group))).toEqual(['Zoe', 'Ben', 'Anna', 'Carl']);
    }
    expect((await list(a.token, group)).nodes[0].member.email).toBe('zoe@example.org');
  });

  test('role and status filters, and pagination', async () => {
    expect(names(await list(anna.token, group, { role: 'FACILITATOR' }))).toEqual(['Zoe']);
    expect(names(await list(anna.token, group, { status: 'LEFT' }))).toEqual(['Dora']);
    expect(names(await list(anna.token, group, { status: 'PAUSED' }))).toEqual(['Carl']);
    const first = await list(anna.token, group, { first: 2 });
    expect(names(first)).toEqual(['Zoe', 'Ben']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await list(anna.token, group, { first: 2, after: first.pageInfo.endCursor });
    expect(names(second)).toEqual(['Anna', 'Carl']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  test('cursors keep microseconds: members who joined within the same millisecond are paged without loss or repeats', async () => {
    const g = await createGroup(app, n, { name: 'Same Millisecond' });
    const people = [await n.member(), await n.member(), await n.member()];
    const groupUuid = Buffer.from(g, 'base64url').toString('utf8').split(':')[1];
    await withTenant(app.db.dataSource, n.id, (m) =>
      m.query(
        `INSERT INTO memberships (network_id, group_id, member_id, joined_at)
         SELECT $1, $2, member_id, timestamptz '2026-01-01 10:00:00.123' + (i || ' microseconds')::interval
         FROM unnest($3::uuid[]) WITH ORDINALITY AS x(member_id, i)`,
        [n.id, groupUuid, people.map((p) => Buffer.from(p.globalId, 'base64url').toString('utf8').split(':')[1])],
      ),
    );
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 4; i += 1) {
      const page: ListPage = await list(n.adminKey, g, { first: 1, after });
      seen.push(...page.nodes.map((x) => x.member.displayName));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
  });

  test('non-members see nothing; a paused member sees only their own; a member who left sees only their own when asking for LEFT', async () => {
    expect(await list(outsider.token, group)).toMatchObject({ totalCount: 0, nodes: [] });
    expect(names(await list(carl.token, group))).toEqual(['Carl']);
    expect((await list(carl.token, group)).totalCount).toBe(1);
    expect(names(await list(dora.token, group))).toEqual([]);
    expect(names(await list(dora.token, group, { status: 'LEFT' }))).toEqual(['Dora']);
  });

  test('an API key with READ but without PERSONAL_DATA sees an empty list (and the count)', async () => {
    const key = await n.key(ApiKeyScope.READ);
    expect(await list(key, group)).toMatchObject({ totalCount: 0, nodes: [] });
    expect((await groupAs(key, group))!.memberCount).toBe(3);
  });

  test('a PRIVATE group: its member sees the list; others get null for the group', async () => {
    expect(names(await list(anna.token, privateGroup))).toEqual(['Anna']);
    const res = ok(await app.gql<{ node: unknown }>(LIST, { id: privateGroup }, ben.token));
    expect(res.node).toBeNull();
  });

  test('node(Membership) follows the same rules', async () => {
    const annaM = (await groupAs(anna.token, group))!.viewerMembership!;
    const node = async (cred: string) =>
      ok(await app.gql<{ node: { id: string } | null }>(`query($id: ID!) { node(id: $id) { id } }`, { id: annaM.id }, cred)).node;
    for (const cred of [anna.token, ben.token, zoe.token, n.adminKey, await n.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA)]) {
      expect(await node(cred)).toEqual({ id: annaM.id });
    }
    for (const cred of [outsider.token, carl.token, dora.token, await n.key(ApiKeyScope.READ)]) expect(await node(cred)).toBeNull();
  });

  test('Member.memberships: the member sees their own groups, oldest first (PRIVATE included)', async () => {
    const Q = `{ viewer { member { memberships { totalCount nodes { role status group { id name } } } } } }`;
    const res = ok(
      await app.gql<{
        viewer: { member: { memberships: { totalCount: number; nodes: Array<{ role: string; status: string; group: { id: string; name: string } }> } } };
      }>(Q, {}, anna.token),
    );
    expect(res.viewer.member.memberships.nodes).toEqual([
      { role: 'MEMBER', status: 'ACTIVE', group: { id: group, name: 'Listed' } },
      { role: 'MEMBER', status: 'ACTIVE', group: { id: privateGroup, name: 'Listed Private' } },
    ]);
    const dres = ok(await app.gql<{ viewer: { member: { memberships: { nodes: Array<{ status: string }> } } } }>(Q, {}, dora.token));
    expect(dres.viewer.member.memberships.nodes.map((x) => x.status)).toEqual(['LEFT']);
  });

  test('Member.memberships does not show a PRIVATE group to a member who left it (as node(Membership) does not)', async () => {
    const g = await createGroup(app, n, { name: 'Secret Circle', visibility: 'PRIVATE', description: 'before' });
    const m = await n.member();
    const added = ok(await add(g, m.globalId, n.adminKey)).addMember;
    ok(await app.gql(LEAVE, { g }, m.token));
    ok(await app.gql(`mutation($id: ID!) { updateGroup(id: $id, input: { description: "changed after they left" }) { id } }`, { id: g }, n.adminKey));
    // Consistent so far: the group and the membership are invisible to them.
    expect(await groupAs(m.token, g)).toBeNull();
    expect(ok(await app.gql(MEMBERSHIP_NODE, { id: added.id }, m.token)).node).toBeNull();
    // Their own membership list must not be a way round that (it currently returns the group, with its
    // current description: see the report).
    const Q = `{ viewer { member { memberships { totalCount nodes { group { name description } } } } } }`;
    const res = ok(
      await app.gql<{ viewer: { member: { memberships: { totalCount: number; nodes: Array<{ group: { name: string; description: string } }> } } } }>(
        Q,
        {},
        m.token,
      ),
    );
    expect(res.viewer.member.memberships.nodes.map((x) => x.group.name)).not.toContain('Secret Circle');
    expect(res.viewer.member.memberships.totalCount).toBe(0);
  });

  test('Member.memberships for others: coordinators and keys with PERSONAL_DATA see them; a READ key sees none; status filter', async () => {
    const Q = `query($id: ID!, $status: MembershipStatus) { node(id: $id) { ... on Member { displayName memberships(status: $status) { totalCount nodes { group { name } } } } } }`;
    const c = await n.member(NetworkRole.COORDINATOR);
    for (const cred of [c.token, await n.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA)]) {
      const res = ok(await app.gql<{ node: { memberships: { nodes: Array<{ group: { name: string } }> } } }>(Q, { id: anna.globalId }, cred));
      expect(res.node.memberships.nodes.map((x) => x.group.name)).toEqual(['Listed', 'Listed Private']);
      const leftOnly = ok(await app.gql<{ node: { memberships: { totalCount: number } } }>(Q, { id: dora.globalId, status: 'LEFT' }, cred));
      expect(leftOnly.node.memberships.totalCount).toBe(1);
    }
    // A plain member cannot even fetch another member's node.
    expect(ok(await app.gql(Q, { id: anna.globalId }, ben.token)).node).toBeNull();
  });
});

describe('engagement', () => {
  let n: TestNetwork;
  let group: string;
  let groupDb: string;
  const sessionIds: Record<string, string> = {};

  const sql = (query: string, params: unknown[]) => withTenant(app.db.dataSource, n.id, (m) => m.query(query, params));
  async function session(key: string, daysAgo: number, status: string) {
    const rows: Array<{ id: string }> = await sql(
      `INSERT INTO sessions (network_id, group_id, title, starts_at, ends_at, time_zone, status, agenda)
       VALUES ($1, $2, $3, now() - make_interval(days => $4), now() - make_interval(days => $4) + interval '90 minutes', 'UTC', $5, '[]')
       RETURNING id`,
      [n.id, groupDb, key, daysAgo, status],
    );
    sessionIds[key] = rows[0].id;
  }
  async function attend(memberId: string, key: string, status = 'PRESENT') {
    await sql(`INSERT INTO attendance (network_id, session_id, group_id, member_id, status) VALUES ($1, $2, $3, $4, $5)`, [
      n.id,
      sessionIds[key],
      groupDb,
      memberId,
      status,
    ]);
  }
  async function joinedDaysAgo(memberId: string, days: number) {
    await sql(`UPDATE memberships SET joined_at = now() - make_interval(days => $4) WHERE network_id = $1 AND group_id = $2 AND member_id = $3`, [
      n.id,
      groupDb,
      memberId,
      days,
    ]);
  }
  /** Engagement by display name, from the group's member list (computed in the list's statement). */
  async function engagements(): Promise<Record<string, string>> {
    const p = await list(n.adminKey, group, { first: 50 });
    return Object.fromEntries(p.nodes.map((x) => [x.member.displayName, x.engagement]));
  }

  const people: Record<string, Cred> = {};
  beforeAll(async () => {
    n = await createTestNetwork(app);
    group = await createGroup(app, n, { name: 'Engaged' });
    groupDb = dbId(group);
    for (const name of ['Newbie', 'Regular', 'Drifter', 'Excused', 'Paused', 'Recent', 'TwoOnly', 'CancelSaved', 'OldTimer']) {
      people[name] = await n.member(NetworkRole.MEMBER, { displayName: name });
      ok(await join(group, people[name].token));
    }
    // Completed sessions 70, 50, 40, 30, 20 and 10 days ago; a cancelled one 5 days ago; a LIVE one and a future one.
    await session('d70', 70, 'COMPLETED');
    await session('d50', 50, 'COMPLETED');
    await session('d40', 40, 'COMPLETED');
    await session('d30', 30, 'COMPLETED');
    await session('d20', 20, 'COMPLETED');
    await session('d10', 10, 'COMPLETED');
    await session('d5', 5, 'CANCELLED');
    await session('d1', 1, 'LIVE');
    await session('future', -7, 'SCHEDULED');
    const id = (name: string) => people[name].id;
    for (const name of ['Regular', 'Drifter', 'Excused', 'Paused', 'CancelSaved']) await joinedDaysAgo(id(name), 60);
    await joinedDaysAgo(id('Recent'), 15); // only d10 since joining
    await joinedDaysAgo(id('TwoOnly'), 25); // d20 and d10
    await joinedDaysAgo(id('OldTimer'), 100);

    await attend(id('Regular'), 'd10');
    await attend(id('Regular'), 'd20', 'LATE');
    // Drifter came early on, then missed the last three completed sessions.
    await attend(id('Drifter'), 'd50');
    await attend(id('Drifter'), 'd40');
    await attend(id('Drifter'), 'd20', 'ABSENT');
    await attend(id('Drifter'), 'd1');
    // Excused is not present: it counts as missed.
    for (const k of ['d30', 'd20', 'd10']) await attend(id('Excused'), k, 'EXCUSED');
    // Present only at the third-last completed session: the cancelled and the live ones do not push it out of the window.
    await attend(id('CancelSaved'), 'd30');
    await attend(id('OldTimer'), 'd70');
    await attend(id('Paused'), 'd10');
    const pausedM = (await groupAs(people.Paused.token, group))!.viewerMembership!;
    ok(await app.gql(UPDATE, { id: pausedM.id, status: 'PAUSED' }, people.Paused.token));
  });

  test('NEW, ACTIVE, DRIFTING and INACTIVE from attendance since joining', async () => {
    expect(await engagements()).toEqual({
      Newbie: 'NEW', // no completed session since joining (all are before joined_at)
      Recent: 'NEW', // one completed session since joining, missed
      TwoOnly: 'ACTIVE', // two since joining, both missed: not yet three in a row
      Regular: 'ACTIVE',
      CancelSaved: 'ACTIVE',
      Drifter: 'DRIFTING',
      Excused: 'DRIFTING',
      OldTimer: 'DRIFTING', // attended 70 days ago, missed the last three
      Paused: 'INACTIVE',
    });
  });

  test('the same engagement through viewerMembership and node(Membership)', async () => {
    for (const [name, expected] of Object.entries({
      Newbie: 'NEW',
      Recent: 'NEW',
      Regular: 'ACTIVE',
      Drifter: 'DRIFTING',
      Paused: 'INACTIVE',
      CancelSaved: 'ACTIVE',
    })) {
      const vm = (await groupAs(people[name].token, group))!.viewerMembership!;
      expect([name, vm.engagement]).toEqual([name, expected]);
      expect([name, (await membershipAsKey(n, vm.id)).engagement]).toEqual([name, expected]);
    }
  });

  test('attending a new completed session brings a drifter back to ACTIVE; rejoining starts as NEW', async () => {
    await session('d2', 2, 'COMPLETED');
    await attend(people.Drifter.id, 'd2');
    expect((await engagements()).Drifter).toBe('ACTIVE');
    // Everyone else missed d2: Regular attended d10 and d20 still within the last three.
    expect((await engagements()).Regular).toBe('ACTIVE');
    expect((await engagements()).CancelSaved).toBe('DRIFTING');

    ok(await app.gql(LEAVE, { g: group }, people.OldTimer.token));
    const again = ok(await join(group, people.OldTimer.token)).joinGroup;
    expect(again.engagement).toBe('NEW');
    expect((await engagements()).OldTimer).toBe('NEW');
  });
});
