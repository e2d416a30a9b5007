import { ArgsType, Field } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { GroupRole, MembershipStatus } from './membership.entity';

@ArgsType()
export class GroupMembershipsArgs extends ConnectionArgs {
  @Field(() => GroupRole, { nullable: true, description: 'Only memberships with this role.' })
  role?: GroupRole | null;

  @Field(() => MembershipStatus, { nullable: true, description: 'Only memberships with this status (default: ACTIVE and PAUSED).' })
  status?: MembershipStatus | null;
}

@ArgsType()
export class MemberMembershipsArgs extends ConnectionArgs {
  @Field(() => MembershipStatus, { nullable: true, description: 'Only memberships with this status (default: all).' })
  status?: MembershipStatus | null;
}
