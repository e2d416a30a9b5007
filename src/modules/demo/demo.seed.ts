import { DateTime } from 'luxon';
import { execute } from '../../db/sql';
import { withTenant, type Scope } from '../../db/tenant';
import { ApiKeyScope, NetworkRole } from '../../graphql/principal';
import { ALL_SCOPES, createApiKey } from '../auth/api-key.service';
import { DEFAULT_AGENDA } from '../groups/agenda';
import { GroupVisibility, MeetingFormat } from '../groups/group.entity';
import { createGroup } from '../groups/group.service';
import { Member } from '../members/member.entity';
import { claimFirstStart, createNetwork } from '../networks/network.service';
import type { CreateGroupInput } from '../groups/group.inputs';
import type { DataSource } from 'typeorm';

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
 * five scopes (tokens up to ADMIN), whose secret is returned once for the start-up banner. Later starts return undefined.
 */
export async function seedDemoIfFirstStart(dataSource: DataSource): Promise<DemoSeed | undefined> {
  if (!(await claimFirstStart(dataSource))) return undefined;
  const network = await createNetwork(dataSource, {
    slug: 'demo',
    name: 'Demo Peer Network',
    description: 'Sample data to try the API: members with each role, two groups and their upcoming sessions. Safe to delete.',
  });
  return withTenant(dataSource, network.id, async (manager) => {
    const repo = manager.getRepository(Member);
    const members = await repo.save(DEMO_MEMBERS.map((m) => repo.create({ ...m, networkId: network.id })));
    await seedGroups({ manager, networkId: network.id }, members);
    const { secret } = await createApiKey(manager, network.id, {
      name: 'Demo admin key',
      scopes: ALL_SCOPES as ApiKeyScope[],
      memberTokenMaxRole: NetworkRole.ADMIN,
    });
    return { networkSlug: network.slug, apiKey: secret };
  });
}

const DEMO_GROUPS: Array<CreateGroupInput & { weekday: number }> = [
  {
    name: 'Anxiety Circle',
    description: 'A weekly online circle for people living with anxiety.',
    objectives: ['Share coping strategies', 'Feel less alone'],
    topics: ['anxiety', 'mental-health'],
    norms: ['What is shared here stays here', 'Listen without fixing', 'Speak from your own experience'],
    visibility: GroupVisibility.NETWORK,
    format: MeetingFormat.ONLINE,
    capacity: 12,
    timeZone: 'Europe/Berlin',
    weekday: 2,
  },
  {
    name: 'Recovery Together',
    description: 'In-person peer support for addiction recovery, open to partner networks.',
    objectives: ['Support each other in recovery'],
    topics: ['addiction-recovery'],
    norms: ['Confidentiality', 'No judgement'],
    visibility: GroupVisibility.PARTNERS,
    format: MeetingFormat.IN_PERSON,
    capacity: 15,
    timeZone: 'Europe/Berlin',
    weekday: 4,
  },
];

/** Two groups with the coordinator as facilitator, the members in them, and four weekly sessions each from next week. */
async function seedGroups(scope: Scope, members: Member[]): Promise<void> {
  const { manager, networkId } = scope;
  const [, coordinator, ...rest] = members;
  for (const { weekday, ...input } of DEMO_GROUPS) {
    const group = await createGroup(scope, input);
    await execute(
      manager,
      `INSERT INTO memberships (network_id, group_id, member_id, role, norms_accepted_at, norms_version_accepted)
       SELECT $1, $2, m, CASE WHEN m = $3 THEN 'FACILITATOR' ELSE 'MEMBER' END, now(), 1 FROM unnest($4::uuid[]) AS m`,
      [networkId, group.id, coordinator.id, [coordinator.id, ...rest.map((m) => m.id)]],
    );
    const first = DateTime.now()
      .setZone('Europe/Berlin')
      .startOf('week')
      .plus({ weeks: 1, days: weekday - 1 })
      .set({ hour: 18 });
    for (let week = 0; week < 4; week += 1) {
      const start = first.plus({ weeks: week });
      await execute(
        manager,
        `INSERT INTO sessions (network_id, group_id, title, starts_at, ends_at, time_zone, agenda)
         VALUES ($1, $2, $3, $4, $5, 'Europe/Berlin', $6)`,
        [networkId, group.id, `${group.name}, week ${week + 1}`, start.toJSDate(), start.plus({ minutes: 90 }).toJSDate(), JSON.stringify(DEFAULT_AGENDA)],
      );
    }
  }
}
