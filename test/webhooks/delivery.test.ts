import { createLogger } from '../../src/config/logger';
import { createContext } from '../../src/modules/auth/context';
import { Pseudonyms } from '../../src/modules/auth/member-token';
import { transition } from '../../src/modules/sessions/session.service';
import { startWebhookDispatcher } from '../../src/modules/webhooks/webhook.dispatcher';
import { purgeDeliveries } from '../../src/modules/webhooks/webhook.outbox';
import { WebhookSecrets } from '../../src/modules/webhooks/webhook.secrets';
import { PAYLOAD_FIELDS } from '../../src/modules/webhooks/webhook.types';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app';
import { activePartnership, createTestNetwork, invitedJointEvent, type TestNetwork } from '../helpers/factories';
import { createGroup, dbId, ok } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';
import {
  CREATE_ENDPOINT,
  DELIVERIES,
  dispatcherFor,
  eventually,
  FAST_WEBHOOKS,
  keysOf,
  startReceiver,
  verified,
  type Answer,
  type Receiver,
  type Received,
} from './receiver';
import type { WebhookDispatcher } from '../../src/modules/webhooks/webhook.dispatcher';

/**
 * Deliveries end to end: a change through the API, the outbox, the in-process dispatcher, a real HTTP receiver on
 * loopback, and the signature checked with the standardwebhooks library.
 */

let app: TestApp;
let w: World;
let dispatcher: WebhookDispatcher;
const receivers: Receiver[] = [];
const networks: string[] = [];

const CANCEL = `mutation($id: ID!) { cancelSession(id: $id, reason: "Facilitator ill") { id status } }`;
const SCHEDULE = `mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id } }`;

async function receiver(answer?: (n: number, r: Received) => Answer): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

/** An endpoint of the world's network for these events at this receiver; its global ID and secret. */
async function endpoint(r: Receiver, events: string[], credential = w.net.adminKey): Promise<{ id: string; secret: string }> {
  const { createWebhookEndpoint } = ok(await app.gql(CREATE_ENDPOINT, { url: r.url, events }, credential));
  return { id: createWebhookEndpoint.endpoint.id, secret: createWebhookEndpoint.secret };
}

async function scheduledSession(): Promise<string> {
  return (await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 120 })).globalId;
}

async function deliveries(endpointId: string, status?: string) {
  return ok(await app.gql(DELIVERIES, { id: endpointId, status, first: 100 }, w.net.adminKey)).webhookDeliveries;
}

/** Lets the dispatcher run a few more rounds (to see that nothing more arrives). */
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  app = await startTestApp(FAST_WEBHOOKS);
  w = await createWorld(app, 'Webhooks');
  networks.push(w.net.id);
  dispatcher = dispatcherFor(app, networks);
});
afterAll(async () => {
  await dispatcher.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await app.stop();
});

test('a change produces exactly one signed delivery that verifies with standardwebhooks', async () => {
  const r = await receiver();
  const { id, secret } = await endpoint(r, ['SESSION_CANCELLED']);
  const session = await scheduledSession();
  ok(await app.gql(CANCEL, { id: session }, w.net.adminKey));

  const [request] = await r.waitFor(1);
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
  expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
  const payload = verified(secret, request);
  expect(payload).toEqual({
    type: 'session.cancelled',
    timestamp: expect.any(String),
    data: { id: session, group: w.group.globalId, status: 'CANCELLED', startsAt: expect.any(String), endsAt: expect.any(String), sequence: 1 },
  });
  expect(() => verified(new WebhookSecrets(TEST_TOKEN_SECRET).generate(), request)).toThrow();

  await settle();
  expect(r.received).toHaveLength(1);
  const list = await eventually(async () => {
    const l = await deliveries(id);
    return l.nodes[0]?.status === 'SUCCEEDED' && l;
  });
  expect(list.totalCount).toBe(1);
  expect(list.nodes[0]).toMatchObject({
    eventType: 'SESSION_CANCELLED',
    status: 'SUCCEEDED',
    attempts: 1,
    lastStatusCode: 204,
    lastError: null,
    nextAttemptAt: null,
    webhookId: request.headers['webhook-id'],
    endpoint: { id },
  });
  expect(list.nodes[0].deliveredAt).toEqual(expect.any(String));
});

test('a receiver that fails three times (500, timeout-free 503, 429 with Retry-After) then succeeds gets the same webhook-id each time', async () => {
  const answers: Answer[] = [{ status: 500 }, { status: 503 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 200 }];
  const r = await receiver((n) => answers[Math.min(n, 3)]);
  const { id, secret } = await endpoint(r, ['SESSION_CANCELLED']);
  ok(await app.gql(CANCEL, { id: await scheduledSession() }, w.net.adminKey));

  const got = await r.waitFor(4);
  expect(new Set(got.map((g) => g.headers['webhook-id'])).size).toBe(1);
  // Every attempt is signed afresh (its own timestamp) and verifies; the body is the same bytes each time.
  for (const g of got) verified(secret, g);
  expect(new Set(got.map((g) => g.body)).size).toBe(1);
  // Retry-After: 1 was honoured (the backoff alone would have been well under a second).
  expect(got[3].at - got[2].at).toBeGreaterThanOrEqual(900);
  const [delivery] = (await eventually(async () => (await deliveries(id, 'SUCCEEDED')).nodes.length && deliveries(id))).nodes;
  expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 4, lastStatusCode: 200, lastError: null });
  await settle();
  expect(r.received).toHaveLength(4);
});

test('a 410 disables the endpoint, with the reason its admins see; later changes are not sent', async () => {
  const r = await receiver(() => ({ status: 410 }));
  const { id } = await endpoint(r, ['SESSION_CANCELLED']);
  ok(await app.gql(CANCEL, { id: await scheduledSession() }, w.net.adminKey));
  await r.waitFor(1);
  const state = await eventually(async () => {
    const { webhookEndpoints } = ok(await app.gql('{ webhookEndpoints { id enabled disabledReason } }', {}, w.net.adminKey));
    const e = webhookEndpoints.find((x: { id: string }) => x.id === id);
    return !e.enabled && e;
  });
  expect(state.disabledReason).toMatch(/410 Gone/);
  expect((await deliveries(id)).nodes[0]).toMatchObject({ status: 'FAILED', attempts: 1, lastStatusCode: 410 });

  ok(await app.gql(CANCEL, { id: await scheduledSession() }, w.net.adminKey));
  await settle();
  expect(r.received).toHaveLength(1);
  expect((await deliveries(id)).totalCount).toBe(1);
});

test('a redirect is a failure: it is not followed', async () => {
  const target = await receiver();
  let calls = 0;
  const r = await receiver(() => (++calls === 1 ? { status: 302, headers: { location: target.url } } : { status: 204 }));
  const { id } = await endpoint(r, ['SESSION_CANCELLED']);
  ok(await app.gql(CANCEL, { id: await scheduledSession() }, w.net.adminKey));
  await r.waitFor(2);
  const [delivery] = (await eventually(async () => (await deliveries(id, 'SUCCEEDED')).nodes.length && deliveries(id))).nodes;
  expect(delivery).toMatchObject({ attempts: 2, status: 'SUCCEEDED' });
  expect(target.received).toHaveLength(0);
});

test('a slow receiver does not delay another endpoint', async () => {
  const slow = await receiver(() => ({ status: 200, delayMs: 1_500 }));
  const fast = await receiver();
  await endpoint(slow, ['SESSION_SCHEDULED']);
  await endpoint(fast, ['SESSION_SCHEDULED']);
  const sent = Date.now();
  const { scheduleSessions } = ok(
    await app.gql(
      SCHEDULE,
      {
        g: w.group.globalId,
        input: {
          title: 'Weekly',
          startsAt: new Date(Date.now() + 86_400_000).toISOString(),
          durationMinutes: 60,
          timeZone: 'Europe/Berlin',
          repeat: { frequency: 'WEEKLY', count: 12 },
        },
      },
      w.net.adminKey,
    ),
  );
  expect(scheduleSessions).toHaveLength(12);
  // All 12 reach the fast endpoint while the slow one has not answered its first request yet.
  const got = await fast.waitFor(12, 1_400);
  expect(Math.max(...got.map((g) => g.at)) - sent).toBeLessThan(1_500);
  await slow.waitFor(12, 10_000);
});

describe('rollback', () => {
  const deps = () => ({ dataSource: app.db.dataSource, tokens: app.tokens, pseudonyms: new Pseudonyms(TEST_TOKEN_SECRET), logger: createLogger('silent') });

  test('a rolled-back change sends nothing, and the savepoint of a failing field takes its event with it', async () => {
    const r = await receiver();
    await endpoint(r, ['SESSION_CANCELLED']);
    const [rolledBack, inFailingField, committed] = [await scheduledSession(), await scheduledSession(), await scheduledSession()];

    const ctx1 = await createContext(deps(), { authorization: `Bearer ${w.net.adminKey}` });
    await transition(ctx1, dbId(rolledBack), 'cancel');
    await ctx1.tx.finish('rollback');

    const ctx2 = await createContext(deps(), { authorization: `Bearer ${w.net.adminKey}` });
    await expect(
      ctx2.tx.savepoint(async () => {
        await transition(ctx2, dbId(inFailingField), 'cancel');
        throw new Error('the field fails after its change');
      }),
    ).rejects.toThrow('the field fails');
    await transition(ctx2, dbId(committed), 'cancel');
    expect(await ctx2.tx.finish('commit')).toBe('committed');

    const [only] = await r.waitFor(1);
    await settle();
    expect(r.received).toHaveLength(1);
    expect(JSON.parse(only.body).data.id).toBe(committed);
    const events = await sql(app, w.net.id, `SELECT object_id FROM webhook_events WHERE object_id = ANY($1)`, [[dbId(rolledBack), dbId(inFailingField)]]);
    expect(events).toEqual([]);
  });
});

test('sequence numbers count the events per object; webhook.test and redelivery keep to their rules', async () => {
  const r = await receiver();
  const { id, secret } = await endpoint(r, ['SESSION_UPDATED', 'SESSION_CANCELLED']);
  const session = await scheduledSession();
  ok(await app.gql(`mutation($id: ID!) { updateSession(id: $id, input: { capacity: 9 }) { id } }`, { id: session }, w.net.adminKey));
  ok(await app.gql(CANCEL, { id: session }, w.net.adminKey));
  const got = (await r.waitFor(2)).map((g) => verified(secret, g));
  expect(got.map((p) => [p.type, p.data.sequence]).sort()).toEqual([
    ['session.cancelled', 2],
    ['session.updated', 1],
  ]);

  const { sendTestWebhook } = ok(await app.gql(`mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id eventType status } }`, { id }, w.net.adminKey));
  expect(sendTestWebhook).toMatchObject({ eventType: 'WEBHOOK_TEST', status: 'PENDING' });
  const test = verified(secret, (await r.waitFor(3))[2]);
  expect(test).toMatchObject({ type: 'webhook.test', data: { id, sequence: 1 } });

  const first = (await deliveries(id, 'SUCCEEDED')).nodes.find((d: { eventType: string }) => d.eventType === 'SESSION_CANCELLED');
  const { redeliverWebhook } = ok(
    await app.gql(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id webhookId status } }`, { id: first.id }, w.net.adminKey),
  );
  expect(redeliverWebhook.id).not.toBe(first.id);
  expect(redeliverWebhook.webhookId).toBe(first.webhookId);
  const again = (await r.waitFor(4))[3];
  expect(again.headers['webhook-id']).toBe(first.webhookId);
  expect(verified(secret, again)).toMatchObject({ type: 'session.cancelled', data: { sequence: 2 } });
});

test('after rotateWebhookSecret both secrets sign during the grace period', async () => {
  const r = await receiver();
  const { id, secret: old } = await endpoint(r, ['SESSION_CANCELLED']);
  const { rotateWebhookSecret } = ok(
    await app.gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id previousSecretExpiresAt } } }`, { id }, w.net.adminKey),
  );
  expect(rotateWebhookSecret.secret).toMatch(/^whsec_/);
  expect(rotateWebhookSecret.secret).not.toBe(old);
  expect(new Date(rotateWebhookSecret.endpoint.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  ok(await app.gql(CANCEL, { id: await scheduledSession() }, w.net.adminKey));
  const [got] = await r.waitFor(1);
  expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
  verified(rotateWebhookSecret.secret, got);
  verified(old, got);
});

test('deliveries failing past the maximum age disable the endpoint with a reason', async () => {
  const net = await createTestNetwork(app, 'Webhooks failing');
  const r = await receiver(() => ({ status: 500 }));
  const group = await createGroup(app, net);
  const { createWebhookEndpoint } = ok(await app.gql(CREATE_ENDPOINT, { url: r.url, events: ['SESSION_CANCELLED'] }, net.adminKey));
  // A dispatcher of its own whose "three days" are 600 ms.
  const short = startWebhookDispatcher(
    app.db.dataSource,
    createLogger('silent'),
    { ...app.config, webhookMaxAgeMs: 600 },
    new WebhookSecrets(app.config.tokenSecret),
    {
      networks: [net.id],
    },
  );
  try {
    const session = await insertSession(app, net.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 60 });
    ok(await app.gql(CANCEL, { id: session.globalId }, net.adminKey));
    const e = await eventually(async () => {
      const { webhookEndpoints } = ok(await app.gql('{ webhookEndpoints { id enabled disabledReason failingSince } }', {}, net.adminKey));
      return !webhookEndpoints[0].enabled && webhookEndpoints[0];
    });
    expect(e.disabledReason).toMatch(/failed .* without a success \(last: HTTP 500/);
    const { webhookDeliveries } = ok(await app.gql(DELIVERIES, { id: createWebhookEndpoint.endpoint.id }, net.adminKey));
    expect(webhookDeliveries.nodes[0]).toMatchObject({ status: 'FAILED', lastStatusCode: 500, nextAttemptAt: null });
    expect(webhookDeliveries.nodes[0].attempts).toBeGreaterThanOrEqual(2);
  } finally {
    await short.stop();
  }
});

test('payloads carry only the listed fields: no names, comments, moods or ratings', async () => {
  const partner = await createTestNetwork(app, 'Webhooks partner');
  const partnerAdmin = partner.adminKey;
  const r = await receiver();
  const all = ['SESSION_SCHEDULED', 'SESSION_UPDATED', 'SESSION_CANCELLED', 'MEMBERSHIP_CREATED', 'MEMBERSHIP_UPDATED', 'MEMBERSHIP_ENDED'];
  const { id, secret } = await endpoint(r, [...all, 'ATTENDANCE_RECORDED', 'FEEDBACK_SUBMITTED', 'JOINT_EVENT_UPDATED', 'PARTNERSHIP_REVOKED']);
  // The partner's own endpoint hears of the revocation and the joint event too.
  networks.push(partner.id);
  const pr = await receiver();
  const { createWebhookEndpoint: partnerEndpoint } = ok(
    await app.gql(CREATE_ENDPOINT, { url: pr.url, events: ['PARTNERSHIP_REVOKED', 'JOINT_EVENT_UPDATED'] }, partnerAdmin),
  );

  const newcomer = await w.net.member(undefined, { displayName: 'Nina Newcomer-Secretname', email: 'nina@private.example' });
  const { joinGroup } = ok(await app.gql(`mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }`, { g: w.group.globalId }, newcomer.token));
  ok(await app.gql(`mutation($id: ID!) { updateMembership(id: $id, role: FACILITATOR) { id } }`, { id: joinGroup.id }, w.net.adminKey));
  const live = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
  ok(await app.gql(`mutation($s: ID!) { checkIn(sessionId: $s, moodBefore: 2) { id } }`, { s: live.globalId }, newcomer.token));
  ok(
    await app.gql(
      `mutation($s: ID!) { submitFeedback(sessionId: $s, input: { rating: 1, moodAfter: 2, comment: "Secret-comment about my relapse" }) { id } }`,
      { s: live.globalId },
      newcomer.token,
    ),
  );
  ok(await app.gql(`mutation($g: ID!) { leaveGroup(groupId: $g) { id } }`, { g: w.group.globalId }, newcomer.token));
  const session = await scheduledSession();
  ok(await app.gql(`mutation($id: ID!) { updateSession(id: $id, input: { title: "Renamed", location: "Room 4" }) { id } }`, { id: session }, w.net.adminKey));
  ok(await app.gql(CANCEL, { id: session }, w.net.adminKey));
  const partnership = await activePartnership(app, w.net.adminKey, { slug: partner.slug, admin: partnerAdmin });
  await invitedJointEvent(app, w.net.adminKey, w.group.globalId, { globalId: partner.globalId });
  ok(await app.gql(`mutation($id: ID!) { revokePartnership(id: $id) { id } }`, { id: partnership }, w.net.adminKey));

  const expected = [
    'membership.created',
    'membership.updated',
    'attendance.recorded',
    'feedback.submitted',
    'membership.ended',
    'session.updated',
    'session.cancelled',
    'partnership.revoked',
  ];
  const got = await eventually(async () => {
    const types = new Set(r.received.map((g) => JSON.parse(g.body).type));
    return expected.every((t) => types.has(t)) && types.has('joint_event.updated') && r.received;
  });
  const partnerGot = await eventually(async () => pr.received.some((g) => JSON.parse(g.body).type === 'partnership.revoked') && pr.received);
  const signed: Array<[string, Received]> = [
    ...got.map((g): [string, Received] => [secret, g]),
    ...partnerGot.map((g): [string, Received] => [partnerEndpoint.secret, g]),
  ];
  for (const [key, g] of signed) {
    const payload = verified(key, g);
    expect(keysOf(payload).filter((k) => !(PAYLOAD_FIELDS as readonly string[]).includes(k))).toEqual([]);
    expect(g.body).not.toMatch(/Secretname|private\.example|Secret-comment|relapse|Renamed|Room 4|Facilitator ill|moodBefore|rating/);
  }
  const revoked = partnerGot.map((g) => JSON.parse(g.body)).find((p) => p.type === 'partnership.revoked');
  expect(revoked.data).toEqual({ id: partnership, status: 'REVOKED', sequence: 1 });
  const feedback = got.map((g) => JSON.parse(g.body)).find((p) => p.type === 'feedback.submitted');
  expect(Object.keys(feedback.data).sort()).toEqual(['id', 'sequence', 'session']);
  const membership = got.map((g) => JSON.parse(g.body)).find((p) => p.type === 'membership.ended');
  expect(membership.data).toEqual({ id: joinGroup.id, group: w.group.globalId, role: 'FACILITATOR', status: 'LEFT', sequence: 3 });
  expect((await deliveries(id)).totalCount).toBe(got.length);
});

test('finished deliveries are purged after the retention period; pending ones stay', async () => {
  const net: TestNetwork = await createTestNetwork(app, 'Webhooks purge');
  const group = await createGroup(app, net);
  // Nothing listens there; and the states are set by hand below (a dispatcher of another process loses its lease).
  const { createWebhookEndpoint } = ok(await app.gql(CREATE_ENDPOINT, { url: 'http://127.0.0.1:9/none', events: ['SESSION_CANCELLED'] }, net.adminKey));
  for (let i = 0; i < 2; i++) {
    const s = await insertSession(app, net.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 60 });
    ok(await app.gql(CANCEL, { id: s.globalId }, net.adminKey));
  }
  await sql(
    app,
    net.id,
    `UPDATE webhook_deliveries SET lease_token = NULL,
       status = CASE WHEN id = (SELECT min(id::text)::uuid FROM webhook_deliveries) THEN 'SUCCEEDED' ELSE 'PENDING' END,
       next_attempt_at = now() + interval '1 day'`,
  );
  expect(await purgeDeliveries(app.db.dataSource, new Date(Date.now() - 60_000), { networks: [net.id] })).toBe(0);
  expect(await purgeDeliveries(app.db.dataSource, new Date(Date.now() + 60_000), { networks: [net.id] })).toBe(1);
  const { webhookDeliveries } = ok(await app.gql(DELIVERIES, { id: createWebhookEndpoint.endpoint.id }, net.adminKey));
  expect(webhookDeliveries.nodes.map((d: { status: string }) => d.status)).toEqual(['PENDING']);
  expect(await sql(app, net.id, `SELECT count(*)::int AS n FROM webhook_events`)).toEqual([{ n: 1 }]);
});

test('an erasure tells integrators which ID to forget: member.erased with the old ID only', async () => {
  const r = await receiver();
  const { secret } = await endpoint(r, ['MEMBER_ERASED']);
  const gone = await w.net.member(undefined, { displayName: 'Forget Me Fiona', email: 'fiona@forget.example' });
  ok(await app.gql(`mutation($id: ID!) { eraseMember(memberId: $id, reason: "Fiona asked") { alreadyErased } }`, { id: gone.globalId }, w.net.adminKey));
  const [request] = await r.waitFor(1);
  expect(verified(secret, request)).toEqual({ type: 'member.erased', timestamp: expect.any(String), data: { id: gone.globalId, sequence: 1 } });
  expect(request.body).not.toMatch(/Fiona|forget\.example/);
  // Erasing again is a no-op: no second event.
  ok(await app.gql(`mutation($id: ID!) { eraseMember(memberId: $id, reason: "again") { alreadyErased } }`, { id: gone.globalId }, w.net.adminKey));
  await settle();
  expect(r.received).toHaveLength(1);
});
