import { IsNull } from 'typeorm';
import { rowMapper, selectList } from '../../db/rows';
import { queryOne } from '../../db/sql';
import { paginate, type Connection } from '../../graphql/connection';
import { conflict, notFound } from '../../graphql/errors';
import { NetworkRole } from '../../graphql/principal';
import { Member } from './member.entity';
import type { Scope } from '../../db/tenant';
import type { CreateMemberInput, MembersArgs, UpdateMemberInput } from './member.inputs';

/**
 * A member of the network by id; NOT_FOUND otherwise. A tombstone of an erased member is NOT_FOUND too: nobody edits,
 * promotes, adds, erases or issues tokens for it.
 */
export async function findMember(scope: Scope, id: string | undefined): Promise<Member> {
  const { manager, networkId } = scope;
  const member = id ? await manager.getRepository(Member).findOneBy({ id, networkId, erasedAt: IsNull() }) : null;
  if (!member) throw notFound('Member');
  return member;
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
/** A member of the network by the partner's own id (`externalId`); NOT_FOUND otherwise. */
export async function findMemberByExternalId(scope: Scope, externalId: string): Promise<Member> {
  const { manager, networkId } = scope;
  const member = await manager.getRepository(Member).findOneBy({ networkId, externalId });
  if (!member) throw notFound('Member');
  return member;
}

export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listMembers(scope: Scope, args: MembersArgs): Promise<Connection<Member>> {
  const { manager, networkId } = scope;
  const params: unknown[] = [networkId];
  // Tombstones of erased members are nobody to list (they stay only where participation is counted).
  const where = ['m.network_id = $1', 'm.erased_at IS NULL'];
  const search = args.search?.trim();
  if (search) where.push(`m.display_name ILIKE $${params.push(likePattern(search))}`);
  return paginate(
    manager,
    { select: selectList(manager.connection, Member, 'm'), from: 'members m', where, params, map: rowMapper(manager.connection, Member) },
    args,
    [
      { sql: 'm.display_name', value: (m) => m.displayName },
      { sql: 'm.id', value: (m) => m.id },
    ],
    'members',
  );
}

export async function createMember(scope: Scope, input: CreateMemberInput): Promise<Member> {
  const { manager, networkId } = scope;
  const repo = manager.getRepository(Member);
  return repo.save(
    repo.create({
      networkId,
      displayName: input.displayName.trim(),
      email: input.email?.trim() || null,
      role: input.role ?? NetworkRole.MEMBER,
      externalId: input.externalId ?? null,
    }),
  );
}

export async function updateMember(scope: Scope, member: Member, input: UpdateMemberInput): Promise<Member> {
  const { manager } = scope;
  if (input.displayName != null) member.displayName = input.displayName.trim();
  if (input.email !== undefined && input.email !== null) member.email = input.email.trim() || null;
  if (input.doNotContact != null) member.doNotContact = input.doNotContact;
  if (input.externalId != null) member.externalId = input.externalId || null;
  return manager.getRepository(Member).save(member);
}

/** Changes a member's network role; the network keeps at least one ADMIN member. */
export async function setMemberRole(scope: Scope, member: Member, role: NetworkRole): Promise<Member> {
  const { manager } = scope;
  if (member.role === NetworkRole.ADMIN && role !== NetworkRole.ADMIN) {
    const { count } = await queryOne<{ count: number }>(
      manager,
      `SELECT count(*)::int AS count FROM members WHERE network_id = $1 AND role = 'ADMIN' AND erased_at IS NULL AND id <> $2`,
      [member.networkId, member.id],
    );
    if (count === 0) throw conflict('This is the last ADMIN of the network; make another member ADMIN first');
  }
  member.role = role;
  return manager.getRepository(Member).save(member);
}
