import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createGroup, expectCode, expectFieldErrors, ok } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';
import { attend, HEALTH, OUTCOMES, PARTICIPATION, session, type ParticipationPoint } from './fixtures';

/**
 * Who sees evaluation, and the settings behind it (`updateNetwork`, `updateMember(doNotContact)`), across
 * roles, scopes and networks. The cast (createWorld): a group with a facilitator and two members, an outsider,
 * a coordinator, an admin, and keys.
 */

let app: TestApp;
let w: World;
let other: World;
const MARCH = { i: 'MONTH', from: '2025-03-01T00:00:00Z', to: '2025-03-31T00:00:00Z' };

beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Evaluation access');
  other = await createWorld(app, 'Evaluation elsewhere');
  // The other network held a session in March 2025; this one held none.
  const s = await session(app, other.net, other.group, '2025-03-10T10:00:00Z');
  await attend(app, other.net, other.group, s, other.member);
});
afterAll(() => app.stop());

const trend = (vars: Record<string, unknown>, credential: string) => app.gql<{ participationTrend: ParticipationPoint[] }>(PARTICIPATION, vars, credential);
const healthOf = async (groupId: string, credential: string) =>
  (await app.gql<{ node: { health: unknown } | null }>(HEALTH, { id: groupId, from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' }, credential)).data
    ?.node;

describe('aggregates: roles and scopes', () => {
  test("Group.health: the group's facilitator, coordinators, admins and READ keys; null for members and outsiders", async () => {
    for (const credential of [w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.read]) {
      expect(await healthOf(w.group.globalId, credential)).toEqual({ health: expect.objectContaining({ sessionsHeld: 0, suppressed: true }) });
    }
    for (const credential of [w.member.token, w.outsider.token]) expect(await healthOf(w.group.globalId, credential)).toEqual({ health: null });
  });

  test("a group's trends: its facilitator, coordinators, admins, READ keys; FORBIDDEN for members, outsiders and keys without READ", async () => {
    const vars = { g: w.group.globalId, ...MARCH };
    for (const credential of [w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.read]) {
      expect(ok(await trend(vars, credential)).participationTrend).toHaveLength(1);
      expect(ok(await app.gql(OUTCOMES, vars, credential))).toBeTruthy();
    }
    const writeOnly = await w.net.key(ApiKeyScope.WRITE);
    for (const credential of [w.member.token, w.member2.token, w.outsider.token, writeOnly]) {
      expectCode(await trend(vars, credential), 'FORBIDDEN');
      expectCode(await app.gql(OUTCOMES, vars, credential), 'FORBIDDEN');
    }
  });

  test("a facilitator sees only their groups: another group's trends are FORBIDDEN, a PRIVATE one they cannot see NOT_FOUND", async () => {
    const second = await createGroup(app, w.net, { name: 'Second circle' });
    const hidden = await createGroup(app, w.net, { name: 'Hidden circle', visibility: 'PRIVATE' });
    expectCode(await trend({ g: second, ...MARCH }, w.facilitator.token), 'FORBIDDEN');
    expectCode(await trend({ g: hidden, ...MARCH }, w.facilitator.token), 'NOT_FOUND');
    expect(await healthOf(second, w.facilitator.token)).toEqual({ health: null });
  });

  test('network-wide trends: coordinators, admins and READ keys only', async () => {
    for (const credential of [w.coordinator.token, w.admin.token, w.keys.read]) {
      expect(ok(await trend(MARCH, credential)).participationTrend).toHaveLength(1);
    }
    for (const credential of [w.facilitator.token, w.member.token, await w.net.key(ApiKeyScope.WRITE)]) {
      expectCode(await trend(MARCH, credential), 'FORBIDDEN');
      expectCode(await app.gql(OUTCOMES, MARCH, credential), 'FORBIDDEN');
    }
  });
});

describe('aggregates: networks', () => {
  test("another network's group is NOT_FOUND (trends) or null (node), for every role", async () => {
    for (const credential of [w.admin.token, w.coordinator.token, w.keys.all]) {
      expectCode(await trend({ g: other.group.globalId, ...MARCH }, credential), 'NOT_FOUND');
      expectCode(await app.gql(OUTCOMES, { g: other.group.globalId, ...MARCH }, credential), 'NOT_FOUND');
      expect(await healthOf(other.group.globalId, credential)).toBeNull();
    }
  });

  test("network-wide figures count only the caller's network", async () => {
    expect(ok(await trend(MARCH, w.keys.read)).participationTrend).toEqual([expect.objectContaining({ sessions: 0, attendees: 0 })]);
    expect(ok(await trend(MARCH, other.keys.read)).participationTrend).toEqual([expect.objectContaining({ sessions: 1, attendees: 1 })]);
  });
});

describe('updateNetwork', () => {
  const UPDATE = `mutation($i: UpdateNetworkInput!) { updateNetwork(input: $i) { name timeZone minimumAggregateSize } }`;

  test('an admin changes the threshold and the time zone of their own network only; it is audited', async () => {
    const res = ok(await app.gql<{ updateNetwork: unknown }>(UPDATE, { i: { minimumAggregateSize: 8, timeZone: 'America/New_York' } }, w.admin.token));
    expect(res.updateNetwork).toEqual({ name: 'Evaluation access', timeZone: 'America/New_York', minimumAggregateSize: 8 });
    expect(ok(await app.gql<{ network: unknown }>('{ network { timeZone minimumAggregateSize } }', {}, other.keys.read)).network).toEqual({
      timeZone: 'UTC',
      minimumAggregateSize: 5,
    });
    const [entry] = await sql<{ action: string; details: { changed: string[]; minimumAggregateSize: number } }>(
      app,
      w.net.id,
      `SELECT action, details FROM audit_log WHERE action = 'network.updated' ORDER BY at DESC LIMIT 1`,
    );
    expect(entry).toEqual({ action: 'network.updated', details: { changed: ['timeZone', 'minimumAggregateSize'], minimumAggregateSize: 8 } });
    ok(await app.gql(UPDATE, { i: { minimumAggregateSize: 5, timeZone: 'UTC' } }, w.keys.all));
  });

  test('coordinators, members and keys without WRITE and ADMIN: FORBIDDEN; nothing changes', async () => {
    for (const credential of [w.coordinator.token, w.member.token, w.keys.writePersonal, await w.net.key(ApiKeyScope.ADMIN)]) {
      expectCode(await app.gql(UPDATE, { i: { minimumAggregateSize: 9 } }, credential), 'FORBIDDEN');
    }
    expect(
      ok(await app.gql<{ network: { minimumAggregateSize: number } }>('{ network { minimumAggregateSize } }', {}, w.keys.read)).network.minimumAggregateSize,
    ).toBe(5);
  });

  test('validation: k below 5 or above 1,000, an unknown time zone, a blank name → fieldErrors under input', async () => {
    expectFieldErrors(await app.gql(UPDATE, { i: { minimumAggregateSize: 4 } }, w.admin.token), ['input', 'minimumAggregateSize']);
    expectFieldErrors(await app.gql(UPDATE, { i: { minimumAggregateSize: 1001 } }, w.admin.token), ['input', 'minimumAggregateSize']);
    expectFieldErrors(await app.gql(UPDATE, { i: { timeZone: 'Mars/Olympus', name: ' ' } }, w.admin.token), ['input', 'name'], ['input', 'timeZone']);
  });
});

describe('Member.doNotContact', () => {
  const SET = `mutation($id: ID!, $v: Boolean) { updateMember(id: $id, input: { doNotContact: $v }) { doNotContact } }`;
  const READ = `query($id: ID!) { node(id: $id) { ... on Member { doNotContact } } }`;

  test('the member sets it; the member, coordinators, admins and PERSONAL_DATA keys read it', async () => {
    expect(ok(await app.gql<{ updateMember: unknown }>(SET, { id: w.member.globalId, v: true }, w.member.token)).updateMember).toEqual({ doNotContact: true });
    for (const credential of [w.member.token, w.coordinator.token, w.admin.token, w.keys.readPersonal]) {
      expect(ok(await app.gql<{ node: unknown }>(READ, { id: w.member.globalId }, credential)).node).toEqual({ doNotContact: true });
    }
    // A co-member sees the member in the group's list, but not the wish.
    const LIST = `query($g: ID!) { node(id: $g) { ... on Group { memberships(first: 10) { nodes { member { displayName doNotContact } } } } } }`;
    const seen = ok(
      await app.gql<{ node: { memberships: { nodes: Array<{ member: { displayName: string; doNotContact: boolean | null } }> } } }>(
        LIST,
        { g: w.group.globalId },
        w.member2.token,
      ),
    );
    expect(seen.node.memberships.nodes.find((n) => n.member.displayName === 'Mia Member')!.member.doNotContact).toBeNull();
    const byCoordinator = ok(await app.gql<typeof seen>(LIST, { g: w.group.globalId }, w.coordinator.token));
    expect(byCoordinator.node.memberships.nodes.find((n) => n.member.displayName === 'Mia Member')!.member.doNotContact).toBe(true);
    ok(await app.gql(SET, { id: w.member.globalId, v: false }, w.member.token));
  });

  test('another member cannot set it (FORBIDDEN); another network cannot (NOT_FOUND); nothing changes', async () => {
    expectCode(await app.gql(SET, { id: w.member.globalId, v: true }, w.member2.token), 'FORBIDDEN');
    expectCode(await app.gql(SET, { id: w.member.globalId, v: true }, other.admin.token), 'NOT_FOUND');
    expectCode(await app.gql(SET, { id: w.member.globalId, v: true }, other.keys.all), 'NOT_FOUND');
    const [row] = await sql<{ do_not_contact: boolean }>(app, w.net.id, `SELECT do_not_contact FROM members WHERE id = $1`, [w.member.id]);
    expect(row.do_not_contact).toBe(false);
  });
});
