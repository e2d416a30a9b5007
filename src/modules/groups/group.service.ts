import { prefixedSelectList, rowMapper, selectList, unprefixRow } from '../../db/rows';
import { type Row, queryRows } from '../../db/sql';
import { paginate, type Connection } from '../../graphql/connection';
import { conflict } from '../../graphql/errors';
import { Membership } from '../memberships/membership.entity';
import { Network } from '../networks/network.entity';
import { changeNorms, recordFirstNormsVersion, UNKNOWN_PROPOSER, type NormsProposer } from '../norms/norms.service';
import { fillFreePlaces } from '../rsvps/rsvp.service';
import { DEFAULT_AGENDA, toAgenda } from './agenda';
import { Group, GroupVisibility } from './group.entity';
import type { Scope } from '../../db/tenant';
import type { CreateGroupInput, GroupsArgs, UpdateGroupInput } from './group.inputs';

/** What `groups` lists for the viewer, and what it reads along with the groups. */
export interface GroupListOptions {
  /** The viewer (member tokens): their membership of each group is read along (loaders are primed with it). */
  viewerMemberId?: string;
  /** Plain members see PRIVATE groups only if they are in them (not LEFT). */
  hidePrivate?: boolean;
  /** Also count ACTIVE members per group (when `memberCount` is selected). */
  withMemberCount?: boolean;
}

/** A listed group with what was read along with it, for the loaders. */
export interface ListedGroup extends Group {
  listedMemberCount?: number;
  listedViewerMembership?: Membership | null;
}

/** Turns free text into a prefix tsquery ("anx sup" → `anx:* & sup:*`); null when it has no words. */
export function prefixQuery(text: string): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu);
  return words
    ? words
        .slice(0, 10)
        .map((w) => `${w}:*`)
        .join(' & ')
    : null;
}

/**
 * One statement for the page: the groups, and (when asked) the viewer's membership of each and the member
 * counts, which would otherwise be two more statements.
 */
export async function listGroups(scope: Scope, options: GroupListOptions, args: GroupsArgs): Promise<Connection<ListedGroup>> {
  const { manager } = scope;
  const params: unknown[] = [scope.networkId];
  const param = (v: unknown) => `$${params.push(v)}`;
  const where = ['g.network_id = $1'];
  if (!args.includeArchived) where.push('g.archived_at IS NULL');
  if (args.topic) where.push(`g.topics @> ARRAY[${param(args.topic.trim().toLowerCase())}]::text[]`);
  const query = args.search ? prefixQuery(args.search) : null;
  if (query) where.push(`g.search @@ to_tsquery('simple', ${param(query)})`);
  let from = 'groups g';
  const select = [selectList(manager.connection, Group, 'g')];
  if (options.viewerMemberId) {
    from += ` LEFT JOIN memberships vm ON vm.network_id = g.network_id AND vm.group_id = g.id AND vm.member_id = ${param(options.viewerMemberId)}`;
    select.push(prefixedSelectList(manager.connection, Membership, 'vm'));
    if (options.hidePrivate) where.push(`(g.visibility <> 'PRIVATE' OR vm.status IN ('ACTIVE', 'PAUSED'))`);
  }
  if (options.withMemberCount) {
    select.push(`(SELECT count(*)::int FROM memberships mc
                  WHERE mc.network_id = g.network_id AND mc.group_id = g.id AND mc.status = 'ACTIVE') AS "_member_count"`);
  }
  const mapGroup = rowMapper(manager.connection, Group);
  const mapMembership = rowMapper(manager.connection, Membership);
  const map = (row: Row & { _member_count?: number }): ListedGroup => {
    const group = mapGroup(row) as ListedGroup;
    if (options.withMemberCount) group.listedMemberCount = row._member_count;
    if (options.viewerMemberId) {
      const vm = unprefixRow(row, 'vm');
      group.listedViewerMembership = vm.id ? mapMembership(vm) : null;
    }
    return group;
  };
  return paginate(
    manager,
    { select: select.join(', '), from, where, params, map },
    args,
    [
      { sql: 'g.name', value: (g) => g.name },
      { sql: 'g.id', value: (g) => g.id },
    ],
    'groups',
  );
}

export const slugify = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '') || 'group';

/** The name's slug, or the slug with the lowest free `-n` suffix in the network. */
async function freeSlug(scope: Scope, name: string): Promise<string> {
  const { manager, networkId } = scope;
  const base = slugify(name);
  const rows = await queryRows<{ slug: string }>(manager, `SELECT slug FROM groups WHERE network_id = $1 AND (slug = $2 OR slug ~ ('^' || $2 || '-[0-9]+$'))`, [
    networkId,
    base,
  ]);
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}-${n}`)) n += 1;
  return `${base}-${n}`;
}

const clean = (items: string[]) => items.map((s) => s.trim()).filter((s) => s.length > 0);

/** Creates a group, with version 1 of its norms (`proposer`: who creates it). */
export async function createGroup(scope: Scope, input: CreateGroupInput, proposer: NormsProposer = UNKNOWN_PROPOSER): Promise<Group> {
  const { manager, networkId } = scope;
  let timeZone = input.timeZone;
  if (!timeZone) {
    const network = await manager.getRepository(Network).findOneBy({ id: networkId });
    timeZone = network?.timeZone ?? 'UTC';
  }
  const repo = manager.getRepository(Group);
  const group = await repo.save(
    repo.create({
      networkId,
      name: input.name.trim(),
      slug: await freeSlug(scope, input.name),
      description: input.description?.trim() || null,
      objectives: clean(input.objectives),
      topics: [...new Set(input.topics)],
      norms: clean(input.norms),
      visibility: input.visibility ?? GroupVisibility.NETWORK,
      format: input.format,
      capacity: input.capacity ?? null,
      timeZone,
      agendaTemplate: input.agendaTemplate ? toAgenda(input.agendaTemplate) : DEFAULT_AGENDA,
      archivedAt: null,
      publiclyListed: false,
      publicLocation: null,
      publicAddress: null,
      publicConferenceUrl: null,
      publicNotes: null,
      normsVersion: 1,
    }),
  );
  await recordFirstNormsVersion(scope, group, proposer);
  return group;
}

/** Applies the changes; a change of the norms writes a new version of them (`proposer`: who changes them). */
export async function updateGroup(scope: Scope, group: Group, input: UpdateGroupInput, proposer: NormsProposer): Promise<Group> {
  const { manager } = scope;
  if (input.name != null) group.name = input.name.trim();
  if (input.description != null) group.description = input.description.trim() || null;
  if (input.objectives != null) group.objectives = clean(input.objectives);
  if (input.topics != null) group.topics = [...new Set(input.topics)];
  if (input.norms != null) await changeNorms(scope, group, clean(input.norms), proposer);
  if (input.visibility != null) {
    // The database refuses it too (groups_private_never_listed); this says what to do.
    if (input.visibility === GroupVisibility.PRIVATE && group.publiclyListed) {
      throw conflict('A publicly listed group cannot become PRIVATE: take it out of the public meeting feed first (updateGroupListing)');
    }
    group.visibility = input.visibility;
  }
  if (input.format != null) group.format = input.format;
  if (input.capacity != null) group.capacity = input.capacity === 0 ? null : input.capacity;
  if (input.timeZone != null) group.timeZone = input.timeZone;
  if (input.agendaTemplate != null) group.agendaTemplate = toAgenda(input.agendaTemplate);
  const capacityChanged = input.capacity != null;
  const saved = await manager.getRepository(Group).save(group);
  if (capacityChanged) {
    // Open sessions without a capacity of their own follow the group's: waitlisted members move up now.
    const open = await queryRows<{ id: string }>(
      manager,
      `SELECT id FROM sessions WHERE network_id = $1 AND group_id = $2 AND capacity IS NULL AND status IN ('SCHEDULED', 'LIVE')
       ORDER BY id FOR UPDATE`,
      [group.networkId, group.id],
    );
    for (const { id } of open) await fillFreePlaces(scope, id);
  }
  return saved;
}

export async function archiveGroup(scope: Scope, group: Group): Promise<Group> {
  const { manager } = scope;
  if (group.archivedAt) return group;
  group.archivedAt = new Date();
  return manager.getRepository(Group).save(group);
}
