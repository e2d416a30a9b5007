import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, connectionType, emptyConnection, loadNestedConnection, type NestedFilter } from '../../graphql/connection';
import { forbidden, invalidArgument } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { recordListRead } from '../audit/read-audit';
import { isAllowed, isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import { membersActingForThemselves, readPersonalData } from '../auth/rules';
import { isGroupManager, isGroupMember } from '../groups/group.access';
import { Member } from '../members/member.entity';
import { canSeeSession, findVisibleSession } from '../sessions/session.access';
import { Session } from '../sessions/session.entity';
import { Rsvp, RsvpStatus } from './rsvp.entity';
import * as rsvps from './rsvp.service';
import type { Context } from '../../graphql/context';

export const RsvpConnection = connectionType(Rsvp, 'Rsvp');

@ObjectType({ description: 'How many members gave each answer for a session.' })
export class RsvpCounts {
  @Field(() => Int, { description: 'GOING: holding a place.' })
  going: number;

  @Field(() => Int, { description: 'MAYBE.' })
  maybe: number;

  @Field(() => Int, { description: 'NOT_GOING.' })
  notGoing: number;

  @Field(() => Int, { description: 'WAITLISTED: wanting a place when one frees.' })
  waitlisted: number;
}

@ArgsType()
class SessionRsvpsArgs extends ConnectionArgs {
  @Field(() => RsvpStatus, { nullable: true, description: 'Only RSVPs with this status.' })
  status?: RsvpStatus | null;
}

/** Whether the caller sees every RSVP of a group's sessions: its managers and API keys with READ and PERSONAL_DATA. */
async function seesRsvpList(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readPersonalData);
  return isGroupManager(ctx, groupId);
}

/** An RSVP is visible to its member and to whoever sees the session's whole RSVP list, and only with its session. */
async function canSeeRsvp(ctx: Context, rsvp: Rsvp): Promise<boolean> {
  const session = await ctx.loaders.byId(Session).load(rsvp.sessionId);
  if (!session || !(await canSeeSession(ctx, session))) return false;
  return isSelf(ctx, rsvp.memberId) || seesRsvpList(ctx, session.groupId);
}

registerNodeType('Rsvp', async (ctx, ids) => {
  const found = await ctx.loaders.byId(Rsvp).loadMany(ids);
  return Promise.all(found.map(async (r) => (r instanceof Rsvp && (await canSeeRsvp(ctx, r)) ? r : null)));
});

@Resolver(() => Rsvp)
export class RsvpResolver {
  @FieldResolver(() => Session, { description: 'The session answered for.' })
  async session(@Root() rsvp: Rsvp, @Ctx() ctx: Context): Promise<Session> {
    return (await ctx.loaders.byId(Session).load(rsvp.sessionId))!;
  }

  @FieldResolver(() => Member, { description: 'The member who answered.' })
  async member(@Root() rsvp: Rsvp, @Ctx() ctx: Context): Promise<Member> {
    return (await ctx.loaders.byId(Member).load(rsvp.memberId))!;
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Rsvp, {
    description:
      "The viewer's answer for a session of a group where they are an ACTIVE member. Member tokens only. GOING on a full session is stored as WAITLISTED (promoted, earliest first, when a place frees); WAITLISTED cannot be chosen. Only while the session is SCHEDULED or LIVE (otherwise CONFLICT).",
  })
  async rsvp(
    @Arg('sessionId', () => ID, { description: 'The session.' }) sessionId: string,
    @Arg('status', () => RsvpStatus, { description: 'GOING, MAYBE or NOT_GOING.' }) status: RsvpStatus,
    @Ctx() ctx: Context,
  ): Promise<Rsvp> {
    const { session, group } = await findVisibleSession(ctx, idArgument('sessionId', sessionId, 'Session'));
    if (status === RsvpStatus.WAITLISTED) throw invalidArgument('status', 'must be GOING, MAYBE or NOT_GOING; the waitlist is assigned');
    if (!(await isGroupMember(ctx, group.id))) throw forbidden('Only ACTIVE members of the group can RSVP');
    return rsvps.respond(ctx, session.id, ctx.viewerMemberId!, status);
  }
}

@Resolver(() => Session)
export class SessionRsvpsResolver {
  @FieldResolver(() => RsvpCounts, { description: 'How many members gave each answer.' })
  rsvpCounts(@Root() session: Session, @Ctx() ctx: Context): Promise<RsvpCounts> {
    return rsvps.loadRsvpCounts(ctx, session.id);
  }

  @FieldResolver(() => Rsvp, { nullable: true, description: "The viewer's own answer; null if none, and for API keys." })
  viewerRsvp(@Root() session: Session, @Ctx() ctx: Context): Promise<Rsvp | null> {
    return rsvps.loadViewerRsvp(ctx, session.id);
  }

  @FieldResolver(() => RsvpConnection, {
    description:
      "The answers, earliest first (the waitlist order). The whole list for the group's facilitators, coordinators, admins and API keys with READ and PERSONAL_DATA; others see only their own answer.",
  })
  async rsvps(@Root() session: Session, @Args() args: SessionRsvpsArgs, @Ctx() ctx: Context) {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length + 2}`;
    };
    if (args.status) conditions.push(`t.status = ${param(args.status)}`);
    const ownOnly = !(await seesRsvpList(ctx, session.groupId));
    if (ownOnly && !ctx.viewerMemberId) return emptyConnection<Rsvp>();
    const filter: NestedFilter = { sql: conditions.join(' AND '), params };
    const list = await loadNestedConnection(ctx, { spec: rsvps.sessionRsvpsSpec(ctx.manager), parentId: session.id, args, filter, ownRowsOnly: ownOnly });
    return recordListRead(ctx, 'Session.rsvps', list, (r) => r.memberId);
  }
}
