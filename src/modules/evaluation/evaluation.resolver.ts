import { Args, Ctx, Extensions, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { recordListRead } from '../audit/read-audit';
import { Allow } from '../auth/allow';
import { readGroups, readPersonalData } from '../auth/rules';
import { Group } from '../groups/group.entity';
import { driftingScope, seesGroupAggregates, trendScope } from './evaluation.access';
import { DriftingMembersArgs, HealthArgs, TrendArgs } from './evaluation.inputs';
import * as evaluation from './evaluation.service';
import { DriftingMemberConnection, GroupHealth, OutcomePoint, ParticipationPoint } from './evaluation.types';
import type { Context } from '../../graphql/context';

@Resolver(() => Group)
export class GroupHealthResolver {
  // Priced points (README "Cost and limits"), roughly by the SQL each runs (bench: one group's year ~10–20 ms).
  @Extensions({ cost: 50 })
  @FieldResolver(() => GroupHealth, {
    nullable: true,
    description:
      "How the group is doing over whole calendar months (network time zone): sessions held, attendance, retention, newcomers, rating, mood change. Rates and averages are withheld below the network's privacy threshold. The group's facilitators, coordinators, admins, API keys with READ; null for others.",
  })
  async health(@Root() group: Group, @Args() args: HealthArgs, @Ctx() ctx: Context): Promise<GroupHealth | null> {
    if (!(await seesGroupAggregates(ctx, group.id))) return null;
    await ctx.tx.useLongBudget();
    return evaluation.loadGroupHealth(ctx, group.id, args);
  }
}

@Resolver()
export class EvaluationResolver {
  // Network-wide over a year ~75–85 ms (bench).
  @Extensions({ cost: 100 })
  // The whole network (no groupId) needs readNetworkAggregates; one group, facilitator rights in it (evaluation.access.ts).
  @Allow(readGroups)
  @Query(() => [ParticipationPoint], {
    description:
      "Participation per period (sessions held, distinct attendees, attendance rate) from `from` to `to`, snapped to whole periods in the network's time zone; periods without sessions are included (zeros). One group: its facilitators, coordinators, admins; the whole network (no groupId): coordinators and admins. API keys need READ.",
  })
  async participationTrend(@Args() args: TrendArgs, @Ctx() ctx: Context): Promise<ParticipationPoint[]> {
    const groupId = await trendScope(ctx, args.groupId);
    await ctx.tx.useLongBudget();
    return evaluation.participationTrend(ctx, { groupId, interval: args.interval, from: args.from, to: args.to });
  }

  // Network-wide over a year ~95–105 ms (bench).
  @Extensions({ cost: 100 })
  @Allow(readGroups)
  @Query(() => [OutcomePoint], {
    description:
      "Outcomes per period from members' private wellbeing check-ins: respondents and average wellbeing and confidence, withheld when fewer than k people responded. For one group, the check-ins its members recorded while in it. Periods and access as for `participationTrend`.",
  })
  async outcomeTrend(@Args() args: TrendArgs, @Ctx() ctx: Context): Promise<OutcomePoint[]> {
    const groupId = await trendScope(ctx, args.groupId);
    await ctx.tx.useLongBudget();
    return evaluation.outcomeTrend(ctx, { groupId, interval: args.interval, from: args.from, to: args.to });
  }

  // Ranks every ACTIVE membership in scope: ~135–170 ms network-wide (bench), whatever the page.
  @Extensions({ cost: 200 })
  @Allow(readPersonalData)
  @Query(() => DriftingMemberConnection, {
    description:
      "ACTIVE members who missed their group's last `minMissed` held sessions in a row (cancelled sessions and sessions before they joined do not count), most missed first; members who asked not to be contacted are left out. One group: its facilitators, coordinators, admins. Without groupId: coordinators and admins see the whole network, facilitators the groups they facilitate. API keys need READ and PERSONAL_DATA.",
  })
  async driftingMembers(@Args() args: DriftingMembersArgs, @Ctx() ctx: Context) {
    const groups = await driftingScope(ctx, args.groupId);
    await ctx.tx.useLongBudget();
    const list = await evaluation.listDriftingMembers(ctx, groups, args.minMissed ?? 3, args);
    return recordListRead(ctx, 'Query.driftingMembers', list, (d) => d.membership.memberId);
  }
}
