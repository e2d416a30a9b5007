import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes in the order of nested lists, so that a page per parent is an index scan that stops after
 * the page: `Group.memberships` (facilitators first, then by join time).
 */
export class ListIndexes1764200000000 implements MigrationInterface {
  name = 'ListIndexes1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX memberships_group_order_idx ON memberships (network_id, group_id, role, joined_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX memberships_group_order_idx`);
  }
}
