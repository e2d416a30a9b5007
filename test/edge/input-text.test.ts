import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { watchedEdgeApp } from './logs';
import type { TestApp } from '../helpers/app';
import type { TestNetwork } from '../helpers/factories';

/**
 * Text no value may carry (NUL, lone UTF-16 surrogates) is refused before anything runs, as BAD_USER_INPUT
 * naming the argument, in variables and literals alike; malformed federation representations and graphql-js's
 * variable error limit are the client's input too. Nothing here is logged as unexpected.
 */

const edge = watchedEdgeApp();
let app: TestApp;
let net: TestNetwork;
beforeAll(() => ({ app, net } = edge));

const CREATE_GROUP = 'mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }';
const group = (agendaTemplate: unknown[]) => ({
  name: 'Circle',
  objectives: ['Share'],
  topics: ['grief'],
  norms: ['Confidentiality'],
  format: 'ONLINE',
  visibility: 'NETWORK',
  agendaTemplate,
});
const item = (prompt: string) => ({ kind: 'CHECK_IN', title: 'Check-in', prompt });
const fieldPaths = (res: Awaited<ReturnType<TestApp['gql']>>) => res.errors?.[0].extensions.fieldErrors?.map((f) => f.path);

test('a lone surrogate in an agenda item prompt: BAD_USER_INPUT at input.agendaTemplate.1.prompt, nothing created', async () => {
  const before = await app.gql('{ groups(includeArchived: true) { totalCount } }', {}, net.adminKey);
  const res = await app.gql(CREATE_GROUP, { input: group([item('fine'), item('half a pair \ud83d')]) }, net.adminKey);
  expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(fieldPaths(res)).toEqual([['input', 'agendaTemplate', 1, 'prompt']]);
  expect(res.data).toBeUndefined();
  const after = await app.gql('{ groups(includeArchived: true) { totalCount } }', {}, net.adminKey);
  expect(after.data).toEqual(before.data);
});

test('a lone surrogate in an email (was "URI malformed", an internal error): BAD_USER_INPUT at input.email', async () => {
  const res = await app.gql(
    'mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }',
    { input: { displayName: 'Sam', email: 'sam\udc00@example.com' } },
    net.adminKey,
  );
  expect([res.errors?.[0].extensions.code, fieldPaths(res)]).toEqual(['BAD_USER_INPUT', [['input', 'email']]]);
});

test('NUL in a literal argument, a nested literal and a variable: each path named', async () => {
  const res = await app.gql(
    'mutation($name: String!) { updateNetwork(input: { name: $name, description: "a\\u0000b" }) { id } a: createApiKey(name: "k\\u0000", scopes: [READ]) { apiKey { id } } }',
    { name: 'x\u0000' },
    net.adminKey,
  );
  expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(fieldPaths(res)).toEqual([['input', 'name'], ['input', 'description'], ['name']]);
});

test('well-formed text, surrogate pairs (emoji) included, is accepted', async () => {
  const res = await app.gql(CREATE_GROUP, { input: group([item('How are you? 😀 — ünïcödé')]) }, net.adminKey);
  expect(res.errors).toBeUndefined();
});

test('_entities: a representation without __typename, or of a type that is not an entity, is BAD_USER_INPUT', async () => {
  const query = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
  const res = await app.gql(query, { r: [{ id: 'x' }, { __typename: 'Member', id: 'x' }, { __typename: 'Group', id: 'x' }, 'text'] }, net.adminKey);
  expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  expect(fieldPaths(res)).toEqual([
    ['representations', 0, '__typename'],
    ['representations', 1, '__typename'],
    ['representations', 3, '__typename'],
  ]);
  // Well-formed representations of unknown objects stay null, as documented.
  const fine = await app.gql(query, { r: [{ __typename: 'Group', id: 'x' }] }, net.adminKey);
  expect([fine.errors, fine.data]).toEqual([undefined, { _entities: [null] }]);
});

test('201 agenda items each invalid (graphql-js stops after 50 errors): BAD_USER_INPUT, never INTERNAL', async () => {
  const res = await app.gql(CREATE_GROUP, { input: group(Array.from({ length: 201 }, () => ({ kind: 'NOPE', title: 7 }))) }, net.adminKey);
  expect(new Set(res.errors?.map((e) => e.extensions.code))).toEqual(new Set(['BAD_USER_INPUT']));
  expect(res.errors?.some((e) => /Too many errors processing variables/.test(e.message))).toBe(true);
});

test('over WebSocket the same text check: a lone surrogate in an email is BAD_USER_INPUT with its path', async () => {
  const client = createClient({
    url: `ws://127.0.0.1:${app.server.port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${net.adminKey}` },
  });
  try {
    const errors = await new Promise<Array<{ extensions?: { code?: string; fieldErrors?: Array<{ path: unknown[] }> } }>>((resolve, reject) => {
      client.subscribe(
        {
          query: 'mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }',
          variables: { input: { displayName: 'Sam', email: 'sam\udc00@example.com' } },
        },
        { next: () => reject(new Error('expected a refusal')), error: (e) => resolve(e as never), complete: () => reject(new Error('expected a refusal')) },
      );
    });
    expect(errors[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors[0].extensions?.fieldErrors?.map((f) => f.path)).toEqual([['input', 'email']]);
  } finally {
    await client.dispose();
  }
});
