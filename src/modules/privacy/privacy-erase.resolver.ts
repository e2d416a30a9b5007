import { Arg, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import { idArgument, toGlobalId } from '../../graphql/global-id';
import { authorize, isSelf } from '../auth/access';
import { Allow } from '../auth/allow';
import { eraseAnyMember, eraseMembers } from '../auth/rules';
import { findMember } from '../members/member.service';
import { eraseMember, erasedAt } from './erase.service';
import type { Context } from '../../graphql/context';

@ObjectType({ description: "The outcome of `eraseMember`: the member's personal data is gone; what aggregates count stays, detached from the person." })
export class ErasureResult {
  @Field(() => ID, { description: 'The ID that was erased: it now names nothing (what aggregates count moved to an anonymous tombstone with a new ID).' })
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
      'attendance, ratings, moods and memberships stay, moved to an anonymous tombstone with a new ID, so aggregates do not change and the old ID leads nowhere. Idempotent; audited with the reason. ' +
      'The member themself, admins, API keys with ADMIN and PERSONAL_DATA. Erasing the last ADMIN is CONFLICT.',
  })
  async eraseMember(
    @Arg('memberId', () => ID, { description: 'The member to erase.' }) memberId: string,
    @Arg('reason', { description: 'Why (e.g. "request by the member, 2026-12-01"); written to the audit log with the name or email of the member blanked.' })
    reason: string,
    @Ctx() ctx: Context,
  ): Promise<ErasureResult> {
    const id = idArgument('memberId', memberId, 'Member');
    const member = await findMember(ctx, id).catch(async (err: unknown) => {
      // An ID erased before: idempotent, for those who may erase anyone (the member themself is gone).
      const at = id && (await erasedAt(ctx, id));
      if (!at) throw err;
      return { id: id!, erasedAt: at };
    });
    if (!isSelf(ctx, member.id)) authorize(ctx, eraseAnyMember);
    const erasure = member.erasedAt ? { memberId: member.id, erasedAt: member.erasedAt, alreadyErased: true } : await eraseMember(ctx, member.id, reason);
    return Object.assign(new ErasureResult(), { ...erasure, memberId: toGlobalId('Member', erasure.memberId) });
  }
}
