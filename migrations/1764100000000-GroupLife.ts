import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Groups, memberships, sessions, RSVPs, attendance, feedback, gratitude notes, wellbeing check-ins and
 * outreach: the life of a peer support group. Same rules as the foundation: `network_id NOT NULL` and
 * indexed, composite (network_id, id) foreign keys, row-level security enabled and forced.
 *
 * Privacy by construction:
 * - `anonymous_feedback` has no column that names a member. `dedup_key` is an HMAC of
 *   (network, session, member) under a server secret: it stops a second submission, and without the
 *   secret it links to nobody.
 * - `gratitude_notes.author_member_id` is NULL for anonymous notes (nothing else records the author).
 */
export class GroupLife1764100000000 implements MigrationInterface {
  name = 'GroupLife1764100000000';

  async up(q: QueryRunner): Promise<void> {
    // Search over name, description and topics: a generated tsvector with a GIN index. Core PostgreSQL,
    // so it works on PGlite too (pg_trgm would need an extension on both).
    // array_to_string is only STABLE in general; for text[] it is immutable, which a generated column needs.
    await q.query(`
      CREATE FUNCTION topics_text(topics text[]) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT array_to_string(topics, ' ') $$`);
    await q.query(`
      CREATE TABLE groups (
        id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id      uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        name            text NOT NULL,
        slug            text NOT NULL,
        description     text,
        objectives      text[] NOT NULL DEFAULT '{}',
        topics          text[] NOT NULL DEFAULT '{}',
        norms           text[] NOT NULL DEFAULT '{}',
        visibility      text NOT NULL DEFAULT 'NETWORK',
        format          text NOT NULL,
        capacity        integer,
        time_zone       text NOT NULL DEFAULT 'UTC',
        agenda_template jsonb NOT NULL,
        archived_at     timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        search          tsvector GENERATED ALWAYS AS (
          to_tsvector('simple', name || ' ' || coalesce(description, '') || ' ' || topics_text(topics))
        ) STORED,
        CONSTRAINT groups_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT groups_network_slug_key UNIQUE (network_id, slug),
        CONSTRAINT groups_visibility_check CHECK (visibility IN ('NETWORK', 'PRIVATE', 'PARTNERS')),
        CONSTRAINT groups_format_check CHECK (format IN ('IN_PERSON', 'ONLINE', 'HYBRID')),
        CONSTRAINT groups_capacity_check CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 10000),
        CONSTRAINT groups_name_length CHECK (length(name) BETWEEN 1 AND 200),
        CONSTRAINT groups_topics_format CHECK (topics_text(topics) ~ '^( ?[a-z0-9]+(-[a-z0-9]+)*)*$')
      )`);
    await q.query(`CREATE INDEX groups_network_name_idx ON groups (network_id, name, id)`);
    await q.query(`CREATE INDEX groups_topics_idx ON groups USING gin (topics)`);
    await q.query(`CREATE INDEX groups_search_idx ON groups USING gin (search)`);

    await q.query(`
      CREATE TABLE memberships (
        id                uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id        uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        group_id          uuid NOT NULL,
        member_id         uuid NOT NULL,
        role              text NOT NULL DEFAULT 'MEMBER',
        status            text NOT NULL DEFAULT 'ACTIVE',
        joined_at         timestamptz NOT NULL DEFAULT now(),
        norms_accepted_at timestamptz,
        left_at           timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT memberships_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT memberships_group_member_key UNIQUE (network_id, group_id, member_id),
        CONSTRAINT memberships_role_check CHECK (role IN ('FACILITATOR', 'MEMBER')),
        CONSTRAINT memberships_status_check CHECK (status IN ('ACTIVE', 'PAUSED', 'LEFT')),
        CONSTRAINT memberships_group_fkey FOREIGN KEY (network_id, group_id) REFERENCES groups (network_id, id) ON DELETE CASCADE,
        CONSTRAINT memberships_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX memberships_group_idx ON memberships (network_id, group_id, status)`);
    await q.query(`CREATE INDEX memberships_member_idx ON memberships (network_id, member_id, status)`);

    await q.query(`
      CREATE TABLE sessions (
        id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id    uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        group_id      uuid NOT NULL,
        series_id     uuid,
        title         text NOT NULL,
        starts_at     timestamptz NOT NULL,
        ends_at       timestamptz NOT NULL,
        time_zone     text NOT NULL,
        status        text NOT NULL DEFAULT 'SCHEDULED',
        capacity      integer,
        location      text,
        online_url    text,
        agenda        jsonb NOT NULL,
        cancel_reason text,
        started_at    timestamptz,
        ended_at      timestamptz,
        cancelled_at  timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sessions_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT sessions_status_check CHECK (status IN ('SCHEDULED', 'LIVE', 'COMPLETED', 'CANCELLED')),
        CONSTRAINT sessions_time_order CHECK (ends_at > starts_at),
        CONSTRAINT sessions_capacity_check CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 10000),
        CONSTRAINT sessions_group_fkey FOREIGN KEY (network_id, group_id) REFERENCES groups (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX sessions_group_starts_idx ON sessions (network_id, group_id, starts_at, id)`);
    await q.query(`CREATE INDEX sessions_upcoming_idx ON sessions (network_id, starts_at, id) WHERE status IN ('SCHEDULED', 'LIVE')`);

    await q.query(`
      CREATE TABLE rsvps (
        id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        session_id   uuid NOT NULL,
        member_id    uuid NOT NULL,
        status       text NOT NULL,
        responded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT rsvps_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT rsvps_session_member_key UNIQUE (network_id, session_id, member_id),
        CONSTRAINT rsvps_status_check CHECK (status IN ('GOING', 'MAYBE', 'NOT_GOING', 'WAITLISTED')),
        CONSTRAINT rsvps_session_fkey FOREIGN KEY (network_id, session_id) REFERENCES sessions (network_id, id) ON DELETE CASCADE,
        CONSTRAINT rsvps_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX rsvps_session_status_idx ON rsvps (network_id, session_id, status, responded_at)`);

    await q.query(`
      CREATE TABLE attendance (
        id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id    uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        session_id    uuid NOT NULL,
        group_id      uuid NOT NULL,
        member_id     uuid NOT NULL,
        status        text NOT NULL,
        checked_in_at timestamptz,
        first_session boolean NOT NULL DEFAULT false,
        mood_before   smallint,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT attendance_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT attendance_session_member_key UNIQUE (network_id, session_id, member_id),
        CONSTRAINT attendance_status_check CHECK (status IN ('PRESENT', 'LATE', 'EXCUSED', 'ABSENT')),
        CONSTRAINT attendance_mood_before_check CHECK (mood_before BETWEEN 1 AND 5),
        CONSTRAINT attendance_session_fkey FOREIGN KEY (network_id, session_id) REFERENCES sessions (network_id, id) ON DELETE CASCADE,
        CONSTRAINT attendance_group_fkey FOREIGN KEY (network_id, group_id) REFERENCES groups (network_id, id) ON DELETE CASCADE,
        CONSTRAINT attendance_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX attendance_member_group_idx ON attendance (network_id, member_id, group_id)`);

    await q.query(`
      CREATE TABLE feedback (
        id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        session_id   uuid NOT NULL,
        member_id    uuid NOT NULL,
        rating       smallint NOT NULL,
        mood_after   smallint,
        comment      text,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT feedback_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT feedback_session_member_key UNIQUE (network_id, session_id, member_id),
        CONSTRAINT feedback_rating_check CHECK (rating BETWEEN 1 AND 5),
        CONSTRAINT feedback_mood_after_check CHECK (mood_after BETWEEN 1 AND 5),
        CONSTRAINT feedback_comment_length CHECK (length(comment) <= 2000),
        CONSTRAINT feedback_session_fkey FOREIGN KEY (network_id, session_id) REFERENCES sessions (network_id, id) ON DELETE CASCADE,
        CONSTRAINT feedback_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE anonymous_feedback (
        id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        session_id   uuid NOT NULL,
        dedup_key    bytea NOT NULL,
        rating       smallint NOT NULL,
        mood_after   smallint,
        comment      text,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT anonymous_feedback_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT anonymous_feedback_dedup_key UNIQUE (network_id, dedup_key),
        CONSTRAINT anonymous_feedback_rating_check CHECK (rating BETWEEN 1 AND 5),
        CONSTRAINT anonymous_feedback_mood_after_check CHECK (mood_after BETWEEN 1 AND 5),
        CONSTRAINT anonymous_feedback_comment_length CHECK (length(comment) <= 2000),
        CONSTRAINT anonymous_feedback_session_fkey FOREIGN KEY (network_id, session_id) REFERENCES sessions (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX anonymous_feedback_session_idx ON anonymous_feedback (network_id, session_id)`);

    await q.query(`
      CREATE TABLE gratitude_notes (
        id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id       uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        session_id       uuid NOT NULL,
        author_member_id uuid,
        text             text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT gratitude_notes_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT gratitude_notes_text_length CHECK (length(text) BETWEEN 1 AND 500),
        CONSTRAINT gratitude_notes_session_fkey FOREIGN KEY (network_id, session_id) REFERENCES sessions (network_id, id) ON DELETE CASCADE,
        CONSTRAINT gratitude_notes_author_fkey FOREIGN KEY (network_id, author_member_id)
          REFERENCES members (network_id, id) ON DELETE SET NULL (author_member_id)
      )`);
    await q.query(`CREATE INDEX gratitude_notes_session_idx ON gratitude_notes (network_id, session_id, created_at, id)`);

    await q.query(`
      CREATE TABLE wellbeing_checkins (
        id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        member_id   uuid NOT NULL,
        session_id  uuid,
        wellbeing   smallint NOT NULL,
        confidence  smallint NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT wellbeing_checkins_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT wellbeing_checkins_wellbeing_check CHECK (wellbeing BETWEEN 1 AND 10),
        CONSTRAINT wellbeing_checkins_confidence_check CHECK (confidence BETWEEN 1 AND 10),
        CONSTRAINT wellbeing_checkins_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE,
        CONSTRAINT wellbeing_checkins_session_fkey FOREIGN KEY (network_id, session_id)
          REFERENCES sessions (network_id, id) ON DELETE SET NULL (session_id)
      )`);
    await q.query(`CREATE INDEX wellbeing_checkins_member_idx ON wellbeing_checkins (network_id, member_id, recorded_at, id)`);

    await q.query(`
      CREATE TABLE outreach (
        id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id    uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        membership_id uuid NOT NULL,
        by_member_id  uuid,
        channel       text NOT NULL,
        note          text,
        outcome       text,
        at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT outreach_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT outreach_channel_check CHECK (channel IN ('MESSAGE', 'CALL', 'IN_PERSON', 'EMAIL', 'OTHER')),
        CONSTRAINT outreach_note_length CHECK (length(note) <= 2000 AND length(outcome) <= 500),
        CONSTRAINT outreach_membership_fkey FOREIGN KEY (network_id, membership_id)
          REFERENCES memberships (network_id, id) ON DELETE CASCADE,
        CONSTRAINT outreach_by_fkey FOREIGN KEY (network_id, by_member_id)
          REFERENCES members (network_id, id) ON DELETE SET NULL (by_member_id)
      )`);
    await q.query(`CREATE INDEX outreach_membership_idx ON outreach (network_id, membership_id, at)`);

    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY ${table}_tenant ON ${table}
          USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO peer_app`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await q.query(`DROP TABLE ${table}`);
    await q.query(`DROP FUNCTION topics_text(text[])`);
  }
}

const TABLES = [
  'groups',
  'memberships',
  'sessions',
  'rsvps',
  'attendance',
  'feedback',
  'anonymous_feedback',
  'gratitude_notes',
  'wellbeing_checkins',
  'outreach',
];
