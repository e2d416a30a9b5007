import { execute, queryRows } from '../../db/sql';
import { withTenant } from '../../db/tenant';
import type { DataSource } from 'typeorm';

/** What one purge removed in one network. */
export interface PurgeCounts {
  /** Feedback comments set to null (the rating and mood stay). */
  feedbackComments: number;
  /** Outreach records whose note and outcome were set to null (the record, its channel and time stay). */
  outreachNotes: number;
  /** Gratitude notes deleted (a note is its text: nothing would be left of it). */
  gratitudeNotes: number;
  /** Wellbeing check-ins deleted. */
  wellbeingCheckIns: number;
}

export interface PurgeOptions {
  /** The purge's clock: data older than its retention period before `now` goes. Tests pass their own. */
  now?: Date;
  /** Rows per statement; each batch is its own short transaction. */
  batchSize?: number;
  /** Only these networks (tests, which share one database with other tests); every network when absent. */
  networks?: readonly string[];
  /** Asked between batches: true stops the purge early (server shutdown). */
  stopped?: () => boolean;
}

/** Actor of the purge's audit entries: the server itself, not a member or key. */
export const RETENTION_ACTOR = 'system:retention';

const DEFAULT_BATCH_SIZE = 500;

/**
 * One statement per kind of data, each removing at most `$3` rows older than `$2` (cutoff) in network `$1`.
 * Rows are picked `FOR UPDATE SKIP LOCKED`: a purge running at the same time (another instance) skips the rows
 * this one holds, and once this one commits they no longer match (PostgreSQL re-checks the condition on the
 * newest row version), so no row is ever counted twice. Short batches keep row locks brief for requests.
 */
const STATEMENTS: Record<keyof PurgeCounts, { setting: 'text' | 'wellbeing'; sql: string }> = {
  feedbackComments: {
    setting: 'text',
    sql: `UPDATE feedback SET comment = NULL WHERE id IN (
            SELECT id FROM feedback WHERE network_id = $1 AND comment IS NOT NULL AND submitted_at < $2
            LIMIT $3 FOR UPDATE SKIP LOCKED)`,
  },
  outreachNotes: {
    setting: 'text',
    sql: `UPDATE outreach SET note = NULL, outcome = NULL WHERE id IN (
            SELECT id FROM outreach WHERE network_id = $1 AND (note IS NOT NULL OR outcome IS NOT NULL) AND at < $2
            LIMIT $3 FOR UPDATE SKIP LOCKED)`,
  },
  gratitudeNotes: {
    setting: 'text',
    sql: `DELETE FROM gratitude_notes WHERE id IN (
            SELECT id FROM gratitude_notes WHERE network_id = $1 AND created_at < $2
            LIMIT $3 FOR UPDATE SKIP LOCKED)`,
  },
  wellbeingCheckIns: {
    setting: 'wellbeing',
    sql: `DELETE FROM wellbeing_checkins WHERE id IN (
            SELECT id FROM wellbeing_checkins WHERE network_id = $1 AND recorded_at < $2
            LIMIT $3 FOR UPDATE SKIP LOCKED)`,
  },
};

interface NetworkRetention {
  id: string;
  text_retention_months: number | null;
  wellbeing_retention_months: number | null;
}

/** `now` minus calendar months in UTC; a day past the target month's end clamps to its last day (as PostgreSQL's interval arithmetic). */
function cutoff(now: Date, months: number): Date {
  const d = new Date(now);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

/**
 * Removes what is past its retention period in every network that has one, and writes what it removed (counts
 * only) to each network's audit log as `retention.purged`. Each batch runs in its own tenant transaction (as the
 * app role, row-level security on). Returns the counts per network id (networks with nothing removed omitted).
 */
export async function purgeExpired(dataSource: DataSource, options: PurgeOptions = {}): Promise<Map<string, PurgeCounts>> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  // The one read across networks, through a SECURITY DEFINER function (ids and settings only; migration
  // 1765060000000-ServerRole), in a transaction as the app role.
  const networks = await withTenant(dataSource, null, (m) =>
    queryRows<NetworkRetention>(m, `SELECT id, text_retention_months, wellbeing_retention_months FROM app_retention_networks($1)`, [options.networks ?? null]),
  );
  const result = new Map<string, PurgeCounts>();
  for (const network of networks) {
    if (options.stopped?.()) break;
    const counts = await purgeNetwork(dataSource, network, now, batchSize, options.stopped);
    if (Object.values(counts).some((n) => n > 0)) {
      result.set(network.id, counts);
      await withTenant(dataSource, network.id, (manager) =>
        execute(manager, `INSERT INTO audit_log (network_id, actor, action, target_type, target_id, details) VALUES ($1, $2, $3, 'Network', $1, $4::jsonb)`, [
          network.id,
          RETENTION_ACTOR,
          'retention.purged',
          JSON.stringify({
            ...counts,
            before: { text: cutoffOf(now, network.text_retention_months), wellbeing: cutoffOf(now, network.wellbeing_retention_months) },
          }),
        ]),
      );
    }
  }
  return result;
}

const cutoffOf = (now: Date, months: number | null) => (months === null ? null : cutoff(now, months).toISOString());

async function purgeNetwork(dataSource: DataSource, network: NetworkRetention, now: Date, batchSize: number, stopped?: () => boolean): Promise<PurgeCounts> {
  const counts: PurgeCounts = { feedbackComments: 0, outreachNotes: 0, gratitudeNotes: 0, wellbeingCheckIns: 0 };
  for (const [kind, { setting, sql }] of Object.entries(STATEMENTS) as Array<[keyof PurgeCounts, (typeof STATEMENTS)[keyof PurgeCounts]]>) {
    const months = setting === 'text' ? network.text_retention_months : network.wellbeing_retention_months;
    if (months === null) continue;
    const before = cutoff(now, months);
    for (;;) {
      if (stopped?.()) return counts;
      const removed = await withTenant(dataSource, network.id, (manager) => execute(manager, sql, [network.id, before, batchSize]));
      counts[kind] += removed;
      if (removed < batchSize) break;
    }
  }
  return counts;
}
