import { randomBytes } from 'node:crypto';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app';
import type { TopicName } from '../../src/realtime/topics';

/**
 * Helpers for the live-update tests: a real graphql-ws client, raw sockets for protocol faults, and waits.
 * Arrivals are awaited with generous timeouts; "receives nothing" is checked after a short settle, mostly
 * behind a control subscriber that did receive the same event.
 */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A channel prefix of its own, so test runs (and test files) sharing one Redis never hear each other. */
export const uniquePrefix = () => `test-${randomBytes(6).toString('hex')}:`;

/** The app for live tests: Redis when REDIS_URL is set (as CI does), else in-process pub/sub. */
export function startLiveApp(env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ REDIS_PREFIX: uniquePrefix(), ...env });
}

/** Waits until `check` holds (polling), failing after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(15);
  }
}

/** How long "nothing arrives" is given to prove itself, after a control subscriber already got the event. */
export const SETTLE_MS = 400;

type Result<T> = ExecutionResult<T, Record<string, unknown>>;

/** One subscription's results as they arrive. */
export class Stream<T = Record<string, any>> {
  readonly results: Array<Result<T>> = [];
  private taken = 0;
  private notify: (() => void) | undefined;
  completed = false;
  error: unknown;
  dispose: () => void = () => undefined;

  push(result: Result<T>): void {
    this.results.push(result);
    this.wake();
  }

  end(error?: unknown): void {
    this.completed = true;
    this.error = error;
    this.wake();
  }

  /** The next result not yet taken. */
  async next(timeoutMs = 15_000): Promise<Result<T>> {
    await eventually(() => this.results.length > this.taken || this.completed, 'a subscription result', timeoutMs);
    if (this.results.length <= this.taken) throw new Error(`the subscription ended without a result (${JSON.stringify(this.error)})`);
    return this.results[this.taken++];
  }

  /** The next result's data, which must have no errors. */
  async data(timeoutMs?: number): Promise<T> {
    const result = await this.next(timeoutMs);
    expect(result.errors).toBeUndefined();
    return result.data as T;
  }

  /** Nothing more arrives within the settle time. */
  async nothing(ms = SETTLE_MS): Promise<void> {
    await sleep(ms);
    expect(this.results.slice(this.taken)).toEqual([]);
  }

  /** Resolves when the server completes (or errors) the subscription. */
  ended(timeoutMs = 15_000): Promise<void> {
    return eventually(() => this.completed, 'the subscription to end', timeoutMs);
  }

  private wake(): void {
    this.notify?.();
  }
}

export interface Live {
  client: Client;
  /** Resolves on connection_ack. */
  opened: Promise<void>;
  /** Resolves with the close code (and reason) when the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  subscribe<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Stream<T>;
}

const clients: Client[] = [];

/** A graphql-ws client with this credential (`Bearer …`), connected at once, never retrying. */
export function connect(port: number, credential?: string): Live {
  let onClosed: (c: { code: number; reason: string }) => void = () => undefined;
  let onOpen: () => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const opened = new Promise<void>((resolve) => (onOpen = resolve));
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: credential ? { authorization: `Bearer ${credential}` } : {},
    on: {
      connected: () => onOpen(),
      closed: (event) => {
        const e = event as { code: number; reason: string | Buffer };
        onClosed({ code: e.code, reason: String(e.reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  clients.push(client);
  return {
    client,
    opened,
    closed,
    subscribe<T>(query: string, variables?: Record<string, unknown>) {
      const stream = new Stream<T>();
      stream.dispose = client.subscribe<T>(
        { query, variables },
        { next: (r) => stream.push(r as Result<T>), error: (e) => stream.end(e ?? 'error'), complete: () => stream.end() },
      );
      return stream;
    },
  };
}

/** Disposes every client made by `connect` (afterEach / afterAll). */
export async function disconnectAll(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
}

/**
 * Subscribes and waits until the server has the stream in place (its broker listener counts `topic`'s
 * subscribers for `networkId` and `key`), so that what the test does next is seen.
 */
export async function subscribed<T = Record<string, any>>(
  app: TestApp,
  live: Live,
  query: string,
  variables: Record<string, unknown>,
  topic: { networkId: string; name: TopicName; key: string | null },
): Promise<Stream<T>> {
  const before = app.server.live.subscribers(topic.networkId, topic.name, topic.key);
  const stream = live.subscribe<T>(query, variables);
  await eventually(
    () => app.server.live.subscribers(topic.networkId, topic.name, topic.key) > before || stream.completed || stream.results.length > 0,
    `the ${topic.name} subscription to be in place`,
  );
  if (stream.results.length > 0 || stream.completed) throw new Error(`the subscription was refused: ${JSON.stringify(stream.results[0] ?? stream.error)}`);
  return stream;
}

/** The error codes of a refused subscription (its only result), after which it ends. */
export async function refusal(stream: Stream): Promise<string[]> {
  const result = await stream.next();
  await stream.ended();
  expect(result.data ?? null).toBeNull();
  return (result.errors ?? []).map((e) => String((e.extensions as { code?: string } | undefined)?.code));
}

/** A bare WebSocket speaking (or not) the graphql-transport-ws protocol, for protocol faults. */
export function rawSocket(port: number, protocol: string | null = 'graphql-transport-ws') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, protocol ? [protocol] : []);
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  ws.on('error', () => undefined);
  const opened = new Promise<void>((resolve) => ws.once('open', () => resolve()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const send = (message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  return { ws, messages, opened, closed, send };
}
