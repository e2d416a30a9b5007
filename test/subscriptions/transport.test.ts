import { Redis } from 'ioredis';
import { addMember, ok } from '../helpers/gql';
import { createWorld, insertSession, moreMembers, type World } from '../helpers/world';
import { connect, disconnectAll, eventually, rawSocket, refusal, sleep, startLiveApp, subscribed, type Live } from './live';
import type { TestApp } from '../helpers/app';

/**
 * The socket itself: graphql-ws's close codes for protocol faults, a member token expiring mid-stream, a
 * revoked key, the per-connection subscription limit, the message size limit, a slow consumer, the depth and
 * cost limits (the same over HTTP), and graceful shutdown with open subscriptions.
 */

let app: TestApp;
/** An app with small limits: 3 operations per connection, 2 queued events per subscription, 2 KiB messages. */
let limited: TestApp;
let w: World;
beforeAll(async () => {
  app = await startLiveApp();
  limited = await startLiveApp({ WS_MAX_SUBSCRIPTIONS: '3', WS_MAX_QUEUED_EVENTS: '2', WS_MAX_MESSAGE_BYTES: '2048' });
  w = await createWorld(app, 'Transport');
});
afterEach(() => disconnectAll());
afterAll(async () => {
  await app.stop();
  await limited.stop();
});

const SESSION_CHANGED = 'subscription($g: ID!) { sessionChanged(groupId: $g) { id status } }';
const ATTENDANCE_CHANGED = 'subscription($s: ID!) { attendanceChanged(sessionId: $s) { id status } }';
const START = 'mutation($id: ID!) { startSession(id: $id) { id } }';
const sessionTopic = () => ({ networkId: w.net.id, name: 'sessionChanged' as const, key: w.group.id });

/** A raw socket that completed the handshake with a valid credential. */
async function acknowledged(port = app.server.port) {
  const socket = rawSocket(port);
  await socket.opened;
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${w.keys.read}` } });
  await eventually(() => socket.messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  return socket;
}

describe('graphql-ws close codes', () => {
  test('4400: a message that is not the protocol’s', async () => {
    const socket = rawSocket(app.server.port);
    await socket.opened;
    socket.send('this is not JSON');
    expect((await socket.closed).code).toBe(4400);
  });

  test('4401: subscribing before the connection is acknowledged', async () => {
    const socket = rawSocket(app.server.port);
    await socket.opened;
    socket.send({ id: '1', type: 'subscribe', payload: { query: '{ viewer { kind } }' } });
    expect((await socket.closed).code).toBe(4401);
  });

  test('4403: missing or invalid credentials', async () => {
    expect((await connect(app.server.port).closed).code).toBe(4403);
    expect((await connect(app.server.port, 'pnk_unknown').closed).code).toBe(4403);
    const expired = await app.tokens.issue(w.net.id, w.member.id, -10);
    expect((await connect(app.server.port, expired.token).closed).code).toBe(4403);
  });

  test('4406: a socket without the graphql-transport-ws subprotocol', async () => {
    const socket = rawSocket(app.server.port, null);
    expect((await socket.closed).code).toBe(4406);
  });

  test('4408: no connection_init within 3 seconds', async () => {
    const socket = rawSocket(app.server.port);
    await socket.opened;
    expect((await socket.closed).code).toBe(4408);
  });

  test('4409: a second operation with an id that is still open', async () => {
    const socket = await acknowledged();
    const subscribe = { id: 'same', type: 'subscribe', payload: { query: SESSION_CHANGED, variables: { g: w.group.globalId } } };
    socket.send(subscribe);
    await eventually(() => app.server.live.subscribers(w.net.id, 'sessionChanged', w.group.id) > 0, 'the first subscription');
    socket.send(subscribe);
    expect((await socket.closed).code).toBe(4409);
  });

  test('4429: a second connection_init', async () => {
    const socket = await acknowledged();
    socket.send({ type: 'connection_init', payload: {} });
    expect((await socket.closed).code).toBe(4429);
  });

  test('1009: a message over WS_MAX_MESSAGE_BYTES', async () => {
    const socket = await acknowledged(limited.server.port);
    socket.send({ id: '1', type: 'subscribe', payload: { query: `{ viewer { kind } } # ${'x'.repeat(3000)}` } });
    expect((await socket.closed).code).toBe(1009);
  });
});

describe('credentials that stop being valid', () => {
  test('a member token that expires mid-stream closes the socket with 4403; nothing is delivered after', async () => {
    const [s1, s2] = [
      await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 60 }),
      await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 90 }),
    ];
    const { token } = await app.tokens.issue(w.net.id, w.member.id, 2);
    const live = connect(app.server.port, token);
    const stream = await subscribed(app, live, SESSION_CHANGED, { g: w.group.globalId }, sessionTopic());
    const control = await subscribed(app, connect(app.server.port, w.facilitator.token), SESSION_CHANGED, { g: w.group.globalId }, sessionTopic());

    ok(await app.gql(START, { id: s1.globalId }, w.facilitator.token));
    expect((await stream.data()).sessionChanged.id).toBe(s1.globalId);
    expect(await live.closed).toEqual({ code: 4403, reason: 'Credential expired' });

    ok(await app.gql(START, { id: s2.globalId }, w.facilitator.token));
    await control.data();
    await control.data();
    expect(stream.results).toHaveLength(1);
  });

  test('a revoked API key closes the socket with 4403 at its next delivery, which it does not get', async () => {
    const created = ok(
      await app.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
        'mutation { createApiKey(name: "board", scopes: [READ]) { secret apiKey { id } } }',
        {},
        w.keys.all,
      ),
    ).createApiKey;
    const live = connect(app.server.port, created.secret);
    const stream = await subscribed(app, live, SESSION_CHANGED, { g: w.group.globalId }, sessionTopic());
    ok(await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.apiKey.id }, w.keys.all));
    const session = await insertSession(app, w.net.id, w.group.id, { status: 'SCHEDULED', startsInMinutes: 60 });
    ok(await app.gql(START, { id: session.globalId }, w.facilitator.token));
    expect((await live.closed).code).toBe(4403);
    expect(stream.results).toEqual([]);
  });
});

describe('limits', () => {
  test(`at most WS_MAX_SUBSCRIPTIONS operations per connection (RATE_LIMITED beyond); completing one frees a place`, async () => {
    const lw = await createWorld(limited, 'Limited');
    const topic = { networkId: lw.net.id, name: 'sessionChanged' as const, key: lw.group.id };
    const live = connect(limited.server.port, lw.facilitator.token);
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await subscribed(limited, live, SESSION_CHANGED, { g: lw.group.globalId }, topic));
    const fourth = live.subscribe(SESSION_CHANGED, { g: lw.group.globalId });
    await fourth.ended();
    expect((fourth.error as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('RATE_LIMITED');

    open[0].dispose();
    await eventually(() => limited.server.live.subscribers(lw.net.id, 'sessionChanged', lw.group.id) === 2, 'a place to free up');
    await subscribed(limited, live, SESSION_CHANGED, { g: lw.group.globalId }, topic);
  });

  test('a slow consumer (more than WS_MAX_QUEUED_EVENTS waiting) is dropped with 1013, not buffered', async () => {
    const lw = await createWorld(limited, 'Slow');
    const others = await moreMembers(limited, lw, 17);
    const session = await insertSession(limited, lw.net.id, lw.group.id, { status: 'LIVE' });
    const live = connect(limited.server.port, lw.facilitator.token);
    await subscribed(limited, live, ATTENDANCE_CHANGED, { s: session.globalId }, { networkId: lw.net.id, name: 'attendanceChanged', key: session.id });
    const entries = [lw.member, lw.member2, ...others].map((p) => ({ memberId: p.globalId, status: 'PRESENT' }));
    ok(
      await limited.gql(
        'mutation($s: ID!, $e: [AttendanceEntryInput!]!) { markAttendance(sessionId: $s, entries: $e) { id } }',
        { s: session.globalId, e: entries },
        lw.facilitator.token,
      ),
    );
    expect(await live.closed).toEqual({ code: 1013, reason: 'Slow consumer' });
    await eventually(() => limited.server.live.subscribers(lw.net.id, 'attendanceChanged', session.id) === 0, 'the stream to be gone');
  });

  const TOO_DEEP = `{ groups { nodes { memberships { nodes { member { memberships { nodes { group { memberships { nodes {
    member { memberships { nodes { id } } } } } } } } } } } } } }`;
  const TOO_COSTLY = '{ groups(first: 100) { nodes { memberships(first: 100) { nodes { member { memberships(first: 100) { nodes { id } } } } } } } }';
  // 1,200 × (2 + totalCount 20) = 26,400 points (also over the alias cap).
  const TOO_MANY_COUNTS = `{ ${Array.from({ length: 1200 }, (_, i) => `g${i}: groups(first: 20) { totalCount }`).join(' ')} }`;

  test('the same depth, cost and alias limits over HTTP and WebSocket: QUERY_TOO_COMPLEX, nothing runs', async () => {
    for (const [query, message] of [
      [TOO_DEEP, /is nested 14 fields deep/],
      [TOO_COSTLY, /costs 1,040,302 points/],
      [TOO_MANY_COUNTS, /has 1,200 aliased fields .*costs 26,400 points/],
    ] as const) {
      const http = await app.gql(query, {}, w.keys.readPersonal);
      expect(http.status).toBe(400);
      expect(http.errors?.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(http.errors![0].message).toMatch(message);
      const stream = connect(app.server.port, w.keys.readPersonal).subscribe(query);
      await stream.ended();
      const refused = stream.error as Array<{ message: string; extensions: { code: string } }>;
      expect(refused.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(refused[0].message).toBe(http.errors![0].message);
    }
    // A subscription too: its selection runs at every delivery.
    const deepSubscription = `subscription($g: ID!) { sessionChanged(groupId: $g) { group { memberships { nodes { member { memberships {
      nodes { group { memberships { nodes { member { memberships { nodes { id } } } } } } } } } } } } } }`;
    const stream = connect(app.server.port, w.facilitator.token).subscribe(deepSubscription, { g: w.group.globalId });
    await stream.ended();
    expect((stream.error as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    // Within the limits: fine (page sizes from variables count).
    const fine = await app.gql(
      'query($n: Int) { groups(first: $n) { nodes { memberships(first: 10) { nodes { member { displayName } } } } } }',
      { n: 50 },
      w.keys.readPersonal,
    );
    expect(fine.errors).toBeUndefined();
    const tooMany = await app.gql(
      'query($n: Int) { groups(first: $n) { nodes { memberships(first: 100) { nodes { member { memberships(first: 5) { nodes { id } } } } } } } }',
      { n: 100 },
      w.keys.readPersonal,
    );
    expect(tooMany.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  test('invalid operations over the socket: BAD_USER_INPUT, as over HTTP', async () => {
    const live: Live = connect(app.server.port, w.keys.read);
    for (const query of ['{ nope }', '{ viewer { ', 'subscription { sessionChanged { id } }']) {
      const stream = live.subscribe(query);
      await stream.ended();
      expect((stream.error as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(await refusal(live.subscribe(SESSION_CHANGED, { g: 'not-an-id' }))).toEqual(['BAD_USER_INPUT']);
  });
});

test('graceful shutdown closes sockets with open subscriptions (1001) and ends their streams and broker subscriptions', async () => {
  const other = await startLiveApp();
  const ow = await createWorld(other, 'Shutdown');
  await addMember(other, ow.net, ow.group.globalId, ow.outsider.globalId);
  const topic = { networkId: ow.net.id, name: 'sessionChanged' as const, key: ow.group.id };
  const live = connect(other.server.port, ow.outsider.token);
  const stream = await subscribed(other, live, SESSION_CHANGED, { g: ow.group.globalId }, topic);
  await subscribed(
    other,
    live,
    'subscription($g: ID!) { membershipChanged(groupId: $g) { id } }',
    { g: ow.group.globalId },
    { ...topic, name: 'membershipChanged' },
  );
  const channel = other.server.live.channel(ow.net.id, 'sessionChanged', ow.group.id);
  const redis = other.config.redisUrl ? new Redis(other.config.redisUrl) : undefined;
  try {
    if (redis) expect(await redis.pubsub('NUMSUB', channel)).toEqual([channel, 1]);
    await other.stop();
    expect((await live.closed).code).toBe(1001);
    await stream.ended();
    expect(other.server.live.activeStreams).toBe(0);
    if (redis) expect(await redis.pubsub('NUMSUB', channel)).toEqual([channel, 0]);
  } finally {
    redis?.disconnect();
  }
  await sleep(0);
});
