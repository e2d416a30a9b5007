import { IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'A post-session check-in.' })
export class FeedbackInput {
  @Field(() => Int, { description: 'How the session was, 1 (poor) to 5 (great).' })
  @Min(1)
  @Max(5)
  rating: number;

  @Field(() => Int, { nullable: true, description: 'Mood after the session, 1 (low) to 5 (good).' })
  @IsOptional()
  @Min(1)
  @Max(5)
  moodAfter?: number | null;

  @Field(() => String, { nullable: true, description: "Optional comment (up to 2,000 characters), read by the group's facilitators." })
  @IsOptional()
  @MaxLength(2000)
  comment?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Submit without a name: nothing stored links it to you, and no one, admins included, can see who wrote it.',
  })
  anonymous?: boolean | null;
}
