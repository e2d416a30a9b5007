import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { DateTime } from 'luxon';
import { rowMapper, selectList } from '../../db/rows';
import { queryRows } from '../../db/sql';
import { paginate, type Connection, type ConnectionArgs, type NestedConnectionSpec } from '../../graphql/connection';
import { badInput, conflict, invalidArgument, notFound } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/global-id';
import { publishOnCommit } from '../../realtime/live';
import { toAgenda } from '../groups/agenda';
import { fillFreePlaces, primeRsvps, rsvpReadAlong, type RsvpReadAlongRow } from '../rsvps/rsvp.service';
import { emitWebhookEvents } from '../webhooks/webhook.emit';
import { WebhookEventType } from '../webhooks/webhook.types';
import { Session, SessionStatus } from './session.entity';
import { RepeatFrequency, type RepeatInput, type ScheduleSessionsInput, type UpdateSessionInput } from './session.inputs';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { Group } from '../groups/group.entity';
import type { EntityManager } from 'typeorm';

/** Statuses in which a session is still ahead (or happening): editable, open for RSVPs, "upcoming". */
export const OPEN_STATUSES: readonly SessionStatus[] = [SessionStatus.SCHEDULED, SessionStatus.LIVE];

const mapSession = (manager: EntityManager) => rowMapper(manager.connection, Session);

/** `sessionChanged` for these sessions, once the transaction commits. */
function announce(ctx: Context, sessions: Session[]): void {
  publishOnCommit(
    ctx,
    'sessionChanged',
    sessions.map((s) => ({ networkId: s.networkId, groupId: s.groupId, sessionId: s.id })),
  );
}

/** Webhook events about these sessions: IDs, status and times only (no title, place or link). */
async function emitSessionEvents(ctx: Context, type: WebhookEventType, sessions: Session[]): Promise<void> {
  const items = sessions.map((s) => ({
    id: s.id,
    data: { id: s.globalId, group: toGlobalId('Group', s.groupId), status: s.status, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() },
  }));
  await emitWebhookEvents(ctx, type, 'Session', items);
}

/**
 * The start and end of each session of a series. Calendar arithmetic happens in the series' time zone,
 * so a weekly 18:00 Europe/Berlin meeting stays at 18:00 local when daylight saving starts or ends
 * (its UTC time moves instead). Each occurrence is computed from the first, so a monthly series on the
 * 31st falls on the last day of shorter months without drifting.
 */
export function occurrences(
  startsAt: Date,
  durationMinutes: number,
  timeZone: string,
  repeat?: Pick<RepeatInput, 'frequency' | 'count'> | null,
): Array<{ startsAt: Date; endsAt: Date }> {
  const first = DateTime.fromJSDate(startsAt, { zone: timeZone });
  const count = repeat?.count ?? 1;
  const step = (k: number) => {
    switch (repeat?.frequency) {
      case RepeatFrequency.BIWEEKLY:
        return { weeks: 2 * k };
      case RepeatFrequency.MONTHLY:
        return { months: k };
      default:
        return { weeks: k };
    }
  };
  return Array.from({ length: count }, (_, k) => {
    const start = first.plus(step(k));
    return { startsAt: start.toJSDate(), endsAt: start.plus({ minutes: durationMinutes }).toJSDate() };
  });
}

/** Schedules one session or a series (sharing a `series_id`) in one INSERT. The group must not be archived. */
export async function scheduleSessions(ctx: Context, group: Group, input: ScheduleSessionsInput): Promise<Session[]> {
  const { manager } = ctx;
  if (group.archivedAt) {
    throw badInput('This group is archived and takes no new sessions', [{ path: ['groupId'], message: 'groupId is an archived group' }]);
  }
  const seriesId = input.repeat ? randomUUID() : null;
  const agenda = input.agenda ? toAgenda(input.agenda) : group.agendaTemplate;
  const values = occurrences(input.startsAt, input.durationMinutes, input.timeZone, input.repeat).map((o) => ({
    networkId: group.networkId,
    groupId: group.id,
    seriesId,
    title: input.title.trim(),
    startsAt: o.startsAt,
    endsAt: o.endsAt,
    timeZone: input.timeZone,
    status: SessionStatus.SCHEDULED,
    capacity: input.capacity ?? null,
    location: input.location?.trim() || null,
    onlineUrl: input.onlineUrl?.trim() || null,
    agenda,
  }));
  const result = await manager.createQueryBuilder().insert().into(Session).values(values).returning('*').execute();
  const map = mapSession(manager);
  const sessions = (result.raw as Array<Record<string, unknown>>).map(map).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  announce(ctx, sessions);
  await emitSessionEvents(ctx, WebhookEventType.SESSION_SCHEDULED, sessions);
  return sessions;
}

/** Locks the session row (concurrent edits and RSVPs wait) and returns its current state. */
export async function lockSession(scope: Scope, id: string): Promise<Session> {
  const { manager, networkId } = scope;
  const rows = await queryRows(manager, 'SELECT * FROM sessions WHERE network_id = $1 AND id = $2 FOR UPDATE', [networkId, id]);
  if (!rows[0]) throw notFound('Session');
  return mapSession(manager)(rows[0]);
}

/**
 * Applies an UpdateSessionInput. Only SCHEDULED or LIVE sessions may change; the end must stay after
 * the start (also when only one of them changes). A capacity change fills free places from the waitlist.
 */
export async function updateSession(ctx: Context, group: Group, sessionId: string, input: UpdateSessionInput): Promise<Session> {
  const { manager } = ctx;
  const session = await lockSession(ctx, sessionId);
  if (!OPEN_STATUSES.includes(session.status)) {
    throw conflict(`This session is ${session.status}; only SCHEDULED or LIVE sessions can be edited`);
  }
  const startsAt = input.startsAt ?? session.startsAt;
  const endsAt = input.endsAt ?? session.endsAt;
  if ((input.startsAt != null || input.endsAt != null) && endsAt.getTime() <= startsAt.getTime()) {
    throw invalidArgument(['input', 'endsAt'], `must be after startsAt (${startsAt.toISOString()})`);
  }
  const rows = await queryRows(
    manager,
    `UPDATE sessions SET title = $3, starts_at = $4, ends_at = $5, time_zone = $6, capacity = $7, location = $8, online_url = $9,
       agenda = $10::jsonb, updated_at = now()
     WHERE network_id = $1 AND id = $2 RETURNING *`,
    [
      group.networkId,
      sessionId,
      input.title != null ? input.title.trim() : session.title,
      startsAt,
      endsAt,
      input.timeZone ?? session.timeZone,
      input.capacity != null ? (input.capacity === 0 ? null : input.capacity) : session.capacity,
      input.location != null ? input.location.trim() || null : session.location,
      input.onlineUrl != null ? input.onlineUrl.trim() || null : session.onlineUrl,
      JSON.stringify(input.agenda != null ? toAgenda(input.agenda) : session.agenda),
    ],
  );
  const updated = mapSession(manager)(rows[0]);
  if (input.capacity != null) await fillFreePlaces(ctx, sessionId);
  announce(ctx, [updated]);
  await emitSessionEvents(ctx, WebhookEventType.SESSION_UPDATED, [updated]);
  return updated;
}

/** The state machine: which statuses each action starts from, where it leads, and what it records. */
const TRANSITIONS = {
  start: { from: SessionStatus.SCHEDULED, to: SessionStatus.LIVE, set: 'started_at = now()', verb: 'started' },
  end: { from: SessionStatus.LIVE, to: SessionStatus.COMPLETED, set: 'ended_at = now()', verb: 'ended' },
  cancel: { from: SessionStatus.SCHEDULED, to: SessionStatus.CANCELLED, set: 'cancelled_at = now(), cancel_reason = $4', verb: 'cancelled' },
} as const;

export type SessionAction = keyof typeof TRANSITIONS;

/**
 * Moves a session along SCHEDULED → LIVE → COMPLETED or SCHEDULED → CANCELLED, atomically: the UPDATE
 * only matches while the session is still in the expected status, so two concurrent calls cannot both
 * succeed. Anything else is CONFLICT naming the current status. Starting before `startsAt` is allowed.
 */
export async function transition(ctx: Context, sessionId: string, action: SessionAction, reason?: string | null) {
  const { manager, networkId } = ctx;
  const t = TRANSITIONS[action];
  const params: unknown[] = [networkId, sessionId, t.from];
  if (action === 'cancel') params.push(reason?.trim() || null);
  const rows = await queryRows(
    manager,
    `UPDATE sessions SET status = '${t.to}', ${t.set}, updated_at = now()
     WHERE network_id = $1 AND id = $2 AND status = $3 RETURNING *`,
    params,
  );
  if (rows[0]) {
    const session = mapSession(manager)(rows[0]);
    announce(ctx, [session]);
    await emitSessionEvents(ctx, action === 'cancel' ? WebhookEventType.SESSION_CANCELLED : WebhookEventType.SESSION_UPDATED, [session]);
    return session;
  }
  const current = await queryRows<{ status: SessionStatus }>(manager, 'SELECT status FROM sessions WHERE network_id = $1 AND id = $2', [networkId, sessionId]);
  if (!current[0]) throw notFound('Session');
  throw conflict(`This session is ${current[0].status}; only a ${t.from} session can be ${t.verb}`);
}

/** The spec of `Group.sessions`: one statement pages the sessions of every group in the response. */
const groupSessionsSpecs = new WeakMap<object, NestedConnectionSpec<Session>>();
export function groupSessionsSpec(manager: EntityManager): NestedConnectionSpec<Session> {
  let spec = groupSessionsSpecs.get(manager.connection);
  if (!spec) {
    spec = {
      tag: 'group-sessions',
      from: 'sessions t',
      alias: 't',
      select: selectList(manager.connection, Session, 't'),
      parent: 't.group_id',
      sort: [
        { sql: 't.starts_at', value: (s) => s.startsAt },
        { sql: 't.id', value: (s) => s.id },
      ],
      map: mapSession(manager),
    };
    groupSessionsSpecs.set(manager.connection, spec);
  }
  return spec;
}

/**
 * Each group's next session (SCHEDULED or LIVE, not yet over), for many groups in one statement; with
 * `withRsvps` its RSVP counts and the viewer's RSVP are read along (the home screen shows them).
 */
export function loadNextSession(ctx: Context, groupId: string, withRsvps = false): Promise<Session | null> {
  return ctx.loaders
    .keyed(`group-next-session:${withRsvps}`, (manager, networkId) => {
      const map = mapSession(manager);
      const along = withRsvps ? rsvpReadAlong(manager, ctx.viewerMemberId ? '$3' : null) : null;
      return new DataLoader<string, Session | null>(async (ids) => {
        const rows = await queryRows<RsvpReadAlongRow>(
          manager,
          `SELECT s.*${along ? `, ${along.select}` : ''} FROM (
             SELECT DISTINCT ON (group_id) ${selectList(manager.connection, Session)} FROM sessions
             WHERE network_id = $1 AND group_id = ANY($2) AND status IN ('SCHEDULED', 'LIVE') AND ends_at > now()
             ORDER BY group_id, starts_at, id
           ) s ${along ? along.join : ''}`,
          along && ctx.viewerMemberId ? [networkId, ids, ctx.viewerMemberId] : [networkId, ids],
        );
        const sessions = rows.map(map);
        if (along) rows.forEach((r, i) => primeRsvps(ctx, sessions[i].id, r));
        const byGroup = new Map(sessions.map((s) => [s.groupId, s]));
        return ids.map((id) => byGroup.get(id) ?? null);
      });
    })
    .load(groupId);
}

/**
 * Upcoming sessions (SCHEDULED or LIVE, not yet over), soonest first: of the groups where `memberId`
 * is an ACTIVE member, or of the whole network when `memberId` is null (API keys).
 */
export function listUpcomingSessions(scope: Scope, memberId: string | null, args: ConnectionArgs): Promise<Connection<Session>> {
  const { manager, networkId } = scope;
  const params: unknown[] = [networkId];
  const where = ['s.network_id = $1', `s.status IN ('SCHEDULED', 'LIVE')`, 's.ends_at > now()'];
  if (memberId) {
    where.push(`EXISTS (SELECT 1 FROM memberships m
      WHERE m.network_id = s.network_id AND m.group_id = s.group_id AND m.member_id = $${params.push(memberId)} AND m.status = 'ACTIVE')`);
  }
  return paginate(
    manager,
    { select: selectList(manager.connection, Session, 's'), from: 'sessions s', where, params, map: rowMapper(manager.connection, Session) },
    args,
    [
      { sql: 's.starts_at', value: (s) => s.startsAt },
      { sql: 's.id', value: (s) => s.id },
    ],
    'upcoming-sessions',
  );
}
