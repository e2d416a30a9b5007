import { ArgsType, Field, ID } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';

@ArgsType()
export class AuditLogArgs extends ConnectionArgs {
  @Field(() => String, { nullable: true, description: 'Only entries of this action, e.g. `personal_data.read` or `partnership.revoked`.' })
  action?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only entries by this actor: a Member ID or an ApiKey ID.' })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only entries about this member (e.g. reads of the member's personal data)." })
  subjectMemberId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only entries at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only entries before this time (exclusive).' })
  to?: Date | null;
}
