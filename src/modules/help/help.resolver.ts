import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { registerNodeType } from '../../graphql/node';
import { audit } from '../audit/audit.service';
import { isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { changeNetworkAsAdmin, readHelpResources, readOwnNetwork } from '../auth/rules';
import { Network } from '../networks/network.entity';
import { loadNetwork } from '../networks/network.loader';
import { WellbeingCheckIn } from '../wellbeing/wellbeing.entity';
import { WELLBEING_SCALE } from '../wellbeing/wellbeing.inputs';
import { HelpResource } from './help-resource.entity';
import { HelpResourceInput, MAX_HELP_RESOURCES } from './help.inputs';
import * as help from './help.service';
import type { Context } from '../../graphql/context';

registerNodeType('HelpResource', async (ctx, ids) => {
  if (!isAllowed(ctx, readHelpResources)) return ids.map(() => null);
  const found = await ctx.loaders.byId(HelpResource).loadMany(ids);
  return found.map((r) => (r instanceof HelpResource ? r : null));
});

@Resolver(() => HelpResource)
export class HelpResolver {
  @Allow(readHelpResources)
  @Query(() => [HelpResource], {
    description: "The network's help resources (crisis lines, local services, online help), in the admins' order. Every member; API keys with READ.",
  })
  helpResources(@Ctx() ctx: Context): Promise<HelpResource[]> {
    return help.listHelpResources(ctx);
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => [HelpResource], {
    description: `Sets the network's help resources to this list, in this order (at most ${MAX_HELP_RESOURCES}): an entry with \`id\` keeps and changes that resource, one without is new, resources not listed are deleted. An \`id\` that is not one of the network's help resources: NOT_FOUND. Admins and API keys with WRITE and ADMIN. Written to the audit log (counts only).`,
  })
  async setHelpResources(
    @Arg('input', () => [HelpResourceInput], { description: 'The whole list, in order.' }) input: HelpResourceInput[],
    @Ctx() ctx: Context,
  ): Promise<HelpResource[]> {
    const { list, change } = await help.setHelpResources(ctx, input);
    await audit(ctx, { action: 'help_resources.set', targetType: 'Network', targetId: ctx.networkId, details: { ...change, count: list.length } });
    return list;
  }

  @Allow(changeNetworkAsAdmin)
  @Mutation(() => Network, {
    description: `Sets the network's wellbeing help threshold: a wellbeing check-in at or below it gets the help resources in \`recordWellbeing\`'s response (\`suggestedHelp\`). ${WELLBEING_SCALE.min}–${WELLBEING_SCALE.max}: never below the scale's minimum (${WELLBEING_SCALE.min}, the default), else BAD_USER_INPUT. Admins and API keys with WRITE and ADMIN. Written to the audit log.`,
  })
  async setWellbeingHelpThreshold(
    @Arg('threshold', () => Int, { description: `The highest wellbeing value (${WELLBEING_SCALE.min}–${WELLBEING_SCALE.max}) that gets the help resources.` })
    threshold: number,
    @Ctx() ctx: Context,
  ): Promise<Network> {
    const { network, changed } = await help.setWellbeingHelpThreshold(ctx, await loadNetwork(ctx), threshold);
    if (changed) {
      await audit(ctx, { action: 'network.wellbeing_help_threshold_updated', targetType: 'Network', targetId: network.id, details: { threshold } });
    }
    return network;
  }
}

@Resolver(() => Network)
export class NetworkHelpResolver {
  @FieldResolver(() => Int, {
    nullable: true,
    description: `A wellbeing check-in at or below this value (${WELLBEING_SCALE.min}–${WELLBEING_SCALE.max}; ${WELLBEING_SCALE.min}, the scale's minimum, by default) gets the network's help resources in \`recordWellbeing\`'s response. Your own network only: null for another (partner) network.`,
  })
  wellbeingHelpThreshold(@Root() network: Network, @Ctx() ctx: Context): number | null {
    return network.id === ctx.networkId && isAllowed(ctx, readOwnNetwork) ? network.wellbeingHelpThreshold : null;
  }
}

@Resolver(() => WellbeingCheckIn)
export class WellbeingHelpResolver {
  @FieldResolver(() => [HelpResource], {
    nullable: true,
    description:
      "Only in `recordWellbeing`'s response, when the check-in's wellbeing is at or below the network's `wellbeingHelpThreshold`: the network's help resources (possibly an empty list). Null otherwise, and on every other read of the check-in. Nothing about it is stored, logged or shown to anyone else.",
  })
  suggestedHelp(@Root() checkIn: WellbeingCheckIn): HelpResource[] | null {
    return help.suggestedHelpOf(checkIn);
  }
}
