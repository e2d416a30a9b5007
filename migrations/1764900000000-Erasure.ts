import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure (issue 14): `members.erased_at`. An erased member's row stays as a tombstone (no name, email or
 * external id) so that attendance, feedback ratings, moods, memberships and check-in numbers keep pointing to
 * one row and every aggregate computed before the erasure is computed the same after. A tombstone cannot
 * authenticate: member tokens are checked against `erased_at IS NULL` on every request.
 */
export class Erasure1764900000000 implements MigrationInterface {
  name = 'Erasure1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members ADD COLUMN erased_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE members DROP COLUMN erased_at`);
  }
}
