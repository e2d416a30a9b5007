import { rowMapper } from '../../db/rows';
import { queryOne } from '../../db/sql';
import { exactTimeKey, type NestedConnectionSpec } from '../../graphql/connection';
import { Outreach } from './outreach.entity';
import type { Scope } from '../../db/tenant';
import type { Membership } from '../memberships/membership.entity';
import type { OutreachInput } from './outreach.inputs';
import type { EntityManager } from 'typeorm';

export async function recordOutreach(scope: Scope, membership: Membership, byMemberId: string | null, input: OutreachInput): Promise<Outreach> {
  const { manager } = scope;
  const row = await queryOne(
    manager,
    `INSERT INTO outreach (network_id, membership_id, by_member_id, channel, note, outcome) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [membership.networkId, membership.id, byMemberId, input.channel, input.note ?? null, input.outcome ?? null],
  );
  return rowMapper(manager.connection, Outreach)(row);
}

const specCache = new WeakMap<object, NestedConnectionSpec<Outreach>>();

/** `Membership.outreach`: newest first; one statement for all memberships of a page. */
export function outreachSpec(manager: EntityManager): NestedConnectionSpec<Outreach> {
  let spec = specCache.get(manager.connection);
  if (!spec) {
    const map = rowMapper(manager.connection, Outreach);
    const key = exactTimeKey('t.at', { newestFirst: true });
    spec = {
      tag: 'membership-outreach',
      from: 'outreach t',
      alias: 't',
      select: `t.*, ${key.select}`,
      parent: 't.membership_id',
      sort: [key.sort, { sql: 't.id', value: (o) => o.id }],
      map: (row) => key.keep(map(row), row),
    };
    specCache.set(manager.connection, spec);
  }
  return spec;
}
