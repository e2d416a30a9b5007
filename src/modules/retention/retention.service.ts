import { Network } from '../networks/network.entity';
import type { Scope } from '../../db/tenant';
import type { RetentionInput } from './retention.inputs';

type RetentionField = 'textRetentionMonths' | 'wellbeingRetentionMonths';

/** Applies the given settings (an omitted field stays; null means keep); returns the fields that changed. */
export async function updateRetention(scope: Scope, network: Network, input: RetentionInput): Promise<{ network: Network; changed: RetentionField[] }> {
  const next: Partial<Pick<Network, RetentionField>> = {};
  for (const field of ['textRetentionMonths', 'wellbeingRetentionMonths'] as const) {
    if (input[field] !== undefined) next[field] = input[field];
  }
  const changed = (Object.keys(next) as RetentionField[]).filter((k) => next[k] !== network[k]);
  if (changed.length) await scope.manager.getRepository(Network).update({ id: network.id }, next);
  return { network: Object.assign(network, next), changed };
}
