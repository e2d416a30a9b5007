import type { Context } from '../../graphql/context';
import { forbidden } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { authorize, isAllowed } from '../auth/access';
import { ApiKeyScope } from '../auth/api-key.entity';
import { authorizeGroupManager, findVisibleGroup, isGroupManager, isNetworkManager } from '../groups/group.access';
import { NetworkRole } from '../members/member.entity';

/**
 * Who sees evaluation (DOMAIN.md): a group's facilitators see their group; coordinators and admins the
 * whole network; API keys need READ for aggregates and READ + PERSONAL_DATA for drifting members (a
 * list of named people). Another network's group, or a PRIVATE group the caller cannot see, is NOT_FOUND.
 */
const AGGREGATE_KEY = [ApiKeyScope.READ] as const;
const DRIFTING_KEY = [ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA] as const;
const NETWORK_WIDE = { apiKey: AGGREGATE_KEY, roles: [NetworkRole.ADMIN, NetworkRole.COORDINATOR] };

/**
 * Whether the caller sees a group's aggregates (`Group.health`, `Session.feedbackSummary`): its facilitators,
 * coordinators, admins, keys with READ.
 */
export async function seesGroupAggregates(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, { apiKey: AGGREGATE_KEY });
  return isGroupManager(ctx, groupId);
}

/**
 * One group, for those who manage it: its database id. Keys without `apiKey` are refused before the lookup (so
 * they learn nothing about IDs); a group the caller cannot see is NOT_FOUND; others are FORBIDDEN.
 */
async function managedGroupId(ctx: Context, groupId: string, apiKey: readonly ApiKeyScope[]): Promise<string> {
  if (ctx.principal.kind === 'API_KEY') authorize(ctx, { apiKey });
  const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
  await authorizeGroupManager(ctx, group.id, apiKey);
  return group.id;
}

/**
 * The scope of a trend: the group's database id, or null for the whole network. FORBIDDEN without the
 * rights (keys are refused before the lookup, so they learn nothing about IDs); NOT_FOUND for a group the
 * caller cannot see.
 */
export async function trendScope(ctx: Context, groupId: string | null | undefined): Promise<string | null> {
  if (groupId != null) return managedGroupId(ctx, groupId, AGGREGATE_KEY);
  authorize(ctx, NETWORK_WIDE);
  return null;
}

/**
 * The groups whose drifting members the caller may list: one group, or null for the whole network
 * (coordinators, admins, keys with READ and PERSONAL_DATA); a facilitator without `groupId` gets the
 * groups they facilitate. FORBIDDEN for anyone else.
 */
export async function driftingScope(ctx: Context, groupId: string | null | undefined): Promise<string[] | null> {
  if (groupId != null) return [await managedGroupId(ctx, groupId, DRIFTING_KEY)];
  if (ctx.principal.kind === 'API_KEY') {
    authorize(ctx, { apiKey: DRIFTING_KEY });
    return null;
  }
  if (isNetworkManager(ctx)) return null;
  const rows: Array<{ group_id: string }> = await ctx.manager.query(
    `SELECT group_id FROM memberships WHERE network_id = $1 AND member_id = $2 AND status = 'ACTIVE' AND role = 'FACILITATOR'`,
    [ctx.networkId, ctx.viewerMemberId],
  );
  if (!rows.length) throw forbidden('This needs a facilitator of a group, a coordinator or an admin');
  return rows.map((r) => r.group_id);
}
