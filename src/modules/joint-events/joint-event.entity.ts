import { ArrayMaxSize, ArrayNotEmpty, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { ConnectionArgs } from '../../graphql/connection';
import { Node, TenantEntity } from '../../graphql/node';
import { MeetingFormat } from '../groups/group.entity';
import { SessionStatus } from '../sessions/session.entity';
import { IsOnlineUrl, IsTitle } from '../sessions/session.inputs';

/** Where a network stands in a joint event. */
export enum ParticipationStatus {
  INVITED = 'INVITED',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  WITHDRAWN = 'WITHDRAWN',
}

registerEnumType(ParticipationStatus, {
  name: 'ParticipationStatus',
  description: 'Where a network stands in a joint event.',
  valuesConfig: {
    INVITED: { description: 'Invited by the host; no answer yet.' },
    ACCEPTED: { description: 'Takes part (the host always does): its members of the chosen groups may register.' },
    DECLINED: { description: 'The invited network declined; the event is no longer visible to it (the host and other parties still see this status).' },
    WITHDRAWN: {
      description:
        'No longer takes part: the partnership with the host was revoked before the event. The event is no longer visible to it (the host and other parties still see this status).',
    },
  },
});

/** A session hosted by one network and shared with partner networks' groups. */
// A federation entity: other subgraphs may extend it by its global ID (src/app/federation.ts).
@Entity('joint_events')
@Directive('@key(fields: "id")')
@ObjectType('JointEvent', {
  implements: Node,
  description:
    'A session hosted by one network and shared with groups of partner networks. Visible to its parties only: the host and every network invited to it, until that network declines or is withdrawn (partnership revoked before the event).',
})
export class JointEvent extends Node {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'host_network_id', type: 'uuid' })
  hostNetworkId: string;

  @Field({ description: 'Title of the event.' })
  @Column()
  title: string;

  @Field(() => String, { nullable: true, description: 'What the event is about.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field({ description: 'When the event starts (UTC).' })
  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Field({ description: 'When the event ends (UTC).' })
  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Field(() => MeetingFormat, { description: 'How the event meets.' })
  @Column({ type: 'text' })
  format: MeetingFormat;

  @Field(() => String, { nullable: true, description: 'Where the event meets in person.' })
  @Column({ type: 'text', nullable: true })
  location: string | null;

  @Field(() => String, { nullable: true, description: 'Link for online participants.' })
  @Column({ name: 'online_url', type: 'text', nullable: true })
  onlineUrl: string | null;

  @Field(() => Int, { nullable: true, description: 'Most registrations over all participating networks; null for no limit.' })
  @Column({ type: 'integer', nullable: true })
  capacity: number | null;

  @Field(() => SessionStatus, { description: 'Where the event is in its life.' })
  @Column({ type: 'text' })
  status: SessionStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A network's part in a joint event. */
@Entity('joint_event_participants')
@ObjectType('JointEventParticipant', { description: 'A network taking part in (or invited to) a joint event, with the groups it brings.' })
export class JointEventParticipant {
  @PrimaryColumn({ name: 'joint_event_id', type: 'uuid' })
  jointEventId: string;

  @PrimaryColumn({ name: 'network_id', type: 'uuid' })
  networkId: string;

  @Field(() => ParticipationStatus, { description: 'Where the network stands: invited, accepted, declined or withdrawn.' })
  @Column({ type: 'text' })
  status: ParticipationStatus;

  @Field(() => Date, { nullable: true, description: 'When the network answered (or was withdrawn); null while INVITED.' })
  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt: Date | null;
}

/** One member's registration for a joint event, as the viewer may see it (`displayName` is read from the member). */
@Entity('joint_event_registrations')
@ObjectType('JointEventRegistration', {
  implements: Node,
  description:
    "A member's registration for a joint event. Your own network's registrations name the member; another network's appear only if the member consented to share their identity, and then with their display name only.",
})
export class JointEventRegistration extends TenantEntity {
  @Column({ name: 'joint_event_id', type: 'uuid' })
  jointEventId: string;

  /** Set only for the viewer's own network. */
  @Column({ name: 'member_id', type: 'uuid', nullable: true })
  memberId: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The member's display name: for your own network's registrations, and for other networks' members who consented to share it.",
  })
  displayName: string | null;

  @Field({ description: 'When the member registered.' })
  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt: Date;
}

/** A count for one network. */
@ObjectType('NetworkCount', { description: 'A number for one network, e.g. its registrations for a joint event.' })
export class NetworkCount {
  networkId: string;

  @Field(() => Int, { description: 'The number.' })
  count: number;
}

@InputType({ description: 'A new joint event, hosted by your network with some of its groups.' })
export class CreateJointEventInput {
  @Field({ description: 'Title (1–200 characters).' })
  @IsTitle()
  title: string;

  @Field(() => String, { nullable: true, description: 'What the event is about (up to 5000 characters).' })
  @IsOptional()
  @MaxLength(5000)
  description?: string | null;

  @Field({ description: 'When the event starts; in the future. Registration closes then.' })
  startsAt: Date;

  @Field({ description: 'When the event ends; after `startsAt`.' })
  endsAt: Date;

  @Field(() => MeetingFormat, { description: 'How the event meets.' })
  format: MeetingFormat;

  @Field(() => String, { nullable: true, description: 'Where the event meets in person (up to 500 characters).' })
  @IsOptional()
  @MaxLength(500)
  location?: string | null;

  @Field(() => String, { nullable: true, description: 'Link for online participants (an http(s) URL).' })
  @IsOptional()
  @IsOnlineUrl()
  onlineUrl?: string | null;

  @Field(() => Int, { nullable: true, description: 'Most registrations over all networks (1–100,000); omit for no limit.' })
  @IsOptional()
  @Min(1)
  @Max(100000)
  capacity?: number | null;

  @Field(() => [ID], { description: "Your own network's groups taking part (at least one)." })
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  hostGroupIds: string[];
}

@ArgsType()
export class JointEventsArgs extends ConnectionArgs {
  @Field(() => Date, { nullable: true, description: 'Only events starting at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only events starting before this time.' })
  to?: Date | null;
}
