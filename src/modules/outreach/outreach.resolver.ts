import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, connectionType, emptyConnection, loadNestedConnection } from '../../graphql/connection';
import { notFound } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { seesParticipation } from '../attendance/participation';
import { recordListRead } from '../audit/read-audit';
import { Allow } from '../auth/allow';
import { writePersonalData } from '../auth/rules';
import { authorizeGroupManager, canSeeGroup } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { Member } from '../members/member.entity';
import { Membership } from '../memberships/membership.entity';
import { findVisibleMembership } from '../memberships/membership.resolver';
import { Outreach } from './outreach.entity';
import { OutreachInput } from './outreach.inputs';
import * as outreach from './outreach.service';
import type { Context } from '../../graphql/context';

export const OutreachConnection = connectionType(Outreach, 'Outreach');

/** Outreach records are for the group's facilitators, coordinators, admins and API keys with READ and PERSONAL_DATA. */
async function canSeeOutreach(ctx: Context, o: Outreach): Promise<boolean> {
  const m = await ctx.loaders.byId(Membership).load(o.membershipId);
  const group = m ? await ctx.loaders.byId(Group).load(m.groupId) : null;
  return group != null && (await canSeeGroup(ctx, group)) && seesParticipation(ctx, group.id);
}

registerNodeType('Outreach', async (ctx, ids) => {
  const found = await ctx.loaders.byId(Outreach).loadMany(ids);
  return Promise.all(found.map(async (o) => (o instanceof Outreach && (await canSeeOutreach(ctx, o)) ? o : null)));
});

@Resolver(() => Outreach)
export class OutreachResolver {
  @FieldResolver(() => Membership, { description: 'The membership of the member who was reached out to.' })
  async membership(@Root() o: Outreach, @Ctx() ctx: Context): Promise<Membership> {
    return (await ctx.loaders.byId(Membership).load(o.membershipId))!;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who reached out; null when recorded through an API key or when that member was erased.' })
  async by(@Root() o: Outreach, @Ctx() ctx: Context): Promise<Member | null> {
    return o.byMemberId == null ? null : ctx.loaders.byId(Member).load(o.byMemberId);
  }

  @Allow(writePersonalData)
  @Mutation(() => Outreach, {
    description:
      "Records that someone reached out to a member of a group (e.g. a drifting one); `by` is the viewer. The group's facilitators, coordinators, admins; API keys with WRITE and PERSONAL_DATA.",
  })
  async recordOutreach(
    @Arg('membershipId', () => ID, { description: 'The membership of the member reached out to.' }) membershipId: string,
    @Arg('input', () => OutreachInput, { description: 'What happened.' }) input: OutreachInput,
    @Ctx() ctx: Context,
  ): Promise<Outreach> {
    const id = idArgument('membershipId', membershipId, 'Membership');
    let m: Membership;
    if (ctx.principal.kind === 'API_KEY') {
      // Keys without WRITE and PERSONAL_DATA were refused before the lookup (the declared rule), so they learn
      // nothing; a key with them may act on any membership of its network, READ or not.
      const found = id ? await ctx.loaders.byId(Membership).load(id) : null;
      if (!found) throw notFound('Membership');
      m = found;
    } else {
      m = await findVisibleMembership(ctx, id);
      await authorizeGroupManager(ctx, m.groupId, writePersonalData);
    }
    return outreach.recordOutreach(ctx, m, ctx.viewerMemberId, input);
  }
}

@Resolver(() => Membership)
export class MembershipOutreachResolver {
  @FieldResolver(() => OutreachConnection, {
    description:
      "Outreach to this member about this group, newest first. The group's facilitators, coordinators, admins and API keys with READ and PERSONAL_DATA; empty for others (the member included).",
  })
  async outreach(@Root() m: Membership, @Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    if (!(await seesParticipation(ctx, m.groupId))) return emptyConnection<Outreach>();
    const list = await loadNestedConnection(ctx, { spec: outreach.outreachSpec(ctx.manager), parentId: m.id, args });
    return recordListRead(ctx, 'Membership.outreach', list, () => m.memberId);
  }
}
