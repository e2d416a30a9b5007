import type { Context } from '../../graphql/context';
import { notFound } from '../../graphql/errors';
import { canSeeGroup } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { Session } from './session.entity';

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

/** The session behind an ID argument and its group, if the caller may see them; NOT_FOUND otherwise (also for other networks' IDs). */
export async function findVisibleSession(ctx: Context, id: string | undefined): Promise<VisibleSession> {
  const session = id ? await ctx.loaders.byId(Session).load(id) : null;
  const group = session ? await ctx.loaders.byId(Group).load(session.groupId) : null;
  if (!session || !group || !(await canSeeGroup(ctx, group))) throw notFound('Session');
  return { session, group };
}
