import { selectList } from '../../db/rows';
import { execute, queryEntities, queryRows } from '../../db/sql';
import { invalidArgument, notFound } from '../../graphql/errors';
import { idArgument } from '../../graphql/global-id';
import { Network } from '../networks/network.entity';
import { loadNetwork } from '../networks/network.loader';
import { WELLBEING_SCALE } from '../wellbeing/wellbeing.inputs';
import { HelpResource } from './help-resource.entity';
import { MAX_HELP_RESOURCES, type HelpResourceInput } from './help.inputs';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { WellbeingCheckIn } from '../wellbeing/wellbeing.entity';

/** The network's help resources, in the admins' order. */
export async function listHelpResources(scope: Scope): Promise<HelpResource[]> {
  const { manager, networkId } = scope;
  return queryEntities(
    manager,
    HelpResource,
    `SELECT ${selectList(manager.connection, HelpResource)} FROM help_resources WHERE network_id = $1 ORDER BY sort_order, id`,
    [networkId],
  );
}

/** What `setHelpResources` did, for the audit log (counts only). */
export interface HelpResourcesChange {
  created: number;
  updated: number;
  deleted: number;
}

const valuesOf = (input: HelpResourceInput) => [
  input.name.trim(),
  input.kind,
  input.phone?.trim() || null,
  input.url?.trim() || null,
  input.description?.trim() || null,
  input.openingHours?.trim() || null,
  input.timeZone ?? null,
  input.language ?? null,
];

/**
 * Replaces the network's list with `inputs`, in that order: entries with an `id` keep their resource (changed to these
 * values), entries without one are new, resources not listed are deleted. An `id` that is not one of the network's
 * help resources (another network's included) is NOT_FOUND; the same `id` twice is BAD_USER_INPUT. The network's rows
 * are locked first, so concurrent calls apply one after the other.
 */
export async function setHelpResources(scope: Scope, inputs: HelpResourceInput[]): Promise<{ list: HelpResource[]; change: HelpResourcesChange }> {
  const { manager, networkId } = scope;
  if (inputs.length > MAX_HELP_RESOURCES) throw invalidArgument('input', `at most ${MAX_HELP_RESOURCES} help resources`);
  const existing = new Set(
    (await queryRows<{ id: string }>(manager, `SELECT id FROM help_resources WHERE network_id = $1 ORDER BY id FOR UPDATE`, [networkId])).map((r) => r.id),
  );
  const ids = inputs.map((input, i) => {
    if (input.id == null) return null;
    const id = idArgument(['input', i, 'id'], input.id, 'HelpResource');
    if (!id || !existing.has(id)) throw notFound('HelpResource');
    return id;
  });
  const kept = new Set<string>();
  ids.forEach((id, i) => {
    if (id && kept.has(id)) throw invalidArgument(['input', i, 'id'], 'lists the same help resource twice');
    if (id) kept.add(id);
  });
  const gone = [...existing].filter((id) => !kept.has(id));
  if (gone.length) await execute(manager, `DELETE FROM help_resources WHERE network_id = $1 AND id = ANY($2)`, [networkId, gone]);
  for (const [i, input] of inputs.entries()) {
    const id = ids[i];
    if (id) {
      await execute(
        manager,
        `UPDATE help_resources SET name = $3, kind = $4, phone = $5, url = $6, description = $7, opening_hours = $8, time_zone = $9, language = $10,
                sort_order = $11, updated_at = now()
         WHERE network_id = $1 AND id = $2`,
        [networkId, id, ...valuesOf(input), i],
      );
    } else {
      await execute(
        manager,
        `INSERT INTO help_resources (network_id, name, kind, phone, url, description, opening_hours, time_zone, language, sort_order)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [networkId, ...valuesOf(input), i],
      );
    }
  }
  const change = { created: ids.filter((id) => !id).length, updated: kept.size, deleted: gone.length };
  return { list: await listHelpResources(scope), change };
}

/** Sets the network's wellbeing help threshold: within the wellbeing scale (never below its minimum), else BAD_USER_INPUT. */
export async function setWellbeingHelpThreshold(scope: Scope, network: Network, threshold: number): Promise<{ network: Network; changed: boolean }> {
  if (threshold < WELLBEING_SCALE.min || threshold > WELLBEING_SCALE.max) {
    throw invalidArgument('threshold', `must be between ${WELLBEING_SCALE.min} (the scale's minimum) and ${WELLBEING_SCALE.max}`);
  }
  const changed = network.wellbeingHelpThreshold !== threshold;
  if (changed) await scope.manager.getRepository(Network).update({ id: network.id }, { wellbeingHelpThreshold: threshold });
  return { network: Object.assign(network, { wellbeingHelpThreshold: threshold }), changed };
}

// The help suggested to one check-in, by the object the mutation answers with: only that answer ever carries it
// (other reads of the check-in build new objects). Nothing about it is written anywhere.
const suggested = new WeakMap<WellbeingCheckIn, HelpResource[]>();

/**
 * Signposting: when the check-in's wellbeing is at or below the network's threshold, the response to the mutation
 * that recorded it carries the network's help resources (`suggestedHelp`). Read-only: nothing is stored, logged,
 * audited or sent to anyone.
 */
export async function suggestHelp(ctx: Context, checkIn: WellbeingCheckIn): Promise<WellbeingCheckIn> {
  const network = await loadNetwork(ctx);
  if (checkIn.wellbeing <= network.wellbeingHelpThreshold) suggested.set(checkIn, await listHelpResources(ctx));
  return checkIn;
}

/** The help suggested with this check-in: only on the object `suggestHelp` answered with; null elsewhere. */
export const suggestedHelpOf = (checkIn: WellbeingCheckIn): HelpResource[] | null => suggested.get(checkIn) ?? null;
