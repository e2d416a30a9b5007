import type { EntityManager } from 'typeorm';
import type { NestedConnectionSpec } from '../../graphql/connection';
import { rowMapper } from '../../db/rows';
import { epochKey } from '../attendance/participation';
import { WellbeingCheckIn } from './wellbeing.entity';
import { queryOne } from '../../db/sql';
import type { Scope } from '../../db/tenant';

export async function recordWellbeing(
  scope: Scope,
  memberId: string,
  values: { wellbeing: number; confidence: number; sessionId: string | null },
): Promise<WellbeingCheckIn> {
  const { manager, networkId } = scope;
  const row = await queryOne(
    manager,
    `INSERT INTO wellbeing_checkins (network_id, member_id, session_id, wellbeing, confidence) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [networkId, memberId, values.sessionId, values.wellbeing, values.confidence],
  );
  return rowMapper(manager.connection, WellbeingCheckIn)(row);
}

interface ListedCheckIn extends WellbeingCheckIn {
  sortKey?: string;
}

const specCache = new WeakMap<object, NestedConnectionSpec<ListedCheckIn>>();

/** A member's check-ins, newest first (used with the one parent, the viewer). */
export function wellbeingSpec(manager: EntityManager): NestedConnectionSpec<ListedCheckIn> {
  let spec = specCache.get(manager.connection);
  if (!spec) {
    const map = rowMapper(manager.connection, WellbeingCheckIn);
    const key = epochKey('t.recorded_at', true);
    spec = {
      tag: 'my-wellbeing',
      from: 'wellbeing_checkins t',
      alias: 't',
      select: `t.*, ${key}::text AS "_key"`,
      parent: 't.member_id',
      sort: [
        { sql: key, value: (c) => c.sortKey! },
        { sql: 't.id', value: (c) => c.id },
      ],
      map: (row) => Object.assign(map(row) as ListedCheckIn, { sortKey: row._key as string }),
    };
    specCache.set(manager.connection, spec);
  }
  return spec;
}
