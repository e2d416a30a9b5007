import { withTenant } from '../../src/db/tenant';
import { toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { createTestNetwork, type TestNetwork } from './factories';
import { addMember, createGroup, dbId, type Cred } from './gql';
import type { TestApp } from './app';

/**
 * A network with a cast for permission matrices (attendance, feedback, gratitude, wellbeing, outreach, evaluation,
 * subscriptions), sessions in a given state straight into the database (the session life-cycle has its own tests),
 * and SQL in a tenant transaction.
 */

/**
 * A network with one group and the cast of the permissions matrix: a facilitator and two members of the
 * group, an outsider (a network member not in the group), a coordinator and an admin (not in the group),
 * and API keys with various scopes.
 */
export interface World {
  net: TestNetwork;
  group: { id: string; globalId: string };
  facilitator: Cred;
  member: Cred;
  member2: Cred;
  outsider: Cred;
  coordinator: Cred;
  admin: Cred;
  memberMembership: string;
  keys: { read: string; readPersonal: string; write: string; writePersonal: string; all: string };
}

export async function createWorld(app: TestApp, name = 'Participation'): Promise<World> {
  const net = await createTestNetwork(app, name);
  const groupId = await createGroup(app, net);
  const group = { id: dbId(groupId), globalId: groupId };
  const facilitator = await net.member(NetworkRole.MEMBER, { displayName: 'Fay Facilitator' });
  const member = await net.member(NetworkRole.MEMBER, { displayName: 'Mia Member' });
  const member2 = await net.member(NetworkRole.MEMBER, { displayName: 'Max Member' });
  const outsider = await net.member(NetworkRole.MEMBER, { displayName: 'Olli Outsider' });
  const coordinator = await net.member(NetworkRole.COORDINATOR, { displayName: 'Cora Coordinator' });
  const admin = await net.member(NetworkRole.ADMIN, { displayName: 'Ada Admin' });
  await addMember(app, net, group.globalId, facilitator.globalId, 'FACILITATOR');
  const memberMembership = await addMember(app, net, group.globalId, member.globalId);
  await addMember(app, net, group.globalId, member2.globalId);
  const keys = {
    read: await net.key(ApiKeyScope.READ),
    readPersonal: await net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA),
    write: await net.key(ApiKeyScope.READ, ApiKeyScope.WRITE),
    writePersonal: await net.key(ApiKeyScope.READ, ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA),
    all: net.adminKey,
  };
  return { net, group, facilitator, member, member2, outsider, coordinator, admin, memberMembership, keys };
}

/** Adds `n` new members to the world's group. */
export async function moreMembers(app: TestApp, w: World, n: number): Promise<Cred[]> {
  const people: Cred[] = [];
  for (let i = 0; i < n; i++) {
    const p = await w.net.member();
    await addMember(app, w.net, w.group.globalId, p.globalId);
    people.push(p);
  }
  return people;
}

export interface SessionOpts {
  status?: 'SCHEDULED' | 'LIVE' | 'COMPLETED' | 'CANCELLED';
  /** Start relative to now, in minutes (negative: in the past). */
  startsInMinutes?: number;
}

/** A session row in the given state, inserted directly. */
export async function insertSession(app: TestApp, networkId: string, groupId: string, opts: SessionOpts = {}): Promise<{ id: string; globalId: string }> {
  const startsAt = new Date(Date.now() + (opts.startsInMinutes ?? -5) * 60_000);
  const endsAt = new Date(startsAt.getTime() + 90 * 60_000);
  const [row] = await withTenant(app.db.dataSource, networkId, (m) =>
    m.query(
      `INSERT INTO sessions (network_id, group_id, title, starts_at, ends_at, time_zone, status, agenda)
       VALUES ($1, $2, 'Weekly meeting', $3, $4, 'Europe/Berlin', $5, '[]') RETURNING id`,
      [networkId, groupId, startsAt, endsAt, opts.status ?? 'LIVE'],
    ),
  );
  return { id: row.id as string, globalId: toGlobalId('Session', row.id as string) };
}

/** Runs SQL in a network's tenant transaction (for checks the API cannot make). */
export function sql<T = Record<string, unknown>>(app: TestApp, networkId: string, text: string, params: unknown[] = []): Promise<T[]> {
  return withTenant(app.db.dataSource, networkId, (m) => m.query(text, params));
}
