import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../graphql/connection';
import { Membership } from '../memberships/membership.entity';

/** The length of a trend's periods; periods start at midnight in the network's time zone. */
export enum TrendInterval {
  WEEK = 'WEEK',
  MONTH = 'MONTH',
  QUARTER = 'QUARTER',
}

registerEnumType(TrendInterval, {
  name: 'TrendInterval',
  description: "The length of a trend's periods. Periods are calendar periods in the network's time zone (`Network.timeZone`).",
  valuesConfig: {
    WEEK: { description: 'ISO weeks, Monday 00:00 to Monday 00:00 local time (168 hours, or 167/169 across a daylight-saving change).' },
    MONTH: { description: 'Calendar months, from the 1st 00:00 local time.' },
    QUARTER: { description: 'Calendar quarters (January, April, July, October), from the 1st 00:00 local time.' },
  },
});

@ObjectType({
  description:
    "How a group is doing over a period of whole calendar months in the network's time zone. Counts are always shown; rates and averages are withheld (null, `suppressed: true`) when fewer than k people (`Network.minimumAggregateSize`) contribute to them.",
})
export class GroupHealth {
  @Field({ description: 'Start of the period: `from` moved back to the first of its month, 00:00 in the network time zone.' })
  from: Date;

  @Field({ description: 'End of the period (exclusive): `to` moved forward to the first of the next month, unless it is one already.' })
  to: Date;

  @Field(() => Int, { description: 'COMPLETED sessions in the period (cancelled ones are not held).' })
  sessionsHeld: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Average number of members present (PRESENT or LATE) per held session, 2 decimals. Withheld when fewer than k distinct people attended.',
  })
  averageAttendance: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Members present ÷ members expected, over all held sessions (0–1, 4 decimals). Expected: members of the group at the session’s start (joined before it, not left by then, not PAUSED now). Withheld when fewer than k distinct people attended.',
  })
  attendanceRate: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Of the members of the group at `from`, the share still members at `to` (0–1, 4 decimals); a pause is not leaving. Withheld when fewer than k were members at `from`.',
  })
  retentionRate: number | null;

  @Field(() => Int, { description: 'Members whose first attended session of the group (`Attendance.firstSession`) was held in the period.' })
  newcomers: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Average feedback rating (1–5, named and anonymous), 2 decimals. Withheld when fewer than k people gave feedback.',
  })
  averageRating: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Average mood after the sessions (feedback) minus average mood before them (check-ins), 2 decimals: a difference of two averages, as in `FeedbackSummary`. Withheld when fewer than k people gave either mood.',
  })
  averageMoodChange: number | null;

  @Field({ description: 'True when at least one rate or average above is withheld because fewer than k people contribute to it.' })
  suppressed: boolean;
}

/** The period of a trend point (`ParticipationPoint`, `OutcomePoint`): shared fields only, not a type of the schema. */
@ObjectType({ description: 'The period of a trend point.' })
abstract class TrendPeriod {
  @Field({ description: "Start of the period (00:00 in the network's time zone), as a UTC time." })
  periodStart: Date;

  @Field({ description: 'End of the period (exclusive): the start of the next one.' })
  periodEnd: Date;
}

@ObjectType({ description: 'Participation in one period of a trend: sessions held and who came.' })
export class ParticipationPoint extends TrendPeriod {
  @Field(() => Int, { description: 'COMPLETED sessions that started in the period; 0 for a period without any.' })
  sessions: number;

  @Field(() => Int, {
    description: 'Attendances: members present (PRESENT or LATE) at those sessions, summed over the sessions (someone at two sessions counts twice).',
  })
  attendees: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'Members present ÷ members expected at those sessions (0–1, 4 decimals; expected as in `GroupHealth.attendanceRate`). Null when no session was held; withheld when no session of the period had k people present.',
  })
  attendanceRate: number | null;

  @Field({
    description:
      'True when no session of the period had at least k people present (no session at all included): `attendanceRate` is withheld. (The people at the fullest session are a lower bound of the people behind the rate, so this errs on the side of withholding.)',
  })
  suppressed: boolean;
}

@ObjectType({
  description:
    "Outcomes in one period of a trend, from members' private wellbeing check-ins. Only ever aggregates: the averages are withheld when fewer than k people responded.",
})
export class OutcomePoint extends TrendPeriod {
  @Field(() => Int, { description: 'Distinct members who recorded at least one check-in in the period.' })
  respondents: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "Average wellbeing (1–10), 2 decimals: each respondent's check-ins in the period are averaged first, so everyone counts once. Null when withheld or no one responded.",
  })
  averageWellbeing: number | null;

  @Field(() => Float, { nullable: true, description: 'Average confidence (1–10), 2 decimals, computed like `averageWellbeing`.' })
  averageConfidence: number | null;

  @Field({ description: 'True when fewer than k people responded (0 included): the averages are withheld.' })
  suppressed: boolean;
}

@ObjectType({ description: "An ACTIVE member who missed their group's last sessions in a row: someone may want to reach out." })
export class DriftingMember {
  @Field(() => Membership, { description: 'The membership (group and member).' })
  membership: Membership;

  @Field(() => Int, {
    description:
      'COMPLETED sessions of the group missed in a row, counting back from the most recent: sessions since the last one attended (PRESENT or LATE), only those since joining. Cancelled sessions do not count.',
  })
  missedInARow: number;

  @Field(() => Date, { nullable: true, description: 'Start of the last session of the group the member attended; null if never.' })
  lastAttendedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When someone last recorded outreach to the member about this group; null if never.' })
  lastOutreachAt: Date | null;
}

export const DriftingMemberConnection = connectionType(DriftingMember, 'DriftingMember');
