import type { Context } from '../../graphql/context';
import { invalidArgument } from '../../graphql/errors';
import { parseGlobalId } from '../../graphql/global-id';
import { isAllowed, type AccessRule } from '../auth/access';
import { ApiKeyScope } from '../auth/api-key.entity';
import { isGroupManager } from '../groups/group.access';
import { NetworkRole } from '../members/member.entity';

/**
 * Shared rules of the participation features (attendance, feedback, gratitude, wellbeing, outreach),
 * from the permissions matrix in DOMAIN.md.
 */

/** Things a member does for themself (check in, feedback, gratitude, wellbeing): member tokens only. */
export const MEMBERS_ONLY: AccessRule = { roles: [NetworkRole.ADMIN, NetworkRole.COORDINATOR, NetworkRole.MEMBER] };

/** API keys reading identifiable participation data. */
export const KEY_PERSONAL: AccessRule = { apiKey: [ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA] };

/** API keys changing a named member's participation data. */
export const KEY_WRITE_PERSONAL = [ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA] as const;

/**
 * Whether the caller sees a group's identifiable participation data (attendance lists, feedback comments,
 * outreach): the group's facilitators, coordinators and admins, and API keys with READ and PERSONAL_DATA.
 */
export async function seesParticipation(ctx: Context, groupId: string): Promise<boolean> {
  if (ctx.principal.kind === 'API_KEY') return isAllowed(ctx, KEY_PERSONAL);
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
