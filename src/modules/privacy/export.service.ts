import { queryMaybeOne, queryOne, queryRows } from '../../db/sql';
import { notFound } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/global-id';
import { listConsents } from '../consent/consent.service';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

/**
 * A member's data export: one JSON document, described by schema/member-export.schema.json (bump
 * EXPORT_VERSION with every change to it). Each section is one statement filtered by the member, so an
 * export costs the same in a network of ten members or ten thousand. Nothing of another member goes in:
 * rows written about the member by others (outreach, audit entries) leave out who wrote them, and
 * anonymous feedback stays out, since it cannot be linked to anyone and must stay so.
 */

export const EXPORT_FORMAT = 'peer-networks-member-export';
/** 2: `consents` added (issue 14, point 5). */
export const EXPORT_VERSION = 2;

/** Who asked for the export: the member themself gets their wellbeing check-ins; anyone else only their number. */
export type ExportAudience = 'SELF' | 'ADMIN';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Stamp = Date | null;

const iso = (d: Stamp): string | null => (d ? d.toISOString() : null);
const gid = (type: string, id: string | null): string | null => (id ? toGlobalId(type, id) : null);

interface ProfileRow {
  id: string;
  displayName: string;
  email: string | null;
  role: string;
  externalId: string | null;
  doNotContact: boolean;
  createdAt: Date;
  updatedAt: Date;
  networkId: string;
  networkSlug: string;
  networkName: string;
}

/** The export of member `memberId` of the caller's network; NOT_FOUND when the network has no such member. */
export async function exportMember(ctx: Context, memberId: string, audience: ExportAudience): Promise<Record<string, Json>> {
  const m = ctx.manager;
  const profile = await queryMaybeOne<ProfileRow>(
    m,
    `SELECT mb.id, mb.display_name AS "displayName", mb.email, mb.role, mb.external_id AS "externalId", mb.do_not_contact AS "doNotContact",
            mb.created_at AS "createdAt", mb.updated_at AS "updatedAt", n.id AS "networkId", n.slug AS "networkSlug", n.name AS "networkName"
       FROM members mb JOIN networks n ON n.id = mb.network_id
      WHERE mb.network_id = $1 AND mb.id = $2`,
    [ctx.networkId, memberId],
  );
  if (!profile) throw notFound('Member');
  const params = [ctx.networkId, memberId];
  // One statement per section, one after another: they share the request's transaction (one connection).
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    member: {
      id: toGlobalId('Member', profile.id),
      displayName: profile.displayName,
      email: profile.email,
      role: profile.role,
      externalId: profile.externalId,
      createdAt: iso(profile.createdAt),
      updatedAt: iso(profile.updatedAt),
      network: { id: toGlobalId('Network', profile.networkId), slug: profile.networkSlug, name: profile.networkName },
    },
    doNotContact: profile.doNotContact,
    memberships: await membershipsOf(m, params),
    rsvps: await rsvpsOf(m, params),
    attendance: await attendanceOf(m, params),
    feedback: await feedbackOf(m, params),
    gratitudeNotes: await gratitudeOf(m, params),
    outreach: await outreachAbout(m, params),
    jointEventRegistrations: await registrationsOf(m, params),
    auditEntries: await auditEntriesAbout(m, params, memberId),
    consents: (await listConsents(ctx, memberId)).map((c) => ({
      purpose: c.purpose,
      givenAt: iso(c.givenAt),
      withdrawnAt: c.withdrawnAt ? iso(c.withdrawnAt) : null,
    })),
    wellbeing: await wellbeingOf(m, params, audience),
  };
}

/** The session a row belongs to, as every section names it. */
const SESSION_COLUMNS = `s.id AS "sessionId", s.title AS "sessionTitle", s.starts_at AS "sessionStartsAt", g.id AS "groupId", g.name AS "groupName"`;
interface SessionColumns {
  sessionId: string;
  sessionTitle: string;
  sessionStartsAt: Date;
  groupId: string;
  groupName: string;
}
const session = (r: SessionColumns): Json => ({
  id: gid('Session', r.sessionId),
  title: r.sessionTitle,
  startsAt: iso(r.sessionStartsAt),
  group: { id: gid('Group', r.groupId), name: r.groupName },
});

async function membershipsOf(m: EntityManager, params: unknown[]): Promise<Json[]> {
  const rows = await queryRows<{
    id: string;
    groupId: string;
    groupName: string;
    role: string;
    status: string;
    joinedAt: Stamp;
    normsAcceptedAt: Stamp;
    leftAt: Stamp;
  }>(
    m,
    `SELECT ms.id, g.id AS "groupId", g.name AS "groupName", ms.role, ms.status, ms.joined_at AS "joinedAt",
            ms.norms_accepted_at AS "normsAcceptedAt", ms.left_at AS "leftAt"
       FROM memberships ms JOIN groups g ON g.id = ms.group_id
      WHERE ms.network_id = $1 AND ms.member_id = $2 ORDER BY ms.created_at, ms.id`,
    params,
  );
  return rows.map((r) => ({
    id: gid('Membership', r.id),
    group: { id: gid('Group', r.groupId), name: r.groupName },
    role: r.role,
    status: r.status,
    joinedAt: iso(r.joinedAt),
    normsAcceptedAt: iso(r.normsAcceptedAt),
    leftAt: iso(r.leftAt),
  }));
}

async function rsvpsOf(m: EntityManager, params: unknown[]): Promise<Json[]> {
  const rows = await queryRows<SessionColumns & { id: string; status: string; respondedAt: Stamp }>(
    m,
    `SELECT r.id, r.status, r.responded_at AS "respondedAt", ${SESSION_COLUMNS}
       FROM rsvps r JOIN sessions s ON s.id = r.session_id JOIN groups g ON g.id = s.group_id
      WHERE r.network_id = $1 AND r.member_id = $2 ORDER BY s.starts_at, r.id`,
    params,
  );
  return rows.map((r) => ({ id: gid('Rsvp', r.id), session: session(r), status: r.status, respondedAt: iso(r.respondedAt) }));
}

async function attendanceOf(m: EntityManager, params: unknown[]): Promise<Json[]> {
  const rows = await queryRows<SessionColumns & { id: string; status: string; checkedInAt: Stamp; firstSession: boolean; moodBefore: number | null }>(
    m,
    `SELECT a.id, a.status, a.checked_in_at AS "checkedInAt", a.first_session AS "firstSession", a.mood_before AS "moodBefore", ${SESSION_COLUMNS}
       FROM attendance a JOIN sessions s ON s.id = a.session_id JOIN groups g ON g.id = s.group_id
      WHERE a.network_id = $1 AND a.member_id = $2 ORDER BY s.starts_at, a.id`,
    params,
  );
  return rows.map((r) => ({
    id: gid('Attendance', r.id),
    session: session(r),
    status: r.status,
    checkedInAt: iso(r.checkedInAt),
    firstSession: r.firstSession,
    moodBefore: r.moodBefore,
  }));
}

/** Named feedback only: anonymous feedback has no author to find it by, by design. */
async function feedbackOf(m: EntityManager, params: unknown[]): Promise<Json[]> {
  const rows = await queryRows<SessionColumns & { id: string; rating: number; moodAfter: number | null; comment: string | null; submittedAt: Date }>(
    m,
    `SELECT f.id, f.rating, f.mood_after AS "moodAfter", f.comment, f.submitted_at AS "submittedAt", ${SESSION_COLUMNS}
       FROM feedback f JOIN sessions s ON s.id = f.session_id JOIN groups g ON g.id = s.group_id
      WHERE f.network_id = $1 AND f.member_id = $2 ORDER BY f.submitted_at, f.id`,
    params,
  );
  return rows.map((r) => ({
    id: gid('Feedback', r.id),
    session: session(r),
    rating: r.rating,
    moodAfter: r.moodAfter,
    comment: r.comment,
    submittedAt: iso(r.submittedAt),
  }));
}

/** Notes the member wrote under their name (gratitude notes written anonymously carry no author). */
async function gratitudeOf(m: EntityManager, params: unknown[]): Promise<Json[]> {
  const rows = await queryRows<SessionColumns & { id: string; text: string; createdAt: Date }>(
    m,
    `SELECT n.id, n.text, n.created_at AS "createdAt", ${SESSION_COLUMNS}
       FROM gratitude_notes n JOIN sessions s ON s.id = n.session_id JOIN groups g ON g.id = s.group_id
      WHERE n.network_id = $1 AND n.author_member_id = $2 ORDER BY n.created_at, n.id`,
    params,
  );
  return rows.map((r) => ({ id: gid('GratitudeNote', r.id), session: session(r), text: r.text, createdAt: iso(r.createdAt) }));
}

/** Outreach to the member (through their memberships); who reached out is another member, so it is left out. */
async function outreachAbout(m: EntityManager, params: unknown[]): Promise<Json[]> {
  const rows = await queryRows<{ id: string; groupId: string; groupName: string; channel: string; note: string | null; outcome: string | null; at: Date }>(
    m,
    `SELECT o.id, g.id AS "groupId", g.name AS "groupName", o.channel, o.note, o.outcome, o.at
       FROM outreach o JOIN memberships ms ON ms.id = o.membership_id JOIN groups g ON g.id = ms.group_id
      WHERE o.network_id = $1 AND ms.member_id = $2 ORDER BY o.at, o.id`,
    params,
  );
  return rows.map((r) => ({
    id: gid('Outreach', r.id),
    group: { id: gid('Group', r.groupId), name: r.groupName },
    channel: r.channel,
    note: r.note,
    outcome: r.outcome,
    at: iso(r.at),
  }));
}

/** Registrations for joint events, with the consent to share the member's identity with the other networks. */
async function registrationsOf(m: EntityManager, params: unknown[]): Promise<Json[]> {
  const rows = await queryRows<{
    id: string;
    eventId: string;
    eventTitle: string | null;
    eventStartsAt: Stamp;
    shareIdentity: boolean;
    registeredAt: Date;
    cancelledAt: Stamp;
  }>(
    m,
    `SELECT r.id, r.joint_event_id AS "eventId", e.title AS "eventTitle", e.starts_at AS "eventStartsAt", r.share_identity AS "shareIdentity",
            r.registered_at AS "registeredAt", r.cancelled_at AS "cancelledAt"
       FROM joint_event_registrations r LEFT JOIN joint_events e ON e.id = r.joint_event_id
      WHERE r.network_id = $1 AND r.member_id = $2 ORDER BY r.registered_at, r.id`,
    params,
  );
  return rows.map((r) => ({
    id: gid('JointEventRegistration', r.id),
    jointEvent: { id: gid('JointEvent', r.eventId), title: r.eventTitle, startsAt: iso(r.eventStartsAt) },
    shareIdentity: r.shareIdentity,
    registeredAt: iso(r.registeredAt),
    cancelledAt: iso(r.cancelledAt),
  }));
}

/**
 * The audit log's entries about the member (the member is their target). The actor is named only when it is
 * the member themself or an API key: another member who acted is "member", without their ID.
 */
async function auditEntriesAbout(m: EntityManager, params: unknown[], memberId: string): Promise<Json[]> {
  const rows = await queryRows<{ id: string; actor: string; action: string; details: Json; at: Date }>(
    m,
    `SELECT a.id, a.actor, a.action, a.details, a.at FROM audit_log a
      WHERE a.network_id = $1 AND a.target_type = 'Member' AND a.target_id = $2 ORDER BY a.at, a.id`,
    params,
  );
  const self = `member:${toGlobalId('Member', memberId)}`;
  return rows.map((r) => ({
    id: gid('AuditEntry', r.id),
    actor: r.actor === self ? 'self' : r.actor.startsWith('api_key:') ? r.actor : 'member',
    action: r.action,
    details: r.details ?? null,
    at: iso(r.at),
  }));
}

/** How many wellbeing check-ins the member recorded; their values only for the member themself. */
async function wellbeingOf(m: EntityManager, params: unknown[], audience: ExportAudience): Promise<Json> {
  if (audience !== 'SELF') {
    const { count } = await queryOne<{ count: number }>(
      m,
      `SELECT count(*)::int AS count FROM wellbeing_checkins WHERE network_id = $1 AND member_id = $2`,
      params,
    );
    return { count };
  }
  const rows = await queryRows<{ id: string; sessionId: string | null; wellbeing: number; confidence: number; recordedAt: Date }>(
    m,
    `SELECT c.id, c.session_id AS "sessionId", c.wellbeing, c.confidence, c.recorded_at AS "recordedAt"
       FROM wellbeing_checkins c WHERE c.network_id = $1 AND c.member_id = $2 ORDER BY c.recorded_at, c.id`,
    params,
  );
  return {
    count: rows.length,
    checkIns: rows.map((r) => ({
      id: gid('WellbeingCheckIn', r.id),
      sessionId: gid('Session', r.sessionId),
      wellbeing: r.wellbeing,
      confidence: r.confidence,
      recordedAt: iso(r.recordedAt),
    })),
  };
}
