import type { DataSource } from 'typeorm';
import { withTenant } from '../../db/tenant';
import { ApiKeyScope } from '../auth/api-key.entity';
import { ALL_SCOPES, createApiKey } from '../auth/api-key.service';
import { Member, NetworkRole } from '../members/member.entity';
import { claimFirstStart, createNetwork } from '../networks/network.service';

export interface DemoSeed {
  networkSlug: string;
  apiKey: string;
}

const DEMO_MEMBERS: Array<Pick<Member, 'displayName' | 'email' | 'role'>> = [
  { displayName: 'Alex (admin)', email: 'alex@example.org', role: NetworkRole.ADMIN },
  { displayName: 'Sam (coordinator)', email: 'sam@example.org', role: NetworkRole.COORDINATOR },
  { displayName: 'Jordan', email: null, role: NetworkRole.MEMBER },
  { displayName: 'Riley', email: 'riley@example.org', role: NetworkRole.MEMBER },
  { displayName: 'Casey', email: null, role: NetworkRole.MEMBER },
  { displayName: 'Morgan', email: null, role: NetworkRole.MEMBER },
];

/**
 * On the first start of an empty database: a demo network with members and an API key with all
 * four scopes, whose secret is returned once for the start-up banner. Later starts return undefined.
 */
export async function seedDemoIfFirstStart(dataSource: DataSource): Promise<DemoSeed | undefined> {
  if (!(await claimFirstStart(dataSource))) return undefined;
  const network = await createNetwork(dataSource, {
    slug: 'demo',
    name: 'Demo Peer Network',
    description: 'Sample data to try the API: members with each role. Safe to delete.',
  });
  return withTenant(dataSource, network.id, async (manager) => {
    const repo = manager.getRepository(Member);
    await repo.save(DEMO_MEMBERS.map((m) => repo.create({ ...m, networkId: network.id })));
    const { secret } = await createApiKey(manager, network.id, { name: 'Demo admin key', scopes: ALL_SCOPES as ApiKeyScope[] });
    return { networkSlug: network.slug, apiKey: secret };
  });
}
