import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** A short note of appreciation shared at the end of a session. Anonymous notes store no author. */
@Entity('gratitude_notes')
@ObjectType('GratitudeNote', { implements: Node, description: 'A short note of appreciation shared at the end of a session ("one small thing I learned").' })
export class GratitudeNote extends TenantEntity {
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ name: 'author_member_id', type: 'uuid', nullable: true })
  authorMemberId: string | null;

  @Field({ description: 'The note (up to 500 characters).' })
  @Column()
  text: string;

  @Field({ description: 'When the note was shared.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'True when shared anonymously: no author is stored.' })
  get anonymous(): boolean {
    return this.authorMemberId == null;
  }
}
