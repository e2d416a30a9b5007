import { IsOptional, MaxLength } from 'class-validator';
import DataLoader from 'dataloader';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ConnectionArgs, connectionType, emptyConnection, loadNestedConnection } from '../../graphql/connection';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { liveSubscription } from '../../realtime/subscriptions';
import { authorize, isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { membersActingForThemselves, moderateGroupContent, readGroups, readPersonalData } from '../auth/rules';
import { authorizeGroupManager, findVisibleGroup, requireGroupFollower } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { Member } from '../members/member.entity';
import { Network } from '../networks/network.entity';
import { loadNetwork } from '../networks/network.loader';
import { SharedGroup } from '../partnerships/partnership.entity';
import { findSharedGroups } from '../partnerships/partnership.service';
import { assertMayPostResource, canSeeResource, findVisibleResource, moderatesGroupResources, readsGroupResources } from './resource.access';
import { GroupResource, ModerationAction, ResourceReport, SharedResource } from './resource.entity';
import { GroupResourcesArgs, PartnerResourcesArgs, PostResourceInput } from './resource.inputs';
import * as resources from './resource.service';
import type { Context } from '../../graphql/context';
import type { TopicPayload } from '../../realtime/topics';

export const GroupResourceConnection = connectionType(GroupResource, 'GroupResource');
export const ResourceReportConnection = connectionType(ResourceReport, 'ResourceReport');
export const SharedResourceConnection = connectionType(SharedResource, 'SharedResource');

registerNodeType('GroupResource', async (ctx, ids) => {
  const found = await ctx.loaders.byId(GroupResource).loadMany(ids);
  return Promise.all(found.map(async (r) => (r instanceof GroupResource && (await canSeeResource(ctx, r)) ? r : null)));
});

@ArgsType()
class ReportResourceArgs {
  @Field(() => ID, { description: 'The resource.' })
  id: string;

  @Field(() => String, { nullable: true, description: "Why it breaks the group's norms (up to 500 characters), shown to the group's facilitators." })
  @IsOptional()
  @MaxLength(500)
  reason?: string | null;
}

/**
 * Who may follow a group's new resources live: whoever reads them (`Group.resources`): the group's ACTIVE members,
 * facilitators, coordinators and admins; API keys with READ. The group's database id.
 */
const resourcesLive = liveSubscription('resourcePosted', 'groupId', async (ctx, groupId) => {
  const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
  if (ctx.principal.kind === 'API_KEY') authorize(ctx, readGroups);
  else await requireGroupFollower(ctx, group.id);
  return group.id;
});

@Resolver(() => GroupResource)
export class GroupResourceResolver {
  @Allow(readGroups)
  @Subscription(() => GroupResource, {
    description:
      "A resource was shared in the group. The group's ACTIVE members, facilitators, coordinators and admins; API keys with READ. Anonymous resources stay anonymous (`author` null). Another network's or an invisible group: NOT_FOUND; others: FORBIDDEN. Leaving the group ends the updates.",
    subscribe: resourcesLive.subscribe,
  })
  resourcePosted(
    @Arg('groupId', () => ID, { description: 'The group whose new resources to follow.' }) groupId: string,
    @Root() event: TopicPayload<'resourcePosted'>,
    @Ctx() ctx: Context,
  ): Promise<GroupResource> {
    return resourcesLive.deliver(ctx, groupId, async (group) => {
      const r = await ctx.loaders.byId(GroupResource).load(event.resourceId);
      return r?.groupId === group && (await canSeeResource(ctx, r)) ? r : null;
    });
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => GroupResource, {
    description:
      "Shares a resource with the group: a coping strategy, a link, a reading or a local service, optionally anonymously. Member tokens only; ACTIVE members of the group (otherwise FORBIDDEN); an archived group: CONFLICT. Another network's or an invisible group: NOT_FOUND.",
  })
  async postResource(
    @Arg('groupId', () => ID, { description: 'The group to share with.' }) groupId: string,
    @Arg('input', () => PostResourceInput, { description: 'The resource.' }) input: PostResourceInput,
    @Ctx() ctx: Context,
  ): Promise<GroupResource> {
    const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
    await assertMayPostResource(ctx, group);
    return resources.postResource(ctx, group, ctx.viewerMemberId!, input);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => GroupResource, {
    description:
      '"This helped me" (helpful: true) or taking it back (false); once per member, repeating changes nothing. Only the count is ever shown, never who. Member tokens only, of members who see the resource; a hidden resource: CONFLICT.',
  })
  async markResourceHelpful(
    @Arg('id', () => ID, { description: 'The resource.' }) id: string,
    @Arg('helpful', { description: 'True to mark it helpful, false to take the mark back.' }) helpful: boolean,
    @Ctx() ctx: Context,
  ): Promise<GroupResource> {
    const { resource } = await findVisibleResource(ctx, idArgument('id', id, 'GroupResource'));
    return resources.setHelpful(ctx, resource, ctx.viewerMemberId!, helpful);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Boolean, {
    description:
      "Reports a resource for breaking the group's norms. The group's facilitators see the reasons and the count, never who reported (the author never learns it either). Once per member: a second report changes nothing. Member tokens only, of members who see the resource. Always true.",
  })
  async reportResource(@Args() args: ReportResourceArgs, @Ctx() ctx: Context): Promise<boolean> {
    const { resource } = await findVisibleResource(ctx, idArgument('id', args.id, 'GroupResource'));
    await resources.reportResource(ctx, resource, ctx.viewerMemberId!, args.reason);
    return true;
  }

  @Allow(moderateGroupContent)
  @Mutation(() => GroupResource, {
    description:
      "Pins, unpins, hides or restores a resource; repeating an action changes nothing. The group's facilitators, coordinators and admins; API keys with WRITE (and READ to find hidden ones). Audited.",
  })
  async moderateResource(
    @Arg('id', () => ID, { description: 'The resource.' }) id: string,
    @Arg('action', () => ModerationAction, { description: 'What to do.' }) action: ModerationAction,
    @Ctx() ctx: Context,
  ): Promise<GroupResource> {
    const { resource, group } = await findVisibleResource(ctx, idArgument('id', id, 'GroupResource'));
    await authorizeGroupManager(ctx, group.id, moderateGroupContent);
    return resources.moderateResource(ctx, resource, action);
  }

  @Allow(moderateGroupContent)
  @Mutation(() => GroupResource, {
    description:
      "Shares a resource with partner networks (shared: true) or stops sharing it (false). Partners see it in `partnerResources` while an ACTIVE partnership shares GROUP_DIRECTORY and the group is in the partner directory (visibility PARTNERS, otherwise CONFLICT), never with an author's name; a hidden resource: CONFLICT. The group's facilitators, coordinators and admins; API keys with WRITE. Audited.",
  })
  async shareResourceWithPartners(
    @Arg('id', () => ID, { description: 'The resource.' }) id: string,
    @Arg('shared', { description: 'True to share, false to stop sharing.' }) shared: boolean,
    @Ctx() ctx: Context,
  ): Promise<GroupResource> {
    const { resource, group } = await findVisibleResource(ctx, idArgument('id', id, 'GroupResource'));
    await authorizeGroupManager(ctx, group.id, moderateGroupContent);
    return resources.shareWithPartners(ctx, resource, group, shared);
  }

  @FieldResolver(() => Group, { description: 'The group it was shared in.' })
  async group(@Root() r: GroupResource, @Ctx() ctx: Context): Promise<Group> {
    return (await ctx.loaders.byId(Group).load(r.groupId))!;
  }

  @FieldResolver(() => Member, {
    nullable: true,
    description:
      'Who posted it: always null for anonymous resources (nothing stored names them). For named ones: shown to member tokens that see the resource and to API keys with READ and PERSONAL_DATA.',
  })
  async author(@Root() r: GroupResource, @Ctx() ctx: Context): Promise<Member | null> {
    if (r.anonymous) return null;
    if (ctx.principal.kind === 'API_KEY' && !isAllowed(ctx, readPersonalData)) return null;
    const memberId = await resources.authorLoader(ctx).load(r.id);
    return memberId ? ctx.loaders.byId(Member).load(memberId) : null;
  }

  @FieldResolver(() => Int, { description: 'How many members marked it "this helped me". Who marked it is never shown.' })
  helpfulCount(@Root() r: GroupResource, @Ctx() ctx: Context): Promise<number> | number {
    return resources.listedHelpfulCount(r) ?? resources.helpfulCount(ctx, r.id);
  }

  @FieldResolver(() => Boolean, { description: 'True when the viewer (a member token) marked it helpful; false for API keys.' })
  viewerFoundHelpful(@Root() r: GroupResource, @Ctx() ctx: Context): Promise<boolean> {
    return resources.viewerFoundHelpful(ctx, r.id);
  }

  @FieldResolver(() => ResourceReportConnection, {
    description:
      "Reports of the resource, newest first, with their reasons; `totalCount` is the number of members who reported it. Never who reported. The group's facilitators, coordinators and admins; API keys with READ and WRITE; empty for others (the author included).",
  })
  async reports(@Root() r: GroupResource, @Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    if (!(await moderatesGroupResources(ctx, r.groupId))) return emptyConnection<ResourceReport>();
    return loadNestedConnection(ctx, { spec: resources.reportsSpec(ctx.manager), parentId: r.id, args });
  }
}

@Resolver(() => Group)
export class GroupResourcesResolver {
  @FieldResolver(() => GroupResourceConnection, {
    description:
      "Resources shared in the group: pinned first, then by `orderBy` (newest by default, or most helpful), optionally of one topic. The group's ACTIVE members, facilitators, coordinators and admins; API keys with READ; empty for others. Hidden resources only for the group's facilitators, coordinators and admins (and API keys with READ and WRITE).",
  })
  async resources(@Root() group: Group, @Args() args: GroupResourcesArgs, @Ctx() ctx: Context) {
    if (!(await readsGroupResources(ctx, group.id))) return emptyConnection<GroupResource>();
    const params: unknown[] = [];
    const conditions: string[] = [];
    if (!(await moderatesGroupResources(ctx, group.id))) conditions.push('t.hidden_at IS NULL');
    if (args.topic) conditions.push(`t.topics @> ARRAY[$${2 + params.push(args.topic.trim().toLowerCase())}]::text[]`);
    return loadNestedConnection(ctx, {
      spec: resources.groupResourcesSpec(ctx.manager, args.orderBy),
      parentId: group.id,
      args,
      filter: { sql: conditions.join(' AND '), params },
    });
  }
}

/** Shared groups by id for the shared resources of one page (one statement). */
function sharedGroupLoader(ctx: Context): DataLoader<string, SharedGroup | null> {
  return ctx.loaders.keyed('resource-shared-groups', () => new DataLoader<string, SharedGroup | null>((ids) => findSharedGroups(ctx, ids)));
}

@Resolver(() => SharedResource)
export class SharedResourceResolver {
  @Allow(readGroups)
  @Query(() => SharedResourceConnection, {
    description:
      "Resources partner networks' facilitators shared with partners: of networks with an ACTIVE partnership sharing GROUP_DIRECTORY, of groups in their partner directory, not hidden; newest shared first. Never who posted them. Gone at once when the partnership is revoked. Any member; API keys with READ.",
  })
  async partnerResources(@Args() args: PartnerResourcesArgs, @Ctx() ctx: Context) {
    return resources.listPartnerResources(ctx, args);
  }

  @FieldResolver(() => Network, { description: 'The partner network it comes from.' })
  network(@Root() r: SharedResource, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, r.networkId);
  }

  @FieldResolver(() => SharedGroup, { description: "The partner network's group it was shared in, as the partner directory shows it." })
  async group(@Root() r: SharedResource, @Ctx() ctx: Context): Promise<SharedGroup> {
    return (await sharedGroupLoader(ctx).load(r.groupId))!;
  }
}
