import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';

/** The shortest retention a network may choose, in months. */
export const MIN_RETENTION_MONTHS = 1;
/** The longest, in months (100 years): beyond it, choose null (keep). */
export const MAX_RETENTION_MONTHS = 1200;

@InputType({ description: 'How long the network keeps personal data that aggregates do not need. An omitted field stays as it is; null keeps the data.' })
export class RetentionInput {
  @Field(() => Int, {
    nullable: true,
    description: `Months free text is kept (feedback comments, outreach notes and outcomes, gratitude notes), ${MIN_RETENTION_MONTHS}–${MAX_RETENTION_MONTHS}; null keeps it. Ratings and counts stay.`,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_RETENTION_MONTHS, { message: `textRetentionMonths must be at least ${MIN_RETENTION_MONTHS}` })
  @Max(MAX_RETENTION_MONTHS)
  textRetentionMonths?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: `Months wellbeing check-ins are kept, ${MIN_RETENTION_MONTHS}–${MAX_RETENTION_MONTHS}; null keeps them.`,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_RETENTION_MONTHS, { message: `wellbeingRetentionMonths must be at least ${MIN_RETENTION_MONTHS}` })
  @Max(MAX_RETENTION_MONTHS)
  wellbeingRetentionMonths?: number | null;
}
