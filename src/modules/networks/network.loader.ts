import DataLoader from 'dataloader';
import { selectList } from '../../db/rows';
import { queryEntities } from '../../db/sql';
import { notFound } from '../../graphql/errors';
import { Network } from './network.entity';
import type { Context } from '../../graphql/context';

/**
 * Networks by id, one statement per batch: the caller's own, and partners' (row-level security shows a
 * partner's row once a partnership exists). The one way features load a Network. Viewer-independent: shared
 * by the subscribers of a live-update batch.
 */
export function loadNetwork(ctx: Context, id: string = ctx.networkId): Promise<Network> {
  return ctx.loaders
    .keyed(
      'networks-by-id',
      (manager) => {
        return new DataLoader<string, Network>(async (ids) => {
          const networks = await queryEntities(manager, Network, `SELECT ${selectList(manager.connection, Network)} FROM networks WHERE id = ANY($1)`, [ids]);
          const byId = new Map(networks.map((n) => [n.id, n]));
          return ids.map((nid) => byId.get(nid) ?? notFound('Network'));
        });
      },
      { viewerIndependent: true },
    )
    .load(id);
}
