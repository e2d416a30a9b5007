import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { dbId, expectBadInput, expectCode, expectLikeUnknown, ok, unknownId } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Help');
  other = await createWorld(app, 'Other network');
  for (const world of [w, other]) {
    ok(await app.gql(`mutation { giveConsent(purpose: WELLBEING_TRACKING) { active } }`, {}, world.member.token));
  }
});
afterAll(() => app.stop());

const FIELDS = 'id name kind phone url description openingHours timeZone language sortOrder';
const SET = `mutation($input: [HelpResourceInput!]!) { setHelpResources(input: $input) { ${FIELDS} } }`;
const LIST = `query { helpResources { ${FIELDS} } }`;
const THRESHOLD = `mutation($t: Int!) { setWellbeingHelpThreshold(threshold: $t) { wellbeingHelpThreshold } }`;
const RECORD = `mutation($w: Int!) { recordWellbeing(input: { wellbeing: $w, confidence: 5 }) { id wellbeing suggestedHelp { id name phone } } }`;

const CRISIS = { name: 'Crisis line', kind: 'CRISIS_LINE', phone: '116 123', openingHours: '24 hours, every day', timeZone: 'Europe/London', language: 'en' };
const WALK_IN = { name: 'Walk-in centre', kind: 'LOCAL_SERVICE', url: 'https://walk-in.example/', description: 'Free, no appointment', language: 'de' };

type Resource = { id: string; name: string; kind: string; sortOrder: number };
const list = async (credential: string): Promise<Resource[]> => ok(await app.gql(LIST, {}, credential)).helpResources;
const set = async (input: unknown[], credential = w.admin.token): Promise<Resource[]> => ok(await app.gql(SET, { input }, credential)).setHelpResources;

describe('help resources', () => {
  test('admins set the list (create, change, reorder, delete, ids kept); every member and READ keys read it', async () => {
    const first = await set([CRISIS, WALK_IN]);
    expect(first.map((r) => [r.name, r.kind, r.sortOrder])).toEqual([
      ['Crisis line', 'CRISIS_LINE', 0],
      ['Walk-in centre', 'LOCAL_SERVICE', 1],
    ]);
    for (const credential of [w.member.token, w.outsider.token, w.facilitator.token, w.coordinator.token, w.keys.read]) {
      expect(await list(credential)).toEqual(first);
    }
    // Reorder and change one, add one, drop none; then drop one.
    const second = await set(
      [
        { ...WALK_IN, id: first[1].id, name: 'Walk-in centre (Mitte)' },
        { ...CRISIS, id: first[0].id },
        { name: 'Chat', kind: 'ONLINE' },
      ],
      w.keys.all,
    );
    expect(second.map((r) => [r.id, r.name, r.sortOrder])).toEqual([
      [first[1].id, 'Walk-in centre (Mitte)', 0],
      [first[0].id, 'Crisis line', 1],
      [expect.any(String), 'Chat', 2],
    ]);
    const third = await set([{ ...CRISIS, id: first[0].id }]);
    expect(third.map((r) => r.id)).toEqual([first[0].id]);
    expect(await list(w.member.token)).toEqual(third);
    const audit = await sql<{ action: string; details: Record<string, number> }>(
      app,
      w.net.id,
      `SELECT action, details FROM audit_log WHERE action = 'help_resources.set' ORDER BY at DESC, id DESC LIMIT 1`,
    );
    expect(audit).toEqual([{ action: 'help_resources.set', details: { created: 0, updated: 1, deleted: 2, count: 1 } }]);
  });

  test('who may set them: not members, coordinators, facilitators, keys without WRITE and ADMIN; keys without READ cannot list', async () => {
    for (const credential of [w.member.token, w.coordinator.token, w.facilitator.token, w.keys.writePersonal]) {
      expectCode(await app.gql(SET, { input: [CRISIS] }, credential), 'FORBIDDEN');
      expectCode(await app.gql(THRESHOLD, { t: 3 }, credential), 'FORBIDDEN');
    }
    const writeOnly = await w.net.key(ApiKeyScope.WRITE);
    expectCode(await app.gql(LIST, {}, writeOnly), 'FORBIDDEN');
  });

  test('validation: name, url, phone, language, time zone; the same id twice; more than 50', async () => {
    expectBadInput(
      await app.gql(
        SET,
        {
          input: [
            { ...CRISIS, name: ' ' },
            { ...WALK_IN, url: 'ftp://x.example' },
            { ...CRISIS, phone: 'call me', language: 'english!', timeZone: 'Mars/Base' },
          ],
        },
        w.admin.token,
      ),
      ['input', 0, 'name'],
      ['input', 1, 'url'],
      ['input', 2, 'phone'],
      ['input', 2, 'language'],
      ['input', 2, 'timeZone'],
    );
    const [r] = await set([CRISIS]);
    expectBadInput(
      await app.gql(
        SET,
        {
          input: [
            { ...CRISIS, id: r.id },
            { ...CRISIS, id: r.id },
          ],
        },
        w.admin.token,
      ),
      ['input', 1, 'id'],
    );
    expectBadInput(await app.gql(SET, { input: Array.from({ length: 51 }, () => CRISIS) }, w.admin.token), ['input']);
    expect((await list(w.admin.token)).map((x) => x.id)).toEqual([r.id]);
  });

  test("another network's help resource id answers like an unknown one and changes nothing", async () => {
    const [foreign] = ok(await app.gql(SET, { input: [CRISIS] }, other.admin.token)).setHelpResources as Resource[];
    await expectLikeUnknown(app, SET, { input: [{ ...CRISIS, id: foreign.id }] }, { input: [{ ...CRISIS, id: unknownId('HelpResource') }] }, w.admin.token);
    await expectLikeUnknown(app, SET, { input: [{ ...CRISIS, id: foreign.id }] }, { input: [{ ...CRISIS, id: unknownId('HelpResource') }] }, w.keys.all);
    expect((await list(w.member.token)).map((x) => x.id)).not.toContain(foreign.id);
    const NODE = `query($id: ID!) { node(id: $id) { ... on HelpResource { name } } }`;
    expect(ok(await app.gql(NODE, { id: foreign.id }, w.admin.token)).node).toBeNull();
    expect(ok(await app.gql(NODE, { id: foreign.id }, other.member.token)).node).toEqual({ name: 'Crisis line' });
    const rows = await sql(app, other.net.id, 'SELECT name FROM help_resources WHERE id = $1', [dbId(foreign.id)]);
    expect(rows).toEqual([{ name: 'Crisis line' }]);
  });
});

describe('the wellbeing help threshold', () => {
  test('defaults to the scale minimum; admins set it (audited); never below the minimum, nor above the maximum', async () => {
    const NETWORK = `query { network { wellbeingHelpThreshold } }`;
    expect(ok(await app.gql(NETWORK, {}, other.member.token)).network.wellbeingHelpThreshold).toBe(1);
    expectBadInput(await app.gql(THRESHOLD, { t: 0 }, other.admin.token), ['threshold']);
    expectBadInput(await app.gql(THRESHOLD, { t: 11 }, other.admin.token), ['threshold']);
    expect(ok(await app.gql(THRESHOLD, { t: 3 }, other.keys.all)).setWellbeingHelpThreshold.wellbeingHelpThreshold).toBe(3);
    expect(ok(await app.gql(NETWORK, {}, other.member.token)).network.wellbeingHelpThreshold).toBe(3);
    const audit = await sql(app, other.net.id, `SELECT details FROM audit_log WHERE action = 'network.wellbeing_help_threshold_updated'`);
    expect(audit).toEqual([{ details: { threshold: 3 } }]);
    // The database refuses it too.
    await expect(sql(app, other.net.id, 'UPDATE networks SET wellbeing_help_threshold = 0 WHERE id = $1', [other.net.id])).rejects.toThrow(/check/);
    ok(await app.gql(THRESHOLD, { t: 1 }, other.admin.token));
  });
});

describe('signposting in recordWellbeing', () => {
  test('help only at or below the threshold, only in the answer, and nothing about it is stored', async () => {
    const resources = await set([CRISIS, WALK_IN]);
    ok(await app.gql(THRESHOLD, { t: 3 }, w.admin.token));
    const counts = async () =>
      (
        await sql<Record<string, number>>(
          app,
          w.net.id,
          `SELECT (SELECT count(*) FROM audit_log)::int AS audit, (SELECT count(*) FROM wellbeing_checkins)::int AS checkins,
                  (SELECT count(*) FROM webhook_deliveries)::int AS deliveries, (SELECT count(*) FROM help_resources)::int AS help,
                  (SELECT count(*) FROM idempotency_keys)::int AS idempotency`,
        )
      )[0];
    const before = await counts();
    const at = ok(await app.gql(RECORD, { w: 3 }, w.member.token)).recordWellbeing;
    expect(at.suggestedHelp).toEqual(resources.map((r) => ({ id: r.id, name: r.name, phone: (r as { phone?: string | null }).phone ?? null })));
    const below = ok(await app.gql(RECORD, { w: 1 }, w.member.token)).recordWellbeing;
    expect(below.suggestedHelp).toHaveLength(2);
    const above = ok(await app.gql(RECORD, { w: 4 }, w.member.token)).recordWellbeing;
    expect(above.suggestedHelp).toBeNull();
    // Three check-ins, and no other row anywhere: no audit entry, no delivery, no stored answer.
    expect(await counts()).toEqual({ ...before, checkins: before.checkins + 3 });
    const scan = await sql(app, w.net.id, `SELECT action FROM audit_log WHERE details::text ILIKE '%help%' AND action <> 'help_resources.set'`);
    expect(scan).toEqual([]);
    // Not on any other read of the check-in: node, myWellbeing.
    expect(
      ok(await app.gql(`query($id: ID!) { node(id: $id) { ... on WellbeingCheckIn { wellbeing suggestedHelp { id } } } }`, { id: at.id }, w.member.token)).node,
    ).toEqual({
      wellbeing: 3,
      suggestedHelp: null,
    });
    const mine = ok(await app.gql(`query { myWellbeing(first: 10) { nodes { id suggestedHelp { id } } } }`, {}, w.member.token)).myWellbeing.nodes as Array<{
      suggestedHelp: unknown;
    }>;
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(mine.every((n) => n.suggestedHelp === null)).toBe(true);
    ok(await app.gql(THRESHOLD, { t: 1 }, w.admin.token));
  });

  test('at the default threshold only the minimum gets help; an empty list when the network has none', async () => {
    ok(await app.gql(THRESHOLD, { t: 1 }, other.admin.token));
    ok(await app.gql(SET, { input: [] }, other.admin.token));
    expect(ok(await app.gql(RECORD, { w: 2 }, other.member.token)).recordWellbeing.suggestedHelp).toBeNull();
    expect(ok(await app.gql(RECORD, { w: 1 }, other.member.token)).recordWellbeing.suggestedHelp).toEqual([]);
    // Each network's own resources only.
    await set([CRISIS]);
    expect(ok(await app.gql(RECORD, { w: 1 }, other.member.token)).recordWellbeing.suggestedHelp).toEqual([]);
  });
});
