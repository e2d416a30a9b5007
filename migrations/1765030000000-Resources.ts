import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A group's shared resources (issue 16, item 1; README "Shared resources").
 *
 * - `resources`: what members share between sessions (a coping strategy, a link, a reading, a local service). It has
 *   NO column that names a member and no foreign key to `members`: the content, its moderation (pinned, hidden and by
 *   which role, never by whom) and its sharing with partner networks. `anonymous` says whether it was posted without
 *   a name. Anonymous rows keep their time only to the hour (as anonymous feedback). Requests may change only the
 *   moderation and sharing columns (column grants): never `anonymous`, never the content.
 * - `resource_authors`: the author of a named resource, one row per resource. Its foreign key to `resources` includes
 *   `anonymous`, and a CHECK holds `anonymous` false: a row can only ever point at a resource posted with a name, so an
 *   anonymous resource cannot carry an author, by the catalog (test/resources/anonymous.test.ts reads it). The member
 *   key has no cascade: erasure deletes the member's named resources first (src/modules/privacy/erase.service.ts).
 * - `resource_helpful_marks`: who found a resource helpful, one row per member and resource (so marking is
 *   idempotent); the API shows only the count. Goes with the member (cascade) and with the resource.
 * - `resource_reports`: a member's report of a resource (reason), one per member and resource (a second report
 *   changes nothing); facilitators see reasons and the count, never who reported. Its time is kept to the hour.
 * - Row-level security as everywhere (enabled, forced, tenant policy, owner policy). `resources` has one more SELECT
 *   policy, `resources_partner_directory`: a resource a facilitator shared with partners, not hidden, of a group in the
 *   partner directory (visibility PARTNERS, not archived), of a network with an ACTIVE partnership sharing
 *   GROUP_DIRECTORY with the caller's (the `groups_partner_directory` rule; revocation ends it at once).
 */
export class Resources1765030000000 implements MigrationInterface {
  name = 'Resources1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE resources (
        id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        group_id     uuid NOT NULL,
        kind         text NOT NULL,
        title        text NOT NULL,
        body         text,
        url          text,
        topics       text[] NOT NULL DEFAULT '{}',
        anonymous    boolean NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        pinned_at    timestamptz,
        hidden_at    timestamptz,
        hidden_by    text,
        shared_at    timestamptz,
        CONSTRAINT resources_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT resources_network_id_id_anonymous_key UNIQUE (network_id, id, anonymous),
        CONSTRAINT resources_kind_check CHECK (kind IN ('COPING_STRATEGY', 'LINK', 'READING', 'LOCAL_SERVICE')),
        CONSTRAINT resources_title_length CHECK (length(title) BETWEEN 1 AND 200),
        CONSTRAINT resources_body_length CHECK (length(body) <= 5000),
        CONSTRAINT resources_url_length CHECK (length(url) <= 2000),
        CONSTRAINT resources_body_or_url CHECK (body IS NOT NULL OR url IS NOT NULL),
        CONSTRAINT resources_topics_size CHECK (cardinality(topics) <= 10),
        CONSTRAINT resources_hidden_by_check CHECK ((hidden_at IS NULL) = (hidden_by IS NULL)
                                                    AND (hidden_by IS NULL OR hidden_by IN ('FACILITATOR', 'COORDINATOR', 'ADMIN', 'API_KEY'))),
        CONSTRAINT resources_group_fkey FOREIGN KEY (network_id, group_id) REFERENCES groups (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX resources_group_created_idx ON resources (network_id, group_id, created_at DESC, id)`);
    await q.query(`CREATE INDEX resources_topics_idx ON resources USING gin (topics)`);
    await q.query(`CREATE INDEX resources_shared_idx ON resources (network_id, created_at DESC, id) WHERE shared_at IS NOT NULL AND hidden_at IS NULL`);

    await q.query(`
      CREATE TABLE resource_authors (
        network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        resource_id uuid NOT NULL,
        member_id   uuid NOT NULL,
        anonymous   boolean NOT NULL DEFAULT false,
        CONSTRAINT resource_authors_pkey PRIMARY KEY (network_id, resource_id),
        CONSTRAINT resource_authors_named_only CHECK (NOT anonymous),
        CONSTRAINT resource_authors_resource_fkey FOREIGN KEY (network_id, resource_id, anonymous)
          REFERENCES resources (network_id, id, anonymous) ON DELETE CASCADE,
        CONSTRAINT resource_authors_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id)
      )`);
    await q.query(`CREATE INDEX resource_authors_member_idx ON resource_authors (network_id, member_id)`);

    await q.query(`
      CREATE TABLE resource_helpful_marks (
        network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        resource_id uuid NOT NULL,
        member_id   uuid NOT NULL,
        marked_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT resource_helpful_marks_pkey PRIMARY KEY (network_id, resource_id, member_id),
        CONSTRAINT resource_helpful_marks_resource_fkey FOREIGN KEY (network_id, resource_id) REFERENCES resources (network_id, id) ON DELETE CASCADE,
        CONSTRAINT resource_helpful_marks_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX resource_helpful_marks_member_idx ON resource_helpful_marks (network_id, member_id)`);

    await q.query(`
      CREATE TABLE resource_reports (
        id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
        network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
        resource_id uuid NOT NULL,
        member_id   uuid NOT NULL,
        reason      text,
        reported_at timestamptz NOT NULL DEFAULT date_trunc('hour', now()),
        CONSTRAINT resource_reports_network_id_id_key UNIQUE (network_id, id),
        CONSTRAINT resource_reports_once UNIQUE (network_id, resource_id, member_id),
        CONSTRAINT resource_reports_reason_length CHECK (length(reason) <= 500),
        CONSTRAINT resource_reports_resource_fkey FOREIGN KEY (network_id, resource_id) REFERENCES resources (network_id, id) ON DELETE CASCADE,
        CONSTRAINT resource_reports_member_fkey FOREIGN KEY (network_id, member_id) REFERENCES members (network_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX resource_reports_resource_idx ON resource_reports (network_id, resource_id, reported_at DESC, id)`);
    await q.query(`CREATE INDEX resource_reports_member_idx ON resource_reports (network_id, member_id)`);

    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY ${table}_tenant ON ${table} USING (network_id = app_current_network()) WITH CHECK (network_id = app_current_network())`);
      await q.query(`CREATE POLICY ${table}_owner ON ${table} TO CURRENT_USER USING (true) WITH CHECK (true)`);
    }
    await q.query(`
      CREATE POLICY resources_partner_directory ON resources FOR SELECT
        USING (shared_at IS NOT NULL AND hidden_at IS NULL AND app_partner_shares(network_id, 'GROUP_DIRECTORY')
               AND EXISTS (SELECT 1 FROM groups g WHERE g.network_id = resources.network_id AND g.id = resources.group_id
                                                   AND g.visibility = 'PARTNERS' AND g.archived_at IS NULL))`);

    // Content and `anonymous` never change once posted; moderation and sharing do. Erasure deletes named resources.
    await q.query(`GRANT SELECT, INSERT, DELETE ON resources TO peer_app`);
    await q.query(`GRANT UPDATE (pinned_at, hidden_at, hidden_by, shared_at) ON resources TO peer_app`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON resource_authors, resource_helpful_marks, resource_reports TO peer_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await q.query(`DROP TABLE ${table}`);
  }
}

const TABLES = ['resources', 'resource_authors', 'resource_helpful_marks', 'resource_reports'] as const;
