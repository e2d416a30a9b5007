import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Joint events: a session hosted by one network and shared with partner networks' groups.
 *
 * Who sees what, in row-level security as in the application:
 * - An event, its participant list and its participating groups are visible to its parties: the host
 *   and every network invited to it (whatever its answer). Only the host changes the event and invites.
 * - A participant network answers for itself and adds only its own groups.
 * - Registrations are visible only to the registering member's own network. Other parties see counts per
 *   network (`app_joint_event_counts`) and the display names of members who consented to share their
 *   identity (`app_joint_event_identities`) — through SECURITY DEFINER functions that check the caller
 *   is a party, never the rows themselves.
 * - The groups of an event's participants become visible to its parties (name, topics… as SharedGroup).
 * - `app_withdraw_partner(partner)`: when a partnership is revoked, the partner's part in future events
 *   between the two networks is WITHDRAWN and its members' registrations are cancelled, whichever side
 *   hosts; past events keep their counts.
 */
export class JointEvents1764400000000 implements MigrationInterface {
  name = 'JointEvents1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE joint_events (
        id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        host_network_id uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        title           text NOT NULL,
        description     text,
        starts_at       timestamptz NOT NULL,
        ends_at         timestamptz NOT NULL,
        format          text NOT NULL,
        location        text,
        online_url      text,
        capacity        integer,
        status          text NOT NULL DEFAULT 'SCHEDULED',
        created_at      timestamptz NOT NULL DEFAULT now(),
        cancelled_at    timestamptz,
        CONSTRAINT joint_events_time_order CHECK (ends_at > starts_at),
        CONSTRAINT joint_events_format_check CHECK (format IN ('IN_PERSON', 'ONLINE', 'HYBRID')),
        CONSTRAINT joint_events_status_check CHECK (status IN ('SCHEDULED', 'LIVE', 'COMPLETED', 'CANCELLED')),
        CONSTRAINT joint_events_capacity_check CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 100000),
        CONSTRAINT joint_events_title_length CHECK (length(title) BETWEEN 1 AND 200)
      )`);
    await q.query(`CREATE INDEX joint_events_host_idx ON joint_events (host_network_id, starts_at, id)`);

    // The host is a participant too (ACCEPTED from the start), so "participating networks" is one list.
    await q.query(`
      CREATE TABLE joint_event_participants (
        joint_event_id uuid NOT NULL REFERENCES joint_events (id) ON DELETE CASCADE,
        network_id     uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        status         text NOT NULL DEFAULT 'INVITED',
        invited_at     timestamptz NOT NULL DEFAULT now(),
        responded_at   timestamptz,
        PRIMARY KEY (joint_event_id, network_id),
        CONSTRAINT joint_event_participants_status_check CHECK (status IN ('INVITED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN'))
      )`);
    await q.query(`CREATE INDEX joint_event_participants_network_idx ON joint_event_participants (network_id, status)`);

    await q.query(`
      CREATE TABLE joint_event_groups (
        joint_event_id uuid NOT NULL,
        network_id     uuid NOT NULL,
        group_id       uuid NOT NULL,
        PRIMARY KEY (joint_event_id, group_id),
        CONSTRAINT joint_event_groups_participant_fkey FOREIGN KEY (joint_event_id, network_id)
          REFERENCES joint_event_participants (joint_event_id, network_id) ON DELETE CASCADE,
        CONSTRAINT joint_event_groups_group_fkey FOREIGN KEY (network_id, group_id)
          REFERENCES groups (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX joint_event_groups_group_idx ON joint_event_groups (group_id)`);

    await q.query(`
      CREATE TABLE joint_event_registrations (
        id             uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        joint_event_id uuid NOT NULL,
        network_id     uuid NOT NULL,
        member_id      uuid NOT NULL,
        share_identity boolean NOT NULL DEFAULT false,
        registered_at  timestamptz NOT NULL DEFAULT now(),
        cancelled_at   timestamptz,
        CONSTRAINT joint_event_registrations_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT joint_event_registrations_member_key UNIQUE (joint_event_id, member_id),
        CONSTRAINT joint_event_registrations_participant_fkey FOREIGN KEY (joint_event_id, network_id)
          REFERENCES joint_event_participants (joint_event_id, network_id) ON DELETE CASCADE,
        CONSTRAINT joint_event_registrations_member_fkey FOREIGN KEY (network_id, member_id)
          REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX joint_event_registrations_event_idx ON joint_event_registrations (joint_event_id, network_id)`);

    // Is the caller's network the host of, or invited to, this event?
    await q.query(`
      CREATE FUNCTION app_joint_event_party(event uuid) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT EXISTS (SELECT 1 FROM joint_events e WHERE e.id = event AND e.host_network_id = app_current_network())
                OR EXISTS (SELECT 1 FROM joint_event_participants p WHERE p.joint_event_id = event AND p.network_id = app_current_network()) $$`);
    await q.query(`
      CREATE FUNCTION app_joint_event_host(event uuid) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT EXISTS (SELECT 1 FROM joint_events e WHERE e.id = event AND e.host_network_id = app_current_network()) $$`);
    // Is this group taking part in an event the caller's network is a party to?
    await q.query(`
      CREATE FUNCTION app_group_in_shared_event(grp uuid) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT EXISTS (SELECT 1 FROM joint_event_groups jg WHERE jg.group_id = grp AND app_joint_event_party(jg.joint_event_id)) $$`);

    for (const table of ['joint_events', 'joint_event_participants', 'joint_event_groups', 'joint_event_registrations']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    // The host condition first: a row inserted by the same statement is not yet visible to the function.
    await q.query(`CREATE POLICY joint_events_parties ON joint_events FOR SELECT USING (host_network_id = app_current_network() OR app_joint_event_party(id))`);
    await q.query(`CREATE POLICY joint_events_host_insert ON joint_events FOR INSERT WITH CHECK (host_network_id = app_current_network())`);
    await q.query(`
      CREATE POLICY joint_events_host_update ON joint_events FOR UPDATE
        USING (host_network_id = app_current_network()) WITH CHECK (host_network_id = app_current_network())`);

    await q.query(`CREATE POLICY joint_event_participants_parties ON joint_event_participants FOR SELECT USING (app_joint_event_party(joint_event_id))`);
    await q.query(
      `CREATE POLICY joint_event_participants_host_invites ON joint_event_participants FOR INSERT WITH CHECK (app_joint_event_host(joint_event_id))`,
    );
    // A participant answers for itself; the host may withdraw anyone or cancel.
    await q.query(`
      CREATE POLICY joint_event_participants_update ON joint_event_participants FOR UPDATE
        USING (network_id = app_current_network() OR app_joint_event_host(joint_event_id))
        WITH CHECK (network_id = app_current_network() OR app_joint_event_host(joint_event_id))`);

    await q.query(`CREATE POLICY joint_event_groups_parties ON joint_event_groups FOR SELECT USING (app_joint_event_party(joint_event_id))`);
    await q.query(`CREATE POLICY joint_event_groups_own_insert ON joint_event_groups FOR INSERT WITH CHECK (network_id = app_current_network())`);
    await q.query(`CREATE POLICY joint_event_groups_own_delete ON joint_event_groups FOR DELETE USING (network_id = app_current_network())`);

    await q.query(`
      CREATE POLICY joint_event_registrations_own ON joint_event_registrations
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);

    await q.query(`
      CREATE POLICY groups_joint_events ON groups FOR SELECT USING (app_group_in_shared_event(id))`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON joint_events, joint_event_participants, joint_event_registrations TO peer_app`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON joint_event_groups TO peer_app`);

    // Registrations per participating network (not cancelled), for any party of the event.
    await q.query(`
      CREATE FUNCTION app_joint_event_counts(event uuid) RETURNS TABLE (network_id uuid, count integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT p.network_id, (SELECT count(*)::int FROM joint_event_registrations r
                                  WHERE r.joint_event_id = p.joint_event_id AND r.network_id = p.network_id AND r.cancelled_at IS NULL)
            FROM joint_event_participants p
            WHERE p.joint_event_id = event AND app_joint_event_party(event)
              AND (p.status = 'ACCEPTED' OR EXISTS (SELECT 1 FROM joint_event_registrations r
                                                   WHERE r.joint_event_id = p.joint_event_id AND r.network_id = p.network_id)) $$`);
    // Members of other networks who consented to share their identity: display name only.
    await q.query(`
      CREATE FUNCTION app_joint_event_identities(event uuid)
        RETURNS TABLE (registration_id uuid, network_id uuid, display_name text, registered_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT r.id, r.network_id, m.display_name, r.registered_at
            FROM joint_event_registrations r JOIN members m ON m.network_id = r.network_id AND m.id = r.member_id
            WHERE r.joint_event_id = event AND r.share_identity AND r.cancelled_at IS NULL
              AND r.network_id <> app_current_network() AND app_joint_event_party(event) $$`);
    // Revocation: the partner's part in future events between the two networks ends at once.
    await q.query(`
      CREATE FUNCTION app_withdraw_partner(partner uuid) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
      AS $$
      DECLARE me uuid := app_current_network(); affected integer;
      BEGIN
        IF me IS NULL THEN RAISE EXCEPTION 'no network'; END IF;
        WITH future AS (
          SELECT e.id, CASE WHEN e.host_network_id = me THEN partner ELSE me END AS leaving
          FROM joint_events e
          WHERE e.host_network_id IN (me, partner) AND e.starts_at > now() AND e.status = 'SCHEDULED'
        ), withdrawn AS (
          UPDATE joint_event_participants p SET status = 'WITHDRAWN', responded_at = now()
          FROM future f WHERE p.joint_event_id = f.id AND p.network_id = f.leaving AND p.status IN ('INVITED', 'ACCEPTED')
          RETURNING p.joint_event_id, p.network_id
        ), cancelled AS (
          UPDATE joint_event_registrations r SET cancelled_at = now()
          FROM withdrawn w WHERE r.joint_event_id = w.joint_event_id AND r.network_id = w.network_id AND r.cancelled_at IS NULL
          RETURNING r.id
        )
        SELECT (SELECT count(*) FROM withdrawn)::int INTO affected;
        RETURN affected;
      END $$`);
    for (const fn of ['app_joint_event_counts(uuid)', 'app_joint_event_identities(uuid)', 'app_withdraw_partner(uuid)']) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO peer_app`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION app_withdraw_partner(uuid)`);
    await q.query(`DROP FUNCTION app_joint_event_identities(uuid)`);
    await q.query(`DROP FUNCTION app_joint_event_counts(uuid)`);
    await q.query(`DROP POLICY groups_joint_events ON groups`);
    await q.query(`DROP TABLE joint_event_registrations`);
    await q.query(`DROP TABLE joint_event_groups`);
    await q.query(`DROP TABLE joint_event_participants`);
    await q.query(`DROP TABLE joint_events`);
    await q.query(`DROP FUNCTION app_group_in_shared_event(uuid)`);
    await q.query(`DROP FUNCTION app_joint_event_host(uuid)`);
    await q.query(`DROP FUNCTION app_joint_event_party(uuid)`);
  }
}
