import { Ctx, Field, FieldResolver, ObjectType, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { registerNodeType } from '../../graphql/node';
import { ApiKey, ApiKeyScope } from '../auth/api-key.entity';
import { Member } from '../members/member.entity';
import { Network } from './network.entity';
import { loadNetwork } from './network.loader';

export enum PrincipalKind {
  API_KEY = 'API_KEY',
  MEMBER = 'MEMBER',
}
registerEnumType(PrincipalKind, {
  name: 'PrincipalKind',
  description: 'How the caller authenticated.',
  valuesConfig: {
    API_KEY: { description: 'With an API key (a server of the network).' },
    MEMBER: { description: 'With a member token (acting as one member).' },
  },
});

@ObjectType({ description: 'Who is calling: the network, and the member or API key behind the credential.' })
export class Viewer {
  @Field(() => PrincipalKind, { description: 'API key or member token.' })
  kind: PrincipalKind;

  @Field(() => [ApiKeyScope], { description: "The API key's scopes; empty for member tokens (members act by their role)." })
  scopes: ApiKeyScope[];

  @Field(() => Date, { nullable: true, description: 'When the credential expires (member tokens); null for API keys.' })
  expiresAt: Date | null;
}

registerNodeType('Network', async (ctx, ids) => {
  const own = ids.includes(ctx.networkId) ? await loadNetwork(ctx) : null;
  return ids.map((id) => (id === ctx.networkId ? own : null));
});

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, { description: 'Who is calling: network, member (member tokens), API key and scopes.' })
  viewer(@Ctx() ctx: Context): Viewer {
    const p = ctx.principal;
    return {
      kind: p.kind === 'API_KEY' ? PrincipalKind.API_KEY : PrincipalKind.MEMBER,
      scopes: p.kind === 'API_KEY' ? [...p.scopes] : [],
      expiresAt: ctx.credentialExpiresAt ?? null,
    };
  }

  @FieldResolver(() => Network, { description: "The caller's network." })
  network(@Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx);
  }

  @FieldResolver(() => Member, { nullable: true, description: 'The calling member (member tokens); null for API keys.' })
  async member(@Root() _viewer: Viewer, @Ctx() ctx: Context): Promise<Member | null> {
    return ctx.viewerMemberId ? ctx.loaders.byId(Member).load(ctx.viewerMemberId) : null;
  }

  @FieldResolver(() => ApiKey, { nullable: true, description: 'The calling API key (API keys); null for member tokens.' })
  async apiKey(@Root() _viewer: Viewer, @Ctx() ctx: Context): Promise<ApiKey | null> {
    return ctx.principal.kind === 'API_KEY' ? ctx.loaders.byId(ApiKey).load(ctx.principal.apiKeyId) : null;
  }
}

@Resolver(() => Network)
export class NetworkResolver {
  @Query(() => Network, { description: "The caller's network." })
  network(@Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx);
  }
}
