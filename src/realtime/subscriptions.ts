import { AppError } from '../graphql/errors';
import type { Context } from '../graphql/context';
import type { TOPICS, TopicName } from './topics';
import type { ExecutionResult } from 'graphql';
import type { SubscribeResolverData } from 'type-graphql';

/**
 * What the features' `@Subscription` fields share. Each subscription has ONE access check, run twice:
 *
 * 1. at subscribe time, under the operation's context (`subscribe`): a failure is the operation's error
 *    (NOT_FOUND for another network's object, FORBIDDEN for a missing role or scope) and no stream opens;
 * 2. at every delivery, under the subscriber's own fresh context (`deliver`): the same check and the object's
 *    visibility; a failure skips the event silently (a member who left, a network no longer taking part).
 *
 * An event carries IDs only: the field resolver reads the object under the subscriber's credential, with
 * fresh loaders, never anything the publisher had.
 */

/** Thrown by a subscription's resolver: this event is not for this subscriber. The delivery is dropped. */
export class SkipDelivery extends Error {
  constructor() {
    super('skipped');
    this.name = 'SkipDelivery';
  }
}

/** Topics narrowed by no argument: a subscriber takes its whole network's events (e.g. partnershipChanged). */
type NetworkTopic = { [T in TopicName]: (typeof TOPICS)[T]['key'] extends null ? T : never }[TopicName];

/** A `@Subscription` bound to its ONE access check: `subscribe` for its options, `deliver` for its resolver body. */
export interface LiveSubscription<K extends string | null, A extends string | null> {
  /** The `subscribe` of the `@Subscription`: runs the check and opens a stream of the caller's own network's events. */
  subscribe: (data: SubscribeResolverData<unknown, Record<string, unknown>, Context>) => Promise<AsyncIterable<unknown>>;
  /**
   * The resolver body: runs the check again under the subscriber's context (given the argument's value, null for a
   * network-wide topic), then `read` (given the topic key) reads the object. A denied check (NOT_FOUND, FORBIDDEN)
   * or a missing object (`read` returns null) skips the event.
   */
  deliver<T>(ctx: Context, argument: A, read: (key: K) => Promise<T | null | undefined>): Promise<T>;
}

/**
 * THE declaration of a live subscription. Narrowed by one argument (e.g. `groupId`): `check` turns the argument
 * into the topic key (the object's database id), throwing NOT_FOUND or FORBIDDEN. Network-wide (argument null):
 * `check` returns null or throws. Either way it runs at subscribe time and at every delivery.
 */
export function liveSubscription<K extends string>(
  name: TopicName,
  argument: string,
  check: (ctx: Context, argument: string) => Promise<K>,
): LiveSubscription<K, string>;
export function liveSubscription(name: NetworkTopic, argument: null, check: (ctx: Context) => Promise<null>): LiveSubscription<null, null>;
export function liveSubscription(
  name: TopicName,
  argument: string | null,
  check: (ctx: Context, argument: string) => Promise<string | null>,
): LiveSubscription<string | null, string | null> {
  return {
    subscribe: async ({ args, context: ctx }) => {
      // A network-wide check takes no argument: the empty string stands for none.
      const key = await check(ctx, argument === null ? '' : String(args[argument]));
      if (!ctx.deps.live) throw new Error('Live updates are not available in this process');
      return ctx.deps.live.subscribe(ctx.networkId, name, key);
    },
    deliver: async (ctx, value, read) => {
      let found;
      try {
        found = await read(await check(ctx, value ?? ''));
      } catch (err) {
        if (err instanceof AppError && (err.code === 'NOT_FOUND' || err.code === 'FORBIDDEN')) throw new SkipDelivery();
        throw err;
      }
      if (found == null) throw new SkipDelivery();
      return found;
    },
  };
}

/** True when the delivery's root field skipped the event. */
export const isSkipped = (result: ExecutionResult): boolean =>
  result.errors?.some((e) => e.path?.length === 1 && e.originalError instanceof SkipDelivery) ?? false;
