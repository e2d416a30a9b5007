import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Turns raw rows (`queryRows` in ./sql.ts, snake_case columns) into entity instances, using the column mapping
 * TypeORM already holds for the entity. Hot read paths use hand-written SQL and this mapper instead of
 * query-builder hydration, which costs several times more CPU per row.
 */
export type RowMapper<T> = (row: Record<string, unknown>) => T;

const mappers = new WeakMap<object, RowMapper<unknown>>();

export function rowMapper<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>): RowMapper<T> {
  const cached = mappers.get(entity as object);
  if (cached) return cached as RowMapper<T>;
  const metadata = dataSource.getMetadata(entity);
  const pairs = metadata.columns.filter((c) => c.isSelect).map((c) => [c.databaseName, c.propertyName] as const);
  const Target = metadata.target as new () => T;
  const mapper: RowMapper<T> = (row) => {
    const instance = new Target() as Record<string, unknown>;
    for (const [column, property] of pairs) if (column in row) instance[property] = row[column];
    return instance as T;
  };
  mappers.set(entity as object, mapper as RowMapper<unknown>);
  return mapper;
}

const lists = new WeakMap<object, string>();

/** The entity's columns as a SELECT list (`"id", "network_id", …`): no unmapped columns, none marked `select: false`. */
export function selectList<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, alias?: string): string {
  const key = entity as object;
  let list = lists.get(key);
  if (!list) {
    list = dataSource
      .getMetadata(entity)
      .columns.filter((c) => c.isSelect)
      .map((c) => `"${c.databaseName}"`)
      .join(', ');
    lists.set(key, list);
  }
  return alias ? list.replace(/"([^"]+)"/g, `${alias}."$1"`) : list;
}

/** The entity's columns read along in another entity's query: `alias."col" AS "_alias_col"`; see `unprefixRow`. */
export function prefixedSelectList<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, alias: string): string {
  return selectList(dataSource, entity)
    .split(', ')
    .map((column) => `${alias}.${column} AS "_${alias}_${column.slice(1, -1)}"`)
    .join(', ');
}

/** The columns of `row` read with `prefixedSelectList(…, alias)`, under their own names. */
export function unprefixRow(row: Record<string, unknown>, alias: string): Record<string, unknown> {
  const prefix = `_${alias}_`;
  const out: Record<string, unknown> = {};
  for (const key in row) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = row[key];
  return out;
}
