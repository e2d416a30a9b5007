import { withTenant } from '../../src/db/tenant';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { ALL_SCOPES, createApiKey } from '../../src/modules/auth/api-key.service';
import { Member, NetworkRole } from '../../src/modules/members/member.entity';
import { createNetwork } from '../../src/modules/networks/network.service';
import { uniqueSlug, type TestApp } from './app';

export interface TestNetwork {
  id: string;
  globalId: string;
  slug: string;
  /** An API key with all four scopes. */
  adminKey: string;
  /** A new API key with exactly these scopes. */
  key(...scopes: ApiKeyScope[]): Promise<string>;
  /** A new member with this role (and email), plus a member token acting as them. */
  member(role?: NetworkRole, opts?: { displayName?: string; email?: string | null }): Promise<{ id: string; globalId: string; token: string }>;
}

/** Creates a network the way the CLI does, with an all-scopes key; helpers for more keys and members. */
export async function createTestNetwork(app: TestApp, name = 'Test Network'): Promise<TestNetwork> {
  const ds = app.db.dataSource;
  const network = await createNetwork(ds, { slug: uniqueSlug(), name });
  const key = async (...scopes: ApiKeyScope[]) =>
    (await withTenant(ds, network.id, (m) => createApiKey(m, network.id, { name: `test key ${scopes.join(',')}`, scopes }))).secret;
  let n = 0;
  return {
    id: network.id,
    globalId: network.globalId,
    slug: network.slug,
    adminKey: await key(...ALL_SCOPES),
    key,
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
