import { queryRows } from '../../db/sql';
import { forbidden } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { authorize, isAllowed, type AccessRule } from '../auth/access';
import { readGroups, readNetworkAggregates, readPersonalData } from '../auth/rules';
import { authorizeGroupManager, findVisibleGroup, isGroupManager, isNetworkManager } from '../groups/group.access';
import type { Context } from '../../graphql/context';

/**
 * Who sees evaluation (DOMAIN.md): a group's facilitators see their group; coordinators and admins the
 * whole network; API keys need READ for aggregates (`readGroups`) and READ + PERSONAL_DATA for drifting
 * members, a list of named people (`readPersonalData`). Another network's group, or a PRIVATE group the
 * caller cannot see, is NOT_FOUND.
 */

/**
 * Whether the caller sees a group's aggregates (`Group.health`, `Session.feedbackSummary`): its facilitators,
 * coordinators, admins, keys with READ.
 */
export async function seesGroupAggregates(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readGroups);
  return isGroupManager(ctx, groupId);
}

/**
 * One group, for those who manage it under `rule`: its database id. Keys the rule refuses are refused before the
 * lookup (so they learn nothing about IDs); a group the caller cannot see is NOT_FOUND; others are FORBIDDEN.
 */
async function managedGroupId(ctx: Context, groupId: string, rule: AccessRule): Promise<string> {
  if (ctx.principal.kind === 'API_KEY') authorize(ctx, rule);
  const group = await findVisibleGroup(ctx, idArgument('groupId', groupId, 'Group'));
  await authorizeGroupManager(ctx, group.id, rule);
  return group.id;
}

/**
 * The scope of a trend: the group's database id, or null for the whole network. FORBIDDEN without the
 * rights (keys are refused before the lookup, so they learn nothing about IDs); NOT_FOUND for a group the
 * caller cannot see.
 */
export async function trendScope(ctx: Context, groupId: string | null | undefined): Promise<string | null> {
  if (groupId != null) return managedGroupId(ctx, groupId, readGroups);
  authorize(ctx, readNetworkAggregates);
  return null;
}

/**
 * The groups whose drifting members the caller may list: one group, or null for the whole network
 * (coordinators, admins, keys with READ and PERSONAL_DATA); a facilitator without `groupId` gets the
 * groups they facilitate. FORBIDDEN for anyone else.
 */
export async function driftingScope(ctx: Context, groupId: string | null | undefined): Promise<string[] | null> {
  if (groupId != null) return [await managedGroupId(ctx, groupId, readPersonalData)];
  if (ctx.principal.kind === 'API_KEY') {
    authorize(ctx, readPersonalData);
    return null;
  }
  if (isNetworkManager(ctx)) return null;
  const rows = await queryRows<{ group_id: string }>(
    ctx.manager,
    `SELECT group_id FROM memberships WHERE network_id = $1 AND member_id = $2 AND status = 'ACTIVE' AND role = 'FACILITATOR'`,
    [ctx.networkId, ctx.viewerMemberId],
  );
  if (!rows.length) throw forbidden('This needs a facilitator of a group, a coordinator or an admin');
  return rows.map((r) => r.group_id);
}
