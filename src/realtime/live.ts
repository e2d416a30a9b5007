import { InProcessBroker, RedisBroker, type Broker } from './broker';
import { EventStream } from './stream';
import { channelOf, channelOfPayload, type TopicName, type TopicPayload } from './topics';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { Context } from '../graphql/context';

declare module '../graphql/context' {
  interface ContextDeps {
    /** The live-update pub/sub. Absent outside the server (scripts, hand-built contexts): events go nowhere. */
    live?: LiveEvents;
  }
}

/**
 * The one pub/sub of live updates: typed topics (./topics.ts) over a broker, in-process or Redis. Features
 * publish through `publishOnCommit` (never directly: an event must not escape a transaction that rolls back);
 * subscriptions open streams of their caller's own network.
 */
export class LiveEvents {
  private streams = 0;

  constructor(
    private readonly broker: Broker,
    private readonly prefix: string,
    private readonly maxQueuedEvents: number,
    private readonly logger: Logger,
  ) {}

  publish<T extends TopicName>(name: T, payload: TopicPayload<T>): void {
    try {
      this.broker.publish(channelOfPayload(this.prefix, name, payload), payload);
    } catch (err) {
      this.logger.error('live update not published', { topic: name, error: (err as Error).message });
    }
  }

  /** A stream of one topic's events for one network (and key value); resolves once it receives them. */
  async subscribe<T extends TopicName>(networkId: string, name: T, keyValue: string | null): Promise<EventStream<TopicPayload<T>>> {
    let unsubscribe: (() => void) | undefined;
    const stream = new EventStream<TopicPayload<T>>(this.maxQueuedEvents, () => {
      unsubscribe?.();
      this.streams -= 1;
    });
    unsubscribe = await this.broker.subscribe(channelOf(this.prefix, networkId, name, keyValue), (message) => stream.push(message as TopicPayload<T>));
    this.streams += 1;
    return stream;
  }

  /** Open subscription streams in this process. */
  get activeStreams(): number {
    return this.streams;
  }

  /** Streams of this process receiving one topic of one network (and key value): tests wait for theirs before publishing. */
  subscribers(networkId: string, name: TopicName, keyValue: string | null): number {
    return this.broker.listeners(channelOf(this.prefix, networkId, name, keyValue));
  }

  /** The broker channel of a topic (for tests that watch Redis itself). */
  channel(networkId: string, name: TopicName, keyValue: string | null): string {
    return channelOf(this.prefix, networkId, name, keyValue);
  }

  close(): Promise<void> {
    return this.broker.close();
  }
}

/** The pub/sub for this configuration: Redis when `REDIS_URL` is set, else in-process. */
export async function openLiveEvents(config: Config, logger: Logger): Promise<LiveEvents> {
  const broker = config.redisUrl ? await RedisBroker.connect(config.redisUrl, logger) : new InProcessBroker();
  return new LiveEvents(broker, config.redisPrefix, config.wsMaxQueuedEvents, logger);
}

/**
 * Queues events on the request's transaction: they are published once it commits, and never when it rolls
 * back (nor when the savepoint of a failing mutation field does). Payloads carry IDs only.
 */
export function publishOnCommit<T extends TopicName>(ctx: Pick<Context, 'tx' | 'deps'>, name: T, payloads: ReadonlyArray<TopicPayload<T>>): void {
  const live = ctx.deps.live;
  if (!live || payloads.length === 0) return;
  ctx.tx.afterCommit(() => {
    for (const payload of payloads) live.publish(name, payload);
  });
}
