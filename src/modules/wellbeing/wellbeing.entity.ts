import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** A member's private self-report. Only the member reads it; others only ever see aggregates. */
@Entity('wellbeing_checkins')
@ObjectType('WellbeingCheckIn', {
  implements: Node,
  description: "A member's private wellbeing self-report. Only that member can read it; others only see aggregates.",
})
export class WellbeingCheckIn extends TenantEntity {
  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Field(() => Int, { description: 'Wellbeing, 1 (very low) to 10 (very good).' })
  @Column({ type: 'smallint' })
  wellbeing: number;

  @Field(() => Int, { description: 'Confidence, 1 (very low) to 10 (very high).' })
  @Column({ type: 'smallint' })
  confidence: number;

  @Field({ description: 'When it was recorded.' })
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}
