import DataLoader from 'dataloader';
import { selectList } from '../../db/rows';
import { queryEntities, queryOne, queryRows, type Row } from '../../db/sql';
import { paginate, type Connection, type ConnectionArgs } from '../../graphql/connection';
import { badInput, conflict, forbidden, notFound } from '../../graphql/errors';
import { publishOnCommit } from '../../realtime/live';
import { auditBothParties } from '../audit/audit.service';
import { prefixQuery } from '../groups/group.service';
import { JOINT_EVENT_PARTY_SQL, withdrawPartnerFromJointEvents } from '../joint-events/joint-event.service';
import { Network } from '../networks/network.entity';
import { emitWebhookEvent } from '../webhooks/webhook.emit';
import { WebhookEventType } from '../webhooks/webhook.types';
import { activePartnershipSql, partnershipBetweenSql } from './partnership.access';
import { Partnership, PartnershipScope, PartnershipStatus, SHARED_GROUP_COLUMNS, SharedGroup, toSharedGroup, type SharedGroupRow } from './partnership.entity';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';

/**
 * Partnerships between networks. A partnership row belongs to two networks; row-level security shows it
 * to exactly those two, and every query here says so too (`$1 IN (requester, partner)`).
 */

const LIVE = [PartnershipStatus.PENDING, PartnershipStatus.ACTIVE];

/** Partnerships of the caller's network by id, one statement per batch; null when not a party. Viewer-independent. */
export function partnershipLoader(ctx: Context): DataLoader<string, Partnership | null> {
  return ctx.loaders.keyed(
    'partnerships-by-id',
    (manager, networkId) => {
      return new DataLoader<string, Partnership | null>(async (ids) => {
        const found = await queryEntities(
          manager,
          Partnership,
          `SELECT ${selectList(manager.connection, Partnership)} FROM partnerships
         WHERE id = ANY($2) AND $1 IN (requester_network_id, partner_network_id)`,
          [networkId, ids],
        );
        const byId = new Map(found.map((p) => [p.id, p]));
        return ids.map((id) => byId.get(id) ?? null);
      });
    },
    { viewerIndependent: true },
  );
}

/** A partnership the caller's network is party to, locked for a change; NOT_FOUND otherwise. */
async function findOwnPartnershipForUpdate(ctx: Context, id: string | undefined): Promise<Partnership> {
  if (!id) throw notFound('Partnership');
  const [p] = await queryEntities(
    ctx.manager,
    Partnership,
    `SELECT ${selectList(ctx.manager.connection, Partnership)} FROM partnerships
     WHERE id = $2 AND $1 IN (requester_network_id, partner_network_id) FOR UPDATE`,
    [ctx.networkId, id],
  );
  if (!p) throw notFound('Partnership');
  return p;
}

/** Finds a network by slug across tenants: the slug policy shows that one row while `app.network_slug` is set. */
async function findNetworkBySlug(ctx: Context, slug: string): Promise<Network | null> {
  await ctx.tx.set('app.network_slug', slug);
  try {
    const [network] = await queryEntities(ctx.manager, Network, `SELECT ${selectList(ctx.manager.connection, Network)} FROM networks WHERE slug = $1`, [slug]);
    return network ?? null;
  } finally {
    await ctx.tx.set('app.network_slug', null);
  }
}

/** The other network of a partnership, from the caller's side. */
export const otherParty = (ctx: Pick<Context, 'networkId'>, p: Partnership): string =>
  p.requesterNetworkId === ctx.networkId ? p.partnerNetworkId : p.requesterNetworkId;

async function updated(scope: Scope, id: string, set: string, params: unknown[]): Promise<Partnership> {
  const { manager } = scope;
  const [p] = await queryEntities(
    manager,
    Partnership,
    `UPDATE partnerships SET ${set} WHERE id = $1 RETURNING ${selectList(manager.connection, Partnership)}`,
    [id, ...params],
  );
  return p;
}

/** Writes a change to both networks' audit logs, about the partnership. */
const record = (ctx: Context, p: Partnership, action: string, details: Record<string, unknown>): Promise<void> =>
  auditBothParties(ctx, otherParty(ctx, p), p.id, { action, targetType: 'Partnership', targetId: p.id, details });

/** `partnershipChanged` to both networks, once the transaction commits. */
function announce(ctx: Context, p: Partnership): Partnership {
  publishOnCommit(
    ctx,
    'partnershipChanged',
    [p.requesterNetworkId, p.partnerNetworkId].map((networkId) => ({ networkId, partnershipId: p.id })),
  );
  return p;
}

export async function requestPartnership(ctx: Context, partnerSlug: string, scopes: PartnershipScope[]): Promise<Partnership> {
  const unique = [...new Set(scopes)];
  if (!unique.length) throw badInput('Choose at least one scope', [{ path: ['scopes'], message: 'must name at least one scope' }]);
  const slug = partnerSlug.trim().toLowerCase();
  const partner = slug ? await findNetworkBySlug(ctx, slug) : null;
  if (!partner) throw notFound('Network');
  if (partner.id === ctx.networkId) {
    throw badInput('A network cannot partner with itself', [{ path: ['partnerSlug'], message: 'is your own network' }]);
  }
  const { live } = await queryOne<{ live: boolean }>(
    ctx.manager,
    `SELECT EXISTS (SELECT 1 FROM partnerships p WHERE ${partnershipBetweenSql('$1', '$2')} AND p.status = ANY($3)) AS live`,
    [ctx.networkId, partner.id, LIVE],
  );
  if (live) throw conflict('There already is a pending or active partnership with this network');
  // A concurrent request for the same pair fails on the unique index: CONFLICT as well.
  const [partnership] = await queryEntities(
    ctx.manager,
    Partnership,
    `INSERT INTO partnerships (requester_network_id, partner_network_id, scopes) VALUES ($1, $2, $3)
     RETURNING ${selectList(ctx.manager.connection, Partnership)}`,
    [ctx.networkId, partner.id, unique],
  );
  await record(ctx, partnership, 'partnership.requested', { scopes: unique });
  return announce(ctx, partnership);
}

export async function respondToPartnership(ctx: Context, id: string | undefined, accept: boolean): Promise<Partnership> {
  const p = await findOwnPartnershipForUpdate(ctx, id);
  if (p.partnerNetworkId !== ctx.networkId) throw forbidden('Only the requested network can accept or decline a partnership');
  if (p.status !== PartnershipStatus.PENDING) throw conflict(`This partnership is ${p.status}, not PENDING`);
  const status = accept ? PartnershipStatus.ACTIVE : PartnershipStatus.DECLINED;
  const result = await updated(ctx, p.id, `status = $2, responded_at = now()`, [status]);
  const action = accept ? 'partnership.accepted' : 'partnership.declined';
  await record(ctx, result, action, { scopes: result.scopes });
  return announce(ctx, result);
}

export async function revokePartnership(ctx: Context, id: string | undefined): Promise<Partnership> {
  const p = await findOwnPartnershipForUpdate(ctx, id);
  if (!LIVE.includes(p.status)) throw conflict(`This partnership is ${p.status}; only PENDING or ACTIVE partnerships can be revoked`);
  const result = await updated(ctx, p.id, `status = 'REVOKED', revoked_at = now(), revoked_by_network_id = $2`, [ctx.networkId]);
  // Joint events: the partner's part in future events between the two networks ends at once.
  const withdrawn = await withdrawPartnerFromJointEvents(ctx, otherParty(ctx, p));
  await record(ctx, result, 'partnership.revoked', { previousStatus: p.status, scopes: p.scopes, jointEventsWithdrawn: withdrawn });
  // Both networks' endpoints hear of it.
  await emitWebhookEvent(ctx, WebhookEventType.PARTNERSHIP_REVOKED, { type: 'Partnership', id: result.id }, { id: result.globalId, status: result.status }, [
    result.requesterNetworkId,
    result.partnerNetworkId,
  ]);
  return announce(ctx, result);
}

/** The caller's network's partnerships (either side), newest first. */
export async function listPartnerships(ctx: Context, status: PartnershipStatus | null | undefined): Promise<Partnership[]> {
  const params: unknown[] = [ctx.networkId];
  const where = ['$1 IN (requester_network_id, partner_network_id)'];
  if (status) where.push(`status = $${params.push(status)}`);
  const list = await queryEntities(
    ctx.manager,
    Partnership,
    `SELECT ${selectList(ctx.manager.connection, Partnership)} FROM partnerships WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id`,
    params,
  );
  for (const p of list) partnershipLoader(ctx).prime(p.id, p);
  return list;
}

export interface DirectoryArgs extends ConnectionArgs {
  topic?: string | null;
  search?: string | null;
}

/** The partner-directory rule for a group `g`, with the caller's network as `$1`. Row-level security agrees. */
export const PARTNER_DIRECTORY_SQL = `(g.network_id <> $1 AND g.visibility = 'PARTNERS' AND g.archived_at IS NULL
  AND ${activePartnershipSql('$1', 'g.network_id', PartnershipScope.GROUP_DIRECTORY)}
  AND app_partner_shares(g.network_id, 'GROUP_DIRECTORY'))`;

/**
 * The partner directory: PARTNERS-visible, unarchived groups of networks with an ACTIVE partnership that
 * includes GROUP_DIRECTORY. Says so explicitly; row-level security agrees.
 */
export async function listPartnerDirectory(ctx: Context, args: DirectoryArgs): Promise<Connection<SharedGroup>> {
  const params: unknown[] = [ctx.networkId];
  const param = (v: unknown) => `$${params.push(v)}`;
  const where = [PARTNER_DIRECTORY_SQL];
  if (args.topic) where.push(`g.topics @> ARRAY[${param(args.topic.trim().toLowerCase())}]::text[]`);
  const query = args.search ? prefixQuery(args.search) : null;
  if (query) where.push(`g.search @@ to_tsquery('simple', ${param(query)})`);
  return paginate<SharedGroup, SharedGroupRow & Row>(
    ctx.manager,
    { select: SHARED_GROUP_COLUMNS, from: 'groups g', where, params, map: toSharedGroup },
    args,
    [
      { sql: 'g.name', value: (g) => g.name },
      { sql: 'g.id', value: (g) => g.groupId },
    ],
    'partner-directory',
  );
}

/**
 * Shared groups by id (federation's `_entities`): a PARTNERS-visible, unarchived group of a network with an ACTIVE
 * partnership sharing GROUP_DIRECTORY (the partner directory's rule), or a group taking part in a joint event the
 * caller's network is a party to (hosts, or is invited to and has not declined or been withdrawn from); null otherwise.
 */
export async function findSharedGroups(ctx: Context, ids: readonly string[]): Promise<Array<SharedGroup | null>> {
  const rows = await queryRows<SharedGroupRow>(
    ctx.manager,
    `SELECT ${SHARED_GROUP_COLUMNS} FROM groups g
     WHERE g.id = ANY($2)
       AND (${PARTNER_DIRECTORY_SQL}
         OR EXISTS (SELECT 1 FROM joint_event_groups jg JOIN joint_events e ON e.id = jg.joint_event_id
                    WHERE jg.group_id = g.id AND jg.network_id = g.network_id AND ${JOINT_EVENT_PARTY_SQL}))`,
    [ctx.networkId, ids],
  );
  const byId = new Map(rows.map((r) => [r.id, toSharedGroup(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}
