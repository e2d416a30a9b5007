import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, connectionType, emptyConnection, loadNestedConnection } from '../../graphql/connection';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { membersActingForThemselves, readGroups } from '../auth/rules';
import { canSeeGroup, findVisibleGroup, isGroupManager, viewerMembership } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { Membership, MembershipStatus } from '../memberships/membership.entity';
import { membershipNotFound } from '../memberships/membership.service';
import { GroupNormsVersion } from './norms.entity';
import * as norms from './norms.service';
import type { Context } from '../../graphql/context';

export const GroupNormsVersionConnection = connectionType(GroupNormsVersion, 'GroupNormsVersion');

/**
 * Who reads a group's norms history: its members (ACTIVE or PAUSED), its facilitators, coordinators and admins;
 * API keys with READ. Not other members of the network, even where they see the group (they see its current norms).
 */
async function readsNormsHistory(ctx: Context, group: Group): Promise<boolean> {
  if (!(await canSeeGroup(ctx, group))) return false;
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readGroups);
  if (await isGroupManager(ctx, group.id)) return true;
  const m = await viewerMembership(ctx, group.id);
  return m != null && m.status !== MembershipStatus.LEFT;
}

registerNodeType('GroupNormsVersion', async (ctx, ids) => {
  const found = await ctx.loaders.byId(GroupNormsVersion).loadMany(ids);
  return Promise.all(
    found.map(async (v) => {
      if (!(v instanceof GroupNormsVersion)) return null;
      const group = await ctx.loaders.byId(Group).load(v.groupId);
      return group && (await readsNormsHistory(ctx, group)) ? v : null;
    }),
  );
});

@Resolver(() => Group)
export class GroupNormsResolver {
  @FieldResolver(() => GroupNormsVersionConnection, {
    description:
      "The versions of the group's norms, newest first: each with its norms, what changed, the proposer's role (not their name) and when. The group's members (ACTIVE or PAUSED), facilitators, coordinators, admins and API keys with READ; empty for others.",
  })
  async normsHistory(@Root() group: Group, @Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    if (!(await readsNormsHistory(ctx, group))) return emptyConnection<GroupNormsVersion>();
    return loadNestedConnection(ctx, { spec: norms.normsHistorySpec(ctx.manager), parentId: group.id, args });
  }
}

@Resolver(() => Membership)
export class MembershipNormsResolver {
  @FieldResolver(() => Boolean, {
    description:
      "True when the membership is ACTIVE and accepted an older version of the group's norms than the current one: the member should accept them again (`acceptNorms`). They can still attend; what needs the current norms (e.g. posting resources) answers CONFLICT until then. False for PAUSED and LEFT memberships and for members added without accepting any version (`normsVersionAccepted` null).",
  })
  async needsNormsAcceptance(@Root() m: Membership, @Ctx() ctx: Context): Promise<boolean> {
    const group = await ctx.loaders.byId(Group).load(m.groupId);
    return group != null && norms.needsNormsAcceptance(m, group);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Membership, {
    description:
      "The viewer accepts the group's current norms (`Group.normsVersion`): records the version and the time. Accepting the version already accepted changes nothing. Member tokens only, for their own ACTIVE or PAUSED membership; not a member: NOT_FOUND; left: CONFLICT (join again with joinGroup).",
  })
  async acceptNorms(@Arg('groupId', () => ID, { description: 'The group whose norms to accept.' }) groupId: string, @Ctx() ctx: Context): Promise<Membership> {
    const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
    const m = await viewerMembership(ctx, group.id);
    if (!m) throw membershipNotFound();
    return norms.acceptCurrentNorms(ctx, m);
  }
}
