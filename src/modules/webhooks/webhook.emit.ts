import { queryOne } from '../../db/sql';
import { PAYLOAD_FIELDS, type WebhookData, type WebhookEventType } from './webhook.types';
import type { Scope, TenantTransaction } from '../../db/tenant';

/** What emitting needs: the request's (or job's) transaction and network. */
export type EmitScope = Scope & { readonly tx?: TenantTransaction };

const ALLOWED = new Set<string>(PAYLOAD_FIELDS);

/** Throws when `data` carries a field outside PAYLOAD_FIELDS or a value that is not a string (or null). */
function checkData(data: WebhookData): void {
  for (const [key, value] of Object.entries(data)) {
    if (!ALLOWED.has(key)) throw new Error(`webhook payload field "${key}" is not in PAYLOAD_FIELDS`);
    if (value !== null && typeof value !== 'string') throw new Error(`webhook payload field "${key}" must be a string or null`);
  }
}

/** What an event can be about (its per-object sequence counts the events about one object). */
export type WebhookObjectType = 'Session' | 'Membership' | 'Attendance' | 'Feedback' | 'JointEvent' | 'Partnership' | 'Member';

/**
 * Writes webhook events into the outbox, in the caller's transaction, one per item: each fanned out to the
 * network's enabled endpoints subscribed to `type` (nothing at all when there is none). A rollback, or the
 * rollback of the savepoint of a failing mutation field, takes the events with it; once committed, the dispatcher
 * delivers them even across a crash or restart. One statement for all items. `networks`: the networks to notify
 * (default: the caller's own); another network is accepted only as the other party of the partnership or joint
 * event the event is about (checked in SQL, `app_webhook_emit`).
 */
export async function emitWebhookEvents(
  scope: EmitScope,
  type: WebhookEventType,
  objectType: WebhookObjectType,
  items: ReadonlyArray<{ id: string; data: WebhookData }>,
  networks: readonly string[] = [scope.networkId],
): Promise<void> {
  const targets = [...new Set(networks)];
  const rows = items.flatMap((item) => {
    checkData(item.data);
    return targets.map((network) => [network, item.id, JSON.stringify(item.data)]);
  });
  if (!rows.length) return;
  await queryOne(
    scope.manager,
    `SELECT count(app_webhook_emit(t.network, $1, $2, t.object, t.data)) AS n
     FROM unnest($3::uuid[], $4::uuid[], $5::jsonb[]) AS t(network, object, data)`,
    [type, objectType, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}

/** One event about one object (see emitWebhookEvents). */
export function emitWebhookEvent(
  scope: EmitScope,
  type: WebhookEventType,
  object: { type: WebhookObjectType; id: string },
  data: WebhookData,
  networks?: readonly string[],
): Promise<void> {
  return emitWebhookEvents(scope, type, object.type, [{ id: object.id, data }], networks);
}
