import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Row-level security whose cost grows with the tenant, not with the platform (issue 18, item 4).
 *
 * Found: the permissive policies of a table are OR-ed, and the cross-network ones called a function per row
 * (`groups`: tenant OR `app_partner_shares(network_id, …)` OR `app_group_in_shared_event(id)`). No index serves such
 * an OR, so any statement on `groups` without its own `network_id` filter read every network's groups and ran two
 * functions on each (13.6–52 ms for 200 rows of 2,000 on the bench data; README, Architecture, item 5).
 *
 * What changes, the visibility staying exactly the same:
 *
 * 1. Each cross-network policy compares a column with a SET computed once per statement, instead of calling a
 *    function per row: `network_id = ANY ((SELECT app_partners_sharing('GROUP_DIRECTORY'))::uuid[])`,
 *    `id = ANY ((SELECT app_joint_event_group_ids())::uuid[])`. The scalar subquery becomes an InitPlan; the
 *    comparison is an index condition, so every arm of the OR has an index and the planner combines them
 *    (BitmapOr): the tenant's rows by `network_id`, its partners' directory groups by the partial index below,
 *    the groups of its joint events by primary key. Same for `resources` (partners' shared resources, their
 *    partial index), `networks` (partners by primary key) and the joint-event tables (events by id). The sets are
 *    the old per-row rules written once as sets, in SECURITY DEFINER functions (STABLE, search_path pinned,
 *    EXECUTE for `peer_app` only), each keyed by the caller's network (`app_current_network()`).
 * 2. Every policy reads the settings through a scalar subquery, `(SELECT app_current_network())` and
 *    `(SELECT app_setting(…))`: evaluated once per statement (an InitPlan), not per row. Done for all policies by
 *    rewriting their stored expressions (pg_policies), so it cannot miss one; new policies are written that way
 *    (test/performance/rls-plans.test.ts checks there is no bare call).
 *
 * Why not move partner visibility out of row-level security (definer functions or views used by those features
 * only, with a tenant-only policy on `groups`)? The partner directory, joint events and shared resources are read
 * through row-level security by design: the isolation tests assert that a partner's transaction sees exactly the
 * shared, unarchived PARTNERS groups and shared resources, and the feature queries state their rule and let RLS
 * agree. Keeping the policies and making each arm indexable keeps that contract, changes no application SQL, and
 * gives the index plan as well (a RESTRICTIVE tenant policy would hide partners' rows altogether).
 *
 * `app_partner_shares`, `app_joint_event_party` and `app_joint_event_host` keep their callers (feature SQL, the counts
 * functions, the write policies: one row at a time). `app_group_in_shared_event` and `app_has_partnership_with` have
 * none left; they stay, unchanged, so that `down` restores the policies alone.
 */

/** Owner-only definer functions returning the sets the cross-network policies compare with. */
const SET_FUNCTIONS = `
  CREATE FUNCTION app_partners_sharing(scope text) RETURNS uuid[]
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
  AS $$ BEGIN
    -- The networks with an ACTIVE partnership with the caller's that shares scope (app_partner_shares as a set).
    RETURN ARRAY(SELECT CASE WHEN p.requester_network_id = app_current_network() THEN p.partner_network_id ELSE p.requester_network_id END
                   FROM partnerships p
                  WHERE p.status = 'ACTIVE' AND scope = ANY (p.scopes)
                    AND app_current_network() IN (p.requester_network_id, p.partner_network_id));
  END $$;

  CREATE FUNCTION app_partnered_networks() RETURNS uuid[]
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
  AS $$ BEGIN
    -- The networks with a partnership of any status with the caller's: their names show in its lists.
    RETURN ARRAY(SELECT CASE WHEN p.requester_network_id = app_current_network() THEN p.partner_network_id ELSE p.requester_network_id END
                   FROM partnerships p
                  WHERE app_current_network() IN (p.requester_network_id, p.partner_network_id));
  END $$;

  CREATE FUNCTION app_party_joint_events() RETURNS uuid[]
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
  AS $$ BEGIN
    -- The joint events the caller's network is a party to (app_joint_event_party as a set): it hosts them, or is
    -- invited and has not declined or been withdrawn.
    RETURN ARRAY(SELECT e.id FROM joint_events e WHERE e.host_network_id = app_current_network()
                 UNION
                 SELECT p.joint_event_id FROM joint_event_participants p
                  WHERE p.network_id = app_current_network() AND p.status IN ('INVITED', 'ACCEPTED'));
  END $$;

  CREATE FUNCTION app_joint_event_group_ids() RETURNS uuid[]
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
  AS $$ BEGIN
    -- The groups taking part in those joint events (app_group_in_shared_event as a set).
    RETURN ARRAY(SELECT DISTINCT jg.group_id FROM joint_event_groups jg WHERE jg.joint_event_id = ANY (app_party_joint_events()));
  END $$;

  REVOKE ALL ON FUNCTION app_partners_sharing(text), app_partnered_networks(), app_party_joint_events(), app_joint_event_group_ids() FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION app_partners_sharing(text), app_partnered_networks(), app_party_joint_events(), app_joint_event_group_ids() TO peer_app`;

/** The cross-network policies: [table, policy, USING after, USING before]. Settings are wrapped afterwards (below). */
const CROSS_NETWORK: Array<[string, string, string, string]> = [
  [
    'groups',
    'groups_partner_directory',
    `visibility = 'PARTNERS' AND archived_at IS NULL AND network_id = ANY ((SELECT app_partners_sharing('GROUP_DIRECTORY'))::uuid[])`,
    `visibility = 'PARTNERS' AND archived_at IS NULL AND app_partner_shares(network_id, 'GROUP_DIRECTORY')`,
  ],
  ['groups', 'groups_joint_events', `id = ANY ((SELECT app_joint_event_group_ids())::uuid[])`, `app_group_in_shared_event(id)`],
  [
    'resources',
    'resources_partner_directory',
    `shared_at IS NOT NULL AND hidden_at IS NULL AND network_id = ANY ((SELECT app_partners_sharing('GROUP_DIRECTORY'))::uuid[])
     AND EXISTS (SELECT 1 FROM groups g WHERE g.network_id = resources.network_id AND g.id = resources.group_id
                                          AND g.visibility = 'PARTNERS' AND g.archived_at IS NULL)`,
    `shared_at IS NOT NULL AND hidden_at IS NULL AND app_partner_shares(network_id, 'GROUP_DIRECTORY')
     AND EXISTS (SELECT 1 FROM groups g WHERE g.network_id = resources.network_id AND g.id = resources.group_id
                                          AND g.visibility = 'PARTNERS' AND g.archived_at IS NULL)`,
  ],
  ['networks', 'networks_partners', `id = ANY ((SELECT app_partnered_networks())::uuid[])`, `app_has_partnership_with(id)`],
  // The host condition first: a row inserted by the same statement is in no set computed before it.
  [
    'joint_events',
    'joint_events_parties',
    `host_network_id = app_current_network() OR id = ANY ((SELECT app_party_joint_events())::uuid[])`,
    `host_network_id = app_current_network() OR app_joint_event_party(id)`,
  ],
  [
    'joint_event_participants',
    'joint_event_participants_parties',
    `joint_event_id = ANY ((SELECT app_party_joint_events())::uuid[])`,
    `app_joint_event_party(joint_event_id)`,
  ],
  [
    'joint_event_groups',
    'joint_event_groups_parties',
    `joint_event_id = ANY ((SELECT app_party_joint_events())::uuid[])`,
    `app_joint_event_party(joint_event_id)`,
  ],
];

/**
 * A bare call of a setting function in a stored policy expression, and its once-per-statement form. PostgreSQL
 * prints `(SELECT f())` back as `( SELECT f() AS f)`.
 */
const SETTING_CALL = String.raw`(app_current_network\(\)|app_setting\('(?:[^']|'')*'::text\))`;
const wrap = (expr: string) => expr.replace(new RegExp(String.raw`(?<!SELECT )\b${SETTING_CALL}`, 'g'), '(SELECT $1)');
const unwrap = (expr: string) => expr.replace(new RegExp(String.raw`\(\s*SELECT ${SETTING_CALL}(?: AS \w+)?\)`, 'g'), '$1');

/** Rewrites every policy of the schema with `rewrite` applied to its USING and WITH CHECK expressions. */
async function rewritePolicies(q: QueryRunner, rewrite: (expr: string) => string): Promise<void> {
  const policies: Array<{ table: string; policy: string; qual: string | null; check: string | null }> = await q.query(
    `SELECT tablename AS table, policyname AS policy, qual, with_check AS check FROM pg_policies WHERE schemaname = 'public' ORDER BY 1, 2`,
  );
  for (const { table, policy, qual, check } of policies) {
    const using = qual === null ? null : rewrite(qual);
    const withCheck = check === null ? null : rewrite(check);
    if (using === qual && withCheck === check) continue;
    await q.query(
      `ALTER POLICY "${policy}" ON "${table}"${using === null ? '' : ` USING (${using})`}${withCheck === null ? '' : ` WITH CHECK (${withCheck})`}`,
    );
  }
}

export class TenantScaledPolicies1765050000000 implements MigrationInterface {
  name = 'TenantScaledPolicies1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(SET_FUNCTIONS);
    // The partner directory's own index: the partners' arm of `groups` reads only their directory groups.
    await q.query(`CREATE INDEX groups_partner_directory_idx ON groups (network_id) WHERE visibility = 'PARTNERS' AND archived_at IS NULL`);
    for (const [table, policy, using] of CROSS_NETWORK) await q.query(`ALTER POLICY ${policy} ON ${table} USING (${using})`);
    await rewritePolicies(q, wrap);
  }

  async down(q: QueryRunner): Promise<void> {
    await rewritePolicies(q, unwrap);
    for (const [table, policy, , using] of CROSS_NETWORK) await q.query(`ALTER POLICY ${policy} ON ${table} USING (${using})`);
    await q.query(`DROP INDEX groups_partner_directory_idx`);
    await q.query(`DROP FUNCTION app_joint_event_group_ids(), app_party_joint_events(), app_partnered_networks(), app_partners_sharing(text)`);
  }
}
