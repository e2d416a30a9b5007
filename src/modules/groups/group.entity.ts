import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, UpdateDateColumn } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';
import { AgendaItem } from './agenda';

/** Who can find a group. */
export enum GroupVisibility {
  NETWORK = 'NETWORK',
  PRIVATE = 'PRIVATE',
  PARTNERS = 'PARTNERS',
}

registerEnumType(GroupVisibility, {
  name: 'GroupVisibility',
  description: 'Who can find a group.',
  valuesConfig: {
    NETWORK: { description: 'Everyone in the network can find and join it.' },
    PRIVATE: { description: 'Only its members, facilitators, coordinators and admins see it; members are added, they cannot join.' },
    PARTNERS: { description: 'Like NETWORK, and partner networks see it in their partner directory (no member data).' },
  },
});

/** How a group meets. */
export enum MeetingFormat {
  IN_PERSON = 'IN_PERSON',
  ONLINE = 'ONLINE',
  HYBRID = 'HYBRID',
}

registerEnumType(MeetingFormat, {
  name: 'MeetingFormat',
  description: 'How a group or event meets.',
  valuesConfig: {
    IN_PERSON: { description: 'In a room.' },
    ONLINE: { description: 'By video call.' },
    HYBRID: { description: 'In a room, with online participants.' },
  },
});

/** A peer support group inside a network. */
@Entity('groups')
// A federation entity: other subgraphs may extend it by its global ID (src/app/federation.ts).
@Directive('@key(fields: "id")')
@ObjectType('Group', { implements: Node, description: 'A peer support group: objectives, topics, norms, and the sessions it holds.' })
export class Group extends TenantEntity {
  @Field({ description: 'Name of the group.' })
  @Column()
  name: string;

  @Field({ description: 'URL-safe name, unique in the network, derived from the name when the group is created.' })
  @Column()
  slug: string;

  @Field(() => String, { nullable: true, description: 'What the group is about.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => [String], { description: 'What the group sets out to do, so members know what to expect.' })
  @Column({ type: 'text', array: true })
  objectives: string[];

  @Field(() => [String], { description: 'Lower-case topic slugs, e.g. `anxiety`, `addiction-recovery`.' })
  @Column({ type: 'text', array: true })
  topics: string[];

  @Field(() => [String], { description: 'The group agreement members accept when they join.' })
  @Column({ type: 'text', array: true })
  norms: string[];

  @Field(() => Int, {
    description: 'The number of the current norms (1 when the group was created; each change of `norms` adds one). See `normsHistory`.',
  })
  @Column({ name: 'norms_version', type: 'integer', default: 1 })
  normsVersion: number;

  @Field(() => GroupVisibility, { description: 'Who can find the group.' })
  @Column({ type: 'text' })
  visibility: GroupVisibility;

  @Field(() => MeetingFormat, { description: 'How the group meets.' })
  @Column({ type: 'text' })
  format: MeetingFormat;

  @Field(() => Int, { nullable: true, description: 'Most active members the group takes; also the default session capacity. Null: no limit.' })
  @Column({ type: 'integer', nullable: true })
  capacity: number | null;

  @Field({ description: 'IANA time zone the group meets in, e.g. `Europe/Berlin`.' })
  @Column({ name: 'time_zone' })
  timeZone: string;

  @Field(() => [AgendaItem], { description: 'The agenda new sessions start with (editable per session).' })
  @Column({ name: 'agenda_template', type: 'jsonb' })
  agendaTemplate: AgendaItem[];

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt: Date | null;

  @Field({
    description:
      'True: the group is published in the public meeting feed `GET /feeds/<network-slug>/meetings.json` (with the `public*` fields below; never member data). Never for PRIVATE groups. Set with `updateGroupListing`.',
  })
  @Column({ name: 'publicly_listed', type: 'boolean', default: false })
  publiclyListed: boolean;

  @Field(() => String, { nullable: true, description: 'Public meeting feed: the name of the venue, e.g. `Community Centre, room 3`.' })
  @Column({ name: 'public_location', type: 'text', nullable: true })
  publicLocation: string | null;

  @Field(() => String, { nullable: true, description: 'Public meeting feed: the full postal address of an in-person or hybrid group.' })
  @Column({ name: 'public_address', type: 'text', nullable: true })
  publicAddress: string | null;

  @Field(() => String, { nullable: true, description: 'Public meeting feed: the link to join an online or hybrid group.' })
  @Column({ name: 'public_conference_url', type: 'text', nullable: true })
  publicConferenceUrl: string | null;

  @Field(() => String, { nullable: true, description: 'Public meeting feed: notes for newcomers (no member data).' })
  @Column({ name: 'public_notes', type: 'text', nullable: true })
  publicNotes: string | null;

  @Field({ description: 'When the group was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', select: false })
  updatedAt: Date;

  @Field({ description: 'True once the group is archived: it keeps its history and takes no new members or sessions.' })
  get archived(): boolean {
    return this.archivedAt != null;
  }
}
