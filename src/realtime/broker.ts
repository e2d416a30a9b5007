import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../config/logger';

/** Receives a published message (already parsed; the same object for every listener of a channel: do not change it). */
export type Listener = (message: unknown) => void;

/**
 * Carries live-update events between publishers and subscribers: in-process by default, through Redis
 * when `REDIS_URL` is set (so events cross instances). Messages are JSON either way, so a subscriber never
 * holds the publisher's objects, and they arrive asynchronously, never inside the publisher's call.
 */
export interface Broker {
  publish(channel: string, message: object): void;
  /** Resolves once the subscription is in place (for Redis: acknowledged), with the function that ends it. */
  subscribe(channel: string, listener: Listener): Promise<() => void>;
  /** How many listeners of this process receive the channel. */
  listeners(channel: string): number;
  close(): Promise<void>;
}

/** Listeners by channel, the channel's own subscription made once for its first listener and ended after its last. */
class Channels {
  private readonly channels = new Map<string, { listeners: Set<Listener>; ready: Promise<unknown> }>();

  constructor(
    private readonly open: (channel: string) => Promise<unknown>,
    private readonly close: (channel: string) => void,
  ) {}

  async add(channel: string, listener: Listener): Promise<() => void> {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { listeners: new Set(), ready: this.open(channel) };
      this.channels.set(channel, entry);
    }
    const current = entry;
    current.listeners.add(listener);
    const remove = () => {
      if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
      if (this.channels.get(channel) === current) this.channels.delete(channel);
      this.close(channel);
    };
    try {
      await current.ready;
    } catch (err) {
      remove();
      throw err;
    }
    return remove;
  }

  dispatch(channel: string, message: unknown): void {
    const entry = this.channels.get(channel);
    if (entry) for (const listener of [...entry.listeners]) listener(message);
  }

  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  count(channel: string): number {
    return this.channels.get(channel)?.listeners.size ?? 0;
  }

  clear(): void {
    this.channels.clear();
  }
}

/** What both brokers share: their listeners by channel (`Channels`); each says how a channel is opened and closed. */
abstract class ChannelBroker implements Broker {
  protected abstract readonly channels: Channels;

  abstract publish(channel: string, message: object): void;
  abstract close(): Promise<void>;

  subscribe(channel: string, listener: Listener): Promise<() => void> {
    return this.channels.add(channel, listener);
  }

  listeners(channel: string): number {
    return this.channels.count(channel);
  }
}

/** One process: publishing hands the message to this process's subscribers on the next turn of the event loop. */
export class InProcessBroker extends ChannelBroker {
  protected readonly channels = new Channels(
    () => Promise.resolve(),
    () => undefined,
  );

  publish(channel: string, message: object): void {
    if (!this.channels.has(channel)) return;
    const text = JSON.stringify(message);
    setImmediate(() => this.channels.dispatch(channel, JSON.parse(text)));
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}

/** How long the start waits for Redis before giving up (the server does not start without its broker). */
const REDIS_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens `count` ioredis clients to `url` (connection errors go to `onError`, by default a warning each; ioredis
 * reconnects by itself); rejects when Redis cannot be reached within 10 seconds, so a server with REDIS_URL does
 * not start without it.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  count: number,
  options: RedisOptions = {},
  onError: (err: Error) => void = (err) => logger.warn('redis error', { error: err.message }),
): Promise<Redis[]> {
  const clients = Array.from({ length: count }, () => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, ...options }));
  for (const client of clients) client.on('error', onError);
  try {
    await Promise.all(
      clients.map((client) =>
        Promise.race([
          client.connect(),
          once(client, 'end').then(() => Promise.reject(new Error('connection ended'))),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), REDIS_CONNECT_TIMEOUT_MS).unref()),
        ]),
      ),
    );
  } catch (err) {
    for (const client of clients) client.disconnect();
    throw new Error(`Redis at REDIS_URL is not reachable: ${(err as Error).message}`, { cause: err });
  }
  return clients;
}

/**
 * Redis pub/sub (ioredis): one connection publishes, one subscribes to each channel that has listeners here
 * (SUBSCRIBE on the first, UNSUBSCRIBE after the last), so 1,000 subscribers of one session cost one
 * Redis subscription. ioredis reconnects and subscribes again by itself; events published while an instance
 * is cut off from Redis do not reach it (live updates are a convenience, queries stay the truth).
 */
export class RedisBroker extends ChannelBroker {
  protected readonly channels: Channels;

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    super();
    this.channels = new Channels(
      (channel) => this.subscriber.subscribe(channel),
      (channel) => void this.subscriber.unsubscribe(channel).catch((err: Error) => this.fail('unsubscribe', err)),
    );
    subscriber.on('message', (channel: string, text: string) => {
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      this.channels.dispatch(channel, message);
    });
  }

  /** Connects both clients; rejects when Redis cannot be reached within 10 seconds. */
  static async connect(url: string, logger: Logger): Promise<RedisBroker> {
    const [publisher, subscriber] = await connectRedis(url, logger, 2);
    return new RedisBroker(publisher, subscriber, logger);
  }

  publish(channel: string, message: object): void {
    this.publisher.publish(channel, JSON.stringify(message)).catch((err: Error) => this.fail('publish', err));
  }

  async close(): Promise<void> {
    this.channels.clear();
    await Promise.all([this.subscriber, this.publisher].map((client) => client.quit().catch(() => client.disconnect())));
  }

  private fail(what: string, err: Error): void {
    this.logger.error(`redis ${what} failed`, { error: err.message });
  }
}
