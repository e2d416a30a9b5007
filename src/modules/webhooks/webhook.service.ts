import { rowMapper, selectList } from '../../db/rows';
import { execute, queryEntities, queryOne } from '../../db/sql';
import { type Connection, exactTimeKey, paginate } from '../../graphql/connection';
import { conflict, invalidArgument, notFound } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/global-id';
import { checkDestination, RefusedDestination } from './webhook.address';
import { WebhookDelivery, WebhookEndpoint } from './webhook.entity';
import { disableEndpoint } from './webhook.outbox';
import { SUBSCRIBABLE_EVENT_TYPES, WebhookEventType } from './webhook.types';
import type { Context } from '../../graphql/context';
import type { CreateWebhookEndpointArgs, UpdateWebhookEndpointInput, WebhookDeliveriesArgs } from './webhook.inputs';
import type { WebhookDeps } from './webhook.secrets';

/** Endpoints one network may have. */
export const MAX_ENDPOINTS_PER_NETWORK = 20;
/** After `rotateWebhookSecret`, the previous secret signs too for this long (receivers switch over meanwhile). */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

function webhookDeps(ctx: Context): WebhookDeps {
  if (!ctx.deps.webhooks) throw new Error('Webhooks are not configured in this process');
  return ctx.deps.webhooks;
}

/** The URL, trimmed and checked (form, https, every address DNS gives); BAD_USER_INPUT at `path` otherwise. */
async function checkedUrl(ctx: Context, raw: string, path: string | string[]): Promise<string> {
  const url = raw.trim();
  try {
    await checkDestination(url, { allowLoopback: webhookDeps(ctx).allowHttpLoopback });
  } catch (err) {
    if (err instanceof RefusedDestination) throw invalidArgument(path, err.message);
    throw err;
  }
  return url;
}

function checkEvents(events: WebhookEventType[], path: string | string[]): void {
  if (events.some((e) => !SUBSCRIBABLE_EVENT_TYPES.includes(e))) throw invalidArgument(path, 'WEBHOOK_TEST cannot be subscribed to: use sendTestWebhook');
}

/** Orders the event types as the enum does (stable output, whatever order they were given in). */
const ordered = (events: WebhookEventType[]) => SUBSCRIBABLE_EVENT_TYPES.filter((e) => events.includes(e));
const blankToNull = (s: string | null | undefined) => (s?.trim() ? s.trim() : null);

export async function listEndpoints(ctx: Context): Promise<WebhookEndpoint[]> {
  return ctx.manager.getRepository(WebhookEndpoint).find({ where: { networkId: ctx.networkId }, order: { createdAt: 'ASC', id: 'ASC' } });
}

/** The caller's network's endpoint; NOT_FOUND for unknown, another type's or another network's ID alike. */
export async function findEndpoint(ctx: Context, id: string | undefined): Promise<WebhookEndpoint> {
  const endpoint = id ? await ctx.loaders.byId(WebhookEndpoint).load(id) : null;
  if (!endpoint) throw notFound('Webhook endpoint');
  return endpoint;
}

export async function createEndpoint(ctx: Context, args: CreateWebhookEndpointArgs): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  checkEvents(args.events, 'events');
  const url = await checkedUrl(ctx, args.url, 'url');
  const { count } = await queryOne<{ count: number }>(ctx.manager, `SELECT count(*)::int AS count FROM webhook_endpoints WHERE network_id = $1`, [
    ctx.networkId,
  ]);
  if (count >= MAX_ENDPOINTS_PER_NETWORK) throw conflict(`A network may have at most ${MAX_ENDPOINTS_PER_NETWORK} webhook endpoints`);
  const { secrets } = webhookDeps(ctx);
  const secret = secrets.generate();
  const repo = ctx.manager.getRepository(WebhookEndpoint);
  const endpoint = await repo.save(
    repo.create({
      networkId: ctx.networkId,
      url,
      events: ordered(args.events),
      description: blankToNull(args.description),
      enabled: true,
      disabledReason: null,
      secretSealed: secrets.seal(secret),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      failingSince: null,
      updatedAt: new Date(),
    }),
  );
  return { endpoint, secret };
}

/** Applies the changes; answers the endpoint and the names of the fields that changed. */
export async function updateEndpoint(
  ctx: Context,
  endpoint: WebhookEndpoint,
  input: UpdateWebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpoint; changed: string[] }> {
  const next: Partial<WebhookEndpoint> = {};
  if (input.url != null) {
    const url = await checkedUrl(ctx, input.url, ['input', 'url']);
    if (url !== endpoint.url) next.url = url;
  }
  if (input.events != null) {
    checkEvents(input.events, ['input', 'events']);
    const events = ordered(input.events);
    if (events.join() !== endpoint.events.join()) next.events = events;
  }
  if (input.description !== undefined && blankToNull(input.description) !== endpoint.description) next.description = blankToNull(input.description);
  if (input.enabled === true && !endpoint.enabled) Object.assign(next, { enabled: true, disabledReason: null, failingSince: null });
  const changed = Object.keys(next);
  if (input.enabled === false && endpoint.enabled) {
    // Disabled by an admin: no reason to show; pending deliveries fail (redeliver them once it is enabled again).
    await disableEndpoint(ctx.manager, ctx.networkId, endpoint.id, null);
    Object.assign(endpoint, { enabled: false, disabledReason: null });
    changed.push('enabled');
  }
  if (Object.keys(next).length)
    await ctx.manager.getRepository(WebhookEndpoint).update({ networkId: ctx.networkId, id: endpoint.id }, { ...next, updatedAt: new Date() });
  return { endpoint: Object.assign(endpoint, next), changed };
}

/** A new secret, shown once; the previous one keeps signing (a second signature) for ROTATION_GRACE_MS. */
export async function rotateSecret(ctx: Context, endpoint: WebhookEndpoint): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const { secrets } = webhookDeps(ctx);
  const secret = secrets.generate();
  const [row] = await queryEntities(
    ctx.manager,
    WebhookEndpoint,
    `UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, secret_sealed = $3,
       previous_secret_expires_at = now() + $4 * interval '1 millisecond', updated_at = now()
     WHERE network_id = $1 AND id = $2 RETURNING ${selectList(ctx.manager.connection, WebhookEndpoint)}`,
    [ctx.networkId, endpoint.id, secrets.seal(secret), ROTATION_GRACE_MS],
  );
  return { endpoint: row, secret };
}

/** Deletes the endpoint with its deliveries. */
export async function deleteEndpoint(ctx: Context, endpoint: WebhookEndpoint): Promise<void> {
  await execute(ctx.manager, `DELETE FROM webhook_endpoints WHERE network_id = $1 AND id = $2`, [ctx.networkId, endpoint.id]);
}

/** An endpoint's deliveries, newest first, optionally of one status. */
export async function listDeliveries(ctx: Context, endpoint: WebhookEndpoint, args: WebhookDeliveriesArgs): Promise<Connection<WebhookDelivery>> {
  const { manager } = ctx;
  const map = rowMapper(manager.connection, WebhookDelivery);
  const key = exactTimeKey('d.created_at', { newestFirst: true });
  const params: unknown[] = [ctx.networkId, endpoint.id];
  const where = ['d.network_id = $1', 'd.endpoint_id = $2'];
  if (args.status != null) where.push(`d.status = $${params.push(args.status)}`);
  return paginate<WebhookDelivery>(
    manager,
    {
      select: `${selectList(manager.connection, WebhookDelivery, 'd')}, ${key.select}`,
      from: 'webhook_deliveries d',
      where,
      params,
      map: (row) => key.keep(map(row), row),
    },
    args,
    [key.sort, { sql: 'd.id', value: (d) => d.id, descending: true }],
    'webhook-deliveries',
  );
}

export async function findDelivery(ctx: Context, id: string | undefined): Promise<WebhookDelivery> {
  const delivery = id ? await ctx.loaders.byId(WebhookDelivery).load(id) : null;
  if (!delivery) throw notFound('Webhook delivery');
  return delivery;
}

function requireEnabled(endpoint: WebhookEndpoint): void {
  if (!endpoint.enabled) throw conflict('The endpoint is disabled; enable it first (updateWebhookEndpoint)');
}

const insertDelivery = (ctx: Context, endpointId: string, eventId: string, type: WebhookEventType) =>
  queryEntities(
    ctx.manager,
    WebhookDelivery,
    `WITH d AS (
       INSERT INTO webhook_deliveries (network_id, endpoint_id, event_id, event_type) VALUES ($1, $2, $3, $4)
       RETURNING ${selectList(ctx.manager.connection, WebhookDelivery)}
     ) SELECT d.*, pg_notify('webhook_outbox', '') FROM d`,
    [ctx.networkId, endpointId, eventId, type],
  ).then(([d]) => d);

/** Sends the delivery's event again to its endpoint, as a new delivery with the same `webhook-id`. */
export async function redeliver(ctx: Context, delivery: WebhookDelivery): Promise<WebhookDelivery> {
  requireEnabled(await findEndpoint(ctx, delivery.endpointId));
  return insertDelivery(ctx, delivery.endpointId, delivery.eventId, delivery.eventType);
}

/** A `webhook.test` event to this one endpoint (whatever it subscribes to). */
export async function sendTest(ctx: Context, endpoint: WebhookEndpoint): Promise<WebhookDelivery> {
  requireEnabled(endpoint);
  const { id } = await queryOne<{ id: string }>(
    ctx.manager,
    `WITH s AS (
       INSERT INTO webhook_object_sequences AS s (network_id, object_id, sequence) VALUES ($1, $2, 1)
       ON CONFLICT (network_id, object_id) DO UPDATE SET sequence = s.sequence + 1 RETURNING s.sequence
     )
     INSERT INTO webhook_events (network_id, type, object_id, sequence, data)
     SELECT $1, $3, $2, s.sequence, jsonb_build_object('id', $4::text, 'sequence', s.sequence) FROM s RETURNING id`,
    [ctx.networkId, endpoint.id, WebhookEventType.WEBHOOK_TEST, toGlobalId('WebhookEndpoint', endpoint.id)],
  );
  return insertDelivery(ctx, endpoint.id, id, WebhookEventType.WEBHOOK_TEST);
}
