import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { type Cred, expectBadInput, expectCode, ok } from '../helpers/gql';

/** Groups through the API: createGroup, updateGroup, archiveGroup, the `groups` connection and PRIVATE visibility. */

let app: TestApp;
let net: TestNetwork;
let coord: Cred;
let admin: Cred;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app, 'Groups Network');
  coord = await net.member(NetworkRole.COORDINATOR, { displayName: 'Cora Coordinator' });
  admin = await net.member(NetworkRole.ADMIN, { displayName: 'Ada Admin' });
});
afterAll(() => app.stop());

const GROUP_FIELDS = `id name slug description objectives topics norms visibility format capacity timeZone archived createdAt
  agendaTemplate { kind title prompt minutes } network { id slug timeZone }`;
const CREATE = `mutation($input: CreateGroupInput!) { createGroup(input: $input) { ${GROUP_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { ${GROUP_FIELDS} } }`;
const ARCHIVE = `mutation($id: ID!) { archiveGroup(id: $id) { id archived } }`;
const ADD_MEMBER = `mutation($g: ID!, $m: ID!, $role: GroupRole) { addMember(groupId: $g, memberId: $m, role: $role) { id role status } }`;
const JOIN = `mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id status } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on Group { name visibility } } }`;
const GROUPS = `query($first: Int, $after: String, $topic: String, $search: String, $includeArchived: Boolean) {
  groups(first: $first, after: $after, topic: $topic, search: $search, includeArchived: $includeArchived) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { id name archived }
  }
}`;

interface GroupResult {
  id: string;
  name: string;
  slug: string;
  description: string | null;
  objectives: string[];
  topics: string[];
  norms: string[];
  visibility: string;
  format: string;
  capacity: number | null;
  timeZone: string;
  archived: boolean;
  createdAt: string;
  agendaTemplate: Array<{ kind: string; title: string; prompt: string | null; minutes: number | null }>;
  network: { id: string; slug: string; timeZone: string };
}
interface GroupsPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  nodes: Array<{ id: string; name: string; archived: boolean }>;
}

const baseInput = (over: Record<string, unknown> = {}) => ({
  name: 'A group',
  objectives: ['Support each other'],
  topics: ['general'],
  norms: ['What is said here stays here'],
  format: 'ONLINE',
  ...over,
});

/** createGroup (the operation under test) with `baseInput(over)`: every field of its answer. */
async function createdGroup(n: TestNetwork, over: Record<string, unknown> = {}, credential = n.adminKey): Promise<GroupResult> {
  return ok(await app.gql<{ createGroup: GroupResult }>(CREATE, { input: baseInput(over) }, credential)).createGroup;
}

async function groupsPage(credential: string, vars: Record<string, unknown> = {}): Promise<GroupsPage> {
  return ok(await app.gql<{ groups: GroupsPage }>(GROUPS, { first: 100, ...vars }, credential)).groups;
}

/** The group as an all-scopes key of its network sees it. */
async function groupAsAdmin(n: TestNetwork, id: string): Promise<GroupResult> {
  const res = await app.gql<{ node: GroupResult }>(`query($id: ID!) { node(id: $id) { ... on Group { ${GROUP_FIELDS} } } }`, { id }, n.adminKey);
  return ok(res).node;
}

describe('createGroup', () => {
  test('a coordinator creates a group: every field comes back, defaults applied', async () => {
    const res = await app.gql<{ createGroup: GroupResult }>(
      CREATE,
      {
        input: {
          name: '  Anxiety Circle  ',
          description: 'A calm space to talk about worry and panic.',
          objectives: ['Share coping strategies', '  ', 'Feel less alone'],
          topics: ['anxiety', 'social-anxiety', 'anxiety'],
          norms: ['Confidentiality', 'No advice unless asked'],
          visibility: 'NETWORK',
          format: 'HYBRID',
          capacity: 12,
        },
      },
      coord.token,
    );
    const g = ok(res).createGroup;
    expect(g).toMatchObject({
      name: 'Anxiety Circle',
      slug: 'anxiety-circle',
      description: 'A calm space to talk about worry and panic.',
      objectives: ['Share coping strategies', 'Feel less alone'],
      topics: ['anxiety', 'social-anxiety'],
      norms: ['Confidentiality', 'No advice unless asked'],
      visibility: 'NETWORK',
      format: 'HYBRID',
      capacity: 12,
      timeZone: 'UTC',
      archived: false,
      network: { id: net.globalId, slug: net.slug, timeZone: 'UTC' },
    });
    expect(Buffer.from(g.id, 'base64url').toString()).toMatch(/^Group:[0-9a-f-]{36}$/);
    expect(Math.abs(new Date(g.createdAt).getTime() - Date.now())).toBeLessThan(60_000);
    expect(g.agendaTemplate.map((i) => i.kind)).toEqual(['ICEBREAKER', 'CHECK_IN', 'SHARING_ROUND', 'GRATITUDE_ROUND', 'CHECK_OUT']);
    for (const item of g.agendaTemplate) {
      expect(item.title.length).toBeGreaterThan(0);
      expect(item.minutes).toBeGreaterThan(0);
    }
    // It reads back the same.
    expect(await groupAsAdmin(net, g.id)).toEqual(g);
  });

  test('the slug is derived from the name and de-duplicated within the network', async () => {
    const n = await createTestNetwork(app);
    const first = await createdGroup(n, { name: 'Anxiety Circle' });
    const second = await createdGroup(n, { name: 'Anxiety Circle' });
    const third = await createdGroup(n, { name: 'anxiety   circle!' });
    expect([first.slug, second.slug, third.slug]).toEqual(['anxiety-circle', 'anxiety-circle-2', 'anxiety-circle-3']);
    expect((await createdGroup(n, { name: 'Ça va? Élan & Co' })).slug).toBe('ca-va-elan-co');
    // Another network starts again from the plain slug.
    const other = await createTestNetwork(app);
    expect((await createdGroup(other, { name: 'Anxiety Circle' })).slug).toBe('anxiety-circle');
  });

  test('a given agenda template, time zone, visibility and no capacity are kept', async () => {
    const g = await createdGroup(net, {
      name: 'Custom agenda',
      visibility: 'PRIVATE',
      timeZone: 'Europe/Berlin',
      agendaTemplate: [
        { kind: 'CHECK_IN', title: ' Arrive ', minutes: 5 },
        { kind: 'TOPIC', title: 'Theme of the week', prompt: 'Boundaries' },
      ],
    });
    expect(g).toMatchObject({ visibility: 'PRIVATE', timeZone: 'Europe/Berlin', capacity: null, description: null });
    expect(g.agendaTemplate).toEqual([
      { kind: 'CHECK_IN', title: 'Arrive', prompt: null, minutes: 5 },
      { kind: 'TOPIC', title: 'Theme of the week', prompt: 'Boundaries', minutes: null },
    ]);
  });

  test("timeZone defaults to the network's time zone", async () => {
    const n = await createTestNetwork(app);
    expect((await createdGroup(n)).timeZone).toBe('UTC');
    await app.db.dataSource.query('UPDATE networks SET time_zone = $1 WHERE id = $2', ['America/New_York', n.id]);
    const g = await createdGroup(n, { name: 'East coast' });
    expect(g.timeZone).toBe('America/New_York');
    expect(g.network.timeZone).toBe('America/New_York');
  });

  test('admins and API keys with WRITE may create groups', async () => {
    expect((await createdGroup(net, { name: 'By admin' }, admin.token)).name).toBe('By admin');
    expect((await createdGroup(net, { name: 'By write key' }, await net.key(ApiKeyScope.WRITE))).name).toBe('By write key');
  });

  test('validation: blank name, bad topic, unknown time zone, capacity 0 — fieldErrors under input', async () => {
    const cases: Array<[Record<string, unknown>, Array<string | number>]> = [
      [{ name: '   ' }, ['input', 'name']],
      [{ name: '' }, ['input', 'name']],
      [{ name: 'x'.repeat(201) }, ['input', 'name']],
      [{ topics: ['Not A Slug'] }, ['input', 'topics']],
      [{ topics: ['ok', 'double--dash'] }, ['input', 'topics']],
      [{ timeZone: 'Mars/Olympus' }, ['input', 'timeZone']],
      [{ capacity: 0 }, ['input', 'capacity']],
      [{ capacity: 10_001 }, ['input', 'capacity']],
      [{ agendaTemplate: [{ kind: 'ICEBREAKER', title: '', minutes: 0 }] }, ['input', 'agendaTemplate', 0, 'title']],
    ];
    for (const [over, path] of cases) {
      const res = await app.gql(CREATE, { input: baseInput({ name: 'Invalid group', ...over }) }, coord.token);
      const errors = expectBadInput(res, path);
      expect(errors.every((f) => f.path[0] === 'input')).toBe(true);
    }
    // Several at once are all reported.
    const res = await app.gql(CREATE, { input: baseInput({ name: ' ', topics: ['Not A Slug'], timeZone: 'Mars/Olympus', capacity: 0 }) }, coord.token);
    expectBadInput(res, ['input', 'name'], ['input', 'topics'], ['input', 'timeZone'], ['input', 'capacity']);
    const topicError = res.errors![0].extensions.fieldErrors!.find((f) => f.path[1] === 'topics')!;
    expect(topicError.message).toMatch(/slug/);
    // Nothing was written.
    expect((await groupsPage(net.adminKey, { search: 'Invalid group' })).totalCount).toBe(0);
  });

  test('a MEMBER token and API keys without WRITE are FORBIDDEN, and nothing is written', async () => {
    const member = await net.member();
    expectCode(await app.gql(CREATE, { input: baseInput({ name: 'Forbidden one' }) }, member.token), 'FORBIDDEN');
    for (const scopes of [[ApiKeyScope.READ], [ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA], [ApiKeyScope.ADMIN]]) {
      const res = await app.gql(CREATE, { input: baseInput({ name: 'Forbidden one' }) }, await net.key(...scopes));
      expectCode(res, 'FORBIDDEN');
      expect(res.errors![0].message).toMatch(/WRITE/);
    }
    expect((await groupsPage(net.adminKey, { search: 'Forbidden' })).totalCount).toBe(0);
  });

  test('without credentials: UNAUTHENTICATED', async () => {
    const res = await app.gql(CREATE, { input: baseInput() });
    expect(res.errors![0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('updateGroup and archiveGroup', () => {
  let group: GroupResult;
  let facilitator: Cred;
  let plain: Cred;
  let otherFacilitator: Cred;
  beforeAll(async () => {
    group = await createdGroup(net, { name: 'Grief Group', topics: ['grief'], capacity: 8 }, coord.token);
    const other = await createdGroup(net, { name: 'Other Group' }, coord.token);
    facilitator = await net.member(NetworkRole.MEMBER, { displayName: 'Fay Facilitator' });
    otherFacilitator = await net.member(NetworkRole.MEMBER, { displayName: 'Otto Other' });
    plain = await net.member(NetworkRole.MEMBER, { displayName: 'Pia Plain' });
    ok(await app.gql(ADD_MEMBER, { g: group.id, m: facilitator.globalId, role: 'FACILITATOR' }, coord.token));
    ok(await app.gql(ADD_MEMBER, { g: other.id, m: otherFacilitator.globalId, role: 'FACILITATOR' }, coord.token));
    ok(await app.gql(JOIN, { g: group.id }, plain.token));
  });

  test('a facilitator of the group updates it; the slug stays; omitted fields stay', async () => {
    const res = await app.gql<{ updateGroup: GroupResult }>(
      UPDATE,
      {
        id: group.id,
        input: {
          name: 'Grief & Loss Group',
          description: 'For anyone who lost someone.',
          topics: ['grief', 'loss'],
          format: 'IN_PERSON',
          timeZone: 'Europe/Berlin',
        },
      },
      facilitator.token,
    );
    const g = ok(res).updateGroup;
    expect(g).toMatchObject({
      id: group.id,
      name: 'Grief & Loss Group',
      slug: 'grief-group',
      description: 'For anyone who lost someone.',
      topics: ['grief', 'loss'],
      format: 'IN_PERSON',
      timeZone: 'Europe/Berlin',
      capacity: 8,
      norms: group.norms,
      objectives: group.objectives,
      visibility: 'NETWORK',
    });
    expect(await groupAsAdmin(net, group.id)).toMatchObject({ name: 'Grief & Loss Group', topics: ['grief', 'loss'] });
  });

  test('a coordinator updates it; capacity 0 removes the limit; empty description removes it', async () => {
    const g = ok(await app.gql<{ updateGroup: GroupResult }>(UPDATE, { id: group.id, input: { capacity: 0, description: '' } }, coord.token)).updateGroup;
    expect(g).toMatchObject({ capacity: null, description: null, name: 'Grief & Loss Group' });
  });

  test('an API key with WRITE updates it, including the agenda template', async () => {
    const key = await net.key(ApiKeyScope.WRITE);
    const res = await app.gql<{ updateGroup: GroupResult }>(
      UPDATE,
      { id: group.id, input: { capacity: 10, norms: ['Be kind'], agendaTemplate: [{ kind: 'SHARING_ROUND', title: 'Sharing', minutes: 60 }] } },
      key,
    );
    const g = ok(res).updateGroup;
    expect(g).toMatchObject({ capacity: 10, norms: ['Be kind'], agendaTemplate: [{ kind: 'SHARING_ROUND', title: 'Sharing', prompt: null, minutes: 60 }] });
  });

  test('a plain member, a facilitator of another group, and keys without WRITE are FORBIDDEN; nothing changes', async () => {
    const before = await groupAsAdmin(net, group.id);
    for (const cred of [
      plain.token,
      otherFacilitator.token,
      await net.member().then((m) => m.token),
      await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA),
    ]) {
      expectCode(await app.gql(UPDATE, { id: group.id, input: { name: 'Hijacked' } }, cred), 'FORBIDDEN');
    }
    expect(await groupAsAdmin(net, group.id)).toEqual(before);
  });

  test('a paused facilitator has no facilitator rights', async () => {
    const paused = await net.member(NetworkRole.MEMBER, { displayName: 'Paula Paused' });
    const m = ok(await app.gql<{ addMember: { id: string } }>(ADD_MEMBER, { g: group.id, m: paused.globalId, role: 'FACILITATOR' }, coord.token)).addMember;
    ok(await app.gql(`mutation($id: ID!) { updateMembership(id: $id, status: PAUSED) { status } }`, { id: m.id }, paused.token));
    expectCode(await app.gql(UPDATE, { id: group.id, input: { name: 'Hijacked' } }, paused.token), 'FORBIDDEN');
  });

  test('validation on updateGroup: fieldErrors under input', async () => {
    expectBadInput(await app.gql(UPDATE, { id: group.id, input: { name: '  ' } }, coord.token), ['input', 'name']);
    expectBadInput(await app.gql(UPDATE, { id: group.id, input: { topics: ['Bad Topic'] } }, coord.token), ['input', 'topics']);
    expectBadInput(await app.gql(UPDATE, { id: group.id, input: { timeZone: 'Mars/Olympus' } }, coord.token), ['input', 'timeZone']);
    expectBadInput(await app.gql(UPDATE, { id: group.id, input: { capacity: -1 } }, coord.token), ['input', 'capacity']);
    expect((await groupAsAdmin(net, group.id)).name).toBe('Grief & Loss Group');
  });

  test('unknown or malformed IDs: NOT_FOUND and BAD_USER_INPUT', async () => {
    const unknown = Buffer.from('Group:00000000-0000-4000-8000-000000000000').toString('base64url');
    expectCode(await app.gql(UPDATE, { id: unknown, input: { name: 'x' } }, coord.token), 'NOT_FOUND');
    expectCode(await app.gql(UPDATE, { id: coord.globalId, input: { name: 'x' } }, coord.token), 'NOT_FOUND');
    expectBadInput(await app.gql(UPDATE, { id: 'nope', input: { name: 'x' } }, coord.token), ['id']);
    expectCode(await app.gql(ARCHIVE, { id: unknown }, coord.token), 'NOT_FOUND');
  });

  test('archiveGroup: facilitators, members and keys without WRITE are FORBIDDEN', async () => {
    for (const cred of [facilitator.token, plain.token, await net.key(ApiKeyScope.READ)]) {
      expectCode(await app.gql(ARCHIVE, { id: group.id }, cred), 'FORBIDDEN');
    }
    expect((await groupAsAdmin(net, group.id)).archived).toBe(false);
  });

  test('archived groups leave `groups` unless includeArchived; archiving twice is harmless', async () => {
    const g = await createdGroup(net, { name: 'Soon Archived', topics: ['archive-me'] }, coord.token);
    expect((await groupsPage(net.adminKey, { topic: 'archive-me' })).nodes.map((n) => n.name)).toEqual(['Soon Archived']);

    expect(ok(await app.gql(ARCHIVE, { id: g.id }, coord.token)).archiveGroup).toEqual({ id: g.id, archived: true });
    expect(ok(await app.gql(ARCHIVE, { id: g.id }, admin.token)).archiveGroup).toEqual({ id: g.id, archived: true });

    for (const cred of [net.adminKey, coord.token, (await net.member()).token]) {
      expect((await groupsPage(cred, { topic: 'archive-me' })).totalCount).toBe(0);
      const withArchived = await groupsPage(cred, { topic: 'archive-me', includeArchived: true });
      expect(withArchived.nodes).toEqual([{ id: g.id, name: 'Soon Archived', archived: true }]);
    }
    // Still reachable by id.
    expect((await groupAsAdmin(net, g.id)).archived).toBe(true);
  });

  test('an API key with WRITE and an admin may archive', async () => {
    const g1 = await createdGroup(net, { name: 'Archive by key' });
    const g2 = await createdGroup(net, { name: 'Archive by admin' });
    expect(ok(await app.gql(ARCHIVE, { id: g1.id }, await net.key(ApiKeyScope.WRITE))).archiveGroup.archived).toBe(true);
    expect(ok(await app.gql(ARCHIVE, { id: g2.id }, admin.token)).archiveGroup.archived).toBe(true);
  });
});

describe('the groups connection', () => {
  let n: TestNetwork;
  let ids: Record<string, string>;
  beforeAll(async () => {
    n = await createTestNetwork(app);
    ids = {};
    const specs: Array<Record<string, unknown>> = [
      { name: 'Anxiety circle', topics: ['anxiety'], description: 'Worry, panic and everything between.' },
      { name: 'Recovery Friends', topics: ['addiction-recovery'], description: 'Staying sober together.' },
      { name: 'Young Parents', topics: ['parenting'], description: 'Sleepless nights and mindfulness tips.' },
      { name: 'Burnout Talk', topics: ['work', 'anxiety'], description: null },
      { name: 'Carers Corner', topics: ['caring'], description: 'For people caring for relatives.' },
    ];
    for (const s of specs) ids[s.name as string] = (await createdGroup(n, s)).id;
  });
  const names = (p: GroupsPage) => p.nodes.map((g) => g.name);

  test('lists by name, with totalCount', async () => {
    const p = await groupsPage(n.adminKey);
    expect(names(p)).toEqual(['Anxiety circle', 'Burnout Talk', 'Carers Corner', 'Recovery Friends', 'Young Parents']);
    expect(p.totalCount).toBe(5);
  });

  test('topic filter', async () => {
    expect(names(await groupsPage(n.adminKey, { topic: 'anxiety' }))).toEqual(['Anxiety circle', 'Burnout Talk']);
    expect(names(await groupsPage(n.adminKey, { topic: 'addiction-recovery' }))).toEqual(['Recovery Friends']);
    expect(names(await groupsPage(n.adminKey, { topic: 'recovery' }))).toEqual([]);
    expect(names(await groupsPage(n.adminKey, { topic: ' ANXIETY ' }))).toEqual(['Anxiety circle', 'Burnout Talk']);
    expect((await groupsPage(n.adminKey, { topic: 'nothing' })).totalCount).toBe(0);
  });

  test('search is case-insensitive over name, description and topics', async () => {
    // "ANX" matches the name "Anxiety circle" and Burnout Talk's topic `anxiety`.
    expect(names(await groupsPage(n.adminKey, { search: 'ANX' }))).toEqual(['Anxiety circle', 'Burnout Talk']);
    expect(names(await groupsPage(n.adminKey, { search: 'ANX', topic: 'anxiety' }))).toEqual(['Anxiety circle', 'Burnout Talk']);
    expect(names(await groupsPage(n.adminKey, { search: 'CIRC' }))).toEqual(['Anxiety circle']);
    expect(names(await groupsPage(n.adminKey, { search: 'anxiety' }))).toEqual(['Anxiety circle', 'Burnout Talk']);
    expect(names(await groupsPage(n.adminKey, { search: 'mindful' }))).toEqual(['Young Parents']);
    expect(names(await groupsPage(n.adminKey, { search: 'PANIC' }))).toEqual(['Anxiety circle']);
    expect(names(await groupsPage(n.adminKey, { search: 'recovery' }))).toEqual(['Recovery Friends']);
    expect(names(await groupsPage(n.adminKey, { search: 'sober' }))).toEqual(['Recovery Friends']);
    expect(names(await groupsPage(n.adminKey, { search: 'addiction' }))).toEqual(['Recovery Friends']);
    expect(names(await groupsPage(n.adminKey, { search: 'young par' }))).toEqual(['Young Parents']);
    expect(names(await groupsPage(n.adminKey, { search: 'zzz' }))).toEqual([]);
  });

  test('search and topic combine; a search without words is ignored', async () => {
    expect(names(await groupsPage(n.adminKey, { search: 'burn', topic: 'anxiety' }))).toEqual(['Burnout Talk']);
    expect(names(await groupsPage(n.adminKey, { search: 'burn', topic: 'caring' }))).toEqual([]);
    expect((await groupsPage(n.adminKey, { search: ' %% ' })).totalCount).toBe(5);
  });

  test('search longer than 200 and bad page sizes are BAD_USER_INPUT', async () => {
    expectBadInput(await app.gql(GROUPS, { search: 'x'.repeat(201) }, n.adminKey), ['search']);
    expectBadInput(await app.gql(GROUPS, { first: 101 }, n.adminKey), ['first']);
  });

  test('pagination with first/after visits every group once, in order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const flags: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const p: GroupsPage = await groupsPage(n.adminKey, { first: 2, after });
      expect(p.totalCount).toBe(5);
      seen.push(...names(p));
      flags.push(p.pageInfo.hasNextPage);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(['Anxiety circle', 'Burnout Talk', 'Carers Corner', 'Recovery Friends', 'Young Parents']);
    expect(flags).toEqual([true, true, false]);
    // Paging within a search.
    const first = await groupsPage(n.adminKey, { search: 'anxiety', first: 1 });
    expect(names(first)).toEqual(['Anxiety circle']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await groupsPage(n.adminKey, { search: 'anxiety', first: 1, after: first.pageInfo.endCursor });
    expect(names(second)).toEqual(['Burnout Talk']);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  test('reading groups: every member role, keys with READ; keys without READ are FORBIDDEN', async () => {
    for (const role of [NetworkRole.MEMBER, NetworkRole.COORDINATOR, NetworkRole.ADMIN]) {
      expect((await groupsPage((await n.member(role)).token)).totalCount).toBe(5);
    }
    expect((await groupsPage(await n.key(ApiKeyScope.READ))).totalCount).toBe(5);
    expectCode(await app.gql(GROUPS, {}, await n.key(ApiKeyScope.WRITE)), 'FORBIDDEN');
  });

  test('memberCount counts ACTIVE members only; viewerMembership is null for non-members and keys', async () => {
    const g = await createdGroup(n, { name: 'Counted', topics: ['counted'] });
    const joiners = [await n.member(), await n.member(), await n.member()];
    const memberships: string[] = [];
    for (const j of joiners) memberships.push(ok(await app.gql<{ joinGroup: { id: string } }>(JOIN, { g: g.id }, j.token)).joinGroup.id);
    const Q = `query($topic: String) { groups(topic: $topic) { nodes { name memberCount viewerMembership { role status } } } }`;
    const count = async (cred: string) =>
      ok(await app.gql<{ groups: { nodes: Array<{ memberCount: number; viewerMembership: unknown }> } }>(Q, { topic: 'counted' }, cred)).groups.nodes[0];
    expect(await count(n.adminKey)).toEqual({ name: 'Counted', memberCount: 3, viewerMembership: null });
    // One pauses, one leaves.
    ok(await app.gql(`mutation($id: ID!) { updateMembership(id: $id, status: PAUSED) { status } }`, { id: memberships[0] }, joiners[0].token));
    ok(await app.gql(`mutation($g: ID!) { leaveGroup(groupId: $g) { status } }`, { g: g.id }, joiners[1].token));
    expect((await count(n.adminKey)).memberCount).toBe(1);
    expect(await count(joiners[2].token)).toEqual({ name: 'Counted', memberCount: 1, viewerMembership: { role: 'MEMBER', status: 'ACTIVE' } });
    expect((await count(joiners[0].token)).viewerMembership).toEqual({ role: 'MEMBER', status: 'PAUSED' });
    expect((await count(joiners[1].token)).viewerMembership).toEqual({ role: 'MEMBER', status: 'LEFT' });
    expect((await count((await n.member()).token)).viewerMembership).toBeNull();
  });

  test('network field is the owning network', async () => {
    const res = ok(
      await app.gql<{ groups: { nodes: Array<{ network: { id: string; slug: string } }> } }>(
        `{ groups(first: 3) { nodes { network { id slug } } } }`,
        {},
        n.adminKey,
      ),
    );
    expect(res.groups.nodes).toHaveLength(3);
    for (const g of res.groups.nodes) expect(g.network).toEqual({ id: n.globalId, slug: n.slug });
  });
});

describe('PRIVATE groups', () => {
  let n: TestNetwork;
  let priv: GroupResult;
  let insider: Cred;
  let fac: Cred;
  let outsider: Cred;
  let leaver: Cred;
  beforeAll(async () => {
    n = await createTestNetwork(app);
    await createdGroup(n, { name: 'Open Group', topics: ['shared'] });
    priv = await createdGroup(n, { name: 'Private Group', topics: ['shared'], visibility: 'PRIVATE', description: 'secretword' });
    insider = await n.member(NetworkRole.MEMBER, { displayName: 'Insider' });
    fac = await n.member(NetworkRole.MEMBER, { displayName: 'Facilitator' });
    outsider = await n.member(NetworkRole.MEMBER, { displayName: 'Outsider' });
    leaver = await n.member(NetworkRole.MEMBER, { displayName: 'Leaver' });
    ok(await app.gql(ADD_MEMBER, { g: priv.id, m: insider.globalId }, n.adminKey));
    ok(await app.gql(ADD_MEMBER, { g: priv.id, m: fac.globalId, role: 'FACILITATOR' }, n.adminKey));
    ok(await app.gql(ADD_MEMBER, { g: priv.id, m: leaver.globalId }, n.adminKey));
    ok(await app.gql(`mutation($g: ID!) { leaveGroup(groupId: $g) { status } }`, { g: priv.id }, leaver.token));
  });

  test('visible in groups to its members, facilitators, coordinators, admins and API keys', async () => {
    const creds = [
      insider.token,
      fac.token,
      (await n.member(NetworkRole.COORDINATOR)).token,
      (await n.member(NetworkRole.ADMIN)).token,
      n.adminKey,
      await n.key(ApiKeyScope.READ),
    ];
    for (const cred of creds) {
      const p = await groupsPage(cred, { topic: 'shared' });
      expect(p.nodes.map((g) => g.name)).toEqual(['Open Group', 'Private Group']);
      expect(p.totalCount).toBe(2);
      expect((await groupsPage(cred, { search: 'secretword' })).totalCount).toBe(1);
      expect(ok(await app.gql(NODE, { id: priv.id }, cred)).node).toEqual({ id: priv.id, name: 'Private Group', visibility: 'PRIVATE' });
    }
  });

  test('hidden from other members (and from members who left): groups, search, node, nodes', async () => {
    for (const cred of [outsider.token, leaver.token]) {
      const p = await groupsPage(cred, { topic: 'shared' });
      expect(p.nodes.map((g) => g.name)).toEqual(['Open Group']);
      expect(p.totalCount).toBe(1);
      expect((await groupsPage(cred, { search: 'secretword' })).totalCount).toBe(0);
      expect((await groupsPage(cred, { includeArchived: true })).nodes.map((g) => g.name)).not.toContain('Private Group');
      expect(ok(await app.gql(NODE, { id: priv.id }, cred)).node).toBeNull();
      expect(ok(await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [priv.id] }, cred)).nodes).toEqual([null]);
    }
  });

  test('for others, updateGroup, archiveGroup, joinGroup and addMember are NOT_FOUND (not FORBIDDEN)', async () => {
    for (const cred of [outsider.token, leaver.token]) {
      expectCode(await app.gql(UPDATE, { id: priv.id, input: { name: 'Hijacked' } }, cred), 'NOT_FOUND');
      expectCode(await app.gql(ARCHIVE, { id: priv.id }, cred), 'NOT_FOUND');
      expectCode(await app.gql(JOIN, { g: priv.id }, cred), 'NOT_FOUND');
      expectCode(await app.gql(ADD_MEMBER, { g: priv.id, m: outsider.globalId }, cred), 'NOT_FOUND');
    }
    expect((await groupAsAdmin(n, priv.id)).name).toBe('Private Group');
  });

  test('its facilitator may update it; a plain member of it may not', async () => {
    expect(ok(await app.gql<{ updateGroup: GroupResult }>(UPDATE, { id: priv.id, input: { objectives: ['Heal'] } }, fac.token)).updateGroup.objectives).toEqual(
      ['Heal'],
    );
    expectCode(await app.gql(UPDATE, { id: priv.id, input: { name: 'x' } }, insider.token), 'FORBIDDEN');
  });

  test('becoming PRIVATE hides a group from non-members at once', async () => {
    const g = await createdGroup(n, { name: 'Going private', topics: ['flip'] });
    expect((await groupsPage(outsider.token, { topic: 'flip' })).totalCount).toBe(1);
    ok(await app.gql(UPDATE, { id: g.id, input: { visibility: 'PRIVATE' } }, n.adminKey));
    expect((await groupsPage(outsider.token, { topic: 'flip' })).totalCount).toBe(0);
    expect(ok(await app.gql(NODE, { id: g.id }, outsider.token)).node).toBeNull();
  });
});
