import { rowMapper } from '../../db/rows';
import { queryOne } from '../../db/sql';
import { exactTimeKey, type NestedConnectionSpec } from '../../graphql/connection';
import { WellbeingCheckIn } from './wellbeing.entity';
import type { Scope } from '../../db/tenant';
import type { EntityManager } from 'typeorm';

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

const specCache = new WeakMap<object, NestedConnectionSpec<WellbeingCheckIn>>();

/** A member's check-ins, newest first (used with the one parent, the viewer). */
export function wellbeingSpec(manager: EntityManager): NestedConnectionSpec<WellbeingCheckIn> {
  let spec = specCache.get(manager.connection);
  if (!spec) {
    const map = rowMapper(manager.connection, WellbeingCheckIn);
    const key = exactTimeKey('t.recorded_at', { newestFirst: true });
    spec = {
      tag: 'my-wellbeing',
      from: 'wellbeing_checkins t',
      alias: 't',
      select: `t.*, ${key.select}`,
      parent: 't.member_id',
      sort: [key.sort, { sql: 't.id', value: (c) => c.id }],
      map: (row) => key.keep(map(row), row),
    };
    specCache.set(manager.connection, spec);
  }
  return spec;
}
