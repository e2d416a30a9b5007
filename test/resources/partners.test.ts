import { toGlobalId } from '../../src/graphql/global-id';
import { startTestApp, type TestApp } from '../helpers/app';
import { activePartnership } from '../helpers/factories';
import { addMember, createGroup, dbId, expectCode, expectLikeUnknown, ok, unknownId } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';

/** Resources shared with partner networks: only under an ACTIVE partnership sharing GROUP_DIRECTORY, never with an author, gone after revocation. */

let app: TestApp;
let a: World;
let b: World;
let c: World;
let partnersGroup: string;
beforeAll(async () => {
  app = await startTestApp();
  a = await createWorld(app, 'Sharing network');
  b = await createWorld(app, 'Partner network');
  c = await createWorld(app, 'Unrelated network');
  partnersGroup = await createGroup(app, a.net, { name: 'Open to partners', visibility: 'PARTNERS', topics: ['sleep'] });
  await addMember(app, a.net, partnersGroup, a.member.globalId);
  await addMember(app, a.net, partnersGroup, a.facilitator.globalId, 'FACILITATOR');
});
afterAll(() => app.stop());

const POST = 'mutation($g: ID!, $input: PostResourceInput!) { postResource(groupId: $g, input: $input) { id } }';
const SHARE = 'mutation($id: ID!, $s: Boolean!) { shareResourceWithPartners(id: $id, shared: $s) { id sharedWithPartners } }';
const PARTNER_RESOURCES = `query($topic: String) { partnerResources(topic: $topic, first: 50) { totalCount nodes {
  id kind title body url topics sharedAt network { id name } group { id name topics } } } }`;
const REVOKE = 'mutation($id: ID!) { revokePartnership(id: $id) { status } }';

type Shared = { id: string; title: string; network: { id: string }; group: { id: string; name: string } };
const partnerResources = async (cred: string, topic?: string) =>
  ok(await app.gql<{ partnerResources: { totalCount: number; nodes: Shared[] } }>(PARTNER_RESOURCES, { topic }, cred)).partnerResources;

async function post(title: string, anonymous = false, group = partnersGroup): Promise<string> {
  return ok(
    await app.gql(
      POST,
      { g: group, input: { kind: 'COPING_STRATEGY', title, body: `${title}: what helped me.`, topics: ['sleep'], anonymous } },
      a.member.token,
    ),
  ).postResource.id;
}

test('only facilitators (and WRITE keys) share; only resources of PARTNERS-visible groups; a hidden resource cannot be shared', async () => {
  const r = await post('Who shares');
  for (const cred of [a.member.token, a.member2.token, b.admin.token, a.keys.read]) {
    const res = await app.gql(SHARE, { id: r, s: true }, cred);
    expect(res.errors?.[0].extensions.code).toMatch(/FORBIDDEN|NOT_FOUND/);
  }
  await expectLikeUnknown(app, SHARE, { id: r, s: true }, { id: unknownId('GroupResource'), s: true }, b.admin.token);
  const networkOnly = ok(await app.gql(POST, { g: a.group.globalId, input: { kind: 'READING', title: 'In a NETWORK group', body: 'b' } }, a.member.token))
    .postResource.id;
  expectCode(await app.gql(SHARE, { id: networkOnly, s: true }, a.facilitator.token), 'CONFLICT', /partner directory/);
  ok(await app.gql('mutation($id: ID!) { moderateResource(id: $id, action: HIDE) { id } }', { id: r }, a.facilitator.token));
  expectCode(await app.gql(SHARE, { id: r, s: true }, a.facilitator.token), 'CONFLICT', /hidden/);
  expect(ok(await app.gql(SHARE, { id: await post('By key'), s: true }, a.keys.write)).shareResourceWithPartners.sharedWithPartners).toBe(true);
  const audit = await sql<{ action: string }>(app, a.net.id, `SELECT action FROM audit_log WHERE action LIKE 'resource.%shared' ORDER BY at`);
  expect(audit.map((x) => x.action)).toEqual(['resource.shared']);
});

test('visible to partners only under an ACTIVE partnership sharing GROUP_DIRECTORY, without author; gone after revocation', async () => {
  const named = await post('Evening routine');
  const anonymous = await post('Anonymous routine', true);
  const notShared = await post('Kept in the group');
  for (const id of [named, anonymous])
    expect(ok(await app.gql(SHARE, { id, s: true }, a.facilitator.token)).shareResourceWithPartners.sharedWithPartners).toBe(true);
  const titles = async (cred: string) => (await partnerResources(cred)).nodes.map((n) => n.title);

  // No partnership: nothing.
  expect(await titles(b.member.token)).toEqual([]);
  // A partnership sharing JOINT_EVENTS only: nothing.
  const jointOnly = await activePartnership(app, a.net.adminKey, { slug: b.net.slug, admin: b.net.adminKey }, ['JOINT_EVENTS']);
  expect(await titles(b.member.token)).toEqual([]);
  ok(await app.gql(REVOKE, { id: jointOnly }, a.net.adminKey));

  const partnership = await activePartnership(app, a.net.adminKey, { slug: b.net.slug, admin: b.net.adminKey }, ['GROUP_DIRECTORY']);
  const seen = await partnerResources(b.member.token);
  expect(seen.nodes.map((n) => n.title).sort()).toEqual(expect.arrayContaining(['Anonymous routine', 'Evening routine']));
  expect(seen.nodes.map((n) => n.title)).not.toContain('Kept in the group');
  const evening = seen.nodes.find((n) => n.title === 'Evening routine')!;
  expect(evening).toMatchObject({
    id: toGlobalId('SharedResource', dbId(named)),
    network: { id: a.net.globalId },
    group: { id: toGlobalId('SharedGroup', dbId(partnersGroup)), name: 'Open to partners' },
  });
  // No author anywhere in the type partners read.
  const type = ok(
    await app.gql<{ __type: { fields: Array<{ name: string }> } }>('{ __type(name: "SharedResource") { fields { name } } }', {}, b.member.token),
  ).__type;
  expect(type.fields.map((f) => f.name).sort()).toEqual(['body', 'group', 'id', 'kind', 'network', 'sharedAt', 'title', 'topics', 'url']);
  expect(JSON.stringify(seen)).not.toMatch(/Mia Member/);
  // API keys with READ of the partner see them too; topic filter.
  expect((await partnerResources(b.keys.read)).totalCount).toBe(seen.totalCount);
  expect((await partnerResources(b.member.token, 'no-such-topic')).totalCount).toBe(0);
  // A third network sees nothing; the sharing network's own partnerResources does not list its own.
  expect(await titles(c.member.token)).toEqual([]);
  expect(await titles(a.member.token)).toEqual([]);
  // The partner cannot act on them by their GroupResource IDs (they are another network's): like unknown.
  await expectLikeUnknown(
    app,
    'mutation($id: ID!) { markResourceHelpful(id: $id, helpful: true) { id } }',
    { id: named },
    { id: unknownId('GroupResource') },
    b.member.token,
  );
  expect(ok(await app.gql('query($id: ID!) { node(id: $id) { id } }', { id: named }, b.admin.token)).node).toBeNull();
  // Row-level security underneath agrees: in the partner's tenant transaction the shared rows are readable, the others not.
  const visible = await sql<{ id: string }>(app, b.net.id, 'SELECT id FROM resources WHERE network_id = $1', [a.net.id]);
  expect(visible.map((r) => r.id).sort()).toEqual(expect.arrayContaining([dbId(named), dbId(anonymous)].sort()));
  expect(visible.map((r) => r.id)).not.toContain(dbId(notShared));
  expect(await sql(app, b.net.id, 'SELECT * FROM resource_authors WHERE network_id = $1', [a.net.id])).toEqual([]);

  // Hiding it or stopping the sharing takes it out at once.
  ok(await app.gql('mutation($id: ID!) { moderateResource(id: $id, action: HIDE) { id } }', { id: anonymous }, a.facilitator.token));
  expect(await titles(b.member.token)).not.toContain('Anonymous routine');
  ok(await app.gql(SHARE, { id: named, s: false }, a.facilitator.token));
  expect(await titles(b.member.token)).not.toContain('Evening routine');
  ok(await app.gql(SHARE, { id: named, s: true }, a.facilitator.token));
  expect(await titles(b.member.token)).toContain('Evening routine');

  // Revocation (by either side): gone at once, from the API and from row-level security.
  ok(await app.gql(REVOKE, { id: partnership }, b.net.adminKey));
  expect(await titles(b.member.token)).toEqual([]);
  expect(await sql(app, b.net.id, 'SELECT id FROM resources WHERE network_id = $1', [a.net.id])).toEqual([]);
});
