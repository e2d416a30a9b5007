import { queryMaybeOne, queryOne, queryRows } from '../../db/sql';
import { notFound } from '../../graphql/errors';
import { idArgument, toGlobalId } from '../../graphql/global-id';
import { recordSensitiveRead } from '../audit/read-audit';
import { authorize } from '../auth/access';
import { exportMembersData, exportOwnData } from '../auth/rules';
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
/**
 * 2: `consents` added (issue 14, point 5). 3: `auditEntries` also lists reads of the member's data
 * (`personal_data.read`); `consents` oldest first, like every list (the download streams them in that order).
 * 4: `calendarFeeds` added (issue 15). 5: `resources` added (issue 16).
 */
export const EXPORT_VERSION = 5;

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

/** Rows per statement of a list section: an export holds at most this many rows of it in memory at a time. */
export const EXPORT_CHUNK_ROWS = 500;

/**
 * One part of the document: a value, a list read in chunks (keyset pages of EXPORT_CHUNK_ROWS), or an object of
 * parts. The same parts make the GraphQL document (collected) and the download (streamed, src/http/export-route.ts).
 */
export type ExportPart = { value: Json } | { chunks: () => AsyncIterable<Json[]> } | { fields: Array<[string, ExportPart]> };

/**
 * The parts of member `memberId`'s export, in document order; NOT_FOUND when the caller's network has no such member.
 * Only the profile is read now; each list is read when its turn comes.
 */
export async function exportParts(ctx: Context, memberId: string, audience: ExportAudience): Promise<ExportPart> {
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
  // An export of someone else's data is a read of personal data: one read-audit entry (myAccessLog shows it to them).
  if (audience === 'ADMIN') recordSensitiveRead(ctx, 'Query.exportMemberData', [memberId]);
  const params = [ctx.networkId, memberId];
  const list = <R>(section: ListSection<R>): ExportPart => ({ chunks: () => chunksOf(m, section, params) });
  return {
    fields: [
      ['format', { value: EXPORT_FORMAT }],
      ['version', { value: EXPORT_VERSION }],
      ['exportedAt', { value: new Date().toISOString() }],
      [
        'member',
        {
          value: {
            id: toGlobalId('Member', profile.id),
            displayName: profile.displayName,
            email: profile.email,
            role: profile.role,
            externalId: profile.externalId,
            createdAt: iso(profile.createdAt),
            updatedAt: iso(profile.updatedAt),
            network: { id: toGlobalId('Network', profile.networkId), slug: profile.networkSlug, name: profile.networkName },
          },
        },
      ],
      ['doNotContact', { value: profile.doNotContact }],
      ['memberships', list(MEMBERSHIPS)],
      ['rsvps', list(RSVPS)],
      ['attendance', list(ATTENDANCE)],
      ['feedback', list(FEEDBACK)],
      ['gratitudeNotes', list(GRATITUDE)],
      ['outreach', list(OUTREACH)],
      ['jointEventRegistrations', list(REGISTRATIONS)],
      ['auditEntries', list(auditEntriesAbout(memberId))],
      ['consents', list(CONSENTS)],
      ['calendarFeeds', list(CALENDAR_FEEDS)],
      ['resources', list(RESOURCES)],
      ['wellbeing', await wellbeingOf(m, params, audience)],
    ],
  };
}

/**
 * Who is exported, for whom: the viewer themself (`memberId` null: member tokens, `exportOwnData`), or a member an
 * admin or key asks for (`exportMembersData`). Refuses (FORBIDDEN / NOT_FOUND) as the GraphQL fields do.
 */
export function exportRequest(ctx: Context, memberId: string | null): { memberId: string; audience: ExportAudience } {
  if (memberId === null) {
    authorize(ctx, exportOwnData);
    return { memberId: ctx.viewerMemberId!, audience: 'SELF' };
  }
  authorize(ctx, exportMembersData);
  const id = idArgument('memberId', memberId, 'Member');
  if (!id) throw notFound('Member');
  return { memberId: id, audience: 'ADMIN' };
}

/** The whole export as one value (the GraphQL fields): every chunk collected. */
export async function exportMember(ctx: Context, memberId: string, audience: ExportAudience): Promise<Json> {
  return collect(await exportParts(ctx, memberId, audience));
}

async function collect(part: ExportPart): Promise<Json> {
  if ('value' in part) return part.value;
  if ('chunks' in part) {
    const all: Json[] = [];
    for await (const chunk of part.chunks()) all.push(...chunk);
    return all;
  }
  const object: Record<string, Json> = {};
  for (const [key, child] of part.fields) object[key] = await collect(child);
  return object;
}

/**
 * Writes the export as JSON text, piece by piece (`write` may wait for the reader: back-pressure). The text is the
 * same document `collect` builds, serialized.
 */
export async function writeExport(part: ExportPart, write: (text: string) => Promise<void>): Promise<void> {
  if ('value' in part) return write(JSON.stringify(part.value));
  if ('chunks' in part) {
    let first = true;
    await write('[');
    for await (const chunk of part.chunks()) {
      if (chunk.length === 0) continue;
      await write((first ? '' : ',') + chunk.map((item) => JSON.stringify(item)).join(','));
      first = false;
    }
    return write(']');
  }
  await write('{');
  for (const [i, [key, child]] of part.fields.entries()) {
    await write(`${i ? ',' : ''}${JSON.stringify(key)}:`);
    await writeExport(child, write);
  }
  await write('}');
}

/**
 * A list section: its rows filtered by network ($1) and member ($2), in the order of `key` (a non-null
 * timestamp) then `id`, read in keyset pages — never all at once, never with an OFFSET.
 */
interface ListSection<R> {
  /** The selected columns, and the FROM and WHERE clauses (no ORDER BY). */
  columns: string;
  from: string;
  where: string;
  /** The timestamp column the section is ordered by, and the id column that breaks ties. */
  key: string;
  id: string;
  map(row: R): Json;
}

async function* chunksOf<R>(m: EntityManager, section: ListSection<R>, params: unknown[]): AsyncGenerator<Json[]> {
  // The key travels as text: a timestamptz's text form keeps its microseconds, which a JS Date would drop.
  let after: [string, string] | undefined;
  for (;;) {
    const rows = await queryRows<R & { _key: string; _id: string }>(
      m,
      `SELECT ${section.key}::text AS "_key", ${section.id} AS "_id", ${section.columns} FROM ${section.from}
        WHERE ${section.where} ${after ? `AND (${section.key}, ${section.id}) > ($3::timestamptz, $4::uuid)` : ''}
        ORDER BY ${section.key}, ${section.id} LIMIT ${EXPORT_CHUNK_ROWS}`,
      after ? [...params, ...after] : params,
    );
    if (rows.length > 0) yield rows.map((r) => section.map(r));
    if (rows.length < EXPORT_CHUNK_ROWS) return;
    const last = rows[rows.length - 1];
    after = [last._key, last._id];
  }
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

const MEMBERSHIPS: ListSection<{
  id: string;
  groupId: string;
  groupName: string;
  role: string;
  status: string;
  joinedAt: Stamp;
  normsAcceptedAt: Stamp;
  leftAt: Stamp;
}> = {
  columns: `ms.id, g.id AS "groupId", g.name AS "groupName", ms.role, ms.status, ms.joined_at AS "joinedAt",
            ms.norms_accepted_at AS "normsAcceptedAt", ms.left_at AS "leftAt"`,
  from: 'memberships ms JOIN groups g ON g.id = ms.group_id',
  where: 'ms.network_id = $1 AND ms.member_id = $2',
  key: 'ms.created_at',
  id: 'ms.id',
  map: (r) => ({
    id: gid('Membership', r.id),
    group: { id: gid('Group', r.groupId), name: r.groupName },
    role: r.role,
    status: r.status,
    joinedAt: iso(r.joinedAt),
    normsAcceptedAt: iso(r.normsAcceptedAt),
    leftAt: iso(r.leftAt),
  }),
};

const RSVPS: ListSection<SessionColumns & { id: string; status: string; respondedAt: Stamp }> = {
  columns: `r.id, r.status, r.responded_at AS "respondedAt", ${SESSION_COLUMNS}`,
  from: 'rsvps r JOIN sessions s ON s.id = r.session_id JOIN groups g ON g.id = s.group_id',
  where: 'r.network_id = $1 AND r.member_id = $2',
  key: 's.starts_at',
  id: 'r.id',
  map: (r) => ({ id: gid('Rsvp', r.id), session: session(r), status: r.status, respondedAt: iso(r.respondedAt) }),
};

const ATTENDANCE: ListSection<SessionColumns & { id: string; status: string; checkedInAt: Stamp; firstSession: boolean; moodBefore: number | null }> = {
  columns: `a.id, a.status, a.checked_in_at AS "checkedInAt", a.first_session AS "firstSession", a.mood_before AS "moodBefore", ${SESSION_COLUMNS}`,
  from: 'attendance a JOIN sessions s ON s.id = a.session_id JOIN groups g ON g.id = s.group_id',
  where: 'a.network_id = $1 AND a.member_id = $2',
  key: 's.starts_at',
  id: 'a.id',
  map: (r) => ({
    id: gid('Attendance', r.id),
    session: session(r),
    status: r.status,
    checkedInAt: iso(r.checkedInAt),
    firstSession: r.firstSession,
    moodBefore: r.moodBefore,
  }),
};

/** Named feedback only: anonymous feedback has no author to find it by, by design. */
const FEEDBACK: ListSection<SessionColumns & { id: string; rating: number; moodAfter: number | null; comment: string | null; submittedAt: Date }> = {
  columns: `f.id, f.rating, f.mood_after AS "moodAfter", f.comment, f.submitted_at AS "submittedAt", ${SESSION_COLUMNS}`,
  from: 'feedback f JOIN sessions s ON s.id = f.session_id JOIN groups g ON g.id = s.group_id',
  where: 'f.network_id = $1 AND f.member_id = $2',
  key: 'f.submitted_at',
  id: 'f.id',
  map: (r) => ({
    id: gid('Feedback', r.id),
    session: session(r),
    rating: r.rating,
    moodAfter: r.moodAfter,
    comment: r.comment,
    submittedAt: iso(r.submittedAt),
  }),
};

/** Notes the member wrote under their name (gratitude notes written anonymously carry no author). */
const GRATITUDE: ListSection<SessionColumns & { id: string; text: string; createdAt: Date }> = {
  columns: `n.id, n.text, n.created_at AS "createdAt", ${SESSION_COLUMNS}`,
  from: 'gratitude_notes n JOIN sessions s ON s.id = n.session_id JOIN groups g ON g.id = s.group_id',
  where: 'n.network_id = $1 AND n.author_member_id = $2',
  key: 'n.created_at',
  id: 'n.id',
  map: (r) => ({ id: gid('GratitudeNote', r.id), session: session(r), text: r.text, createdAt: iso(r.createdAt) }),
};

/** Outreach to the member (through their memberships); who reached out is another member, so it is left out. */
const OUTREACH: ListSection<{ id: string; groupId: string; groupName: string; channel: string; note: string | null; outcome: string | null; at: Date }> = {
  columns: 'o.id, g.id AS "groupId", g.name AS "groupName", o.channel, o.note, o.outcome, o.at',
  from: 'outreach o JOIN memberships ms ON ms.id = o.membership_id JOIN groups g ON g.id = ms.group_id',
  where: 'o.network_id = $1 AND ms.member_id = $2',
  key: 'o.at',
  id: 'o.id',
  map: (r) => ({
    id: gid('Outreach', r.id),
    group: { id: gid('Group', r.groupId), name: r.groupName },
    channel: r.channel,
    note: r.note,
    outcome: r.outcome,
    at: iso(r.at),
  }),
};

/** Registrations for joint events, with the consent to share the member's identity with the other networks. */
const REGISTRATIONS: ListSection<{
  id: string;
  eventId: string;
  eventTitle: string | null;
  eventStartsAt: Stamp;
  shareIdentity: boolean;
  registeredAt: Date;
  cancelledAt: Stamp;
}> = {
  columns: `r.id, r.joint_event_id AS "eventId", e.title AS "eventTitle", e.starts_at AS "eventStartsAt", r.share_identity AS "shareIdentity",
            r.registered_at AS "registeredAt", r.cancelled_at AS "cancelledAt"`,
  from: 'joint_event_registrations r LEFT JOIN joint_events e ON e.id = r.joint_event_id',
  where: 'r.network_id = $1 AND r.member_id = $2',
  key: 'r.registered_at',
  id: 'r.id',
  map: (r) => ({
    id: gid('JointEventRegistration', r.id),
    jointEvent: { id: gid('JointEvent', r.eventId), title: r.eventTitle, startsAt: iso(r.eventStartsAt) },
    shareIdentity: r.shareIdentity,
    registeredAt: iso(r.registeredAt),
    cancelledAt: iso(r.cancelledAt),
  }),
};

/**
 * The audit log's entries about the member: actions on them (they are the target) and reads of their data (they are
 * among the subjects). The actor is named only when it is the member themself or an API key: another member who
 * acted or read is "member", without their ID (a read's details name the reader's role or key only).
 */
function auditEntriesAbout(memberId: string): ListSection<{ id: string; actor: string; action: string; details: Json; at: Date }> {
  const self = `member:${toGlobalId('Member', memberId)}`;
  return {
    columns: 'a.id, a.actor, a.action, a.details, a.at',
    from: 'audit_log a',
    where: `a.network_id = $1 AND ((a.target_type = 'Member' AND a.target_id = $2) OR a.subject_member_ids @> ARRAY[$2::uuid])`,
    key: 'a.at',
    id: 'a.id',
    map: (r) => ({
      id: gid('AuditEntry', r.id),
      actor: r.actor === self ? 'self' : r.actor.startsWith('api_key:') ? r.actor : 'member',
      action: r.action,
      details: r.details ?? null,
      at: iso(r.at),
    }),
  };
}

/** The member's consents, oldest first, each with when it was given and withdrawn. */
const CONSENTS: ListSection<{ purpose: string; givenAt: Date; withdrawnAt: Stamp }> = {
  columns: 'c.purpose, c.given_at AS "givenAt", c.withdrawn_at AS "withdrawnAt"',
  from: 'consents c',
  where: 'c.network_id = $1 AND c.member_id = $2',
  key: 'c.given_at',
  id: 'c.id',
  map: (r) => ({ purpose: r.purpose, givenAt: iso(r.givenAt), withdrawnAt: iso(r.withdrawnAt) }),
};

/** The member's calendar feeds: what each carries and when it was made and revoked (never the token, which is not stored). */
const CALENDAR_FEEDS: ListSection<{
  id: string;
  kind: string;
  groupId: string | null;
  groupName: string | null;
  tokenPrefix: string;
  createdAt: Date;
  revokedAt: Stamp;
}> = {
  columns: 'f.id, f.kind, g.id AS "groupId", g.name AS "groupName", f.token_prefix AS "tokenPrefix", f.created_at AS "createdAt", f.revoked_at AS "revokedAt"',
  from: 'calendar_feeds f LEFT JOIN groups g ON g.id = f.group_id',
  where: 'f.network_id = $1 AND f.member_id = $2',
  key: 'f.created_at',
  id: 'f.id',
  map: (r) => ({
    id: gid('CalendarFeed', r.id),
    kind: r.kind,
    group: r.groupId ? { id: gid('Group', r.groupId), name: r.groupName } : null,
    tokenPrefix: r.tokenPrefix,
    createdAt: iso(r.createdAt),
    revokedAt: iso(r.revokedAt),
  }),
};

/**
 * Resources the member shared under their name (anonymous ones have no author to find them by, by design). Their
 * helpful marks and reports are not listed: who marked or reported is never shown to anyone, and this export is also
 * read by admins (exportMemberData); they go with erasure.
 */
const RESOURCES: ListSection<{
  id: string;
  groupId: string;
  groupName: string;
  kind: string;
  title: string;
  body: string | null;
  url: string | null;
  topics: string[];
  createdAt: Date;
  pinnedAt: Stamp;
  hiddenAt: Stamp;
  sharedAt: Stamp;
}> = {
  columns: `r.id, g.id AS "groupId", g.name AS "groupName", r.kind, r.title, r.body, r.url, r.topics, r.created_at AS "createdAt",
            r.pinned_at AS "pinnedAt", r.hidden_at AS "hiddenAt", r.shared_at AS "sharedAt"`,
  from: 'resource_authors a JOIN resources r ON r.network_id = a.network_id AND r.id = a.resource_id JOIN groups g ON g.id = r.group_id',
  where: 'a.network_id = $1 AND a.member_id = $2',
  key: 'r.created_at',
  id: 'r.id',
  map: (r) => ({
    id: gid('GroupResource', r.id),
    group: { id: gid('Group', r.groupId), name: r.groupName },
    kind: r.kind,
    title: r.title,
    body: r.body,
    url: r.url,
    topics: r.topics,
    createdAt: iso(r.createdAt),
    pinned: r.pinnedAt != null,
    hidden: r.hiddenAt != null,
    sharedWithPartners: r.sharedAt != null,
  }),
};

const WELLBEING: ListSection<{ id: string; sessionId: string | null; wellbeing: number; confidence: number; recordedAt: Date }> = {
  columns: 'c.id, c.session_id AS "sessionId", c.wellbeing, c.confidence, c.recorded_at AS "recordedAt"',
  from: 'wellbeing_checkins c',
  where: 'c.network_id = $1 AND c.member_id = $2',
  key: 'c.recorded_at',
  id: 'c.id',
  map: (r) => ({
    id: gid('WellbeingCheckIn', r.id),
    sessionId: gid('Session', r.sessionId),
    wellbeing: r.wellbeing,
    confidence: r.confidence,
    recordedAt: iso(r.recordedAt),
  }),
};

/** How many wellbeing check-ins the member recorded; their values only for the member themself. */
async function wellbeingOf(m: EntityManager, params: unknown[], audience: ExportAudience): Promise<ExportPart> {
  const { count } = await queryOne<{ count: number }>(
    m,
    `SELECT count(*)::int AS count FROM wellbeing_checkins WHERE network_id = $1 AND member_id = $2`,
    params,
  );
  if (audience !== 'SELF') return { value: { count } };
  return {
    fields: [
      ['count', { value: count }],
      ['checkIns', { chunks: () => chunksOf(m, WELLBEING, params) }],
    ],
  };
}
