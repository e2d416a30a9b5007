import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Info, Int, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { connectionType, emptyConnection, loadNestedConnection, type NestedFilter } from '../../graphql/connection';
import { forbidden } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { selects } from '../../graphql/selection';
import { liveSubscription } from '../../realtime/subscriptions';
import { authorize, isAllowed, isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import { anyCredential, membersActingForThemselves, readMemberDirectory, readPersonalData, writePersonalData } from '../auth/rules';
import {
  authorizeGroupManager,
  canSeeGroup,
  findVisibleGroup,
  isGroupManager,
  isGroupMember,
  isNetworkManager,
  requireGroupFollower,
  viewerMembership,
} from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { Member } from '../members/member.entity';
import { findMember } from '../members/member.service';
import { Engagement, GroupRole, Membership, MembershipStatus } from './membership.entity';
import { GroupMembershipsArgs, MemberMembershipsArgs } from './membership.inputs';
import * as memberships from './membership.service';
import type { Context } from '../../graphql/context';
import type { TopicPayload } from '../../realtime/topics';
import type { GraphQLResolveInfo } from 'graphql';

export const MembershipConnection = connectionType(Membership, 'Membership');

/**
 * Whether the caller sees a group's whole member list: its managers, its ACTIVE members, and API keys with
 * PERSONAL_DATA. Others see only their own membership.
 */
async function seesMemberList(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readPersonalData);
  return (await isGroupManager(ctx, groupId)) || (await isGroupMember(ctx, groupId));
}

/** A membership is visible to the member, to whoever sees the group's member list, and only if the group is visible. */
async function canSeeMembership(ctx: Context, m: Membership): Promise<boolean> {
  const group = await ctx.loaders.byId(Group).load(m.groupId);
  if (!group || !(await canSeeGroup(ctx, group))) return false;
  return isSelf(ctx, m.memberId) || seesMemberList(ctx, m.groupId);
}

registerNodeType('Membership', async (ctx, ids) => {
  const found = await ctx.loaders.byId(Membership).loadMany(ids);
  return Promise.all(found.map(async (m) => (m instanceof Membership && (await canSeeMembership(ctx, m)) ? m : null)));
});

/**
 * The membership behind an ID argument if the caller may see it (or, with `forChange`, is an API key that
 * may change memberships: it need not be able to read member lists); NOT_FOUND otherwise.
 */
export async function findVisibleMembership(ctx: Context, id: string | undefined, forChange = false): Promise<Membership> {
  const m = id ? await ctx.loaders.byId(Membership).load(id) : null;
  const keyMayChange = forChange && ctx.principal.kind === 'API_KEY' && isAllowed(ctx, writePersonalData);
  const visible = m != null && (keyMayChange || (await canSeeMembership(ctx, m)));
  if (!visible) throw memberships.membershipNotFound();
  return m;
}

/**
 * Who may follow a group's memberships live: API keys with READ and PERSONAL_DATA (as `Group.memberships`);
 * member tokens taking part in the group (see requireGroupFollower). The group's database id.
 */
const membershipsLive = liveSubscription('membershipChanged', 'groupId', async (ctx, groupId) => {
  const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
  if (ctx.principal.kind === 'API_KEY') authorize(ctx, readPersonalData);
  else await requireGroupFollower(ctx, group.id);
  return group.id;
});

@Resolver(() => Membership)
export class MembershipResolver {
  @Allow(readPersonalData)
  @Subscription(() => Membership, {
    description:
      "A membership of the group was created or changed (join, add, role or status change, leave). The group's ACTIVE members, facilitators, coordinators and admins; API keys with READ and PERSONAL_DATA. Another network's or an invisible group: NOT_FOUND. Leaving the group ends the updates.",
    subscribe: membershipsLive.subscribe,
  })
  membershipChanged(
    @Arg('groupId', () => ID, { description: 'The group whose memberships to follow.' }) groupId: string,
    @Root() event: TopicPayload<'membershipChanged'>,
    @Ctx() ctx: Context,
  ): Promise<Membership> {
    return membershipsLive.deliver(ctx, groupId, async (group) => {
      const m = await ctx.loaders.byId(Membership).load(event.membershipId);
      return m?.groupId === group && (await canSeeMembership(ctx, m)) ? m : null;
    });
  }

  @FieldResolver(() => Group, { description: 'The group.' })
  async group(@Root() m: Membership, @Ctx() ctx: Context): Promise<Group> {
    return (await ctx.loaders.byId(Group).load(m.groupId))!;
  }

  @FieldResolver(() => Member, { description: 'The member (display name for co-members; email only where the privacy rules allow).' })
  async member(@Root() m: memberships.ListedMembership, @Ctx() ctx: Context): Promise<Member> {
    return m.preloadedMember ?? (await ctx.loaders.byId(Member).load(m.memberId))!;
  }

  // A per-row aggregate over the group's last sessions.
  @Extensions({ cost: 1 })
  @FieldResolver(() => Engagement, { description: "How engaged the member is, from attendance at the group's completed sessions since joining." })
  async engagement(@Root() m: memberships.ListedMembership, @Ctx() ctx: Context): Promise<Engagement> {
    return m.engagementValue ?? memberships.loadEngagement(ctx, m.id);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Membership, {
    description:
      'The viewer joins a group, accepting its norms (`acceptNorms` must be true; the time is recorded). Member tokens only. Already a member: CONFLICT; full: CONFLICT; archived: BAD_USER_INPUT. PRIVATE groups cannot be joined, only added to.',
  })
  async joinGroup(
    @Arg('groupId', () => ID, { description: 'The group to join.' }) groupId: string,
    @Arg('acceptNorms', { description: "Must be true: the member accepts the group's norms." }) acceptNorms: boolean,
    @Ctx() ctx: Context,
  ) {
    const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
    memberships.requireAcceptedNorms(acceptNorms);
    if (group.visibility === 'PRIVATE' && !isNetworkManager(ctx) && !(await viewerMembership(ctx, group.id))) {
      throw forbidden('PRIVATE groups cannot be joined; a facilitator can add you');
    }
    return memberships.enterGroup(ctx, group, ctx.viewerMemberId!, GroupRole.MEMBER, true, 'groupId');
  }

  @Allow(writePersonalData)
  @Mutation(() => Membership, {
    description:
      "Adds a member of the network to a group (also to a PRIVATE one) with a role; they accept the norms when they first join a session. The group's facilitators, coordinators, admins; API keys with WRITE and PERSONAL_DATA.",
  })
  async addMember(
    @Arg('groupId', () => ID, { description: 'The group.' }) groupId: string,
    @Arg('memberId', () => ID, { description: 'The member to add.' }) memberId: string,
    @Arg('role', () => GroupRole, { defaultValue: GroupRole.MEMBER, description: 'Their role in the group.' }) role: GroupRole,
    @Ctx() ctx: Context,
  ) {
    const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
    await authorizeGroupManager(ctx, group.id, writePersonalData);
    const member = await findMember(ctx, idArgument('memberId', memberId, 'Member'));
    return memberships.enterGroup(ctx, group, member.id, role, false, 'groupId');
  }

  // Visibility decides first, as for every caller: a key that cannot see the membership gets NOT_FOUND, not
  // FORBIDDEN. Then members may change their own status; the rest needs writePersonalData and facilitator rights.
  @Allow(anyCredential)
  @Mutation(() => Membership, {
    description:
      "Changes a membership. The group's facilitators, coordinators, admins and API keys with WRITE and PERSONAL_DATA may change role and status; the member may change their own status (pause, resume, leave).",
  })
  async updateMembership(
    @Arg('id', () => ID, { description: 'The membership.' }) id: string,
    @Arg('role', () => GroupRole, { nullable: true, description: 'New role.' }) role: GroupRole | null,
    @Arg('status', () => MembershipStatus, { nullable: true, description: 'New status.' }) status: MembershipStatus | null,
    @Ctx() ctx: Context,
  ) {
    const m = await findVisibleMembership(ctx, idArgument('id', id, 'Membership'), true);
    const selfService = role == null && isSelf(ctx, m.memberId);
    if (!selfService) await authorizeGroupManager(ctx, m.groupId, writePersonalData);
    else if (status === MembershipStatus.ACTIVE && m.status === MembershipStatus.LEFT && !(await isGroupManager(ctx, m.groupId))) {
      // Coming back means accepting the norms again.
      throw memberships.rejoinThroughJoinGroup();
    }
    const group = (await ctx.loaders.byId(Group).load(m.groupId))!;
    return memberships.changeMembership(ctx, group, m, { role, status });
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Membership, { description: 'The viewer leaves a group (status LEFT). Member tokens only. Not a member: NOT_FOUND; already left: CONFLICT.' })
  async leaveGroup(@Arg('groupId', () => ID, { description: 'The group to leave.' }) groupId: string, @Ctx() ctx: Context) {
    const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
    const m = await viewerMembership(ctx, group.id);
    if (!m) throw memberships.membershipNotFound();
    if (m.status === MembershipStatus.LEFT) throw memberships.alreadyLeft();
    return memberships.changeMembership(ctx, group, m, { status: MembershipStatus.LEFT });
  }
}

@Resolver(() => Group)
export class GroupMembershipsResolver {
  // A count per group, batched: priced like the object a loader brings.
  @Extensions({ cost: 1 })
  @FieldResolver(() => Int, { description: 'Number of ACTIVE members.' })
  memberCount(@Root() group: Group, @Ctx() ctx: Context): Promise<number> {
    return memberships.loadMemberCount(ctx, group.id);
  }

  @FieldResolver(() => Membership, { nullable: true, description: "The viewer's own membership (any status); null for non-members and API keys." })
  viewerMembership(@Root() group: Group, @Ctx() ctx: Context): Promise<Membership | null> {
    return viewerMembership(ctx, group.id);
  }

  @FieldResolver(() => MembershipConnection, {
    description:
      "Members of the group, facilitators first, then by join time (longest-standing first). The whole list for the group's members, facilitators, coordinators, admins and API keys with PERSONAL_DATA; others see only their own membership.",
  })
  async memberships(@Root() group: Group, @Args() args: GroupMembershipsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length + 2}`;
    };
    if (args.role) conditions.push(`t.role = ${param(args.role)}`);
    conditions.push(args.status ? `t.status = ${param(args.status)}` : `t.status <> 'LEFT'`);
    const ownOnly = !(await seesMemberList(ctx, group.id));
    if (ownOnly && !ctx.viewerMemberId) return emptyConnection<Membership>();
    const filter: NestedFilter = { sql: conditions.join(' AND '), params };
    const specs = memberships.membershipSpecs(ctx.manager);
    const spec = selects(info, 'engagement') ? specs.byGroup : specs.byGroupWithoutEngagement;
    return loadNestedConnection(ctx, { spec, parentId: group.id, args, filter, ownRowsOnly: ownOnly });
  }
}

@Resolver(() => Member)
export class MemberMembershipsResolver {
  @FieldResolver(() => MembershipConnection, {
    description: "The member's groups, oldest first. Shown to the member, coordinators, admins and API keys with READ and PERSONAL_DATA; empty for others.",
  })
  async memberships(@Root() member: Member, @Args() args: MemberMembershipsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const privileged = isAllowed(ctx, readMemberDirectory);
    if (!isSelf(ctx, member.id) && !privileged) return emptyConnection<Membership>();
    const conditions: string[] = [];
    if (args.status) conditions.push('t.status = $3');
    // A member who left a PRIVATE group no longer sees it, here as everywhere else.
    if (!privileged) {
      conditions.push(`NOT (t.status = 'LEFT' AND EXISTS (
        SELECT 1 FROM groups g WHERE g.network_id = t.network_id AND g.id = t.group_id AND g.visibility = 'PRIVATE'))`);
    }
    const filter: NestedFilter = { sql: conditions.join(' AND '), params: args.status ? [args.status] : [] };
    const specs = memberships.membershipSpecs(ctx.manager);
    const spec = selects(info, 'engagement') ? specs.byMember : specs.byMemberWithoutEngagement;
    return loadNestedConnection(ctx, { spec, parentId: member.id, args, filter });
  }
}
