import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** The role in which someone proposed a version of a group's norms. */
export enum NormsProposerRole {
  FACILITATOR = 'FACILITATOR',
  COORDINATOR = 'COORDINATOR',
  ADMIN = 'ADMIN',
  API_KEY = 'API_KEY',
}

registerEnumType(NormsProposerRole, {
  name: 'NormsProposerRole',
  description: "The role in which someone wrote a version of a group's norms.",
  valuesConfig: {
    FACILITATOR: { description: 'A facilitator of the group.' },
    COORDINATOR: { description: 'A coordinator of the network.' },
    ADMIN: { description: 'An admin of the network.' },
    API_KEY: { description: "The network's own system, through an API key." },
  },
});

/** One version of a group's norms (the group agreement), as it was written. */
@Entity('group_norms_versions')
@ObjectType('GroupNormsVersion', {
  implements: Node,
  description: "One version of a group's norms: the agreement as written, what changed against the version before, who proposed it (by role) and when.",
})
export class GroupNormsVersion extends TenantEntity {
  @Column({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @Field(() => Int, { description: 'The version number: 1 for the norms the group started with (or had when versions began to be kept), then 2, 3, …' })
  @Column({ type: 'integer' })
  version: number;

  @Field(() => [String], { description: 'The norms of this version, in order.' })
  @Column({ type: 'text', array: true })
  norms: string[];

  @Field(() => [String], { description: 'Norms in this version that the version before did not have (version 1: all of them).' })
  @Column({ type: 'text', array: true })
  added: string[];

  @Field(() => [String], { description: 'Norms of the version before that this version no longer has.' })
  @Column({ type: 'text', array: true })
  removed: string[];

  @Field(() => NormsProposerRole, {
    nullable: true,
    description: 'The role in which the proposer wrote this version; null for the version 1 recorded when versions began to be kept (not known).',
  })
  @Column({ name: 'proposed_by_role', type: 'text', nullable: true })
  proposedByRole: NormsProposerRole | null;

  @Column({ name: 'proposed_by_member_id', type: 'uuid', nullable: true })
  proposedByMemberId: string | null;

  @Column({ name: 'proposed_by_api_key_id', type: 'uuid', nullable: true })
  proposedByApiKeyId: string | null;

  @Field({ description: 'When this version was written.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
