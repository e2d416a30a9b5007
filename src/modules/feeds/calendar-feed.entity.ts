import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** Which sessions a calendar feed carries. */
export enum CalendarFeedKind {
  MEMBER = 'MEMBER',
  GROUP = 'GROUP',
}

registerEnumType(CalendarFeedKind, {
  name: 'CalendarFeedKind',
  description: 'Which sessions a calendar feed carries.',
  valuesConfig: {
    MEMBER: { description: 'The owner\'s "my sessions" feed: the sessions of every group they are an ACTIVE member of, with their own RSVP.' },
    GROUP: { description: "One group's sessions." },
  },
});

/**
 * A member's calendar subscription URL (RFC 5545 over HTTP). Calendar apps cannot send an Authorization header, so the
 * URL itself carries a secret token: shown once, stored only as a SHA-256 hash, revocable.
 */
@Entity('calendar_feeds')
@ObjectType('CalendarFeed', {
  implements: Node,
  description:
    'A secret calendar subscription URL (iCalendar, `text/calendar`) for calendar apps: the owner\'s "my sessions" feed or one group\'s sessions. The URL is shown only once, when the feed is created.',
})
export class CalendarFeed extends TenantEntity {
  @Field(() => CalendarFeedKind, { description: 'Which sessions the feed carries.' })
  @Column({ type: 'text' })
  kind: CalendarFeedKind;

  /** The member who created the feed; the feed shows what they may see, checked at every fetch. */
  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId: string | null;

  @Column({ name: 'token_hash', select: false })
  tokenHash: string;

  @Field({ description: 'The visible start of the secret token (e.g. `pcf_3fa9c1d2`), to recognise a feed URL.' })
  @Column({ name: 'token_prefix' })
  tokenPrefix: string;

  @Field({ description: 'When the feed was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the feed was revoked; its URL answers 404 from then on.' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  /** Set only on the object `createCalendarFeed` returns (the token is not stored). */
  @Field(() => String, {
    nullable: true,
    description:
      'The subscription URL (`…/feeds/calendar/<token>.ics`), with the secret token in it: only in the answer of `createCalendarFeed`, null afterwards. Anyone holding it reads the feed: share it with nobody, revoke it if it leaks.',
  })
  url?: string | null;
}
