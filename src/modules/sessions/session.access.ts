import { prefixedSelectList, rowMapper, selectList, unprefixRow } from '../../db/rows';
import { queryRows } from '../../db/sql';
import { notFound } from '../../graphql/errors';
import { canSeeGroup, primeViewerMembership } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { Membership } from '../memberships/membership.entity';
import { Session } from './session.entity';
import type { Context } from '../../graphql/context';

/** A session and its group, as the features that hang off sessions need them. */
export interface VisibleSession {
  session: Session;
  group: Group;
}

/** A session is visible exactly when its group is. */
export async function canSeeSession(ctx: Context, session: Session): Promise<boolean> {
  const group = await ctx.loaders.byId(Group).load(session.groupId);
  return group != null && canSeeGroup(ctx, group);
}

/**
 * The session behind an ID argument and its group, if the caller may see them; NOT_FOUND otherwise (also
 * for other networks' IDs). One statement reads the session, its group and the viewer's membership of it,
 * and primes the loaders with them, so the checks that follow (facilitator rights, membership) ask nothing more.
 */
export async function findVisibleSession(ctx: Context, id: string | undefined): Promise<VisibleSession> {
  if (!id) throw notFound('Session');
  // In a live-update batch the loaders below coalesce across subscribers; the one-statement read would not.
  if (!ctx.loaders.coalescing) await readSessionWithGroup(ctx, id);
  const session = await ctx.loaders.byId(Session).load(id);
  const group = session ? await ctx.loaders.byId(Group).load(session.groupId) : null;
  if (!session || !group || !(await canSeeGroup(ctx, group))) throw notFound('Session');
  return { session, group };
}

async function readSessionWithGroup(ctx: Context, id: string): Promise<void> {
  const ds = ctx.manager.connection;
  const params: unknown[] = [ctx.networkId, id];
  const viewer = ctx.viewerMemberId
    ? `LEFT JOIN memberships vm ON vm.network_id = g.network_id AND vm.group_id = g.id AND vm.member_id = $${params.push(ctx.viewerMemberId)}`
    : '';
  const rows = await queryRows(
    ctx.manager,
    `SELECT ${selectList(ds, Session, 's')}, ${prefixedSelectList(ds, Group, 'g')}${viewer ? `, ${prefixedSelectList(ds, Membership, 'vm')}` : ''}
     FROM sessions s JOIN groups g ON g.network_id = s.network_id AND g.id = s.group_id ${viewer}
     WHERE s.network_id = $1 AND s.id = $2`,
    params,
  );
  const row = rows[0];
  if (!row) {
    ctx.loaders.byId(Session).prime(id, null);
    return;
  }
  const session = rowMapper(ds, Session)(row);
  const group = rowMapper(ds, Group)(unprefixRow(row, 'g'));
  ctx.loaders.byId(Session).prime(id, session);
  ctx.loaders.byId(Group).prime(group.id, group);
  if (viewer) {
    const vm = unprefixRow(row, 'vm');
    primeViewerMembership(ctx, group.id, vm.id ? rowMapper(ds, Membership)(vm) : null);
  }
}
