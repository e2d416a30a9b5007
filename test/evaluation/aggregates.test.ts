import { DateTime } from 'luxon';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { type Cred, expectCode, expectFieldErrors, ok } from '../helpers/gql';
import {
  attend,
  evaluationNetwork,
  feedback,
  group,
  HEALTH,
  joined,
  OUTCOMES,
  PARTICIPATION,
  session,
  sessionGlobalId,
  SET_K,
  wellbeing,
  type Group,
  type Health,
  type Joined,
  type OutcomePoint,
  type ParticipationPoint,
} from './fixtures';
import type { TestNetwork } from '../helpers/factories';

/**
 * One network (Europe/Berlin) with a known history, every figure computed by hand below.
 *
 * Group G1, members (joined 2025-01-10): F (facilitator), P1–P5, L1 (LEFT 2025-04-20), Z1 (PAUSED); P6 joined
 * 2025-03-15. Sessions at 18:00 local time (CET until 30 March, then CEST):
 *
 * | session | starts (UTC)         | status    | attended (mood before)                                 | expected |
 * |---------|----------------------|-----------|--------------------------------------------------------|----------|
 * | S0      | 2025-01-22 17:00     | COMPLETED | F P1 P2 P3 P4 P5 L1 (all first sessions)               | 7        |
 * | S1      | 2025-02-05 17:00     | COMPLETED | F(3) P1(2) P2(3) P3(2), P4 LATE; P5 ABSENT              | 7        |
 * | S2      | 2025-02-19 17:00     | COMPLETED | F P1(3) P2; P3 EXCUSED                                 | 7        |
 * | S3      | 2025-03-05 17:00     | CANCELLED | –                                                      | –        |
 * | S4      | 2025-03-19 17:00     | COMPLETED | F P1 P6(2, first)                                      | 8        |
 * | S5      | 2025-04-02 16:00     | COMPLETED | F P1 P2(3) P6, L1 LATE(4)                              | 8        |
 * | S6      | 2025-05-07 16:00     | COMPLETED | F(3) P1(3) P2(3) P3(3)                                 | 7        |
 *
 * (expected: members who had joined and not left, Z1 is PAUSED; P6 from S4; L1 gone by S6.)
 *
 * Feedback (rating, mood after): S1 P1 4/4, P2 5/5, P3 3/3, anonymous 5/4; S2 P1 3/3; S4 P6 4/4;
 * S5 P2 2/2, anonymous 4/3, L1 5/5; S6 P1 4/4, P2 4/4, P3 2/2, anonymous 5/5.
 *
 * Group G2: Q1–Q3 (joined 2025-01-10), one session 2025-02-12 17:00 with Q1 and Q2 present.
 * Group G3 (for weeks across the end of daylight-saving time, 26 October 2025): A–F, see below.
 */

let app: TestApp;
let net: TestNetwork;
let g1: Group;
let g2: Group;
let g3: Group;
let coordinator: Cred;
const p: Record<string, Joined> = {};
let s6: string;

beforeAll(async () => {
  app = await startTestApp();
  net = await evaluationNetwork(app, 'Evaluation aggregates');
  coordinator = await net.member(NetworkRole.COORDINATOR, { displayName: 'Cora' });
  g1 = await group(app, net, 'Anxiety Circle');
  g2 = await group(app, net, 'Grief Circle');
  g3 = await group(app, net, 'Night Owls');

  const early = '2025-01-10T10:00:00Z';
  p.F = await joined(app, net, g1, 'F', early, { role: 'FACILITATOR' });
  for (const name of ['P1', 'P2', 'P3', 'P4', 'P5']) p[name] = await joined(app, net, g1, name, early);
  p.L1 = await joined(app, net, g1, 'L1', early, { leftAt: '2025-04-20T10:00:00Z' });
  p.Z1 = await joined(app, net, g1, 'Z1', early, { paused: true });
  p.P6 = await joined(app, net, g1, 'P6', '2025-03-15T10:00:00Z');
  p.O = { ...(await net.member(NetworkRole.MEMBER, { displayName: 'O' })), membershipId: '', membershipGlobalId: '' };

  const s0 = await session(app, net, g1, '2025-01-22T17:00:00Z');
  for (const n of ['F', 'P1', 'P2', 'P3', 'P4', 'P5', 'L1']) await attend(app, net, g1, s0, p[n], 'PRESENT', { first: true });

  const s1 = await session(app, net, g1, '2025-02-05T17:00:00Z');
  await attend(app, net, g1, s1, p.F, 'PRESENT', { moodBefore: 3 });
  await attend(app, net, g1, s1, p.P1, 'PRESENT', { moodBefore: 2 });
  await attend(app, net, g1, s1, p.P2, 'PRESENT', { moodBefore: 3 });
  await attend(app, net, g1, s1, p.P3, 'PRESENT', { moodBefore: 2 });
  await attend(app, net, g1, s1, p.P4, 'LATE');
  await attend(app, net, g1, s1, p.P5, 'ABSENT');
  await feedback(app, net, s1, p.P1, 4, 4);
  await feedback(app, net, s1, p.P2, 5, 5);
  await feedback(app, net, s1, p.P3, 3, 3);
  await feedback(app, net, s1, null, 5, 4);

  const s2 = await session(app, net, g1, '2025-02-19T17:00:00Z');
  await attend(app, net, g1, s2, p.F);
  await attend(app, net, g1, s2, p.P1, 'PRESENT', { moodBefore: 3 });
  await attend(app, net, g1, s2, p.P2);
  await attend(app, net, g1, s2, p.P3, 'EXCUSED');
  await feedback(app, net, s2, p.P1, 3, 3);

  await session(app, net, g1, '2025-03-05T17:00:00Z', 'CANCELLED');

  const s4 = await session(app, net, g1, '2025-03-19T17:00:00Z');
  await attend(app, net, g1, s4, p.F);
  await attend(app, net, g1, s4, p.P1);
  await attend(app, net, g1, s4, p.P6, 'PRESENT', { first: true, moodBefore: 2 });
  await feedback(app, net, s4, p.P6, 4, 4);

  const s5 = await session(app, net, g1, '2025-04-02T16:00:00Z');
  await attend(app, net, g1, s5, p.F);
  await attend(app, net, g1, s5, p.P1);
  await attend(app, net, g1, s5, p.P2, 'PRESENT', { moodBefore: 3 });
  await attend(app, net, g1, s5, p.P6);
  await attend(app, net, g1, s5, p.L1, 'LATE', { moodBefore: 4 });
  await feedback(app, net, s5, p.P2, 2, 2);
  await feedback(app, net, s5, null, 4, 3);
  await feedback(app, net, s5, p.L1, 5, 5);

  s6 = await session(app, net, g1, '2025-05-07T16:00:00Z');
  for (const n of ['F', 'P1', 'P2', 'P3']) await attend(app, net, g1, s6, p[n], 'PRESENT', { moodBefore: 3 });
  await feedback(app, net, s6, p.P1, 4, 4);
  await feedback(app, net, s6, p.P2, 4, 4);
  await feedback(app, net, s6, p.P3, 2, 2);
  await feedback(app, net, s6, null, 5, 5);

  // G2: a second group, for network-wide figures.
  const q = [];
  for (const name of ['Q1', 'Q2', 'Q3']) q.push(await joined(app, net, g2, name, early));
  const t1 = await session(app, net, g2, '2025-02-12T17:00:00Z');
  await attend(app, net, g2, t1, q[0]);
  await attend(app, net, g2, t1, q[1]);

  // Wellbeing check-ins (wellbeing, confidence).
  await wellbeing(app, net, p.P1, '2025-02-03T10:00:00Z', 6, 5);
  await wellbeing(app, net, p.P1, '2025-02-20T10:00:00Z', 8, 7);
  await wellbeing(app, net, p.P2, '2025-02-04T10:00:00Z', 5, 5);
  await wellbeing(app, net, p.P3, '2025-02-05T10:00:00Z', 4, 6);
  await wellbeing(app, net, p.P4, '2025-02-06T10:00:00Z', 7, 8);
  await wellbeing(app, net, p.P4, '2025-02-28T23:30:00Z', 9, 9); // 1 March, 00:30 in Berlin
  await wellbeing(app, net, p.P5, '2025-02-07T10:00:00Z', 6, 3);
  await wellbeing(app, net, p.O, '2025-02-08T10:00:00Z', 1, 1); // not in G1
  await wellbeing(app, net, p.P6, '2025-02-20T10:00:00Z', 2, 2); // before P6 joined G1
  await wellbeing(app, net, p.P1, '2025-04-03T10:00:00Z', 5, 5);
  await wellbeing(app, net, p.P2, '2025-04-04T10:00:00Z', 6, 6);
  await wellbeing(app, net, p.P3, '2025-04-05T10:00:00Z', 7, 7);
  await wellbeing(app, net, p.P6, '2025-04-06T10:00:00Z', 8, 8);
  await wellbeing(app, net, p.L1, '2025-04-25T10:00:00Z', 9, 4); // after L1 left G1
});
afterAll(() => app.stop());

const health = async (from?: string, to?: string, credential = coordinator.token) =>
  ok(await app.gql<{ node: { health: Health | null } }>(HEALTH, { id: g1.globalId, from, to }, credential)).node.health;
const participation = async (vars: Record<string, unknown>, credential = coordinator.token) =>
  ok(await app.gql<{ participationTrend: ParticipationPoint[] }>(PARTICIPATION, vars, credential)).participationTrend;
const outcomes = async (vars: Record<string, unknown>, credential = coordinator.token) =>
  ok(await app.gql<{ outcomeTrend: OutcomePoint[] }>(OUTCOMES, vars, credential)).outcomeTrend;

describe('Group.health', () => {
  test('February to April 2025, snapped to whole months in Berlin: the figures of the table', async () => {
    expect(await health('2025-02-10T00:00:00Z', '2025-04-15T00:00:00Z')).toEqual({
      from: '2025-01-31T23:00:00.000Z', // 1 February 00:00 CET
      to: '2025-04-30T22:00:00.000Z', // 1 May 00:00 CEST
      sessionsHeld: 4, // S1 S2 S4 S5; S3 was cancelled
      averageAttendance: 4, // (5 + 3 + 3 + 5) / 4
      attendanceRate: 0.5333, // 16 / (7 + 7 + 8 + 8)
      retentionRate: 0.875, // 8 members on 1 February (Z1's pause is not leaving), L1 left: 7 / 8
      newcomers: 1, // P6
      averageRating: 3.89, // 35 / 9
      averageMoodChange: 0.92, // 33/9 after − 22/8 before = 3.667 − 2.75
      suppressed: false,
    });
  });

  test('moving from/to by a day within the same months changes nothing', async () => {
    const a = await health('2025-02-10T00:00:00Z', '2025-04-15T00:00:00Z');
    expect(await health('2025-02-11T00:00:00Z', '2025-04-16T00:00:00Z')).toEqual(a);
    expect(await health('2025-02-01T00:00:00+01:00', '2025-05-01T00:00:00+02:00')).toEqual(a);
  });

  test('without from/to: the last 12 whole months of the network time zone, this one included', async () => {
    const h = (await health())!;
    const now = DateTime.now().setZone('Europe/Berlin');
    expect(h.to).toBe(now.startOf('month').plus({ months: 1 }).toUTC().toISO());
    expect(h.from).toBe(now.startOf('month').minus({ months: 11 }).toUTC().toISO());
    expect(h).toMatchObject({ sessionsHeld: 0, newcomers: 0, averageAttendance: null, suppressed: true });
  });

  test('to before from, or more than 10 years: BAD_USER_INPUT on `to`', async () => {
    const res = await app.gql(HEALTH, { id: g1.globalId, from: '2025-03-01T00:00:00Z', to: '2025-02-01T00:00:00Z' }, coordinator.token);
    expect(res.data?.node).toEqual({ health: null });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ path: ['to'] }] });
  });
});

describe('participationTrend', () => {
  const JAN_TO_MAY = { i: 'MONTH', from: '2025-01-15T00:00:00Z', to: '2025-05-20T00:00:00Z' };

  test('G1 by MONTH: every month present, the cancelled session not counted; March (3 people at its only session) suppressed', async () => {
    expect(await participation({ g: g1.globalId, ...JAN_TO_MAY })).toEqual([
      { periodStart: '2024-12-31T23:00:00.000Z', periodEnd: '2025-01-31T23:00:00.000Z', sessions: 1, attendees: 7, attendanceRate: 1, suppressed: false },
      { periodStart: '2025-01-31T23:00:00.000Z', periodEnd: '2025-02-28T23:00:00.000Z', sessions: 2, attendees: 8, attendanceRate: 0.5714, suppressed: false }, // 8 / 14
      { periodStart: '2025-02-28T23:00:00.000Z', periodEnd: '2025-03-31T22:00:00.000Z', sessions: 1, attendees: 3, attendanceRate: null, suppressed: true },
      { periodStart: '2025-03-31T22:00:00.000Z', periodEnd: '2025-04-30T22:00:00.000Z', sessions: 1, attendees: 5, attendanceRate: 0.625, suppressed: false }, // 5 / 8
      { periodStart: '2025-04-30T22:00:00.000Z', periodEnd: '2025-05-31T22:00:00.000Z', sessions: 1, attendees: 4, attendanceRate: null, suppressed: true },
    ]);
  });

  test('network-wide by MONTH adds G2 (Q1, Q2 of 3 on 12 February); empty months are zeros', async () => {
    const points = await participation({ ...JAN_TO_MAY, from: '2024-12-01T00:00:00Z' });
    expect(points.map((x) => [x.periodStart, x.sessions, x.attendees, x.attendanceRate, x.suppressed])).toEqual([
      ['2024-11-30T23:00:00.000Z', 0, 0, null, true],
      ['2024-12-31T23:00:00.000Z', 1, 7, 1, false],
      ['2025-01-31T23:00:00.000Z', 3, 10, 0.5882, false], // (8 + 2) / (14 + 3)
      ['2025-02-28T23:00:00.000Z', 1, 3, null, true],
      ['2025-03-31T22:00:00.000Z', 1, 5, 0.625, false],
      ['2025-04-30T22:00:00.000Z', 1, 4, null, true],
    ]);
  });

  test('G1 by QUARTER', async () => {
    expect(await participation({ g: g1.globalId, i: 'QUARTER', from: '2025-01-01T00:00:00Z', to: '2025-06-30T00:00:00Z' })).toEqual([
      { periodStart: '2024-12-31T23:00:00.000Z', periodEnd: '2025-03-31T22:00:00.000Z', sessions: 4, attendees: 18, attendanceRate: 0.6207, suppressed: false }, // 18 / 29
      { periodStart: '2025-03-31T22:00:00.000Z', periodEnd: '2025-06-30T22:00:00.000Z', sessions: 2, attendees: 9, attendanceRate: 0.6, suppressed: false }, // 9 / 15
    ]);
  });

  test('weeks across the end of daylight-saving time align to Monday 00:00 in Berlin (the first is 169 hours)', async () => {
    const members = [];
    for (const name of ['A', 'B', 'C', 'D', 'E', 'F']) members.push(await joined(app, net, g3, name, '2025-09-01T10:00:00Z'));
    const [a, b, c, d, e] = members;
    const mondayEarly = await session(app, net, g3, '2025-10-19T22:30:00Z'); // Mon 20 Oct 00:30 CEST (Sunday in UTC)
    for (const m of [a, b, c, d, e]) await attend(app, net, g3, mondayEarly, m);
    const sundayLate = await session(app, net, g3, '2025-10-26T22:30:00Z'); // Sun 26 Oct 23:30 CET
    for (const m of [a, b]) await attend(app, net, g3, sundayLate, m);
    const nextMonday = await session(app, net, g3, '2025-10-26T23:30:00Z'); // Mon 27 Oct 00:30 CET (Sunday in UTC)
    for (const m of [a, b, c]) await attend(app, net, g3, nextMonday, m);
    await session(app, net, g3, '2025-11-05T17:00:00Z', 'CANCELLED');

    expect(await participation({ g: g3.globalId, i: 'WEEK', from: '2025-10-22T10:00:00Z', to: '2025-11-05T12:00:00Z' })).toEqual([
      { periodStart: '2025-10-19T22:00:00.000Z', periodEnd: '2025-10-26T23:00:00.000Z', sessions: 2, attendees: 7, attendanceRate: 0.5833, suppressed: false }, // 7 / 12; 5 at the fullest session
      { periodStart: '2025-10-26T23:00:00.000Z', periodEnd: '2025-11-02T23:00:00.000Z', sessions: 1, attendees: 3, attendanceRate: null, suppressed: true },
      { periodStart: '2025-11-02T23:00:00.000Z', periodEnd: '2025-11-09T23:00:00.000Z', sessions: 0, attendees: 0, attendanceRate: null, suppressed: true },
    ]);
  });

  test('bad periods: to not after from, more than 10 years → BAD_USER_INPUT on `to`', async () => {
    expectFieldErrors(await app.gql(PARTICIPATION, { i: 'WEEK', from: '2025-03-01T00:00:00Z', to: '2025-03-01T00:00:00Z' }, coordinator.token), ['to']);
    expectFieldErrors(await app.gql(PARTICIPATION, { i: 'WEEK', from: '2010-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z' }, coordinator.token), ['to']);
  });
});

describe('outcomeTrend', () => {
  const FEB_TO_MAY = { i: 'MONTH', from: '2025-02-01T00:00:00Z', to: '2025-05-20T00:00:00Z' };

  test("G1 by MONTH: each respondent counts once; check-ins from outside the membership don't count; below 5 respondents suppressed", async () => {
    expect(await outcomes({ g: g1.globalId, ...FEB_TO_MAY })).toEqual([
      // P1 (6+8)/2=7 and (5+7)/2=6, P2 5/5, P3 4/6, P4 7/8, P5 6/3 (O is not in G1, P6 had not joined)
      {
        periodStart: '2025-01-31T23:00:00.000Z',
        periodEnd: '2025-02-28T23:00:00.000Z',
        respondents: 5,
        averageWellbeing: 5.8,
        averageConfidence: 5.6,
        suppressed: false,
      },
      // P4's check-in at 23:30 UTC on 28 February is 1 March in Berlin
      {
        periodStart: '2025-02-28T23:00:00.000Z',
        periodEnd: '2025-03-31T22:00:00.000Z',
        respondents: 1,
        averageWellbeing: null,
        averageConfidence: null,
        suppressed: true,
      },
      // P1 P2 P3 P6; L1 recorded after leaving
      {
        periodStart: '2025-03-31T22:00:00.000Z',
        periodEnd: '2025-04-30T22:00:00.000Z',
        respondents: 4,
        averageWellbeing: null,
        averageConfidence: null,
        suppressed: true,
      },
      {
        periodStart: '2025-04-30T22:00:00.000Z',
        periodEnd: '2025-05-31T22:00:00.000Z',
        respondents: 0,
        averageWellbeing: null,
        averageConfidence: null,
        suppressed: true,
      },
    ]);
  });

  test('network-wide by MONTH: every check-in of the network', async () => {
    const points = await outcomes(FEB_TO_MAY);
    expect(points.map((x) => [x.respondents, x.averageWellbeing, x.averageConfidence, x.suppressed])).toEqual([
      [7, 4.57, 4.43, false], // 32 / 7 and 31 / 7
      [1, null, null, true],
      [5, 7, 6, false], // P1 P2 P3 P6 L1: 35 / 5 and 30 / 5
      [0, null, null, true],
    ]);
  });
});

describe('privacy threshold', () => {
  const MAY = ['2025-05-01T00:00:00Z', '2025-05-31T00:00:00Z'] as const;

  test('4 people: rates and averages withheld; a 5th person: shown', async () => {
    expect(await health(...MAY)).toEqual({
      from: '2025-04-30T22:00:00.000Z',
      to: '2025-05-31T22:00:00.000Z',
      sessionsHeld: 1,
      averageAttendance: null, // 4 attendees
      attendanceRate: null,
      retentionRate: 1, // 8 members on 1 May (L1 had left), all still there
      newcomers: 0,
      averageRating: null, // 3 named + 1 anonymous: 4 people
      averageMoodChange: null,
      suppressed: true,
    });

    await attend(app, net, g1, s6, p.P4, 'PRESENT', { moodBefore: 4 });
    await feedback(app, net, s6, p.P4, 3, 3);
    expect(await health(...MAY)).toEqual({
      from: '2025-04-30T22:00:00.000Z',
      to: '2025-05-31T22:00:00.000Z',
      sessionsHeld: 1,
      averageAttendance: 5,
      attendanceRate: 0.7143, // 5 / 7
      retentionRate: 1,
      newcomers: 0,
      averageRating: 3.6, // (4 + 4 + 2 + 5 + 3) / 5
      averageMoodChange: 0.4, // 3.6 after − (3 + 3 + 3 + 3 + 4) / 5 before
      suppressed: false,
    });
  });

  test('a network raises k to 6: five people are no longer enough; counts stay', async () => {
    const admin = net.adminKey;
    expect(ok(await app.gql<{ updateNetwork: { minimumAggregateSize: number } }>(SET_K, { k: 6 }, admin)).updateNetwork.minimumAggregateSize).toBe(6);
    expect(await health('2025-05-01T00:00:00Z', '2025-05-31T00:00:00Z')).toMatchObject({
      sessionsHeld: 1,
      averageAttendance: null,
      averageRating: null,
      averageMoodChange: null,
      retentionRate: 1, // 8 members
      suppressed: true,
    });
    const group = await outcomes({ g: g1.globalId, i: 'MONTH', from: '2025-02-01T00:00:00Z', to: '2025-02-20T00:00:00Z' });
    expect(group).toEqual([expect.objectContaining({ respondents: 5, averageWellbeing: null, suppressed: true })]);
    const network = await outcomes({ i: 'MONTH', from: '2025-02-01T00:00:00Z', to: '2025-04-20T00:00:00Z' });
    expect(network.map((x) => [x.respondents, x.averageWellbeing, x.suppressed])).toEqual([
      [7, 4.57, false],
      [1, null, true],
      [5, null, true],
    ]);
    const weeks = await participation({ g: g1.globalId, i: 'MONTH', from: '2025-01-01T00:00:00Z', to: '2025-01-31T00:00:00Z' });
    expect(weeks).toEqual([expect.objectContaining({ attendees: 7, attendanceRate: 1, suppressed: false })]);
  });

  test('k below 5 is refused (BAD_USER_INPUT) and changes nothing; the database refuses it too', async () => {
    expectFieldErrors(await app.gql(SET_K, { k: 4 }, net.adminKey), ['input', 'minimumAggregateSize']);
    expect(
      ok(await app.gql<{ network: { minimumAggregateSize: number } }>('{ network { minimumAggregateSize } }', {}, net.adminKey)).network.minimumAggregateSize,
    ).toBe(6);
    ok(await app.gql(SET_K, { k: 5 }, net.adminKey));
    expect(await health('2025-05-01T00:00:00Z', '2025-05-31T00:00:00Z')).toMatchObject({ averageAttendance: 5, suppressed: false });
    await expect(app.db.dataSource.query(`UPDATE networks SET minimum_aggregate_size = 4 WHERE id = $1`, [net.id])).rejects.toThrow(
      /networks_minimum_aggregate_size_check/,
    );
  });

  test('feedbackSummary follows the same k', async () => {
    const SUMMARY = `query($id: ID!) { node(id: $id) { ... on Session { feedbackSummary { responses averageRating suppressed } } } }`;
    const id = sessionGlobalId(s6);
    expect(ok(await app.gql<{ node: { feedbackSummary: unknown } }>(SUMMARY, { id }, coordinator.token)).node.feedbackSummary).toEqual({
      responses: 5,
      averageRating: 3.6,
      suppressed: false,
    });
    ok(await app.gql(SET_K, { k: 6 }, net.adminKey));
    expect(ok(await app.gql<{ node: { feedbackSummary: unknown } }>(SUMMARY, { id }, coordinator.token)).node.feedbackSummary).toEqual({
      responses: 5,
      averageRating: null,
      suppressed: true,
    });
    ok(await app.gql(SET_K, { k: 5 }, net.adminKey));
  });

  test('only admins raise k: a coordinator or a plain member is FORBIDDEN', async () => {
    const member = await net.member();
    expectCode(await app.gql(SET_K, { k: 7 }, member.token), 'FORBIDDEN');
    expectCode(await app.gql(SET_K, { k: 7 }, coordinator.token), 'FORBIDDEN');
  });
});
