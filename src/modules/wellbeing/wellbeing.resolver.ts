import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ConnectionArgs, connectionType, loadNestedConnection } from '../../graphql/connection';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import { membersActingForThemselves } from '../auth/rules';
import { requireConsent } from '../consent/consent.service';
import { ConsentPurpose } from '../consent/consent.types';
import { suggestHelp } from '../help/help.service';
import { canSeeSession, findVisibleSession } from '../sessions/session.access';
import { Session } from '../sessions/session.entity';
import { WellbeingCheckIn } from './wellbeing.entity';
import { WellbeingInput } from './wellbeing.inputs';
import * as wellbeing from './wellbeing.service';
import type { Context } from '../../graphql/context';

export const WellbeingCheckInConnection = connectionType(WellbeingCheckIn, 'WellbeingCheckIn');

// Only the member ever reads their own check-ins: not admins, not API keys of any scope.
registerNodeType('WellbeingCheckIn', async (ctx, ids) => {
  const found = await ctx.loaders.byId(WellbeingCheckIn).loadMany(ids);
  return found.map((c) => (c instanceof WellbeingCheckIn && isSelf(ctx, c.memberId) ? c : null));
});

@Resolver(() => WellbeingCheckIn)
export class WellbeingResolver {
  @FieldResolver(() => Session, { nullable: true, description: 'The session it relates to; null when none (or no longer visible).' })
  async session(@Root() c: WellbeingCheckIn, @Ctx() ctx: Context): Promise<Session | null> {
    if (!c.sessionId) return null;
    const session = await ctx.loaders.byId(Session).load(c.sessionId);
    return session && (await canSeeSession(ctx, session)) ? session : null;
  }

  @Allow(membersActingForThemselves)
  @Query(() => WellbeingCheckInConnection, {
    description:
      "The viewer's own wellbeing check-ins, newest first. Member tokens only: no one else can read them, admins and API keys included (others see only aggregates).",
  })
  myWellbeing(@Args() args: ConnectionArgs, @Ctx() ctx: Context) {
    return loadNestedConnection(ctx, { spec: wellbeing.wellbeingSpec(ctx.manager), parentId: ctx.viewerMemberId!, args });
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => WellbeingCheckIn, {
    description:
      "Records a private wellbeing self-report (wellbeing and confidence, 1–10), optionally about a session the member can see (else NOT_FOUND). Needs the member's consent (`giveConsent(purpose: WELLBEING_TRACKING)`), else FORBIDDEN. Member tokens only; only the member can read it back. At or below the network's `wellbeingHelpThreshold` the response carries the network's help resources (`suggestedHelp`); nothing about that is stored.",
  })
  async recordWellbeing(@Arg('input', () => WellbeingInput, { description: 'The self-report.' }) input: WellbeingInput, @Ctx() ctx: Context) {
    await requireConsent(ctx, ctx.viewerMemberId!, ConsentPurpose.WELLBEING_TRACKING);
    const sessionId =
      input.sessionId == null ? null : (await findVisibleSession(ctx, idArgument(['input', 'sessionId'], input.sessionId, 'Session'))).session.id;
    const checkIn = await wellbeing.recordWellbeing(ctx, ctx.viewerMemberId!, { wellbeing: input.wellbeing, confidence: input.confidence, sessionId });
    return suggestHelp(ctx, checkIn);
  }
}
