import { Arg, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { audit } from '../audit/audit.service';
import { isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { administerNetwork, changeNetworkAsAdmin } from '../auth/rules';
import { Network } from '../networks/network.entity';
import { loadNetwork } from '../networks/network.loader';
import { RetentionInput } from './retention.inputs';
import { updateRetention } from './retention.service';
import type { Context } from '../../graphql/context';

/** The network's retention settings: its own admins see them; everyone else, and every other network, null. */
const seesRetention = (network: Network, ctx: Context) => network.id === ctx.networkId && isAllowed(ctx, administerNetwork);

@Resolver(() => Network)
export class NetworkRetentionResolver {
  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'Months free text (feedback comments, outreach notes, gratitude notes) is kept before the purge removes it; null: kept. ADMIN member tokens and API keys with ADMIN of this network; null for everyone else.',
  })
  textRetentionMonths(@Root() network: Network, @Ctx() ctx: Context): number | null {
    return seesRetention(network, ctx) ? network.textRetentionMonths : null;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'Months wellbeing check-ins are kept before the purge deletes them; null: kept. ADMIN member tokens and API keys with ADMIN of this network; null for everyone else.',
  })
  wellbeingRetentionMonths(@Root() network: Network, @Ctx() ctx: Context): number | null {
    return seesRetention(network, ctx) ? network.wellbeingRetentionMonths : null;
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => Network, {
    description:
      "Sets how long the caller's network keeps free text and wellbeing check-ins (months, at least 1, else BAD_USER_INPUT; null keeps them). The purge job removes older data within the hour; ratings and counts stay. Admins and API keys with WRITE and ADMIN. Written to the audit log.",
  })
  async updateRetention(
    @Arg('input', () => RetentionInput, { description: 'The new settings.' }) input: RetentionInput,
    @Ctx() ctx: Context,
  ): Promise<Network> {
    const { network, changed } = await updateRetention(ctx, await loadNetwork(ctx), input);
    if (changed.length) {
      await audit(ctx, {
        action: 'network.retention_updated',
        targetType: 'Network',
        targetId: network.id,
        details: { changed, textRetentionMonths: network.textRetentionMonths, wellbeingRetentionMonths: network.wellbeingRetentionMonths },
      });
    }
    return network;
  }
}
