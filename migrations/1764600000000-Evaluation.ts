import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evaluation (issue 6): the privacy threshold per network, the do-not-contact wish per member, and the
 * indexes the aggregates read.
 *
 * - `networks.minimum_aggregate_size` (k): aggregates over fewer people are withheld. 5 by default; a network
 *   may raise it, never lower it (CHECK).
 * - `members.do_not_contact`: the member asked not to be reached out to; `driftingMembers` leaves them out.
 * - Indexes, all partial or covering so the aggregates are index(-only) scans:
 *   - completed sessions by group and by network in time order (health, trends, drifting);
 *   - attended rows (PRESENT, LATE) by session with the member, newcomer flag and mood before
 *     (attendance counts, distinct attendees, newcomers, mood change), and by member and group with the
 *     session (a member's last attended session: drifting), without visiting the table;
 *   - memberships by group with their join and leave times (members expected at a session);
 *   - the few members who asked not to be contacted (a small partial index to leave them out);
 *   - wellbeing check-ins by member in time order with the values (outcome trends).
 */
export class Evaluation1764600000000 implements MigrationInterface {
  name = 'Evaluation1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE networks ADD COLUMN minimum_aggregate_size integer NOT NULL DEFAULT 5`);
    await q.query(`ALTER TABLE networks ADD CONSTRAINT networks_minimum_aggregate_size_check CHECK (minimum_aggregate_size BETWEEN 5 AND 1000)`);
    await q.query(`ALTER TABLE members ADD COLUMN do_not_contact boolean NOT NULL DEFAULT false`);

    await q.query(`CREATE INDEX sessions_completed_group_idx ON sessions (network_id, group_id, starts_at) INCLUDE (id) WHERE status = 'COMPLETED'`);
    await q.query(`CREATE INDEX sessions_completed_network_idx ON sessions (network_id, starts_at) INCLUDE (id, group_id) WHERE status = 'COMPLETED'`);
    await q.query(
      `CREATE INDEX attendance_attended_idx ON attendance (network_id, session_id)
         INCLUDE (member_id, group_id, first_session, mood_before) WHERE status IN ('PRESENT', 'LATE')`,
    );
    await q.query(
      `CREATE INDEX attendance_attended_member_idx ON attendance (network_id, member_id, group_id)
         INCLUDE (session_id) WHERE status IN ('PRESENT', 'LATE')`,
    );
    await q.query(`CREATE INDEX memberships_group_dates_idx ON memberships (network_id, group_id) INCLUDE (joined_at, left_at) WHERE status <> 'PAUSED'`);
    await q.query(`CREATE INDEX members_do_not_contact_idx ON members (network_id, id) WHERE do_not_contact`);
    // The member's check-ins in time order (myWellbeing) now carry the values too: outcome trends read them
    // member by member, already sorted, without visiting the table.
    await q.query(`DROP INDEX wellbeing_checkins_member_idx`);
    await q.query(`CREATE INDEX wellbeing_checkins_member_idx ON wellbeing_checkins (network_id, member_id, recorded_at, id) INCLUDE (wellbeing, confidence)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX wellbeing_checkins_member_idx`);
    await q.query(`CREATE INDEX wellbeing_checkins_member_idx ON wellbeing_checkins (network_id, member_id, recorded_at, id)`);
    await q.query(`DROP INDEX members_do_not_contact_idx`);
    await q.query(`DROP INDEX memberships_group_dates_idx`);
    await q.query(`DROP INDEX attendance_attended_member_idx`);
    await q.query(`DROP INDEX attendance_attended_idx`);
    await q.query(`DROP INDEX sessions_completed_network_idx`);
    await q.query(`DROP INDEX sessions_completed_group_idx`);
    await q.query(`ALTER TABLE members DROP COLUMN do_not_contact`);
    await q.query(`ALTER TABLE networks DROP CONSTRAINT networks_minimum_aggregate_size_check`);
    await q.query(`ALTER TABLE networks DROP COLUMN minimum_aggregate_size`);
  }
}
