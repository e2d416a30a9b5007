import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import DataLoader from 'dataloader';
import { Arg, Args, ArgsType, Ctx, Extensions, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { forbidden, invalidArgument } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { ApiKeyScope, lowerRole, NetworkRole, roleWithin } from '../../graphql/principal';
import { HasVisibleCharacter } from '../../graphql/validators';
import { Member } from '../members/member.entity';
import { findMember, findMemberByExternalId } from '../members/member.service';
import { isAllowed } from './access';
import { Allow } from './allow';
import { ApiKey } from './api-key.entity';
import * as apiKeys from './api-key.service';
import { MEMBER_TOKEN_DEFAULT_TTL, MEMBER_TOKEN_MAX_TTL, MEMBER_TOKEN_MIN_TTL } from './member-token';
import { issueMemberTokens, manageApiKeys } from './rules';
import { countTrustedDocuments, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS_PER_CALL, registerTrustedDocuments } from './trusted-documents';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

const trustedDocumentCounts = (manager: EntityManager, networkId: string) =>
  new DataLoader<string, number>(async (ids) => {
    const counts = await countTrustedDocuments({ manager, networkId }, ids);
    return ids.map((id) => counts.get(id) ?? 0);
  });

registerNodeType('ApiKey', async (ctx, ids) => {
  if (!isAllowed(ctx, manageApiKeys)) return ids.map(() => null);
  return ctx.loaders
    .byId(ApiKey)
    .loadMany(ids)
    .then((keys) => keys.map((k) => (k instanceof ApiKey ? k : null)));
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

  @Field(() => NetworkRole, {
    description: "The role the token acts with now: the lower of the member's role and the token's narrowing (and its key's highest role).",
  })
  role: NetworkRole;

  @Field({ description: 'True: the token runs no mutation (FORBIDDEN).' })
  readOnly: boolean;
}

@InputType({ description: 'A document (operation text) to register for an API key, e.g. one entry of an Apollo persisted-query manifest.' })
class TrustedDocumentInput {
  @Field({
    description: `The exact document text (at most ${MAX_DOCUMENT_BYTES} bytes). Its SHA-256 is what clients send as \`extensions.persistedQuery.sha256Hash\`.`,
  })
  body: string;

  @Field(() => String, {
    nullable: true,
    description: "The SHA-256 (hex) the client will send; checked against the body when given (e.g. the manifest's `id`).",
  })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'hash must be 64 hexadecimal characters (SHA-256)' })
  hash?: string | null;

  @Field(() => String, { nullable: true, description: 'A name for people (e.g. the operation name).' })
  @IsOptional()
  @MaxLength(200)
  name?: string | null;
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
  @HasVisibleCharacter()
  name: string;

  @Field(() => [ApiKeyScope], { description: 'What the key may do; at least one scope.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @ArrayUnique()
  scopes: ApiKeyScope[];

  @Field(() => NetworkRole, {
    defaultValue: NetworkRole.MEMBER,
    description: "With ISSUE_MEMBER_TOKENS: the highest network role the key may issue member tokens for (no higher than the calling key's own).",
  })
  memberTokenMaxRole: NetworkRole;

  @Field(() => Boolean, {
    nullable: true,
    description: "True: the key and its member tokens may run only documents registered for it. Default: the calling key's own mode.",
  })
  trustedDocumentsOnly?: boolean | null;
}

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  // Unpaged: reads the whole set, like a totalCount.
  @Allow(manageApiKeys)
  @Extensions({ cost: 20 })
  @Query(() => [ApiKey], { description: "The network's API keys, revoked ones included, oldest first. Admins only." })
  async apiKeys(@Ctx() ctx: Context) {
    return apiKeys.listApiKeys(ctx);
  }

  @FieldResolver(() => Int, { description: 'How many documents are registered for the key (`registerTrustedDocuments`).' })
  async trustedDocumentCount(@Root() key: ApiKey, @Ctx() ctx: Context): Promise<number> {
    // A list of keys is counted in one statement.
    return ctx.loaders.get(trustedDocumentCounts).load(key.id);
  }

  @Allow(manageApiKeys)
  @Mutation(() => CreatedApiKey, {
    description:
      'Creates an API key; the secret is in the answer and nowhere else. API keys with ADMIN only, and never with more than the calling key holds (scopes, highest token role, trusted-documents mode): FORBIDDEN otherwise.',
  })
  async createApiKey(@Args() args: CreateApiKeyArgs, @Ctx() ctx: Context): Promise<CreatedApiKey> {
    const powers = {
      scopes: args.scopes,
      memberTokenMaxRole: args.memberTokenMaxRole,
      trustedDocumentsOnly: args.trustedDocumentsOnly ?? !!ctx.principal.trustedDocumentsOf,
    };
    apiKeys.assertWithinPowers(ctx.principal, powers);
    return apiKeys.createApiKey(ctx.manager, ctx.networkId, { name: args.name, ...powers });
  }

  @Allow(manageApiKeys)
  @Mutation(() => ApiKey, {
    description: `Registers documents for an API key (idempotent, at most ${MAX_DOCUMENTS_PER_CALL} per call), and optionally turns its trusted-documents-only mode on or off. Clients may then send a registered document by hash alone (\`extensions.persistedQuery.sha256Hash\`, Apollo's persisted queries); in trusted-documents-only mode the key and its member tokens may run nothing else. API keys with ADMIN only.`,
  })
  async registerTrustedDocuments(
    @Arg('apiKeyId', () => ID, { description: 'The key the documents are for.' }) apiKeyId: string,
    @Arg('documents', () => [TrustedDocumentInput], { description: 'The documents; already registered ones are kept as they are.' })
    documents: TrustedDocumentInput[],
    @Arg('trustedDocumentsOnly', () => Boolean, {
      nullable: true,
      description: 'True: from now on the key runs registered documents only; false: any document. Omitted: unchanged.',
    })
    trustedDocumentsOnly: boolean | null,
    @Ctx() ctx: Context,
  ): Promise<ApiKey> {
    if (trustedDocumentsOnly === false && ctx.principal.trustedDocumentsOf) {
      throw forbidden('A key in trusted-documents-only mode cannot turn that mode off for a key');
    }
    const key = await apiKeys.findApiKey(ctx, idArgument('apiKeyId', apiKeyId, 'ApiKey'));
    await registerTrustedDocuments(ctx, key.id, documents);
    if (trustedDocumentsOnly != null && trustedDocumentsOnly !== key.trustedDocumentsOnly) {
      await apiKeys.setTrustedDocumentsOnly(ctx, key, trustedDocumentsOnly);
    }
    return key;
  }

  @Allow(manageApiKeys)
  @Mutation(() => ApiKey, { description: 'Revokes an API key at once; requests with it then fail with UNAUTHENTICATED. Admins only.' })
  async revokeApiKey(@Arg('id', () => ID, { description: 'The key to revoke.' }) id: string, @Ctx() ctx: Context) {
    return apiKeys.revokeApiKey(ctx, idArgument('id', id, 'ApiKey'));
  }

  @Allow(issueMemberTokens)
  @Mutation(() => MemberToken, {
    description: `Issues a token that acts as the member, for a partner's front end (the partner's backend authenticates its users its own way). API keys with ISSUE_MEMBER_TOKENS only, for members up to the key's \`memberTokenMaxRole\` (a member with a higher role only with \`maxRole\` narrowing the token to it). The token acts with the lower of the member's current role and its narrowing, and dies with its key (revoked, or ISSUE_MEMBER_TOKENS removed).`,
  })
  async issueMemberToken(
    @Arg('memberId', () => ID, { nullable: true, description: 'The member the token acts as (or `externalId`).' }) memberId: string | null,
    @Arg('externalId', () => String, { nullable: true, description: "The member by the partner's own id (`Member.externalId`), instead of `memberId`." })
    externalId: string | null,
    @Arg('ttlSeconds', () => Int, {
      nullable: true,
      description: `Lifetime in seconds (${MEMBER_TOKEN_MIN_TTL}–${MEMBER_TOKEN_MAX_TTL}; default ${MEMBER_TOKEN_DEFAULT_TTL}).`,
    })
    ttlSeconds: number | null,
    @Arg('maxRole', () => NetworkRole, {
      nullable: true,
      description: "Narrows the token: it acts with at most this role (e.g. MEMBER for an admin using a members' app). Default: the member's role.",
    })
    maxRole: NetworkRole | null,
    @Arg('readOnly', () => Boolean, { defaultValue: false, description: 'Narrows the token to reads: every mutation is FORBIDDEN.' }) readOnly: boolean,
    @Ctx() ctx: Context,
  ): Promise<MemberToken> {
    const issuer = ctx.principal;
    if (issuer.kind !== 'API_KEY') throw forbidden('Member tokens may not issue member tokens');
    const ttl = ttlSeconds ?? MEMBER_TOKEN_DEFAULT_TTL;
    if (ttl < MEMBER_TOKEN_MIN_TTL || ttl > MEMBER_TOKEN_MAX_TTL) {
      throw invalidArgument('ttlSeconds', `must be between ${MEMBER_TOKEN_MIN_TTL} and ${MEMBER_TOKEN_MAX_TTL}`);
    }
    if ((memberId == null) === (externalId == null)) throw invalidArgument('memberId', 'give exactly one of memberId and externalId');
    const member = memberId != null ? await findMember(ctx, idArgument('memberId', memberId, 'Member')) : await findMemberByExternalId(ctx, externalId!);
    const roleCap = maxRole ?? member.role;
    if (!roleWithin(roleCap, issuer.memberTokenMaxRole)) {
      throw forbidden(
        `This API key may issue member tokens up to the role ${issuer.memberTokenMaxRole}; the token would act as ${roleCap}. Pass maxRole: ${issuer.memberTokenMaxRole} to issue a narrowed token`,
      );
    }
    const { token, expiresAt } = await ctx.deps.tokens.issue(ctx.networkId, member.id, ttl, { issuerKeyId: issuer.apiKeyId, roleCap, readOnly });
    return { token, expiresAt, member, role: lowerRole(member.role, roleCap), readOnly };
  }
}
