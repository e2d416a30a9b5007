import { randomUUID } from 'node:crypto';
import { createLogger } from '../../src/config/logger';
import { withTenant } from '../../src/db/tenant';
import { ALL_SCOPES } from '../../src/modules/auth/api-key.service';
import { principalKey } from '../../src/modules/auth/authenticate';
import { createContext } from '../../src/modules/auth/context';
import { Pseudonyms } from '../../src/modules/auth/member-token';
import { requestHash } from '../../src/modules/idempotency/idempotency-key';
import { claimKey, purgeExpiredKeys, saveResponse } from '../../src/modules/idempotency/idempotency.service';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, TEST_TOKEN_SECRET, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, inDays } from '../helpers/gql';
import type { Context } from '../../src/graphql/context';

/**
 * Idempotent retries: `Idempotency-Key` on POST /graphql mutations, through the public API on the real
 * database. Rows are checked as the superuser (outside row-level security) where a test needs the truth.
 */

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Idempotency A');
  b = await createTestNetwork(app, 'Idempotency B');
});
afterAll(() => app.stop());

const CREATE_MEMBER = `mutation CreateMember($input: CreateMemberInput!) { createMember(input: $input) { id displayName email role } }`;

interface Raw {
  status: number;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions: { code: string } }> };
  replayed: string | undefined;
}

/** POST /graphql with a credential and, unless `key` is null, an Idempotency-Key. */
async function post(credential: string, key: string | null, query: string, variables?: Record<string, unknown>, operationName?: string): Promise<Raw> {
  let req = app.http().post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${credential}`);
  if (key !== null) req = req.set('Idempotency-Key', key);
  const res = await req.send({ query, variables, ...(operationName && { operationName }) });
  return { status: res.status, text: answerText(res.text), body: res.body, replayed: res.headers['idempotent-replayed'] };
}

/**
 * The answer's text without `extensions.cost` (the rate-limit report is about each request's own budget, so a replay
 * carries its own); key order is kept, so the rest is compared byte for byte.
 */
function answerText(text: string): string {
  const body = JSON.parse(text) as { extensions?: Record<string, unknown> };
  if (!body.extensions) return text;
  delete body.extensions.cost;
  if (!Object.keys(body.extensions).length) delete body.extensions;
  return JSON.stringify(body);
}

/** Members of a network with this display name (as the superuser: the truth, whoever may see it). */
async function membersNamed(network: TestNetwork, displayName: string): Promise<number> {
  const [row] = await app.db.dataSource.query(`SELECT count(*)::int AS n FROM members WHERE network_id = $1 AND display_name = $2`, [network.id, displayName]);
  return row.n;
}

async function keyRows(key: string): Promise<Array<{ network_id: string; credential: string; http_status: number }>> {
  return app.db.dataSource.query(`SELECT network_id, credential, http_status FROM idempotency_keys WHERE key = $1 ORDER BY network_id, credential`, [key]);
}

const deps = () => ({ dataSource: app.db.dataSource, tokens: app.tokens, pseudonyms: new Pseudonyms(TEST_TOKEN_SECRET), logger: createLogger('silent') });

/**
 * Uses the key once, so that its `lastUsedAt` (written at most once a minute, under a row lock held until the
 * request's end) is fresh: concurrent requests then do not queue behind that write in authentication.
 */
async function warmUp(credential: string): Promise<void> {
  await post(credential, null, '{ viewer { kind } }');
}

const uniqueName = (label: string) => `${label} ${randomUUID().slice(0, 8)}`;

describe('replay', () => {
  test('createMember retried with the same key: the identical answer, Idempotent-Replayed, one member', async () => {
    const key = randomUUID();
    const name = uniqueName('Replay');
    const variables = { input: { displayName: name, email: `${randomUUID()}@replay.example` } };
    const first = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    expect(first.replayed).toBeUndefined();

    const second = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(second.status).toBe(200);
    expect(second.replayed).toBe('true');
    expect(second.text).toBe(first.text);
    expect(await membersNamed(a, name)).toBe(1);
    expect(await keyRows(key)).toEqual([{ network_id: a.id, credential: expect.stringMatching(/^K:/), http_status: 200 }]);
  });

  test('the same variables with their keys in another order are the same request', async () => {
    const key = randomUUID();
    const name = uniqueName('Order');
    const email = `${randomUUID()}@order.example`;
    const first = await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: name, email, role: 'MEMBER' } });
    const second = await post(a.adminKey, key, CREATE_MEMBER, { input: { role: 'MEMBER', email, displayName: name } });
    expect(second.replayed).toBe('true');
    expect(second.text).toBe(first.text);
    expect(await membersNamed(a, name)).toBe(1);
  });

  test('scheduleSessions (a series) retried with the same key: one series, the same sessions', async () => {
    const groupId = await createGroup(app, a, { name: uniqueName('Idempotent group') });
    const schedule = `mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id title startsAt } }`;
    const variables = {
      g: groupId,
      input: { title: 'Weekly circle', startsAt: inDays(3), durationMinutes: 60, timeZone: 'Europe/Berlin', repeat: { frequency: 'WEEKLY', count: 4 } },
    };
    const key = randomUUID();
    const first = await post(a.adminKey, key, schedule, variables);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.scheduleSessions).toHaveLength(4);
    const second = await post(a.adminKey, key, schedule, variables);
    expect(second.replayed).toBe('true');
    expect(second.text).toBe(first.text);
    const groupDbId = Buffer.from(groupId, 'base64url').toString('utf8').split(':')[1];
    const [row] = await app.db.dataSource.query(`SELECT count(*)::int AS n FROM sessions WHERE group_id = $1`, [groupDbId]);
    expect(row.n).toBe(4);
  });

  test('without the header, the same mutation runs every time', async () => {
    const name = uniqueName('No key');
    await post(a.adminKey, null, CREATE_MEMBER, { input: { displayName: name } });
    const second = await post(a.adminKey, null, CREATE_MEMBER, { input: { displayName: name } });
    expect(second.replayed).toBeUndefined();
    expect(await membersNamed(a, name)).toBe(2);
  });
});

describe('a different request with the same key', () => {
  test('different variables: CONFLICT (422) naming the key, nothing written', async () => {
    const key = `order-${randomUUID()}`;
    const name = uniqueName('Original');
    await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: name } });
    const other = uniqueName('Other');
    const res = await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: other } });
    expect(res.status).toBe(422);
    expect(res.replayed).toBeUndefined();
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0].extensions.code).toBe('CONFLICT');
    expect(res.body.errors![0].message).toContain(`Idempotency-Key "${key}"`);
    expect(await membersNamed(a, other)).toBe(0);
    expect(await membersNamed(a, name)).toBe(1);
  });

  test('a different operation text or operation name: CONFLICT', async () => {
    const key = randomUUID();
    const variables = { input: { displayName: uniqueName('Text') } };
    await post(a.adminKey, key, CREATE_MEMBER, variables);
    const otherText = await post(a.adminKey, key, CREATE_MEMBER.replace('email role', 'email'), variables);
    expect(otherText.body.errors![0].extensions.code).toBe('CONFLICT');
    const twoOps = `${CREATE_MEMBER} mutation Other($input: CreateMemberInput!) { createMember(input: $input) { id } }`;
    const k2 = randomUUID();
    await post(a.adminKey, k2, twoOps, variables, 'CreateMember');
    const otherName = await post(a.adminKey, k2, twoOps, variables, 'Other');
    expect(otherName.body.errors![0].extensions.code).toBe('CONFLICT');
    expect(await membersNamed(a, variables.input.displayName)).toBe(2);
  });
});

test('10 concurrent duplicates: one member, 10 identical answers', async () => {
  await warmUp(a.adminKey);
  const key = randomUUID();
  const name = uniqueName('Concurrent');
  const variables = { input: { displayName: name, email: `${randomUUID()}@concurrent.example` } };
  const results = await Promise.all(Array.from({ length: 10 }, () => post(a.adminKey, key, CREATE_MEMBER, variables)));
  expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
  expect(new Set(results.map((r) => r.text)).size).toBe(1);
  expect(results[0].body.errors).toBeUndefined();
  expect(results.filter((r) => r.replayed === 'true')).toHaveLength(9);
  expect(await membersNamed(a, name)).toBe(1);
});

describe('a duplicate waits for the transaction holding its key', () => {
  /** Claims `key` for CREATE_MEMBER with `variables` in a request transaction of A's key, left open. */
  async function holdClaim(key: string, variables: Record<string, unknown>) {
    await warmUp(a.adminKey);
    const ctx = await createContext(deps(), { authorization: `Bearer ${a.adminKey}` });
    const scope = { networkId: a.id, credential: principalKey(ctx.principal), key };
    expect(await claimKey(ctx.manager, scope, requestHash(CREATE_MEMBER, 'CreateMember', variables), 24)).toEqual({ outcome: 'claimed' });
    return { ctx, scope };
  }
  async function startDuplicate(key: string, variables: Record<string, unknown>) {
    let settled = false;
    const pending = post(a.adminKey, key, CREATE_MEMBER, variables).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    return { pending };
  }

  test('the first commits: the duplicate replays its answer', async () => {
    const key = randomUUID();
    const variables = { input: { displayName: uniqueName('Held') } };
    const { ctx, scope } = await holdClaim(key, variables);
    const { pending } = await startDuplicate(key, variables);
    await saveResponse(ctx.manager, scope, '{"data":{"createMember":{"id":"first"}}}', 200);
    await ctx.tx.finish('commit');
    const res = await pending;
    expect(res.replayed).toBe('true');
    expect(res.text).toBe('{"data":{"createMember":{"id":"first"}}}');
    expect(await membersNamed(a, variables.input.displayName)).toBe(0);
  });

  test('the first rolls back: the duplicate claims the key and runs', async () => {
    const key = randomUUID();
    const variables = { input: { displayName: uniqueName('Rolled back') } };
    const { ctx } = await holdClaim(key, variables);
    const { pending } = await startDuplicate(key, variables);
    await ctx.tx.finish('rollback');
    const res = await pending;
    expect(res.replayed).toBeUndefined();
    expect(res.body.errors).toBeUndefined();
    expect(await membersNamed(a, variables.input.displayName)).toBe(1);
  });
});

describe('a failed mutation stores nothing', () => {
  test('duplicate email (CONFLICT): the retry runs again, and succeeds once the cause is fixed', async () => {
    const email = `${randomUUID()}@taken.example`;
    const holder = await post(a.adminKey, null, CREATE_MEMBER, { input: { displayName: uniqueName('Holder'), email } });
    const holderId: string = holder.body.data.createMember.id;
    const key = randomUUID();
    const name = uniqueName('Retry');
    const variables = { input: { displayName: name, email } };

    const failed = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(failed.body.errors![0].extensions.code).toBe('CONFLICT');
    expect(await keyRows(key)).toEqual([]);
    const again = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(again.replayed).toBeUndefined();
    expect(again.body.errors![0].extensions.code).toBe('CONFLICT');

    // The cause goes away: the other member's email changes.
    const update = await post(a.adminKey, null, `mutation($id: ID!) { updateMember(id: $id, input: { email: "" }) { id } }`, { id: holderId });
    expect(update.body.errors).toBeUndefined();
    const fixed = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(fixed.replayed).toBeUndefined();
    expect(fixed.body.errors).toBeUndefined();
    const replay = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(replay.replayed).toBe('true');
    expect(replay.text).toBe(fixed.text);
    expect(await membersNamed(a, name)).toBe(1);
  });

  test('invalid input (BAD_USER_INPUT): nothing stored, the retry runs again', async () => {
    const key = randomUUID();
    const variables = { input: { displayName: '' } };
    const first = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(first.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    const second = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(second.replayed).toBeUndefined();
    expect(await keyRows(key)).toEqual([]);
  });

  test('two fields, the second failing: the first stays done and the partial answer is what replays', async () => {
    const key = randomUUID();
    const name = uniqueName('Partial');
    const query = `mutation($ok: CreateMemberInput!, $bad: CreateMemberInput!) {
      first: createMember(input: $ok) { id } second: createMember(input: $bad) { id } }`;
    const variables = { ok: { displayName: name }, bad: { displayName: '' } };
    const first = await post(a.adminKey, key, query, variables);
    // The failed non-null field nulls `data` (GraphQL's rule), but the first member was created and committed.
    expect(first.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await membersNamed(a, name)).toBe(1);
    expect(await keyRows(key)).toHaveLength(1);
    const second = await post(a.adminKey, key, query, variables);
    expect(second.replayed).toBe('true');
    expect(second.text).toBe(first.text);
    expect(await membersNamed(a, name)).toBe(1);
  });
});

describe('keys are per credential and per network', () => {
  test('two API keys of a network, one of another network and a member token: independent results', async () => {
    const key = 'shared-key-1';
    const name = uniqueName('Isolated');
    const variables = { input: { displayName: name } };
    const secondKey = await a.key(...ALL_SCOPES);
    const admin = await a.member(NetworkRole.ADMIN);

    const byKey1 = await post(a.adminKey, key, CREATE_MEMBER, variables);
    const byKey2 = await post(secondKey, key, CREATE_MEMBER, variables);
    const byMember = await post(admin.token, key, CREATE_MEMBER, variables);
    const byB = await post(b.adminKey, key, CREATE_MEMBER, variables);
    for (const r of [byKey1, byKey2, byMember, byB]) {
      expect(r.replayed).toBeUndefined();
      expect(r.body.errors).toBeUndefined();
    }
    expect(new Set([byKey1, byKey2, byMember, byB].map((r) => r.body.data.createMember.id)).size).toBe(4);
    expect(await membersNamed(a, name)).toBe(3);
    expect(await membersNamed(b, name)).toBe(1);

    // Each replays its own answer, never another credential's or network's.
    expect((await post(secondKey, key, CREATE_MEMBER, variables)).text).toBe(byKey2.text);
    expect((await post(admin.token, key, CREATE_MEMBER, variables)).text).toBe(byMember.text);
    expect((await post(b.adminKey, key, CREATE_MEMBER, variables)).text).toBe(byB.text);
    const rows = await keyRows(key);
    expect(
      rows
        .filter((r) => r.network_id === a.id)
        .map((r) => r.credential[0])
        .sort(),
    ).toEqual(['K', 'K', 'M']);
    expect(rows.filter((r) => r.network_id === b.id)).toHaveLength(1);
  });

  test('network B using A’s key with a different body is not a CONFLICT: B has its own keys', async () => {
    const key = randomUUID();
    await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: uniqueName('A only') } });
    const other = uniqueName('B only');
    const res = await post(b.adminKey, key, CREATE_MEMBER, { input: { displayName: other } });
    expect(res.body.errors).toBeUndefined();
    expect(await membersNamed(b, other)).toBe(1);
  });
});

describe('the header elsewhere', () => {
  test('on a query it is ignored (even an invalid one), and nothing is stored', async () => {
    for (const key of ['query-key', 'x'.repeat(300)]) {
      const first = await post(a.adminKey, key, `{ viewer { kind } }`);
      expect(first.status).toBe(200);
      expect(first.body.errors).toBeUndefined();
      const second = await post(a.adminKey, key, `{ viewer { kind } }`);
      expect(second.replayed).toBeUndefined();
    }
    expect(await keyRows('query-key')).toEqual([]);
  });

  test.each([
    ['256 characters', 'k'.repeat(256)],
    ['empty', ''],
    ['a tab', 'abc\tdef'],
    ['a non-ASCII character', 'clé-1'],
  ])('an invalid key (%s) is BAD_USER_INPUT naming the header, and nothing runs', async (_label, key) => {
    const name = uniqueName('Invalid key');
    const res = await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: name } });
    expect(res.status).toBe(400);
    expect(res.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors![0].message).toMatch(/Idempotency-Key/);
    expect(await membersNamed(a, name)).toBe(0);
  });

  test('255 printable characters are a valid key', async () => {
    const key = `${randomUUID()} ~!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}`.padEnd(255, 'z');
    const res = await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: uniqueName('Long key') } });
    expect(res.body.errors).toBeUndefined();
    expect(await keyRows(key)).toHaveLength(1);
  });

  test('an operation selecting a secret (createApiKey.secret) refuses the key: secrets are never stored', async () => {
    const name = `idem ${randomUUID().slice(0, 8)}`;
    const res = await post(a.adminKey, randomUUID(), `mutation($n: String!) { createApiKey(name: $n, scopes: [READ]) { secret } }`, { n: name });
    expect(res.status).toBe(400);
    expect(res.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors![0].message).toMatch(/CreatedApiKey\.secret/);
    const [row] = await app.db.dataSource.query(`SELECT count(*)::int AS n FROM api_keys WHERE network_id = $1 AND name = $2`, [a.id, name]);
    expect(row.n).toBe(0);
    // Without the secret selected, the key is fine.
    const keyOnly = await post(a.adminKey, randomUUID(), `mutation($n: String!) { createApiKey(name: $n, scopes: [READ]) { apiKey { id } } }`, { n: name });
    expect(keyOnly.body.errors).toBeUndefined();
  });

  test('browsers may send the header (CORS preflight) and read Idempotent-Replayed', async () => {
    const preflight = await app
      .http()
      .options('/graphql')
      .set('origin', 'https://front.example')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization,content-type,idempotency-key');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/idempotency-key/i);
    const res = await app
      .http()
      .post('/graphql')
      .set('origin', 'https://front.example')
      .set('content-type', 'application/json')
      .send({ query: '{ __typename }' });
    expect(res.headers['access-control-expose-headers']).toMatch(/Idempotent-Replayed/);
  });
});

describe('expiry', () => {
  test('a key older than IDEMPOTENCY_TTL_HOURS counts as unused: the request runs again, a different one is no CONFLICT', async () => {
    const key = randomUUID();
    const name = uniqueName('Expiring');
    const variables = { input: { displayName: name } };
    await post(a.adminKey, key, CREATE_MEMBER, variables);
    await app.db.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [key]);
    const again = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(again.replayed).toBeUndefined();
    expect(again.body.errors).toBeUndefined();
    expect(await membersNamed(a, name)).toBe(2);
    // The row now belongs to the new request and replays it.
    const replay = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(replay.replayed).toBe('true');
    expect(replay.text).toBe(again.text);

    await app.db.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [key]);
    const different = await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: uniqueName('After expiry') } });
    expect(different.body.errors).toBeUndefined();
  });

  test('the purge deletes the network’s expired keys only', async () => {
    const [fresh, old, otherNetwork] = [randomUUID(), randomUUID(), randomUUID()];
    for (const [net, key] of [
      [a, fresh],
      [a, old],
      [b, otherNetwork],
    ] as const) {
      await post(net.adminKey, key, CREATE_MEMBER, { input: { displayName: uniqueName('Purge') } });
    }
    await app.db.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE key = ANY($1)`, [[old, otherNetwork]]);
    await withTenant(app.db.dataSource, a.id, (manager) => purgeExpiredKeys(manager, a.id, 24));
    expect(await keyRows(fresh)).toHaveLength(1);
    expect(await keyRows(old)).toEqual([]);
    expect(await keyRows(otherNetwork)).toHaveLength(1);
  });

  test('just inside the TTL the key still replays', async () => {
    const key = randomUUID();
    const variables = { input: { displayName: uniqueName('Not expired') } };
    const first = await post(a.adminKey, key, CREATE_MEMBER, variables);
    await app.db.dataSource.query(`UPDATE idempotency_keys SET created_at = now() - interval '23 hours 59 minutes' WHERE key = $1`, [key]);
    const second = await post(a.adminKey, key, CREATE_MEMBER, variables);
    expect(second.replayed).toBe('true');
    expect(second.text).toBe(first.text);
  });
});

describe('row-level security', () => {
  async function inRequest<T>(credential: string, fn: (ctx: Context) => Promise<T>): Promise<T> {
    const ctx = await createContext(deps(), { authorization: `Bearer ${credential}` });
    try {
      return await fn(ctx);
    } finally {
      await ctx.tx.finish('rollback');
    }
  }

  test('a request transaction sees and writes only its own network’s keys', async () => {
    const key = randomUUID();
    await post(a.adminKey, key, CREATE_MEMBER, { input: { displayName: uniqueName('RLS') } });
    await inRequest(b.adminKey, async (ctx) => {
      const rows: Array<{ network_id: string }> = await ctx.manager.query(`SELECT network_id FROM idempotency_keys`);
      expect(rows.every((r) => r.network_id === b.id)).toBe(true);
      expect(await ctx.manager.query(`SELECT 1 FROM idempotency_keys WHERE key = $1`, [key])).toEqual([]);
      await expect(
        ctx.manager.query(`INSERT INTO idempotency_keys (network_id, credential, key, request_hash) VALUES ($1, $2, 'x', repeat('0', 64))`, [
          a.id,
          `K:${randomUUID()}`,
        ]),
      ).rejects.toThrow(/row-level security/);
    });
    await inRequest(a.adminKey, async (ctx) => {
      expect(await ctx.manager.query(`SELECT 1 FROM idempotency_keys WHERE key = $1`, [key])).toHaveLength(1);
    });
  });
});
