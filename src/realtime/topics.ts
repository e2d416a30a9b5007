/**
 * THE topic map of live updates: each topic's payload (IDs only, never data: every subscriber reads the
 * data itself, under its own credential) and the payload field that narrows the topic (the subscription's
 * argument). A payload names the network whose subscribers it is for; the broker channel is prefixed by it
 * (see `channelOf`), so a subscriber only ever hears its own network's events.
 */

interface TopicSpec<P extends { networkId: string }, K extends keyof P | null> {
  /** The payload field a subscriber narrows by (null: the whole network's events). */
  readonly key: K;
  /** Type only: the payload. */
  readonly payload?: P;
}

const topic =
  <P extends { networkId: string }>() =>
  <K extends Exclude<keyof P, 'networkId'> | null>(key: K): TopicSpec<P, K> => ({ key });

export const TOPICS = {
  /** A session was scheduled, changed, started, ended or cancelled. */
  sessionChanged: topic<{ networkId: string; groupId: string; sessionId: string }>()('groupId'),
  /** An attendance record was created or changed (check-in, marked attendance). */
  attendanceChanged: topic<{ networkId: string; sessionId: string; attendanceId: string }>()('sessionId'),
  /** Feedback was submitted. For anonymous feedback the id is that of the anonymous row: no member anywhere. */
  feedbackSubmitted: topic<{ networkId: string; sessionId: string; feedbackId: string }>()('sessionId'),
  /** A membership was created or changed (join, add, role or status change, leave). */
  membershipChanged: topic<{ networkId: string; groupId: string; membershipId: string }>()('groupId'),
  /** A joint event changed: published once per participating network (host included), each for its own subscribers. */
  jointEventChanged: topic<{ networkId: string; jointEventId: string }>()('jointEventId'),
  /** A partnership was requested, answered or revoked: published to both networks. */
  partnershipChanged: topic<{ networkId: string; partnershipId: string }>()(null),
  /** A resource was shared in a group. For an anonymous resource the id leads to no member. */
  resourcePosted: topic<{ networkId: string; groupId: string; resourceId: string }>()('groupId'),
} as const;

export type TopicName = keyof typeof TOPICS;
export type TopicPayload<T extends TopicName> = NonNullable<(typeof TOPICS)[T]['payload']>;

/** The broker channel of a topic for one network (and one key value, if the topic has a key). */
export function channelOf(prefix: string, networkId: string, name: TopicName, keyValue: string | null): string {
  return keyValue === null ? `${prefix}${networkId}:${name}` : `${prefix}${networkId}:${name}:${keyValue}`;
}

/** The channel a payload is published on. */
export function channelOfPayload<T extends TopicName>(prefix: string, name: T, payload: TopicPayload<T>): string {
  const key: string | null = TOPICS[name].key;
  return channelOf(prefix, payload.networkId, name, key === null ? null : String((payload as Record<string, unknown>)[key]));
}
