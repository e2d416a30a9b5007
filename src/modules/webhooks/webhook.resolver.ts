import { Arg, Args, Ctx, Extensions, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { connectionType } from '../../graphql/connection';
import { idArgument, toGlobalId } from '../../graphql/global-id';
import { registerNodeType } from '../../graphql/node';
import { audit } from '../audit/audit.service';
import { isAllowed } from '../auth/access';
import { Allow } from '../auth/allow';
import { manageWebhooks } from '../auth/rules';
import { WebhookDelivery, WebhookEndpoint } from './webhook.entity';
import { CreateWebhookEndpointArgs, UpdateWebhookEndpointInput, WebhookDeliveriesArgs } from './webhook.inputs';
import { webhookId } from './webhook.outbox';
import * as webhooks from './webhook.service';
import type { Context } from '../../graphql/context';

for (const entity of [WebhookEndpoint, WebhookDelivery]) {
  registerNodeType(entity.name, async (ctx, ids) => {
    if (!isAllowed(ctx, manageWebhooks)) return ids.map(() => null);
    const found = await ctx.loaders.byId<WebhookEndpoint | WebhookDelivery>(entity).loadMany(ids);
    return found.map((e) => (e instanceof entity ? e : null));
  });
}

@ObjectType({ description: 'A webhook endpoint and its signing secret. The secret is shown only here, once: store it safely.' })
class CreatedWebhookEndpoint {
  @Field(() => WebhookEndpoint, { description: 'The endpoint (without its secret).' })
  endpoint: WebhookEndpoint;

  @Field({ description: "The signing secret (`whsec_…`, Standard Webhooks): verify each request's `webhook-signature` with it. Not retrievable later." })
  secret: string;
}

/** Fields whose values are credentials (never stored for idempotent replays; see src/modules/idempotency). */
export const WEBHOOK_SECRET_FIELDS: ReadonlySet<string> = new Set([`${CreatedWebhookEndpoint.name}.${'secret' satisfies keyof CreatedWebhookEndpoint}`]);

const WebhookDeliveryConnection = connectionType(WebhookDelivery, 'WebhookDelivery');

/** What the audit log says about an endpoint: never its secret, and of its URL only the host (a URL may carry a token). */
const endpointDetails = (e: WebhookEndpoint) => ({ host: new URL(e.url).host, events: e.events, enabled: e.enabled });

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Allow(manageWebhooks)
  @Extensions({ cost: 20 })
  @Query(() => [WebhookEndpoint], { description: "The network's webhook endpoints, oldest first. ADMIN members and API keys with ADMIN." })
  async webhookEndpoints(@Ctx() ctx: Context): Promise<WebhookEndpoint[]> {
    return webhooks.listEndpoints(ctx);
  }

  @Allow(manageWebhooks)
  @Query(() => WebhookDeliveryConnection, {
    description:
      "An endpoint's deliveries, newest first (kept for the retention period, then purged). ADMIN members and API keys with ADMIN; another network's endpoint is NOT_FOUND.",
  })
  async webhookDeliveries(@Args() args: WebhookDeliveriesArgs, @Ctx() ctx: Context) {
    const endpoint = await webhooks.findEndpoint(ctx, idArgument('endpointId', args.endpointId, 'WebhookEndpoint'));
    return webhooks.listDeliveries(ctx, endpoint, args);
  }

  @Allow(manageWebhooks)
  @Mutation(() => CreatedWebhookEndpoint, {
    description:
      'Creates a webhook endpoint; its signing secret is in the answer and nowhere else. The URL must be https and resolve to public addresses only (BAD_USER_INPUT otherwise). ADMIN members and API keys with ADMIN. Written to the audit log.',
  })
  async createWebhookEndpoint(@Args() args: CreateWebhookEndpointArgs, @Ctx() ctx: Context): Promise<CreatedWebhookEndpoint> {
    const created = await webhooks.createEndpoint(ctx, args);
    await audit(ctx, {
      action: 'webhook_endpoint.created',
      targetType: 'WebhookEndpoint',
      targetId: created.endpoint.id,
      details: endpointDetails(created.endpoint),
    });
    return created;
  }

  @Allow(manageWebhooks)
  @Mutation(() => WebhookEndpoint, {
    description: 'Changes a webhook endpoint (URL, events, description; enables or disables it). ADMIN members and API keys with ADMIN. Audited.',
  })
  async updateWebhookEndpoint(
    @Arg('id', () => ID, { description: 'The endpoint.' }) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The changes.' }) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<WebhookEndpoint> {
    const { endpoint, changed } = await webhooks.updateEndpoint(ctx, await webhooks.findEndpoint(ctx, idArgument('id', id, 'WebhookEndpoint')), input);
    if (changed.length) {
      await audit(ctx, {
        action: 'webhook_endpoint.updated',
        targetType: 'WebhookEndpoint',
        targetId: endpoint.id,
        details: { changed, ...endpointDetails(endpoint) },
      });
    }
    return endpoint;
  }

  @Allow(manageWebhooks)
  @Mutation(() => CreatedWebhookEndpoint, {
    description: `Gives the endpoint a new signing secret, shown once in the answer. For ${webhooks.ROTATION_GRACE_MS / 3_600_000} hours the previous secret signs too (\`webhook-signature\` then carries both signatures), so receivers can switch without losing events. ADMIN members and API keys with ADMIN. Audited.`,
  })
  async rotateWebhookSecret(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string, @Ctx() ctx: Context): Promise<CreatedWebhookEndpoint> {
    const rotated = await webhooks.rotateSecret(ctx, await webhooks.findEndpoint(ctx, idArgument('id', id, 'WebhookEndpoint')));
    await audit(ctx, {
      action: 'webhook_endpoint.secret_rotated',
      targetType: 'WebhookEndpoint',
      targetId: rotated.endpoint.id,
      details: endpointDetails(rotated.endpoint),
    });
    return rotated;
  }

  @Allow(manageWebhooks)
  @Mutation(() => Boolean, {
    description: 'Deletes a webhook endpoint and its deliveries (pending ones are not sent). ADMIN members and API keys with ADMIN. Audited.',
  })
  async deleteWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string, @Ctx() ctx: Context): Promise<boolean> {
    const endpoint = await webhooks.findEndpoint(ctx, idArgument('id', id, 'WebhookEndpoint'));
    await webhooks.deleteEndpoint(ctx, endpoint);
    await audit(ctx, { action: 'webhook_endpoint.deleted', targetType: 'WebhookEndpoint', targetId: endpoint.id, details: endpointDetails(endpoint) });
    return true;
  }

  @Allow(manageWebhooks)
  @Mutation(() => WebhookDelivery, {
    description:
      'Sends a `webhook.test` event to the endpoint (whatever it subscribes to), as a new delivery. CONFLICT when the endpoint is disabled. ADMIN members and API keys with ADMIN. Audited.',
  })
  async sendTestWebhook(@Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string, @Ctx() ctx: Context): Promise<WebhookDelivery> {
    const endpoint = await webhooks.findEndpoint(ctx, idArgument('endpointId', endpointId, 'WebhookEndpoint'));
    const delivery = await webhooks.sendTest(ctx, endpoint);
    await audit(ctx, {
      action: 'webhook.test_sent',
      targetType: 'WebhookEndpoint',
      targetId: endpoint.id,
      details: { delivery: toGlobalId('WebhookDelivery', delivery.id) },
    });
    return delivery;
  }

  @Allow(manageWebhooks)
  @Mutation(() => WebhookDelivery, {
    description:
      "Sends a delivery's event to its endpoint again, as a new delivery with the same `webhook-id` (receivers that already processed it can tell). CONFLICT when the endpoint is disabled. ADMIN members and API keys with ADMIN; another network's delivery is NOT_FOUND. Audited.",
  })
  async redeliverWebhook(
    @Arg('deliveryId', () => ID, { description: 'The delivery to repeat.' }) deliveryId: string,
    @Ctx() ctx: Context,
  ): Promise<WebhookDelivery> {
    const original = await webhooks.findDelivery(ctx, idArgument('deliveryId', deliveryId, 'WebhookDelivery'));
    const delivery = await webhooks.redeliver(ctx, original);
    await audit(ctx, {
      action: 'webhook.redelivered',
      targetType: 'WebhookEndpoint',
      targetId: original.endpointId,
      details: { delivery: toGlobalId('WebhookDelivery', original.id), redelivery: toGlobalId('WebhookDelivery', delivery.id) },
    });
    return delivery;
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => String, {
    description: "The `webhook-id` header: the same on every attempt and redelivery of the event (the receiver's idempotency key).",
  })
  webhookId(@Root() d: WebhookDelivery): string {
    return webhookId(d.eventId);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the next attempt is due, while PENDING; null once it succeeded or failed.' })
  nextAttemptAt(@Root() d: WebhookDelivery): Date | null {
    return d.status === 'PENDING' ? d.nextAttemptAt : null;
  }

  @FieldResolver(() => WebhookEndpoint, { description: 'The endpoint it goes to.' })
  async endpoint(@Root() d: WebhookDelivery, @Ctx() ctx: Context): Promise<WebhookEndpoint> {
    return webhooks.findEndpoint(ctx, d.endpointId);
  }
}
