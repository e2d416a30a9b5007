import { startTestApp, type TestApp } from '../helpers/app';
import { expectCode, ok } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app);
  other = await createWorld(app, 'Other network');
});
afterAll(() => app.stop());

type ConsentShape = { purpose: string; givenAt: string; withdrawnAt: string | null; active: boolean };
const FIELDS = 'purpose givenAt withdrawnAt active';
const GIVE = `mutation { giveConsent(purpose: WELLBEING_TRACKING) { ${FIELDS} } }`;
const WITHDRAW = `mutation { withdrawConsent(purpose: WELLBEING_TRACKING) { ${FIELDS} } }`;
const MINE = `{ myConsents { ${FIELDS} } }`;
const RECORD = `mutation { recordWellbeing(input: { wellbeing: 6, confidence: 5 }) { id } }`;

const give = async (token: string) => ok<{ giveConsent: ConsentShape }>(await app.gql(GIVE, {}, token)).giveConsent;
const withdraw = async (token: string) => ok<{ withdrawConsent: ConsentShape }>(await app.gql(WITHDRAW, {}, token)).withdrawConsent;
const mine = async (token: string) => ok<{ myConsents: ConsentShape[] }>(await app.gql(MINE, {}, token)).myConsents;
const checkins = async (memberId: string) =>
  (await sql<{ n: number }>(app, w.net.id, 'SELECT count(*)::int AS n FROM wellbeing_checkins WHERE member_id = $1', [memberId]))[0].n;

describe('consent to wellbeing tracking', () => {
  test('without consent recordWellbeing is FORBIDDEN and says how to give it; nothing is stored', async () => {
    const m = await w.net.member();
    const res = await app.gql(RECORD, {}, m.token);
    expectCode(res, 'FORBIDDEN', /giveConsent\(purpose: WELLBEING_TRACKING\)/);
    expect(await checkins(m.id)).toBe(0);
    expect(await mine(m.token)).toEqual([]);
  });

  test('give → record works; withdraw → refused again, existing check-ins stay; give again → a second grant in the history', async () => {
    const m = await w.net.member();
    const given = await give(m.token);
    expect(given).toMatchObject({ purpose: 'WELLBEING_TRACKING', withdrawnAt: null, active: true });
    // Giving it again while it holds changes nothing.
    expect(await give(m.token)).toEqual(given);
    ok(await app.gql(RECORD, {}, m.token));
    ok(await app.gql(RECORD, {}, m.token));
    expect(await checkins(m.id)).toBe(2);

    const withdrawn = await withdraw(m.token);
    expect(withdrawn).toMatchObject({ purpose: 'WELLBEING_TRACKING', givenAt: given.givenAt, active: false });
    expect(new Date(withdrawn.withdrawnAt!).getTime()).toBeGreaterThanOrEqual(new Date(given.givenAt).getTime());
    // Withdrawing again returns the same grant unchanged.
    expect(await withdraw(m.token)).toEqual(withdrawn);
    expectCode(await app.gql(RECORD, {}, m.token), 'FORBIDDEN', /giveConsent/);
    expect(await checkins(m.id)).toBe(2);

    const again = await give(m.token);
    expect(again.active).toBe(true);
    ok(await app.gql(RECORD, {}, m.token));
    expect(await mine(m.token)).toEqual([again, withdrawn]);
  });

  test('withdrawing a consent never given: CONFLICT', async () => {
    const m = await w.net.member();
    expectCode(await app.gql(WITHDRAW, {}, m.token), 'CONFLICT');
  });

  test('member tokens only, for themselves: API keys of any scope are FORBIDDEN', async () => {
    for (const q of [GIVE, WITHDRAW, MINE]) expectCode(await app.gql(q, {}, w.keys.all), 'FORBIDDEN');
  });

  test('cross-network: consent is per member and network; another network sees and changes nothing', async () => {
    const m = await w.net.member();
    await give(m.token);
    // The other network's members see only their own (none), and their consent does not count here or there.
    expect(await mine(other.member.token)).toEqual([]);
    expectCode(await app.gql(RECORD, {}, other.member.token), 'FORBIDDEN');
    await give(other.member.token);
    await withdraw(other.member.token);
    expect(await mine(m.token)).toHaveLength(1);
    expect((await mine(m.token))[0].active).toBe(true);
    ok(await app.gql(RECORD, {}, m.token));
    // The other network's admin reads only their own (none); its key is refused.
    expect(await mine(other.admin.token)).toEqual([]);
    expectCode(await app.gql(MINE, {}, other.keys.all), 'FORBIDDEN');
  });
});
