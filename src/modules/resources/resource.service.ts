import DataLoader from 'dataloader';
import { rowMapper } from '../../db/rows';
import { execute, queryOne, queryRows, type Row } from '../../db/sql';
import { exactTimeKey, paginate } from '../../graphql/connection';
import { badInput, conflict } from '../../graphql/errors';
import { NetworkRole } from '../../graphql/principal';
import { publishOnCommit } from '../../realtime/live';
import { audit } from '../audit/audit.service';
import { GroupVisibility, type Group } from '../groups/group.entity';
import { PARTNER_DIRECTORY_SQL } from '../partnerships/partnership.service';
import { GroupResource, ModerationAction, ResourceKind, ResourceReport, SHARED_RESOURCE_COLUMNS, toSharedResource } from './resource.entity';
import { ResourceOrder, type PostResourceInput } from './resource.inputs';
import type { Scope } from '../../db/tenant';
import type { ConnectionArgs, Connection, NestedConnectionSpec } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import type { HiddenBy, SharedResource, SharedResourceRow } from './resource.entity';
import type { EntityManager } from 'typeorm';

/**
 * A group's shared resources. A named resource's author goes into `resource_authors`; an anonymous one is stored
 * with no author anywhere (and its time only to the hour). Helpful marks and reports name their member only so
 * that each member counts once: the API shows counts and reasons, never who.
 */

const blank = (s: string | null | undefined): string | null => (s == null || s.trim() === '' ? null : s);

/** Stores a resource posted by `memberId` (whose eligibility the caller checked: `assertMayPostResource`). */
export async function postResource(ctx: Context, group: Group, memberId: string, input: PostResourceInput): Promise<GroupResource> {
  const { manager } = ctx;
  if (group.archivedAt) throw conflict('The group is archived');
  const body = blank(input.body);
  const url = blank(input.url);
  if (input.kind === ResourceKind.LINK && !url) throw badInput('A link needs a url', [{ path: ['input', 'url'], message: 'is required for a LINK' }]);
  if (!body && !url) throw badInput('Give a text or a url', [{ path: ['input', 'body'], message: 'give a text or a url' }]);
  const topics = [...new Set(input.topics ?? [])];
  const anonymous = input.anonymous === true;
  const row = await queryOne(
    manager,
    `INSERT INTO resources (network_id, group_id, kind, title, body, url, topics, anonymous, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 THEN date_trunc('hour', now()) ELSE now() END)
     RETURNING *`,
    [group.networkId, group.id, input.kind, input.title, body, url, topics, anonymous],
  );
  const resource = rowMapper(manager.connection, GroupResource)(row);
  if (!anonymous) {
    await execute(manager, `INSERT INTO resource_authors (network_id, resource_id, member_id) VALUES ($1, $2, $3)`, [group.networkId, resource.id, memberId]);
    authorLoader(ctx).prime(resource.id, memberId);
  }
  ctx.loaders.byId(GroupResource).prime(resource.id, resource);
  // IDs only: the group and the resource, which for an anonymous resource leads to no member.
  publishOnCommit(ctx, 'resourcePosted', [{ networkId: group.networkId, groupId: group.id, resourceId: resource.id }]);
  return resource;
}

/** Marks (or unmarks) a resource as helpful for `memberId`; idempotent either way. */
export async function setHelpful(ctx: Context, resource: GroupResource, memberId: string, helpful: boolean): Promise<GroupResource> {
  if (helpful) {
    if (resource.hiddenAt) throw conflict('This resource is hidden');
    await execute(ctx.manager, `INSERT INTO resource_helpful_marks (network_id, resource_id, member_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      resource.networkId,
      resource.id,
      memberId,
    ]);
  } else {
    await execute(ctx.manager, `DELETE FROM resource_helpful_marks WHERE network_id = $1 AND resource_id = $2 AND member_id = $3`, [
      resource.networkId,
      resource.id,
      memberId,
    ]);
  }
  return resource;
}

/** Records `memberId`'s report of a resource; a second report by the same member changes nothing. Never audited (it would name the reporter). */
export async function reportResource(ctx: Context, resource: GroupResource, memberId: string, reason: string | null | undefined): Promise<void> {
  await execute(ctx.manager, `INSERT INTO resource_reports (network_id, resource_id, member_id, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
    resource.networkId,
    resource.id,
    memberId,
    blank(reason),
  ]);
}

/** The role that hides a resource, as stored: never the person. */
function moderatorRole(ctx: Context): HiddenBy {
  const p = ctx.principal;
  if (p.kind === 'API_KEY') return 'API_KEY';
  return p.role === NetworkRole.ADMIN ? 'ADMIN' : p.role === NetworkRole.COORDINATOR ? 'COORDINATOR' : 'FACILITATOR';
}

async function updateResource(ctx: Context, resource: GroupResource, set: string, params: unknown[]): Promise<GroupResource> {
  const row = await queryOne(ctx.manager, `UPDATE resources SET ${set} WHERE network_id = $1 AND id = $2 RETURNING *`, [
    resource.networkId,
    resource.id,
    ...params,
  ]);
  const updated = rowMapper(ctx.manager.connection, GroupResource)(row);
  ctx.loaders.byId(GroupResource).clear(updated.id).prime(updated.id, updated);
  return updated;
}

const MODERATION: Record<ModerationAction, { set: string; action: string; withRole?: true }> = {
  [ModerationAction.PIN]: { set: 'pinned_at = coalesce(pinned_at, now())', action: 'resource.pinned' },
  [ModerationAction.UNPIN]: { set: 'pinned_at = NULL', action: 'resource.unpinned' },
  [ModerationAction.HIDE]: { set: 'hidden_at = coalesce(hidden_at, now()), hidden_by = coalesce(hidden_by, $3)', action: 'resource.hidden', withRole: true },
  [ModerationAction.RESTORE]: { set: 'hidden_at = NULL, hidden_by = NULL', action: 'resource.restored' },
};

/** Pins, unpins, hides or restores a resource (the caller is a moderator of its group); audited. Repeating an action changes nothing. */
export async function moderateResource(ctx: Context, resource: GroupResource, action: ModerationAction): Promise<GroupResource> {
  const m = MODERATION[action];
  const updated = await updateResource(ctx, resource, m.set, m.withRole ? [moderatorRole(ctx)] : []);
  await audit(ctx, { action: m.action, targetType: 'GroupResource', targetId: resource.id });
  return updated;
}

/** Shares a resource with partner networks' directories, or stops sharing it (the caller moderates its group); audited. */
export async function shareWithPartners(ctx: Context, resource: GroupResource, group: Group, shared: boolean): Promise<GroupResource> {
  if (shared && resource.hiddenAt) throw conflict('A hidden resource cannot be shared');
  if (shared && group.visibility !== GroupVisibility.PARTNERS) {
    throw conflict('Only resources of groups in the partner directory (visibility PARTNERS) can be shared with partners');
  }
  const updated = await updateResource(ctx, resource, shared ? 'shared_at = coalesce(shared_at, now())' : 'shared_at = NULL', []);
  await audit(ctx, { action: shared ? 'resource.shared' : 'resource.unshared', targetType: 'GroupResource', targetId: resource.id });
  return updated;
}

/** The author of named resources by resource id (null for anonymous ones), one statement per batch. Viewer-independent. */
export function authorLoader(ctx: Context): DataLoader<string, string | null> {
  return ctx.loaders.keyed(
    'resource-authors',
    (manager, networkId) =>
      new DataLoader<string, string | null>(async (ids) => {
        const rows = await queryRows<{ resource_id: string; member_id: string }>(
          manager,
          `SELECT resource_id, member_id FROM resource_authors WHERE network_id = $1 AND resource_id = ANY($2)`,
          [networkId, ids],
        );
        const byId = new Map(rows.map((r) => [r.resource_id, r.member_id]));
        return ids.map((id) => byId.get(id) ?? null);
      }),
    { viewerIndependent: true },
  );
}

/** Helpful counts by resource id, one statement per batch. Viewer-independent. */
export function helpfulCount(ctx: Context, resourceId: string): Promise<number> {
  return ctx.loaders
    .keyed(
      'resource-helpful-counts',
      (manager, networkId) =>
        new DataLoader<string, number>(async (ids) => {
          const rows = await queryRows<{ resource_id: string; n: number }>(
            manager,
            `SELECT resource_id, count(*)::int AS n FROM resource_helpful_marks WHERE network_id = $1 AND resource_id = ANY($2) GROUP BY resource_id`,
            [networkId, ids],
          );
          const byId = new Map(rows.map((r) => [r.resource_id, r.n]));
          return ids.map((id) => byId.get(id) ?? 0);
        }),
      { viewerIndependent: true },
    )
    .load(resourceId);
}

/** Whether the viewer (a member token) marked the resource helpful; one statement per batch. */
export function viewerFoundHelpful(ctx: Context, resourceId: string): Promise<boolean> {
  const memberId = ctx.viewerMemberId;
  if (!memberId) return Promise.resolve(false);
  return ctx.loaders
    .keyed(
      'resource-viewer-helpful',
      (manager, networkId) =>
        new DataLoader<string, boolean>(async (ids) => {
          const rows = await queryRows<{ resource_id: string }>(
            manager,
            `SELECT resource_id FROM resource_helpful_marks WHERE network_id = $1 AND member_id = $2 AND resource_id = ANY($3)`,
            [networkId, memberId, ids],
          );
          const marked = new Set(rows.map((r) => r.resource_id));
          return ids.map((id) => marked.has(id));
        }),
    )
    .load(resourceId);
}

/** Resources with their helpful count and pinned rank, as the group's list orders them. */
const RANKED_RESOURCES = `(
  SELECT r.*, (r.pinned_at IS NOT NULL)::int AS pinned_rank,
         (SELECT count(*)::int FROM resource_helpful_marks h WHERE h.network_id = r.network_id AND h.resource_id = r.id) AS helpful_count
  FROM resources r
) t`;

/** Helpful counts read along with a list page (the HELPFUL order's cursor needs them). */
const listedCounts = new WeakMap<GroupResource, number>();

/** The count read with the list, if the resource came from one. */
export const listedHelpfulCount = (r: GroupResource): number | undefined => listedCounts.get(r);

const specCache = new WeakMap<object, Map<ResourceOrder, NestedConnectionSpec<GroupResource>>>();

/** `Group.resources`: pinned first, then by the order asked for, then newest; one statement for all groups of a page. */
export function groupResourcesSpec(manager: EntityManager, order: ResourceOrder): NestedConnectionSpec<GroupResource> {
  let specs = specCache.get(manager.connection);
  if (!specs) specCache.set(manager.connection, (specs = new Map()));
  let spec = specs.get(order);
  if (!spec) {
    const map = rowMapper(manager.connection, GroupResource);
    const key = exactTimeKey('t.created_at', { newestFirst: true });
    spec = {
      tag: `group-resources-${order.toLowerCase()}`,
      from: RANKED_RESOURCES,
      alias: 't',
      select: `t.*, ${key.select}`,
      parent: 't.group_id',
      sort: [
        { sql: 't.pinned_rank', descending: true, value: (r) => (r.pinned ? 1 : 0) },
        ...(order === ResourceOrder.HELPFUL ? [{ sql: 't.helpful_count', descending: true, value: (r: GroupResource) => listedCounts.get(r) ?? 0 }] : []),
        key.sort,
        { sql: 't.id', value: (r) => r.id },
      ],
      map: (row: Row) => {
        const r = key.keep(map(row), row);
        listedCounts.set(r, Number(row.helpful_count));
        return r;
      },
    };
    specs.set(order, spec);
  }
  return spec;
}

const reportSpecs = new WeakMap<object, NestedConnectionSpec<ResourceReport>>();

/** `GroupResource.reports`: newest first; the reporter's column is never selected. */
export function reportsSpec(manager: EntityManager): NestedConnectionSpec<ResourceReport> {
  let spec = reportSpecs.get(manager.connection);
  if (!spec) {
    const key = exactTimeKey('t.reported_at', { newestFirst: true });
    spec = {
      tag: 'resource-reports',
      from: 'resource_reports t',
      alias: 't',
      select: `t.id, t.network_id, t.resource_id, t.reason, t.reported_at, ${key.select}`,
      parent: 't.resource_id',
      sort: [key.sort, { sql: 't.id', value: (r) => r.id }],
      map: (row: Row) =>
        key.keep(
          Object.assign(new ResourceReport(), { id: String(row.id), reason: (row.reason as string | null) ?? null, reportedAt: row.reported_at as Date }),
          row,
        ),
    };
    reportSpecs.set(manager.connection, spec);
  }
  return spec;
}

/**
 * Resources partner networks shared with the caller's: shared by a facilitator, not hidden, of a group in the partner
 * directory (PARTNER_DIRECTORY_SQL: an ACTIVE partnership sharing GROUP_DIRECTORY), newest shared first. Row-level
 * security (`resources_partner_directory`) agrees.
 */
export async function listPartnerResources(ctx: Context, args: ConnectionArgs & { topic?: string | null }): Promise<Connection<SharedResource>> {
  const params: unknown[] = [ctx.networkId];
  const where = [PARTNER_DIRECTORY_SQL, 'r.shared_at IS NOT NULL', 'r.hidden_at IS NULL'];
  if (args.topic) where.push(`r.topics @> ARRAY[$${params.push(args.topic.trim().toLowerCase())}]::text[]`);
  const key = exactTimeKey('r.shared_at', { newestFirst: true });
  return paginate<SharedResource, SharedResourceRow & Row>(
    ctx.manager,
    {
      select: `${SHARED_RESOURCE_COLUMNS}, ${key.select}`,
      from: 'resources r JOIN groups g ON g.network_id = r.network_id AND g.id = r.group_id',
      where,
      params,
      map: (row) => key.keep(toSharedResource(row), row),
    },
    args,
    [key.sort, { sql: 'r.id', value: (r) => r.resourceId }],
    'partner-resources',
  );
}

/** Erasure: the resources the member posted under their name go (with their marks and reports); anonymous ones stay. */
export async function deleteNamedResourcesOf(scope: Scope, memberId: string): Promise<number> {
  return execute(
    scope.manager,
    `DELETE FROM resources r USING resource_authors a
     WHERE r.network_id = $1 AND a.network_id = $1 AND a.resource_id = r.id AND a.member_id = $2`,
    [scope.networkId, memberId],
  );
}
