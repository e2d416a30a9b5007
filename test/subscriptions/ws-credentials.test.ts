import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { MemberTokens } from '../../src/modules/auth/member-token';
import { ok } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';
import { connect, disconnectAll, eventually, rawSocket, startLiveApp, subscribed } from './live';
import type { TestApp } from '../helpers/app';

/**
 * A refused WebSocket credential closes the socket with 4403 and a reason naming the problem — missing,
 * malformed, invalid, expired, revoked — so a client knows whether a fresh token helps. A valid one connects.
 * Over HTTP, an expired member token's UNAUTHENTICATED message says so too.
 */

let app: TestApp;
let w: World;
beforeAll(async () => {
  app = await startLiveApp();
  w = await createWorld(app, 'Credentials');
});
afterEach(() => disconnectAll());
afterAll(() => app.stop());

const SESSION_CHANGED = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id } }';

/** A new API key of the world's network (secret and global id). */
async function newKey(): Promise<{ secret: string; id: string }> {
  const created = ok(
    await app.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      'mutation { createApiKey(name: "board", scopes: [READ]) { secret apiKey { id } } }',
      {},
      w.keys.all,
    ),
  ).createApiKey;
  return { secret: created.secret, id: created.apiKey.id };
}

const revoke = async (id: string) => ok(await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id }, w.keys.all));

/** The close of a raw socket whose connection_init carries this `authorization` (any shape). */
async function closeOf(authorization: unknown) {
  const socket = rawSocket(app.server.port);
  await socket.opened;
  socket.send({ type: 'connection_init', payload: authorization === undefined ? {} : { authorization } });
  return socket.closed;
}

describe('each refusal names its problem (4403)', () => {
  test('missing: no connectionParams, or no authorization in them', async () => {
    expect(await connect(app.server.port).closed).toEqual({ code: 4403, reason: 'Missing credentials' });
    expect(await closeOf(undefined)).toEqual({ code: 4403, reason: 'Missing credentials' });
    expect(await closeOf('')).toEqual({ code: 4403, reason: 'Missing credentials' });
  });

  test('malformed: not "Bearer <API key or member token>"', async () => {
    expect(await closeOf(`Basic ${w.keys.read}`)).toEqual({ code: 4403, reason: 'Malformed credentials' });
    expect(await closeOf(w.keys.read)).toEqual({ code: 4403, reason: 'Malformed credentials' });
    expect(await connect(app.server.port, 'not-a-credential').closed).toEqual({ code: 4403, reason: 'Malformed credentials' });
  });

  test('invalid: an unknown API key, a member token not signed by this server', async () => {
    expect(await connect(app.server.port, 'pnk_unknown').closed).toEqual({ code: 4403, reason: 'Invalid credentials' });
    expect(await connect(app.server.port, 'a.b.c').closed).toEqual({ code: 4403, reason: 'Invalid credentials' });
    const foreign = await new MemberTokens('another-secret-that-is-at-least-32-characters').issue(w.net.id, w.member.id, 600);
    expect(await connect(app.server.port, foreign.token).closed).toEqual({ code: 4403, reason: 'Invalid credentials' });
  });

  test('expired: a member token past its exp', async () => {
    const expired = await app.tokens.issue(w.net.id, w.member.id, -10);
    expect(await connect(app.server.port, expired.token).closed).toEqual({ code: 4403, reason: 'Credential expired' });
  });

  test('revoked: a revoked API key; a member token whose member was removed', async () => {
    const key = await newKey();
    await revoke(key.id);
    expect(await connect(app.server.port, key.secret).closed).toEqual({ code: 4403, reason: 'Credential revoked' });

    const gone = await w.net.member();
    await sql(app, w.net.id, 'DELETE FROM members WHERE id = $1', [gone.id]);
    expect(await connect(app.server.port, gone.token).closed).toEqual({ code: 4403, reason: 'Credential revoked' });
  });

  test('valid credentials connect: an API key, a member token', async () => {
    for (const credential of [w.keys.read, w.member.token]) {
      const live = connect(app.server.port, credential);
      await live.opened;
    }
  });

  test('a key revoked while subscribed: the socket closes with "Credential revoked" at the next event', async () => {
    const key = await newKey();
    const live = connect(app.server.port, key.secret);
    const topic = { networkId: w.net.id, name: 'sessionChanged' as const, key: w.group.id };
    const stream = await subscribed(app, live, SESSION_CHANGED, { g: w.group.globalId }, topic);
    await revoke(key.id);
    const session = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
    ok(await app.gql('mutation($id: ID!) { startSession(id: $id) { id } }', { id: session.globalId }, w.facilitator.token));
    expect(await live.closed).toEqual({ code: 4403, reason: 'Credential revoked' });
    expect(stream.results).toEqual([]);
  });

  test('a member token whose issuing key is revoked while subscribed closes with "Credential revoked"; a read-only token still subscribes', async () => {
    const issuer = ok(
      await app.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
        'mutation { createApiKey(name: "token backend", scopes: [ISSUE_MEMBER_TOKENS]) { secret apiKey { id } } }',
        {},
        w.keys.all,
      ),
    ).createApiKey;
    const ISSUE = 'mutation($id: ID, $ro: Boolean) { issueMemberToken(memberId: $id, readOnly: $ro) { token } }';
    const token = ok(await app.gql<{ issueMemberToken: { token: string } }>(ISSUE, { id: w.member.globalId, ro: true }, issuer.secret)).issueMemberToken.token;
    const live = connect(app.server.port, token);
    const topic = { networkId: w.net.id, name: 'sessionChanged' as const, key: w.group.id };
    const stream = await subscribed(app, live, SESSION_CHANGED, { g: w.group.globalId }, topic);
    const first = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
    ok(await app.gql('mutation($id: ID!) { startSession(id: $id) { id } }', { id: first.globalId }, w.facilitator.token));
    await eventually(() => stream.results.length === 1, 'the first event');
    await revoke(issuer.apiKey.id);
    const second = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 90 });
    ok(await app.gql('mutation($id: ID!) { startSession(id: $id) { id } }', { id: second.globalId }, w.facilitator.token));
    expect(await live.closed).toEqual({ code: 4403, reason: 'Credential revoked' });
    expect(stream.results).toHaveLength(1);
  });
});

test('connectionParams as an async function: after "Credential expired" the client reconnects with a fresh token', async () => {
  let issued = 0;
  const closes: Array<{ code: number; reason: string }> = [];
  let connections = 0;
  const client = createClient({
    url: `ws://127.0.0.1:${app.server.port}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 1,
    retryWait: async () => undefined,
    connectionParams: async () => {
      issued += 1;
      // The first token lives 1 s; the next one 10 minutes (as a client refreshing its token would get).
      const { token } = await app.tokens.issue(w.net.id, w.member.id, issued === 1 ? 1 : 600);
      return { authorization: `Bearer ${token}` };
    },
    on: {
      connected: () => (connections += 1),
      closed: (event) => {
        const e = event as { code: number; reason: string | Buffer };
        closes.push({ code: e.code, reason: String(e.reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  try {
    await eventually(() => connections === 2, 'the reconnection with a fresh token');
    expect(closes[0]).toEqual({ code: 4403, reason: 'Credential expired' });
    expect(issued).toBe(2);
  } finally {
    await client.dispose();
  }
});

describe('over HTTP', () => {
  test('an expired member token says so; a bad one is invalid', async () => {
    const expired = await app.tokens.issue(w.net.id, w.member.id, -10);
    const res = await app.gql('{ viewer { kind } }', {}, expired.token);
    expect(res.status).toBe(401);
    expect(res.errors![0]).toMatchObject({ message: 'Member token expired: get a new one', extensions: { code: 'UNAUTHENTICATED' } });
    const bad = await app.gql('{ viewer { kind } }', {}, 'a.b.c');
    expect(bad.status).toBe(401);
    expect(bad.errors![0]).toMatchObject({ message: 'Invalid member token', extensions: { code: 'UNAUTHENTICATED' } });
  });
});
