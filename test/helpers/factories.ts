import { withTenant } from '../../src/db/tenant';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { ALL_SCOPES, createApiKey, type KeyPowers } from '../../src/modules/auth/api-key.service';
import { Member, NetworkRole } from '../../src/modules/members/member.entity';
import { createNetwork } from '../../src/modules/networks/network.service';
import { uniqueSlug, type TestApp } from './app';
import type { Cred } from './gql';

export interface TestNetwork {
  id: string;
  globalId: string;
  slug: string;
  /** An API key with every scope, issuing tokens up to ADMIN (as the CLI's first key). */
  adminKey: string;
  /** A new API key with exactly these scopes (issuing tokens up to MEMBER, the default). */
  key(...scopes: ApiKeyScope[]): Promise<string>;
  /** A new API key with these powers. */
  keyWith(powers: KeyPowers): Promise<string>;
  /** A new member with this role (and email), plus a member token acting as them. */
  member(role?: NetworkRole, opts?: { displayName?: string; email?: string | null }): Promise<Cred>;
}

/** Creates a network the way the CLI does, with an all-scopes key; helpers for more keys and members. */
export async function createTestNetwork(app: TestApp, name = 'Test Network'): Promise<TestNetwork> {
  const ds = app.db.dataSource;
  const network = await createNetwork(ds, { slug: uniqueSlug(), name });
  const keyWith = async (powers: KeyPowers) =>
    (await withTenant(ds, network.id, (m) => createApiKey(m, network.id, { name: `test key ${powers.scopes.join(',')}`, ...powers }))).secret;
  const key = (...scopes: ApiKeyScope[]) => keyWith({ scopes });
  let n = 0;
  return {
    id: network.id,
    globalId: network.globalId,
    slug: network.slug,
    adminKey: await keyWith({ scopes: ALL_SCOPES, memberTokenMaxRole: NetworkRole.ADMIN }),
    key,
    keyWith,
    async member(role = NetworkRole.MEMBER, opts = {}) {
      n += 1;
      const member = await withTenant(ds, network.id, (m) =>
        m.getRepository(Member).save(
          m.getRepository(Member).create({
            networkId: network.id,
            displayName: opts.displayName ?? `${role.toLowerCase()} ${n}`,
            email: opts.email === undefined ? `${role.toLowerCase()}${n}@${network.slug}.example` : opts.email,
            role,
          }),
        ),
      );
      const { token } = await app.tokens.issue(network.id, member.id, 600);
      return { id: member.id, globalId: member.globalId, token };
    },
  };
}

async function must<T>(app: TestApp, query: string, variables: Record<string, unknown>, credential: string): Promise<T> {
  const res = await app.gql<T>(query, variables, credential);
  if (res.errors) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(res.errors)}`);
  return res.data!;
}

/** An ACTIVE partnership: requested by one network's ADMIN, accepted by the other's. Returns its global ID. */
export async function activePartnership(
  app: TestApp,
  requesterAdmin: string,
  partner: { slug: string; admin: string },
  scopes = ['GROUP_DIRECTORY', 'JOINT_EVENTS'],
): Promise<string> {
  const { requestPartnership } = await must<{ requestPartnership: { id: string } }>(
    app,
    'mutation($s: String!, $scopes: [PartnershipScope!]!) { requestPartnership(partnerSlug: $s, scopes: $scopes) { id } }',
    { s: partner.slug, scopes },
    requesterAdmin,
  );
  await must(app, 'mutation($id: ID!) { respondToPartnership(id: $id, accept: true) { id } }', { id: requestPartnership.id }, partner.admin);
  return requestPartnership.id;
}

/** A joint event in `inDays` days (two hours), hosted with `hostGroupId`, with `invitee` invited. Returns its global ID. */
export async function invitedJointEvent(app: TestApp, hostAdmin: string, hostGroupId: string, invitee: { globalId: string }, inDays = 10): Promise<string> {
  const startsAt = new Date(Date.now() + inDays * 86_400_000);
  const { createJointEvent } = await must<{ createJointEvent: { id: string } }>(
    app,
    'mutation($input: CreateJointEventInput!) { createJointEvent(input: $input) { id } }',
    {
      input: {
        title: 'Grief circle together',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 7_200_000).toISOString(),
        format: 'ONLINE',
        onlineUrl: 'https://meet.example/grief',
        hostGroupIds: [hostGroupId],
      },
    },
    hostAdmin,
  );
  await must(
    app,
    'mutation($e: ID!, $n: ID!) { inviteToJointEvent(jointEventId: $e, networkId: $n) { status } }',
    { e: createJointEvent.id, n: invitee.globalId },
    hostAdmin,
  );
  return createJointEvent.id;
}
