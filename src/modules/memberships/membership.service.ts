import DataLoader from 'dataloader';
import { rowMapper, selectList } from '../../db/rows';
import { type Row, execute, queryOne, queryRows } from '../../db/sql';
import { exactTimeKey, type NestedConnectionSpec } from '../../graphql/connection';
import { badInput, conflict, invalidArgument, notFound } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/global-id';
import { publishOnCommit } from '../../realtime/live';
import { Group } from '../groups/group.entity';
import { Member } from '../members/member.entity';
import { PRELOADED_MEMBER_COLUMNS, preloadedMember } from '../members/member.preload';
import { emitWebhookEvent } from '../webhooks/webhook.emit';
import { WebhookEventType } from '../webhooks/webhook.types';
import { Engagement, GroupRole, Membership, MembershipStatus } from './membership.entity';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

/**
 * Engagement, in SQL: the member's attendance at the group's last 3 COMPLETED sessions since joining.
 * Adds `eng.eligible` (0–3) and `eng.missed` (0–3) for the membership aliased `t`.
 */
export const ENGAGEMENT_JOIN = `
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS eligible,
           count(*) FILTER (WHERE NOT EXISTS (
             SELECT 1 FROM attendance a
             WHERE a.network_id = t.network_id AND a.session_id = s.id AND a.member_id = t.member_id
               AND a.status IN ('PRESENT', 'LATE')))::int AS missed
    FROM (SELECT s.id FROM sessions s
          WHERE s.network_id = t.network_id AND s.group_id = t.group_id AND s.status = 'COMPLETED' AND s.starts_at >= t.joined_at
          ORDER BY s.starts_at DESC LIMIT 3) s
  ) eng ON true`;

/** NEW below 2 eligible sessions; DRIFTING when the last 3 were all missed; INACTIVE unless ACTIVE. */
export function engagementOf(status: MembershipStatus, eligible: number, missed: number): Engagement {
  if (status !== MembershipStatus.ACTIVE) return Engagement.INACTIVE;
  if (eligible < 2) return Engagement.NEW;
  if (eligible >= 3 && missed >= 3) return Engagement.DRIFTING;
  return Engagement.ACTIVE;
}

/** A membership row as listed: with its engagement and its member, read in the same statement. */
export interface ListedMembership extends Membership {
  engagementValue?: Engagement;
  preloadedMember?: Member;
}

/** Lists of memberships follow the join time exactly. */
const JOINED = exactTimeKey('t.joined_at');

/** A membership row as listed: the engagement counts and (after paging) the member's `_m_` columns. */
type ListedMembershipRow = Row & { eligible?: number; missed?: number };

function listedMembership(manager: EntityManager) {
  const map = rowMapper(manager.connection, Membership);
  return (row: ListedMembershipRow): ListedMembership => {
    const m = JOINED.keep(map(row) as ListedMembership, row);
    if (row.eligible !== undefined) m.engagementValue = engagementOf(m.status, row.eligible, row.missed ?? 0);
    if ('_m_display_name' in row) {
      m.preloadedMember = preloadedMember(row, m.memberId, m.networkId);
    }
    return m;
  };
}

/**
 * The nested connection specs for `Group.memberships` and `Member.memberships` (one statement for all parents), each
 * in two forms: with the engagement computed for the page's rows, and without it, for selections that do not ask
 * for `engagement` (a LATERAL over the group's last sessions and an anti-join on attendance per row: most of the
 * statement's cost).
 */
type MembershipSpec = NestedConnectionSpec<ListedMembership, ListedMembershipRow>;
type MembershipSpecs = {
  byGroup: MembershipSpec;
  byMember: MembershipSpec;
  byGroupWithoutEngagement: MembershipSpec;
  byMemberWithoutEngagement: MembershipSpec;
};
const specCache = new WeakMap<object, MembershipSpecs>();

export function membershipSpecs(manager: EntityManager): MembershipSpecs {
  let specs = specCache.get(manager.connection);
  if (!specs) {
    specs = buildSpecs(manager);
    specCache.set(manager.connection, specs);
  }
  return specs;
}

function buildSpecs(manager: EntityManager): MembershipSpecs {
  const map = listedMembership(manager);
  // Paged on memberships alone (an index in the sort order reads just the page); the member's name and
  // the engagement are joined for the page's rows only.
  const select = `${selectList(manager.connection, Membership, 't')}, ${JOINED.select}`;
  const withMember = `JOIN members mb ON mb.network_id = t.network_id AND mb.id = t.member_id`;
  const withEngagement = { select: `${PRELOADED_MEMBER_COLUMNS}, eng.eligible, eng.missed`, join: `${withMember} ${ENGAGEMENT_JOIN}` };
  const withoutEngagement = { select: PRELOADED_MEMBER_COLUMNS, join: withMember };
  const byGroup: MembershipSpec = {
    tag: 'group-memberships',
    from: 'memberships t',
    alias: 't',
    select,
    afterPaging: withEngagement,
    parent: 't.group_id',
    ownerColumn: 't.member_id',
    // Facilitators first, then the longest-standing members.
    sort: [{ sql: 't.role', value: (m) => m.role }, JOINED.sort, { sql: 't.id', value: (m) => m.id }],
    map,
  };
  const byMember: MembershipSpec = {
    tag: 'member-memberships',
    from: 'memberships t',
    alias: 't',
    select,
    afterPaging: withEngagement,
    parent: 't.member_id',
    sort: [JOINED.sort, { sql: 't.id', value: (m) => m.id }],
    map,
  };
  // Same lists and cursors (same tag); another loader (`variant`), so both forms may appear in one request.
  return {
    byGroup,
    byMember,
    byGroupWithoutEngagement: { ...byGroup, variant: 'no-engagement', afterPaging: withoutEngagement },
    byMemberWithoutEngagement: { ...byMember, variant: 'no-engagement', afterPaging: withoutEngagement },
  };
}

/** Engagement of memberships that were not listed with it (e.g. fetched by id), one statement per batch. */
export function loadEngagement(ctx: Context, membershipId: string): Promise<Engagement> {
  return ctx.loaders
    .keyed(
      'membership-engagement',
      (manager, networkId) =>
        new DataLoader<string, Engagement>(async (ids) => {
          const rows = await queryRows<{ id: string; status: MembershipStatus; eligible: number; missed: number }>(
            manager,
            `SELECT t.id, t.status, eng.eligible, eng.missed FROM memberships t ${ENGAGEMENT_JOIN}
           WHERE t.network_id = $1 AND t.id = ANY($2)`,
            [networkId, ids],
          );
          const byId = new Map(rows.map((r) => [r.id, engagementOf(r.status, r.eligible, r.missed)]));
          return ids.map((id) => byId.get(id) ?? Engagement.INACTIVE);
        }),
    )
    .load(membershipId);
}

/** ACTIVE members per group, one `GROUP BY` per batch. */
const memberCounts = (ctx: Context) =>
  ctx.loaders.keyed(
    'group-member-count',
    (manager, networkId) =>
      new DataLoader<string, number>(async (ids) => {
        const rows = await queryRows<{ group_id: string; count: number }>(
          manager,
          `SELECT group_id, count(*)::int AS count FROM memberships
         WHERE network_id = $1 AND group_id = ANY($2) AND status = 'ACTIVE' GROUP BY group_id`,
          [networkId, ids],
        );
        const byId = new Map(rows.map((r) => [r.group_id, r.count]));
        return ids.map((id) => byId.get(id) ?? 0);
      }),
  );

export const loadMemberCount = (ctx: Context, groupId: string): Promise<number> => memberCounts(ctx).load(groupId);

/** Tells the loader a count that was read along with the group (e.g. by `groups`). */
export const primeMemberCount = (ctx: Context, groupId: string, count: number): void => void memberCounts(ctx).prime(groupId, count);

/** Locks the group row and fails with CONFLICT when it has no free place: concurrent joins cannot overfill it. */
async function ensurePlace(scope: Scope, group: Group): Promise<void> {
  const { manager } = scope;
  if (group.capacity == null) return;
  await execute(manager, 'SELECT 1 FROM groups WHERE network_id = $1 AND id = $2 FOR UPDATE', [group.networkId, group.id]);
  const { count } = await queryOne<{ count: number }>(
    manager,
    `SELECT count(*)::int AS count FROM memberships WHERE network_id = $1 AND group_id = $2 AND status = 'ACTIVE'`,
    [group.networkId, group.id],
  );
  if (count >= group.capacity) throw conflict(`This group is full (capacity ${group.capacity})`);
}

function ensureOpen(group: Group, arg: string): void {
  if (group.archivedAt) throw badInput('This group is archived and takes no new members', [{ path: [arg], message: `${arg} is an archived group` }]);
}

export async function findMembershipOf(scope: Scope, groupId: string, memberId: string): Promise<Membership | null> {
  const { manager, networkId } = scope;
  return manager.getRepository(Membership).findOneBy({ networkId, groupId, memberId });
}

/**
 * Puts a member into a group (new or returning): ACTIVE with the given role. An ACTIVE membership is a
 * CONFLICT; an archived group is BAD_USER_INPUT; a full group is CONFLICT.
 */
export async function enterGroup(ctx: Context, group: Group, memberId: string, role: GroupRole, normsAccepted: boolean, groupArg: string): Promise<Membership> {
  const { manager } = ctx;
  ensureOpen(group, groupArg);
  const repo = manager.getRepository(Membership);
  const existing = await findMembershipOf(ctx, group.id, memberId);
  if (existing?.status === MembershipStatus.ACTIVE) throw conflict('Already a member of this group');
  await ensurePlace(ctx, group);
  const now = new Date();
  const membership = existing ?? repo.create({ networkId: group.networkId, groupId: group.id, memberId, normsAcceptedAt: null, normsVersionAccepted: null });
  Object.assign(membership, {
    role,
    status: MembershipStatus.ACTIVE,
    joinedAt: now,
    leftAt: null,
    normsAcceptedAt: normsAccepted ? now : (membership.normsAcceptedAt ?? null),
    // Joining accepts the norms as this transaction reads them; a change committed meanwhile flags the membership.
    normsVersionAccepted: normsAccepted ? group.normsVersion : (membership.normsVersionAccepted ?? null),
  });
  const saved = announce(ctx, await repo.save(membership));
  const returning = existing && existing.status !== MembershipStatus.LEFT;
  await emitMembershipEvent(ctx, returning ? WebhookEventType.MEMBERSHIP_UPDATED : WebhookEventType.MEMBERSHIP_CREATED, saved);
  return saved;
}

/** A webhook event about this membership: IDs, role and status only (not the member: receivers read it with their scopes). */
async function emitMembershipEvent(ctx: Context, type: WebhookEventType, m: Membership): Promise<void> {
  const data = { id: m.globalId, group: toGlobalId('Group', m.groupId), role: m.role, status: m.status };
  await emitWebhookEvent(ctx, type, { type: 'Membership', id: m.id }, data);
}

/** `membershipChanged` for this membership, once the transaction commits. */
function announce(ctx: Context, m: Membership): Membership {
  publishOnCommit(ctx, 'membershipChanged', [{ networkId: m.networkId, groupId: m.groupId, membershipId: m.id }]);
  return m;
}

export async function changeMembership(
  ctx: Context,
  group: Group,
  membership: Membership,
  change: { role?: GroupRole | null; status?: MembershipStatus | null },
): Promise<Membership> {
  const { manager } = ctx;
  if (change.status && change.status !== membership.status) {
    if (change.status === MembershipStatus.ACTIVE) {
      ensureOpen(group, 'id');
      await ensurePlace(ctx, group);
      if (membership.status === MembershipStatus.LEFT) membership.joinedAt = new Date();
      membership.leftAt = null;
    }
    if (change.status === MembershipStatus.LEFT) membership.leftAt = new Date();
    membership.status = change.status;
  }
  if (change.role) membership.role = change.role;
  const saved = announce(ctx, await manager.getRepository(Membership).save(membership));
  const ended = change.status === MembershipStatus.LEFT;
  await emitMembershipEvent(ctx, ended ? WebhookEventType.MEMBERSHIP_ENDED : WebhookEventType.MEMBERSHIP_UPDATED, saved);
  return saved;
}

export function requireAcceptedNorms(acceptNorms: boolean): void {
  if (!acceptNorms) throw invalidArgument('acceptNorms', "must be true: joining means accepting the group's norms");
}

export const membershipNotFound = () => notFound('Membership');
export const alreadyLeft = () => conflict('You have already left this group');
export const rejoinThroughJoinGroup = () => conflict('You have left this group: join it again with joinGroup, accepting its norms');
