import DataLoader from 'dataloader';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { rowMapper, selectList } from '../db/rows';

/** Builds one DataLoader for a request; the factory's identity is its key in the request's loader set. */
export type LoaderFactory<K, V> = (manager: EntityManager, networkId: string) => DataLoader<K, V>;

/**
 * The request's loaders: one instance of each, created on first use, discarded with the request.
 * Every loader is keyed within the caller's network (and row-level security agrees).
 */
export class Loaders {
  private readonly loaders = new Map<unknown, DataLoader<unknown, unknown>>();

  constructor(
    private readonly manager: EntityManager,
    private readonly networkId: string,
  ) {}

  get<K, V>(factory: LoaderFactory<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(factory) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = factory(this.manager, this.networkId);
      this.loaders.set(factory, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  /** A loader identified by a string key, for loaders that depend on arguments (e.g. a page size). */
  keyed<K, V>(key: string, create: (manager: EntityManager, networkId: string) => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(key) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = create(this.manager, this.networkId);
      this.loaders.set(key, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  /** Entities by database id, one `WHERE id = ANY(…)` per batch, null for ids not found. */
  byId<T extends ObjectLiteral & { id: string }>(entity: EntityTarget<T>): DataLoader<string, T | null> {
    let loader = this.loaders.get(entity) as DataLoader<string, T | null> | undefined;
    if (!loader) {
      const dataSource = this.manager.connection;
      const map = rowMapper(dataSource, entity);
      const sql = `SELECT ${selectList(dataSource, entity)} FROM ${dataSource.getMetadata(entity).tableName} WHERE network_id = $1 AND id = ANY($2)`;
      loader = new DataLoader<string, T | null>(async (ids) => {
        const rows: Array<Record<string, unknown>> = await this.manager.query(sql, [this.networkId, ids]);
        const byId = new Map(rows.map((r) => [r.id as string, map(r)]));
        return ids.map((id) => byId.get(id) ?? null);
      });
      this.loaders.set(entity, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}
