import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';

let app: TestApp;
let net: TestNetwork;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app);
});
afterAll(() => app.stop());

test('create, join, list with nested memberships', async () => {
  const coord = await net.member(NetworkRole.COORDINATOR);
  const member = await net.member();
  const created = await app.gql<{ createGroup: { id: string; slug: string; agendaTemplate: Array<{ kind: string }> } }>(
    `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id slug agendaTemplate { kind } } }`,
    { input: { name: 'Anxiety Circle', objectives: ['Share'], topics: ['anxiety', 'social-anxiety'], norms: ['Confidentiality'], format: 'ONLINE', capacity: 10 } },
    coord.token,
  );
  expect(created.errors).toBeUndefined();
  const groupId = created.data!.createGroup.id;
  const joined = await app.gql(`mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { status role normsAcceptedAt engagement } }`, { g: groupId }, member.token);
  expect(joined.errors).toBeUndefined();
  const list = await app.gql(
    `{ groups(first: 5, search: "anx") { totalCount nodes { name topics memberCount viewerMembership { role } memberships(first: 10) { totalCount nodes { role engagement member { displayName } } } } } }`,
    {},
    member.token,
  );
  expect(list.errors).toBeUndefined();
  console.log(JSON.stringify(list.data));
});
