import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/**
 * A post-session check-in. Named feedback lives in `feedback`; anonymous feedback in
 * `anonymous_feedback` (AnonymousFeedback), which has no member column. Both are served as this type.
 */
@Entity('feedback')
@ObjectType('Feedback', { implements: Node, description: 'A post-session check-in: rating, mood after, optional comment; optionally anonymous.' })
export class Feedback extends TenantEntity {
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  /** The author; null for anonymous feedback (which is stored without one). */
  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string | null;

  @Field(() => Int, { description: 'How the session was, 1 (poor) to 5 (great).' })
  @Column({ type: 'smallint' })
  rating: number;

  @Field(() => Int, { nullable: true, description: 'Mood after the session, 1 (low) to 5 (good).' })
  @Column({ name: 'mood_after', type: 'smallint', nullable: true })
  moodAfter: number | null;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Field({ description: 'When it was submitted; for anonymous feedback only to the hour, so that the time cannot single out its author.' })
  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt: Date;

  @Field({ description: 'True when submitted anonymously: no one, admins included, can see who wrote it.' })
  get anonymous(): boolean {
    return this.memberId == null;
  }
}

/** Anonymous feedback as stored: no member column; `dedupKey` is an HMAC that only stops a second submission. */
@Entity('anonymous_feedback')
export class AnonymousFeedback extends TenantEntity {
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ name: 'dedup_key', type: 'bytea' })
  dedupKey: Buffer;

  @Column({ type: 'smallint' })
  rating: number;

  @Column({ name: 'mood_after', type: 'smallint', nullable: true })
  moodAfter: number | null;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt: Date;
}
