import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Partnerships between networks, the audit log, and what a partnership shares.
 *
 * - `partnerships` is a cross-network row: visible to, and changeable by, exactly the two networks in it
 *   (row-level security says so, not only the application). A network can only request in its own name.
 *   At most one live (PENDING or ACTIVE) partnership per pair, whichever side asked.
 * - `audit_log` is per network. `app_audit_partner` lets a request write an entry into the log of the
 *   *other* network of a partnership the caller is in (e.g. "partner revoked"), and nothing else.
 * - Sharing: a network sees the other's row in `networks` once a partnership exists between them (names
 *   in `partnerships`), and the other's PARTNERS-visible, unarchived groups while an ACTIVE partnership
 *   includes GROUP_DIRECTORY (the partner directory). Nothing else of the partner becomes visible.
 */
export class Partnerships1764300000000 implements MigrationInterface {
  name = 'Partnerships1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partnerships (
        id                   uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        requester_network_id uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        partner_network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        status               text NOT NULL DEFAULT 'PENDING',
        scopes               text[] NOT NULL,
        created_at           timestamptz NOT NULL DEFAULT now(),
        responded_at         timestamptz,
        revoked_at           timestamptz,
        revoked_by_network_id uuid REFERENCES networks (id) ON DELETE SET NULL,
        CONSTRAINT partnerships_not_self CHECK (requester_network_id <> partner_network_id),
        CONSTRAINT partnerships_status_check CHECK (status IN ('PENDING', 'ACTIVE', 'DECLINED', 'REVOKED')),
        CONSTRAINT partnerships_scopes_check CHECK (
          cardinality(scopes) > 0 AND scopes <@ ARRAY['GROUP_DIRECTORY', 'JOINT_EVENTS']::text[])
      )`);
    await q.query(`
      CREATE UNIQUE INDEX partnerships_live_pair_key ON partnerships (
        least(requester_network_id, partner_network_id), greatest(requester_network_id, partner_network_id))
      WHERE status IN ('PENDING', 'ACTIVE')`);
    await q.query(`CREATE INDEX partnerships_requester_idx ON partnerships (requester_network_id, status)`);
    await q.query(`CREATE INDEX partnerships_partner_idx ON partnerships (partner_network_id, status)`);
    await q.query(`ALTER TABLE partnerships ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE partnerships FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY partnerships_parties ON partnerships
        USING (app_current_network() IN (requester_network_id, partner_network_id))
        WITH CHECK (app_current_network() IN (requester_network_id, partner_network_id))`);
    // Requests are made in one's own name only.
    await q.query(`
      CREATE POLICY partnerships_request_own ON partnerships AS RESTRICTIVE FOR INSERT
        WITH CHECK (requester_network_id = app_current_network())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON partnerships TO peer_app`);
    // The database, too, keeps the agreement honest: parties, scopes and creation time never change; only
    // the partner accepts or declines; the only other move is revoking a PENDING or ACTIVE partnership.
    await q.query(`
      CREATE FUNCTION partnerships_guard() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF NEW.requester_network_id <> OLD.requester_network_id OR NEW.partner_network_id <> OLD.partner_network_id
           OR NEW.scopes <> OLD.scopes OR NEW.created_at <> OLD.created_at THEN
          RAISE EXCEPTION 'the parties, scopes and creation time of a partnership cannot change';
        END IF;
        IF NEW.status <> OLD.status THEN
          IF OLD.status = 'PENDING' AND NEW.status IN ('ACTIVE', 'DECLINED') THEN
            IF app_current_network() IS DISTINCT FROM OLD.partner_network_id THEN
              RAISE EXCEPTION 'only the partner network accepts or declines a partnership';
            END IF;
          ELSIF NOT (OLD.status IN ('PENDING', 'ACTIVE') AND NEW.status = 'REVOKED') THEN
            RAISE EXCEPTION 'a partnership cannot go from % to %', OLD.status, NEW.status;
          END IF;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER partnerships_guard BEFORE UPDATE ON partnerships
        FOR EACH ROW EXECUTE FUNCTION partnerships_guard()`);

    // Is there a partnership of any status between the caller's network and `other`? (names in the list)
    await q.query(`
      CREATE FUNCTION app_has_partnership_with(other uuid) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT EXISTS (SELECT 1 FROM partnerships p
                           WHERE (p.requester_network_id = app_current_network() AND p.partner_network_id = other)
                              OR (p.partner_network_id = app_current_network() AND p.requester_network_id = other)) $$`);
    // Does an ACTIVE partnership with `other` share this scope?
    await q.query(`
      CREATE FUNCTION app_partner_shares(other uuid, scope text) RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT EXISTS (SELECT 1 FROM partnerships p
                           WHERE p.status = 'ACTIVE' AND scope = ANY (p.scopes)
                             AND ((p.requester_network_id = app_current_network() AND p.partner_network_id = other)
                               OR (p.partner_network_id = app_current_network() AND p.requester_network_id = other))) $$`);
    await q.query(`
      CREATE POLICY networks_partners ON networks FOR SELECT
        USING (app_has_partnership_with(id))`);
    await q.query(`
      CREATE POLICY groups_partner_directory ON groups FOR SELECT
        USING (visibility = 'PARTNERS' AND archived_at IS NULL AND app_partner_shares(network_id, 'GROUP_DIRECTORY'))`);

    await q.query(`
      CREATE TABLE audit_log (
        id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        actor       text NOT NULL,
        action      text NOT NULL,
        target_type text,
        target_id   uuid,
        details     jsonb,
        at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT audit_log_network_id_id_key UNIQUE (network_id, id)
      )`);
    await q.query(`CREATE INDEX audit_log_network_at_idx ON audit_log (network_id, at, id)`);
    await q.query(`ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE audit_log FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY audit_log_tenant ON audit_log
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    // Entries are never changed or removed by requests.
    await q.query(`GRANT SELECT, INSERT ON audit_log TO peer_app`);
    // An entry in the other network's log, about a partnership between the two (and only that).
    await q.query(`
      CREATE FUNCTION app_audit_partner(partnership uuid, actor text, action text, details jsonb) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
      AS $$
      DECLARE other uuid;
      BEGIN
        SELECT CASE WHEN p.requester_network_id = app_current_network() THEN p.partner_network_id
                    WHEN p.partner_network_id = app_current_network() THEN p.requester_network_id END
          INTO other FROM partnerships p WHERE p.id = partnership;
        IF other IS NULL THEN RAISE EXCEPTION 'not a party to this partnership'; END IF;
        INSERT INTO audit_log (network_id, actor, action, target_type, target_id, details)
        VALUES (other, actor, action, 'Partnership', partnership, details);
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION app_audit_partner(uuid, text, text, jsonb) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_audit_partner(uuid, text, text, jsonb) TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION app_audit_partner(uuid, text, text, jsonb)`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP POLICY groups_partner_directory ON groups`);
    await q.query(`DROP POLICY networks_partners ON networks`);
    await q.query(`DROP FUNCTION app_partner_shares(uuid, text)`);
    await q.query(`DROP FUNCTION app_has_partnership_with(uuid)`);
    await q.query(`DROP TABLE partnerships`);
    await q.query(`DROP FUNCTION partnerships_guard()`);
  }
}
