import type { Context } from '../../graphql/context';
import { invalidArgument } from '../../graphql/errors';
import { parseGlobalId } from '../../graphql/global-id';
import { isAllowed } from '../auth/access';
import { readPersonalData } from '../auth/rules';
import { isGroupManager } from '../groups/group.access';

/** What the participation features (attendance, feedback, gratitude, wellbeing, outreach) share; their rules are in the rule book (auth/rules.ts). */

/**
 * Whether the caller sees a group's identifiable participation data (attendance lists, feedback comments,
 * outreach): the group's facilitators, coordinators and admins, and API keys with READ and PERSONAL_DATA.
 */
export async function seesParticipation(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readPersonalData);
  return isGroupManager(ctx, groupId);
}

/**
 * An exact keyset value for a timestamp column: microseconds since the epoch as a bigint, negated for
 * newest-first lists (keys are ascending). A JavaScript Date keeps only milliseconds, so a cursor made
 * from it could skip or repeat rows that share a millisecond.
 */
export const epochKey = (column: string, newestFirst = false): string =>
  `(extract(epoch FROM ${column}) * ${newestFirst ? -1_000_000 : 1_000_000})::bigint`;

/** Like `idArgument`, for an ID nested in an input (e.g. `['input', 'sessionId']`). */
export function idAt(path: Array<string | number>, globalId: string, type: string): string | undefined {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw invalidArgument(path, 'is not a valid ID');
  return parsed.type === type ? parsed.id : undefined;
}
