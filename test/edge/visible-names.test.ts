import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, expectFieldErrors, inDays, ok } from '../helpers/gql';

/**
 * Names and titles must contain a visible character (@HasVisibleCharacter): only white space, zero-width or
 * other format characters, a lone combining mark or a Hangul filler is BAD_USER_INPUT naming the field; letters
 * of any script and emoji are fine.
 */

let app: TestApp;
let net: TestNetwork;
let group: string;
beforeAll(async () => {
  app = await startTestApp();
  net = await createTestNetwork(app, 'Visible');
  group = await createGroup(app, net);
});
afterAll(() => app.stop());

const INVISIBLE: Array<[string, string]> = [
  ['a zero-width space', '\u200B'],
  ['zero-width characters only', '\u200B\u200C\u200D\u2060\uFEFF'],
  ['spaces, tabs and a newline', '  \t\n '],
  ['no-break, em and ideographic spaces', '\u00A0\u2003\u3000'],
  ['a soft hyphen and a left-to-right mark', '\u00AD\u200E'],
  ['a combining mark alone', '\u0301'],
  ['Hangul fillers', '\u3164\u115F'],
  ['a blank Braille pattern', '\u2800'],
  ['a variation selector', '\uFE0F'],
];

const VISIBLE: Array<[string, string]> = [
  ['an emoji', '🌻'],
  ['a ZWJ emoji sequence', '👩‍👩‍👧'],
  ['Cyrillic', 'Зоя'],
  ['Chinese', '李雷'],
  ['Arabic', 'ليلى'],
  ['a letter with a combining accent', 'Jose\u0301'],
  ['a visible letter between zero-width spaces', '\u200BA\u200B'],
];

const CREATE_MEMBER = 'mutation($input: CreateMemberInput!) { createMember(input: $input) { id displayName } }';

describe('createMember displayName', () => {
  test.each(INVISIBLE)('%s is refused', async (_what, displayName) => {
    expectFieldErrors(await app.gql(CREATE_MEMBER, { input: { displayName } }, net.adminKey), ['input', 'displayName']);
  });

  test.each(VISIBLE)('%s is accepted', async (_what, displayName) => {
    const created = ok(await app.gql<{ createMember: { displayName: string } }>(CREATE_MEMBER, { input: { displayName } }, net.adminKey)).createMember;
    expect(created.displayName).toBe(displayName);
  });
});

describe('every name and title input', () => {
  const ZW = '\u200B\u200D';
  const groupInput = (name: string, agendaTitle = 'Check-in') => ({
    name,
    objectives: ['Share'],
    topics: ['anxiety'],
    norms: ['Confidentiality'],
    format: 'ONLINE',
    agendaTemplate: [{ kind: 'CHECK_IN', title: agendaTitle }],
  });
  const sessionInput = (title: string) => ({ title, startsAt: inDays(3), durationMinutes: 60, timeZone: 'Europe/Berlin' });

  const cases: Array<{ what: string; send: (value: string) => Promise<unknown>; path: Array<string | number> }> = [
    {
      what: 'updateMember displayName',
      send: async (v) => {
        const m = await net.member();
        return app.gql(
          'mutation($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { id } }',
          { id: m.globalId, input: { displayName: v } },
          net.adminKey,
        );
      },
      path: ['input', 'displayName'],
    },
    {
      what: 'updateNetwork name',
      send: (v) => app.gql('mutation($input: UpdateNetworkInput!) { updateNetwork(input: $input) { id } }', { input: { name: v } }, net.adminKey),
      path: ['input', 'name'],
    },
    {
      what: 'createGroup name',
      send: (v) => app.gql('mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }', { input: groupInput(v) }, net.adminKey),
      path: ['input', 'name'],
    },
    {
      what: 'createGroup agenda item title',
      send: (v) =>
        app.gql('mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }', { input: groupInput('Agenda circle', v) }, net.adminKey),
      path: ['input', 'agendaTemplate', 0, 'title'],
    },
    {
      what: 'updateGroup name',
      send: (v) =>
        app.gql(
          'mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { id } }',
          { id: group, input: { name: v } },
          net.adminKey,
        ),
      path: ['input', 'name'],
    },
    {
      what: 'scheduleSessions title',
      send: (v) =>
        app.gql(
          'mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id } }',
          { g: group, input: sessionInput(v) },
          net.adminKey,
        ),
      path: ['input', 'title'],
    },
    {
      what: 'updateSession title',
      send: async (v) => {
        const [s] = ok(
          await app.gql<{ scheduleSessions: Array<{ id: string }> }>(
            'mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id } }',
            { g: group, input: sessionInput('Weekly') },
            net.adminKey,
          ),
        ).scheduleSessions;
        return app.gql(
          'mutation($id: ID!, $input: UpdateSessionInput!) { updateSession(id: $id, input: $input) { id } }',
          { id: s.id, input: { title: v } },
          net.adminKey,
        );
      },
      path: ['input', 'title'],
    },
    {
      what: 'createJointEvent title',
      send: (v) =>
        app.gql(
          'mutation($input: CreateJointEventInput!) { createJointEvent(input: $input) { id } }',
          { input: { title: v, startsAt: inDays(5), endsAt: inDays(6), format: 'ONLINE', hostGroupIds: [group] } },
          net.adminKey,
        ),
      path: ['input', 'title'],
    },
  ];

  test.each(cases.map((c) => [c.what, c] as const))('%s: zero-width only is refused, a visible name is not', async (_what, c) => {
    expectFieldErrors((await c.send(ZW)) as never, c.path);
    expectFieldErrors((await c.send('   ')) as never, c.path);
    const accepted = (await c.send('Ünïcödé 🌻')) as { errors?: unknown[] };
    expect(accepted.errors).toBeUndefined();
  });
});
