import { isAllowed } from '../auth/access';
import { readPersonalData } from '../auth/rules';
import { isGroupManager } from '../groups/group.access';
import type { Context } from '../../graphql/context';

/** What the participation features (attendance, feedback, gratitude, wellbeing, outreach) share; their rules are in the rule book (auth/rules.ts). */

/**
 * Whether the caller sees a group's identifiable participation data (attendance lists, feedback comments,
 * outreach): the group's facilitators, coordinators and admins, and API keys with READ and PERSONAL_DATA.
 */
export async function seesParticipation(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, readPersonalData);
  return isGroupManager(ctx, groupId);
}
