import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, dbId } from '../helpers/gql';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';
import { insertSession } from '../helpers/world';
import { CREATE_ENDPOINT, FAST_WEBHOOKS, startReceiver, verified, type Receiver } from './receiver';

/**
 * Real server processes (dist/src/main.js) sharing the database: the outbox survives a process killed right after
 * the commit, and two dispatching processes deliver each event exactly once. Each test's network has its own
 * receiver; the processes' dispatchers serve every network, so nothing else here creates endpoints meanwhile.
 */

let app: TestApp;
const instances: Instance[] = [];
const receivers: Receiver[] = [];

async function post(instance: Instance, query: string, variables: Record<string, unknown>, credential: string) {
  const res = await request(`http://127.0.0.1:${instance.port}`)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${credential}`)
    .send({ query, variables });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data;
}

async function instance(env: Record<string, string>): Promise<Instance> {
  const i = await startInstance(`test-webhooks-${randomBytes(4).toString('hex')}:`, { ...FAST_WEBHOOKS, ...env });
  instances.push(i);
  return i;
}

async function setup(name: string): Promise<{ net: TestNetwork; group: string; r: Receiver; secret: string }> {
  const net = await createTestNetwork(app, name);
  const group = await createGroup(app, net);
  const r = await startReceiver();
  receivers.push(r);
  const { createWebhookEndpoint } = (await app.gql(CREATE_ENDPOINT, { url: r.url, events: ['SESSION_CANCELLED', 'SESSION_SCHEDULED'] }, net.adminKey)).data!;
  return { net, group, r, secret: createWebhookEndpoint.secret };
}

// Real server processes share one database: PostgreSQL only (the embedded PGlite serves one process).
const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';

(embedded ? describe.skip : describe)('webhook dispatchers in real server processes (PostgreSQL)', () => {
  beforeAll(async () => {
    app = await startTestApp(FAST_WEBHOOKS);
  });
  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) await stopInstance(i);
    await Promise.all(receivers.map((r) => r.close()));
    await app.stop();
  });

  test('an event committed by a process killed right after is delivered by the next one', async () => {
    const { net, group, r, secret } = await setup('Hooks crash');
    const session = await insertSession(app, net.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 60 });
    // The first process does not dispatch at all: the event can only be in the outbox when it dies.
    const first = await instance({ WEBHOOK_DISPATCH_INTERVAL_MS: '0' });
    await post(first, `mutation($id: ID!) { cancelSession(id: $id) { id } }`, { id: session.globalId }, net.adminKey);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(r.received).toHaveLength(0);

    await instance({});
    const [got] = await r.waitFor(1, 20_000);
    expect(verified(secret, got)).toMatchObject({ type: 'session.cancelled', data: { id: session.globalId } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.received).toHaveLength(1);
  });

  test('two dispatching processes deliver each event exactly once', async () => {
    const { net, group, r, secret } = await setup('Hooks pair');
    const [one, two] = await Promise.all([instance({}), instance({})]);
    const schedule = `mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id } }`;
    const input = (title: string) => ({
      title,
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      durationMinutes: 60,
      timeZone: 'Europe/Berlin',
      repeat: { frequency: 'WEEKLY', count: 20 },
    });
    // 40 events, committed through both processes, each woken by the other's NOTIFY too.
    await Promise.all([post(one, schedule, { g: group, input: input('A') }, net.adminKey), post(two, schedule, { g: group, input: input('B') }, net.adminKey)]);
    const got = await r.waitFor(40, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.received).toHaveLength(40);
    const ids = got.map((g) => g.headers['webhook-id']);
    expect(new Set(ids).size).toBe(40);
    for (const g of got) expect(verified(secret, g).type).toBe('session.scheduled');
  });
});
