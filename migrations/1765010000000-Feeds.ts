import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Calendar feeds and the public meeting feed (issue 15, parts 2 and 3).
 *
 * - `calendar_feeds`: a member's secret feed URL, either their "my sessions" feed (kind MEMBER) or one group's
 *   sessions (kind GROUP). Only the SHA-256 hash of the token is stored (the token is shown once), with a visible
 *   prefix to recognise it. Tenant table: RLS enabled and forced with the usual policy, composite foreign keys,
 *   grants to peer_app. Like `api_keys`, one narrow SELECT-only policy lets the feed route find the one row whose
 *   token it holds (`app.feed_token_hash`, set transaction-locally) before it knows the network.
 * - `sessions.sequence`: the iCalendar SEQUENCE of a session. A trigger bumps it whenever something a calendar
 *   shows changes (title, times, time zone, status, location, link), whoever changes the row, so no write path can
 *   forget it.
 * - `groups.publicly_listed` and the listing's public fields (`public_location`, `public_address`,
 *   `public_conference_url`, `public_notes`): what `GET /feeds/<network-slug>/meetings.json` publishes. A CHECK
 *   keeps PRIVATE groups out of it whatever the application does.
 */
export class Feeds1765010000000 implements MigrationInterface {
  name = 'Feeds1765010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_feeds (
        id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        kind         text NOT NULL,
        member_id    uuid NOT NULL,
        group_id     uuid,
        token_hash   text NOT NULL,
        token_prefix text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        revoked_at   timestamptz,
        CONSTRAINT calendar_feeds_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash),
        CONSTRAINT calendar_feeds_kind_check CHECK (kind IN ('MEMBER', 'GROUP')),
        CONSTRAINT calendar_feeds_kind_group CHECK ((kind = 'GROUP') = (group_id IS NOT NULL)),
        CONSTRAINT calendar_feeds_revoked_after_created CHECK (revoked_at >= created_at),
        CONSTRAINT calendar_feeds_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE,
        CONSTRAINT calendar_feeds_group_fkey FOREIGN KEY (network_id, group_id) REFERENCES groups (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX calendar_feeds_member_idx ON calendar_feeds (network_id, member_id, created_at)`);
    await q.query(`ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY calendar_feeds_tenant ON calendar_feeds
        USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
    await q.query(`
      CREATE POLICY calendar_feeds_lookup_by_token ON calendar_feeds FOR SELECT
        USING (token_hash = app_setting('app.feed_token_hash'))`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON calendar_feeds TO peer_app`);

    await q.query(`ALTER TABLE sessions ADD COLUMN sequence integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE FUNCTION app_session_sequence() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF (NEW.title, NEW.starts_at, NEW.ends_at, NEW.time_zone, NEW.status, NEW.location, NEW.online_url)
           IS DISTINCT FROM (OLD.title, OLD.starts_at, OLD.ends_at, OLD.time_zone, OLD.status, OLD.location, OLD.online_url) THEN
          NEW.sequence := OLD.sequence + 1;
        ELSE
          NEW.sequence := OLD.sequence;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER sessions_sequence BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION app_session_sequence()`);

    await q.query(`
      ALTER TABLE groups
        ADD COLUMN publicly_listed boolean NOT NULL DEFAULT false,
        ADD COLUMN public_location text,
        ADD COLUMN public_address text,
        ADD COLUMN public_conference_url text,
        ADD COLUMN public_notes text,
        ADD CONSTRAINT groups_private_never_listed CHECK (NOT publicly_listed OR visibility <> 'PRIVATE'),
        ADD CONSTRAINT groups_public_location_length CHECK (length(public_location) <= 200),
        ADD CONSTRAINT groups_public_address_length CHECK (length(public_address) <= 500),
        ADD CONSTRAINT groups_public_conference_url_length CHECK (length(public_conference_url) <= 2000),
        ADD CONSTRAINT groups_public_notes_length CHECK (length(public_notes) <= 2000)`);
    await q.query(`CREATE INDEX groups_publicly_listed_idx ON groups (network_id, slug) WHERE publicly_listed AND archived_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX groups_publicly_listed_idx`);
    await q.query(`
      ALTER TABLE groups
        DROP CONSTRAINT groups_private_never_listed,
        DROP COLUMN publicly_listed,
        DROP COLUMN public_location,
        DROP COLUMN public_address,
        DROP COLUMN public_conference_url,
        DROP COLUMN public_notes`);
    await q.query(`DROP TRIGGER sessions_sequence ON sessions`);
    await q.query(`DROP FUNCTION app_session_sequence()`);
    await q.query(`ALTER TABLE sessions DROP COLUMN sequence`);
    await q.query(`DROP TABLE calendar_feeds`);
  }
}
