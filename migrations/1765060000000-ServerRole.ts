import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A server login role that is not the owner (issue 19, item 6). Until now the server's own connection was the schema
 * owner's, and four reads ran on it outside any tenant transaction, through the owner policies
 * (1765020000000-OwnerPolicies): the networks with due or purgeable webhook deliveries, the networks with a retention
 * period, and the first-start marker. They become SECURITY DEFINER functions owned by the owner, executable by
 * `peer_app` only, so that the server can connect as a login role whose only power is to become `peer_app` (see the
 * README, "Production database roles"): every statement of the server then runs under row-level security, and none
 * can switch it off. Each function answers ids and settings only, never tenant content.
 */
export class ServerRole1765060000000 implements MigrationInterface {
  name = 'ServerRole1765060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION app_webhook_due_networks(max_networks integer, only_networks uuid[]) RETURNS TABLE (network_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$
        SELECT d.network_id FROM webhook_deliveries d
         WHERE d.status = 'PENDING' AND d.next_attempt_at <= now() AND (only_networks IS NULL OR d.network_id = ANY (only_networks))
         GROUP BY d.network_id ORDER BY min(d.next_attempt_at) LIMIT max_networks
      $$`);
    await q.query(`
      CREATE FUNCTION app_webhook_purgeable_networks(created_before timestamptz) RETURNS TABLE (network_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$ SELECT DISTINCT d.network_id FROM webhook_deliveries d WHERE d.status <> 'PENDING' AND d.created_at < created_before $$`);
    await q.query(`
      CREATE FUNCTION app_retention_networks(only_networks uuid[])
        RETURNS TABLE (id uuid, text_retention_months integer, wellbeing_retention_months integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
      AS $$
        SELECT n.id, n.text_retention_months, n.wellbeing_retention_months FROM networks n
         WHERE (n.text_retention_months IS NOT NULL OR n.wellbeing_retention_months IS NOT NULL)
           AND (only_networks IS NULL OR n.id = ANY (only_networks))
         ORDER BY n.id
      $$`);
    await q.query(`
      CREATE FUNCTION app_claim_first_start() RETURNS boolean
      LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
      AS $$
        WITH claimed AS (INSERT INTO installation (key, value) VALUES ('initialized', now()::text) ON CONFLICT (key) DO NOTHING RETURNING key)
        SELECT count(*) > 0 FROM claimed
      $$`);
    for (const fn of [
      'app_webhook_due_networks(integer, uuid[])',
      'app_webhook_purgeable_networks(timestamptz)',
      'app_retention_networks(uuid[])',
      'app_claim_first_start()',
    ]) {
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO peer_app`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION app_claim_first_start()`);
    await q.query(`DROP FUNCTION app_retention_networks(uuid[])`);
    await q.query(`DROP FUNCTION app_webhook_purgeable_networks(timestamptz)`);
    await q.query(`DROP FUNCTION app_webhook_due_networks(integer, uuid[])`);
  }
}
