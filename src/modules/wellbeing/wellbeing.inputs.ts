import { Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'A private wellbeing self-report.' })
export class WellbeingInput {
  @Field(() => Int, { description: 'Wellbeing, 1 (very low) to 10 (very good).' })
  @Min(1)
  @Max(10)
  wellbeing: number;

  @Field(() => Int, { description: 'Confidence, 1 (very low) to 10 (very high).' })
  @Min(1)
  @Max(10)
  confidence: number;

  @Field(() => ID, { nullable: true, description: 'The session it relates to, if any (one the member can see).' })
  sessionId?: string | null;
}
