import { randomUUID } from 'node:crypto';
import { toGlobalId } from '../../src/graphql/global-id';
import type { GqlResult, TestApp } from './app';
import type { TestNetwork } from './factories';

/** The helpers the API tests share: reading results and errors, IDs, dates, groups and memberships to work with. */

/** A member of a test network: database id, global ID and a member token acting as them. */
export type Cred = { id: string; globalId: string; token: string };

/** The result's data, which must have come without errors. */
export function ok<T = any>(res: GqlResult<T>): T {
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  expect(res.data).toBeTruthy();
  return res.data!;
}

/** The code of the result's first error, if any. */
export const code = (res: GqlResult<unknown>) => res.errors?.[0]?.extensions.code;

/** The result failed with exactly one error, of this code (and a message matching `message`), and no data; the error. */
export function expectCode(res: GqlResult<unknown>, code: string, message?: RegExp) {
  expect(res.errors?.map((e) => e.extensions.code)).toEqual([code]);
  if (message) expect(res.errors![0].message).toMatch(message);
  expect(res.data ?? null).toBeNull();
  return res.errors![0];
}

/** BAD_USER_INPUT whose fieldErrors name exactly these paths (in order; several messages for one path count once). */
export function expectFieldErrors(res: GqlResult<unknown>, ...paths: Array<Array<string | number>>): void {
  expectCode(res, 'BAD_USER_INPUT');
  const seen = (res.errors![0].extensions.fieldErrors ?? []).map((f) => JSON.stringify(f.path));
  expect([...new Set(seen)]).toEqual(paths.map((p) => JSON.stringify(p)));
}

/** The database id inside a global ID. */
export const dbId = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];

/** A global ID of this type that exists nowhere. */
export const unknownId = (type: string) => toGlobalId(type, randomUUID());

/**
 * The cross-network assertion: `query` with another network's ID (`vars`) answers exactly as with an ID that exists
 * nowhere (`unknownVars`): no data, one error of `code`, the same message and field errors. `name` labels a failure.
 */
export async function expectLikeUnknown(
  app: TestApp,
  query: string,
  vars: Record<string, unknown>,
  unknownVars: Record<string, unknown>,
  credential: string,
  code = 'NOT_FOUND',
  name = query,
): Promise<void> {
  const answer = (res: GqlResult<unknown>) => ({
    name,
    data: res.data ?? null,
    codes: res.errors?.map((e) => e.extensions.code),
    message: res.errors?.[0]?.message,
    fieldErrors: res.errors?.[0]?.extensions.fieldErrors,
  });
  const foreign = answer(await app.gql(query, vars, credential));
  const unknown = answer(await app.gql(query, unknownVars, credential));
  expect(unknown).toMatchObject({ data: null, codes: [code] });
  expect(foreign).toEqual(unknown);
}

/** The ISO time `d` days from now. */
export const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** A new ONLINE group of `net` (created with its admin key), with `over` replacing input fields; its global ID. */
export async function createGroup(app: TestApp, net: TestNetwork, over: Record<string, unknown> = {}): Promise<string> {
  const input = { name: 'Circle', objectives: ['Support'], topics: ['grief'], norms: ['Confidentiality'], format: 'ONLINE', visibility: 'NETWORK', ...over };
  const res = await app.gql<{ createGroup: { id: string } }>(`mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`, { input }, net.adminKey);
  return ok(res).createGroup.id;
}

/** `member` joins the group (accepting its norms). */
export async function joinGroup(app: TestApp, groupId: string, member: Cred): Promise<void> {
  ok(await app.gql(`mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }`, { g: groupId }, member.token));
}

/** The network's admin key adds a member to a group (with this role); the membership's global ID. */
export async function addMember(app: TestApp, net: TestNetwork, groupGlobalId: string, memberGlobalId: string, role = 'MEMBER'): Promise<string> {
  const res = await app.gql<{ addMember: { id: string } }>(
    `mutation($g: ID!, $m: ID!, $r: GroupRole) { addMember(groupId: $g, memberId: $m, role: $r) { id } }`,
    { g: groupGlobalId, m: memberGlobalId, r: role },
    net.adminKey,
  );
  return ok(res).addMember.id;
}
