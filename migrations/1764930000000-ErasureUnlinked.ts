import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure unlinks the person's ID (issue 14).
 *
 * An erasure now moves what aggregates count (memberships, attendance, feedback ratings and moods, wellbeing
 * numbers, registrations) to a new tombstone row with a fresh random ID, and deletes the member's row (its
 * consents go with it). The member's old ID then leads nowhere: an integrator that mapped it to a person finds
 * nothing under it.
 *
 * - `erasures`: which IDs were erased, so that erasing again answers `alreadyErased` instead of NOT_FOUND. The ID
 *   is kept only as an HMAC under the server's secret (`subject_hash`), with no link to the tombstone. Tenant
 *   table (RLS enabled and forced, the usual policy); the app role may read and insert, never change or delete.
 */
export class ErasureUnlinked1764930000000 implements MigrationInterface {
  name = 'ErasureUnlinked1764930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE erasures (
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        subject_hash bytea NOT NULL,
        erased_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (network_id, subject_hash)
      )`);
    await q.query(`ALTER TABLE erasures ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE erasures FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY erasures_tenant ON erasures
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    await q.query(`GRANT SELECT, INSERT ON erasures TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE erasures`);
  }
}
