import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Norms that stay agreed, and signposting (issue 16, items 2 and 3).
 *
 * - `groups.norms_version`: the number of the group's current norms; `group_norms_versions` keeps every version
 *   (the norms as the group stored them, what was added and removed against the one before, who proposed it: their
 *   role then, and the member or API key; when). Append-only for the app role (SELECT, INSERT). The member link goes
 *   when the member is erased (ON DELETE SET NULL of that column only); the role stays.
 * - `memberships.norms_version_accepted`: the version the member last accepted (null: never accepted, as for members
 *   added by a facilitator). The app sets it together with `norms_accepted_at`.
 * - Existing groups get version 1 from their current norms (no proposer recorded); memberships that accepted get 1.
 * - `help_resources`: a network's crisis lines and services for signposting (`helpResources`, and the response of a
 *   low wellbeing check-in). `networks.wellbeing_help_threshold`: at or below this wellbeing value the check-in's
 *   response carries them; the scale is 1–10 and the threshold never goes below its minimum (1, the default).
 * - Tenant tables: composite foreign keys, RLS enabled and forced with the usual policy, the owner policy
 *   (1765020000000-OwnerPolicies), grants to peer_app.
 */
export class NormsHelp1765040000000 implements MigrationInterface {
  name = 'NormsHelp1765040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE groups ADD COLUMN norms_version integer NOT NULL DEFAULT 1 CONSTRAINT groups_norms_version_check CHECK (norms_version >= 1)`);
    await q.query(`
      ALTER TABLE memberships
        ADD COLUMN norms_version_accepted integer CONSTRAINT memberships_norms_version_accepted_check CHECK (norms_version_accepted >= 1)`);
    await q.query(`UPDATE memberships SET norms_version_accepted = 1 WHERE norms_accepted_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE group_norms_versions (
        id                     uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id             uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        group_id               uuid NOT NULL,
        version                integer NOT NULL,
        norms                  text[] NOT NULL,
        added                  text[] NOT NULL DEFAULT '{}',
        removed                text[] NOT NULL DEFAULT '{}',
        proposed_by_role       text,
        proposed_by_member_id  uuid,
        proposed_by_api_key_id uuid,
        created_at             timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT group_norms_versions_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT group_norms_versions_version_key UNIQUE (network_id, group_id, version),
        CONSTRAINT group_norms_versions_version_check CHECK (version >= 1),
        CONSTRAINT group_norms_versions_role_check CHECK (proposed_by_role IN ('FACILITATOR', 'COORDINATOR', 'ADMIN', 'API_KEY')),
        CONSTRAINT group_norms_versions_one_proposer CHECK (proposed_by_member_id IS NULL OR proposed_by_api_key_id IS NULL),
        CONSTRAINT group_norms_versions_group_fkey FOREIGN KEY (network_id, group_id) REFERENCES groups (network_id, id) ON DELETE CASCADE,
        CONSTRAINT group_norms_versions_member_fkey FOREIGN KEY (network_id, proposed_by_member_id)
          REFERENCES members (network_id, id) ON DELETE SET NULL (proposed_by_member_id),
        CONSTRAINT group_norms_versions_api_key_fkey FOREIGN KEY (network_id, proposed_by_api_key_id)
          REFERENCES api_keys (network_id, id) ON DELETE SET NULL (proposed_by_api_key_id)
      )`);
    await q.query(
      `CREATE INDEX group_norms_versions_member_idx ON group_norms_versions (network_id, proposed_by_member_id) WHERE proposed_by_member_id IS NOT NULL`,
    );
    await q.query(`
      INSERT INTO group_norms_versions (network_id, group_id, version, norms, added, created_at)
      SELECT network_id, id, 1, norms, norms, created_at FROM groups`);
    await q.query(`ALTER TABLE group_norms_versions ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE group_norms_versions FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY group_norms_versions_tenant ON group_norms_versions
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    await q.query(`CREATE POLICY group_norms_versions_owner ON group_norms_versions TO CURRENT_USER USING (true) WITH CHECK (true)`);
    await q.query(`GRANT SELECT, INSERT ON group_norms_versions TO peer_app`);

    await q.query(`
      ALTER TABLE networks ADD COLUMN wellbeing_help_threshold smallint NOT NULL DEFAULT 1
        CONSTRAINT networks_wellbeing_help_threshold_check CHECK (wellbeing_help_threshold BETWEEN 1 AND 10)`);
    await q.query(`
      CREATE TABLE help_resources (
        id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id    uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        name          text NOT NULL,
        kind          text NOT NULL,
        phone         text,
        url           text,
        description   text,
        opening_hours text,
        time_zone     text,
        language      text,
        sort_order    integer NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT help_resources_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT help_resources_kind_check CHECK (kind IN ('CRISIS_LINE', 'LOCAL_SERVICE', 'ONLINE', 'OTHER')),
        CONSTRAINT help_resources_name_length CHECK (length(name) BETWEEN 1 AND 200),
        CONSTRAINT help_resources_phone_length CHECK (length(phone) <= 50),
        CONSTRAINT help_resources_url_length CHECK (length(url) <= 2000),
        CONSTRAINT help_resources_description_length CHECK (length(description) <= 2000),
        CONSTRAINT help_resources_opening_hours_length CHECK (length(opening_hours) <= 500),
        CONSTRAINT help_resources_language_length CHECK (length(language) <= 35)
      )`);
    await q.query(`CREATE INDEX help_resources_network_order_idx ON help_resources (network_id, sort_order, id)`);
    await q.query(`ALTER TABLE help_resources ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE help_resources FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY help_resources_tenant ON help_resources
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    await q.query(`CREATE POLICY help_resources_owner ON help_resources TO CURRENT_USER USING (true) WITH CHECK (true)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON help_resources TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE help_resources`);
    await q.query(`ALTER TABLE networks DROP COLUMN wellbeing_help_threshold`);
    await q.query(`DROP TABLE group_norms_versions`);
    await q.query(`ALTER TABLE memberships DROP COLUMN norms_version_accepted`);
    await q.query(`ALTER TABLE groups DROP COLUMN norms_version`);
  }
}
