import { execute, queryRows } from '../../db/sql';
import { withTenant } from '../../db/tenant';
import type { SendOutcome } from './webhook.send';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The dispatcher's statements on the outbox: which networks have due deliveries, claiming a batch (leased,
 * `FOR UPDATE SKIP LOCKED`), and recording an attempt's outcome. Every write runs in a short tenant transaction
 * of its network (as peer_app, row-level security on); no transaction is open while a request is in flight.
 */

/** A claimed delivery with what its request needs. */
export interface ClaimedDelivery {
  id: string;
  network_id: string;
  endpoint_id: string;
  event_id: string;
  lease_token: string;
  attempts: number;
  created_at: Date;
  url: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  type: string;
  occurred_at: Date;
  data: Record<string, unknown>;
}

/** The Standard Webhooks message id of an event: the same for every attempt and redelivery. */
export const webhookId = (eventId: string) => `msg_${eventId.replace(/-/g, '')}`;

/** The body of an event: `{ type, timestamp, data }`, built from stored columns, so every attempt sends the same bytes. */
export const payloadOf = (d: Pick<ClaimedDelivery, 'type' | 'occurred_at' | 'data'>): string =>
  JSON.stringify({ type: d.type, timestamp: d.occurred_at.toISOString(), data: d.data });

/**
 * Networks with deliveries due now, most overdue first: the one read across networks, through a SECURITY DEFINER
 * function (ids only; migration 1765060000000-ServerRole), in a transaction as the app role.
 */
export async function dueNetworks(dataSource: DataSource, options: { limit?: number; networks?: readonly string[] } = {}): Promise<string[]> {
  const rows = await withTenant(dataSource, null, (m) =>
    queryRows<{ network_id: string }>(m, `SELECT network_id FROM app_webhook_due_networks($1, $2)`, [options.limit ?? 100, options.networks ?? null]),
  );
  return rows.map((r) => r.network_id);
}

/**
 * Claims up to `limit` due deliveries of one network, at most `perEndpoint` minus what this process already has
 * in flight per endpoint (`busy`), so one endpoint's backlog never takes every slot. Each claimed row gets a new
 * lease token, one more attempt, and `next_attempt_at` pushed `leaseMs` ahead: should this process die mid-send,
 * the delivery becomes due again then. Rows another process holds are skipped, not waited for.
 */
export async function claimDue(
  dataSource: DataSource,
  networkId: string,
  options: { limit: number; perEndpoint: number; busy: ReadonlyMap<string, number>; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  const busyIds = [...options.busy.keys()];
  return withTenant(dataSource, networkId, (manager) =>
    queryRows<ClaimedDelivery>(
      manager,
      `WITH cap AS (
         SELECT e.id, greatest(0, $2 - coalesce(b.n, 0)) AS n
         FROM webhook_endpoints e LEFT JOIN unnest($3::uuid[], $4::int[]) AS b(endpoint_id, n) ON b.endpoint_id = e.id
         WHERE e.network_id = $1 AND e.enabled
       ), picked AS (
         SELECT d.id FROM cap CROSS JOIN LATERAL (
           SELECT x.id FROM webhook_deliveries x
           WHERE x.network_id = $1 AND x.endpoint_id = cap.id AND x.status = 'PENDING' AND x.next_attempt_at <= now()
           ORDER BY x.next_attempt_at LIMIT cap.n FOR UPDATE SKIP LOCKED) d
         LIMIT $5
       )
       UPDATE webhook_deliveries d
          SET attempts = d.attempts + 1, lease_token = gen_random_uuid(), last_attempt_at = now(),
              next_attempt_at = now() + $6 * interval '1 millisecond'
         FROM picked, webhook_endpoints e, webhook_events v
        WHERE d.id = picked.id AND e.network_id = d.network_id AND e.id = d.endpoint_id AND v.network_id = d.network_id AND v.id = d.event_id
       RETURNING d.id, d.network_id, d.endpoint_id, d.event_id, d.lease_token, d.attempts, d.created_at,
                 e.url, e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at, v.type, v.occurred_at, v.data`,
      [networkId, options.perEndpoint, busyIds, busyIds.map((id) => options.busy.get(id)!), options.limit, options.leaseMs],
    ),
  );
}

/** The retry schedule: `base·2^(attempt−1)` capped at `maxMs`, with equal jitter (half fixed, half random). */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(step / 2 + (random() * step) / 2);
}

export interface RetryPolicy {
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Deliveries older than this are not retried; an endpoint failing this long is disabled. */
  maxAgeMs: number;
}

/** Disables an endpoint with a reason its admins see (null: disabled by an admin), and fails its pending deliveries. */
export async function disableEndpoint(manager: EntityManager, networkId: string, endpointId: string, reason: string | null): Promise<void> {
  await execute(manager, `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $3, updated_at = now() WHERE network_id = $1 AND id = $2`, [
    networkId,
    endpointId,
    reason,
  ]);
  await execute(
    manager,
    `UPDATE webhook_deliveries SET status = 'FAILED', lease_token = NULL, last_error = coalesce(last_error, 'Endpoint disabled')
     WHERE network_id = $1 AND endpoint_id = $2 AND status = 'PENDING'`,
    [networkId, endpointId],
  );
}

/**
 * Records successful attempts of one network in one transaction (the common case, batched by the dispatcher):
 * SUCCEEDED where this process still holds the lease, and the endpoints' failure streaks end.
 */
export async function recordSuccesses(
  dataSource: DataSource,
  networkId: string,
  done: ReadonlyArray<{ d: ClaimedDelivery; outcome: SendOutcome }>,
): Promise<void> {
  await withTenant(dataSource, networkId, async (manager) => {
    const rows = await queryRows<{ endpoint_id: string }>(
      manager,
      `UPDATE webhook_deliveries d SET status = 'SUCCEEDED', lease_token = NULL, last_status_code = o.code, duration_ms = o.ms, last_error = NULL, delivered_at = o.at
       FROM unnest($2::uuid[], $3::uuid[], $4::int[], $5::int[], $6::timestamptz[]) AS o(id, lease, code, ms, at)
       WHERE d.network_id = $1 AND d.id = o.id AND d.lease_token = o.lease
       RETURNING d.endpoint_id`,
      [
        networkId,
        done.map((x) => x.d.id),
        done.map((x) => x.d.lease_token),
        done.map((x) => x.outcome.statusCode),
        done.map((x) => x.outcome.durationMs),
        done.map((x) => x.outcome.at),
      ],
    );
    const endpoints = [...new Set(rows.map((r) => r.endpoint_id))];
    if (endpoints.length) {
      await execute(manager, `UPDATE webhook_endpoints SET failing_since = NULL WHERE network_id = $1 AND id = ANY ($2) AND failing_since IS NOT NULL`, [
        networkId,
        endpoints,
      ]);
    }
  });
}

/**
 * Records an attempt's outcome, if this process still holds the lease (a lease that ran out and was claimed
 * again by another process is left to that one). 2xx: SUCCEEDED, and the endpoint's failure streak ends. 410:
 * FAILED and the endpoint disabled. Anything else: retried after `retryDelay` (or `Retry-After` when longer),
 * unless the next attempt would fall past `maxAgeMs` from the delivery's creation: then FAILED, and the endpoint
 * is disabled when it has been failing without a success for that long too.
 */
export async function recordOutcome(dataSource: DataSource, d: ClaimedDelivery, outcome: SendOutcome, policy: RetryPolicy, now = new Date()): Promise<void> {
  await withTenant(dataSource, d.network_id, async (manager) => {
    const common = [d.network_id, d.id, d.lease_token, outcome.statusCode, outcome.durationMs];
    if (outcome.ok) {
      const n = await execute(
        manager,
        `UPDATE webhook_deliveries SET status = 'SUCCEEDED', lease_token = NULL, last_status_code = $4, duration_ms = $5, last_error = NULL, delivered_at = now()
         WHERE network_id = $1 AND id = $2 AND lease_token = $3`,
        common,
      );
      if (n)
        await execute(manager, `UPDATE webhook_endpoints SET failing_since = NULL WHERE network_id = $1 AND id = $2 AND failing_since IS NOT NULL`, [
          d.network_id,
          d.endpoint_id,
        ]);
      return;
    }
    const gone = outcome.statusCode === 410;
    let delay = retryDelay(d.attempts, policy.retryBaseMs, policy.retryMaxDelayMs);
    // Retry-After may ask for longer than the backoff (never beyond the delivery's lifetime).
    if (outcome.retryAfterMs !== null) delay = Math.max(delay, Math.min(outcome.retryAfterMs, policy.maxAgeMs));
    const giveUp = gone || now.getTime() + delay - d.created_at.getTime() > policy.maxAgeMs;
    const n = await execute(
      manager,
      `UPDATE webhook_deliveries SET lease_token = NULL, last_status_code = $4, duration_ms = $5, last_error = $6,
         status = CASE WHEN $7 THEN 'FAILED' ELSE 'PENDING' END, next_attempt_at = now() + $8 * interval '1 millisecond'
       WHERE network_id = $1 AND id = $2 AND lease_token = $3`,
      [...common, outcome.error, giveUp, delay],
    );
    if (!n) return;
    if (gone) {
      await disableEndpoint(manager, d.network_id, d.endpoint_id, `The endpoint answered 410 Gone (${now.toISOString()})`);
      return;
    }
    const [endpoint] = await queryRows<{ failing_since: Date }>(
      manager,
      // Failing since the first failed delivery was waiting (its creation), unless a success came in between.
      `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $3) WHERE network_id = $1 AND id = $2 RETURNING failing_since`,
      [d.network_id, d.endpoint_id, d.created_at],
    );
    // Failing without a success for as long as a delivery is retried: the endpoint is disabled.
    if (giveUp && endpoint && now.getTime() + delay - endpoint.failing_since.getTime() > policy.maxAgeMs) {
      const hours = Math.round(policy.maxAgeMs / 3_600_000);
      await disableEndpoint(
        manager,
        d.network_id,
        d.endpoint_id,
        `Deliveries failed for ${hours >= 1 ? `${hours} hours` : `${policy.maxAgeMs} ms`} without a success (last: ${outcome.error}; ${now.toISOString()})`,
      );
    }
  });
}

/** Networks with finished deliveries older than the cutoff (a SECURITY DEFINER function, as `dueNetworks`). */
async function purgeableNetworks(dataSource: DataSource, before: Date): Promise<string[]> {
  const rows = await withTenant(dataSource, null, (m) =>
    queryRows<{ network_id: string }>(m, `SELECT network_id FROM app_webhook_purgeable_networks($1)`, [before]),
  );
  return rows.map((r) => r.network_id);
}

/**
 * Removes finished deliveries created before `before`, in batches of short tenant transactions, then the events
 * no delivery refers to any more. Answers how many deliveries went.
 */
export async function purgeDeliveries(
  dataSource: DataSource,
  before: Date,
  options: { batchSize?: number; networks?: readonly string[] } = {},
): Promise<number> {
  const batch = options.batchSize ?? 1000;
  let total = 0;
  for (const network of options.networks ?? (await purgeableNetworks(dataSource, before))) {
    for (;;) {
      const n = await withTenant(dataSource, network, (m) =>
        execute(
          m,
          `DELETE FROM webhook_deliveries WHERE id IN (
             SELECT id FROM webhook_deliveries WHERE network_id = $1 AND status <> 'PENDING' AND created_at < $2 LIMIT $3 FOR UPDATE SKIP LOCKED)`,
          [network, before, batch],
        ),
      );
      total += n;
      if (n < batch) break;
    }
    await withTenant(dataSource, network, (m) =>
      execute(
        m,
        `DELETE FROM webhook_events v WHERE v.network_id = $1 AND v.occurred_at < $2
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.network_id = v.network_id AND d.event_id = v.id)`,
        [network, before],
      ),
    );
  }
  return total;
}
