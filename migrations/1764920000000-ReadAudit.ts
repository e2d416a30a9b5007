import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit of sensitive reads (issue 14, point 4).
 *
 * - `audit_log.subject_member_ids`: the members whose personal data an entry is about (for reads: every member
 *   whose attendance, RSVP, email, comment, note, outreach or drift was read in the operation). A GIN index
 *   serves "entries about this member" (`myAccessLog`, `auditLog(subjectMemberId:)`).
 * - An index on (network_id, action, at) for `auditLog(action:)` over a time range.
 * - Entries are append-only for the app role: it could only SELECT and INSERT since the partnerships migration;
 *   UPDATE, DELETE and TRUNCATE are revoked again here so that the guarantee is stated (and tested) where the
 *   read audit starts to rely on it.
 */
export class ReadAudit1764920000000 implements MigrationInterface {
  name = 'ReadAudit1764920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ADD COLUMN subject_member_ids uuid[]`);
    await q.query(`CREATE INDEX audit_log_subject_member_ids_idx ON audit_log USING gin (subject_member_ids)`);
    await q.query(`CREATE INDEX audit_log_network_action_at_idx ON audit_log (network_id, action, at, id)`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_log_network_action_at_idx`);
    await q.query(`DROP INDEX audit_log_subject_member_ids_idx`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN subject_member_ids`);
  }
}
