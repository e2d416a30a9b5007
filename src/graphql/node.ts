import { Field, ID, InterfaceType } from 'type-graphql';
import { Column, PrimaryGeneratedColumn } from 'typeorm';
import { toGlobalId } from './global-id';
import type { Context } from './context';

/**
 * The Relay Node interface. Entities extend it (most through `TenantEntity`, below): the GraphQL `id` is the
 * opaque global ID built from the class name (which is the GraphQL type name) and the database id.
 */
@InterfaceType('Node', {
  description: 'An object with an opaque, globally unique ID that `node(id:)` can fetch again.',
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Node {
  /** The database id (a UUID). Not exposed: GraphQL sees `globalId` as `id`. */
  abstract id: string;

  @Field(() => ID, { name: 'id', simple: false, description: 'Opaque, globally unique ID of this object.' })
  get globalId(): string {
    return toGlobalId(this.constructor.name, this.id);
  }
}

/**
 * A row of one network's table, as most entities are: its uuid and the `network_id` column every tenant
 * table carries (composite foreign keys and row-level security use it). Entities extend it, not `Node`.
 */
export abstract class TenantEntity extends Node {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'network_id', type: 'uuid' })
  networkId: string;
}

/**
 * Fetches objects of one type by database id for `node` / `nodes`, applying the same visibility as the
 * type's own queries: an object the caller may not see comes back as null, like one that does not exist.
 */
export type NodeFetcher = (ctx: Context, ids: readonly string[]) => Promise<Array<Node | null>>;

/**
 * Fields `node(id:)` starts along with the object's read (./lookahead.ts): fields whose resolvers use only the
 * parent's id and record nothing when read, and a stand-in parent holding that id.
 */
export interface NodeLookahead {
  fields: ReadonlySet<string>;
  standIn: (ctx: Context, id: string) => object;
}

const fetchers = new Map<string, { fetch: NodeFetcher; lookahead?: NodeLookahead }>();

/** Each feature registers its node types next to its resolvers. */
export function registerNodeType(typeName: string, fetch: NodeFetcher, lookahead?: NodeLookahead): void {
  fetchers.set(typeName, { fetch, lookahead });
}

export function nodeFetcher(typeName: string): NodeFetcher | undefined {
  return fetchers.get(typeName)?.fetch;
}

export function nodeLookahead(typeName: string): NodeLookahead | undefined {
  return fetchers.get(typeName)?.lookahead;
}
