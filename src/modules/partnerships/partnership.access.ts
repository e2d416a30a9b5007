import { selectList } from '../../db/rows';
import { queryEntities } from '../../db/sql';
import { Partnership, PartnershipScope } from './partnership.entity';
import type { Scope } from '../../db/tenant';

/**
 * The partnership rules other features use (joint events, the partner directory, federation): written once
 * here. Row-level security and the database functions (`app_partner_shares`, `app_withdraw_partner`) agree.
 */

/**
 * SQL: partnership row `p` is between networks `a` and `b`, either side requesting (SQL expressions, e.g.
 * `$1`, `g.network_id`). In the form of the `partnerships_live_pair_key` index.
 */
export const partnershipBetweenSql = (a: string, b: string, p = 'p'): string =>
  `(least(${p}.requester_network_id, ${p}.partner_network_id) = least(${a}::uuid, ${b}::uuid)
    AND greatest(${p}.requester_network_id, ${p}.partner_network_id) = greatest(${a}::uuid, ${b}::uuid))`;

/** SQL: networks `a` and `b` have an ACTIVE partnership (that shares `scope`, when given). */
export const activePartnershipSql = (a: string, b: string, scope?: PartnershipScope): string =>
  `EXISTS (SELECT 1 FROM partnerships p WHERE p.status = 'ACTIVE' AND ${partnershipBetweenSql(a, b)}
           ${scope ? `AND '${scope}' = ANY (p.scopes)` : ''})`;

/** The partnership between the scope's network and another: the ACTIVE one if any, else the newest; null if none ever. */
export async function partnershipWith(scope: Scope, other: string): Promise<Partnership | null> {
  const [p] = await queryEntities(
    scope.manager,
    Partnership,
    `SELECT ${selectList(scope.manager.connection, Partnership, 'p')} FROM partnerships p
     WHERE ${partnershipBetweenSql('$1', '$2')}
     ORDER BY (p.status = 'ACTIVE') DESC, p.created_at DESC LIMIT 1`,
    [scope.networkId, other],
  );
  return p ?? null;
}
