import { IsOptional, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, Int } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { TrendInterval } from './evaluation.types';

@ArgsType()
export class HealthArgs {
  @Field(() => Date, {
    nullable: true,
    description:
      'Start of the period; moved back to the first of its month (00:00, network time zone). Default: the first of the month 11 months before this one (12 months with this one).',
  })
  from?: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'End of the period (exclusive); moved forward to the first of the next month unless it is one. Default: now (so, the end of this month).',
  })
  to?: Date | null;
}

@ArgsType()
export class TrendArgs {
  @Field(() => ID, { nullable: true, description: 'One group; omit for the whole network (coordinators, admins and API keys only).' })
  groupId?: string | null;

  @Field(() => TrendInterval, { description: 'Length of the periods.' })
  interval: TrendInterval;

  @Field(() => Date, { description: 'Start; moved back to the start of its period (network time zone).' })
  from: Date;

  @Field(() => Date, { description: 'End (exclusive); moved forward to the end of its period unless it is a period boundary. At most 10 years after `from`.' })
  to: Date;
}

@ArgsType()
export class DriftingMembersArgs extends ConnectionArgs {
  @Field(() => ID, {
    nullable: true,
    description: 'One group; omit for every group the caller may see drifting members of (facilitators: the groups they facilitate).',
  })
  groupId?: string | null;

  @Field(() => Int, { defaultValue: 3, description: 'How many eligible sessions in a row a member must have missed (1–100).' })
  @IsOptional()
  @Min(1)
  @Max(100)
  minMissed: number;
}
