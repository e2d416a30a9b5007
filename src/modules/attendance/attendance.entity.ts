import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, UpdateDateColumn } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** Whether a member was there. */
export enum AttendanceStatus {
  PRESENT = 'PRESENT',
  LATE = 'LATE',
  EXCUSED = 'EXCUSED',
  ABSENT = 'ABSENT',
}

registerEnumType(AttendanceStatus, {
  name: 'AttendanceStatus',
  description: 'Whether a member was at a session. PRESENT and LATE count as attended.',
  valuesConfig: {
    PRESENT: { description: 'Was there.' },
    LATE: { description: 'Came late.' },
    EXCUSED: { description: 'Did not come, with notice.' },
    ABSENT: { description: 'Did not come.' },
  },
});

/** Who was at a session. */
@Entity('attendance')
@ObjectType('Attendance', { implements: Node, description: "A member's attendance at a session." })
export class Attendance extends TenantEntity {
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Field(() => AttendanceStatus, { description: 'Whether the member was there.' })
  @Column({ type: 'text' })
  status: AttendanceStatus;

  @Field(() => Date, { nullable: true, description: 'When the member checked in (or was checked in); null for EXCUSED and ABSENT.' })
  @Column({ name: 'checked_in_at', type: 'timestamptz', nullable: true })
  checkedInAt: Date | null;

  @Field({ description: "True when this is the member's first attended session in the group: newcomers get a welcome." })
  @Column({ name: 'first_session', type: 'boolean' })
  firstSession: boolean;

  @Field(() => Int, { nullable: true, description: 'Mood on arrival, 1 (low) to 5 (good), if the member gave it.' })
  @Column({ name: 'mood_before', type: 'smallint', nullable: true })
  moodBefore: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', select: false })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', select: false })
  updatedAt: Date;
}
