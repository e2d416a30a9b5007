import fs from 'node:fs';
import path from 'node:path';
import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { activePartnership, createTestNetwork, invitedJointEvent, type TestNetwork } from '../helpers/factories';
import { createGroup, dbId, ok } from '../helpers/gql';

/**
 * The API as an Apollo Federation 2 subgraph: `_service { sdl }` with the entity keys, and `_entities`
 * resolving our global IDs with the same visibility as `node` (unknown, other type or hidden → null).
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let c: TestNetwork;
let aAdmin: string;
let bAdmin: string;
let aMember: string;
let aGroup: string;
let aPrivate: string;
let aPartners: string;
let bGroup: string;
let eventId: string;

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  __typename
  ... on Network { id slug }
  ... on Group { id name }
  ... on SharedGroup { id name topics network { id } }
  ... on JointEvent { id title host { id } }
} }`;

async function entities(representations: unknown[], credential: string): Promise<Array<Record<string, any> | null>> {
  return ok(await app.gql<{ _entities: Array<Record<string, any> | null> }>(ENTITIES, { r: representations }, credential))._entities;
}
const node = async (id: string, credential: string) =>
  ok(await app.gql<{ node: { id: string } | null }>(`query($id: ID!) { node(id: $id) { id } }`, { id }, credential)).node;

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  c = await createTestNetwork(app, 'Network C');
  aAdmin = (await a.member(NetworkRole.ADMIN)).token;
  bAdmin = (await b.member(NetworkRole.ADMIN)).token;
  aMember = (await a.member(NetworkRole.MEMBER)).token;
  aGroup = await createGroup(app, a, { name: 'Alpha open', visibility: 'NETWORK' });
  aPrivate = await createGroup(app, a, { name: 'Alpha private', visibility: 'PRIVATE' });
  aPartners = await createGroup(app, a, { name: 'Alpha shared', visibility: 'PARTNERS' });
  bGroup = await createGroup(app, b, { name: 'Beta grief', visibility: 'NETWORK' });

  await activePartnership(app, aAdmin, { slug: b.slug, admin: bAdmin });
  eventId = await invitedJointEvent(app, aAdmin, aGroup, b);
});
afterAll(() => app.stop());

describe('_service', () => {
  test('answers the subgraph SDL with @key(fields: "id") on the four entities, as committed in schema/subgraph.graphql', async () => {
    const sdl = ok(await app.gql<{ _service: { sdl: string } }>(`{ _service { sdl } }`, {}, aMember))._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])');
    for (const type of ['Network', 'Group', 'SharedGroup', 'JointEvent']) {
      expect(sdl).toMatch(new RegExp(`type ${type} implements[^{]*@key\\(fields: "id"\\)|type ${type}\\s+@key\\(fields: "id"\\)`));
    }
    expect(sdl.match(/@key\(fields: "id"\)/g)).toHaveLength(4);
    expect(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'subgraph.graphql'), 'utf8')).toBe(sdl + '\n');
  });

  test('needs a credential, like every field', async () => {
    const res = await app.gql(`{ _service { sdl } }`);
    expect(res.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('_entities, with the visibility of node', () => {
  test('Group: own visible group; null for another network, a PRIVATE group the caller cannot see, malformed or mistyped ids', async () => {
    const reps = [aGroup, bGroup, aPrivate, 'not-an-id', toGlobalId('Group', '00000000-0000-4000-8000-000000000000'), toGlobalId('Member', dbId(aGroup))].map(
      (id) => ({ __typename: 'Group', id }),
    );
    expect(await entities(reps, aMember)).toEqual([{ __typename: 'Group', id: aGroup, name: 'Alpha open' }, null, null, null, null, null]);
    // Exactly as node answers.
    expect(await Promise.all(reps.slice(0, 3).map((r) => node(r.id, aMember)))).toEqual([{ id: aGroup }, null, null]);
    // The admin sees the private group; B sees none of A's groups as Group.
    expect((await entities([{ __typename: 'Group', id: aPrivate }], aAdmin))[0]).toEqual({ __typename: 'Group', id: aPrivate, name: 'Alpha private' });
    expect(await entities([{ __typename: 'Group', id: aGroup }], bAdmin)).toEqual([null]);
  });

  test('JointEvent: the host and the invited partner; null for the unrelated network and without READ', async () => {
    const rep = { __typename: 'JointEvent', id: eventId };
    const expected = { __typename: 'JointEvent', id: eventId, title: 'Grief circle together', host: { id: a.globalId } };
    expect(await entities([rep], aMember)).toEqual([expected]);
    expect(await entities([rep], bAdmin)).toEqual([expected]);
    expect(await entities([rep], c.adminKey)).toEqual([null]);
    expect(await node(eventId, c.adminKey)).toBeNull();
    expect(await entities([rep], await a.key(ApiKeyScope.WRITE))).toEqual([null]);
    expect(await entities([{ __typename: 'JointEvent', id: aGroup }], aMember)).toEqual([null]);
  });

  test("SharedGroup: a partner's PARTNERS group (directory) and groups of a shared joint event; null otherwise", async () => {
    const shared = (id: string) => ({ __typename: 'SharedGroup', id: toGlobalId('SharedGroup', dbId(id)) });
    const res = await entities([shared(aPartners), shared(aGroup), shared(aPrivate), shared(bGroup)], bAdmin);
    expect(res).toEqual([
      { __typename: 'SharedGroup', id: shared(aPartners).id, name: 'Alpha shared', topics: ['grief'], network: { id: a.globalId } },
      // A's host group of the joint event B is invited to.
      { __typename: 'SharedGroup', id: shared(aGroup).id, name: 'Alpha open', topics: ['grief'], network: { id: a.globalId } },
      null,
      null,
    ]);
    expect(await entities([shared(aPartners), shared(aGroup)], c.adminKey)).toEqual([null, null]);
    // The directory is about partners: A's own PARTNERS group is not shared with A; its joint event's group is.
    expect((await entities([shared(aPartners), shared(aGroup)], aMember)).map((e) => e?.name ?? null)).toEqual([null, 'Alpha open']);
    expect(await entities([{ __typename: 'SharedGroup', id: aPartners }], bAdmin)).toEqual([null]);
  });

  test("Network: the caller's own and a partner's, exactly as node answers; null for an unrelated network", async () => {
    const rep = (net: TestNetwork) => ({ __typename: 'Network', id: net.globalId });
    expect(await entities([rep(a), rep(b), rep(c)], aMember)).toEqual([
      { __typename: 'Network', id: a.globalId, slug: a.slug },
      { __typename: 'Network', id: b.globalId, slug: b.slug },
      null,
    ]);
    expect(await Promise.all([a, b, c].map((net) => node(net.globalId, aMember)))).toEqual([{ id: a.globalId }, { id: b.globalId }, null]);
    expect(await entities([rep(a), rep(b)], c.adminKey)).toEqual([null, null]);
    expect(await Promise.all([a, b].map((net) => node(net.globalId, c.adminKey)))).toEqual([null, null]);
    // A partner's network shows its public fields only: its own settings (the privacy threshold) are null.
    const K = `query($id: ID!, $r: [_Any!]!) { node(id: $id) { ... on Network { name minimumAggregateSize } }
      _entities(representations: $r) { ... on Network { name minimumAggregateSize } } }`;
    const k = async (net: TestNetwork) => ok(await app.gql<any>(K, { id: net.globalId, r: [rep(net)] }, aMember));
    expect(await k(a)).toEqual({ node: { name: 'Network A', minimumAggregateSize: 5 }, _entities: [{ name: 'Network A', minimumAggregateSize: 5 }] });
    expect(await k(b)).toEqual({ node: { name: 'Network B', minimumAggregateSize: null }, _entities: [{ name: 'Network B', minimumAggregateSize: null }] });
    const viaEvent = ok(
      await app.gql<any>(
        `query($id: ID!) { node(id: $id) { ... on JointEvent { participants { network { minimumAggregateSize } } } } }`,
        { id: eventId },
        bAdmin,
      ),
    ).node;
    expect(viaEvent.participants).toEqual([{ network: { minimumAggregateSize: null } }, { network: { minimumAggregateSize: 5 } }]);
  });

  test('JointEvent and its groups: null (as from node) for a network that declined, as if never invited', async () => {
    const solo = await createGroup(app, a, { name: 'Alpha solo', visibility: 'NETWORK' });
    const declined = await invitedJointEvent(app, aAdmin, solo, b, 12);
    const reps = [
      { __typename: 'JointEvent', id: declined },
      { __typename: 'SharedGroup', id: toGlobalId('SharedGroup', dbId(solo)) },
    ];
    expect((await entities(reps, bAdmin)).map((e) => e?.__typename ?? null)).toEqual(['JointEvent', 'SharedGroup']);
    ok(await app.gql(`mutation($e: ID!) { respondToJointEventInvitation(jointEventId: $e, accept: false) { status } }`, { e: declined }, bAdmin));
    expect(await entities(reps, bAdmin)).toEqual([null, null]);
    expect(await node(declined, bAdmin)).toBeNull();
    // The host still resolves both.
    expect((await entities(reps, aMember)).map((e) => e?.__typename ?? null)).toEqual(['JointEvent', 'SharedGroup']);
  });

  test('a type that is not an entity is an error', async () => {
    const res = await app.gql(ENTITIES, { r: [{ __typename: 'Member', id: aGroup }] }, aMember);
    expect(res.errors?.length).toBeGreaterThan(0);
  });
});
