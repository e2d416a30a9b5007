import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { Allow } from '../auth/allow';
import { organiseNetwork, useCalendarFeeds } from '../auth/rules';
import { canSeeGroup, findVisibleGroup } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { CalendarFeed } from './calendar-feed.entity';
import { CalendarFeedsArgs, GroupListingInput } from './feeds.inputs';
import * as feeds from './feeds.service';
import type { Context } from '../../graphql/context';

registerNodeType('CalendarFeed', async (ctx, ids) => (ctx.viewerMemberId ? feeds.findOwnFeeds(ctx, ctx.viewerMemberId, ids) : ids.map(() => null)));

@Resolver(() => CalendarFeed)
export class CalendarFeedResolver {
  @Allow(useCalendarFeeds)
  @Query(() => [CalendarFeed], { description: "The viewer's own calendar feeds, newest first (their URLs are not shown again). Member tokens only." })
  calendarFeeds(@Args() args: CalendarFeedsArgs, @Ctx() ctx: Context): Promise<CalendarFeed[]> {
    return feeds.listCalendarFeeds(ctx, ctx.viewerMemberId!, args.includeRevoked);
  }

  @Allow(useCalendarFeeds)
  @Mutation(() => CalendarFeed, {
    description: `Creates a secret calendar subscription URL for the viewer, shown once in \`url\`. Without \`groupId\`: their "my sessions" feed (every group they are an ACTIVE member of, with their RSVP). With it: that group's sessions, for its ACTIVE members, facilitators, coordinators and admins (others: FORBIDDEN). At most ${feeds.MAX_LIVE_FEEDS_PER_MEMBER} live feeds per member (CONFLICT). Member tokens only. Audited.`,
  })
  async createCalendarFeed(
    @Arg('groupId', () => ID, { nullable: true, description: "The group whose sessions the feed carries; omit for the viewer's own sessions." })
    groupId: string | null,
    @Ctx() ctx: Context,
  ): Promise<CalendarFeed> {
    const group = groupId ? await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group')) : null;
    return feeds.createCalendarFeed(ctx, group);
  }

  @Allow(useCalendarFeeds)
  @Mutation(() => CalendarFeed, {
    description: "Revokes one of the viewer's calendar feeds: its URL answers 404 from now on. Revoking twice is harmless. Member tokens only. Audited.",
  })
  revokeCalendarFeed(@Arg('id', () => ID, { description: 'The feed to revoke.' }) id: string, @Ctx() ctx: Context): Promise<CalendarFeed> {
    return feeds.revokeCalendarFeed(ctx, idArgument('id', id, 'CalendarFeed'));
  }

  @Allow(organiseNetwork)
  @Mutation(() => Group, {
    description:
      'Puts a group into the public meeting feed `GET /feeds/<network-slug>/meetings.json` (or takes it out) and sets what the feed says about it. Never PRIVATE or archived groups (CONFLICT). Coordinators, admins, API keys with WRITE. Audited.',
  })
  async updateGroupListing(
    @Arg('groupId', () => ID, { description: 'The group.' }) groupId: string,
    @Arg('input', () => GroupListingInput, { description: 'The changes.' }) input: GroupListingInput,
    @Ctx() ctx: Context,
  ): Promise<Group> {
    const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
    const updated = await feeds.updateGroupListing(ctx, group, input);
    ctx.loaders.byId(Group).clear(group.id).prime(group.id, updated);
    return updated;
  }

  @FieldResolver(() => Group, {
    nullable: true,
    description: 'The group of a GROUP feed (null for a MEMBER feed, or once the viewer can no longer see the group).',
  })
  async group(@Root() feed: CalendarFeed, @Ctx() ctx: Context): Promise<Group | null> {
    if (!feed.groupId) return null;
    const group = await ctx.loaders.byId(Group).load(feed.groupId);
    return group && (await canSeeGroup(ctx, group)) ? group : null;
  }
}
