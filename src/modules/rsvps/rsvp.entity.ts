import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** A member's answer for a session. */
export enum RsvpStatus {
  GOING = 'GOING',
  MAYBE = 'MAYBE',
  NOT_GOING = 'NOT_GOING',
  WAITLISTED = 'WAITLISTED',
}

registerEnumType(RsvpStatus, {
  name: 'RsvpStatus',
  description: "A member's answer for a session.",
  valuesConfig: {
    GOING: { description: 'Will come; holds a place.' },
    MAYBE: { description: 'Might come; holds no place.' },
    NOT_GOING: { description: 'Will not come.' },
    WAITLISTED: { description: 'Wanted to come when the session was full; promoted to GOING, earliest first, when a place frees.' },
  },
});

/** A member's answer for a session. */
@Entity('rsvps')
@ObjectType('Rsvp', { implements: Node, description: "A member's answer for a session." })
export class Rsvp extends TenantEntity {
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Field(() => RsvpStatus, { description: 'The answer; GOING past capacity becomes WAITLISTED.' })
  @Column({ type: 'text' })
  status: RsvpStatus;

  @Field({ description: 'When the member last answered (the waitlist is ordered by it).' })
  @Column({ name: 'responded_at', type: 'timestamptz' })
  respondedAt: Date;
}
