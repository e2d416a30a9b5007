import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Allow } from '../auth/allow';
import { membersActingForThemselves } from '../auth/rules';
import * as consents from './consent.service';
import { Consent, ConsentPurpose } from './consent.types';
import type { Context } from '../../graphql/context';

@Resolver(() => Consent)
export class ConsentResolver {
  @Allow(membersActingForThemselves)
  @Query(() => [Consent], {
    description: "The viewer's own consents, every grant with its times, newest first (withdrawn ones included). Member tokens only.",
  })
  myConsents(@Ctx() ctx: Context): Promise<Consent[]> {
    return consents.listConsents(ctx, ctx.viewerMemberId!);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Consent, {
    description:
      "Gives the viewer's explicit consent to a purpose (e.g. WELLBEING_TRACKING, which `recordWellbeing` needs). Giving it again while it holds returns the current grant. Member tokens only: no one consents for a member.",
  })
  giveConsent(
    @Arg('purpose', () => ConsentPurpose, { description: 'What the consent is for.' }) purpose: ConsentPurpose,
    @Ctx() ctx: Context,
  ): Promise<Consent> {
    return consents.giveConsent(ctx, ctx.viewerMemberId!, purpose);
  }

  @Allow(membersActingForThemselves)
  @Mutation(() => Consent, {
    description:
      "Withdraws the viewer's consent to a purpose: from now on what needs it is refused (FORBIDDEN); what was recorded stays until it expires or the member is erased. Withdrawing again returns the last grant unchanged; never having consented is CONFLICT. Member tokens only.",
  })
  withdrawConsent(
    @Arg('purpose', () => ConsentPurpose, { description: 'What the consent was for.' }) purpose: ConsentPurpose,
    @Ctx() ctx: Context,
  ): Promise<Consent> {
    return consents.withdrawConsent(ctx, ctx.viewerMemberId!, purpose);
  }
}
