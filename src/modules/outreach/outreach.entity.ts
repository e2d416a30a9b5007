import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** How someone reached out. */
export enum OutreachChannel {
  MESSAGE = 'MESSAGE',
  CALL = 'CALL',
  IN_PERSON = 'IN_PERSON',
  EMAIL = 'EMAIL',
  OTHER = 'OTHER',
}

registerEnumType(OutreachChannel, {
  name: 'OutreachChannel',
  description: 'How someone reached out to a member.',
  valuesConfig: {
    MESSAGE: { description: 'A chat or text message.' },
    CALL: { description: 'A phone or video call.' },
    IN_PERSON: { description: 'Met in person.' },
    EMAIL: { description: 'An email.' },
    OTHER: { description: 'Another way; say how in the note.' },
  },
});

/** A record that someone reached out to a (drifting) member of a group. */
@Entity('outreach')
@ObjectType('Outreach', { implements: Node, description: 'A record that someone reached out to a member of a group, e.g. one who is drifting away.' })
export class Outreach extends TenantEntity {
  @Column({ name: 'membership_id', type: 'uuid' })
  membershipId: string;

  @Column({ name: 'by_member_id', type: 'uuid', nullable: true })
  byMemberId: string | null;

  @Field(() => OutreachChannel, { description: 'How they reached out.' })
  @Column({ type: 'text' })
  channel: OutreachChannel;

  @Field(() => String, { nullable: true, description: 'What was said or agreed (up to 2,000 characters).' })
  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Field(() => String, { nullable: true, description: 'How it went, e.g. "coming back next week" (up to 500 characters).' })
  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Field({ description: 'When it happened.' })
  @Column({ type: 'timestamptz' })
  at: Date;
}
