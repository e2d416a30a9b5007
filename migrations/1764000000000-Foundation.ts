import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Networks (the tenant), members and API keys, with row-level security.
 *
 * - `peer_app` is the role request transactions switch to: NOLOGIN, NOBYPASSRLS, not a superuser.
 *   It is cluster-wide, so `down` leaves it in place (other databases on the cluster may use it).
 * - Every tenant table: `network_id NOT NULL`, indexed, RLS enabled and forced, one policy comparing it
 *   with `app_current_network()` (the transaction-local `app.network_id`; unset means no rows).
 * - References between tenant tables are composite (network_id, id) foreign keys.
 * - Two narrow SELECT-only policies let a caller find the one row it already holds a key to:
 *   an API key by the hash of its secret (authentication), a network by its slug (CLI, partnerships).
 */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'peer_app') THEN
          CREATE ROLE peer_app NOLOGIN NOBYPASSRLS NOSUPERUSER NOINHERIT;
        END IF;
      END $$`);
    // The migrating user must be able to switch to peer_app (SET LOCAL ROLE) for requests.
    await q.query(`GRANT peer_app TO CURRENT_USER`);
    await q.query(`GRANT USAGE ON SCHEMA public TO peer_app`);

    await q.query(`
      CREATE FUNCTION app_current_network() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT NULLIF(current_setting('app.network_id', true), '')::uuid $$`);
    await q.query(`
      CREATE FUNCTION app_setting(name text) RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT NULLIF(current_setting(name, true), '') $$`);

    // Installation-wide facts (e.g. whether the demo seed ran). Not tenant data; the app role has no grant.
    await q.query(`CREATE TABLE installation (key text PRIMARY KEY, value text NOT NULL)`);

    await q.query(`
      CREATE TABLE networks (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug        text NOT NULL,
        name        text NOT NULL,
        description text,
        time_zone   text NOT NULL DEFAULT 'UTC',
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT networks_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) BETWEEN 2 AND 63),
        CONSTRAINT networks_name_length CHECK (length(name) BETWEEN 1 AND 200)
      )`);
    await q.query(`CREATE UNIQUE INDEX networks_slug_key ON networks (slug)`);

    await q.query(`
      CREATE TABLE members (
        id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        display_name text NOT NULL,
        email        text,
        role         text NOT NULL DEFAULT 'MEMBER',
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT members_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT members_role_check CHECK (role IN ('ADMIN', 'COORDINATOR', 'MEMBER')),
        CONSTRAINT members_display_name_length CHECK (length(display_name) BETWEEN 1 AND 100)
      )`);
    await q.query(`CREATE UNIQUE INDEX members_network_email_key ON members (network_id, lower(email)) WHERE email IS NOT NULL`);
    await q.query(`CREATE INDEX members_network_display_name_idx ON members (network_id, display_name, id)`);

    await q.query(`
      CREATE TABLE api_keys (
        id                   uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id           uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        name                 text NOT NULL,
        prefix               text NOT NULL,
        secret_hash          text NOT NULL,
        scopes               text[] NOT NULL,
        created_by_member_id uuid,
        created_at           timestamptz NOT NULL DEFAULT now(),
        last_used_at         timestamptz,
        revoked_at           timestamptz,
        CONSTRAINT api_keys_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash),
        CONSTRAINT api_keys_scopes_check CHECK (
          cardinality(scopes) > 0 AND scopes <@ ARRAY['READ', 'WRITE', 'PERSONAL_DATA', 'ADMIN']::text[]),
        CONSTRAINT api_keys_created_by_fkey FOREIGN KEY (network_id, created_by_member_id)
          REFERENCES members (network_id, id) ON DELETE SET NULL (created_by_member_id)
      )`);
    await q.query(`CREATE INDEX api_keys_network_created_idx ON api_keys (network_id, created_at)`);

    for (const table of ['networks', 'members', 'api_keys']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    await q.query(`
      CREATE POLICY networks_tenant ON networks
        USING (id = app_current_network()) WITH CHECK (id = app_current_network())`);
    await q.query(`
      CREATE POLICY networks_lookup_by_slug ON networks FOR SELECT
        USING (slug = app_setting('app.network_slug'))`);
    for (const table of ['members', 'api_keys']) {
      await q.query(`
        CREATE POLICY ${table}_tenant ON ${table}
          USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    }
    await q.query(`
      CREATE POLICY api_keys_lookup_by_secret ON api_keys FOR SELECT
        USING (secret_hash = app_setting('app.api_key_hash'))`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON networks TO peer_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON members, api_keys TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE members`);
    await q.query(`DROP TABLE networks`);
    await q.query(`DROP TABLE installation`);
    await q.query(`DROP FUNCTION app_setting(text)`);
    await q.query(`DROP FUNCTION app_current_network()`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM peer_app`);
  }
}
