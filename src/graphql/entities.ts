import type { Context } from './context';

/**
 * Apollo Federation 2 entities that are not nodes (SharedGroup): how `_entities` fetches them by database id, with
 * the same visibility as `node` (unknown or hidden → null). Each feature registers its own, next to its resolvers,
 * as it does its node types (./node.ts); the app's federation (src/app/federation.ts) reads them.
 */
export type EntityFetcher = (ctx: Context, ids: readonly string[]) => Promise<Array<object | null>>;

const fetchers = new Map<string, EntityFetcher>();

export function registerEntityType(typeName: string, fetch: EntityFetcher): void {
  fetchers.set(typeName, fetch);
}

/** The registered entity types and their fetchers. */
export function registeredEntityTypes(): ReadonlyMap<string, EntityFetcher> {
  return fetchers;
}
