import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Int, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { ConnectionArgs, connectionType, emptyConnection, loadNestedConnection } from '../../graphql/connection';
import { forbidden, invalidArgument } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { liveSubscription } from '../../realtime/subscriptions';
import { recordListRead, recordSensitiveRead } from '../audit/read-audit';
import { authorize, isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import { membersActingForThemselves, readPersonalData, writePersonalData } from '../auth/rules';
import { authorizeGroupManager, isGroupMember, requireGroupFollower } from '../groups/group.access';
import { Member } from '../members/member.entity';
import { canSeeSession, findVisibleSession } from '../sessions/session.access';
import { Session } from '../sessions/session.entity';
import { Attendance } from './attendance.entity';
import { CheckInArgs, MarkAttendanceArgs } from './attendance.inputs';
import * as attendance from './attendance.service';
import { seesParticipation } from './participation';
import type { Context } from '../../graphql/context';
import type { TopicPayload } from '../../realtime/topics';

export const AttendanceConnection = connectionType(Attendance, 'Attendance');

/** An attendance record is visible to its member and to whoever sees the group's participation data, if the session is visible. */
async function canSeeAttendance(ctx: Context, a: Attendance): Promise<boolean> {
  const session = await ctx.loaders.byId(Session).load(a.sessionId);
  if (!session || !(await canSeeSession(ctx, session))) return false;
  return isSelf(ctx, a.memberId) || seesParticipation(ctx, a.groupId);
}

registerNodeType('Attendance', async (ctx, ids) => {
  const found = await ctx.loaders.byId(Attendance).loadMany(ids);
  return Promise.all(found.map(async (a) => (a instanceof Attendance && (await canSeeAttendance(ctx, a)) ? a : null)));
});

/**
 * Who may follow a session's check-ins live: API keys with READ and PERSONAL_DATA (as `Session.attendance`);
 * member tokens taking part in the group (see requireGroupFollower). The session's database id.
 */
const attendanceLive = liveSubscription('attendanceChanged', 'sessionId', async (ctx, sessionId) => {
  const { session, group } = await findVisibleSession(ctx, idArgument('sessionId', sessionId, 'Session'));
  if (ctx.principal.kind === 'API_KEY') authorize(ctx, readPersonalData);
  else await requireGroupFollower(ctx, group.id);
  return session.id;
});

@Resolver(() => Attendance)
export class AttendanceResolver {
  @Allow(readPersonalData)
  @Subscription(() => Attendance, {
    description:
      "The live check-in board: an attendance record of the session was created or changed (check-in, marked attendance). The group's facilitators, coordinators and admins and API keys with READ and PERSONAL_DATA get every record; the group's ACTIVE members only their own. Another network's or an invisible session: NOT_FOUND.",
    subscribe: attendanceLive.subscribe,
  })
  attendanceChanged(
    @Arg('sessionId', () => ID, { description: 'The session whose attendance to follow.' }) sessionId: string,
    @Root() event: TopicPayload<'attendanceChanged'>,
    @Ctx() ctx: Context,
  ): Promise<Attendance> {
    return attendanceLive.deliver(ctx, sessionId, async (session) => {
      const record = await ctx.loaders.byId(Attendance).load(event.attendanceId);
      if (!record || record.sessionId !== session) return null;
      if (isSelf(ctx, record.memberId)) return record;
      if (!(await seesParticipation(ctx, record.groupId))) return null;
      // A facilitator's live board shows who came: a read of that member's attendance (one entry per delivery).
      recordSensitiveRead(ctx, 'Subscription.attendanceChanged', [record.memberId]);
      return record;
    });
  }

  @FieldResolver(() => Session, { description: 'The session.' })
  async session(@Root() a: Attendance, @Ctx() ctx: Context): Promise<Session> {
    return (await ctx.loaders.byId(Session).load(a.sessionId))!;
  }

  @FieldResolver(() => Member, { description: 'The member (display name; email only where the privacy rules allow).' })
  async member(@Root() a: attendance.ListedAttendance, @Ctx() ctx: Context): Promise<Member> {
    return a.preloadedMember ?? (await ctx.loaders.byId(Member).load(a.memberId))!;
  }

  // Checking oneself in is for member tokens (membersActingForThemselves); someone else, for their facilitators and keys.
  @Allow(writePersonalData)
  @Mutation(() => Attendance, {
    description:
      "Checks in to a session: PRESENT, or LATE more than 10 minutes after the start; `firstSession` tells whether it is the member's first attended session in the group. Open while the session is LIVE, and from 2 hours before the start while SCHEDULED; otherwise CONFLICT. Idempotent: checking in again returns the same record (keeping the first check-in time) and updates `moodBefore` if given. Without `memberId`: the viewer checks in (member tokens; ACTIVE members of the group). With `memberId`: the group's facilitators, coordinators and admins, and API keys with WRITE and PERSONAL_DATA, check in an ACTIVE member of the group.",
  })
  async checkIn(@Args() args: CheckInArgs, @Ctx() ctx: Context): Promise<Attendance> {
    const { session, group } = await findVisibleSession(ctx, idArgument('sessionId', args.sessionId, 'Session'));
    let memberId: string;
    if (args.memberId == null) {
      authorize(ctx, membersActingForThemselves);
      if (!(await isGroupMember(ctx, group.id))) throw forbidden('Only ACTIVE members of the group can check in');
      memberId = ctx.viewerMemberId!;
    } else {
      await authorizeGroupManager(ctx, group.id, writePersonalData);
      const id = idArgument('memberId', args.memberId, 'Member');
      if (!id || !(await attendance.isActiveMemberOf(ctx, group.id, id))) {
        throw invalidArgument('memberId', 'is not an ACTIVE member of this group');
      }
      memberId = id;
    }
    const now = new Date();
    attendance.ensureCheckInOpen(session, now);
    return attendance.checkIn(ctx, session, memberId, args.moodBefore, now);
  }

  // Up to 200 rows written.
  @Extensions({ cost: 20 })
  @Allow(writePersonalData)
  @Mutation(() => [Attendance], {
    description:
      "Sets the attendance of up to 200 members of the session's group at once (creating or changing their records), in the order given. PRESENT and LATE get a check-in time; EXCUSED and ABSENT none. A member who is not in the group: BAD_USER_INPUT at `entries.i.memberId`; a cancelled session: CONFLICT. The group's facilitators, coordinators, admins; API keys with WRITE and PERSONAL_DATA.",
  })
  async markAttendance(@Args() args: MarkAttendanceArgs, @Ctx() ctx: Context): Promise<Attendance[]> {
    const { session, group } = await findVisibleSession(ctx, idArgument('sessionId', args.sessionId, 'Session'));
    await authorizeGroupManager(ctx, group.id, writePersonalData);
    return attendance.markAttendance(ctx, session, args.entries, new Date());
  }
}

@Resolver(() => Session)
export class SessionAttendanceResolver {
  // A count per session, batched: priced like the object a loader brings.
  @Extensions({ cost: 1 })
  @FieldResolver(() => Int, { description: 'Number of members who attended (PRESENT or LATE).' })
  attendanceCount(@Root() session: Session, @Ctx() ctx: Context): Promise<number> {
    return attendance.loadAttendanceCount(ctx, session.id);
  }

  @FieldResolver(() => AttendanceConnection, {
    description:
      "Who was there, by display name. The whole list for the group's facilitators, coordinators, admins and API keys with READ and PERSONAL_DATA; other members see only their own record.",
  })
  async attendance(@Root() session: Session, @Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    const ownOnly = !(await seesParticipation(ctx, session.groupId));
    if (ownOnly && !ctx.viewerMemberId) return emptyConnection<Attendance>();
    const list = await loadNestedConnection(ctx, { spec: attendance.attendanceSpec(ctx.manager), parentId: session.id, args, ownRowsOnly: ownOnly });
    return recordListRead(ctx, 'Session.attendance', list, (a) => a.memberId);
  }
}
