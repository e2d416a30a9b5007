/**
 * The access log of a real server process (`node dist/src/main.js`, LOG_LEVEL=debug: everything it writes), fed real
 * secrets in real requests over HTTP and graphql-ws: a real API key and member token, variables holding a name, an
 * email, a comment and wellbeing values. Its whole output (stdout and stderr) holds none of them, and has exactly one
 * access line per operation with the request id, type, name, duration, status, error codes, statement count and the
 * network as its id. `npm test` builds dist/ first; run `npm run build` before running this file on its own.
 */
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/app';
import { dbId } from '../helpers/gql';
import { startInstance, stopInstance, type Instance } from '../helpers/instances';
import { createWorld, insertSession, type World } from '../helpers/world';
import { connect, disconnectAll, uniquePrefix } from '../subscriptions/live';

let app: TestApp;
let w: World;
let instance: Instance | undefined;

const tag = randomBytes(4).toString('hex');
const SECRETS = {
  name: `Quillon Varga ${tag}`,
  email: `quillon.${tag}@example.org`,
  comment: `I felt unheard tonight ${tag}`,
  wsName: `Orsolya Brandt ${tag}`,
  wrongKey: `pnk_${randomBytes(32).toString('base64url')}`,
};

interface Line {
  level: string;
  msg: string;
  [field: string]: unknown;
}

async function post(query: string, variables: Record<string, unknown>, credential: string, requestId: string) {
  const res = await fetch(`http://127.0.0.1:${instance!.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}`, 'x-request-id': requestId },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.headers.get('x-request-id')).toBe(requestId);
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: Array<{ extensions: { code: string } }> } };
}

beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Access log');
  instance = await startInstance(uniquePrefix(), { LOG_LEVEL: 'debug' });
}, 120_000);

afterAll(async () => {
  await disconnectAll();
  await stopInstance(instance);
  await app.stop();
});

test('one access line per operation, and nothing of a credential, a variable, a name, an email, a comment or a wellbeing value', async () => {
  const session = await insertSession(app, w.net.id, w.group.id, { status: 'LIVE' });
  const memberToken = w.member.token;
  const apiKey = w.keys.all;

  // HTTP, an API key: a new member with a name and an email.
  const created = await post(
    'mutation AddPerson($input: CreateMemberInput!) { createMember(input: $input) { id } }',
    { input: { displayName: SECRETS.name, email: SECRETS.email } },
    apiKey,
    'obs-add-person',
  );
  expect(created.body.errors).toBeUndefined();
  // HTTP, a member token: check in, then feedback with a comment.
  expect(
    (await post('mutation CheckIn($s: ID!) { checkIn(sessionId: $s) { id } }', { s: session.globalId }, memberToken, 'obs-check-in')).body.errors,
  ).toBeUndefined();
  const feedback = await post(
    'mutation Feedback($s: ID!, $input: FeedbackInput!) { submitFeedback(sessionId: $s, input: $input) { id } }',
    { s: session.globalId, input: { rating: 4, moodAfter: 2, comment: SECRETS.comment } },
    memberToken,
    'obs-feedback',
  );
  expect(feedback.body.errors).toBeUndefined();
  // Wellbeing values (consent first).
  expect((await post('mutation Consent { giveConsent(purpose: WELLBEING_TRACKING) { purpose } }', {}, memberToken, 'obs-consent')).body.errors).toBeUndefined();
  const wellbeing = await post(
    'mutation Selfcare($input: WellbeingInput!) { recordWellbeing(input: $input) { id } }',
    { input: { wellbeing: 9, confidence: 8 } },
    memberToken,
    'obs-selfcare',
  );
  expect(wellbeing.body.errors).toBeUndefined();
  // A refused credential, and a refused operation.
  const refused = await post('query Who { viewer { kind } }', {}, SECRETS.wrongKey, 'obs-refused');
  expect(refused.status).toBe(401);
  const forbidden = await post('query Directory { members(first: 5) { nodes { displayName email } } }', {}, w.keys.read, 'obs-forbidden');
  expect(forbidden.body.errors?.[0].extensions.code).toBe('FORBIDDEN');

  // graphql-ws, the member token: a new display name in a variable.
  const live = connect(instance!.port, memberToken);
  await live.opened;
  const renamed = live.subscribe('mutation Rename($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { id } }', {
    id: w.member.globalId,
    input: { displayName: SECRETS.wsName },
  });
  const result = await renamed.next();
  expect(result.errors).toBeUndefined();
  await live.client.dispose();

  // Lines are written as operations end; SIGTERM flushes the rest.
  expect(await stopInstance(instance)).toBe(0);
  const output = instance!.output();
  instance = undefined;

  for (const [what, value] of Object.entries({ ...SECRETS, apiKey, memberToken, apiKeySecret: apiKey.slice(12), tokenSignature: memberToken.split('.')[2] })) {
    expect({ what, found: output.includes(value) }).toEqual({ what, found: false });
  }
  expect(output).not.toMatch(/"(wellbeing|confidence|moodAfter|rating|displayName|email|comment|variables|query|authorization)"\s*:/);

  const lines = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
  const access = lines.filter((l) => l.msg === 'operation');
  const byId = (id: string) => {
    const found = access.filter((l) => l.requestId === id);
    expect({ id, lines: found.length }).toEqual({ id, lines: 1 });
    return found[0];
  };
  const networkId = w.net.id;
  expect(byId('obs-add-person')).toMatchObject({
    level: 'info',
    transport: 'http',
    operationType: 'mutation',
    operationName: 'AddPerson',
    status: 200,
    errorCodes: [],
    network: networkId,
    credential: 'API_KEY',
  });
  expect(byId('obs-feedback')).toMatchObject({ operationName: 'Feedback', status: 200, network: networkId, credential: 'MEMBER' });
  expect(byId('obs-selfcare')).toMatchObject({ operationName: 'Selfcare', operationType: 'mutation', errorCodes: [] });
  expect(byId('obs-refused')).toMatchObject({ status: 401, errorCodes: ['UNAUTHENTICATED'], network: null, statements: 0 });
  expect(byId('obs-forbidden')).toMatchObject({ operationType: 'query', operationName: 'Directory', errorCodes: ['FORBIDDEN'], network: networkId });
  for (const id of ['obs-add-person', 'obs-check-in', 'obs-feedback', 'obs-consent', 'obs-selfcare', 'obs-forbidden']) {
    const line = byId(id);
    expect(line.statements).toBeGreaterThanOrEqual(4); // BEGIN with the settings, authentication, the work, COMMIT
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(Object.keys(line).sort()).toEqual(
      [
        'credential',
        'durationMs',
        'errorCodes',
        'level',
        'msg',
        'network',
        'operationName',
        'operationType',
        'requestId',
        'statements',
        'status',
        'time',
        'transport',
      ].sort(),
    );
  }
  const ws = access.filter((l) => l.transport === 'websocket');
  expect(ws).toHaveLength(1);
  expect(ws[0]).toMatchObject({ operationType: 'mutation', operationName: 'Rename', errorCodes: [], network: networkId, credential: 'MEMBER' });
  expect(ws[0].requestId).toEqual(expect.any(String));
  // Exactly the operations sent: seven over HTTP, one over WebSocket.
  expect(access).toHaveLength(8);
  // The member's id, the network's name or slug appear nowhere either (the network is its opaque id).
  expect(output).not.toContain(dbId(w.member.globalId));
  expect(output).not.toContain(w.net.slug);
}, 120_000);
