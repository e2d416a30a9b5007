import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ConnectionArgs, connectionType, loadNestedConnection, type NestedFilter, type ReadAlong } from '../../graphql/connection';
import { invalidArgument } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { selects } from '../../graphql/selection';
import { liveSubscription } from '../../realtime/subscriptions';
import { attendanceCountReadAlong, primeAttendanceCount, type AttendanceReadAlongRow } from '../attendance/attendance.service';
import { authorize } from '../auth/access';
import { Allow } from '../auth/allow';
import { readGroups, writeGroupsAndProfiles } from '../auth/rules';
import { authorizeGroupManager, findVisibleGroup, requireGroupFollower } from '../groups/group.access';
import { Group } from '../groups/group.entity';
import { primeRsvps, rsvpReadAlong, type RsvpReadAlongRow } from '../rsvps/rsvp.service';
import { canSeeSession, findVisibleSession } from './session.access';
import { Session } from './session.entity';
import { GroupSessionsArgs, ScheduleSessionsInput, UpdateSessionInput } from './session.inputs';
import * as sessions from './session.service';
import type { Context } from '../../graphql/context';
import type { TopicPayload } from '../../realtime/topics';
import type { GraphQLResolveInfo } from 'graphql';

export const SessionConnection = connectionType(Session, 'Session');

const MAX_REASON = 1000;

registerNodeType('Session', async (ctx, ids) => {
  const found = await ctx.loaders.byId(Session).loadMany(ids);
  return Promise.all(found.map(async (s) => (s instanceof Session && (await canSeeSession(ctx, s)) ? s : null)));
});

/** Keeps the request's loader in step with a write, for fields read later in the same operation. */
function fresh(ctx: Context, session: Session): Session {
  ctx.loaders.byId(Session).clear(session.id).prime(session.id, session);
  return session;
}

/** The session behind an ID argument, for its group's managers (API keys: WRITE); NOT_FOUND / FORBIDDEN otherwise. */
async function findManagedSession(ctx: Context, id: string) {
  const found = await findVisibleSession(ctx, idArgument('id', id, 'Session'));
  await authorizeGroupManager(ctx, found.group.id, writeGroupsAndProfiles);
  return found;
}

/**
 * Who may follow a group's sessions live: whoever may read them (API keys: READ), and for member tokens only
 * those taking part in the group (see requireGroupFollower). The group's database id.
 */
const sessionsLive = liveSubscription('sessionChanged', 'groupId', async (ctx, groupId) => {
  authorize(ctx, readGroups);
  const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
  await requireGroupFollower(ctx, group.id);
  return group.id;
});

/** A session row with the counts read along (only those selected are there). */
type SessionCountsRow = RsvpReadAlongRow & AttendanceReadAlongRow & { id: string };

/** The counts a session list shows (RSVPs, attendance), read with the page when they are selected. */
function sessionCountsReadAlong(ctx: Context, info: GraphQLResolveInfo): ReadAlong<SessionCountsRow> | undefined {
  const parts: Array<{ select: string; join: string }> = [];
  const primes: Array<(row: SessionCountsRow) => void> = [];
  if (selects(info, 'rsvpCounts')) {
    parts.push(rsvpReadAlong(ctx.manager, null, 't'));
    primes.push((row) => primeRsvps(ctx, row.id, row));
  }
  if (selects(info, 'attendanceCount')) {
    parts.push(attendanceCountReadAlong('t'));
    primes.push((row) => primeAttendanceCount(ctx, row.id, row));
  }
  if (!parts.length) return undefined;
  return {
    key: `counts:${primes.length}:${parts.map((p) => p.select).join(',')}`,
    select: parts.map((p) => p.select).join(', '),
    join: parts.map((p) => p.join).join(' '),
    prime: (row) => primes.forEach((prime) => prime(row)),
  };
}

@Resolver(() => Session)
export class SessionResolver {
  @FieldResolver(() => Group, { description: 'The group holding the session.' })
  async group(@Root() session: Session, @Ctx() ctx: Context): Promise<Group> {
    return (await ctx.loaders.byId(Group).load(session.groupId))!;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: "Most GOING RSVPs: the session's own capacity, else its group's; null means no limit.",
  })
  async capacity(@Root() session: Session, @Ctx() ctx: Context): Promise<number | null> {
    if (session.capacity != null) return session.capacity;
    return (await ctx.loaders.byId(Group).load(session.groupId))?.capacity ?? null;
  }

  @Allow(readGroups)
  @Query(() => SessionConnection, {
    description:
      'Upcoming sessions (SCHEDULED or LIVE, not yet over), soonest first. Member tokens: the sessions of the groups where the viewer is an ACTIVE member. API keys (READ): every upcoming session of the network.',
  })
  upcomingSessions(@Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    return sessions.listUpcomingSessions(ctx, ctx.viewerMemberId, args);
  }

  // Up to 52 sessions written.
  @Extensions({ cost: 50 })
  @Allow(writeGroupsAndProfiles)
  @Mutation(() => [Session], {
    description:
      "Schedules one session, or a series with `repeat` (up to 52, sharing the same local time in `timeZone` across daylight-saving changes). Capacity defaults to the group's, the agenda to the group's template. The group's facilitators, coordinators, admins; API keys with WRITE. Archived group: BAD_USER_INPUT.",
  })
  async scheduleSessions(
    @Arg('groupId', () => ID, { description: 'The group the sessions belong to.' }) groupId: string,
    @Arg('input', () => ScheduleSessionsInput, { description: 'The session, or the first of the series.' }) input: ScheduleSessionsInput,
    @Ctx() ctx: Context,
  ): Promise<Session[]> {
    const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
    await authorizeGroupManager(ctx, group.id, writeGroupsAndProfiles);
    return sessions.scheduleSessions(ctx, group, input);
  }

  @Allow(writeGroupsAndProfiles)
  @Mutation(() => Session, {
    description:
      "Changes a SCHEDULED or LIVE session (others: CONFLICT). The end must stay after the start. Raising the capacity promotes waitlisted RSVPs. The group's facilitators, coordinators, admins; API keys with WRITE.",
  })
  async updateSession(
    @Arg('id', () => ID, { description: 'The session to change.' }) id: string,
    @Arg('input', () => UpdateSessionInput, { description: 'The changes.' }) input: UpdateSessionInput,
    @Ctx() ctx: Context,
  ): Promise<Session> {
    const { group, session } = await findManagedSession(ctx, id);
    return fresh(ctx, await sessions.updateSession(ctx, group, session.id, input));
  }

  @Allow(writeGroupsAndProfiles)
  @Mutation(() => Session, {
    description:
      "Cancels a SCHEDULED session (otherwise CONFLICT), with an optional reason shown to members. The group's facilitators, coordinators, admins; API keys with WRITE.",
  })
  async cancelSession(
    @Arg('id', () => ID, { description: 'The session to cancel.' }) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Why it is cancelled (up to 1,000 characters).' }) reason: string | null,
    @Ctx() ctx: Context,
  ): Promise<Session> {
    const { session } = await findManagedSession(ctx, id);
    if (reason != null && reason.length > MAX_REASON) throw invalidArgument('reason', `must be at most ${MAX_REASON} characters`);
    return fresh(ctx, await sessions.transition(ctx, session.id, 'cancel', reason));
  }

  @Allow(writeGroupsAndProfiles)
  @Mutation(() => Session, {
    description:
      "Starts a SCHEDULED session: it becomes LIVE (otherwise CONFLICT). Starting before `startsAt` is allowed. The group's facilitators, coordinators, admins; API keys with WRITE.",
  })
  async startSession(@Arg('id', () => ID, { description: 'The session to start.' }) id: string, @Ctx() ctx: Context): Promise<Session> {
    const { session } = await findManagedSession(ctx, id);
    return fresh(ctx, await sessions.transition(ctx, session.id, 'start'));
  }

  @Allow(readGroups)
  @Subscription(() => Session, {
    description:
      "A session of the group was scheduled, changed, started, ended or cancelled (announced once committed). The group's ACTIVE members, facilitators, coordinators and admins; API keys with READ. Another network's or an invisible group: NOT_FOUND. Leaving the group ends the updates.",
    subscribe: sessionsLive.subscribe,
  })
  sessionChanged(
    @Arg('groupId', () => ID, { description: 'The group whose sessions to follow.' }) groupId: string,
    @Root() event: TopicPayload<'sessionChanged'>,
    @Ctx() ctx: Context,
  ): Promise<Session> {
    return sessionsLive.deliver(ctx, groupId, async (group) => {
      const session = await ctx.loaders.byId(Session).load(event.sessionId);
      return session?.groupId === group ? session : null;
    });
  }

  @Allow(writeGroupsAndProfiles)
  @Mutation(() => Session, {
    description: "Ends a LIVE session: it becomes COMPLETED (otherwise CONFLICT). The group's facilitators, coordinators, admins; API keys with WRITE.",
  })
  async endSession(@Arg('id', () => ID, { description: 'The session to end.' }) id: string, @Ctx() ctx: Context): Promise<Session> {
    const { session } = await findManagedSession(ctx, id);
    return fresh(ctx, await sessions.transition(ctx, session.id, 'end'));
  }
}

@Resolver(() => Group)
export class GroupSessionsResolver {
  @FieldResolver(() => SessionConnection, {
    description: 'Sessions of the group by start time (all statuses unless `status` is given), optionally from / to a time.',
  })
  sessions(@Root() group: Group, @Args() args: GroupSessionsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length + 2}`;
    };
    if (args.from) conditions.push(`t.starts_at >= ${param(args.from)}`);
    if (args.to) conditions.push(`t.starts_at < ${param(args.to)}`);
    if (args.status) conditions.push(`t.status = ${param(args.status)}`);
    const filter: NestedFilter = { sql: conditions.join(' AND '), params };
    return loadNestedConnection(ctx, {
      spec: sessions.groupSessionsSpec(ctx.manager),
      parentId: group.id,
      args,
      filter,
      readAlong: sessionCountsReadAlong(ctx, info),
    });
  }

  @FieldResolver(() => Session, { nullable: true, description: 'The next session that is SCHEDULED or LIVE and not yet over; null if none.' })
  nextSession(@Root() group: Group, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Session | null> {
    return sessions.loadNextSession(ctx, group.id, selects(info, 'rsvpCounts') || selects(info, 'viewerRsvp'));
  }
}
