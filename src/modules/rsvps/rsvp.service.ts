import DataLoader from 'dataloader';
import { prefixedSelectList, rowMapper, selectList, unprefixRow } from '../../db/rows';
import { type Row, execute, queryEntities, queryOne, queryRows } from '../../db/sql';
import { exactTimeKey, type NestedConnectionSpec } from '../../graphql/connection';
import { conflict, notFound } from '../../graphql/errors';
import { Rsvp, RsvpStatus } from './rsvp.entity';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

/** RSVP numbers of one session. */
export interface RsvpCountValues {
  going: number;
  maybe: number;
  notGoing: number;
  waitlisted: number;
}

const mapRsvp = (manager: EntityManager) => rowMapper(manager.connection, Rsvp);

/**
 * Promotes waitlisted RSVPs to GOING, earliest answer first (then id), while the session has free
 * places under its effective capacity (its own, else its group's; none means no limit). One statement.
 * Callers hold the session row lock, so the count cannot change underneath.
 */
export async function fillFreePlaces(scope: Scope, sessionId: string): Promise<number> {
  const { manager, networkId } = scope;
  return execute(
    manager,
    `WITH cap AS (
       SELECT coalesce(s.capacity, g.capacity) AS capacity FROM sessions s
       JOIN groups g ON g.network_id = s.network_id AND g.id = s.group_id
       WHERE s.network_id = $1 AND s.id = $2
     ), free AS (
       SELECT CASE WHEN cap.capacity IS NULL THEN NULL
                   ELSE greatest(cap.capacity - (SELECT count(*) FROM rsvps
                                                 WHERE network_id = $1 AND session_id = $2 AND status = 'GOING'), 0)
              END AS n
       FROM cap
     ), promoted AS (
       SELECT id FROM rsvps WHERE network_id = $1 AND session_id = $2 AND status = 'WAITLISTED'
       ORDER BY responded_at, id LIMIT (SELECT n FROM free)
     )
     UPDATE rsvps r SET status = 'GOING' FROM promoted WHERE r.network_id = $1 AND r.id = promoted.id`,
    [networkId, sessionId],
  );
}

/**
 * Records the viewer's answer. Serialised per session by a row lock on the session, taken before
 * counting, so two concurrent GOING answers for the last place cannot both get it: the second waits,
 * then counts the first. Free places go to the waitlist before a new GOING is counted; GOING on a full
 * session is stored as WAITLISTED; answering GOING again keeps a GOING place or a waitlist position as
 * it is. When a GOING answer changes, the earliest waitlisted RSVP takes the place, in the same transaction.
 * `responded_at` changes only when the answer does.
 */
export async function respond(scope: Scope, sessionId: string, memberId: string, status: RsvpStatus): Promise<Rsvp> {
  const { manager, networkId } = scope;
  const locked = await queryRows<{ status: string; capacity: number | null }>(
    manager,
    `SELECT s.status, coalesce(s.capacity, g.capacity) AS capacity FROM sessions s
     JOIN groups g ON g.network_id = s.network_id AND g.id = s.group_id
     WHERE s.network_id = $1 AND s.id = $2 FOR UPDATE OF s`,
    [networkId, sessionId],
  );
  if (!locked[0]) throw notFound('Session');
  if (locked[0].status !== 'SCHEDULED' && locked[0].status !== 'LIVE') {
    throw conflict(`This session is ${locked[0].status}; RSVPs are open only while it is SCHEDULED or LIVE`);
  }
  // Places freed since the last answer (e.g. the group's capacity was raised) go to the waitlist first.
  await fillFreePlaces(scope, sessionId);
  const map = mapRsvp(manager);
  const existingRows = await queryRows(manager, 'SELECT * FROM rsvps WHERE network_id = $1 AND session_id = $2 AND member_id = $3', [
    networkId,
    sessionId,
    memberId,
  ]);
  const existing = existingRows[0] ? map(existingRows[0]) : null;

  let stored: RsvpStatus = status;
  if (status === RsvpStatus.GOING) {
    if (existing?.status === RsvpStatus.GOING || existing?.status === RsvpStatus.WAITLISTED) return existing;
    const capacity = locked[0].capacity;
    if (capacity != null) {
      const { going } = await queryOne<{ going: number }>(
        manager,
        `SELECT count(*)::int AS going FROM rsvps WHERE network_id = $1 AND session_id = $2 AND status = 'GOING'`,
        [networkId, sessionId],
      );
      if (going >= capacity) stored = RsvpStatus.WAITLISTED;
    }
  } else if (existing?.status === status) {
    return existing;
  }

  const rows = await queryRows(
    manager,
    `INSERT INTO rsvps (network_id, session_id, member_id, status, responded_at)
     VALUES ($1, $2, $3, $4, clock_timestamp())
     ON CONFLICT (network_id, session_id, member_id) DO UPDATE SET status = EXCLUDED.status, responded_at = EXCLUDED.responded_at
     RETURNING *`,
    [networkId, sessionId, memberId, stored],
  );
  const rsvp = map(rows[0]);
  if (existing?.status === RsvpStatus.GOING) await fillFreePlaces(scope, sessionId);
  return rsvp;
}

const NO_RSVPS: RsvpCountValues = { going: 0, maybe: 0, notGoing: 0, waitlisted: 0 };

/** RSVP counts per session, one `GROUP BY` per batch. */
const rsvpCounts = (ctx: Context) =>
  ctx.loaders.keyed(
    'session-rsvp-counts',
    (manager, networkId) =>
      new DataLoader<string, RsvpCountValues>(async (ids) => {
        const rows = await queryRows<{ session_id: string; status: RsvpStatus; count: number }>(
          manager,
          `SELECT session_id, status, count(*)::int AS count FROM rsvps
         WHERE network_id = $1 AND session_id = ANY($2) GROUP BY session_id, status`,
          [networkId, ids],
        );
        const bySession = new Map<string, RsvpCountValues>();
        const key: Record<RsvpStatus, keyof RsvpCountValues> = { GOING: 'going', MAYBE: 'maybe', NOT_GOING: 'notGoing', WAITLISTED: 'waitlisted' };
        for (const r of rows) {
          const counts = bySession.get(r.session_id) ?? { ...NO_RSVPS };
          counts[key[r.status]] = r.count;
          bySession.set(r.session_id, counts);
        }
        return ids.map((id) => bySession.get(id) ?? { ...NO_RSVPS });
      }),
  );

export const loadRsvpCounts = (ctx: Context, sessionId: string): Promise<RsvpCountValues> => rsvpCounts(ctx).load(sessionId);

/** The viewer's own RSVP per session, one statement per batch (member tokens). */
const viewerRsvps = (ctx: Context, memberId: string) =>
  ctx.loaders.keyed('viewer-rsvps', (manager, networkId) => {
    return new DataLoader<string, Rsvp | null>(async (ids) => {
      const rsvps = await queryEntities(
        manager,
        Rsvp,
        `SELECT ${selectList(manager.connection, Rsvp)} FROM rsvps WHERE network_id = $1 AND member_id = $2 AND session_id = ANY($3)`,
        [networkId, memberId, ids],
      );
      const bySession = new Map(rsvps.map((r) => [r.sessionId, r]));
      return ids.map((id) => bySession.get(id) ?? null);
    });
  });

/** The viewer's own RSVP per session (null for API keys). */
export function loadViewerRsvp(ctx: Context, sessionId: string): Promise<Rsvp | null> {
  return ctx.viewerMemberId ? viewerRsvps(ctx, ctx.viewerMemberId).load(sessionId) : Promise.resolve(null);
}

/**
 * SQL that reads a session's RSVP counts (and the viewer's RSVP) along with it, for a query over sessions
 * aliased `s` (or the alias given): columns `_rc_going`… and the viewer's RSVP prefixed `_vr_`. Rows go to `primeRsvps`.
 */
export function rsvpReadAlong(manager: EntityManager, viewerParam: string | null, s = 's'): { select: string; join: string } {
  const counts = `LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE r.status = 'GOING')::int AS going, count(*) FILTER (WHERE r.status = 'MAYBE')::int AS maybe,
             count(*) FILTER (WHERE r.status = 'NOT_GOING')::int AS not_going, count(*) FILTER (WHERE r.status = 'WAITLISTED')::int AS waitlisted
      FROM rsvps r WHERE r.network_id = ${s}.network_id AND r.session_id = ${s}.id) rc ON true`;
  const select = ['rc.going AS "_rc_going"', 'rc.maybe AS "_rc_maybe"', 'rc.not_going AS "_rc_not_going"', 'rc.waitlisted AS "_rc_waitlisted"'];
  let join = counts;
  if (viewerParam) {
    join += ` LEFT JOIN rsvps vr ON vr.network_id = ${s}.network_id AND vr.session_id = ${s}.id AND vr.member_id = ${viewerParam}`;
    select.push(prefixedSelectList(manager.connection, Rsvp, 'vr'));
  }
  return { select: select.join(', '), join };
}

/** The columns `rsvpReadAlong` adds to a row. */
export type RsvpReadAlongRow = Row & { _rc_going: number; _rc_maybe: number; _rc_not_going: number; _rc_waitlisted: number };

/** Hands the counts (and viewer's RSVP) read with `rsvpReadAlong` to the loaders. */
export function primeRsvps(ctx: Context, sessionId: string, row: RsvpReadAlongRow): void {
  rsvpCounts(ctx).prime(sessionId, {
    going: row._rc_going,
    maybe: row._rc_maybe,
    notGoing: row._rc_not_going,
    waitlisted: row._rc_waitlisted,
  });
  if (ctx.viewerMemberId && '_vr_id' in row) {
    const vr = unprefixRow(row, 'vr');
    viewerRsvps(ctx, ctx.viewerMemberId).prime(sessionId, vr.id ? mapRsvp(ctx.manager)(vr) : null);
  }
}

/** The spec of `Session.rsvps`, in answer order (the waitlist order). */
const specs = new WeakMap<object, NestedConnectionSpec<Rsvp>>();
export function sessionRsvpsSpec(manager: EntityManager): NestedConnectionSpec<Rsvp> {
  let spec = specs.get(manager.connection);
  if (!spec) {
    const map = mapRsvp(manager);
    const answered = exactTimeKey('t.responded_at');
    spec = {
      tag: 'session-rsvps',
      from: 'rsvps t',
      alias: 't',
      select: `${selectList(manager.connection, Rsvp, 't')}, ${answered.select}`,
      parent: 't.session_id',
      ownerColumn: 't.member_id',
      sort: [answered.sort, { sql: 't.id', value: (r) => r.id }],
      map: (row) => answered.keep(map(row), row),
    };
    specs.set(manager.connection, spec);
  }
  return spec;
}
