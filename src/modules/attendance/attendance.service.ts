import DataLoader from 'dataloader';
import { rowMapper } from '../../db/rows';
import { type Row, queryOne, queryRows } from '../../db/sql';
import { badInput, conflict, type FieldError } from '../../graphql/errors';
import { parseGlobalId, toGlobalId } from '../../graphql/global-id';
import { publishOnCommit } from '../../realtime/live';
import { Member } from '../members/member.entity';
import { PRELOADED_MEMBER_COLUMNS, preloadedMember } from '../members/member.preload';
import { Session, SessionStatus } from '../sessions/session.entity';
import { emitWebhookEvents } from '../webhooks/webhook.emit';
import { WebhookEventType } from '../webhooks/webhook.types';
import { Attendance, AttendanceStatus } from './attendance.entity';
import type { Scope } from '../../db/tenant';
import type { NestedConnectionSpec } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import type { AttendanceEntryInput } from './attendance.inputs';
import type { EntityManager } from 'typeorm';

/** PRESENT and LATE count as attended (counts, first session, who may give feedback). */
export const ATTENDED_SQL = `('PRESENT', 'LATE')`;
export const isAttended = (s: AttendanceStatus): boolean => s === AttendanceStatus.PRESENT || s === AttendanceStatus.LATE;

/** Members may check in this long before a SCHEDULED session starts (facilitators often open early). */
export const EARLY_CHECK_IN_MS = 2 * 60 * 60 * 1000;
/** Checking in more than this long after the start is LATE. */
export const LATE_AFTER_MS = 10 * 60 * 1000;

/** Check-in is open while the session is LIVE, and from 2 hours before the start while it is SCHEDULED. */
export function ensureCheckInOpen(session: Session, now: Date): void {
  if (session.status === SessionStatus.LIVE) return;
  if (session.status === SessionStatus.SCHEDULED) {
    if (session.startsAt.getTime() - now.getTime() <= EARLY_CHECK_IN_MS) return;
    throw conflict('Check-in opens 2 hours before the session starts');
  }
  throw conflict(`Check-in is closed: the session is ${session.status}; a facilitator can still mark attendance`);
}

/** True when the member has an ACTIVE membership of the group. */
export async function isActiveMemberOf(scope: Scope, groupId: string, memberId: string): Promise<boolean> {
  const { manager, networkId } = scope;
  const rows = await queryRows<unknown>(manager, `SELECT 1 FROM memberships WHERE network_id = $1 AND group_id = $2 AND member_id = $3 AND status = 'ACTIVE'`, [
    networkId,
    groupId,
    memberId,
  ]);
  return rows.length > 0;
}

/**
 * "Was this their first attended session in the group?", for a row being created or turned attended:
 * true unless another session of the group has them PRESENT or LATE. `$1` network, `$2` session, `$3` group.
 */
const FIRST_SESSION = (memberExpr: string) => `NOT EXISTS (
  SELECT 1 FROM attendance prior
  WHERE prior.network_id = $1 AND prior.group_id = $3 AND prior.member_id = ${memberExpr}
    AND prior.session_id <> $2 AND prior.status IN ${ATTENDED_SQL})`;

/**
 * Checks a member in, in one statement. Idempotent: a row that is already PRESENT or LATE keeps its status,
 * check-in time and first-session flag (only a given mood is updated); an EXCUSED or ABSENT row becomes attended.
 */
export async function checkIn(ctx: Context, session: Session, memberId: string, moodBefore: number | null | undefined, now: Date): Promise<Attendance> {
  const { manager } = ctx;
  const status = now.getTime() - session.startsAt.getTime() > LATE_AFTER_MS ? AttendanceStatus.LATE : AttendanceStatus.PRESENT;
  const row = await queryOne(
    manager,
    `INSERT INTO attendance AS a (network_id, session_id, group_id, member_id, status, checked_in_at, first_session, mood_before)
     VALUES ($1, $2, $3, $4, $5, $6, ${FIRST_SESSION('$4')}, $7)
     ON CONFLICT (network_id, session_id, member_id) DO UPDATE SET
       status        = CASE WHEN a.status IN ${ATTENDED_SQL} THEN a.status ELSE EXCLUDED.status END,
       checked_in_at = CASE WHEN a.status IN ${ATTENDED_SQL} THEN a.checked_in_at ELSE EXCLUDED.checked_in_at END,
       first_session = CASE WHEN a.status IN ${ATTENDED_SQL} THEN a.first_session ELSE EXCLUDED.first_session END,
       mood_before   = COALESCE(EXCLUDED.mood_before, a.mood_before),
       updated_at    = now()
     RETURNING *`,
    [session.networkId, session.id, session.groupId, memberId, status, now, moodBefore ?? null],
  );
  const record = rowMapper(manager.connection, Attendance)(row);
  announce(ctx, [record]);
  await emitAttendanceEvents(ctx, [record]);
  return record;
}

/** `attendance.recorded` webhook events: IDs and status only (not the member, the time or the mood). */
async function emitAttendanceEvents(ctx: Context, records: Attendance[]): Promise<void> {
  const items = records.map((a) => ({
    id: a.id,
    data: { id: a.globalId, session: toGlobalId('Session', a.sessionId), group: toGlobalId('Group', a.groupId), status: a.status },
  }));
  await emitWebhookEvents(ctx, WebhookEventType.ATTENDANCE_RECORDED, 'Attendance', items);
}

/** `attendanceChanged` for these records, once the transaction commits. */
function announce(ctx: Context, records: Attendance[]): void {
  publishOnCommit(
    ctx,
    'attendanceChanged',
    records.map((a) => ({ networkId: a.networkId, sessionId: a.sessionId, attendanceId: a.id })),
  );
}

/** Parses the entries' member IDs: malformed or repeated → BAD_USER_INPUT at `['entries', i, 'memberId']`. */
export function entryMemberIds(entries: AttendanceEntryInput[]): Array<string | undefined> {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  const ids = entries.map((e, i) => {
    const parsed = parseGlobalId(e.memberId);
    const path = ['entries', i, 'memberId'];
    if (!parsed) errors.push({ path, message: 'is not a valid ID' });
    else if (seen.has(e.memberId)) errors.push({ path, message: 'appears more than once' });
    seen.add(e.memberId);
    return parsed?.type === 'Member' ? parsed.id : undefined;
  });
  if (errors.length) throw badInput(`Invalid entries: ${errors.map((f) => `${f.path.join('.')} ${f.message}`).join('; ')}`, errors);
  return ids;
}

/**
 * Sets the attendance of many members in one upsert (after one query checking they are members of the
 * group). PRESENT/LATE rows get a check-in time (kept if they had one); EXCUSED/ABSENT rows get none and
 * are not a first session. Results in the order of `entries`.
 */
export async function markAttendance(ctx: Context, session: Session, entries: AttendanceEntryInput[], now: Date): Promise<Attendance[]> {
  const { manager } = ctx;
  if (session.status === SessionStatus.CANCELLED) throw conflict('The session was cancelled');
  const ids = entryMemberIds(entries);
  if (entries.length === 0) return [];
  const known = await queryRows<{ member_id: string }>(
    manager,
    'SELECT member_id FROM memberships WHERE network_id = $1 AND group_id = $2 AND member_id = ANY($3)',
    [session.networkId, session.groupId, ids.filter((id) => id !== undefined)],
  );
  const members = new Set(known.map((r) => r.member_id));
  const unknown: FieldError[] = ids.flatMap((id, i) =>
    id && members.has(id) ? [] : [{ path: ['entries', i, 'memberId'], message: 'is not a member of this group' }],
  );
  if (unknown.length) throw badInput('Some entries name members who are not in this group', unknown);

  const rows = await queryRows(
    manager,
    `INSERT INTO attendance AS a (network_id, session_id, group_id, member_id, status, checked_in_at, first_session)
     SELECT $1, $2, $3, e.member_id, e.status,
            CASE WHEN e.status IN ${ATTENDED_SQL} THEN $4::timestamptz END,
            e.status IN ${ATTENDED_SQL} AND ${FIRST_SESSION('e.member_id')}
     FROM unnest($5::uuid[], $6::text[]) AS e(member_id, status)
     ON CONFLICT (network_id, session_id, member_id) DO UPDATE SET
       status        = EXCLUDED.status,
       checked_in_at = CASE WHEN EXCLUDED.status IN ${ATTENDED_SQL} THEN coalesce(a.checked_in_at, EXCLUDED.checked_in_at) END,
       first_session = CASE WHEN EXCLUDED.status NOT IN ${ATTENDED_SQL} THEN false
                            WHEN a.status IN ${ATTENDED_SQL} THEN a.first_session
                            ELSE EXCLUDED.first_session END,
       updated_at    = now()
     RETURNING *`,
    [session.networkId, session.id, session.groupId, now, ids, entries.map((e) => e.status)],
  );
  const byMember = new Map(rows.map(rowMapper(manager.connection, Attendance)).map((a) => [a.memberId, a]));
  const records = ids.map((id) => byMember.get(id!)!);
  announce(ctx, records);
  await emitAttendanceEvents(ctx, records);
  return records;
}

/** Attended (PRESENT or LATE) per session, one `GROUP BY` per batch. */
const attendanceCounts = (ctx: Context) =>
  ctx.loaders.keyed(
    'session-attendance-count',
    (manager, networkId) =>
      new DataLoader<string, number>(async (ids) => {
        const rows = await queryRows<{ session_id: string; count: number }>(
          manager,
          `SELECT session_id, count(*)::int AS count FROM attendance
         WHERE network_id = $1 AND session_id = ANY($2) AND status IN ${ATTENDED_SQL} GROUP BY session_id`,
          [networkId, ids],
        );
        const byId = new Map(rows.map((r) => [r.session_id, r.count]));
        return ids.map((id) => byId.get(id) ?? 0);
      }),
  );

export const loadAttendanceCount = (ctx: Context, sessionId: string): Promise<number> => attendanceCounts(ctx).load(sessionId);

/** SQL reading each session's attendance count along with it (sessions aliased `alias`), as `_attended`. */
export const attendanceCountReadAlong = (alias: string) => ({
  select: 'ac.attended AS "_attended"',
  join: `LEFT JOIN LATERAL (SELECT count(*)::int AS attended FROM attendance a
    WHERE a.network_id = ${alias}.network_id AND a.session_id = ${alias}.id AND a.status IN ${ATTENDED_SQL}) ac ON true`,
});

/** Hands a count read with `attendanceCountReadAlong` to the loader. */
export const primeAttendanceCount = (ctx: Context, sessionId: string, row: AttendanceReadAlongRow): void =>
  void attendanceCounts(ctx).prime(sessionId, row._attended);

/** The column `attendanceCountReadAlong` adds to a row. */
export type AttendanceReadAlongRow = Row & { _attended: number };

/** An attendance row as listed: with its member, read in the same statement. */
export interface ListedAttendance extends Attendance {
  preloadedMember?: Member;
}

const specCache = new WeakMap<object, NestedConnectionSpec<ListedAttendance>>();

/** `Session.attendance`: by member display name, one statement for all sessions of a page. */
export function attendanceSpec(manager: EntityManager): NestedConnectionSpec<ListedAttendance> {
  let spec = specCache.get(manager.connection);
  if (!spec) {
    const map = rowMapper(manager.connection, Attendance);
    spec = {
      tag: 'session-attendance',
      from: 'attendance t JOIN members mb ON mb.network_id = t.network_id AND mb.id = t.member_id',
      alias: 't',
      select: `t.*, ${PRELOADED_MEMBER_COLUMNS}`,
      parent: 't.session_id',
      ownerColumn: 't.member_id',
      sort: [
        { sql: 'mb.display_name', value: (a) => a.preloadedMember!.displayName },
        { sql: 't.id', value: (a) => a.id },
      ],
      map: (row) => {
        const a = map(row) as ListedAttendance;
        a.preloadedMember = preloadedMember(row, a.memberId, a.networkId);
        return a;
      },
    };
    specCache.set(manager.connection, spec);
  }
  return spec;
}
