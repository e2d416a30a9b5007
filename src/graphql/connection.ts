import DataLoader from 'dataloader';
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { queryOne, queryRows, type Row } from '../db/sql';
import { invalidArgument } from './errors';
import type { Loaders } from './loaders';
import type { EntityManager } from 'typeorm';

/** Relay pagination, built once: the arguments, the page info, the connection types and the keyset query. */

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: `Return the first n items (0–${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}).` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor (from `pageInfo.endCursor`).' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Return the last n items (0–${MAX_PAGE_SIZE}); use with \`before\`.` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'Return items before this cursor (from `pageInfo.startCursor`).' })
  before?: string | null;
}

@ObjectType({ description: 'Where a page sits in the whole list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'True when there are items after this page.' })
  hasNextPage: boolean;

  @Field({ description: 'True when there are items before this page.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page; null when the page is empty.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item of this page; null when the page is empty.' })
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** What a connection field resolver returns; `totalCount` runs its COUNT only when it is selected. */
export class Connection<T> {
  constructor(
    readonly edges: Array<Edge<T>>,
    readonly pageInfo: PageInfo,
    private readonly count: () => Promise<number>,
  ) {}

  get nodes(): T[] {
    return this.edges.map((e) => e.node);
  }

  get totalCount(): Promise<number> {
    return this.count();
  }
}

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionType<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `An edge in a ${name} connection: a cursor and the ${name}.` })
  class EdgeType {
    @Field({ description: 'Opaque cursor of this item, for `after` / `before`.' })
    cursor: string;

    @Field(() => nodeType, { description: `The ${name}.` })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay cursor connection).` })
  class ConnectionType {
    @Field(() => Int, { description: 'Number of items in the whole list, across all pages.' })
    totalCount: number;

    @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
    pageInfo: PageInfo;

    @Field(() => [EdgeType], { description: 'The items of this page with their cursors.' })
    edges: Array<Edge<T>>;

    @Field(() => [nodeType], { description: 'The items of this page, without cursors.' })
    nodes: T[];
  }
  return ConnectionType;
}

type CursorValue = string | number;

/** One ordering column of a keyset: the SQL expression and how to read its value from a row. */
export interface SortKey<T> {
  sql: string;
  value: (row: T) => string | number | Date;
  /** Largest first (e.g. newest first); ascending otherwise. */
  descending?: boolean;
}

const exactTimes = new WeakMap<object, string>();

/**
 * The one way to order a list by a timestamp the database wrote (`now()`, microseconds): sorted by the column
 * itself (an index in that order serves it), with the cursor carrying the value as PostgreSQL prints it
 * (`col::text`, read back exactly). A JavaScript Date keeps only milliseconds, so a cursor made from it could
 * skip or repeat rows that share a millisecond. Add `select` to the list's columns and pass each node through `keep`.
 */
export function exactTimeKey(column: string, options: { newestFirst?: boolean } = {}) {
  const name = '_exact_time';
  return {
    select: `${column}::text AS "${name}"`,
    sort: { sql: column, descending: options.newestFirst, value: (node: object) => exactTimes.get(node)! } satisfies SortKey<object>,
    /** Remembers the row's exact value for the node's cursor. */
    keep: <T extends object>(node: T, row: Row): T => {
      exactTimes.set(node, String(row[name]));
      return node;
    },
  };
}

/** The conditions of `after` / `before`, their cursors' values appended to `params`. */
function cursorConditions<T>(args: ConnectionArgs, tag: string, sort: Array<SortKey<T>>, params: unknown[]): string[] {
  const conditions: string[] = [];
  for (const arg of ['after', 'before'] as const) {
    const cursor = args[arg];
    if (cursor == null) continue;
    const placeholders = decodeCursor(arg, cursor, tag, sort.length).map((v) => `$${params.push(v)}`);
    conditions.push(keysetCondition(sort, placeholders, arg === 'after'));
  }
  return conditions;
}

/** `ORDER BY` for a keyset, read forwards or backwards. */
const orderBy = <T>(sort: Array<SortKey<T>>, backward: boolean): string =>
  sort.map((s) => `${s.sql} ${!!s.descending !== backward ? 'DESC' : 'ASC'}`).join(', ');

/**
 * Rows after (or before) the cursor's values in the keyset's order: a row comparison when every key runs the
 * same way, spelled out key by key otherwise.
 */
function keysetCondition<T>(sort: Array<SortKey<T>>, placeholders: string[], after: boolean): string {
  const op = (s: SortKey<T>) => (after !== !!s.descending ? '>' : '<');
  if (sort.every((s) => !!s.descending === !!sort[0].descending)) {
    return `(${sort.map((s) => s.sql).join(', ')}) ${op(sort[0])} (${placeholders.join(', ')})`;
  }
  const alternatives = sort.map((s, i) =>
    [...sort.slice(0, i).map((p, j) => `${p.sql} = ${placeholders[j]}`), `${s.sql} ${op(s)} ${placeholders[i]}`].join(' AND '),
  );
  return `((${alternatives.join(') OR (')}))`;
}

function encodeCursor(tag: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify([tag, ...values]), 'utf8').toString('base64url');
}

function decodeCursor(arg: string, cursor: string, tag: string, length: number): CursorValue[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed[0] === tag &&
      parsed.length === length + 1 &&
      parsed.slice(1).every((v) => typeof v === 'string' || typeof v === 'number')
    ) {
      return parsed.slice(1) as CursorValue[];
    }
  } catch {
    // falls through to the error below
  }
  throw invalidArgument(arg, 'is not a valid cursor for this list');
}

function checkSize(arg: string, n: number | null | undefined): void {
  if (n !== null && n !== undefined && (n < 0 || n > MAX_PAGE_SIZE)) {
    throw invalidArgument(arg, `must be between 0 and ${MAX_PAGE_SIZE}`);
  }
}

/** A list query in plain SQL: `where` conditions use `$1…$n` numbered as in `params`; `R` is the type of its rows. */
export interface ListQuery<T, R extends Row = Row> {
  select: string;
  from: string;
  where: string[];
  params: unknown[];
  map: (row: R) => T;
}

/**
 * Pages through a list by keyset (no OFFSET): `sort` must end in a unique column (the id).
 * `tag` names the list inside cursors, so a cursor from one list is rejected by another.
 * `totalCount` runs its COUNT only when selected.
 */
export async function paginate<T, R extends Row = Row>(
  manager: EntityManager,
  query: ListQuery<T, R>,
  args: ConnectionArgs,
  sort: Array<SortKey<T>>,
  tag: string,
): Promise<Connection<T>> {
  checkSize('first', args.first);
  checkSize('last', args.last);
  if (args.first != null && args.last != null) throw invalidArgument('last', 'cannot be combined with first');
  const backward = args.last != null || (args.first == null && args.before != null);
  const size = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;

  const params = [...query.params];
  const where = [...query.where, ...cursorConditions(args, tag, sort, params)];
  params.push(size + 1);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const rows = await queryRows<R>(
    manager,
    `SELECT ${query.select} FROM ${query.from} ${whereSql}
     ORDER BY ${orderBy(sort, backward)} LIMIT $${params.length}`,
    params,
  );
  const count = async () => {
    const { count: n } = await queryOne<{ count: number }>(
      manager,
      `SELECT count(*)::int AS count FROM ${query.from} ${query.where.length ? `WHERE ${query.where.join(' AND ')}` : ''}`,
      query.params,
    );
    return n;
  };
  return toConnection(rows.map(query.map), { size, backward, args, tag, sort }, count);
}

interface PageShape<T> {
  size: number;
  backward: boolean;
  args: ConnectionArgs;
  tag: string;
  sort: Array<SortKey<T>>;
}

/** Builds the connection from up to `size + 1` rows fetched in query order (the extra row says there is more). */
function toConnection<T>(rows: T[], shape: PageShape<T>, count: () => Promise<number>): Connection<T> {
  const { size, backward, args, tag, sort } = shape;
  const hasMore = rows.length > size;
  const pageRows = rows.slice(0, size);
  if (backward) pageRows.reverse();
  const edges = pageRows.map((node) => ({
    node,
    cursor: encodeCursor(
      tag,
      sort.map((s) => {
        const v = s.value(node);
        return v instanceof Date ? v.toISOString() : v;
      }),
    ),
  }));
  const pageInfo: PageInfo = {
    hasNextPage: backward ? args.before != null : hasMore,
    hasPreviousPage: backward ? hasMore : args.after != null,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges[edges.length - 1]?.cursor ?? null,
  };
  return new Connection(edges, pageInfo, count);
}

/**
 * A connection nested under each of many parents (e.g. `Group.memberships` under `groups`): one
 * statement pages every parent at once (`unnest(parents) CROSS JOIN LATERAL (… ORDER BY … LIMIT n)`,
 * so an index in the sort order reads only the page), and one `GROUP BY` counts them when `totalCount`
 * is selected. Declare one spec per field, at module level.
 */
export interface NestedConnectionSpec<T, R extends Row = Row> {
  /** Names the list inside cursors. */
  tag: string;
  /** Tells apart specs of one list (same tag and cursors) that read different things, e.g. with and without a costly column. */
  variant?: string;
  /** `FROM` clause (may join); rows are filtered by `<alias>.network_id = $1` and `parent = ANY($2)`. */
  from: string;
  /** Alias of the table whose `network_id` is checked. */
  alias: string;
  /**
   * The `from` clause applies the network rule itself (it may use `$1` and the current `parent.id`),
   * e.g. a list that mixes the caller's rows with other networks' shared ones; `alias.network_id = $1`
   * is then not added.
   */
  fromChecksNetwork?: boolean;
  /** Columns to select (e.g. `t.*`). */
  select: string;
  /** The parent key column, e.g. `t.group_id`. */
  parent: string;
  /** Ordering, ending in a unique column; `sql` must be a column of `select` for the cursor. */
  sort: Array<SortKey<T>>;
  /** Builds a row object from a result row. */
  map: (row: R) => T;
  /** The member a row belongs to (e.g. `t.member_id`), for parents where the viewer sees only their own rows. */
  ownerColumn?: string;
  /**
   * Joined to the page's rows only, after paging (e.g. a costly LATERAL computation): the paged rows are
   * visible under `alias` again, with the columns of `select`.
   */
  afterPaging?: { select: string; join: string };
}

/** Values of the page's rows read in the same statement for other fields (e.g. counts), handed to their loaders. */
export interface ReadAlong<A extends Row = Row> {
  /** Distinguishes the statement (part of the loader key). */
  key: string;
  select: string;
  join: string;
  prime: (row: A) => void;
}

/** Extra conditions of one use of a nested connection: SQL using `$3`, `$4`, … and their values. */
export interface NestedFilter {
  sql: string;
  params: unknown[];
}

interface NestedContext {
  loaders: Loaders;
  viewerMemberId: string | null;
}

/** One use of a nested connection: which list, under which parent, with what. */
export interface NestedConnectionRequest<T, R extends Row, A extends Row> {
  spec: NestedConnectionSpec<T, R>;
  parentId: string;
  args: ConnectionArgs;
  filter?: NestedFilter;
  /**
   * For this parent the caller sees only their own rows (`spec.ownerColumn` = the viewer); such parents share
   * the statement with the others rather than needing one of their own.
   */
  ownRowsOnly?: boolean;
  readAlong?: ReadAlong<A>;
}

/** Pages `spec` under one parent; calls for many parents with the same arguments share one statement. */
export function loadNestedConnection<T, R extends Row = Row, A extends Row = Row>(
  ctx: NestedContext,
  { spec, parentId, args, filter = { sql: '', params: [] }, ownRowsOnly = false, readAlong }: NestedConnectionRequest<T, R, A>,
): Promise<Connection<T>> {
  checkSize('first', args.first);
  checkSize('last', args.last);
  if (args.first != null && args.last != null) throw invalidArgument('last', 'cannot be combined with first');
  if (ownRowsOnly && (!spec.ownerColumn || !ctx.viewerMemberId)) throw new Error(`${spec.tag}: own rows need an ownerColumn and a viewer`);
  const key = `nested:${spec.tag}:${spec.variant ?? ''}:${readAlong?.key ?? ''}:${JSON.stringify([args.first, args.after, args.last, args.before, filter.sql, filter.params])}`;
  return ctx.loaders
    .keyed(
      key,
      (manager, networkId) =>
        new DataLoader<string, Connection<T>>((keys) => pageParents(manager, networkId, spec, keys, args, filter, ctx.viewerMemberId, readAlong)),
    )
    .load(ownRowsOnly ? `${parentId}${OWN}` : parentId);
}

/** Marks a loader key whose parent shows only the viewer's own rows. */
const OWN = ':own';

async function pageParents<T, R extends Row, A extends Row>(
  manager: EntityManager,
  networkId: string,
  spec: NestedConnectionSpec<T, R>,
  keys: readonly string[],
  args: ConnectionArgs,
  filter: NestedFilter,
  viewerMemberId: string | null,
  readAlong?: ReadAlong<A>,
): Promise<Connection<T>[]> {
  const backward = args.last != null || (args.first == null && args.before != null);
  const size = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  const ownParents = keys.filter((k) => k.endsWith(OWN)).map((k) => k.slice(0, -OWN.length));
  const parentIds = [...new Set(keys.map((k) => (k.endsWith(OWN) ? k.slice(0, -OWN.length) : k)))];
  const params: unknown[] = [networkId, parentIds, ...filter.params];
  const where = [`${spec.parent} = parent.id`, ...(spec.fromChecksNetwork ? [] : [`${spec.alias}.network_id = $1`])];
  if (filter.sql) where.push(`(${filter.sql})`);
  // Parents where the viewer sees only their own rows, in the same statement as the others.
  let ownRows = '';
  if (ownParents.length) {
    params.push(ownParents, viewerMemberId);
    ownRows = `(${spec.parent} <> ALL($${params.length - 1}::uuid[]) OR ${spec.ownerColumn} = $${params.length})`;
    where.push(ownRows);
  }
  const countParams = [...params];
  where.push(...cursorConditions(args, spec.tag, spec.sort, params));
  const order = orderBy(spec.sort, backward);
  params.push(size + 1);
  const afterParts = [spec.afterPaging, readAlong].filter((x): x is { select: string; join: string } => !!x);
  const after = afterParts.length ? { select: afterParts.map((a) => a.select).join(', '), join: afterParts.map((a) => a.join).join(' ') } : undefined;
  // Per parent, an index-ordered scan that stops after size + 1 rows (LATERAL … LIMIT), rather than
  // sorting every child of every parent; `afterPaging` joins run for the page's rows only.
  const rows = await queryRows<R & A & { _parent: string }>(
    manager,
    `SELECT ${spec.alias}.*${after ? `, ${after.select}` : ''}
     FROM unnest($2::uuid[]) AS parent(id)
     CROSS JOIN LATERAL (
       SELECT ${spec.select}, parent.id AS "_parent", row_number() OVER (ORDER BY ${order}) AS "_rn"
       FROM ${spec.from} WHERE ${where.join(' AND ')}
       ORDER BY ${order} LIMIT $${params.length}
     ) ${spec.alias} ${after ? after.join : ''}
     ORDER BY ${spec.alias}."_parent", ${spec.alias}."_rn"`,
    params,
  );
  const byParent = new Map<string, T[]>();
  for (const row of rows) {
    readAlong?.prime(row);
    const list = byParent.get(row._parent) ?? [];
    list.push(spec.map(row));
    byParent.set(row._parent, list);
  }
  const counts = new DataLoader<string, number>(async (ids) => {
    const countRows = await queryRows<{ parent: string; count: number }>(
      manager,
      `SELECT parent.id AS parent, (SELECT count(*)::int FROM ${spec.from}
         WHERE ${spec.parent} = parent.id ${spec.fromChecksNetwork ? '' : `AND ${spec.alias}.network_id = $1`}
           ${filter.sql ? `AND (${filter.sql})` : ''} ${ownRows ? `AND ${ownRows}` : ''}) AS count
       FROM unnest($2::uuid[]) AS parent(id)`,
      countParams.map((p, i) => (i === 1 ? [...ids] : p)),
    );
    const map = new Map(countRows.map((r) => [r.parent, r.count]));
    return ids.map((id) => map.get(id) ?? 0);
  });
  const shape = { size, backward, args, tag: spec.tag, sort: spec.sort };
  return keys.map((key) => {
    const parentId = key.endsWith(OWN) ? key.slice(0, -OWN.length) : key;
    return toConnection(byParent.get(parentId) ?? [], shape, () => counts.load(parentId));
  });
}

/** An empty page, for lists the caller may not see any of. */
export const emptyConnection = <T>(): Connection<T> =>
  new Connection<T>([], { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, async () => 0);
