import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Extensions, Field, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { connectionType, ConnectionArgs } from '../../graphql/connection';
import { registerEntityType } from '../../graphql/entities';
import { idArgument } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { liveSubscription } from '../../realtime/subscriptions';
import { authorize, isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { administerNetwork, changeNetworkAsAdmin, readGroups } from '../auth/rules';
import { Network } from '../networks/network.entity';
import { loadNetwork } from '../networks/network.loader';
import { Partnership, PartnershipScope, PartnershipStatus, SharedGroup } from './partnership.entity';
import * as partnerships from './partnership.service';
import type { Context } from '../../graphql/context';
import type { TopicPayload } from '../../realtime/topics';

export const SharedGroupConnection = connectionType(SharedGroup, 'SharedGroup');

registerNodeType('Partnership', async (ctx, ids) => {
  if (!isAllowed(ctx, administerNetwork)) return ids.map(() => null);
  const found = await partnerships.partnershipLoader(ctx).loadMany(ids);
  return found.map((p) => (p instanceof Partnership ? p : null));
});

// A federation entity, not a node: any member; API keys with READ.
registerEntityType('SharedGroup', async (ctx, ids) => {
  if (!isAllowed(ctx, readGroups)) return ids.map(() => null);
  return partnerships.findSharedGroups(ctx, ids);
});

@ArgsType()
export class PartnerDirectoryArgs extends ConnectionArgs {
  @Field(() => String, { nullable: true, description: 'Only groups with this topic slug, e.g. `anxiety`.' })
  @IsOptional()
  @MaxLength(50)
  topic?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive word-prefix search over name, description and topics, e.g. "anx" finds "Anxiety circle".',
  })
  @IsOptional()
  @MaxLength(200)
  search?: string | null;
}

/** Who may follow the network's partnerships live: its admins (the declared rule, checked again at every event). */
const partnershipsLive = liveSubscription('partnershipChanged', null, async (ctx) => {
  authorize(ctx, administerNetwork);
  return null;
});

@Resolver(() => Partnership)
export class PartnershipResolver {
  // The declared rule runs at subscribe time; every event checks it again under the subscriber's context.
  @Allow(administerNetwork)
  @Subscription(() => Partnership, {
    description:
      "One of the network's partnerships was requested, accepted, declined or revoked (either side). ADMIN member tokens, API keys with ADMIN, of both networks.",
    subscribe: partnershipsLive.subscribe,
  })
  partnershipChanged(@Root() event: TopicPayload<'partnershipChanged'>, @Ctx() ctx: Context): Promise<Partnership> {
    return partnershipsLive.deliver(ctx, null, () => partnerships.partnershipLoader(ctx).load(event.partnershipId));
  }

  // Unpaged: reads the whole set, like a totalCount.
  @Extensions({ cost: 20 })
  @Allow(administerNetwork)
  @Query(() => [Partnership], {
    description:
      "The network's partnerships, whichever side asked, newest first. Both networks see the same partnership. ADMIN member tokens, API keys with ADMIN.",
  })
  async partnerships(
    @Arg('status', () => PartnershipStatus, { nullable: true, description: 'Only partnerships with this status.' }) status: PartnershipStatus | null,
    @Ctx() ctx: Context,
  ): Promise<Partnership[]> {
    return partnerships.listPartnerships(ctx, status);
  }

  @FieldResolver(() => Network, { description: 'The network that asked for the partnership.' })
  requester(@Root() p: Partnership, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, p.requesterNetworkId);
  }

  @FieldResolver(() => Network, { description: 'The network that was asked.' })
  partner(@Root() p: Partnership, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, p.partnerNetworkId);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => Partnership, {
    description:
      'Asks another network (by its slug) for a partnership sharing these scopes; it starts PENDING. A second pending or active partnership with the same network is CONFLICT. ADMIN member tokens, API keys with ADMIN and WRITE.',
  })
  async requestPartnership(
    @Arg('partnerSlug', { description: "The other network's slug." }) partnerSlug: string,
    @Arg('scopes', () => [PartnershipScope], { description: 'What to share (at least one).' }) scopes: PartnershipScope[],
    @Ctx() ctx: Context,
  ): Promise<Partnership> {
    return partnerships.requestPartnership(ctx, partnerSlug, scopes);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => Partnership, {
    description:
      'Accepts (ACTIVE) or declines (DECLINED) a PENDING partnership another network asked yours for. ADMIN member tokens, API keys with ADMIN and WRITE of the asked network.',
  })
  async respondToPartnership(
    @Arg('id', () => ID, { description: 'The partnership.' }) id: string,
    @Arg('accept', { description: 'True to accept, false to decline.' }) accept: boolean,
    @Ctx() ctx: Context,
  ): Promise<Partnership> {
    return partnerships.respondToPartnership(ctx, idArgument('id', id, 'Partnership'), accept);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => Partnership, {
    description:
      'Ends a PENDING or ACTIVE partnership, at once: nothing is shared any more. Either network. ADMIN member tokens, API keys with ADMIN and WRITE.',
  })
  async revokePartnership(@Arg('id', () => ID, { description: 'The partnership.' }) id: string, @Ctx() ctx: Context): Promise<Partnership> {
    return partnerships.revokePartnership(ctx, idArgument('id', id, 'Partnership'));
  }
}

@Resolver(() => SharedGroup)
export class SharedGroupResolver {
  @Allow(readGroups)
  @Query(() => SharedGroupConnection, {
    description:
      'The partner directory: PARTNERS-visible groups of networks with an ACTIVE partnership that shares GROUP_DIRECTORY, by name. Any member; API keys with READ.',
  })
  async partnerDirectory(@Args() args: PartnerDirectoryArgs, @Ctx() ctx: Context) {
    return partnerships.listPartnerDirectory(ctx, args);
  }

  @FieldResolver(() => Network, { description: 'The partner network the group belongs to.' })
  network(@Root() g: SharedGroup, @Ctx() ctx: Context): Promise<Network> {
    return loadNetwork(ctx, g.networkId);
  }
}
