import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import { idArgument, toGlobalId } from '../../graphql/global-id';
import { authorize, isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import { eraseAnyMember, eraseMembers } from '../auth/rules';
import { findMember } from '../members/member.service';
import { eraseMember } from './erase.service';
import type { Context } from '../../graphql/context';

@ObjectType({ description: "The outcome of `eraseMember`: the member's personal data is gone; what aggregates count stays, detached from the person." })
export class ErasureResult {
  @Field(() => ID, { description: 'The erased member (now a tombstone named "Erased member" that cannot sign in).' })
  memberId: string;

  @Field({ description: 'When the member was erased (the first erasure, for a repeated call).' })
  erasedAt: Date;

  @Field({ description: 'True when the member had already been erased: this call changed nothing and was not audited again.' })
  alreadyErased: boolean;
}

@Resolver()
export class PrivacyEraseResolver {
  @Allow(eraseMembers)
  @Mutation(() => ErasureResult, {
    description:
      "Erases a member's personal data (name, email, external id, comments, notes, RSVPs, identity consents) and ends their tokens and live connections; " +
      'attendance, ratings, moods and memberships stay, detached from the person, so aggregates do not change. Idempotent; audited with the reason. ' +
      'The member themself, admins, API keys with ADMIN and PERSONAL_DATA. Erasing the last ADMIN is CONFLICT.',
  })
  async eraseMember(
    @Arg('memberId', () => ID, { description: 'The member to erase.' }) memberId: string,
    @Arg('reason', { description: 'Why (e.g. "request by the member, 2026-12-01"); written to the audit log with the name or email of the member blanked.' })
    reason: string,
    @Ctx() ctx: Context,
  ): Promise<ErasureResult> {
    const member = await findMember(ctx, idArgument('memberId', memberId, 'Member'), { includeErased: true });
    if (!isSelf(ctx, member.id)) authorize(ctx, eraseAnyMember);
    const erasure = await eraseMember(ctx, member.id, reason);
    return Object.assign(new ErasureResult(), { ...erasure, memberId: toGlobalId('Member', erasure.memberId) });
  }
}
