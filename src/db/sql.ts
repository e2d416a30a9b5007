import { rowMapper } from './rows';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Raw SQL with typed rows: the one way services run hand-written statements. `manager.query` answers
 * `any`, and for UPDATE/DELETE on PostgreSQL a `[rows, affected]` pair instead of the rows; here every
 * statement answers its rows (RETURNING included) typed once, at the call.
 */

/** A result row as the driver gives it: snake_case columns (type the columns a statement selects instead, when it is used). */
export type Row = Record<string, unknown>;

interface Result<T> {
  records: T[];
  affected: number;
}

/** `EntityManager.query` with TypeORM's structured result, which is the same for every kind of statement. */
async function run<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<Result<T>> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return { records: (result.records ?? []) as T[], affected: result.affected ?? 0 };
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

/** The statement's rows (SELECT, or INSERT/UPDATE/DELETE … RETURNING). */
export async function queryRows<T = Row>(manager: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await run<T>(manager, sql, params)).records;
}

/** The statement's first row, or undefined when it has none. */
export async function queryMaybeOne<T = Row>(manager: EntityManager, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await run<T>(manager, sql, params)).records[0];
}

/** The statement's first row, for statements that always have one (`SELECT EXISTS …`, `count(*)`, a row just inserted). */
export async function queryOne<T = Row>(manager: EntityManager, sql: string, params: unknown[] = []): Promise<T> {
  const row = (await run<T>(manager, sql, params)).records[0];
  if (row === undefined) throw new Error(`Expected a row from: ${sql.slice(0, 80)}`);
  return row;
}

/** Runs a statement for its effect; the number of rows it inserted, changed or deleted. */
export async function execute(manager: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  return (await run(manager, sql, params)).affected;
}

/** The statement's rows as entity instances (the statement selects the entity's columns, e.g. with `selectList`). */
export async function queryEntities<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await queryRows(manager, sql, params)).map(rowMapper(manager.connection, entity));
}
