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

/**
 * Writes a webhook event into the outbox, in the caller's transaction: fanned out to the network's enabled
 * endpoints subscribed to `type` (nothing at all when there is none). A rollback, or the rollback of the
 * savepoint of a failing mutation field, takes the event with it; once committed, the dispatcher delivers it
 * even across a crash or restart. `object` is what the event is about (its per-object sequence number counts
 * the events about it). `networks`: the networks to notify (default: the caller's own); another network is
 * accepted only as the other party of the partnership or joint event the event is about (checked in SQL).
 */
export async function emitWebhookEvent(
  scope: EmitScope,
  type: WebhookEventType,
  object: { type: 'Session' | 'Membership' | 'Attendance' | 'Feedback' | 'JointEvent' | 'Partnership' | 'WebhookEndpoint'; id: string },
  data: WebhookData,
  networks: readonly string[] = [scope.networkId],
): Promise<void> {
  checkData(data);
  const payload = JSON.stringify(data);
  for (const network of new Set(networks)) {
    await queryOne(scope.manager, `SELECT app_webhook_emit($1, $2, $3, $4, $5::jsonb) AS n`, [network, type, object.type, object.id, payload]);
  }
}
