import { forbidden, notFound } from '../../graphql/errors';
import { isAllowed } from '../auth/access';
import { moderateGroupContent, readGroups } from '../auth/rules';
import { canSeeGroup, isActive, isGroupManager, isGroupMember, viewerMembership } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { requireCurrentNorms } from '../norms/norms.service';
import { GroupResource } from './resource.entity';
import type { Context } from '../../graphql/context';

/**
 * Who may do what with a group's shared resources (README "Shared resources"):
 *
 * - read: the group's ACTIVE members, its facilitators, coordinators and admins; API keys with READ;
 * - moderate (pin, hide, restore, share with partners; see hidden resources and reports): the group's facilitators,
 *   coordinators and admins; API keys with READ and WRITE;
 * - post, mark helpful, report: member tokens, for themselves (see `assertMayPostResource` for posting).
 */

/** Reads the group's resources. */
export async function readsGroupResources(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readGroups);
  return (await isGroupManager(ctx, groupId)) || (await isGroupMember(ctx, groupId));
}

/** Moderates the group's resources: sees hidden ones and reports. */
export async function moderatesGroupResources(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readGroups) && isAllowed(ctx, moderateGroupContent);
  return isGroupManager(ctx, groupId);
}

/** A resource is visible to its group's readers while not hidden, and to its moderators always. */
export async function canSeeResource(ctx: Context, r: GroupResource): Promise<boolean> {
  const group = await ctx.loaders.byId(Group).load(r.groupId);
  if (!group || !(await canSeeGroup(ctx, group)) || !(await readsGroupResources(ctx, group.id))) return false;
  return r.hiddenAt == null || moderatesGroupResources(ctx, group.id);
}

/** The resource behind an ID argument if the caller may see it; NOT_FOUND otherwise (also for other networks' IDs). */
export async function findVisibleResource(ctx: Context, id: string | undefined): Promise<{ resource: GroupResource; group: Group }> {
  const resource = id ? await ctx.loaders.byId(GroupResource).load(id) : null;
  if (!resource || !(await canSeeResource(ctx, resource))) throw notFound('GroupResource');
  return { resource, group: (await ctx.loaders.byId(Group).load(resource.groupId))! };
}

/**
 * THE eligibility check for posting a resource to a group: a member token of an ACTIVE member (or facilitator) of
 * the group who accepted the group's current norms (after a change of norms: CONFLICT until `acceptNorms(groupId)`,
 * src/modules/norms). Further conditions on the poster's membership belong here too.
 */
export async function assertMayPostResource(ctx: Context, group: Group): Promise<void> {
  const membership = await viewerMembership(ctx, group.id);
  if (!membership || !isActive(membership)) throw forbidden('Only ACTIVE members of the group can share resources with it');
  await requireCurrentNorms(ctx, membership);
}
