import DataLoader from 'dataloader';
import { selectList } from '../db/rows';
import { queryEntities } from '../db/sql';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/** Builds one DataLoader for a request; the factory's identity is its key in the request's loader set. */
export type LoaderFactory<K, V> = (manager: EntityManager, networkId: string) => DataLoader<K, V>;

/** Options of `Loaders.keyed`. */
export interface KeyedOptions {
  /**
   * The loader's answers are the same for every viewer of the network: its factory uses only `manager` and
   * `networkId` (never the context, the principal or the viewer's id) and its values are not changed by
   * whoever reads them. Only such a loader may come from the shared parent (see `Loaders`). Default: false.
   */
  viewerIndependent?: boolean;
}

/**
 * The request's loaders: one instance of each, created on first use, discarded with the request.
 * Every loader is keyed within the caller's network (and row-level security agrees).
 *
 * SHARING (live-update deliveries, src/http/websocket-delivery.ts): the subscribers of one event in one network
 * are resolved together on one transaction, each with its OWN context and its own `Loaders`, created with
 * the batch's `shared` parent. The rule, safe by default:
 * - `byId` entity loaders are viewer-independent (a row by id within the network, no viewer filter; the
 *   privacy rules run in the field resolvers, per context): they come from the shared parent, so 1,000
 *   subscribers loading the same Attendance, Member, Session or Group cost one statement.
 * - `keyed` loaders are per context, unless the call site passes `{ viewerIndependent: true }`. A factory
 *   that closes over the context (the viewer's memberships or RSVPs, federation fetches, connections with
 *   own-rows-only filters…) must never be marked: another subscriber would see its answers.
 * - `get(factory)` loaders are per context.
 * Entities handed out by a shared loader are shared by every context of the batch: never change them.
 */
export class Loaders {
  private readonly loaders = new Map<unknown, DataLoader<unknown, unknown>>();

  /** `shared`: the parent whose viewer-independent loaders this instance uses (same manager and network). */
  constructor(
    private readonly manager: EntityManager,
    private readonly networkId: string,
    private readonly shared?: Loaders,
  ) {
    if (shared && (shared.manager !== manager || shared.networkId !== networkId)) {
      throw new Error('Loaders: a shared parent must use the same transaction and network');
    }
  }

  /**
   * True for a context of a live-update batch (it has a shared parent): many contexts resolve the same thing at
   * once, so a single-context shortcut that reads several things in one statement (e.g. findVisibleSession's
   * session-with-group read) costs one statement PER subscriber; such code should use the loaders instead,
   * which coalesce across the batch.
   */
  get coalescing(): boolean {
    return this.shared !== undefined;
  }

  get<K, V>(factory: LoaderFactory<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(factory) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = factory(this.manager, this.networkId);
      this.loaders.set(factory, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  /**
   * A loader identified by a string key, for loaders that depend on arguments (e.g. a page size). Per context
   * unless `options.viewerIndependent` (see the class comment for when that is allowed).
   */
  keyed<K, V>(key: string, create: (manager: EntityManager, networkId: string) => DataLoader<K, V>, options?: KeyedOptions): DataLoader<K, V> {
    if (options?.viewerIndependent && this.shared) return this.shared.keyed(key, create, options);
    let loader = this.loaders.get(key) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = create(this.manager, this.networkId);
      this.loaders.set(key, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  /** Entities by database id, one `WHERE id = ANY(…)` per batch, null for ids not found. Viewer-independent (shared). */
  byId<T extends ObjectLiteral & { id: string }>(entity: EntityTarget<T>): DataLoader<string, T | null> {
    if (this.shared) return this.shared.byId(entity);
    let loader = this.loaders.get(entity) as DataLoader<string, T | null> | undefined;
    if (!loader) {
      const dataSource = this.manager.connection;
      const sql = `SELECT ${selectList(dataSource, entity)} FROM ${dataSource.getMetadata(entity).tableName} WHERE network_id = $1 AND id = ANY($2)`;
      loader = new DataLoader<string, T | null>(async (ids) => {
        const found = await queryEntities(this.manager, entity, sql, [this.networkId, ids]);
        const byId = new Map(found.map((e) => [e.id, e]));
        return ids.map((id) => byId.get(id) ?? null);
      });
      this.loaders.set(entity, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}
