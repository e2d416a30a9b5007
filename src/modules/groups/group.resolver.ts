import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { connectionType } from '../../graphql/connection';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { selects } from '../../graphql/selection';
import { authorize } from '../auth/access';
import { Allow } from '../auth/allow';
import { organiseNetwork, readGroups, writeGroupsAndProfiles } from '../auth/rules';
import { primeMemberCount } from '../memberships/membership.service';
import { Network } from '../networks/network.entity';
import { loadNetwork } from '../networks/network.loader';
import { proposerOf } from '../norms/norms.service';
import { authorizeGroupManager, canSeeGroup, findVisibleGroup, isNetworkManager, primeViewerMembership } from './group.access';
import { Group } from './group.entity';
import { CreateGroupInput, GroupsArgs, UpdateGroupInput } from './group.inputs';
import * as groups from './group.service';
import type { Context } from '../../graphql/context';
import type { GraphQLResolveInfo } from 'graphql';

export const GroupConnection = connectionType(Group, 'Group');

registerNodeType(
  'Group',
  async (ctx, ids) => {
    const found = await ctx.loaders.byId(Group).loadMany(ids);
    return Promise.all(found.map(async (g) => (g instanceof Group && (await canSeeGroup(ctx, g)) ? g : null)));
  },
  // A group page's member count and session lists are read in the group's round trip (their resolvers use only its id).
  {
    fields: new Set(['memberCount', 'sessions', 'nextSession']),
    standIn: (ctx, id) => Object.assign(Object.create(Group.prototype) as Group, { id, networkId: ctx.networkId }),
  },
);

@Resolver(() => Group)
export class GroupResolver {
  @Allow(readGroups)
  @Query(() => GroupConnection, {
    description: 'Groups of the network, by name. PRIVATE groups appear only to their members, facilitators, coordinators and admins. API keys need READ.',
  })
  async groups(@Args() args: GroupsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const list = await groups.listGroups(
      ctx,
      {
        viewerMemberId: ctx.viewerMemberId ?? undefined,
        hidePrivate: ctx.principal.kind === 'MEMBER' && !isNetworkManager(ctx),
        withMemberCount: selects(info, 'memberCount'),
      },
      args,
    );
    // What was read along with the groups answers their memberCount, viewerMembership and access checks.
    for (const g of list.nodes) {
      if (g.listedMemberCount !== undefined) primeMemberCount(ctx, g.id, g.listedMemberCount);
      if (g.listedViewerMembership !== undefined) primeViewerMembership(ctx, g.id, g.listedViewerMembership);
    }
    return list;
  }

  @FieldResolver(() => Network, { description: 'The network the group belongs to.' })
  async network(@Root() group: Group, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, group.networkId);
  }

  @Allow(organiseNetwork)
  @Mutation(() => Group, { description: 'Creates a group. Coordinators, admins, API keys with WRITE.' })
  async createGroup(@Arg('input', () => CreateGroupInput, { description: 'The new group.' }) input: CreateGroupInput, @Ctx() ctx: Context) {
    return groups.createGroup(ctx, input, proposerOf(ctx));
  }

  @Allow(writeGroupsAndProfiles)
  @Mutation(() => Group, { description: 'Changes a group. Its facilitators, coordinators, admins, API keys with WRITE.' })
  async updateGroup(
    @Arg('id', () => ID, { description: 'The group to change.' }) id: string,
    @Arg('input', () => UpdateGroupInput, { description: 'The changes.' }) input: UpdateGroupInput,
    @Ctx() ctx: Context,
  ) {
    const group = await findVisibleGroup(ctx, idArgument('id', id, 'Group'));
    await authorizeGroupManager(ctx, group.id, writeGroupsAndProfiles);
    return groups.updateGroup(ctx, group, input, proposerOf(ctx));
  }

  // Members pass the declared gate so that a PRIVATE group they cannot see is NOT_FOUND, as everywhere; then
  // archiving needs organiseNetwork.
  @Allow(writeGroupsAndProfiles)
  @Mutation(() => Group, {
    description:
      'Archives a group: it keeps its history, leaves `groups` (unless includeArchived) and takes no new members or sessions. Coordinators, admins, API keys with WRITE. Archiving twice is harmless.',
  })
  async archiveGroup(@Arg('id', () => ID, { description: 'The group to archive.' }) id: string, @Ctx() ctx: Context) {
    const group = await findVisibleGroup(ctx, idArgument('id', id, 'Group'));
    authorize(ctx, organiseNetwork);
    return groups.archiveGroup(ctx, group);
  }
}
