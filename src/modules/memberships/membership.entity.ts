import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, UpdateDateColumn } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** A member's role in one group. */
export enum GroupRole {
  FACILITATOR = 'FACILITATOR',
  MEMBER = 'MEMBER',
}

registerEnumType(GroupRole, {
  name: 'GroupRole',
  description: "A member's role in one group.",
  valuesConfig: {
    FACILITATOR: { description: 'Runs the group: edits it, schedules and runs sessions, takes attendance, reads feedback.' },
    MEMBER: { description: 'Takes part in the group.' },
  },
});

/** Where a membership stands. */
export enum MembershipStatus {
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  LEFT = 'LEFT',
}

registerEnumType(MembershipStatus, {
  name: 'MembershipStatus',
  description: 'Where a membership stands.',
  valuesConfig: {
    ACTIVE: { description: 'Takes part.' },
    PAUSED: { description: 'Taking a break; keeps the place in a PRIVATE group but is not counted as active.' },
    LEFT: { description: 'Left the group. Joining again reactivates the membership.' },
  },
});

/** How engaged a member is in a group, from attendance. */
export enum Engagement {
  NEW = 'NEW',
  ACTIVE = 'ACTIVE',
  DRIFTING = 'DRIFTING',
  INACTIVE = 'INACTIVE',
}

registerEnumType(Engagement, {
  name: 'Engagement',
  description: "How engaged a member is in a group, from attendance at the group's completed sessions since they joined.",
  valuesConfig: {
    NEW: { description: 'Fewer than 2 completed sessions since joining.' },
    ACTIVE: { description: 'Takes part: attended at least one of the last 3 completed sessions.' },
    DRIFTING: { description: 'Missed the last 3 completed sessions in a row (not PRESENT or LATE): someone may want to reach out.' },
    INACTIVE: { description: 'The membership is not ACTIVE (paused or left).' },
  },
});

/** A member's place in a group. */
@Entity('memberships')
@ObjectType('Membership', { implements: Node, description: "A member's place in a group: role, status, and when the norms were accepted." })
export class Membership extends TenantEntity {
  @Column({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Field(() => GroupRole, { description: 'Role in the group.' })
  @Column({ type: 'text' })
  role: GroupRole;

  @Field(() => MembershipStatus, { description: 'Where the membership stands.' })
  @Column({ type: 'text' })
  status: MembershipStatus;

  @Field({ description: 'When the member joined (or last rejoined) the group.' })
  @Column({ name: 'joined_at', type: 'timestamptz' })
  joinedAt: Date;

  @Field(() => Date, { nullable: true, description: "When the member accepted the group's norms; null if added without accepting them yet." })
  @Column({ name: 'norms_accepted_at', type: 'timestamptz', nullable: true })
  normsAcceptedAt: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: "The version of the group's norms the member last accepted (see `Group.normsVersion`); null if added without accepting them yet.",
  })
  @Column({ name: 'norms_version_accepted', type: 'integer', nullable: true })
  normsVersionAccepted: number | null;

  @Field(() => Date, { nullable: true, description: 'When the member left; null unless LEFT.' })
  @Column({ name: 'left_at', type: 'timestamptz', nullable: true })
  leftAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', select: false })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', select: false })
  updatedAt: Date;
}
