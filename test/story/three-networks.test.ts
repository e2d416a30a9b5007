import { withTenant } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, invitedJointEvent, type TestNetwork } from '../helpers/factories';
import { code, createGroup, type Cred, dbId, expectLikeUnknown, joinGroup, ok, unknownId } from '../helpers/gql';

/**
 * Issue 4, "Done when": one story across three networks, through the public GraphQL API.
 * A hosts, B partners, C is unrelated.
 *
 *  1. Before any partnership A creates a joint event (E1), B and C each host one of their own; B and C get
 *     NOT_FOUND / nothing for every partnership and joint-event operation with A's IDs, and null from
 *     `node`, `nodes` and `_entities`.
 *  2. A requests, B accepts; both see the same agreement. While PENDING B still sees nothing of A.
 *  3. The partner directory: B sees A's PARTNERS groups (A sees B's); C sees nothing.
 *  4. Invite and accept with groups: E1 (A hosts, B accepts), E2 (will be past at revocation),
 *     E3 (invitation left pending), E4 (B hosts, A accepts), E6 (A hosts, B declines: gone for B).
 *  5. Registrations from both networks, with and without consent to share identity.
 *  6. Counts versus identities, as each network (and each kind of credential) sees them.
 *  7. Capacity counts every network.
 *  8. Revocation mid-way (by B), with every effect of point 4 of the issue: a withdrawn network loses the
 *     event (NOT_FOUND / null everywhere) while the host sees it WITHDRAWN; past events keep their counts.
 *  9. Audit: A's and B's logs show the story; C's log shows none of it.
 * The systematic table (`operations` + `expectNothingFor`) probes B before the partnership (and while it is
 * PENDING) and C at every stage, with every ID of A and B that exists by then.
 *
 * Besides the networks and members the helpers create, one fixture step is outside the API: E2 must be in the
 * future while B accepts and registers, and in the past at revocation, so its host moves it back with SQL.
 */

type Vars = Record<string, unknown>;

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let c: TestNetwork;
let aAdmin: Cred;
let bAdmin: Cred;
let cAdmin: Cred;
let cMember: Cred;
const ann: Cred[] = [];
const bo: Cred[] = [];

// Groups (Group global IDs).
let aHost: string; // NETWORK: hosts A's joint events
let aShared: string; // PARTNERS: in the partner directory
let bGroup: string; // NETWORK: B's participating group
let bShared: string; // PARTNERS
let cGroup: string; // PARTNERS, but C has no partner

let partnershipId: string;
let e1: string; // A hosts, B accepts; capacity 5
let e2: string; // A hosts, B accepts; in the past at revocation
let e3: string; // A hosts, B invited and never answers
let e4: string; // B hosts, A accepts
let e6: string; // A hosts, B declines
let cEvent: string; // C's own event
const registrationIds: Record<string, string> = {};

// --- Operations ------------------------------------------------------------------------------------------

const PARTNERSHIP = `id status scopes requester { id slug } partner { id slug }`;
const REQUEST = `mutation($s: String!, $scopes: [PartnershipScope!]!) { requestPartnership(partnerSlug: $s, scopes: $scopes) { ${PARTNERSHIP} } }`;
const RESPOND_PARTNERSHIP = `mutation($id: ID!, $accept: Boolean!) { respondToPartnership(id: $id, accept: $accept) { ${PARTNERSHIP} } }`;
const REVOKE = `mutation($id: ID!) { revokePartnership(id: $id) { ${PARTNERSHIP} revokedAt } }`;
const PARTNERSHIPS = `query($status: PartnershipStatus) { partnerships(status: $status) { ${PARTNERSHIP} } }`;
const DIRECTORY = `query($topic: String, $search: String) { partnerDirectory(first: 100, topic: $topic, search: $search) {
  totalCount nodes { id name topics network { id } } } }`;
const CREATE_EVENT = `mutation($input: CreateJointEventInput!) { createJointEvent(input: $input) { id status } }`;
const INVITE = `mutation($e: ID!, $n: ID!) { inviteToJointEvent(jointEventId: $e, networkId: $n) { network { id } status } }`;
const RESPOND_EVENT = `mutation($e: ID!, $accept: Boolean!, $g: [ID!]) { respondToJointEventInvitation(jointEventId: $e, accept: $accept, groupIds: $g) {
  network { id } status groups { id name } } }`;
const REGISTER = `mutation($e: ID!, $share: Boolean) { registerForJointEvent(jointEventId: $e, shareIdentity: $share) { id displayName network { id } } }`;
const CANCEL = `mutation($id: ID!) { cancelJointEvent(id: $id) { id status } }`;
const JOINT_EVENTS = `{ jointEvents(first: 100) { totalCount nodes { id } } }`;
const AUDIT = `{ auditLog(first: 100) { totalCount nodes { id actor action targetType targetId details } } }`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  __typename ... on Network { id } ... on Group { id } ... on SharedGroup { id } ... on JointEvent { id } } }`;
const VIEW = `query($id: ID!) { node(id: $id) { ... on JointEvent { id status
  participants { network { id } status groups { id } }
  registrationCounts { network { id } count }
  registrations(first: 100) { totalCount nodes { id displayName member { id email } network { id } } }
  viewerRegistration { id } } } }`;

// --- Helpers ---------------------------------------------------------------------------------------------

const shared = (groupId: string) => toGlobalId('SharedGroup', dbId(groupId));
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);

async function createEvent(cred: string, title: string, hostGroupIds: string[], capacity: number | null = null): Promise<string> {
  const start = inDays(10);
  const input = {
    title,
    startsAt: start.toISOString(),
    endsAt: new Date(start.getTime() + 7_200_000).toISOString(),
    format: 'ONLINE',
    onlineUrl: 'https://meet.example/circle',
    capacity,
    hostGroupIds,
  };
  const created = ok(await app.gql<{ createJointEvent: { id: string; status: string } }>(CREATE_EVENT, { input }, cred)).createJointEvent;
  expect(created.status).toBe('SCHEDULED');
  return created.id;
}
async function register(event: string, member: Cred, share: boolean, key: string) {
  const r = ok(await app.gql<{ registerForJointEvent: { id: string } }>(REGISTER, { e: event, share }, member.token)).registerForJointEvent;
  registrationIds[key] = r.id;
  return r;
}

type ViewNode = {
  id: string;
  status: string;
  participants: Array<{ network: { id: string }; status: string; groups: Array<{ id: string }> }>;
  registrationCounts: Array<{ network: { id: string }; count: number }>;
  registrations: {
    totalCount: number;
    nodes: Array<{ id: string; displayName: string | null; member: { id: string; email: string | null } | null; network: { id: string } }>;
  };
  viewerRegistration: { id: string } | null;
};
const view = async (event: string, cred: string) => ok(await app.gql<{ node: ViewNode | null }>(VIEW, { id: event }, cred)).node;
const counts = (v: ViewNode | null) => Object.fromEntries(v!.registrationCounts.map((x) => [x.network.id, x.count]));
const participation = (v: ViewNode | null) => Object.fromEntries(v!.participants.map((p) => [p.network.id, p.status]));
/** Registrations as `[displayName, member id or null, network id]`, sorted by name. */
const named = (v: ViewNode | null) =>
  v!.registrations.nodes.map((r) => [r.displayName, r.member?.id ?? null, r.network.id]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));

type AuditRow = { id: string; actor: string; action: string; targetType: string | null; targetId: string | null; details: any };
// The story's administrative changes: the entries of this story's own reads of personal data (e.g. registrations'
// emails, issue 14's read audit) are left out.
const auditLog = async (cred: string) => {
  const log = ok(await app.gql<{ auditLog: { totalCount: number; nodes: AuditRow[] } }>(AUDIT, {}, cred)).auditLog;
  const nodes = log.nodes.filter((e) => e.action !== 'personal_data.read');
  return { totalCount: nodes.length, nodes };
};

// --- The systematic table: what an outsider gets for everything of the others ------------------------------

/** A network probing another's objects: its credentials and its own things (to use with the others' IDs). */
interface Outsider {
  net: TestNetwork;
  admin: Cred;
  /** An active member of `group`, for member-only operations. */
  member: Cred;
  group: string;
  event: string;
}

/** The other networks' objects the outsider must not reach (global IDs). */
interface Foreign {
  partnerships: string[];
  events: string[];
  networks: string[];
  groups: string[];
  registrations: string[];
  members: string[];
  auditEntries: string[];
}

interface Operation {
  name: string;
  query: string;
  vars: Vars;
  /** The same operation with an ID that exists nowhere: the answer must be indistinguishable. */
  unknownVars: Vars;
  code: 'NOT_FOUND' | 'BAD_USER_INPUT';
  memberOnly?: boolean;
}

/**
 * Every partnership and joint-event mutation, once per foreign ID it takes. (`requestPartnership` takes a
 * slug, not an ID, and asking any network is how partnerships start: its failures are in step 2.)
 */
function operations(o: Outsider, f: Foreign): Operation[] {
  const ops: Operation[] = [];
  for (const id of f.partnerships) {
    const unknown = unknownId('Partnership');
    ops.push(
      {
        name: 'respondToPartnership(accept)',
        query: RESPOND_PARTNERSHIP,
        vars: { id, accept: true },
        unknownVars: { id: unknown, accept: true },
        code: 'NOT_FOUND',
      },
      {
        name: 'respondToPartnership(decline)',
        query: RESPOND_PARTNERSHIP,
        vars: { id, accept: false },
        unknownVars: { id: unknown, accept: false },
        code: 'NOT_FOUND',
      },
      { name: 'revokePartnership', query: REVOKE, vars: { id }, unknownVars: { id: unknown }, code: 'NOT_FOUND' },
    );
  }
  for (const e of f.events) {
    const unknown = unknownId('JointEvent');
    ops.push(
      {
        name: 'inviteToJointEvent(their event, own network)',
        query: INVITE,
        vars: { e, n: o.net.globalId },
        unknownVars: { e: unknown, n: o.net.globalId },
        code: 'NOT_FOUND',
      },
      {
        name: 'respondToJointEventInvitation(accept, own group)',
        query: RESPOND_EVENT,
        vars: { e, accept: true, g: [o.group] },
        unknownVars: { e: unknown, accept: true, g: [o.group] },
        code: 'NOT_FOUND',
      },
      {
        name: 'respondToJointEventInvitation(decline)',
        query: RESPOND_EVENT,
        vars: { e, accept: false },
        unknownVars: { e: unknown, accept: false },
        code: 'NOT_FOUND',
      },
      {
        name: 'registerForJointEvent',
        query: REGISTER,
        vars: { e, share: true },
        unknownVars: { e: unknown, share: true },
        code: 'NOT_FOUND',
        memberOnly: true,
      },
      { name: 'cancelJointEvent', query: CANCEL, vars: { id: e }, unknownVars: { id: unknown }, code: 'NOT_FOUND' },
    );
  }
  for (const n of f.networks) {
    ops.push({
      name: 'inviteToJointEvent(own event, their network)',
      query: INVITE,
      vars: { e: o.event, n },
      unknownVars: { e: o.event, n: unknownId('Network') },
      code: 'NOT_FOUND',
    });
  }
  for (const g of f.groups) {
    const input = (id: string) => ({
      input: { title: 'Hijack', startsAt: inDays(3).toISOString(), endsAt: inDays(4).toISOString(), format: 'ONLINE', hostGroupIds: [id] },
    });
    // An input list of IDs: BAD_USER_INPUT on the position, exactly as for an unknown group.
    ops.push({ name: 'createJointEvent(their group)', query: CREATE_EVENT, vars: input(g), unknownVars: input(unknownId('Group')), code: 'BAD_USER_INPUT' });
  }
  return ops;
}

/**
 * Runs the table for an outsider: every mutation fails like an unknown ID and changes nothing; every list
 * shows nothing of the others; `node`, `nodes` and `_entities` answer null for every foreign ID.
 */
async function expectNothingFor(o: Outsider, f: Foreign, own: { audit: Array<{ action: string; targetId: string }>; partnerships?: string[] }) {
  const before = await world();
  const ops = operations(o, f);
  for (const op of ops) {
    const creds = op.memberOnly ? [o.member.token] : [o.net.adminKey, o.admin.token];
    for (const cred of creds) {
      await expectLikeUnknown(app, op.query, op.vars, op.unknownVars, cred, op.code, op.name);
    }
  }

  for (const cred of [o.net.adminKey, o.admin.token]) {
    // Lists: nothing of the others.
    const partnershipIds = async (status?: string) =>
      ok(await app.gql<{ partnerships: Array<{ id: string }> }>(PARTNERSHIPS, { status }, cred)).partnerships.map((p) => p.id);
    expect(await partnershipIds()).toEqual(own.partnerships ?? []);
    for (const status of ['PENDING', 'ACTIVE', 'REVOKED']) {
      for (const id of await partnershipIds(status)) expect(own.partnerships).toContain(id);
    }
    expect(ok(await app.gql(DIRECTORY, {}, cred)).partnerDirectory).toEqual({ totalCount: 0, nodes: [] });
    expect(ok(await app.gql(DIRECTORY, { search: 'alpha' }, cred)).partnerDirectory).toEqual({ totalCount: 0, nodes: [] });
    expect(ok(await app.gql(JOINT_EVENTS, {}, cred)).jointEvents).toEqual({ totalCount: 1, nodes: [{ id: o.event }] });
    const log = await auditLog(cred);
    expect(log.nodes.map((e) => ({ action: e.action, targetId: e.targetId }))).toEqual(own.audit);

    // node / nodes / _entities: null for every foreign ID.
    const ids = [...f.partnerships, ...f.events, ...f.networks, ...f.groups, ...f.groups.map(shared), ...f.registrations, ...f.members, ...f.auditEntries];
    for (const id of ids) expect({ id, node: ok(await app.gql(NODE, { id }, cred)).node }).toEqual({ id, node: null });
    expect(ok(await app.gql(NODES, { ids }, cred)).nodes).toEqual(ids.map(() => null));
    const reps = [
      ...f.networks.map((id) => ({ __typename: 'Network', id })),
      ...f.groups.map((id) => ({ __typename: 'Group', id })),
      ...f.groups.map((id) => ({ __typename: 'SharedGroup', id: shared(id) })),
      ...f.events.map((id) => ({ __typename: 'JointEvent', id })),
    ];
    expect(ok(await app.gql(ENTITIES, { r: reps }, cred))._entities).toEqual(reps.map(() => null));
  }
  // A member of the outsider network: the same through its member token.
  expect(ok(await app.gql(JOINT_EVENTS, {}, o.member.token)).jointEvents.nodes).toEqual([{ id: o.event }]);
  expect(ok(await app.gql(DIRECTORY, {}, o.member.token)).partnerDirectory.totalCount).toBe(0);
  for (const id of f.events) expect(ok(await app.gql(NODE, { id }, o.member.token)).node).toBeNull();
  // ... and nothing changed for A and B.
  expect(await world()).toEqual(before);
}

/** What A and B see of the story (their partnerships, joint events with participants and counts, audit logs). */
async function world() {
  const seen = async (cred: string) => ({
    partnerships: ok(await app.gql(PARTNERSHIPS, {}, cred)).partnerships,
    events: await Promise.all(
      ok(await app.gql<{ jointEvents: { nodes: Array<{ id: string }> } }>(JOINT_EVENTS, {}, cred)).jointEvents.nodes.map((e) => view(e.id, cred)),
    ),
    audit: (await auditLog(cred)).nodes.map((e) => e.id),
  });
  return { a: await seen(aAdmin.token), b: await seen(bAdmin.token) };
}

/**
 * For a network that declined or was withdrawn from `event`: the event is gone, exactly as an unknown one.
 * Every operation fails like an unknown ID; `node`, `nodes`, `_entities` answer null; `jointEvents` omits it.
 */
async function expectGone(event: string, o: { net: TestNetwork; admin: Cred; member: Cred; group: string }) {
  const unknown = unknownId('JointEvent');
  const ops: Array<{ name: string; query: string; vars: (e: string) => Vars; creds: string[] }> = [
    { name: 'inviteToJointEvent', query: INVITE, vars: (e) => ({ e, n: o.net.globalId }), creds: [o.net.adminKey, o.admin.token] },
    { name: 'respond(accept)', query: RESPOND_EVENT, vars: (e) => ({ e, accept: true, g: [o.group] }), creds: [o.net.adminKey, o.admin.token] },
    { name: 'respond(decline)', query: RESPOND_EVENT, vars: (e) => ({ e, accept: false }), creds: [o.net.adminKey, o.admin.token] },
    { name: 'registerForJointEvent', query: REGISTER, vars: (e) => ({ e, share: true }), creds: [o.member.token] },
    { name: 'cancelJointEvent', query: CANCEL, vars: (id) => ({ id }), creds: [o.net.adminKey, o.admin.token] },
  ];
  for (const op of ops) {
    for (const cred of op.creds) {
      await expectLikeUnknown(app, op.query, op.vars(event), op.vars(unknown), cred, 'NOT_FOUND', op.name);
    }
  }
  for (const cred of [o.net.adminKey, o.admin.token, o.member.token]) {
    expect(ok(await app.gql(NODE, { id: event }, cred)).node).toBeNull();
    expect(ok(await app.gql(NODES, { ids: [event] }, cred)).nodes).toEqual([null]);
    expect(ok(await app.gql(ENTITIES, { r: [{ __typename: 'JointEvent', id: event }] }, cred))._entities).toEqual([null]);
    const listed = ok(await app.gql<{ jointEvents: { nodes: Array<{ id: string }> } }>(JOINT_EVENTS, {}, cred)).jointEvents.nodes.map((n) => n.id);
    expect(listed).not.toContain(event);
  }
}

let cOutsider: Outsider;
/** Everything of A and B that exists so far. */
async function everythingOfAAndB(): Promise<Foreign> {
  const aLog = (await auditLog(aAdmin.token)).nodes.map((e) => e.id);
  const bLog = (await auditLog(bAdmin.token)).nodes.map((e) => e.id);
  return {
    partnerships: partnershipId ? [partnershipId] : [],
    events: [e1, e2, e3, e4, e6].filter(Boolean),
    networks: [a.globalId, b.globalId],
    groups: [aHost, aShared, bGroup, bShared],
    registrations: Object.values(registrationIds),
    members: [aAdmin.globalId, bAdmin.globalId, ...ann.map((m) => m.globalId), ...bo.map((m) => m.globalId)],
    auditEntries: [...aLog, ...bLog],
  };
}
/** All C may see of itself: its own event's creation. */
const cOwn = () => ({ audit: [{ action: 'joint_event.created', targetId: cEvent }] });

// --- The story -------------------------------------------------------------------------------------------

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  c = await createTestNetwork(app, 'Network C');
  aAdmin = await a.member(NetworkRole.ADMIN, { displayName: 'Ada (admin A)' });
  bAdmin = await b.member(NetworkRole.ADMIN, { displayName: 'Ben (admin B)' });
  cAdmin = await c.member(NetworkRole.ADMIN, { displayName: 'Cal (admin C)' });
  aHost = await createGroup(app, a, { name: 'Alpha grief', visibility: 'NETWORK', topics: ['grief'] });
  aShared = await createGroup(app, a, { name: 'Alpha open circle', visibility: 'PARTNERS', topics: ['anxiety'] });
  bGroup = await createGroup(app, b, { name: 'Beta grief', visibility: 'NETWORK', topics: ['grief'] });
  bShared = await createGroup(app, b, { name: 'Beta shared', visibility: 'PARTNERS', topics: ['grief'] });
  cGroup = await createGroup(app, c, { name: 'Gamma shared', visibility: 'PARTNERS', topics: ['anxiety'] });
  for (let i = 0; i < 4; i += 1) {
    ann.push(await a.member(NetworkRole.MEMBER, { displayName: `Ann ${i}` }));
    await joinGroup(app, aHost, ann[i]);
  }
  for (let i = 0; i < 3; i += 1) {
    bo.push(await b.member(NetworkRole.MEMBER, { displayName: `Bo ${i}` }));
    await joinGroup(app, bGroup, bo[i]);
  }
  cMember = await c.member(NetworkRole.MEMBER, { displayName: 'Cy' });
  await joinGroup(app, cGroup, cMember);
});
afterAll(() => app.stop());

describe('issue 4 story: A hosts, B partners, C is unrelated', () => {
  test('1. before any partnership: each network hosts its own event; B and C reach nothing of A', async () => {
    e1 = await createEvent(aAdmin.token, 'Grief circle together', [aHost], 5);
    e4 = await createEvent(bAdmin.token, 'Beta evening', [bGroup]);
    cEvent = await createEvent(c.adminKey, 'Gamma only', [cGroup]);
    await register(e1, ann[0], false, 'ann0-e1');
    cOutsider = { net: c, admin: cAdmin, member: cMember, group: cGroup, event: cEvent };

    // A cannot invite either of them: without a partnership, their networks are unknown to A.
    for (const net of [b, c]) expect(code(await app.gql(INVITE, { e: e1, n: net.globalId }, aAdmin.token))).toBe('NOT_FOUND');

    const ofA: Foreign = {
      partnerships: [],
      events: [e1],
      networks: [a.globalId],
      groups: [aHost, aShared],
      registrations: [registrationIds['ann0-e1']],
      members: [aAdmin.globalId, ann[0].globalId],
      auditEntries: (await auditLog(aAdmin.token)).nodes.map((e) => e.id),
    };
    await expectNothingFor({ net: b, admin: bAdmin, member: bo[0], group: bGroup, event: e4 }, ofA, {
      audit: [{ action: 'joint_event.created', targetId: e4 }],
    });
    await expectNothingFor(cOutsider, await everythingOfAAndB(), cOwn());
  });

  test('2. request and accept: the same agreement on both sides; while PENDING, B still reaches nothing of A', async () => {
    // The ways a request can fail first.
    expect(code(await app.gql(REQUEST, { s: a.slug, scopes: ['GROUP_DIRECTORY'] }, aAdmin.token))).toBe('BAD_USER_INPUT');
    expect(code(await app.gql(REQUEST, { s: `${b.slug}-nope`, scopes: ['GROUP_DIRECTORY'] }, aAdmin.token))).toBe('NOT_FOUND');
    expect(code(await app.gql(REQUEST, { s: b.slug, scopes: ['GROUP_DIRECTORY'] }, ann[0].token))).toBe('FORBIDDEN');

    const requested = ok(await app.gql(REQUEST, { s: b.slug, scopes: ['GROUP_DIRECTORY', 'JOINT_EVENTS'] }, aAdmin.token)).requestPartnership;
    partnershipId = requested.id;
    expect(requested).toEqual({
      id: partnershipId,
      status: 'PENDING',
      scopes: ['GROUP_DIRECTORY', 'JOINT_EVENTS'],
      requester: { id: a.globalId, slug: a.slug },
      partner: { id: b.globalId, slug: b.slug },
    });
    for (const cred of [aAdmin.token, bAdmin.token]) expect(ok(await app.gql(PARTNERSHIPS, {}, cred)).partnerships).toEqual([requested]);
    expect(code(await app.gql(REQUEST, { s: a.slug, scopes: ['JOINT_EVENTS'] }, bAdmin.token))).toBe('CONFLICT');
    // Only the asked network answers.
    expect(code(await app.gql(RESPOND_PARTNERSHIP, { id: partnershipId, accept: true }, aAdmin.token))).toBe('FORBIDDEN');

    // PENDING shares nothing: B still gets NOT_FOUND / nothing for A's joint event, groups and directory.
    expect(code(await app.gql(INVITE, { e: e1, n: b.globalId }, aAdmin.token))).toBe('FORBIDDEN');
    await expectNothingFor(
      { net: b, admin: bAdmin, member: bo[0], group: bGroup, event: e4 },
      {
        partnerships: [],
        events: [e1],
        networks: [],
        groups: [aHost, aShared],
        registrations: [registrationIds['ann0-e1']],
        members: [ann[0].globalId],
        auditEntries: [],
      },
      {
        audit: [
          { action: 'partnership.requested', targetId: partnershipId },
          { action: 'joint_event.created', targetId: e4 },
        ],
        partnerships: [partnershipId],
      },
    );
    await expectNothingFor(cOutsider, await everythingOfAAndB(), cOwn());

    const accepted = ok(await app.gql(RESPOND_PARTNERSHIP, { id: partnershipId, accept: true }, bAdmin.token)).respondToPartnership;
    expect(accepted).toEqual({ ...requested, status: 'ACTIVE' });
    for (const cred of [aAdmin.token, bAdmin.token, a.adminKey, b.adminKey]) {
      expect(ok(await app.gql(PARTNERSHIPS, { status: 'ACTIVE' }, cred)).partnerships).toEqual([accepted]);
      expect(ok(await app.gql(NODE, { id: partnershipId }, cred)).node).toEqual({ id: partnershipId, __typename: 'Partnership' });
    }
    expect(code(await app.gql(REQUEST, { s: b.slug, scopes: ['GROUP_DIRECTORY'] }, aAdmin.token))).toBe('CONFLICT');

    // The partner's Network, as Partnership.partner shows it: node and _entities agree, with its public
    // fields only (its own settings, like the privacy threshold, stay null); C gets null from both.
    const NETWORK = `query($id: ID!, $r: [_Any!]!) {
      node(id: $id) { __typename ... on Network { id slug name minimumAggregateSize } }
      _entities(representations: $r) { __typename ... on Network { id slug name minimumAggregateSize } } }`;
    const asNetwork = (net: TestNetwork, name: string, k: number | null) => ({
      __typename: 'Network',
      id: net.globalId,
      slug: net.slug,
      name,
      minimumAggregateSize: k,
    });
    const lookUp = async (net: TestNetwork, cred: string) =>
      ok(await app.gql(NETWORK, { id: net.globalId, r: [{ __typename: 'Network', id: net.globalId }] }, cred));
    for (const cred of [bAdmin.token, b.adminKey, bo[0].token]) {
      expect(await lookUp(a, cred)).toEqual({ node: asNetwork(a, 'Network A', null), _entities: [asNetwork(a, 'Network A', null)] });
      expect(await lookUp(b, cred)).toEqual({ node: asNetwork(b, 'Network B', 5), _entities: [asNetwork(b, 'Network B', 5)] });
    }
    expect((await lookUp(b, aAdmin.token)).node).toEqual(asNetwork(b, 'Network B', null));
    for (const net of [a, b]) expect(await lookUp(net, cAdmin.token)).toEqual({ node: null, _entities: [null] });
  });

  test("3. the directory: B sees A's PARTNERS groups (and A B's), with filters; C sees nothing", async () => {
    const aSharedNode = { id: shared(aShared), name: 'Alpha open circle', topics: ['anxiety'], network: { id: a.globalId } };
    for (const cred of [bAdmin.token, b.adminKey, bo[0].token]) {
      expect(ok(await app.gql(DIRECTORY, {}, cred)).partnerDirectory).toEqual({ totalCount: 1, nodes: [aSharedNode] });
    }
    expect(ok(await app.gql(DIRECTORY, { topic: 'anxiety' }, bAdmin.token)).partnerDirectory.nodes).toEqual([aSharedNode]);
    expect(ok(await app.gql(DIRECTORY, { topic: 'grief' }, bAdmin.token)).partnerDirectory.totalCount).toBe(0);
    expect(ok(await app.gql(DIRECTORY, { search: 'alph' }, bAdmin.token)).partnerDirectory.nodes).toEqual([aSharedNode]);
    expect(ok(await app.gql(DIRECTORY, { search: 'gamma' }, bAdmin.token)).partnerDirectory.totalCount).toBe(0);
    expect(ok(await app.gql(DIRECTORY, {}, ann[1].token)).partnerDirectory.nodes).toEqual([
      { id: shared(bShared), name: 'Beta shared', topics: ['grief'], network: { id: b.globalId } },
    ]);
    // The same through federation.
    const rep = [{ __typename: 'SharedGroup', id: shared(aShared) }];
    expect(ok(await app.gql(ENTITIES, { r: rep }, bAdmin.token))._entities).toEqual([{ __typename: 'SharedGroup', id: shared(aShared) }]);
    expect(ok(await app.gql(ENTITIES, { r: [{ __typename: 'Network', id: a.globalId }] }, bAdmin.token))._entities).toEqual([
      { __typename: 'Network', id: a.globalId },
    ]);
    // The directory is no way into A's groups themselves.
    expect(ok(await app.gql(NODE, { id: aShared }, bAdmin.token)).node).toBeNull();
    await expectNothingFor(cOutsider, await everythingOfAAndB(), cOwn());
  });

  test('4. invite, accept with own groups only: E1, E2, E3 hosted by A; E4 hosted by B; E6 declined by B, gone for B', async () => {
    // Invitations come from the host only, and only to partners.
    expect(code(await app.gql(INVITE, { e: e1, n: c.globalId }, aAdmin.token))).toBe('NOT_FOUND');
    expect(code(await app.gql(INVITE, { e: e1, n: a.globalId }, aAdmin.token))).toBe('NOT_FOUND');
    expect(ok(await app.gql(INVITE, { e: e1, n: b.globalId }, aAdmin.token)).inviteToJointEvent).toEqual({ network: { id: b.globalId }, status: 'INVITED' });
    expect(code(await app.gql(INVITE, { e: e1, n: b.globalId }, a.adminKey))).toBe('CONFLICT');

    // B sees E1 now, as INVITED; its members cannot register yet.
    expect(participation(await view(e1, bAdmin.token))).toEqual({ [a.globalId]: 'ACCEPTED', [b.globalId]: 'INVITED' });
    expect(code(await app.gql(REGISTER, { e: e1 }, bo[0].token))).toBe('FORBIDDEN');
    // Accepting: B's own groups only; ADMIN only.
    const foreign = await app.gql(RESPOND_EVENT, { e: e1, accept: true, g: [bGroup, aHost] }, bAdmin.token);
    expect(code(foreign)).toBe('BAD_USER_INPUT');
    expect(foreign.errors![0].extensions.fieldErrors).toEqual([{ path: ['groupIds', 1], message: 'is not a group of your network' }]);
    expect(code(await app.gql(RESPOND_EVENT, { e: e1, accept: true, g: [bGroup] }, bo[0].token))).toBe('FORBIDDEN');
    expect(code(await app.gql(RESPOND_EVENT, { e: e1, accept: true, g: [bGroup] }, await b.key(ApiKeyScope.WRITE)))).toBe('FORBIDDEN');
    expect(ok(await app.gql(RESPOND_EVENT, { e: e1, accept: true, g: [bGroup] }, bAdmin.token)).respondToJointEventInvitation).toEqual({
      network: { id: b.globalId },
      status: 'ACCEPTED',
      groups: [{ id: shared(bGroup), name: 'Beta grief' }],
    });
    for (const cred of [aAdmin.token, bAdmin.token]) {
      const v = await view(e1, cred);
      expect(v!.participants).toEqual([
        { network: { id: a.globalId }, status: 'ACCEPTED', groups: [{ id: shared(aHost) }] },
        { network: { id: b.globalId }, status: 'ACCEPTED', groups: [{ id: shared(bGroup) }] },
      ]);
    }

    // E2 (to become past) and E3 (left pending) with the factory; B accepts E2 only.
    e2 = await invitedJointEvent(app, aAdmin.token, aHost, b, 5);
    e3 = await invitedJointEvent(app, aAdmin.token, aHost, b, 20);
    ok(await app.gql(RESPOND_EVENT, { e: e2, accept: true, g: [bGroup] }, b.adminKey));

    // E4: B hosts, A accepts.
    ok(await app.gql(INVITE, { e: e4, n: a.globalId }, bAdmin.token));
    ok(await app.gql(RESPOND_EVENT, { e: e4, accept: true, g: [aHost] }, aAdmin.token));

    // E6: B declines. The event is gone for B, as if never invited; A sees B DECLINED.
    e6 = await invitedJointEvent(app, aAdmin.token, aHost, b, 15);
    expect(participation(await view(e6, bAdmin.token))).toEqual({ [a.globalId]: 'ACCEPTED', [b.globalId]: 'INVITED' });
    expect(ok(await app.gql(RESPOND_EVENT, { e: e6, accept: false }, bAdmin.token)).respondToJointEventInvitation).toEqual({
      network: { id: b.globalId },
      status: 'DECLINED',
      groups: [],
    });
    expect(participation(await view(e6, aAdmin.token))).toEqual({ [a.globalId]: 'ACCEPTED', [b.globalId]: 'DECLINED' });
    expect(counts(await view(e6, aAdmin.token))).toEqual({ [a.globalId]: 0 });
    await expectGone(e6, { net: b, admin: bAdmin, member: bo[0], group: bGroup });
    // ... and A cannot invite B to it again (the participant row stays, DECLINED).
    expect(code(await app.gql(INVITE, { e: e6, n: b.globalId }, aAdmin.token))).toBe('CONFLICT');

    const listed = async (cred: string) =>
      ok(await app.gql(JOINT_EVENTS, {}, cred))
        .jointEvents.nodes.map((n: { id: string }) => n.id)
        .sort();
    expect(await listed(aAdmin.token)).toEqual([e1, e2, e3, e4, e6].sort());
    expect(await listed(bo[2].token)).toEqual([e1, e2, e3, e4].sort());
    await expectNothingFor(cOutsider, await everythingOfAAndB(), cOwn());
  });

  test('5. registrations from both networks, with and without consent', async () => {
    await register(e1, ann[1], true, 'ann1-e1');
    await register(e1, bo[0], true, 'bo0-e1');
    const bo1 = await register(e1, bo[1], false, 'bo1-e1');
    expect(bo1).toMatchObject({ displayName: 'Bo 1', network: { id: b.globalId } });
    expect(code(await app.gql(REGISTER, { e: e1 }, bo[1].token))).toBe('CONFLICT');
    // Not in a participating group; API keys; C's member.
    expect(code(await app.gql(REGISTER, { e: e1 }, (await b.member()).token))).toBe('FORBIDDEN');
    expect(code(await app.gql(REGISTER, { e: e1 }, b.adminKey))).toBe('FORBIDDEN');
    expect(code(await app.gql(REGISTER, { e: e1 }, cMember.token))).toBe('NOT_FOUND');
    // B's members cannot register for E3 (invited, not accepted).
    expect(code(await app.gql(REGISTER, { e: e3 }, bo[0].token))).toBe('FORBIDDEN');

    await register(e2, ann[0], false, 'ann0-e2');
    await register(e2, bo[0], true, 'bo0-e2');
    await register(e2, bo[1], false, 'bo1-e2');
    await register(e4, ann[1], true, 'ann1-e4');
    await register(e4, bo[2], false, 'bo2-e4');
  });

  test('6. counts versus identities, as each network sees them', async () => {
    const expectedCounts = { [a.globalId]: 2, [b.globalId]: 2 };

    // A's admin: A's registrations in full, B's consenting member by display name only, counts for both.
    const fromA = await view(e1, aAdmin.token);
    expect(counts(fromA)).toEqual(expectedCounts);
    expect(named(fromA)).toEqual([
      ['Ann 0', ann[0].globalId, a.globalId],
      ['Ann 1', ann[1].globalId, a.globalId],
      ['Bo 0', null, b.globalId],
    ]);
    expect(fromA!.registrations.nodes.find((r) => r.displayName === 'Bo 0')!.member).toBeNull();
    expect(JSON.stringify(fromA)).not.toContain('Bo 1');
    expect(JSON.stringify(fromA)).not.toContain(b.slug); // no B email addresses (member1@<slug>.example)
    // ... and B's registrations are not nodes for A (nor A's for B).
    expect(ok(await app.gql(NODES, { ids: [registrationIds['bo0-e1'], registrationIds['bo1-e1']] }, aAdmin.token)).nodes).toEqual([null, null]);
    expect(ok(await app.gql(NODES, { ids: [registrationIds['ann0-e1'], registrationIds['ann1-e1']] }, bAdmin.token)).nodes).toEqual([null, null]);

    // B's admin: the mirror.
    const fromB = await view(e1, bAdmin.token);
    expect(counts(fromB)).toEqual(expectedCounts);
    expect(named(fromB)).toEqual([
      ['Ann 1', null, a.globalId],
      ['Bo 0', bo[0].globalId, b.globalId],
      ['Bo 1', bo[1].globalId, b.globalId],
    ]);
    expect(JSON.stringify(fromB)).not.toContain('Ann 0');
    expect(JSON.stringify(fromB)).not.toContain(a.slug);

    // Plain members: their own registration only, plus the counts.
    const asBo1 = await view(e1, bo[1].token);
    expect(named(asBo1)).toEqual([['Bo 1', bo[1].globalId, b.globalId]]);
    expect(asBo1!.viewerRegistration).toEqual({ id: registrationIds['bo1-e1'] });
    expect(counts(asBo1)).toEqual(expectedCounts);
    const asAnn2 = await view(e1, ann[2].token);
    expect(asAnn2!.registrations.totalCount).toBe(0);
    expect(asAnn2!.viewerRegistration).toBeNull();

    // API keys: READ sees counts only; READ + PERSONAL_DATA (the all-scopes key) as an admin does.
    const readOnly = await view(e1, await a.key(ApiKeyScope.READ));
    expect(readOnly!.registrations).toEqual({ totalCount: 0, nodes: [] });
    expect(counts(readOnly)).toEqual(expectedCounts);
    expect(named(await view(e1, b.adminKey))).toEqual(named(fromB));

    // E4 (B hosts): the same rules the other way round.
    expect(counts(await view(e4, aAdmin.token))).toEqual({ [b.globalId]: 1, [a.globalId]: 1 });
    expect(named(await view(e4, aAdmin.token))).toEqual([['Ann 1', ann[1].globalId, a.globalId]]);
    expect(named(await view(e4, bAdmin.token))).toEqual([
      ['Ann 1', null, a.globalId],
      ['Bo 2', bo[2].globalId, b.globalId],
    ]);

    // C: nothing at all.
    for (const e of [e1, e2, e3, e4]) expect(await view(e, c.adminKey)).toBeNull();
  });

  test('7. capacity counts every network: the last place, then CONFLICT from either side', async () => {
    await register(e1, ann[2], false, 'ann2-e1'); // 5 of 5: A 3, B 2
    expect(code(await app.gql(REGISTER, { e: e1 }, bo[2].token))).toBe('CONFLICT');
    expect(code(await app.gql(REGISTER, { e: e1 }, ann[3].token))).toBe('CONFLICT');
    for (const cred of [aAdmin.token, bAdmin.token]) expect(counts(await view(e1, cred))).toEqual({ [a.globalId]: 3, [b.globalId]: 2 });
    await expectNothingFor(cOutsider, await everythingOfAAndB(), cOwn());
  });

  test('8. revocation mid-way (by B): directory gone, invitations and future participations WITHDRAWN, registrations cancelled; the past keeps its counts', async () => {
    // Fixture: E2 took place two days ago (its host moves it; the API creates no event in the past).
    await withTenant(app.db.dataSource, a.id, (m) =>
      m.query(`UPDATE joint_events SET starts_at = now() - interval '2 days', ends_at = now() - interval '2 days' + interval '2 hours' WHERE id = $1`, [
        dbId(e2),
      ]),
    );
    const pastCounts = { [a.globalId]: 1, [b.globalId]: 2 };
    expect(counts(await view(e2, aAdmin.token))).toEqual(pastCounts);

    // C cannot revoke it; then B can.
    for (const cred of [c.adminKey, cAdmin.token]) expect(code(await app.gql(REVOKE, { id: partnershipId }, cred))).toBe('NOT_FOUND');
    const revoked = ok(await app.gql(REVOKE, { id: partnershipId }, bAdmin.token)).revokePartnership;
    expect(revoked).toMatchObject({ id: partnershipId, status: 'REVOKED' });
    expect(revoked.revokedAt).not.toBeNull();
    for (const cred of [aAdmin.token, bAdmin.token]) {
      const { revokedAt: _at, ...same } = revoked;
      expect(ok(await app.gql(PARTNERSHIPS, {}, cred)).partnerships).toEqual([same]);
    }
    expect(code(await app.gql(REVOKE, { id: partnershipId }, aAdmin.token))).toBe('CONFLICT');

    // The directory is gone, both ways, also through federation.
    for (const cred of [bAdmin.token, bo[0].token, aAdmin.token])
      expect(ok(await app.gql(DIRECTORY, {}, cred)).partnerDirectory).toEqual({ totalCount: 0, nodes: [] });
    expect(ok(await app.gql(ENTITIES, { r: [{ __typename: 'SharedGroup', id: shared(aShared) }] }, bAdmin.token))._entities).toEqual([null]);

    // The host's view: E1 (future, accepted) and E3 (future, pending invitation) show B WITHDRAWN, B's
    // registrations cancelled, A's kept.
    const v1 = await view(e1, aAdmin.token);
    expect(participation(v1)).toEqual({ [a.globalId]: 'ACCEPTED', [b.globalId]: 'WITHDRAWN' });
    expect(counts(v1)).toEqual({ [a.globalId]: 3, [b.globalId]: 0 });
    expect(participation(await view(e3, aAdmin.token))).toEqual({ [a.globalId]: 'ACCEPTED', [b.globalId]: 'WITHDRAWN' });
    // E4 (future, B hosts): A's part WITHDRAWN and Ann 1's registration cancelled, whichever side hosts.
    const v4 = await view(e4, bAdmin.token);
    expect(participation(v4)).toEqual({ [b.globalId]: 'ACCEPTED', [a.globalId]: 'WITHDRAWN' });
    expect(counts(v4)).toEqual({ [b.globalId]: 1, [a.globalId]: 0 });
    expect(named(v4)).toEqual([['Bo 2', bo[2].globalId, b.globalId]]);
    // The withdrawn side: the event is gone, as if never invited (B: E1 and E3; A: E4).
    await expectGone(e1, { net: b, admin: bAdmin, member: bo[0], group: bGroup });
    await expectGone(e3, { net: b, admin: bAdmin, member: bo[2], group: bGroup });
    await expectGone(e4, { net: a, admin: aAdmin, member: ann[1], group: aHost });
    // E2 (past): unchanged for both, with its counts.
    for (const cred of [aAdmin.token, bAdmin.token]) {
      const v2 = await view(e2, cred);
      expect(participation(v2)).toEqual({ [a.globalId]: 'ACCEPTED', [b.globalId]: 'ACCEPTED' });
      expect(counts(v2)).toEqual(pastCounts);
    }
    const listed = async (cred: string) =>
      ok(await app.gql(JOINT_EVENTS, {}, cred))
        .jointEvents.nodes.map((n: { id: string }) => n.id)
        .sort();
    expect(await listed(aAdmin.token)).toEqual([e1, e2, e3, e6].sort());
    expect(await listed(bAdmin.token)).toEqual([e2, e4].sort());
    // Identities follow: B's consenting member leaves A's view of E1, stays in the past event's.
    expect(named(v1)).toEqual([
      ['Ann 0', ann[0].globalId, a.globalId],
      ['Ann 1', ann[1].globalId, a.globalId],
      ['Ann 2', ann[2].globalId, a.globalId],
    ]);
    expect(named(await view(e2, aAdmin.token))).toEqual([
      ['Ann 0', ann[0].globalId, a.globalId],
      ['Bo 0', null, b.globalId],
    ]);
    expect(named(await view(e2, bAdmin.token))).toEqual([
      ['Bo 0', bo[0].globalId, b.globalId],
      ['Bo 1', bo[1].globalId, b.globalId],
    ]);
    // B's groups stay visible to the host as the groups it brought to E1 (and, to B, A's groups of the past E2).
    expect(v1!.participants.find((p) => p.network.id === b.globalId)!.groups).toEqual([{ id: shared(bGroup) }]);
    expect(ok(await app.gql(ENTITIES, { r: [{ __typename: 'SharedGroup', id: shared(aHost) }] }, bAdmin.token))._entities).toEqual([
      { __typename: 'SharedGroup', id: shared(aHost) },
    ]);

    // Registration closes at the start: not even the past event's own participants register late.
    const late = await app.gql(REGISTER, { e: e2 }, bo[2].token);
    expect({ data: late.data, code: code(late), message: late.errors?.[0]?.message }).toEqual({
      data: null,
      code: 'CONFLICT',
      message: 'This joint event has already started',
    });
    // A cannot invite B again.
    const e5 = await createEvent(aAdmin.token, 'After the partnership', [aHost]);
    expect(code(await app.gql(INVITE, { e: e5, n: b.globalId }, aAdmin.token))).toBe('FORBIDDEN');
    ok(await app.gql(CANCEL, { id: e5 }, aAdmin.token));
    for (const cred of [aAdmin.token, bAdmin.token]) expect(counts(await view(e2, cred))).toEqual(pastCounts);

    // The places B freed are A's again; B learns nothing of it.
    await register(e1, ann[3], true, 'ann3-e1');
    expect(counts(await view(e1, aAdmin.token))).toEqual({ [a.globalId]: 4, [b.globalId]: 0 });
    expect(await view(e1, bAdmin.token)).toBeNull();
  });

  test("9. audit: A's and B's logs tell the story, C's none of it", async () => {
    const aLog = (await auditLog(aAdmin.token)).nodes;
    const bLog = (await auditLog(bAdmin.token)).nodes;
    const actions = (log: AuditRow[]) => log.map((e) => e.action).sort();
    const times = (action: string, n: number) => Array<string>(n).fill(action);

    expect(actions(aLog)).toEqual(
      [
        ...times('joint_event.created', 5), // E1, E2, E3, E5, E6
        'partnership.requested',
        'partnership.accepted', // B's, in A's log
        ...times('joint_event.invited', 5), // E1, E2, E3, E6 (own); E4 (B's invitation)
        ...times('joint_event.accepted', 3), // E1, E2 (B's); E4 (own)
        'joint_event.declined', // E6 (B's)
        ...times('joint_event.registered', 6), // Ann 0 E1, Ann 1 E1, Ann 0 E2, Ann 1 E4, Ann 2 E1, Ann 3 E1
        'joint_event.cancelled', // E5
        'partnership.revoked', // B's, in A's log
      ].sort(),
    );
    expect(actions(bLog)).toEqual(
      [
        'joint_event.created', // E4
        'partnership.requested', // A's, in B's log
        'partnership.accepted',
        ...times('joint_event.invited', 5),
        ...times('joint_event.accepted', 3),
        'joint_event.declined', // E6
        ...times('joint_event.registered', 5), // Bo 0 E1, Bo 1 E1, Bo 0 E2, Bo 1 E2, Bo 2 E4
        'partnership.revoked',
      ].sort(),
    );

    // The partnership entries name the actor and the other network on each side.
    const entry = (log: AuditRow[], action: string) => log.find((e) => e.action === action && e.targetId === partnershipId);
    const aActor = `member:${aAdmin.globalId}`;
    const bActor = `member:${bAdmin.globalId}`;
    expect(entry(aLog, 'partnership.requested')).toMatchObject({ actor: aActor, targetType: 'Partnership', details: { partnerSlug: b.slug } });
    expect(entry(bLog, 'partnership.requested')).toMatchObject({ actor: aActor, targetType: 'Partnership', details: { partnerSlug: a.slug } });
    expect(entry(aLog, 'partnership.accepted')).toMatchObject({ actor: bActor, details: { partnerSlug: b.slug } });
    expect(entry(bLog, 'partnership.accepted')).toMatchObject({ actor: bActor, details: { partnerSlug: a.slug } });
    // Revocation: by B, withdrawing three participations (B in E1 and E3, A in E4), in both logs.
    const revokedDetails = { previousStatus: 'ACTIVE', scopes: ['GROUP_DIRECTORY', 'JOINT_EVENTS'], jointEventsWithdrawn: 3 };
    expect(entry(aLog, 'partnership.revoked')).toMatchObject({ actor: bActor, details: { ...revokedDetails, partnerSlug: b.slug } });
    expect(entry(bLog, 'partnership.revoked')).toMatchObject({ actor: bActor, details: { ...revokedDetails, partnerSlug: a.slug } });
    // Joint-event entries on the partner's side point at the event.
    const invitedInB = bLog
      .filter((e) => e.action === 'joint_event.invited')
      .map((e) => e.details.jointEventId)
      .sort();
    expect(invitedInB).toEqual([e1, e2, e3, e4, e6].sort());
    expect(bLog.filter((e) => e.action === 'joint_event.registered').every((e) => e.actor.startsWith('member:'))).toBe(true);
    // Member IDs in actors are each network's own: no B member in A's log but the admin who acted on the partnership.
    const bMemberActors = new Set(bo.map((m) => `member:${m.globalId}`));
    expect(aLog.filter((e) => bMemberActors.has(e.actor))).toEqual([]);
    const aMemberActors = new Set(ann.map((m) => `member:${m.globalId}`));
    expect(bLog.filter((e) => aMemberActors.has(e.actor))).toEqual([]);

    // C: its own event only, and still nothing of A or B anywhere.
    await expectNothingFor(cOutsider, await everythingOfAAndB(), cOwn());
  });
});
