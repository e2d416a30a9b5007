import {
  astFromValue,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  print,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
} from 'graphql';
import { getSchema } from '../../src/app/schema';
import { toGlobalId } from '../../src/graphql/global-id';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork } from '../helpers/factories';
import { createWorld, insertSession } from '../helpers/world';
import { captureUnexpected } from './logs';

/**
 * Hostile arguments for every root field of the served schema (Query and Mutation, read from `getSchema()`, so
 * a new field is covered without touching this file), sent with a few credentials. Whatever comes back may be
 * an error, but never INTERNAL_SERVER_ERROR, a 5xx, or a line logged as unexpected. Deterministic (seeded);
 * a failure prints the operation and variables to replay.
 */

const SEED = 20261203;
const VARIANTS_PER_FIELD = 5;
const CONCURRENCY = 8;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Refused before execution wherever they appear: rarer, so that most operations reach the resolvers. */
const UNSTORABLE = ['a\u0000b', '\ud800', 'x\udc00y'];
const HOSTILE_STRINGS = [
  '',
  ' ',
  'plain text',
  'x'.repeat(20_000),
  'a'.repeat(256),
  "Robert'); DROP TABLE members;--",
  '%s%n%x',
  '😀'.repeat(50),
  '\u202eevil',
  'someone@example.com',
  'https://meet.example/room',
  'javascript:alert(1)',
  'Europe/Berlin',
  'Not/AZone',
];
const INTS = [0, -1, 1, 100, 101, -2147483648, 2147483647, 2147483648, 1e6];
const FLOATS = [0, -1, 1.5, 11, 1e308, -1e308, 5e-324, 3.4e38];
const DATES = [
  new Date().toISOString(),
  '2026-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00Z',
  '2026-02-30T00:00:00Z',
  'not a date',
  1e15,
];
const deepJson = (n: number): unknown => (n === 0 ? 'leaf' : [deepJson(n - 1)]);
const JSONS = [{}, [], 'x\u0000', { a: '\ud800' }, { '\u0000': 1 }, deepJson(300), { n: 1e308 }];

interface Credential {
  name: string;
  secret: string;
}

interface Attempt {
  field: string;
  credential: string;
  query: string;
  variables: Record<string, unknown>;
}

/** For a failure report: long strings cut, so the output stays readable. */
const shorten = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_k, v) =>
      typeof v === 'string' && v.length > 60
        ? `${v.slice(0, 20)}…(${v.length} chars)`
        : Array.isArray(v) && v.length > 5
          ? [...v.slice(0, 3), `…(${v.length} items)`]
          : v,
    ),
  );

let app: TestApp;
let credentials: Credential[];
let ids: string[];
let slugs: string[];

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'error' });
  const w = await createWorld(app, 'Fuzzed');
  const other = await createWorld(app, 'Other');
  const session = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
  const otherSession = await insertSession(app, other.net.id, other.group.id);
  const spare = await createTestNetwork(app, 'Spare');
  credentials = [
    { name: 'admin key', secret: w.net.adminKey },
    { name: 'plain member token', secret: w.member.token },
    { name: 'admin member token', secret: w.admin.token },
    { name: "another network's key", secret: other.net.adminKey },
  ];
  ids = [
    // This network's real objects (the deeper code paths), used with the wrong types too.
    w.group.globalId,
    session.globalId,
    w.memberMembership,
    w.member2.globalId,
    w.net.globalId,
    toGlobalId('Session', w.group.id),
    // Another network's objects.
    other.group.globalId,
    otherSession.globalId,
    other.member.globalId,
    other.memberMembership,
    other.net.globalId,
    spare.globalId,
    // Malformed and unknown.
    'not-an-id',
    '',
    toGlobalId('Group', 'not-a-uuid'),
    toGlobalId('Group', NIL_UUID),
    toGlobalId('Nope', NIL_UUID),
    toGlobalId('Group', 'x'.repeat(150)),
  ];
  slugs = [spare.slug, other.net.slug, w.net.slug];
});

afterAll(async () => {
  await app.stop();
});

/** The operations for one root field: every argument a hostile value of its type, as variables or literals. */
function* operationsFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, random: () => number): Generator<Omit<Attempt, 'credential'>> {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];

  const scalar = (name: string): unknown => {
    switch (name) {
      case 'ID':
        return random() < 0.05 ? pick(UNSTORABLE) : pick(ids);
      case 'Int':
        return pick(INTS);
      case 'Float':
        return pick(FLOATS);
      case 'Boolean':
        return random() < 0.5;
      case 'DateTime':
        return pick(DATES);
      case 'JSON':
        return pick(JSONS);
      case '_Any':
        return pick<unknown>([
          { __typename: 'Group', id: pick(ids) },
          { __typename: 'Member', id: pick(ids) },
          { __typename: 'Session', id: pick(ids) },
          { id: pick(ids) },
          { __typename: 42 },
          'a string',
          null,
        ]);
      default:
        return random() < 0.05 ? pick(UNSTORABLE) : random() < 0.2 ? pick(slugs) : pick(HOSTILE_STRINGS);
    }
  };

  const value = (type: GraphQLInputType, depth: number, nullable = true): unknown => {
    if (isNonNullType(type)) return value(type.ofType, depth, false);
    if (nullable && random() < 0.1) return null;
    if (isListType(type)) {
      const length = pick([0, 1, 2, 3, 201]);
      return Array.from({ length }, () => value(type.ofType, depth + 1));
    }
    if (isEnumType(type)) return random() < 0.1 ? 'NOT_A_VALUE' : pick(type.getValues()).name;
    if (isInputObjectType(type)) {
      const object: Record<string, unknown> = {};
      for (const f of Object.values(type.getFields())) {
        if (isNonNullType(f.type) || (depth < 3 && random() < 0.6)) object[f.name] = value(f.type, depth + 1);
      }
      return object;
    }
    return scalar(type.name);
  };

  // __typename and the leaf fields of the result (with no required arguments): enough to run the field's resolvers.
  const named = getNamedType(field.type as GraphQLOutputType);
  const selection =
    isObjectType(named) || isInterfaceType(named)
      ? `{ __typename ${Object.values(named.getFields())
          .filter((f) => isLeafType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type)))
          .map((f) => f.name)
          .join(' ')} }`
      : isLeafType(named)
        ? ''
        : '{ __typename }';

  for (let i = 0; i < VARIANTS_PER_FIELD; i++) {
    const variables: Record<string, unknown> = {};
    const definitions: string[] = [];
    const args: string[] = [];
    for (const arg of field.args) {
      if (!isNonNullType(arg.type) && random() < 0.3) continue;
      const v = value(arg.type, 0);
      // Every other operation writes its arguments inline, where they can be (graphql-js prints them).
      const literal =
        i % 2 === 1
          ? (() => {
              try {
                return astFromValue(v, arg.type);
              } catch {
                return null;
              }
            })()
          : null;
      if (literal) args.push(`${arg.name}: ${print(literal)}`);
      else {
        definitions.push(`$${arg.name}: ${String(arg.type)}`);
        args.push(`${arg.name}: $${arg.name}`);
        variables[arg.name] = v;
      }
    }
    const head = definitions.length ? `(${definitions.join(', ')})` : '';
    const call = args.length ? `(${args.join(', ')})` : '';
    yield {
      field: `${kind === 'query' ? 'Query' : 'Mutation'}.${field.name}`,
      query: `${kind} Fuzz${head} { f: ${field.name}${call} ${selection} }`,
      variables,
    };
  }
}

test('hostile arguments on every root field never produce an internal error', async () => {
  const schema = await getSchema();
  const random = prng(SEED);
  const attempts: Attempt[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type!.getFields())) {
      for (const op of operationsFor(kind, field, random)) {
        for (const credential of credentials) attempts.push({ ...op, credential: credential.name });
      }
    }
  }
  const secrets = new Map(credentials.map((c) => [c.name, c.secret]));

  const failures: unknown[] = [];
  const logs = captureUnexpected();
  try {
    let next = 0;
    const worker = async () => {
      while (next < attempts.length) {
        const attempt = attempts[next++];
        const res = await app
          .http()
          .post('/graphql')
          .set('content-type', 'application/json')
          .set('authorization', `Bearer ${secrets.get(attempt.credential)}`)
          .send({ query: attempt.query, variables: attempt.variables });
        const errors: Array<{ message: string; extensions?: { code?: string } }> = res.body?.errors ?? [];
        const internal = errors.filter((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
        if (res.status >= 500 || internal.length || !/json/.test(String(res.headers['content-type']))) {
          failures.push({ ...(shorten(attempt) as object), status: res.status, errors: internal.map((e) => e.message) });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    logs.restore();
  }
  expect(attempts.length).toBeGreaterThan(1000);
  expect(failures).toEqual([]);
  expect(logs.lines).toEqual([]);
}, 300_000);

test('a member of the fuzzed network can still use the API (credentials survived the run)', async () => {
  const res = await app.gql('{ viewer { kind } }', {}, credentials[1].secret);
  expect(res.errors).toBeUndefined();
});
