import { rowMapper } from '../../db/rows';
import { queryOne } from '../../db/sql';
import { exactTimeKey, type NestedConnectionSpec } from '../../graphql/connection';
import { conflict } from '../../graphql/errors';
import { isAllowed } from '../auth/access';
import { readPersonalData } from '../auth/rules';
import { isGroupManager, isGroupMember } from '../groups/group.access';
import { Session, SessionStatus } from '../sessions/session.entity';
import { GratitudeNote } from './gratitude-note.entity';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

/** Gratitude notes are read by the group's ACTIVE members and managers, and by API keys with READ and PERSONAL_DATA. */
export async function seesGratitude(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readPersonalData);
  return (await isGroupManager(ctx, groupId)) || (await isGroupMember(ctx, groupId));
}

const OPEN: readonly SessionStatus[] = [SessionStatus.LIVE, SessionStatus.COMPLETED];

/** Adds a note to a LIVE or COMPLETED session. Anonymous notes store no author at all. */
export async function addNote(scope: Scope, session: Session, authorId: string, text: string, anonymous: boolean): Promise<GratitudeNote> {
  const { manager } = scope;
  if (!OPEN.includes(session.status)) throw conflict(`Gratitude notes open when the session is LIVE; it is ${session.status}`);
  const row = await queryOne(manager, `INSERT INTO gratitude_notes (network_id, session_id, author_member_id, text) VALUES ($1, $2, $3, $4) RETURNING *`, [
    session.networkId,
    session.id,
    anonymous ? null : authorId,
    text,
  ]);
  return rowMapper(manager.connection, GratitudeNote)(row);
}

const specCache = new WeakMap<object, NestedConnectionSpec<GratitudeNote>>();

/** `Session.gratitudeNotes`: in the order they were shared; one statement for all sessions of a page. */
export function gratitudeSpec(manager: EntityManager): NestedConnectionSpec<GratitudeNote> {
  let spec = specCache.get(manager.connection);
  if (!spec) {
    const map = rowMapper(manager.connection, GratitudeNote);
    const key = exactTimeKey('t.created_at');
    spec = {
      tag: 'session-gratitude',
      from: 'gratitude_notes t',
      alias: 't',
      select: `t.*, ${key.select}`,
      parent: 't.session_id',
      sort: [key.sort, { sql: 't.id', value: (n) => n.id }],
      map: (row) => key.keep(map(row), row),
    };
    specCache.set(manager.connection, spec);
  }
  return spec;
}
