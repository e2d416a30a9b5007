import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from '../../graphql/global-id';
import { Node } from '../../graphql/node';
import { MeetingFormat } from '../groups/group.entity';

/** Where a partnership stands. */
export enum PartnershipStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  DECLINED = 'DECLINED',
  REVOKED = 'REVOKED',
}

registerEnumType(PartnershipStatus, {
  name: 'PartnershipStatus',
  description: 'Where a partnership between two networks stands.',
  valuesConfig: {
    PENDING: { description: 'Requested; waiting for the partner network to accept or decline.' },
    ACTIVE: { description: 'Accepted: the scopes are shared until either network revokes it.' },
    DECLINED: { description: 'The partner network declined the request.' },
    REVOKED: { description: 'Ended (or withdrawn while pending) by either network; nothing is shared any more.' },
  },
});

/** What a partnership shares. */
export enum PartnershipScope {
  GROUP_DIRECTORY = 'GROUP_DIRECTORY',
  JOINT_EVENTS = 'JOINT_EVENTS',
}

registerEnumType(PartnershipScope, {
  name: 'PartnershipScope',
  description: 'What two partner networks share with each other.',
  valuesConfig: {
    GROUP_DIRECTORY: { description: "Each network sees the other's PARTNERS-visible groups in `partnerDirectory` (no member data)." },
    JOINT_EVENTS: { description: 'The networks may invite each other to joint events.' },
  },
});

/** An agreement between two networks; the same row for both. */
@Entity('partnerships')
@ObjectType('Partnership', {
  implements: Node,
  description: 'An agreement between two networks to share something (the scopes). Both networks see the same partnership; only their admins see it.',
})
export class Partnership extends Node {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'requester_network_id', type: 'uuid' })
  requesterNetworkId: string;

  @Column({ name: 'partner_network_id', type: 'uuid' })
  partnerNetworkId: string;

  @Field(() => PartnershipStatus, { description: 'Where the partnership stands.' })
  @Column({ type: 'text' })
  status: PartnershipStatus;

  @Field(() => [PartnershipScope], { description: 'What the two networks share while the partnership is ACTIVE.' })
  @Column({ type: 'text', array: true })
  scopes: PartnershipScope[];

  @Field({ description: 'When the partnership was requested.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the partner network accepted or declined; null while PENDING.' })
  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When either network revoked the partnership; null unless REVOKED.' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by_network_id', type: 'uuid', nullable: true })
  revokedByNetworkId: string | null;
}

/** A partner network's group as the partner directory shows it: what the group is about, nothing of its members. */
// A federation entity: other subgraphs may extend it by its global ID (src/app/federation.ts).
@Directive('@key(fields: "id")')
@ObjectType('SharedGroup', {
  description:
    "A partner network's group as shared through a partnership (partner directory, joint events): what it is about and how it meets. No member data, no sessions.",
})
export class SharedGroup {
  /** The group's database id. */
  groupId: string;

  /** The network the group belongs to. */
  networkId: string;

  @Field(() => ID, { name: 'id', simple: false, description: 'Opaque, globally unique ID of this shared group.' })
  get globalId(): string {
    return toGlobalId('SharedGroup', this.groupId);
  }

  @Field({ description: 'Name of the group.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'What the group is about.' })
  description: string | null;

  @Field(() => [String], { description: 'What the group sets out to do.' })
  objectives: string[];

  @Field(() => [String], { description: 'Lower-case topic slugs, e.g. `anxiety`.' })
  topics: string[];

  @Field(() => MeetingFormat, { description: 'How the group meets.' })
  format: MeetingFormat;
}

/** The columns a SharedGroup is read from (of groups `g`), and the mapping: nothing else of a partner's group. */
export const SHARED_GROUP_COLUMNS = 'g.id, g.network_id, g.name, g.description, g.objectives, g.topics, g.format';
export interface SharedGroupRow {
  id: string;
  network_id: string;
  name: string;
  description: string | null;
  objectives: string[];
  topics: string[];
  format: MeetingFormat;
}
export const toSharedGroup = (row: SharedGroupRow): SharedGroup =>
  Object.assign(new SharedGroup(), {
    groupId: row.id,
    networkId: row.network_id,
    name: row.name,
    description: row.description,
    objectives: row.objectives,
    topics: row.topics,
    format: row.format,
  });
