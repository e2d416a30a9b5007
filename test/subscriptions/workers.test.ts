/**
 * WEB_CONCURRENCY=2 (issue 18: every core): one server process forks two workers that share the port (node:cluster);
 * live updates and rate-limit budgets go between them through Redis. Shown here on a real process: both workers
 * listen, two WebSocket connections land on different workers (each worker subscribes the channel in Redis once),
 * a mutation reaches both, another network hears nothing, and SIGTERM drains both workers before a clean exit.
 * Needs real PostgreSQL (the embedded database serves one process) and Redis; `npm run build` first when run alone.
 */
import { Redis } from 'ioredis';
import { channelOf } from '../../src/realtime/topics';
import { startTestApp, type TestApp } from '../helpers/app';
import { REDIS_URL, startInstance, stopInstance, type Instance } from '../helpers/instances';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, eventually, uniquePrefix } from './live';

const PREFIX = uniquePrefix();
const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';
/** The log lines of this message (JSON lines; other output skipped). */
const logLines = (out: string, msg: string) =>
  out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; worker?: number })
    .filter((line) => line.msg === msg);
const listening = (out: string) => logLines(out, 'listening').map((line) => line.worker);

(embedded ? describe.skip : describe)('WEB_CONCURRENCY=2: two workers behind one port', () => {
  let app: TestApp;
  let server: Instance;
  let redis: Redis;
  let a: World;
  let b: World;

  beforeAll(async () => {
    app = await startTestApp({ REDIS_URL: '' });
    [a, b] = [await createWorld(app, 'Workers A'), await createWorld(app, 'Workers B')];
    server = await startInstance(PREFIX, { WEB_CONCURRENCY: '2', LOG_LEVEL: 'info' });
    redis = new Redis(REDIS_URL);
  }, 120_000);

  afterAll(async () => {
    await disconnectAll();
    redis?.disconnect();
    if (server && server.child.exitCode === null) await stopInstance(server);
    await app?.stop();
  });

  const SESSION_CHANGED = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id status } }';

  test('both workers listen on the one port', async () => {
    // The second worker starts once the first listens (the first runs the migrations): slow on a loaded machine.
    await eventually(() => listening(server.output()).length === 2, 'two workers listening', 90_000);
    expect(new Set(listening(server.output()))).toEqual(new Set([1, 2]));
  }, 120_000);

  test('connections spread over the workers, and a mutation through either reaches subscribers on both', async () => {
    const session = await insertSession(app, a.net.id, a.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
    const first = connect(server.port, a.facilitator.token).subscribe(SESSION_CHANGED, { g: a.group.globalId });
    const second = connect(server.port, a.member.token).subscribe(SESSION_CHANGED, { g: a.group.globalId });
    const other = connect(server.port, b.facilitator.token).subscribe(SESSION_CHANGED, { g: b.group.globalId });
    // One Redis subscription per worker process: two means the two connections are served by different workers.
    const channel = channelOf(PREFIX, a.net.id, 'sessionChanged', a.group.id);
    await eventually(async () => (await redis.pubsub('NUMSUB', channel))[1] === 2, `both workers on ${channel}`);

    const res = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.coordinator.token}` },
      body: JSON.stringify({ query: 'mutation($id: ID!) { startSession(id: $id) { id } }', variables: { id: session.globalId } }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(await first.data()).toEqual({ sessionChanged: { id: session.globalId, status: 'LIVE' } });
    expect(await second.data()).toEqual({ sessionChanged: { id: session.globalId, status: 'LIVE' } });
    await other.nothing();
  });

  test('SIGTERM drains both workers, then the server exits cleanly', async () => {
    await disconnectAll();
    expect(await stopInstance(server)).toBe(0);
    expect(logLines(server.output(), 'stopped')).toHaveLength(2);
  }, 60_000);
});
