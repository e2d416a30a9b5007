import type { GqlResult, TestApp } from './app';
import type { TestNetwork } from './factories';

/** Small helpers the API tests share: reading results, IDs, dates and a group to work with. */

/** A member of a test network: database id, global ID and a member token acting as them. */
export type Cred = { id: string; globalId: string; token: string };

/** The result's data, which must have come without errors. */
export function ok<T = any>(res: GqlResult<T>): T {
  expect(res.errors).toBeUndefined();
  return res.data!;
}

/** The code of the result's first error, if any. */
export const code = (res: GqlResult<unknown>) => res.errors?.[0]?.extensions.code;

/** The database id inside a global ID. */
export const dbId = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];

/** The ISO time `d` days from now. */
export const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** A new ONLINE group of `net` (created with its admin key); its global ID. */
export async function createGroup(
  app: TestApp,
  net: TestNetwork,
  name: string,
  { visibility = 'NETWORK', topics = ['grief'] }: { visibility?: string; topics?: string[] } = {},
): Promise<string> {
  const res = await app.gql<{ createGroup: { id: string } }>(
    `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`,
    { input: { name, objectives: ['Support'], topics, norms: ['Confidentiality'], format: 'ONLINE', visibility } },
    net.adminKey,
  );
  return ok(res).createGroup.id;
}

/** `member` joins the group (accepting its norms). */
export async function joinGroup(app: TestApp, groupId: string, member: Cred): Promise<void> {
  ok(await app.gql(`mutation($g: ID!) { joinGroup(groupId: $g, acceptNorms: true) { id } }`, { g: groupId }, member.token));
}
