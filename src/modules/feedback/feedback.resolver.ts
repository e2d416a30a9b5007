import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { ConnectionArgs, connectionType, emptyConnection, loadNestedConnection } from '../../graphql/connection';
import { forbidden } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { liveSubscription } from '../../realtime/subscriptions';
import { seesParticipation } from '../attendance/participation';
import { recordSensitiveRead } from '../audit/read-audit';
import { authorize, isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import { membersActingForThemselves, readPersonalData } from '../auth/rules';
import { seesGroupAggregates } from '../evaluation/evaluation.access';
import { Member } from '../members/member.entity';
import { canSeeSession, findVisibleSession } from '../sessions/session.access';
import { Session } from '../sessions/session.entity';
import { FeedbackSummary } from './feedback-summary';
import { Feedback } from './feedback.entity';
import { FeedbackInput } from './feedback.inputs';
import * as feedback from './feedback.service';
import type { Context } from '../../graphql/context';
import type { TopicPayload } from '../../realtime/topics';

export const FeedbackConnection = connectionType(Feedback, 'Feedback');

/** The author of named feedback, if the viewer is them. Anonymous feedback has no author to compare with. */
const isAuthor = (ctx: Context, f: Feedback) => f.memberId != null && isSelf(ctx, f.memberId);

/** The group's managers and PERSONAL_DATA keys read feedback in full (anonymous stays anonymous). */
async function seesSessionFeedback(ctx: Context, sessionId: string): Promise<boolean> {
  const session = await ctx.loaders.byId(Session).load(sessionId);
  return session != null && seesParticipation(ctx, session.groupId);
}

/** Feedback is visible to the group's managers, PERSONAL_DATA keys and the author of named feedback, if the session is visible. */
async function canSeeFeedback(ctx: Context, f: Feedback): Promise<boolean> {
  const session = await ctx.loaders.byId(Session).load(f.sessionId);
  if (!session || !(await canSeeSession(ctx, session))) return false;
  return isAuthor(ctx, f) || seesParticipation(ctx, session.groupId);
}

registerNodeType('Feedback', async (ctx, ids) => {
  const found = await feedback.loadFeedback(ctx, ids);
  return Promise.all(found.map(async (f) => (f && (await canSeeFeedback(ctx, f)) ? f : null)));
});

/**
 * Who may follow a session's feedback live: whoever reads it in full (`Session.feedback`): the group's
 * facilitators, coordinators and admins; API keys with READ and PERSONAL_DATA. The session's database id.
 */
const feedbackLive = liveSubscription('feedbackSubmitted', 'sessionId', async (ctx, sessionId) => {
  const { session } = await findVisibleSession(ctx, idArgument('sessionId', sessionId, 'Session'));
  if (ctx.principal.kind === 'API_KEY') authorize(ctx, readPersonalData);
  else if (!(await seesParticipation(ctx, session.groupId))) throw forbidden("Live feedback is for the group's facilitators, coordinators and admins");
  return session.id;
});

@Resolver(() => Feedback)
export class FeedbackResolver {
  @Allow(readPersonalData)
  @Subscription(() => Feedback, {
    description:
      "Feedback on the session was submitted. The group's facilitators, coordinators and admins; API keys with READ and PERSONAL_DATA. Anonymous feedback stays anonymous: `author` is null, the time is to the hour. Another network's or an invisible session: NOT_FOUND; others: FORBIDDEN.",
    subscribe: feedbackLive.subscribe,
  })
  feedbackSubmitted(
    @Arg('sessionId', () => ID, { description: 'The session whose feedback to follow.' }) sessionId: string,
    @Root() event: TopicPayload<'feedbackSubmitted'>,
    @Ctx() ctx: Context,
  ): Promise<Feedback> {
    return feedbackLive.deliver(ctx, sessionId, async (session) => {
      const [found] = await feedback.loadFeedback(ctx, [event.feedbackId]);
      return found?.sessionId === session ? found : null;
    });
  }

  @FieldResolver(() => Session, { description: 'The session the feedback is about.' })
  async session(@Root() f: Feedback, @Ctx() ctx: Context): Promise<Session> {
    return (await ctx.loaders.byId(Session).load(f.sessionId))!;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The comment (up to 2,000 characters). Shown to the group's facilitators, coordinators, admins, API keys with READ and PERSONAL_DATA, and the author of named feedback; null for everyone else.",
  })
  async comment(@Root() f: Feedback, @Ctx() ctx: Context): Promise<string | null> {
    if (f.comment == null) return null;
    if (isAuthor(ctx, f)) return f.comment;
    if (!(await seesSessionFeedback(ctx, f.sessionId))) return null;
    // Anonymous feedback has no subject to name (and must stay unlinkable): recordSensitiveRead skips a null author.
    recordSensitiveRead(ctx, 'Feedback.comment', [f.memberId]);
    return f.comment;
  }

  @FieldResolver(() => Member, {
    nullable: true,
    description:
      "Who wrote it: always null for anonymous feedback (no one, admins included, can know). For named feedback: shown to the group's facilitators, coordinators, admins, API keys with READ and PERSONAL_DATA, and the author.",
  })
  async author(@Root() f: Feedback, @Ctx() ctx: Context): Promise<Member | null> {
    if (f.memberId == null) return null;
    if (!isAuthor(ctx, f) && !(await seesSessionFeedback(ctx, f.sessionId))) return null;
    return ctx.loaders.byId(Member).load(f.memberId);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Feedback, {
    description:
      'The post-session check-in: rating, mood after, optional comment, optionally anonymous. Member tokens only; only members who attended (PRESENT or LATE, else FORBIDDEN); only once the session is LIVE or COMPLETED (else CONFLICT); once per member per session, named or anonymous alike (a second one: CONFLICT).',
  })
  async submitFeedback(
    @Arg('sessionId', () => ID, { description: 'The session.' }) sessionId: string,
    @Arg('input', () => FeedbackInput, { description: 'The feedback.' }) input: FeedbackInput,
    @Ctx() ctx: Context,
  ): Promise<Feedback> {
    const { session } = await findVisibleSession(ctx, idArgument('sessionId', sessionId, 'Session'));
    return feedback.submitFeedback(ctx, session, ctx.viewerMemberId!, input, new Date());
  }
}

@Resolver(() => Session)
export class SessionFeedbackResolver {
  // Aggregates over three tables per session (batched).
  @Extensions({ cost: 1 })
  @FieldResolver(() => FeedbackSummary, {
    nullable: true,
    description:
      "Aggregate feedback: responses, average rating and mood change, suppressed below the network's privacy threshold (k responses, 5 by default). The group's facilitators, coordinators, admins, and API keys with READ; null for others.",
  })
  async feedbackSummary(@Root() session: Session, @Ctx() ctx: Context): Promise<FeedbackSummary | null> {
    return (await seesGroupAggregates(ctx, session.groupId)) ? feedback.loadFeedbackSummary(ctx, session.id) : null;
  }

  @FieldResolver(() => FeedbackConnection, {
    description:
      "The session's feedback, named and anonymous together, newest first (anonymous feedback carries its time only to the hour). The group's facilitators, coordinators, admins, and API keys with READ and PERSONAL_DATA; empty for others.",
  })
  async feedback(@Root() session: Session, @Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    if (!(await seesParticipation(ctx, session.groupId))) return emptyConnection<Feedback>();
    return loadNestedConnection(ctx, { spec: feedback.feedbackSpec(ctx.manager), parentId: session.id, args });
  }
}
