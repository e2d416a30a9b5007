import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate limits (issue 11): a network's own budget per credential, set by operators with the CLI
 * (`set-rate-limit`). Null means the server's defaults (RATE_LIMIT_MAX, RATE_LIMIT_RESTORE_RATE). No public
 * mutation changes them; requests only read them (src/modules/rate-limits, cached per instance).
 */
export class RateLimits1764700000000 implements MigrationInterface {
  name = 'RateLimits1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE networks ADD COLUMN rate_limit_max integer`);
    await q.query(`ALTER TABLE networks ADD COLUMN rate_limit_restore_rate double precision`);
    await q.query(`ALTER TABLE networks ADD CONSTRAINT networks_rate_limit_max_check CHECK (rate_limit_max BETWEEN 1 AND 1000000000)`);
    await q.query(
      `ALTER TABLE networks ADD CONSTRAINT networks_rate_limit_restore_rate_check CHECK (rate_limit_restore_rate > 0 AND rate_limit_restore_rate <= 1000000000)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE networks DROP CONSTRAINT networks_rate_limit_restore_rate_check`);
    await q.query(`ALTER TABLE networks DROP CONSTRAINT networks_rate_limit_max_check`);
    await q.query(`ALTER TABLE networks DROP COLUMN rate_limit_restore_rate`);
    await q.query(`ALTER TABLE networks DROP COLUMN rate_limit_max`);
  }
}
