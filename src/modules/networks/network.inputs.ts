import { IsOptional, Length, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { HasVisibleCharacter, IsTimeZone } from '../../graphql/validators';

/** The privacy rule's floor: no network may show aggregates over fewer people than this (DOMAIN.md, rule 3). */
export const MIN_AGGREGATE_SIZE_FLOOR = 5;

@InputType({ description: "Changes to the caller's network; omitted fields stay as they are." })
export class UpdateNetworkInput {
  @Field(() => String, { nullable: true, description: 'New display name (1–200 characters).' })
  @IsOptional()
  @Length(1, 200)
  @HasVisibleCharacter()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New description (up to 5,000 characters); an empty string removes it.' })
  @IsOptional()
  @MaxLength(5000)
  description?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'IANA time zone the network reports in (evaluation periods start at its midnight), e.g. `Europe/Berlin`.',
  })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `The privacy threshold k (${MIN_AGGREGATE_SIZE_FLOOR}–1,000): aggregates over fewer people are withheld. It can be raised, never set below ${MIN_AGGREGATE_SIZE_FLOOR}.`,
  })
  @IsOptional()
  @Min(MIN_AGGREGATE_SIZE_FLOOR, { message: `minimumAggregateSize must be at least ${MIN_AGGREGATE_SIZE_FLOOR}` })
  @Max(1000)
  minimumAggregateSize?: number | null;
}
