import { Kind, type DocumentNode, type GraphQLResolveInfo } from 'graphql';
import { Ctx, Field, Float, Info, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Allow } from '../auth/allow';
import { anyCredential } from '../auth/rules';
import { budgetOf, requestedCost } from './rate-limiter';
import type { Context } from '../../graphql/context';

@ObjectType({
  description:
    "The caller's rate limit: a bucket of cost points per credential (API key or member token) that operations draw from and that refills at a steady rate. The same figures come with every response as `extensions.cost` and the `RateLimit` / `RateLimit-Policy` headers.",
})
export class RateLimit {
  @Field(() => Int, { description: "Points a full bucket holds: the most one credential can spend at once (this network's budget)." })
  limit: number;

  @Field(() => Int, { description: 'Points left right after this operation took its cost (what it does not use is given back after it has run).' })
  remaining: number;

  @Field(() => Float, { description: 'Points restored to the bucket per second, up to `limit`.' })
  restoreRate: number;

  @Field(() => Date, { description: 'When the bucket is full again if no more operations are made.' })
  resetAt: Date;

  @Field(() => Int, { description: "This operation's requested cost in points (what it took from the bucket before it ran)." })
  cost: number;
}

/** The operation `info` belongs to, as a document (to price it when rate limits are off). */
const documentOf = (info: GraphQLResolveInfo): DocumentNode => ({ kind: Kind.DOCUMENT, definitions: [info.operation, ...Object.values(info.fragments)] });

@Resolver()
export class RateLimitResolver {
  @Allow(anyCredential)
  @Query(() => RateLimit, {
    description: "The caller's own rate-limit budget (never another credential's). Needs only a valid credential.",
  })
  rateLimit(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): RateLimit {
    // Every operation is charged (or, rate limits off, given an unlimited budget) before it runs.
    const budget = budgetOf(ctx);
    if (!budget) throw new Error('rateLimit: the operation has no budget');
    const { policy, availableAfterTake: remaining } = budget;
    return {
      limit: policy.max,
      remaining: Math.floor(remaining),
      restoreRate: policy.restoreRate,
      resetAt: new Date(budget.takenAt + Math.ceil(((policy.max - remaining) * 1000) / policy.restoreRate)),
      cost: budget.requested ?? requestedCost(info.schema, documentOf(info), info.operation.name?.value, info.variableValues),
    };
  }
}
