import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Joint events: a network that declined, or was withdrawn from, an event is no longer a party to it.
 *
 * `app_joint_event_party(event)` decides who sees an event, its participants and groups (row-level security
 * on joint_events, joint_event_participants, joint_event_groups; `groups_joint_events` through
 * `app_group_in_shared_event`) and who may call `app_joint_event_counts` / `app_joint_event_identities`.
 * Until now every network with a participant row was a party, whatever its status. From now on: the host,
 * and a network while its participation is INVITED or ACCEPTED. A DECLINED or WITHDRAWN network (the
 * partnership was revoked before the event) sees nothing of the event any more, as if it had never been
 * invited. Revocation withdraws future events only, so a past event the partner took part in keeps its
 * ACCEPTED row: the partner keeps seeing it, with its counts.
 *
 * The host still sees every participant row (WITHDRAWN and DECLINED included) and their counts.
 */
export class JointEventAccess1764500000000 implements MigrationInterface {
  name = 'JointEventAccess1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION app_joint_event_party(event uuid) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT EXISTS (SELECT 1 FROM joint_events e WHERE e.id = event AND e.host_network_id = app_current_network())
                OR EXISTS (SELECT 1 FROM joint_event_participants p
                           WHERE p.joint_event_id = event AND p.network_id = app_current_network()
                             AND p.status IN ('INVITED', 'ACCEPTED')) $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION app_joint_event_party(event uuid) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT EXISTS (SELECT 1 FROM joint_events e WHERE e.id = event AND e.host_network_id = app_current_network())
                OR EXISTS (SELECT 1 FROM joint_event_participants p WHERE p.joint_event_id = event AND p.network_id = app_current_network()) $$`);
  }
}
