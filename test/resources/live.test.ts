import { createGroup, dbId, expectLikeUnknown, ok, unknownId } from '../helpers/gql';
import { createWorld, type World } from '../helpers/world';
import { connect, disconnectAll, refusal, startLiveApp, subscribed } from '../subscriptions/live';
import type { TestApp } from '../helpers/app';

/** `resourcePosted` through a real graphql-ws client: delivered once committed, read under each subscriber's credential. */

let app: TestApp;
let a: World;
let b: World;
beforeAll(async () => {
  app = await startLiveApp();
  a = await createWorld(app, 'Live resources A');
  b = await createWorld(app, 'Live resources B');
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

const POSTED = 'subscription($g: ID!) { resourcePosted(groupId: $g) { id title anonymous author { displayName } group { id } } }';
const POST = 'mutation($g: ID!, $input: PostResourceInput!) { postResource(groupId: $g, input: $input) { id } }';

test('resourcePosted reaches the group (anonymous stays anonymous); another network hears nothing', async () => {
  const topic = { networkId: a.net.id, name: 'resourcePosted' as const, key: a.group.id };
  const member = await subscribed(app, connect(app.server.port, a.member2.token), POSTED, { g: a.group.globalId }, topic);
  const admin = await subscribed(app, connect(app.server.port, a.admin.token), POSTED, { g: a.group.globalId }, topic);
  const key = await subscribed(app, connect(app.server.port, a.keys.read), POSTED, { g: a.group.globalId }, topic);
  const otherNetwork = await subscribed(
    app,
    connect(app.server.port, b.member.token),
    POSTED,
    { g: b.group.globalId },
    {
      ...topic,
      networkId: b.net.id,
      key: b.group.id,
    },
  );

  const named = ok(
    await app.gql(POST, { g: a.group.globalId, input: { kind: 'READING', title: 'A good book', body: 'Read it slowly.' } }, a.member.token),
  ).postResource;
  expect((await member.data()).resourcePosted).toEqual({
    id: named.id,
    title: 'A good book',
    anonymous: false,
    author: { displayName: 'Mia Member' },
    group: { id: a.group.globalId },
  });
  expect((await admin.data()).resourcePosted).toMatchObject({ id: named.id, author: { displayName: 'Mia Member' } });
  // A READ key sees the resource, not the author's name (that needs PERSONAL_DATA).
  expect((await key.data()).resourcePosted).toMatchObject({ id: named.id, author: null });

  const anonymous = ok(
    await app.gql(POST, { g: a.group.globalId, input: { kind: 'COPING_STRATEGY', title: 'Quiet tip', body: 'Cold water.', anonymous: true } }, a.member.token),
  ).postResource;
  expect((await member.data()).resourcePosted).toMatchObject({ id: anonymous.id, anonymous: true, author: null });
  expect((await admin.data()).resourcePosted).toMatchObject({ id: anonymous.id, anonymous: true, author: null });
  await otherNetwork.nothing();
});

test('who may follow: outsiders FORBIDDEN; another network’s group answers like an unknown one; a rolled-back post sends nothing', async () => {
  expect(await refusal(connect(app.server.port, a.outsider.token).subscribe(POSTED, { g: a.group.globalId }))).toEqual(['FORBIDDEN']);
  const foreign = await refusal(connect(app.server.port, a.member.token).subscribe(POSTED, { g: b.group.globalId }));
  const unknown = await refusal(connect(app.server.port, a.member.token).subscribe(POSTED, { g: unknownId('Group') }));
  expect(foreign).toEqual(['NOT_FOUND']);
  expect(unknown).toEqual(foreign);

  const group = await createGroup(app, a.net, { name: 'Quiet circle' });
  const topic = { networkId: a.net.id, name: 'resourcePosted' as const, key: dbId(group) };
  const stream = await subscribed(app, connect(app.server.port, a.coordinator.token), POSTED, { g: group }, topic);
  // The coordinator is no member: posting fails, nothing is published.
  await expectLikeUnknown(
    app,
    POST,
    { g: b.group.globalId, input: { kind: 'READING', title: 'x', body: 'y' } },
    { g: unknownId('Group'), input: { kind: 'READING', title: 'x', body: 'y' } },
    a.coordinator.token,
  );
  const refused = await app.gql(POST, { g: group, input: { kind: 'READING', title: 'x', body: 'y' } }, a.coordinator.token);
  expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
  await stream.nothing();
});
