import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { addMember, createGroup, dbId, expectCode, joinGroup, ok } from '../helpers/gql';
import { insertSession } from '../helpers/world';

/**
 * Norms that stay agreed, where they bite: after a change of the group's norms, a member who accepted the older
 * version cannot post shared resources until they accept again (CONFLICT naming acceptNorms), while they keep
 * attending; members not flagged post as before.
 */

let app: TestApp;
let net: TestNetwork;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app, 'Norms gate');
});
afterAll(() => app.stop());

const POST = `mutation($g: ID!, $title: String!) { postResource(groupId: $g, input: { kind: COPING_STRATEGY, title: $title, body: "Box breathing: four counts in, hold, out, hold." }) { id } }`;
const UPDATE = `mutation($id: ID!, $norms: [String!]!) { updateGroup(id: $id, input: { norms: $norms }) { normsVersion } }`;
const ACCEPT = `mutation($g: ID!) { acceptNorms(groupId: $g) { needsNormsAcceptance normsVersionAccepted } }`;
const CHECK_IN = `mutation($s: ID!) { checkIn(sessionId: $s) { status } }`;

test('a norms change blocks posting for exactly the members who accepted an older version, until they accept again', async () => {
  const groupId = await createGroup(app, net);
  const facilitator = await net.member(NetworkRole.MEMBER, { displayName: 'Fran Facilitator' });
  await addMember(app, net, groupId, facilitator.globalId, 'FACILITATOR');
  const early = await net.member(NetworkRole.MEMBER, { displayName: 'Early Ed' });
  await joinGroup(app, groupId, early);
  ok(await app.gql(POST, { g: groupId, title: 'Before the change' }, early.token));

  ok(await app.gql(UPDATE, { id: groupId, norms: ['Confidentiality', 'No advice unless asked'] }, facilitator.token));
  const late = await net.member(NetworkRole.MEMBER, { displayName: 'Late Liz' });
  await joinGroup(app, groupId, late);

  // Ed accepted version 1 and is flagged: no posting, but he still checks in.
  expectCode(await app.gql(POST, { g: groupId, title: 'After the change' }, early.token), 'CONFLICT', /acceptNorms\(groupId\)/);
  const session = await insertSession(app, net.id, dbId(groupId), { status: 'LIVE' });
  expect(ok(await app.gql(CHECK_IN, { s: session.globalId }, early.token)).checkIn.status).toBe('PRESENT');
  // Liz joined after the change and accepted the current version: she posts.
  ok(await app.gql(POST, { g: groupId, title: 'From Liz' }, late.token));

  expect(ok(await app.gql(ACCEPT, { g: groupId }, early.token)).acceptNorms).toEqual({ needsNormsAcceptance: false, normsVersionAccepted: 2 });
  ok(await app.gql(POST, { g: groupId, title: 'After accepting' }, early.token));
});
