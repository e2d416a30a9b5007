import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention and consent (issue 14).
 *
 * - `networks.text_retention_months`: how long free text (feedback comments, outreach notes and outcomes, gratitude
 *   notes) is kept; `networks.wellbeing_retention_months`: how long wellbeing check-ins are kept. 24 by default,
 *   at least 1; NULL keeps them. The purge job (src/modules/retention) removes what is older.
 * - `networks_owner_lists`: the purge job lists the networks on the login role's own connection, outside any
 *   tenant transaction (it then works in one tenant transaction per network, as peer_app). FORCE keeps the policies
 *   on for the table owner too, so the owner gets a read-only policy of its own; requests run as peer_app and are
 *   not affected. (A superuser, as in the tests, bypasses row-level security anyway.)
 * - Indexes on the timestamps the purge filters by, per network, so each batch finds its rows without a scan
 *   (wellbeing_checkins has none by time alone; feedback, outreach and gratitude_notes none by time).
 * - `consents`: a member's recorded consent to one purpose (GDPR Art. 9(2)(a)); one row per grant, so the history
 *   (given, withdrawn, given again) stays for the export. At most one current (not withdrawn) row per member and
 *   purpose. Tenant table: RLS enabled and forced with the usual policy, grants to peer_app; it goes with its member.
 */
export class RetentionConsent1764910000000 implements MigrationInterface {
  name = 'RetentionConsent1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE networks
        ADD COLUMN text_retention_months integer DEFAULT 24
          CONSTRAINT networks_text_retention_months_check CHECK (text_retention_months BETWEEN 1 AND 1200),
        ADD COLUMN wellbeing_retention_months integer DEFAULT 24
          CONSTRAINT networks_wellbeing_retention_months_check CHECK (wellbeing_retention_months BETWEEN 1 AND 1200)`);
    await q.query(`CREATE POLICY networks_owner_lists ON networks FOR SELECT TO CURRENT_USER USING (true)`);
    await q.query(`CREATE INDEX feedback_network_submitted_idx ON feedback (network_id, submitted_at) WHERE comment IS NOT NULL`);
    await q.query(`CREATE INDEX outreach_network_at_idx ON outreach (network_id, at) WHERE note IS NOT NULL OR outcome IS NOT NULL`);
    await q.query(`CREATE INDEX gratitude_notes_network_created_idx ON gratitude_notes (network_id, created_at)`);
    await q.query(`CREATE INDEX wellbeing_checkins_network_recorded_idx ON wellbeing_checkins (network_id, recorded_at)`);

    await q.query(`
      CREATE TABLE consents (
        id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        member_id    uuid NOT NULL,
        purpose      text NOT NULL,
        given_at     timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz,
        CONSTRAINT consents_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT consents_purpose_check CHECK (purpose IN ('WELLBEING_TRACKING')),
        CONSTRAINT consents_withdrawn_after_given CHECK (withdrawn_at >= given_at),
        CONSTRAINT consents_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX consents_current_key ON consents (network_id, member_id, purpose) WHERE withdrawn_at IS NULL`);
    await q.query(`CREATE INDEX consents_member_idx ON consents (network_id, member_id, given_at)`);
    await q.query(`ALTER TABLE consents ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE consents FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY consents_tenant ON consents
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON consents TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consents`);
    await q.query(`DROP INDEX wellbeing_checkins_network_recorded_idx`);
    await q.query(`DROP INDEX gratitude_notes_network_created_idx`);
    await q.query(`DROP INDEX outreach_network_at_idx`);
    await q.query(`DROP INDEX feedback_network_submitted_idx`);
    await q.query(`DROP POLICY networks_owner_lists ON networks`);
    await q.query(`ALTER TABLE networks DROP COLUMN text_retention_months, DROP COLUMN wellbeing_retention_months`);
  }
}
