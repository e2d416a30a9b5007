import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Least privilege for credentials (issue 12).
 *
 * - `api_keys.scopes` may hold `ISSUE_MEMBER_TOKENS`, the one scope that issues member tokens.
 *   `member_token_max_role`: the highest network role a key may issue tokens for (default MEMBER).
 *   Existing keys keep working as before: a key holding ADMIN (which issued member tokens until now) gains
 *   ISSUE_MEMBER_TOKENS with ADMIN as its highest role.
 * - `api_keys.trusted_documents_only`: the key (and the member tokens it issues) may run only the documents
 *   registered for it in `trusted_documents` (by SHA-256 of the document text, as Apollo's persisted queries).
 *   A tenant table: RLS enabled and forced with the usual policy; the composite foreign key keeps a document
 *   in its key's network, and it goes with its key.
 * - `members.external_id`: a partner's own id for the member, unique per network, so the partner's backend
 *   needs no mapping of our ids.
 */
export class LeastPrivilege1764800000000 implements MigrationInterface {
  name = 'LeastPrivilege1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await q.query(`
      ALTER TABLE api_keys
        ADD CONSTRAINT api_keys_scopes_check CHECK (
          cardinality(scopes) > 0 AND scopes <@ ARRAY['READ', 'WRITE', 'PERSONAL_DATA', 'ADMIN', 'ISSUE_MEMBER_TOKENS']::text[]),
        ADD COLUMN member_token_max_role text NOT NULL DEFAULT 'MEMBER'
          CONSTRAINT api_keys_member_token_max_role_check CHECK (member_token_max_role IN ('MEMBER', 'COORDINATOR', 'ADMIN')),
        ADD COLUMN trusted_documents_only boolean NOT NULL DEFAULT false`);
    await q.query(`
      UPDATE api_keys SET scopes = scopes || ARRAY['ISSUE_MEMBER_TOKENS']::text[], member_token_max_role = 'ADMIN'
      WHERE 'ADMIN' = ANY (scopes)`);

    await q.query(`
      CREATE TABLE trusted_documents (
        network_id  uuid NOT NULL,
        api_key_id  uuid NOT NULL,
        hash        text NOT NULL,
        body        text NOT NULL,
        name        text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (network_id, api_key_id, hash),
        CONSTRAINT trusted_documents_key_fkey FOREIGN KEY (network_id, api_key_id) REFERENCES api_keys (network_id, id) ON DELETE CASCADE,
        CONSTRAINT trusted_documents_hash_format CHECK (hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT trusted_documents_body_size CHECK (octet_length(body) <= 102400)
      )`);
    await q.query(`ALTER TABLE trusted_documents ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE trusted_documents FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY trusted_documents_tenant ON trusted_documents
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON trusted_documents TO peer_app`);

    await q.query(`
      ALTER TABLE members ADD COLUMN external_id text
        CONSTRAINT members_external_id_format CHECK (external_id ~ '^[\\x21-\\x7e]{1,255}$')`);
    await q.query(`CREATE UNIQUE INDEX members_network_external_id_key ON members (network_id, external_id) WHERE external_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX members_network_external_id_key`);
    await q.query(`ALTER TABLE members DROP COLUMN external_id`);
    await q.query(`DROP TABLE trusted_documents`);
    await q.query(`UPDATE api_keys SET scopes = array_remove(scopes, 'ISSUE_MEMBER_TOKENS')`);
    await q.query(`DELETE FROM api_keys WHERE cardinality(scopes) = 0`);
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await q.query(`
      ALTER TABLE api_keys
        DROP COLUMN member_token_max_role,
        DROP COLUMN trusted_documents_only,
        ADD CONSTRAINT api_keys_scopes_check CHECK (
          cardinality(scopes) > 0 AND scopes <@ ARRAY['READ', 'WRITE', 'PERSONAL_DATA', 'ADMIN']::text[])`);
  }
}
