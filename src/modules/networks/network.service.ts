import { randomUUID } from 'node:crypto';
import { queryRows } from '../../db/sql';
import { withTenant } from '../../db/tenant';
import { badInput, conflict } from '../../graphql/errors';
import { Network } from './network.entity';
import type { Scope } from '../../db/tenant';
import type { UpdateNetworkInput } from './network.inputs';
import type { DataSource } from 'typeorm';

export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface NewNetwork {
  slug: string;
  name: string;
  description?: string | null;
  timeZone?: string;
}

/** Creates a network (the tenant). Used by the CLI and the demo seed; there is no public mutation for it. */
export async function createNetwork(dataSource: DataSource, input: NewNetwork): Promise<Network> {
  if (!SLUG_PATTERN.test(input.slug) || input.slug.length < 2 || input.slug.length > 63) {
    throw badInput('slug must be 2–63 lower-case letters, digits and single dashes, e.g. "acme-peers"', [
      { path: ['slug'], message: 'must be 2–63 lower-case letters, digits and single dashes' },
    ]);
  }
  if (!input.name.trim() || input.name.length > 200) {
    throw badInput('name must be 1–200 characters', [{ path: ['name'], message: 'must be 1–200 characters' }]);
  }
  if (await findNetworkBySlug(dataSource, input.slug)) throw conflict(`A network with slug "${input.slug}" already exists`);
  const id = randomUUID();
  return withTenant(dataSource, id, async (manager) => {
    const repo = manager.getRepository(Network);
    await repo.insert({ id, slug: input.slug, name: input.name.trim(), description: input.description ?? null, timeZone: input.timeZone ?? 'UTC' });
    return repo.findOneByOrFail({ id });
  });
}

/** Finds a network by slug across tenants (the one lookup the slug policy allows). */
export async function findNetworkBySlug(dataSource: DataSource, slug: string): Promise<Network | null> {
  return withTenant(dataSource, null, async (manager, tx) => {
    await tx.set('app.network_slug', slug);
    return manager.getRepository(Network).findOneBy({ slug });
  });
}

/**
 * Marks the installation as initialised; true only for the first caller. The demo seed runs then, and the
 * CLI's create-network marks it too, so a deployment set up with the CLI never gets demo data.
 * `installation` is not tenant data (no network_id, no grant to the app role).
 */
export async function claimFirstStart(dataSource: DataSource): Promise<boolean> {
  // A SECURITY DEFINER function (migration 1765060000000-ServerRole): the app role has no grant on `installation`.
  const rows = await withTenant(dataSource, null, (m) => queryRows<{ claimed: boolean }>(m, `SELECT app_claim_first_start() AS claimed`));
  return rows[0].claimed;
}

/** Applies the given changes to a network; returns the fields that changed (for the audit log). */
export async function updateNetwork(scope: Scope, network: Network, input: UpdateNetworkInput): Promise<{ network: Network; changed: string[] }> {
  const { manager } = scope;
  const next: Partial<Network> = {};
  if (input.name != null) next.name = input.name.trim();
  if (input.description != null) next.description = input.description.trim() || null;
  if (input.timeZone != null) next.timeZone = input.timeZone;
  if (input.minimumAggregateSize != null) next.minimumAggregateSize = input.minimumAggregateSize;
  const changed = (Object.keys(next) as Array<keyof Network>).filter((k) => next[k] !== network[k]);
  if (changed.length) await manager.getRepository(Network).update({ id: network.id }, next);
  return { network: Object.assign(network, next), changed };
}
