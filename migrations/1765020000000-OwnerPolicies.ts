import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The owner role sees and writes every row, as a superuser would: found with a non-superuser owner (managed
 * PostgreSQL hosts give no superuser and no BYPASSRLS), where FORCE ROW LEVEL SECURITY applied the tenant policies to
 * the owner too and broke what runs as the owner across networks:
 *
 * - the SECURITY DEFINER functions that write to another network by design, after checking the caller is a party:
 *   `app_audit_partner` (an entry in the partner's audit log: `requestPartnership` failed with "new row violates
 *   row-level security policy for table audit_log"), `app_webhook_emit` (events for the other party of a
 *   partnership or joint event), and the joint-event functions that read the other parties' rows;
 * - the background jobs that list networks on the login connection before they open one tenant transaction per
 *   network (retention purge, webhook dispatcher).
 *
 * Each table with row-level security gets one policy `<table>_owner` for the role that runs the migrations (the
 * owner, who could switch row-level security off anyway). Requests are unaffected: they run as `peer_app`, whose
 * policies are unchanged. Tables that come later add their own (see the RLS backstop test).
 */
export class OwnerPolicies1765020000000 implements MigrationInterface {
  name = 'OwnerPolicies1765020000000';

  async up(q: QueryRunner): Promise<void> {
    const tables: Array<{ name: string }> = await q.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity ORDER BY 1`,
    );
    for (const { name } of tables) {
      await q.query(`CREATE POLICY ${name}_owner ON ${name} TO CURRENT_USER USING (true) WITH CHECK (true)`);
    }
    // Superseded by the owner policies (above).
    await q.query(`DROP POLICY IF EXISTS networks_owner_lists ON networks`);
    await q.query(`DROP POLICY IF EXISTS webhook_deliveries_owner_lists ON webhook_deliveries`);
  }

  async down(q: QueryRunner): Promise<void> {
    const policies: Array<{ table: string; policy: string }> = await q.query(
      `SELECT tablename AS table, policyname AS policy FROM pg_policies WHERE schemaname = 'public' AND policyname = tablename || '_owner'`,
    );
    for (const { table, policy } of policies) await q.query(`DROP POLICY ${policy} ON ${table}`);
    await q.query(`CREATE POLICY networks_owner_lists ON networks FOR SELECT TO CURRENT_USER USING (true)`);
    await q.query(`CREATE POLICY webhook_deliveries_owner_lists ON webhook_deliveries FOR SELECT TO CURRENT_USER USING (true)`);
  }
}
