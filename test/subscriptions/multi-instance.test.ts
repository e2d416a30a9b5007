/**
 * Two real server processes (`node dist/src/main.js`) on their own ports, sharing one PostgreSQL database and
 * one real Redis: a subscriber on one instance hears a mutation made through the other, and subscribers of
 * another network, on either instance, hear nothing. `npm test` builds dist/ first (pretest); run
 * `npm run build` before running this file on its own. Needs real PostgreSQL (DATABASE_URL): the embedded
 * database serves one process. Redis: REDIS_URL, else redis://127.0.0.1:6379.
 */
import { Redis } from 'ioredis';
import { channelOf } from '../../src/realtime/topics';
import { startTestApp, type TestApp } from '../helpers/app';
import { REDIS_URL, startInstance, stopInstance, type Instance } from '../helpers/instances';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, eventually, uniquePrefix } from './live';

const PREFIX = uniquePrefix();
const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';

async function gql(port: number, credential: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

(embedded ? describe.skip : describe)('two instances, one database, one Redis', () => {
  let app: TestApp;
  let one: Instance;
  let two: Instance;
  let redis: Redis;
  let a: World;
  let b: World;

  beforeAll(async () => {
    // Fixtures only: this in-process app publishes nowhere (no REDIS_URL).
    app = await startTestApp({ REDIS_URL: '' });
    [a, b] = [await createWorld(app, 'Instances A'), await createWorld(app, 'Instances B')];
    [one, two] = await Promise.all([startInstance(PREFIX), startInstance(PREFIX)]);
    redis = new Redis(REDIS_URL);
  }, 120_000);

  afterAll(async () => {
    await disconnectAll();
    redis?.disconnect();
    for (const instance of [one, two]) if (instance) expect(await stopInstance(instance)).toBe(0);
    await app?.stop();
  });

  const SESSION_CHANGED = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id status } }';
  const START = 'mutation($id: ID!) { startSession(id: $id) { id } }';

  test('subscribe on one, mutate on the other: the event arrives; another network hears nothing on either', async () => {
    const s1 = await insertSession(app, a.net.id, a.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
    const s2 = await insertSession(app, a.net.id, a.group.id, { status: 'SCHEDULED', startsInMinutes: 120 });
    const aOnOne = connect(one.port, a.facilitator.token).subscribe(SESSION_CHANGED, { g: a.group.globalId });
    const aOnTwo = connect(two.port, a.member.token).subscribe(SESSION_CHANGED, { g: a.group.globalId });
    const bOnOne = connect(one.port, b.facilitator.token).subscribe(SESSION_CHANGED, { g: b.group.globalId });
    const bOnTwo = connect(two.port, b.keys.read).subscribe(SESSION_CHANGED, { g: b.group.globalId });
    // Both instances have subscribed each channel in Redis.
    for (const [net, group] of [
      [a.net.id, a.group.id],
      [b.net.id, b.group.id],
    ]) {
      const channel = channelOf(PREFIX, net, 'sessionChanged', group);
      await eventually(async () => (await redis.pubsub('NUMSUB', channel))[1] === 2, `both instances on ${channel}`);
    }

    await gql(two.port, a.facilitator.token, START, { id: s1.globalId });
    expect(await aOnOne.data()).toEqual({ sessionChanged: { id: s1.globalId, status: 'LIVE' } });
    expect(await aOnTwo.data()).toEqual({ sessionChanged: { id: s1.globalId, status: 'LIVE' } });

    await gql(one.port, a.coordinator.token, START, { id: s2.globalId });
    expect(await aOnTwo.data()).toEqual({ sessionChanged: { id: s2.globalId, status: 'LIVE' } });
    expect(await aOnOne.data()).toEqual({ sessionChanged: { id: s2.globalId, status: 'LIVE' } });

    await bOnOne.nothing();
    await bOnTwo.nothing();
  });
});
