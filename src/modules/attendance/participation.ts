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

/** Like `idArgument`, for an ID nested in an input (e.g. `['input', 'sessionId']`). */
export function idAt(path: Array<string | number>, globalId: string, type: string): string | undefined {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw invalidArgument(path, 'is not a valid ID');
  return parsed.type === type ? parsed.id : undefined;
}
