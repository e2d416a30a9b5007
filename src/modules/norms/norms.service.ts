import { rowMapper } from '../../db/rows';
import { execute, queryMaybeOne, queryOne } from '../../db/sql';
import { type NestedConnectionSpec } from '../../graphql/connection';
import { conflict } from '../../graphql/errors';
import { NetworkRole } from '../../graphql/principal';
import { publishOnCommit } from '../../realtime/live';
import { Group } from '../groups/group.entity';
import { Membership, MembershipStatus } from '../memberships/membership.entity';
import { GroupNormsVersion, NormsProposerRole } from './norms.entity';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { EntityManager } from 'typeorm';

/** Who writes a version of a group's norms: the role they act in, and the member or API key (for the record only). */
export interface NormsProposer {
  role: NormsProposerRole | null;
  memberId: string | null;
  apiKeyId: string | null;
}

/** Nobody known (the demo seed, scripts). */
export const UNKNOWN_PROPOSER: NormsProposer = { role: null, memberId: null, apiKeyId: null };

/**
 * The caller as proposer of a norms change. Only a group's managers may change its norms (updateGroup checks), so a
 * member token with the network role MEMBER acts as the group's FACILITATOR.
 */
export function proposerOf(ctx: Pick<Context, 'principal'>): NormsProposer {
  const p = ctx.principal;
  if (p.kind === 'API_KEY') return { role: NormsProposerRole.API_KEY, memberId: null, apiKeyId: p.apiKeyId };
  const role =
    p.role === NetworkRole.ADMIN ? NormsProposerRole.ADMIN : p.role === NetworkRole.COORDINATOR ? NormsProposerRole.COORDINATOR : NormsProposerRole.FACILITATOR;
  return { role, memberId: p.memberId, apiKeyId: null };
}

/** What changed between two versions: norms added and removed (exact text; a reworded norm is one removed and one added). */
export function normsDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const was = new Set(before);
  const is = new Set(after);
  return { added: after.filter((n) => !was.has(n)), removed: before.filter((n) => !is.has(n)) };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n, i) => n === b[i]);

async function insertVersion(manager: EntityManager, group: Group, version: number, before: string[], proposer: NormsProposer): Promise<void> {
  const { added, removed } = normsDiff(before, group.norms);
  await execute(
    manager,
    `INSERT INTO group_norms_versions (network_id, group_id, version, norms, added, removed, proposed_by_role, proposed_by_member_id, proposed_by_api_key_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [group.networkId, group.id, version, group.norms, added, removed, proposer.role, proposer.memberId, proposer.apiKeyId],
  );
}

/** Version 1 of a new group's norms (call once the group row exists). */
export async function recordFirstNormsVersion(scope: Scope, group: Group, proposer: NormsProposer): Promise<void> {
  await insertVersion(scope.manager, group, 1, [], proposer);
}

/**
 * Sets a group's norms (not saved yet: the caller saves the group in the same transaction). When the list differs
 * from the current one (text or order), the group's row is locked, its version goes up by one and the new version is
 * written, with what changed against the norms as they stood under the lock (so concurrent changes queue and each
 * diff is against its true predecessor). ACTIVE members who accepted an older version now need to accept again
 * (`needsNormsAcceptance`, computed, nothing to update). An unchanged list writes nothing.
 */
export async function changeNorms(scope: Scope, group: Group, norms: string[], proposer: NormsProposer): Promise<void> {
  const { manager } = scope;
  const current = await queryOne<{ norms: string[]; norms_version: number }>(
    manager,
    `SELECT norms, norms_version FROM groups WHERE network_id = $1 AND id = $2 FOR UPDATE`,
    [group.networkId, group.id],
  );
  if (sameList(current.norms, norms)) {
    Object.assign(group, { norms: current.norms, normsVersion: current.norms_version });
    return;
  }
  Object.assign(group, { norms, normsVersion: current.norms_version + 1 });
  await insertVersion(manager, group, group.normsVersion, current.norms, proposer);
}

/** True for an ACTIVE membership that accepted a version of the norms older than the group's current one. */
export function needsNormsAcceptance(membership: Pick<Membership, 'status' | 'normsVersionAccepted'>, group: Pick<Group, 'normsVersion'>): boolean {
  return membership.status === MembershipStatus.ACTIVE && membership.normsVersionAccepted != null && membership.normsVersionAccepted < group.normsVersion;
}

/** The message of the CONFLICT `requireCurrentNorms` throws. */
export const mustAcceptNorms = (version: number) =>
  conflict(`The norms of this group have changed (now version ${version}): accept them again with acceptNorms(groupId) first`);

/**
 * The gate for what needs the current norms (e.g. posting resources): CONFLICT (`mustAcceptNorms`) when the
 * membership must accept the group's current norms again (see needsNormsAcceptance). Attending never needs it.
 */
export async function requireCurrentNorms(ctx: Context, membership: Membership): Promise<void> {
  const group = await ctx.loaders.byId(Group).load(membership.groupId);
  if (group && needsNormsAcceptance(membership, group)) throw mustAcceptNorms(group.normsVersion);
}

/**
 * Records that the member accepts the group's current norms (as the group row reads now). Accepting the version
 * already accepted changes nothing. ACTIVE and PAUSED memberships; LEFT: CONFLICT (join again with joinGroup).
 */
export async function acceptCurrentNorms(ctx: Context, membership: Membership): Promise<Membership> {
  if (membership.status === MembershipStatus.LEFT) throw conflict('You have left this group: join it again with joinGroup, accepting its norms');
  const row = await queryMaybeOne(
    ctx.manager,
    `UPDATE memberships m SET norms_version_accepted = g.norms_version, norms_accepted_at = now(), updated_at = now()
     FROM groups g
     WHERE m.network_id = $1 AND m.id = $2 AND g.network_id = m.network_id AND g.id = m.group_id
       AND m.norms_version_accepted IS DISTINCT FROM g.norms_version
     RETURNING m.*`,
    [membership.networkId, membership.id],
  );
  if (!row) return membership;
  publishOnCommit(ctx, 'membershipChanged', [{ networkId: membership.networkId, groupId: membership.groupId, membershipId: membership.id }]);
  return rowMapper(ctx.manager.connection, Membership)(row);
}

const specCache = new WeakMap<object, NestedConnectionSpec<GroupNormsVersion>>();

/** `Group.normsHistory`: newest version first; one statement for all groups of a page. */
export function normsHistorySpec(manager: EntityManager): NestedConnectionSpec<GroupNormsVersion> {
  let spec = specCache.get(manager.connection);
  if (!spec) {
    const map = rowMapper(manager.connection, GroupNormsVersion);
    spec = {
      tag: 'group-norms-history',
      from: 'group_norms_versions t',
      alias: 't',
      select: 't.*',
      parent: 't.group_id',
      sort: [{ sql: 't.version', descending: true, value: (v) => v.version }],
      map,
    };
    specCache.set(manager.connection, spec);
  }
  return spec;
}
