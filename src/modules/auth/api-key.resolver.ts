import { ArrayMaxSize, ArrayMinSize, ArrayUnique, Length, Matches } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Extensions, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { invalidArgument } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { Member } from '../members/member.entity';
import { findMember } from '../members/member.service';
import { authorize, isAllowed } from './access';
import { Allow } from './allow';
import { ApiKey, ApiKeyScope } from './api-key.entity';
import * as apiKeys from './api-key.service';
import { administerNetwork, issueMemberTokens } from './rules';
import { MEMBER_TOKEN_DEFAULT_TTL, MEMBER_TOKEN_MAX_TTL, MEMBER_TOKEN_MIN_TTL } from './member-token';

registerNodeType('ApiKey', async (ctx, ids) => {
  if (!isAllowed(ctx, administerNetwork)) return ids.map(() => null);
  return ctx.loaders.byId(ApiKey).loadMany(ids).then((keys) => keys.map((k) => (k instanceof ApiKey ? k : null)));
});

@ObjectType({ description: 'A new API key and its secret. The secret is shown only here, once: store it safely.' })
class CreatedApiKey {
  @Field(() => ApiKey, { description: 'The key (without its secret).' })
  apiKey: ApiKey;

  @Field({ description: 'The secret to send as `Authorization: Bearer <secret>`. Not retrievable later.' })
  secret: string;
}

@ObjectType({ description: 'A short-lived token that acts as one member, for partner front ends.' })
class MemberToken {
  @Field({ description: 'The token to send as `Authorization: Bearer <token>`.' })
  token: string;

  @Field({ description: 'When the token stops working; issue a new one before then.' })
  expiresAt: Date;

  @Field(() => Member, { description: 'The member the token acts as.' })
  member: Member;
}

/**
 * The fields whose values are credentials (`Type.field`). They are never stored, so an operation selecting one
 * cannot be made idempotent (src/modules/idempotency refuses an Idempotency-Key on it).
 */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  `${CreatedApiKey.name}.${'secret' satisfies keyof CreatedApiKey}`,
  `${MemberToken.name}.${'token' satisfies keyof MemberToken}`,
]);

@ArgsType()
class CreateApiKeyArgs {
  @Field({ description: 'Who uses the key and for what (1–100 characters).' })
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @Field(() => [ApiKeyScope], { description: 'What the key may do; at least one scope.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  scopes: ApiKeyScope[];
}

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  // Unpaged: reads the whole set, like a totalCount.
  @Extensions({ cost: 20 })
  @Allow(administerNetwork)
  @Query(() => [ApiKey], { description: "The network's API keys, revoked ones included, oldest first. Admins only." })
  async apiKeys(@Ctx() ctx: Context) {
    authorize(ctx, administerNetwork);
    return apiKeys.listApiKeys(ctx.manager, ctx.networkId);
  }

  @Allow(administerNetwork)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key; the secret is in the answer and nowhere else. Admins only.' })
  async createApiKey(@Args() args: CreateApiKeyArgs, @Ctx() ctx: Context): Promise<CreatedApiKey> {
    authorize(ctx, administerNetwork);
    return apiKeys.createApiKey(ctx.manager, ctx.networkId, { ...args, createdByMemberId: ctx.viewerMemberId });
  }

  @Allow(administerNetwork)
  @Mutation(() => ApiKey, { description: 'Revokes an API key at once; requests with it then fail with UNAUTHENTICATED. Admins only.' })
  async revokeApiKey(@Arg('id', () => ID, { description: 'The key to revoke.' }) id: string, @Ctx() ctx: Context) {
    authorize(ctx, administerNetwork);
    return apiKeys.revokeApiKey(ctx.manager, ctx.networkId, idArgument('id', id, 'ApiKey'));
  }

  @Allow(issueMemberTokens)
  @Mutation(() => MemberToken, {
    description: `Issues a token that acts as the member, for a partner's front end. API keys with ADMIN only (the partner's backend authenticates its users its own way).`,
  })
  async issueMemberToken(
    @Arg('memberId', () => ID, { description: 'The member the token acts as.' }) memberId: string,
    @Arg('ttlSeconds', () => Int, {
      nullable: true,
      description: `Lifetime in seconds (${MEMBER_TOKEN_MIN_TTL}–${MEMBER_TOKEN_MAX_TTL}; default ${MEMBER_TOKEN_DEFAULT_TTL}).`,
    })
    ttlSeconds: number | null,
    @Ctx() ctx: Context,
  ): Promise<MemberToken> {
    authorize(ctx, { apiKey: [ApiKeyScope.ADMIN] });
    const ttl = ttlSeconds ?? MEMBER_TOKEN_DEFAULT_TTL;
    if (ttl < MEMBER_TOKEN_MIN_TTL || ttl > MEMBER_TOKEN_MAX_TTL) {
      throw invalidArgument('ttlSeconds', `must be between ${MEMBER_TOKEN_MIN_TTL} and ${MEMBER_TOKEN_MAX_TTL}`);
    }
    const member = await findMember(ctx.manager, ctx.networkId, idArgument('memberId', memberId, 'Member'));
    const { token, expiresAt } = await ctx.deps.tokens.issue(ctx.networkId, member.id, ttl);
    return { token, expiresAt, member };
  }
}
