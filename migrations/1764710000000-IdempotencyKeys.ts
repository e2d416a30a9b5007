import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotent retries (issue 11): the `Idempotency-Key`s of mutation requests and the answers they got
 * (src/modules/idempotency).
 *
 * - One row per (network, credential, key): the credential is `principalKey` (`K:<api key id>` or
 *   `M:<member id>`), so another credential's identical key is independent.
 * - `request_hash`: SHA-256 (hex) of the operation text, its name and its variables as canonical JSON.
 * - `response`/`http_status`: the answer to replay, written in the claiming request's own transaction just
 *   before it commits; both NULL only while that transaction runs (no other transaction sees the row then).
 *   `json`, not `jsonb`: jsonb reorders object keys, and a replay must be the same bytes as the first answer.
 * - `created_at`: rows older than IDEMPOTENCY_TTL_HOURS count as absent and are purged now and then;
 *   the index serves that purge.
 * - Tenant table like the others: RLS enabled and forced with the usual policy, grants to peer_app.
 */
export class IdempotencyKeys1764710000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        credential   text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        response     json,
        http_status  smallint,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (network_id, credential, key),
        CONSTRAINT idempotency_keys_credential_format CHECK (credential ~ '^[KM]:[0-9a-f-]{36}$'),
        CONSTRAINT idempotency_keys_key_format CHECK (key ~ '^[\\x20-\\x7e]{1,255}$'),
        CONSTRAINT idempotency_keys_request_hash_format CHECK (request_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT idempotency_keys_response_status CHECK ((response IS NULL) = (http_status IS NULL))
      )`);
    await q.query(`CREATE INDEX idempotency_keys_network_created_idx ON idempotency_keys (network_id, created_at)`);
    await q.query(`ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY idempotency_keys_tenant ON idempotency_keys
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
