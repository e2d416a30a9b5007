import { withTenant } from '../../src/db/tenant';
import { parseGlobalId, toGlobalId } from '../../src/graphql/global-id';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import type { GqlResult, TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';

/**
 * Fixtures for the participation tests (attendance, feedback, gratitude, wellbeing, outreach): groups and
 * memberships through the API, sessions in a given state straight into the database (the session
 * life-cycle has its own tests).
 */

export type Person = { id: string; globalId: string; token: string };

export const dbId = (globalId: string): string => parseGlobalId(globalId)!.id;

export function ok<T>(res: GqlResult<T>): T {
  if (res.errors) throw new Error(`unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

export function expectCode(res: GqlResult<unknown>, code: string): void {
  expect(res.errors?.map((e) => e.extensions.code)).toEqual([code]);
}

/** BAD_USER_INPUT whose fieldErrors name exactly these paths (in order; several messages for one path count once). */
export function expectFieldErrors(res: GqlResult<unknown>, ...paths: Array<Array<string | number>>): void {
  expectCode(res, 'BAD_USER_INPUT');
  const seen = (res.errors![0].extensions.fieldErrors ?? []).map((f) => JSON.stringify(f.path));
  expect([...new Set(seen)]).toEqual(paths.map((p) => JSON.stringify(p)));
}

export async function createGroup(app: TestApp, net: TestNetwork, name = 'Circle', visibility = 'NETWORK'): Promise<{ id: string; globalId: string }> {
  const res = await app.gql<{ createGroup: { id: string } }>(
    `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`,
    { input: { name, objectives: ['Share'], topics: ['anxiety'], norms: ['Confidentiality'], format: 'ONLINE', visibility } },
    net.adminKey,
  );
  const globalId = ok(res).createGroup.id;
  return { id: dbId(globalId), globalId };
}

/** Adds a member to a group through the API; returns the membership's global ID. */
export async function addMember(app: TestApp, net: TestNetwork, groupGlobalId: string, memberGlobalId: string, role = 'MEMBER'): Promise<string> {
  const res = await app.gql<{ addMember: { id: string } }>(
    `mutation($g: ID!, $m: ID!, $r: GroupRole) { addMember(groupId: $g, memberId: $m, role: $r) { id } }`,
    { g: groupGlobalId, m: memberGlobalId, r: role },
    net.adminKey,
  );
  return ok(res).addMember.id;
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

/**
 * A network with one group and the cast of the permissions matrix: a facilitator and two members of the
 * group, an outsider (a network member not in the group), a coordinator and an admin (not in the group),
 * and API keys with various scopes.
 */
export interface World {
  net: TestNetwork;
  group: { id: string; globalId: string };
  facilitator: Person;
  member: Person;
  member2: Person;
  outsider: Person;
  coordinator: Person;
  admin: Person;
  memberMembership: string;
  keys: { read: string; readPersonal: string; write: string; writePersonal: string; all: string };
}

export async function createWorld(app: TestApp, name = 'Participation'): Promise<World> {
  const net = await createTestNetwork(app, name);
  const group = await createGroup(app, net);
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
export async function moreMembers(app: TestApp, w: World, n: number): Promise<Person[]> {
  const people: Person[] = [];
  for (let i = 0; i < n; i++) {
    const p = await w.net.member();
    await addMember(app, w.net, w.group.globalId, p.globalId);
    people.push(p);
  }
  return people;
}
