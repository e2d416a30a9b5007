import DataLoader from 'dataloader';
import { selectList } from '../../db/rows';
import { queryEntities } from '../../db/sql';
import { forbidden, notFound } from '../../graphql/errors';
import { NetworkRole } from '../../graphql/principal';
import { authorize, type AccessRule } from '../auth/access';
import { Membership, GroupRole, MembershipStatus } from '../memberships/membership.entity';
import { Group, GroupVisibility } from './group.entity';
import type { Context } from '../../graphql/context';

/**
 * Who may do what with a group, from the permissions matrix in DOMAIN.md. Every check reads the
 * viewer's memberships through one batched loader, so checking 50 groups is one query.
 *
 * - Member tokens: ADMIN and COORDINATOR manage every group; a FACILITATOR (ACTIVE) manages theirs;
 *   PRIVATE groups are visible only to their members (not LEFT) and to managers.
 * - API keys see every group of their network; what they may do with it is decided by scopes.
 */

/** The viewer's memberships by group id, one statement per batch (member tokens only). */
function viewerMemberships(ctx: Context, memberId: string): DataLoader<string, Membership | null> {
  return ctx.loaders.keyed('viewer-memberships', (manager, networkId) => {
    return new DataLoader<string, Membership | null>(async (groupIds) => {
      const memberships = await queryEntities(
        manager,
        Membership,
        `SELECT ${selectList(manager.connection, Membership)} FROM memberships WHERE network_id = $1 AND member_id = $2 AND group_id = ANY($3)`,
        [networkId, memberId, groupIds],
      );
      const byGroup = new Map(memberships.map((m) => [m.groupId, m]));
      return groupIds.map((id) => byGroup.get(id) ?? null);
    });
  });
}

/** The viewer's own membership of a group (any status), or null; null for API keys. */
export function viewerMembership(ctx: Context, groupId: string): Promise<Membership | null> {
  const memberId = ctx.viewerMemberId;
  return memberId ? viewerMemberships(ctx, memberId).load(groupId) : Promise.resolve(null);
}

/** Tells the loader the viewer's membership of a group that was read along with it (e.g. by `groups`). */
export function primeViewerMembership(ctx: Context, groupId: string, membership: Membership | null): void {
  if (ctx.viewerMemberId) viewerMemberships(ctx, ctx.viewerMemberId).prime(groupId, membership);
}

/** ADMIN or COORDINATOR through a member token: manages every group of the network. */
export const isNetworkManager = (ctx: Context): boolean =>
  ctx.principal.kind === 'MEMBER' && (ctx.principal.role === NetworkRole.ADMIN || ctx.principal.role === NetworkRole.COORDINATOR);

/** True for an ACTIVE membership. */
export const isActive = (m: Membership | null): m is Membership => m?.status === MembershipStatus.ACTIVE;

export async function canSeeGroup(ctx: Context, group: Group): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY' || isNetworkManager(ctx) || group.visibility !== GroupVisibility.PRIVATE) return true;
  const m = await viewerMembership(ctx, group.id);
  return m != null && m.status !== MembershipStatus.LEFT;
}

/** A member token with facilitator rights in the group: ADMIN, COORDINATOR, or its ACTIVE FACILITATOR. False for API keys. */
export async function isGroupManager(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return false;
  if (isNetworkManager(ctx)) return true;
  const m = await viewerMembership(ctx, groupId);
  return isActive(m) && m.role === GroupRole.FACILITATOR;
}

/** A member token that is an ACTIVE member (or facilitator) of the group. */
export async function isGroupMember(ctx: Context, groupId: string): Promise<boolean> {
  return isActive(await viewerMembership(ctx, groupId));
}

/**
 * Facilitator rights under a rule of the rule book (e.g. `writeGroupsAndProfiles`): API keys are judged by the
 * rule; member tokens need to manage the group too (see isGroupManager). Otherwise FORBIDDEN.
 */
export async function authorizeGroupManager(ctx: Context, groupId: string, rule: AccessRule): Promise<void> {
  authorize(ctx, rule);
  if (ctx.principal.kind === 'API_KEY') return;
  if (!(await isGroupManager(ctx, groupId))) {
    throw forbidden('This needs a facilitator of this group, a coordinator or an admin');
  }
}

/** The group behind an ID argument if the caller may see it; NOT_FOUND otherwise (also for other networks' IDs). */
export async function findVisibleGroup(ctx: Context, id: string | undefined): Promise<Group> {
  const group = id ? await ctx.loaders.byId(Group).load(id) : null;
  if (!group || !(await canSeeGroup(ctx, group))) throw notFound('Group');
  return group;
}

/**
 * Live updates of a group (its sessions, memberships, attendance) go to those taking part in it: member
 * tokens need facilitator rights (facilitator, coordinator, admin) or an ACTIVE membership, so leaving the
 * group ends them. API keys are judged by their scopes alone (checked by each subscription).
 */
export async function requireGroupFollower(ctx: Context, groupId: string): Promise<void> {
  if (ctx.principal.kind === 'API_KEY') return;
  if ((await isGroupManager(ctx, groupId)) || (await isGroupMember(ctx, groupId))) return;
  throw forbidden('Live updates of a group are for its ACTIVE members, its facilitators, coordinators and admins');
}
