import { Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

/** The scale of wellbeing and confidence: 1 (very low) to 10. */
export const WELLBEING_SCALE = { min: 1, max: 10 } as const;

@InputType({ description: 'A private wellbeing self-report.' })
export class WellbeingInput {
  @Field(() => Int, { description: 'Wellbeing, 1 (very low) to 10 (very good).' })
  @Min(WELLBEING_SCALE.min)
  @Max(WELLBEING_SCALE.max)
  wellbeing: number;

  @Field(() => Int, { description: 'Confidence, 1 (very low) to 10 (very high).' })
  @Min(WELLBEING_SCALE.min)
  @Max(WELLBEING_SCALE.max)
  confidence: number;

  @Field(() => ID, { nullable: true, description: 'The session it relates to, if any (one the member can see).' })
  sessionId?: string | null;
}
