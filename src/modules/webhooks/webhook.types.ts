import { registerEnumType } from 'type-graphql';

/**
 * The event types an endpoint can subscribe to. The GraphQL enum's names (SESSION_CANCELLED) stand for the wire
 * names receivers see in the payload's `type` and that are stored (session.cancelled).
 */
export enum WebhookEventType {
  SESSION_SCHEDULED = 'session.scheduled',
  SESSION_UPDATED = 'session.updated',
  SESSION_CANCELLED = 'session.cancelled',
  MEMBERSHIP_CREATED = 'membership.created',
  MEMBERSHIP_UPDATED = 'membership.updated',
  MEMBERSHIP_ENDED = 'membership.ended',
  ATTENDANCE_RECORDED = 'attendance.recorded',
  FEEDBACK_SUBMITTED = 'feedback.submitted',
  JOINT_EVENT_UPDATED = 'joint_event.updated',
  PARTNERSHIP_REVOKED = 'partnership.revoked',
  MEMBER_ERASED = 'member.erased',
  WEBHOOK_TEST = 'webhook.test',
}

registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  description: 'What a webhook event is about; the payload\'s `type` is the dotted name (e.g. SESSION_CANCELLED is "session.cancelled").',
  valuesConfig: {
    SESSION_SCHEDULED: { description: 'session.scheduled: a session was scheduled (one event per session of a series).' },
    SESSION_UPDATED: { description: 'session.updated: a session changed (time, place, capacity, agenda) or started or ended.' },
    SESSION_CANCELLED: { description: 'session.cancelled: a session was cancelled.' },
    MEMBERSHIP_CREATED: { description: 'membership.created: a member joined or was added to a group (also on returning).' },
    MEMBERSHIP_UPDATED: { description: 'membership.updated: a membership changed role or status (paused, active again).' },
    MEMBERSHIP_ENDED: { description: 'membership.ended: a member left a group.' },
    ATTENDANCE_RECORDED: { description: 'attendance.recorded: an attendance record was created or changed (check-in, marked).' },
    FEEDBACK_SUBMITTED: { description: 'feedback.submitted: feedback on a session was submitted (never its content or author).' },
    JOINT_EVENT_UPDATED: { description: 'joint_event.updated: a joint event the network takes part in changed (to every party).' },
    PARTNERSHIP_REVOKED: { description: 'partnership.revoked: a partnership was revoked (to both networks).' },
    MEMBER_ERASED: {
      description:
        'member.erased: a member was erased; `data.id` is the ID that now names nothing. Delete what your systems keep about that person (GDPR Art. 17(2): tell those you shared the data with).',
    },
    WEBHOOK_TEST: { description: 'webhook.test: sent by `sendTestWebhook` only, to the one endpoint.' },
  },
});

/** The event types a network's changes emit (subscribable); `webhook.test` only goes out through sendTestWebhook. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly WebhookEventType[] = Object.values(WebhookEventType).filter((t) => t !== WebhookEventType.WEBHOOK_TEST);

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: due now, being sent, or waiting for its next retry (`nextAttemptAt`).' },
    SUCCEEDED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Given up: retries ran out (about 3 days), the endpoint answered 410 Gone, or it was disabled.' },
  },
});

/**
 * Every field name a webhook payload may carry, at any depth: the envelope (`type`, `timestamp`, `data`) and
 * the data's global IDs and non-personal fields. No names, emails, comments, notes, moods, ratings or wellbeing
 * values: receivers re-read through the API with their own key and scopes. `emitWebhookEvent` refuses any other
 * name, and test/webhooks asserts every delivered payload against this list.
 */
export const PAYLOAD_FIELDS = ['type', 'timestamp', 'data', 'id', 'sequence', 'group', 'session', 'status', 'role', 'startsAt', 'endsAt'] as const;

export type PayloadField = (typeof PAYLOAD_FIELDS)[number];

/** The `data` of an event (before its sequence number is added): global IDs and non-personal values only. */
export type WebhookData = Partial<Record<Exclude<PayloadField, 'type' | 'timestamp' | 'data' | 'sequence'>, string | null>> & { id: string };
