import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { type Cred, dbId, expectCode, expectFieldErrors, ok } from '../helpers/gql';
import { attend, DRIFTING, evaluationNetwork, group, joined, session, type Drifting, type Group, type Joined } from './fixtures';
import type { TestNetwork } from '../helpers/factories';

/**
 * Group H, sessions at 17:00 UTC: T1 5 Jan, T2 12 Jan, T3 19 Jan (CANCELLED), T4 26 Jan, T5 2 Feb, T6 9 Feb
 * 2025 (COMPLETED), and one SCHEDULED next week. Members joined 1 January 2025 unless said otherwise:
 *
 * | member | attendance                                  | missed in a row                                   |
 * |--------|---------------------------------------------|---------------------------------------------------|
 * | Fac    | every session (facilitator)                 | 0                                                 |
 * | A      | T1, T2; ABSENT at T4 and T6                 | 3 (T4 T5 T6; the cancelled T3 does not count)     |
 * | B      | never                                       | 5                                                 |
 * | C      | T5                                          | 1                                                 |
 * | D      | joined 30 January; never                    | 2 (only T5 T6 were after joining)                 |
 * | E      | T1                                          | 4, until E asks not to be contacted               |
 * | Fa     | T4 LATE, T5 EXCUSED, T6 ABSENT              | 2 (LATE counts as there, EXCUSED as missed)       |
 * | R      | T1, T2, then left and rejoined 28 January   | 2 (sessions before the rejoin do not count)       |
 * | P      | PAUSED, never                               | not listed (not ACTIVE)                           |
 *
 * Group H2 (same network): X never attended its 3 sessions. Network N3: Y, drifting there.
 */

let app: TestApp;
let net: TestNetwork;
let h: Group;
let h2: Group;
let coordinator: Cred;
let f2: Joined;
const m: Record<string, Joined> = {};
let other: TestNetwork;
let otherGroup: Group;

const T = {
  T1: '2025-01-05T17:00:00.000Z',
  T2: '2025-01-12T17:00:00.000Z',
  T4: '2025-01-26T17:00:00.000Z',
  T5: '2025-02-02T17:00:00.000Z',
  T6: '2025-02-09T17:00:00.000Z',
};

beforeAll(async () => {
  app = await startTestApp();
  net = await evaluationNetwork(app, 'Drifting');
  coordinator = await net.member(NetworkRole.COORDINATOR, { displayName: 'Cora' });
  h = await group(app, net, 'Helpers', 'PRIVATE');
  h2 = await group(app, net, 'Hikers');

  const jan1 = '2025-01-01T10:00:00Z';
  m.Fac = await joined(app, net, h, 'Fac', jan1, { role: 'FACILITATOR' });
  for (const name of ['A', 'B', 'C', 'E', 'Fa']) m[name] = await joined(app, net, h, name, jan1);
  m.D = await joined(app, net, h, 'D', '2025-01-30T10:00:00Z');
  m.R = await joined(app, net, h, 'R', '2025-01-28T10:00:00Z');
  m.P = await joined(app, net, h, 'P', jan1, { paused: true });

  const t1 = await session(app, net, h, T.T1);
  const t2 = await session(app, net, h, T.T2);
  await session(app, net, h, '2025-01-19T17:00:00Z', 'CANCELLED');
  const t4 = await session(app, net, h, T.T4);
  const t5 = await session(app, net, h, T.T5);
  const t6 = await session(app, net, h, T.T6);
  await session(app, net, h, new Date(Date.now() + 7 * 86_400_000).toISOString(), 'SCHEDULED');
  for (const t of [t1, t2, t4, t5, t6]) await attend(app, net, h, t, m.Fac);
  await attend(app, net, h, t1, m.A);
  await attend(app, net, h, t2, m.A);
  await attend(app, net, h, t4, m.A, 'ABSENT');
  await attend(app, net, h, t6, m.A, 'ABSENT');
  await attend(app, net, h, t5, m.C);
  await attend(app, net, h, t1, m.E);
  await attend(app, net, h, t4, m.Fa, 'LATE');
  await attend(app, net, h, t5, m.Fa, 'EXCUSED');
  await attend(app, net, h, t6, m.Fa, 'ABSENT');
  await attend(app, net, h, t1, m.R);
  await attend(app, net, h, t2, m.R);

  f2 = await joined(app, net, h2, 'F2', jan1, { role: 'FACILITATOR' });
  m.X = await joined(app, net, h2, 'X', jan1);
  for (const day of ['2025-03-01', '2025-03-08', '2025-03-15']) await attend(app, net, h2, await session(app, net, h2, `${day}T10:00:00Z`), f2);

  other = await evaluationNetwork(app, 'Drifting elsewhere');
  otherGroup = await group(app, other, 'Elsewhere');
  await joined(app, other, otherGroup, 'Y', jan1);
  for (const day of ['2025-03-01', '2025-03-08', '2025-03-15']) await session(app, other, otherGroup, `${day}T10:00:00Z`);
});
afterAll(() => app.stop());

const drifting = async (vars: Record<string, unknown>, credential: string) => ok(await app.gql<Drifting>(DRIFTING, vars, credential)).driftingMembers;
const names = (d: Drifting['driftingMembers']) => d.nodes.map((n) => n.membership.member.displayName);

describe('driftingMembers', () => {
  test('default minMissed 3: most missed first, with the last attendance; cancelled sessions, pauses and joins respected', async () => {
    const list = await drifting({ g: h.globalId }, m.Fac.token);
    expect(list.nodes).toEqual([
      {
        missedInARow: 5,
        lastAttendedAt: null,
        lastOutreachAt: null,
        membership: { id: m.B.membershipGlobalId, member: { displayName: 'B' }, group: { name: 'Helpers' } },
      },
      {
        missedInARow: 4,
        lastAttendedAt: T.T1,
        lastOutreachAt: null,
        membership: { id: m.E.membershipGlobalId, member: { displayName: 'E' }, group: { name: 'Helpers' } },
      },
      {
        missedInARow: 3,
        lastAttendedAt: T.T2,
        lastOutreachAt: null,
        membership: { id: m.A.membershipGlobalId, member: { displayName: 'A' }, group: { name: 'Helpers' } },
      },
    ]);
    expect(list.totalCount).toBe(3);
  });

  test('minMissed 2 adds D (joined late), Fa (LATE then EXCUSED) and R (rejoined); ties in a stable order; pages', async () => {
    const all = await drifting({ g: h.globalId, min: 2 }, m.Fac.token);
    const rows = all.nodes.map((n) => [n.membership.member.displayName, n.missedInARow, n.lastAttendedAt]);
    expect(rows.slice(0, 3)).toEqual([
      ['B', 5, null],
      ['E', 4, T.T1],
      ['A', 3, T.T2],
    ]);
    expect(rows.slice(3).sort()).toEqual([
      ['D', 2, null],
      ['Fa', 2, T.T4],
      ['R', 2, T.T2],
    ]);
    // Equal counts: by membership, a stable order for paging.
    const tieIds = all.nodes.slice(3).map((n) => dbId(n.membership.id));
    expect(tieIds).toEqual([...tieIds].sort());
    expect(all.totalCount).toBe(6);

    const first = await drifting({ g: h.globalId, min: 2, first: 4 }, m.Fac.token);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await drifting({ g: h.globalId, min: 2, first: 4, after: first.pageInfo.endCursor }, m.Fac.token);
    expect([...names(first), ...names(rest)]).toEqual(names(all));
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(names(await drifting({ g: h.globalId, min: 1 }, m.Fac.token))).toContain('C');
  });

  test('outreach shows as lastOutreachAt', async () => {
    ok(await app.gql(`mutation($m: ID!) { recordOutreach(membershipId: $m, input: { channel: CALL }) { id } }`, { m: m.A.membershipGlobalId }, m.Fac.token));
    const a = (await drifting({ g: h.globalId }, m.Fac.token)).nodes.find((n) => n.membership.member.displayName === 'A')!;
    expect(Math.abs(Date.parse(a.lastOutreachAt!) - Date.now())).toBeLessThan(60_000);
  });

  test('a member who asks not to be contacted (updateMember by themself) is left out', async () => {
    const res = ok(
      await app.gql<{ updateMember: { doNotContact: boolean } }>(
        `mutation($id: ID!) { updateMember(id: $id, input: { doNotContact: true }) { doNotContact } }`,
        { id: m.E.globalId },
        m.E.token,
      ),
    );
    expect(res.updateMember.doNotContact).toBe(true);
    expect(names(await drifting({ g: h.globalId }, m.Fac.token))).toEqual(['B', 'A']);
    expect(names(await drifting({ g: h.globalId }, coordinator.token))).toEqual(['B', 'A']);
  });

  test('without groupId: coordinators see the network (not another network); facilitators the groups they facilitate', async () => {
    const network = await drifting({}, coordinator.token);
    expect(network.nodes[0].membership.member.displayName).toBe('B');
    expect(names(network).slice(1).sort()).toEqual(['A', 'X']);
    expect(network.nodes.find((n) => n.membership.member.displayName === 'X')).toMatchObject({
      missedInARow: 3,
      lastAttendedAt: null,
      membership: { group: { name: 'Hikers' } },
    });
    expect(names(await drifting({}, m.Fac.token))).toEqual(['B', 'A']);
    expect(names(await drifting({}, f2.token))).toEqual(['X']);
    expect(names(await drifting({}, await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA))).sort()).toEqual(['A', 'B', 'X']);
    expect(names(await drifting({}, other.adminKey))).toEqual(['Y']);
  });

  test('denied: plain members, facilitators of another group, keys without PERSONAL_DATA; another network’s group is NOT_FOUND', async () => {
    expectCode(await app.gql(DRIFTING, {}, m.A.token), 'FORBIDDEN');
    expectCode(await app.gql(DRIFTING, { g: h2.globalId }, m.A.token), 'FORBIDDEN');
    expectCode(await app.gql(DRIFTING, { g: h2.globalId }, m.Fac.token), 'FORBIDDEN');
    expectCode(await app.gql(DRIFTING, { g: h.globalId }, f2.token), 'NOT_FOUND'); // H is PRIVATE: F2 cannot see it
    expectCode(await app.gql(DRIFTING, {}, await net.key(ApiKeyScope.READ)), 'FORBIDDEN');
    expectCode(await app.gql(DRIFTING, { g: h.globalId }, await net.key(ApiKeyScope.READ, ApiKeyScope.WRITE)), 'FORBIDDEN');
    expectCode(await app.gql(DRIFTING, { g: h.globalId }, other.adminKey), 'NOT_FOUND');
    expectCode(await app.gql(DRIFTING, { g: otherGroup.globalId }, coordinator.token), 'NOT_FOUND');
  });

  test('minMissed outside 1–100: BAD_USER_INPUT on minMissed', async () => {
    expectFieldErrors(await app.gql(DRIFTING, { g: h.globalId, min: 0 }, m.Fac.token), ['minMissed']);
  });
});
