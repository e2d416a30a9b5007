import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, UpdateDateColumn } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';
import { AgendaItem } from '../groups/agenda';

/** Where a session is in its life: SCHEDULED → LIVE → COMPLETED, or SCHEDULED → CANCELLED. */
export enum SessionStatus {
  SCHEDULED = 'SCHEDULED',
  LIVE = 'LIVE',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(SessionStatus, {
  name: 'SessionStatus',
  description: 'Where a session is in its life: SCHEDULED → LIVE → COMPLETED, or SCHEDULED → CANCELLED.',
  valuesConfig: {
    SCHEDULED: { description: 'Planned; members can RSVP.' },
    LIVE: { description: 'Started by a facilitator; members check in.' },
    COMPLETED: { description: 'Ended; attendance and feedback are final (feedback may still arrive).' },
    CANCELLED: { description: 'Will not take place; see `cancelReason`.' },
  },
});

/** One meeting of a group. */
@Entity('sessions')
@ObjectType('Session', { implements: Node, description: 'One meeting of a group: time, place or link, status and agenda.' })
export class Session extends TenantEntity {
  @Column({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @Column({ name: 'series_id', type: 'uuid', nullable: true })
  seriesId: string | null;

  @Field({ description: 'Title of the session.' })
  @Column()
  title: string;

  @Field({ description: 'When the session starts (UTC).' })
  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Field({ description: 'When the session ends (UTC).' })
  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Field({ description: 'IANA time zone the session is planned in; a series keeps its local time across daylight-saving changes.' })
  @Column({ name: 'time_zone' })
  timeZone: string;

  @Field(() => SessionStatus, { description: 'Where the session is in its life.' })
  @Column({ type: 'text' })
  status: SessionStatus;

  @Column({ type: 'integer', nullable: true })
  capacity: number | null;

  @Field(() => String, { nullable: true, description: 'Where the session meets in person.' })
  @Column({ type: 'text', nullable: true })
  location: string | null;

  @Field(() => String, { nullable: true, description: 'Link for online participants.' })
  @Column({ name: 'online_url', type: 'text', nullable: true })
  onlineUrl: string | null;

  @Field(() => [AgendaItem], { description: "The session's agenda (from the group's template unless edited)." })
  @Column({ type: 'jsonb' })
  agenda: AgendaItem[];

  @Field(() => String, { nullable: true, description: 'Why the session was cancelled; null unless CANCELLED.' })
  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason: string | null;

  @Field(() => Date, { nullable: true, description: 'When a facilitator started the session.' })
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a facilitator ended the session.' })
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the session was cancelled.' })
  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  /** The iCalendar SEQUENCE: bumped by a database trigger whenever something a calendar shows changes (see migrations/1765010000000-Feeds.ts). */
  @Column({ type: 'integer', default: 0 })
  sequence: number;

  @Field({ description: 'When the session was scheduled.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', select: false })
  updatedAt: Date;
}
