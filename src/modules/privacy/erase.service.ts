import { execute, queryMaybeOne, queryOne, queryRows } from '../../db/sql';
import { conflict, invalidArgument, notFound } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/global-id';
import { audit } from '../audit/audit.service';
import { deleteNamedResourcesOf } from '../resources/resource.service';
import { fillFreePlaces } from '../rsvps/rsvp.service';
import { emitWebhookEvent } from '../webhooks/webhook.emit';
import { WebhookEventType } from '../webhooks/webhook.types';
import type { Context } from '../../graphql/context';

/** What an erased member's row shows instead of their name. */
export const ERASED_DISPLAY_NAME = 'Erased member';

const MAX_REASON_LENGTH = 500;

export interface Erasure {
  memberId: string;
  erasedAt: Date;
  alreadyErased: boolean;
}

/**
 * Erases a member's personal data and keeps what aggregates count (README "Your members' data" → Erasure).
 *
 * Participation rows (memberships, attendance with moods, feedback ratings and moods, wellbeing numbers, joint-event
 * registrations) move to a new tombstone row with a fresh random ID (no name, email or external id, `erased_at`
 * set), so every count, rate, rating and trend is computed from the same rows before and after, while the person's
 * own ID leads nowhere. Their row goes, with their consents; free text they wrote or that was written about them,
 * their RSVPs and their identity consents go. One transaction; a second call changes nothing.
 */
export async function eraseMember(ctx: Context, memberId: string, reason: string): Promise<Erasure> {
  const { manager, networkId } = ctx;
  const why = reason.trim();
  if (why.length === 0 || why.length > MAX_REASON_LENGTH) throw invalidArgument('reason', `must be 1 to ${MAX_REASON_LENGTH} characters`);

  // Serialises erasures (and their last-ADMIN checks) of one network's admins, in id order (no deadlock between
  // two erasures); then locks the member's row.
  const admins = await queryRows<{ id: string }>(manager, `SELECT id FROM members WHERE network_id = $1 AND role = 'ADMIN' ORDER BY id FOR UPDATE`, [
    networkId,
  ]);
  const member = await queryMaybeOne<{ id: string; display_name: string; email: string | null; role: string; erased_at: Date | null }>(
    manager,
    `SELECT id, display_name, email, role, erased_at FROM members WHERE network_id = $1 AND id = $2 FOR UPDATE`,
    [networkId, memberId],
  );
  if (!member) throw notFound('Member');
  if (member.erased_at) return { memberId, erasedAt: member.erased_at, alreadyErased: true };
  if (member.role === 'ADMIN' && admins.every((a) => a.id === memberId)) {
    throw conflict('This is the last ADMIN of the network; make another member ADMIN first');
  }

  await releaseRsvps(ctx, memberId);
  // Free text: comments go, ratings and moods stay; notes written under the name go (anonymous ones were never linked).
  await execute(manager, `UPDATE feedback SET comment = NULL WHERE network_id = $1 AND member_id = $2 AND comment IS NOT NULL`, [networkId, memberId]);
  await execute(manager, `DELETE FROM gratitude_notes WHERE network_id = $1 AND author_member_id = $2`, [networkId, memberId]);
  // Resources shared under the name go, with others' marks and reports of them; anonymous ones were never linked and
  // stay. The member's own helpful marks and reports go with their row below (ON DELETE CASCADE).
  await deleteNamedResourcesOf(ctx, memberId);
  // Outreach about the member keeps its date and channel (driftingMembers' "last reached out"), not what was said.
  await execute(
    manager,
    `UPDATE outreach o SET note = NULL, outcome = NULL FROM memberships ms
     WHERE o.network_id = $1 AND ms.network_id = $1 AND ms.id = o.membership_id AND ms.member_id = $2`,
    [networkId, memberId],
  );
  // Outreach they did and keys they created belong to others; only the link to the erased person goes.
  await execute(manager, `UPDATE outreach SET by_member_id = NULL WHERE network_id = $1 AND by_member_id = $2`, [networkId, memberId]);
  await execute(manager, `UPDATE api_keys SET created_by_member_id = NULL WHERE network_id = $1 AND created_by_member_id = $2`, [networkId, memberId]);
  // Registrations stay counted; the consent to show the name to partner networks goes with the name.
  await execute(manager, `UPDATE joint_event_registrations SET share_identity = false WHERE network_id = $1 AND member_id = $2 AND share_identity`, [
    networkId,
    memberId,
  ]);
  // Stored responses for retries: the member's own, and any other that holds their name or email as a value.
  await execute(
    manager,
    `DELETE FROM idempotency_keys WHERE network_id = $1
       AND (credential = 'M:' || $2 OR position($3 IN response::text) > 0 OR ($4::text IS NOT NULL AND position($4 IN response::text) > 0))`,
    [networkId, memberId, JSON.stringify(member.display_name), member.email == null ? null : JSON.stringify(member.email)],
  );
  // What aggregates count moves to a tombstone with a fresh random ID; the member's row goes (its consents with it),
  // so the old ID leads nowhere. Only a keyed hash of it stays, for a repeated erasure to answer alreadyErased.
  const { id: tombstone, erased_at: erasedAt } = await queryOne<{ id: string; erased_at: Date }>(
    manager,
    `INSERT INTO members (network_id, display_name, email, external_id, do_not_contact, role, erased_at, created_at)
     SELECT network_id, $3, NULL, NULL, true, 'MEMBER', now(), created_at FROM members WHERE network_id = $1 AND id = $2
     RETURNING id, erased_at`,
    [networkId, memberId, ERASED_DISPLAY_NAME],
  );
  for (const table of DETACHED_TABLES) {
    await execute(manager, `UPDATE ${table} SET member_id = $3 WHERE network_id = $1 AND member_id = $2`, [networkId, memberId, tombstone]);
  }
  await execute(manager, `DELETE FROM members WHERE network_id = $1 AND id = $2`, [networkId, memberId]);
  await execute(manager, `INSERT INTO erasures (network_id, subject_hash, erased_at) VALUES ($1, $2, $3)`, [networkId, erasureKey(ctx, memberId), erasedAt]);
  // Who, when (the entry's time), why; the person only by the old ID, which now names nothing. The reason is the
  // requester's text: a name or email of the member in it is blanked. Nothing anywhere links the old ID to the tombstone.
  await audit(ctx, { action: 'member.erased', targetType: 'Member', targetId: memberId, details: { reason: blank(why, member.display_name, member.email) } });
  // Integrators that keep copies are told to forget the person too (the old ID only; never the reason).
  await emitWebhookEvent(ctx, WebhookEventType.MEMBER_ERASED, { type: 'Member', id: memberId }, { id: toGlobalId('Member', memberId) });
  return { memberId, erasedAt, alreadyErased: false };
}

/** The rows that stay, counted by aggregates, moved from the person to their tombstone. */
const DETACHED_TABLES = ['memberships', 'attendance', 'feedback', 'wellbeing_checkins', 'joint_event_registrations'] as const;

/** The keyed hash an erased member's ID is remembered by (no link to the tombstone, no way back without TOKEN_SECRET). */
function erasureKey(ctx: Context, memberId: string): Buffer {
  return ctx.deps.pseudonyms.of('erasure', ctx.networkId, memberId);
}

/** When member `memberId` (an ID no member has any more) was erased, if it was. */
export async function erasedAt(ctx: Context, memberId: string): Promise<Date | undefined> {
  const row = await queryMaybeOne<{ erased_at: Date }>(ctx.manager, `SELECT erased_at FROM erasures WHERE network_id = $1 AND subject_hash = $2`, [
    ctx.networkId,
    erasureKey(ctx, memberId),
  ]);
  return row?.erased_at;
}

/**
 * Deletes the member's RSVPs. Places they held in sessions still open go to the waitlist, as when a member
 * answers NOT_GOING (session rows locked first, in id order, as `respond` does).
 */
async function releaseRsvps(ctx: Context, memberId: string): Promise<void> {
  const { manager, networkId } = ctx;
  const open = await queryRows<{ id: string }>(
    manager,
    `SELECT s.id FROM sessions s JOIN rsvps r ON r.network_id = s.network_id AND r.session_id = s.id
     WHERE s.network_id = $1 AND r.member_id = $2 AND r.status = 'GOING' AND s.status IN ('SCHEDULED', 'LIVE')
     ORDER BY s.id FOR UPDATE OF s`,
    [networkId, memberId],
  );
  await execute(manager, `DELETE FROM rsvps WHERE network_id = $1 AND member_id = $2`, [networkId, memberId]);
  for (const { id } of open) await fillFreePlaces(ctx, id);
}

/** `text` with every occurrence of the given words (case-insensitive) replaced by `[erased]`. */
function blank(text: string, ...words: Array<string | null>): string {
  let out = text;
  for (const w of words) if (w) out = out.split(new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi')).join('[erased]');
  return out;
}
