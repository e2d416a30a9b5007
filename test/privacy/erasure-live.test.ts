import { ok } from '../helpers/gql';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, startLiveApp, subscribed } from '../subscriptions/live';
import type { TestApp } from '../helpers/app';

/** An erased member's open WebSocket connection closes (4403) at its next event; the others go on. */

let app: TestApp;
let w: World;
beforeAll(async () => {
  app = await startLiveApp();
  w = await createWorld(app, 'Erasure live');
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

test("the erased member's socket closes with 4403 at the next event", async () => {
  const topic = { networkId: w.net.id, name: 'sessionChanged' as const, key: w.group.id };
  const query = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id status } }';
  const erasedLive = connect(app.server.port, w.member2.token);
  const erased = await subscribed(app, erasedLive, query, { g: w.group.globalId }, topic);
  const stays = await subscribed(app, connect(app.server.port, w.member.token), query, { g: w.group.globalId }, topic);

  ok(await app.gql('mutation($id: ID!) { eraseMember(memberId: $id, reason: "request") { alreadyErased } }', { id: w.member2.globalId }, w.admin.token));

  const session = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
  ok(await app.gql('mutation($id: ID!) { startSession(id: $id) { id } }', { id: session.globalId }, w.facilitator.token));
  expect((await stays.data()).sessionChanged).toEqual({ id: session.globalId, status: 'LIVE' });
  expect((await erasedLive.closed).code).toBe(4403);
  expect(erased.results).toHaveLength(0);
  // A new connection with the token is refused at once.
  expect((await connect(app.server.port, w.member2.token).closed).code).toBe(4403);
});
