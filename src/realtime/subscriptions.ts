import type { ExecutionResult } from 'graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { Context } from '../graphql/context';
import { AppError } from '../graphql/errors';
import type { TopicName } from './topics';

/**
 * What the features' `@Subscription` fields share. Each subscription has ONE access check, run twice:
 *
 * 1. at subscribe time, under the operation's context (`liveStream`): a failure is the operation's error
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

/**
 * The `subscribe` of a `@Subscription`: runs `authorize` (which returns the topic's key value, e.g. the group's
 * database id, or null for network-wide topics) and opens a stream of the caller's own network's events.
 */
export function liveStream(
  name: TopicName,
  authorize: (ctx: Context, args: Record<string, unknown>) => Promise<string | null>,
): (data: SubscribeResolverData<unknown, Record<string, unknown>, Context>) => Promise<AsyncIterable<unknown>> {
  return async ({ args, context: ctx }) => {
    const key = await authorize(ctx, args);
    if (!ctx.deps.live) throw new Error('Live updates are not available in this process');
    return ctx.deps.live.subscribe(ctx.networkId, name, key);
  };
}

/**
 * A subscription field's resolver body: `resolve` checks access again and reads the object under the
 * subscriber's context. A denied check (NOT_FOUND, FORBIDDEN) or a missing object skips the event.
 */
export async function deliver<T>(resolve: () => Promise<T | null | undefined>): Promise<T> {
  let value: T | null | undefined;
  try {
    value = await resolve();
  } catch (err) {
    if (err instanceof AppError && (err.code === 'NOT_FOUND' || err.code === 'FORBIDDEN')) throw new SkipDelivery();
    throw err;
  }
  if (value == null) throw new SkipDelivery();
  return value;
}

/** A `@Subscription` bound to its ONE access check: `subscribe` for its options, `deliver` for its resolver body. */
export interface LiveSubscription<K extends string | null> {
  subscribe: ReturnType<typeof liveStream>;
  /** Runs the check again under the subscriber's context, then `read` (given the topic key) reads the object; as `deliver`. */
  deliver<T>(ctx: Context, argument: string, read: (key: K) => Promise<T | null | undefined>): Promise<T>;
}

/**
 * A subscription narrowed by one argument (e.g. `groupId`): `check` turns the argument into the topic key (the
 * object's database id), throwing NOT_FOUND or FORBIDDEN, and runs both at subscribe time and at every delivery.
 */
export function liveSubscription<K extends string | null>(
  name: TopicName,
  argument: string,
  check: (ctx: Context, argument: string) => Promise<K>,
): LiveSubscription<K> {
  return {
    subscribe: liveStream(name, (ctx, args) => check(ctx, String(args[argument]))),
    deliver: (ctx, value, read) => deliver(async () => read(await check(ctx, value))),
  };
}

/** True when the delivery's root field skipped the event. */
export const isSkipped = (result: ExecutionResult): boolean =>
  result.errors?.some((e) => e.path?.length === 1 && e.originalError instanceof SkipDelivery) ?? false;
