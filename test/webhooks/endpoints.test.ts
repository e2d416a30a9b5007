import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { expectBadInput, expectCode, expectLikeUnknown, ok, unknownId, createGroup, dbId } from '../helpers/gql';
import { insertSession, sql } from '../helpers/world';
import { CREATE_ENDPOINT, DELIVERIES } from './receiver';

/**
 * Managing endpoints through the API: who may, what is checked, what is audited, and that another network's
 * endpoints and deliveries answer exactly like unknown ones. No dispatcher runs here (deliveries stay PENDING).
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let aEndpoint: string;
let aDelivery: string;

const URL = 'http://127.0.0.1:9/hook';
const UPDATE = `mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { id url events description enabled disabledReason } }`;
const ROTATE = `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }`;
const DELETE = `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`;
const TEST = `mutation($id: ID!) { sendTestWebhook(endpointId: $id) { id status } }`;
const REDELIVER = `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`;
const LIST = `{ webhookEndpoints { id url events description enabled } }`;

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Hooks A');
  b = await createTestNetwork(app, 'Hooks B');
  const { createWebhookEndpoint } = ok(
    await app.gql(CREATE_ENDPOINT, { url: URL, events: ['SESSION_CANCELLED', 'SESSION_SCHEDULED'], description: 'CRM' }, a.adminKey),
  );
  aEndpoint = createWebhookEndpoint.endpoint.id;
  const group = await createGroup(app, a);
  const session = await insertSession(app, a.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 60 });
  ok(await app.gql(`mutation($id: ID!) { cancelSession(id: $id) { id } }`, { id: session.globalId }, a.adminKey));
  aDelivery = ok(await app.gql(DELIVERIES, { id: aEndpoint }, a.adminKey)).webhookDeliveries.nodes[0].id;
});
afterAll(() => app.stop());

test('create shows the whsec_ secret once, stores it sealed, and audits without it', async () => {
  const res = ok(await app.gql(CREATE_ENDPOINT, { url: URL, events: ['MEMBERSHIP_CREATED', 'ATTENDANCE_RECORDED'], description: '  ' }, a.adminKey));
  const { secret, endpoint } = res.createWebhookEndpoint;
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  expect(endpoint).toMatchObject({ url: URL, events: ['MEMBERSHIP_CREATED', 'ATTENDANCE_RECORDED'], description: null, enabled: true, disabledReason: null });
  const [row] = await sql<{ secret_sealed: string }>(app, a.id, `SELECT secret_sealed FROM webhook_endpoints WHERE id = $1`, [dbId(endpoint.id)]);
  expect(row.secret_sealed).toMatch(/^v1:/);
  expect(row.secret_sealed).not.toContain(secret.slice(6));
  const audit = await sql<{ action: string; details: unknown }>(app, a.id, `SELECT action, details FROM audit_log WHERE target_id = $1`, [dbId(endpoint.id)]);
  expect(audit).toEqual([
    { action: 'webhook_endpoint.created', details: { host: '127.0.0.1:9', events: ['membership.created', 'attendance.recorded'], enabled: true } },
  ]);
  expect(JSON.stringify(audit)).not.toContain(secret.slice(6, 20));
  // The secret is nowhere in the endpoint's fields.
  const listed = ok(await app.gql(LIST, {}, a.adminKey)).webhookEndpoints;
  expect(JSON.stringify(listed)).not.toContain(secret.slice(6, 20));
});

test('update, disable, enable, rotate, test and delete; each change audited', async () => {
  const { createWebhookEndpoint } = ok(await app.gql(CREATE_ENDPOINT, { url: URL, events: ['SESSION_CANCELLED'] }, a.adminKey));
  const id = createWebhookEndpoint.endpoint.id;
  const updated = ok(await app.gql(UPDATE, { id, input: { events: ['SESSION_UPDATED', 'SESSION_CANCELLED'], description: 'Reporting' } }, a.adminKey));
  expect(updated.updateWebhookEndpoint).toMatchObject({ events: ['SESSION_UPDATED', 'SESSION_CANCELLED'], description: 'Reporting', enabled: true });
  ok(await app.gql(UPDATE, { id, input: { enabled: false } }, a.adminKey));
  expectCode(await app.gql(TEST, { id }, a.adminKey), 'CONFLICT', /disabled/);
  expect(ok(await app.gql(UPDATE, { id, input: { enabled: true } }, a.adminKey)).updateWebhookEndpoint).toMatchObject({ enabled: true, disabledReason: null });
  expect(ok(await app.gql(TEST, { id }, a.adminKey)).sendTestWebhook).toMatchObject({ status: 'PENDING' });
  expect(ok(await app.gql(ROTATE, { id }, a.adminKey)).rotateWebhookSecret.secret).toMatch(/^whsec_/);
  expect(ok(await app.gql(DELETE, { id }, a.adminKey)).deleteWebhookEndpoint).toBe(true);
  expectCode(await app.gql(DELETE, { id }, a.adminKey), 'NOT_FOUND');
  const actions = await sql<{ action: string }>(app, a.id, `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY at`, [dbId(id)]);
  expect(actions.map((r) => r.action)).toEqual([
    'webhook_endpoint.created',
    'webhook_endpoint.updated',
    'webhook_endpoint.updated',
    'webhook_endpoint.updated',
    'webhook.test_sent',
    'webhook_endpoint.secret_rotated',
    'webhook_endpoint.deleted',
  ]);
});

test('inputs are checked: URL form, events, description length', async () => {
  expectBadInput(await app.gql(CREATE_ENDPOINT, { url: 'not a url', events: ['SESSION_CANCELLED'] }, a.adminKey), ['url']);
  expectBadInput(await app.gql(CREATE_ENDPOINT, { url: 'ftp://127.0.0.1/x', events: ['SESSION_CANCELLED'] }, a.adminKey), ['url']);
  expectBadInput(await app.gql(CREATE_ENDPOINT, { url: 'http://user:pw@127.0.0.1/x', events: ['SESSION_CANCELLED'] }, a.adminKey), ['url']);
  expectBadInput(await app.gql(CREATE_ENDPOINT, { url: URL, events: [] }, a.adminKey), ['events']);
  expectBadInput(await app.gql(CREATE_ENDPOINT, { url: URL, events: ['WEBHOOK_TEST'] }, a.adminKey), ['events']);
  expectBadInput(await app.gql(CREATE_ENDPOINT, { url: URL, events: ['SESSION_CANCELLED'], description: 'x'.repeat(501) }, a.adminKey), ['description']);
  expectBadInput(await app.gql(UPDATE, { id: aEndpoint, input: { url: 'http://10.0.0.1/x' } }, a.adminKey), ['input', 'url']);
});

test('only ADMIN members and API keys with ADMIN manage webhooks', async () => {
  const admin = await a.member(NetworkRole.ADMIN);
  const coordinator = await a.member(NetworkRole.COORDINATOR);
  const writeKey = await a.key(ApiKeyScope.READ, ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA);
  const adminOnlyKey = await a.key(ApiKeyScope.ADMIN);
  expect(ok(await app.gql(LIST, {}, admin.token)).webhookEndpoints.length).toBeGreaterThan(0);
  expect(ok(await app.gql(LIST, {}, adminOnlyKey)).webhookEndpoints.length).toBeGreaterThan(0);
  ok(await app.gql(CREATE_ENDPOINT, { url: URL, events: ['SESSION_CANCELLED'] }, admin.token));
  for (const credential of [coordinator.token, writeKey]) {
    expectCode(await app.gql(LIST, {}, credential), 'FORBIDDEN');
    expectCode(await app.gql(CREATE_ENDPOINT, { url: URL, events: ['SESSION_CANCELLED'] }, credential), 'FORBIDDEN');
    expectCode(await app.gql(DELIVERIES, { id: aEndpoint }, credential), 'FORBIDDEN');
    expectCode(await app.gql(REDELIVER, { id: aDelivery }, credential), 'FORBIDDEN');
    expect(ok(await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: aEndpoint }, credential)).node).toBeNull();
  }
});

describe("another network's admin", () => {
  test('sees none of our endpoints or deliveries, and each of their IDs answers like an unknown one', async () => {
    expect(ok(await app.gql(LIST, {}, b.adminKey)).webhookEndpoints.map((e: { id: string }) => e.id)).not.toContain(aEndpoint);
    const unknownEndpoint = unknownId('WebhookEndpoint');
    const unknownDelivery = unknownId('WebhookDelivery');
    await expectLikeUnknown(app, DELIVERIES, { id: aEndpoint }, { id: unknownEndpoint }, b.adminKey);
    await expectLikeUnknown(app, REDELIVER, { id: aDelivery }, { id: unknownDelivery }, b.adminKey);
    await expectLikeUnknown(app, UPDATE, { id: aEndpoint, input: { enabled: false } }, { id: unknownEndpoint, input: { enabled: false } }, b.adminKey);
    await expectLikeUnknown(app, ROTATE, { id: aEndpoint }, { id: unknownEndpoint }, b.adminKey);
    await expectLikeUnknown(app, TEST, { id: aEndpoint }, { id: unknownEndpoint }, b.adminKey);
    await expectLikeUnknown(app, DELETE, { id: aEndpoint }, { id: unknownEndpoint }, b.adminKey);
    const nodes = ok(await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [aEndpoint, aDelivery] }, b.adminKey)).nodes;
    expect(nodes).toEqual([null, null]);
    // And nothing changed for A.
    const { webhookEndpoints } = ok(await app.gql(LIST, {}, a.adminKey));
    expect(webhookEndpoints.find((e: { id: string }) => e.id === aEndpoint)).toMatchObject({ enabled: true, description: 'CRM' });
    expect(ok(await app.gql(DELIVERIES, { id: aEndpoint }, a.adminKey)).webhookDeliveries.totalCount).toBe(1);
  });

  test("B's changes never fan out to A's endpoints", async () => {
    const group = await createGroup(app, b);
    const session = await insertSession(app, b.id, dbId(group), { status: 'SCHEDULED', startsInMinutes: 60 });
    ok(await app.gql(`mutation($id: ID!) { cancelSession(id: $id) { id } }`, { id: session.globalId }, b.adminKey));
    expect(ok(await app.gql(DELIVERIES, { id: aEndpoint }, a.adminKey)).webhookDeliveries.totalCount).toBe(1);
  });
});

test('deliveries page newest first and filter by status', async () => {
  ok(await app.gql(TEST, { id: aEndpoint }, a.adminKey));
  ok(await app.gql(TEST, { id: aEndpoint }, a.adminKey));
  const page1 = ok(await app.gql(DELIVERIES, { id: aEndpoint, first: 2 }, a.adminKey)).webhookDeliveries;
  expect(page1.totalCount).toBe(3);
  expect(page1.nodes.map((n: { eventType: string }) => n.eventType)).toEqual(['WEBHOOK_TEST', 'WEBHOOK_TEST']);
  const page2 = ok(await app.gql(DELIVERIES, { id: aEndpoint, first: 2, after: page1.pageInfo.endCursor }, a.adminKey)).webhookDeliveries;
  expect(page2.nodes.map((n: { eventType: string }) => n.eventType)).toEqual(['SESSION_CANCELLED']);
  expect(page2.pageInfo.hasNextPage).toBe(false);
  expect(ok(await app.gql(DELIVERIES, { id: aEndpoint, status: 'SUCCEEDED' }, a.adminKey)).webhookDeliveries.totalCount).toBe(0);
});

describe('production address policy (WEBHOOK_ALLOW_HTTP_LOOPBACK=false)', () => {
  let prod: TestApp;
  let net: TestNetwork;
  beforeAll(async () => {
    prod = await startTestApp({ WEBHOOK_ALLOW_HTTP_LOOPBACK: 'false' });
    net = await createTestNetwork(prod, 'Hooks production');
  });
  afterAll(() => prod.stop());

  test.each([
    ['http://127.0.0.1:8080/hook', /https/],
    ['https://127.0.0.1/hook', /loopback/],
    ['https://localhost/hook', /loopback/],
    ['https://[::1]/hook', /loopback/],
    ['https://10.1.2.3/hook', /private/],
    ['https://192.168.1.20/hook', /private/],
    ['https://172.20.0.5/hook', /private/],
    ['https://169.254.169.254/latest/meta-data', /link-local or metadata/],
    ['https://[fd00:ec2::254]/hook', /private/],
    ['https://[fe80::1]/hook', /link-local/],
    ['https://100.64.0.1/hook', /shared/],
    ['https://0.0.0.0/hook', /reserved/],
    ['https://[::ffff:127.0.0.1]/hook', /loopback/],
  ])('refuses %s', async (url, reason) => {
    const [error] = expectBadInput(await prod.gql(CREATE_ENDPOINT, { url, events: ['SESSION_CANCELLED'] }, net.adminKey), ['url']);
    expect(error.message).toMatch(reason);
  });
});
