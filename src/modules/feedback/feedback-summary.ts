import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    "Aggregate post-session feedback of one session (named and anonymous together). With fewer responses than the network's privacy threshold k (`Network.minimumAggregateSize`, 5 by default) the averages are suppressed (null), so that no one's answers can be singled out.",
})
export class FeedbackSummary {
  @Field(() => Int, { description: 'Number of feedback responses, named and anonymous.' })
  responses: number;

  @Field(() => Float, { nullable: true, description: 'Average rating (1–5), rounded to 2 decimals; null when suppressed.' })
  averageRating: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Average mood after the session (from feedback) minus average mood before it (from check-ins), rounded to 2 decimals. A difference of two averages, not an average of per-person changes: anonymous feedback has no link to a person's check-in, by design. Null when suppressed or when either side has no moods.",
  })
  averageMoodChange: number | null;

  @Field({ description: "True when there are fewer responses than the network's privacy threshold k: the averages are withheld." })
  suppressed: boolean;
}
