import { Arg, Ctx, Field, FieldResolver, Int, Mutation, ObjectType, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import { AppError } from '../../graphql/errors';
import { registerNodeType } from '../../graphql/node';
import { ApiKeyScope, NetworkRole } from '../../graphql/principal';
import { audit } from '../audit/audit.service';
import { authorize, isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { ApiKey } from '../auth/api-key.entity';
import { anyCredential, changeNetworkAsAdmin, readOwnNetwork } from '../auth/rules';
import { Member } from '../members/member.entity';
import { Network } from './network.entity';
import { UpdateNetworkInput } from './network.inputs';
import { loadNetwork } from './network.loader';
import { updateNetwork } from './network.service';
import type { Context } from '../../graphql/context';

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

  @Field(() => NetworkRole, {
    nullable: true,
    description: "The role a member token acts with: the lower of the member's role and the token's narrowing at issue; null for API keys.",
  })
  role: NetworkRole | null;

  @Field({ description: 'True for a member token narrowed to reads at issue (mutations are FORBIDDEN).' })
  readOnly: boolean;
}

// The caller's own network and the networks it is in a partnership with (any status): those the API shows it
// anyway (Partnership.partner, SharedGroup.network, JointEvent.host…; row-level security agrees). Null otherwise.
registerNodeType('Network', (ctx, ids) =>
  !isAllowed(ctx, readOwnNetwork)
    ? Promise.resolve(ids.map(() => null))
    : Promise.all(
        ids.map((id) => loadNetwork(ctx, id).catch((err: unknown) => (err instanceof AppError && err.code === 'NOT_FOUND' ? null : Promise.reject(err)))),
      ),
);

@Resolver(() => Viewer)
export class ViewerResolver {
  @Allow(anyCredential)
  @Query(() => Viewer, { description: 'Who is calling: network, member (member tokens), API key and scopes.' })
  viewer(@Ctx() ctx: Context): Viewer {
    const p = ctx.principal;
    return {
      kind: p.kind === 'API_KEY' ? PrincipalKind.API_KEY : PrincipalKind.MEMBER,
      scopes: p.kind === 'API_KEY' ? [...p.scopes] : [],
      expiresAt: ctx.credentialExpiresAt ?? null,
      role: p.kind === 'MEMBER' ? p.role : null,
      readOnly: p.kind === 'MEMBER' && p.readOnly,
    };
  }

  @FieldResolver(() => Network, { description: "The caller's network (FORBIDDEN for an API key that only issues member tokens: it reads nothing itself)." })
  network(@Ctx() ctx: Context): Promise<Network> {
    authorize(ctx, readOwnNetwork);
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
  @Allow(readOwnNetwork)
  @Query(() => Network, { description: "The caller's network." })
  network(@Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx);
  }

  // A network's own setting: another network (a partner's, e.g. SharedGroup.network, JointEvent.host) shows null.
  @FieldResolver(() => Int, { nullable: true })
  minimumAggregateSize(@Root() network: Network, @Ctx() ctx: Context): number | null {
    return network.id === ctx.networkId ? network.minimumAggregateSize : null;
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => Network, {
    description:
      "Changes the caller's network: name, description, reporting time zone, privacy threshold (k ≥ 5, else BAD_USER_INPUT). Admins and API keys with WRITE and ADMIN. Written to the audit log.",
  })
  async updateNetwork(
    @Arg('input', () => UpdateNetworkInput, { description: 'The changes.' }) input: UpdateNetworkInput,
    @Ctx() ctx: Context,
  ): Promise<Network> {
    const { network, changed } = await updateNetwork(ctx, await loadNetwork(ctx), input);
    if (changed.length) {
      await audit(ctx, {
        action: 'network.updated',
        targetType: 'Network',
        targetId: network.id,
        details: { changed, ...(changed.includes('minimumAggregateSize') && { minimumAggregateSize: network.minimumAggregateSize }) },
      });
    }
    return network;
  }
}
