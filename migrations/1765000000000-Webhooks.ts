import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (issue 15, point 1): signed, durable deliveries of thin events to integrators' endpoints.
 *
 * - `webhook_endpoints`: an endpoint of a network (URL, subscribed event types, enabled or disabled with a
 *   reason). Its signing secret is stored encrypted (AES-256-GCM under a key derived from TOKEN_SECRET, see
 *   src/modules/webhooks/webhook.secrets.ts); during a rotation's grace period the previous secret signs too.
 *   `failing_since` is when its deliveries started failing without a success since (for disabling after ~3 days).
 * - `webhook_events`: the outbox. One row per event, written in the same transaction as the change that caused
 *   it (a rollback leaves none); `sequence` counts events per object (`webhook_object_sequences`) so receivers
 *   can order them. The payload is built from these columns, the same on every attempt.
 * - `webhook_deliveries`: one row per event and endpoint (and per manual redelivery): status, attempts,
 *   `next_attempt_at`, the last response. A dispatcher claims due rows with `FOR UPDATE SKIP LOCKED` and leases
 *   them (`lease_token`, `next_attempt_at` pushed past the send's timeout), so instances never send one at once
 *   and a crashed instance's claim becomes due again.
 * - `app_webhook_emit`: writes an event and its deliveries for one network. SECURITY DEFINER so that a change
 *   may also notify the other party of a partnership or a joint event (and nothing else: it checks).
 * - Owner-only read policies on `webhook_deliveries` (the dispatcher lists which networks have due deliveries,
 *   outside any tenant transaction, then claims in each network's own transaction as peer_app).
 * All tenant tables: RLS enabled and forced with the usual policy; composite foreign keys with `network_id`.
 */
export class Webhooks1765000000000 implements MigrationInterface {
  name = 'Webhooks1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id                    uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id            uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        url                   text NOT NULL,
        events                text[] NOT NULL,
        description           text,
        enabled               boolean NOT NULL DEFAULT true,
        disabled_reason       text,
        secret_sealed         text NOT NULL,
        previous_secret_sealed text,
        previous_secret_expires_at timestamptz,
        failing_since         timestamptz,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_endpoints_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT webhook_endpoints_events_check CHECK (cardinality(events) > 0)
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_network_idx ON webhook_endpoints (network_id, created_at, id)`);

    await q.query(`
      CREATE TABLE webhook_object_sequences (
        network_id uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        object_id  uuid NOT NULL,
        sequence   bigint NOT NULL,
        PRIMARY KEY (network_id, object_id)
      )`);

    await q.query(`
      CREATE TABLE webhook_events (
        id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        type        text NOT NULL,
        object_id   uuid NOT NULL,
        sequence    bigint NOT NULL,
        data        jsonb NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT webhook_events_network_id_id_key UNIQUE (network_id, id)
      )`);
    await q.query(`CREATE INDEX webhook_events_network_occurred_idx ON webhook_events (network_id, occurred_at)`);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id       uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        endpoint_id      uuid NOT NULL,
        event_id         uuid NOT NULL,
        event_type       text NOT NULL,
        status           text NOT NULL DEFAULT 'PENDING',
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        lease_token      uuid,
        last_attempt_at  timestamptz,
        last_status_code integer,
        last_error       text,
        delivered_at     timestamptz,
        duration_ms      integer,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT webhook_deliveries_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
        CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (network_id, endpoint_id) REFERENCES webhook_endpoints (network_id, id) ON DELETE CASCADE,
        CONSTRAINT webhook_deliveries_event_fkey FOREIGN KEY (network_id, event_id) REFERENCES webhook_events (network_id, id) ON DELETE CASCADE
      )`);
    // Claiming: an endpoint's due deliveries, oldest due first. Listing: an endpoint's deliveries, newest first.
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (network_id, endpoint_id, next_attempt_at) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX webhook_deliveries_due_networks_idx ON webhook_deliveries (next_attempt_at, network_id) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (network_id, endpoint_id, created_at, id)`);
    await q.query(`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (network_id, event_id)`);
    await q.query(`CREATE INDEX webhook_deliveries_purge_idx ON webhook_deliveries (created_at, network_id) WHERE status <> 'PENDING'`);

    for (const table of ['webhook_endpoints', 'webhook_object_sequences', 'webhook_events', 'webhook_deliveries']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY ${table}_tenant ON ${table}
          USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO peer_app`);
    }
    // The dispatcher's one read across networks, on the login role's own connection: which networks have due
    // (or purgeable) deliveries. Requests run as peer_app and are not affected.
    await q.query(`CREATE POLICY webhook_deliveries_owner_lists ON webhook_deliveries FOR SELECT TO CURRENT_USER USING (true)`);

    // One event for one network, fanned out to its enabled endpoints subscribed to the type; nothing (not even a
    // sequence number) when none is. The target is the caller's own network, or the other party of the partnership
    // or joint event the event is about. Answers the number of deliveries written.
    await q.query(`
      CREATE FUNCTION app_webhook_emit(target uuid, event_type text, object_type text, object uuid, payload jsonb) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
      AS $$
      DECLARE
        me uuid := app_current_network();
        seq bigint;
        event uuid;
        n integer;
      BEGIN
        IF me IS NULL THEN RAISE EXCEPTION 'app_webhook_emit: no network'; END IF;
        IF target <> me AND NOT (
             (object_type = 'Partnership' AND EXISTS (
                SELECT 1 FROM partnerships p WHERE p.id = object
                  AND me IN (p.requester_network_id, p.partner_network_id) AND target IN (p.requester_network_id, p.partner_network_id)))
          OR (object_type = 'JointEvent' AND EXISTS (
                SELECT 1 FROM joint_events e WHERE e.id = object
                  AND (e.host_network_id = me OR EXISTS (SELECT 1 FROM joint_event_participants p WHERE p.joint_event_id = e.id AND p.network_id = me))
                  AND (e.host_network_id = target OR EXISTS (SELECT 1 FROM joint_event_participants p WHERE p.joint_event_id = e.id AND p.network_id = target))))
        ) THEN
          RAISE EXCEPTION 'app_webhook_emit: not a party';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.network_id = target AND w.enabled AND event_type = ANY (w.events)) THEN
          RETURN 0;
        END IF;
        INSERT INTO webhook_object_sequences AS s (network_id, object_id, sequence) VALUES (target, object, 1)
          ON CONFLICT (network_id, object_id) DO UPDATE SET sequence = s.sequence + 1
          RETURNING s.sequence INTO seq;
        INSERT INTO webhook_events (network_id, type, object_id, sequence, data) VALUES (target, event_type, object, seq, payload || jsonb_build_object('sequence', seq))
          RETURNING id INTO event;
        INSERT INTO webhook_deliveries (network_id, endpoint_id, event_id, event_type)
          SELECT target, w.id, event, event_type FROM webhook_endpoints w
          WHERE w.network_id = target AND w.enabled AND event_type = ANY (w.events);
        GET DIAGNOSTICS n = ROW_COUNT;
        -- Wakes the dispatchers listening (sent at COMMIT only; never on rollback).
        PERFORM pg_notify('webhook_outbox', '');
        RETURN n;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION app_webhook_emit(uuid, text, text, uuid, jsonb) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_webhook_emit(uuid, text, text, uuid, jsonb) TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION app_webhook_emit(uuid, text, text, uuid, jsonb)`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_events`);
    await q.query(`DROP TABLE webhook_object_sequences`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
