import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/node';

/** A short note of appreciation shared at the end of a session. Anonymous notes store no author. */
@Entity('gratitude_notes')
@ObjectType('GratitudeNote', { implements: Node, description: 'A short note of appreciation shared at the end of a session ("one small thing I learned").' })
export class GratitudeNote extends Node {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'network_id', type: 'uuid' })
  networkId: string;

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
