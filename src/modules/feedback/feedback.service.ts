import DataLoader from 'dataloader';
import { rowMapper } from '../../db/rows';
import { queryEntities, queryOne, queryRows } from '../../db/sql';
import { exactTimeKey, type NestedConnectionSpec } from '../../graphql/connection';
import { conflict, forbidden } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/global-id';
import { publishOnCommit } from '../../realtime/live';
import { ATTENDED_SQL } from '../attendance/attendance.service';
import { isSuppressed, minimumAggregateSize } from '../evaluation/privacy';
import { Session, SessionStatus } from '../sessions/session.entity';
import { emitWebhookEvent } from '../webhooks/webhook.emit';
import { WebhookEventType } from '../webhooks/webhook.types';
import { FeedbackSummary } from './feedback-summary';
import { Feedback } from './feedback.entity';
import type { Context } from '../../graphql/context';
import type { FeedbackInput } from './feedback.inputs';
import type { EntityManager } from 'typeorm';

/** Named and anonymous feedback as one relation `t` (anonymous rows have a null `member_id`). */
const ALL_FEEDBACK = `(
  SELECT id, network_id, session_id, member_id, rating, mood_after, comment, submitted_at FROM feedback
  UNION ALL
  SELECT id, network_id, session_id, NULL::uuid, rating, mood_after, comment, submitted_at FROM anonymous_feedback
) t`;

const FEEDBACK_COLUMNS = 'id, network_id, session_id, rating, mood_after, comment, submitted_at';

export const FEEDBACK_OPEN: readonly SessionStatus[] = [SessionStatus.LIVE, SessionStatus.COMPLETED];

/**
 * Stores a member's post-session check-in. Once per member per session, named or anonymous: the member's
 * attendance row is locked first, so two concurrent submissions (even one of each kind) are serialized,
 * and the second finds the first. Anonymous feedback is stored without any member column; its
 * `dedup_key` is an HMAC of (network, session, member) under a server secret, and its time is kept
 * only to the hour, so neither can be traced back to the author.
 */
export async function submitFeedback(ctx: Context, session: Session, memberId: string, input: FeedbackInput, now: Date): Promise<Feedback> {
  const { manager } = ctx;
  const pseudonyms = ctx.deps.pseudonyms;
  if (!FEEDBACK_OPEN.includes(session.status)) throw conflict(`Feedback opens when the session is LIVE; it is ${session.status}`);
  const dedupKey = pseudonyms.of('feedback', session.networkId, session.id, memberId);
  const locked = await queryRows<unknown>(
    manager,
    `SELECT 1 FROM attendance
     WHERE network_id = $1 AND session_id = $2 AND member_id = $3 AND status IN ${ATTENDED_SQL}
     FOR UPDATE`,
    [session.networkId, session.id, memberId],
  );
  if (locked.length === 0) throw forbidden('Only members who attended this session (PRESENT or LATE) can give feedback');
  // A separate statement after the lock: under READ COMMITTED it takes a fresh snapshot, so it sees what a
  // concurrent submission that held the lock before us committed (a subquery of the locking statement would not).
  const { taken } = await queryOne<{ taken: boolean }>(
    manager,
    `SELECT EXISTS (SELECT 1 FROM feedback WHERE network_id = $1 AND session_id = $2 AND member_id = $3)
         OR EXISTS (SELECT 1 FROM anonymous_feedback WHERE network_id = $1 AND dedup_key = $4) AS taken`,
    [session.networkId, session.id, memberId, dedupKey],
  );
  if (taken) throw conflict('You have already given feedback on this session');

  const comment = input.comment?.trim() ? input.comment : null;
  const values = [session.networkId, session.id, input.rating, input.moodAfter ?? null, comment];
  const row =
    input.anonymous === true
      ? await queryOne(
          manager,
          `INSERT INTO anonymous_feedback (network_id, session_id, rating, mood_after, comment, dedup_key, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, date_trunc('hour', $7::timestamptz))
         RETURNING ${FEEDBACK_COLUMNS}, NULL::uuid AS member_id`,
          [...values, dedupKey, now],
        )
      : await queryOne(
          manager,
          `INSERT INTO feedback (network_id, session_id, rating, mood_after, comment, member_id, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING ${FEEDBACK_COLUMNS}, member_id`,
          [...values, memberId, now],
        );
  const submitted = rowMapper(manager.connection, Feedback)(row);
  // IDs only: for anonymous feedback that is the anonymous row's id, which leads to no member.
  publishOnCommit(ctx, 'feedbackSubmitted', [{ networkId: submitted.networkId, sessionId: submitted.sessionId, feedbackId: submitted.id }]);
  // No content (rating, mood, comment) and no author: which session got feedback, nothing more.
  await emitWebhookEvent(
    ctx,
    WebhookEventType.FEEDBACK_SUBMITTED,
    { type: 'Feedback', id: submitted.id },
    {
      id: submitted.globalId,
      session: toGlobalId('Session', submitted.sessionId),
    },
  );
  return submitted;
}

/** Feedback (named or anonymous) by id, one statement per batch. */
export function loadFeedback(ctx: Context, ids: readonly string[]): Promise<Array<Feedback | null>> {
  return ctx.loaders
    .keyed('feedback-by-id', (manager, networkId) => {
      return new DataLoader<string, Feedback | null>(async (keys) => {
        const found = await queryEntities(manager, Feedback, `SELECT t.* FROM ${ALL_FEEDBACK} WHERE t.network_id = $1 AND t.id = ANY($2)`, [networkId, keys]);
        const byId = new Map(found.map((f) => [f.id, f]));
        return keys.map((id) => byId.get(id) ?? null);
      });
    })
    .loadMany(ids)
    .then((found) => found.map((f) => (f instanceof Feedback ? f : null)));
}

/** Rounds to 2 decimals in SQL (numeric, exact), read as a float. */
const round2 = (expr: string) => `round(${expr}, 2)::float8`;

/** Feedback summaries of many sessions in one statement, averages withheld below the network's k (privacy rule 3). */
export async function loadFeedbackSummary(ctx: Context, sessionId: string): Promise<FeedbackSummary> {
  const k = await minimumAggregateSize(ctx);
  return ctx.loaders
    .keyed(
      'session-feedback-summary',
      (manager, networkId) =>
        new DataLoader<string, FeedbackSummary>(async (ids) => {
          const rows = await queryRows<{ session_id: string; responses: number; average_rating: number | null; average_mood_change: number | null }>(
            manager,
            `WITH f AS (
             SELECT session_id, rating, mood_after FROM feedback WHERE network_id = $1 AND session_id = ANY($2)
             UNION ALL
             SELECT session_id, rating, mood_after FROM anonymous_feedback WHERE network_id = $1 AND session_id = ANY($2)
           ), fs AS (
             SELECT session_id, count(*)::int AS responses, avg(rating) AS avg_rating, avg(mood_after) AS avg_after
             FROM f GROUP BY session_id
           ), mb AS (
             SELECT session_id, avg(mood_before) AS avg_before FROM attendance
             WHERE network_id = $1 AND session_id = ANY($2) AND status IN ${ATTENDED_SQL} AND mood_before IS NOT NULL
             GROUP BY session_id
           )
           SELECT fs.session_id, fs.responses, ${round2('fs.avg_rating')} AS average_rating,
                  ${round2('fs.avg_after - mb.avg_before')} AS average_mood_change
           FROM fs LEFT JOIN mb ON mb.session_id = fs.session_id`,
            [networkId, ids],
          );
          const byId = new Map(rows.map((r) => [r.session_id, r]));
          return ids.map((id) => {
            const r = byId.get(id);
            const responses = r?.responses ?? 0;
            const suppressed = isSuppressed(responses, k);
            return Object.assign(new FeedbackSummary(), {
              responses,
              suppressed,
              averageRating: suppressed ? null : r!.average_rating,
              averageMoodChange: suppressed ? null : r!.average_mood_change,
            });
          });
        }),
    )
    .load(sessionId);
}

const specCache = new WeakMap<object, NestedConnectionSpec<Feedback>>();

/** `Session.feedback`: named and anonymous together, newest first; one statement for all sessions of a page. */
export function feedbackSpec(manager: EntityManager): NestedConnectionSpec<Feedback> {
  let spec = specCache.get(manager.connection);
  if (!spec) {
    const map = rowMapper(manager.connection, Feedback);
    const key = exactTimeKey('t.submitted_at', { newestFirst: true });
    spec = {
      tag: 'session-feedback',
      from: ALL_FEEDBACK,
      alias: 't',
      select: `t.*, ${key.select}`,
      parent: 't.session_id',
      sort: [key.sort, { sql: 't.id', value: (f) => f.id }],
      map: (row) => key.keep(map(row), row),
    };
    specCache.set(manager.connection, spec);
  }
  return spec;
}
