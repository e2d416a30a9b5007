import { ApiKeyScope, NetworkRole } from '../../graphql/principal';
import type { AccessRule } from './access';

/**
 * The rule book: every access rule of the API, once, named for what it lets its callers do. Resolvers and
 * services import rules from here only; every root field declares its rule with `@Allow` (./allow.ts), and the
 * README's permission tables name the same rules.
 *
 * A rule is a gate on the principal: API keys need every listed scope, member tokens one of the listed roles
 * (see AccessRule). Where the object matters (a facilitator of THIS group, the member's own record), the rule
 * lets every role through that could qualify, and the feature narrows it with its object check
 * (groups/group.access.ts, sessions/session.access.ts, evaluation/evaluation.access.ts).
 */

const EVERY_ROLE = [NetworkRole.ADMIN, NetworkRole.COORDINATOR, NetworkRole.MEMBER] as const;
const MANAGERS = [NetworkRole.ADMIN, NetworkRole.COORDINATOR] as const;
const ADMIN = [NetworkRole.ADMIN] as const;

/** Any valid credential: every member token, every API key whatever its scopes (viewer, rate limit, node lookups: their objects narrow). */
export const anyCredential: AccessRule = { apiKey: [], roles: EVERY_ROLE };

/** Read the network's own settings: every member; API keys that read or write anything (not a key that only issues member tokens). */
export const readOwnNetwork: AccessRule = {
  apiKey: [],
  apiKeyOneOf: [ApiKeyScope.READ, ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA, ApiKeyScope.ADMIN],
  roles: EVERY_ROLE,
};

/** Members acting for themselves (join, leave, RSVP, check in, feedback, gratitude, wellbeing, joint-event registration): member tokens only. */
export const membersActingForThemselves: AccessRule = { roles: EVERY_ROLE };

/** Read groups, sessions, joint events and group aggregates: any member (object checks narrow); API keys with READ. */
export const readGroups: AccessRule = { apiKey: [ApiKeyScope.READ], roles: EVERY_ROLE };

/** Read the network's help resources (crisis lines, services): every member; API keys with READ. */
export const readHelpResources: AccessRule = { apiKey: [ApiKeyScope.READ], roles: EVERY_ROLE };

/** Read who takes part, by name (memberships, RSVPs, attendance, feedback, drifting members): any member, narrowed by the object; API keys with READ and PERSONAL_DATA. */
export const readPersonalData: AccessRule = { apiKey: [ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA], roles: EVERY_ROLE };

/** Change groups, sessions and one's own profile: any member, narrowed by the object (facilitator of the group, the member themself); API keys with WRITE. */
export const writeGroupsAndProfiles: AccessRule = { apiKey: [ApiKeyScope.WRITE], roles: EVERY_ROLE };

/** Moderate what members share in a group (pin, hide, restore, share with partners): any member, narrowed to the group's facilitators, coordinators and admins; API keys with WRITE. */
export const moderateGroupContent: AccessRule = { apiKey: [ApiKeyScope.WRITE], roles: EVERY_ROLE };

/** Change named members' participation (add to groups, memberships, attendance, outreach): any member, narrowed by the object; API keys with WRITE and PERSONAL_DATA. */
export const writePersonalData: AccessRule = { apiKey: [ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA], roles: EVERY_ROLE };

/** Create members (role MEMBER) and groups, archive groups, list groups in the public meeting feed: coordinators and admins; API keys with WRITE. */
export const organiseNetwork: AccessRule = { apiKey: [ApiKeyScope.WRITE], roles: MANAGERS };

/** Read the network's member directory and its registrations for joint events by name: coordinators and admins; API keys with READ and PERSONAL_DATA. */
export const readMemberDirectory: AccessRule = { apiKey: [ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA], roles: MANAGERS };

/** See whether a member asked not to be contacted (besides the member): coordinators and admins; API keys with PERSONAL_DATA. */
export const readContactWishes: AccessRule = { apiKey: [ApiKeyScope.PERSONAL_DATA], roles: MANAGERS };

/** Read aggregates of the whole network (trends without a group): coordinators and admins; API keys with READ. */
export const readNetworkAggregates: AccessRule = { apiKey: [ApiKeyScope.READ], roles: MANAGERS };

/** See members' emails (besides the member): admins; API keys with PERSONAL_DATA. */
export const readEmails: AccessRule = { apiKey: [ApiKeyScope.PERSONAL_DATA], roles: ADMIN };

/** Change another member's profile: admins; API keys with WRITE. */
export const editAnyProfile: AccessRule = { apiKey: [ApiKeyScope.WRITE], roles: ADMIN };

/** Read partnerships, the audit log and the retention settings: admins; API keys with ADMIN. */
export const administerNetwork: AccessRule = { apiKey: [ApiKeyScope.ADMIN], roles: ADMIN };

/** Manage API keys and their trusted documents: API keys with ADMIN only; never member tokens (keys are server credentials). */
export const manageApiKeys: AccessRule = { apiKey: [ApiKeyScope.ADMIN] };

/** See a member's external id (besides the member): admins; API keys with READ. */
export const readExternalIds: AccessRule = { apiKey: [ApiKeyScope.READ], roles: ADMIN };

/** Set members' external ids: API keys with WRITE (partners' backends) only. */
export const setExternalIds: AccessRule = { apiKey: [ApiKeyScope.WRITE] };

/** Change roles, the network's settings (retention included), partnerships and joint events: admins; API keys with WRITE and ADMIN. */
export const changeNetworkAsAdmin: AccessRule = { apiKey: [ApiKeyScope.WRITE, ApiKeyScope.ADMIN], roles: ADMIN };

/** Issue member tokens for a partner's front end: API keys with ISSUE_MEMBER_TOKENS only (up to the key's highest role; no member token). */
export const issueMemberTokens: AccessRule = { apiKey: [ApiKeyScope.ISSUE_MEMBER_TOKENS] };

/** Create, list and revoke one's own calendar feeds (secret subscription URLs): member tokens only. */
export const useCalendarFeeds: AccessRule = { roles: EVERY_ROLE };

/** Export one's own data (wellbeing check-ins included): member tokens only. */
export const exportOwnData: AccessRule = { roles: EVERY_ROLE };

/** Export any member's data (without wellbeing values): admins; API keys with ADMIN and PERSONAL_DATA. */
export const exportMembersData: AccessRule = { apiKey: [ApiKeyScope.ADMIN, ApiKeyScope.PERSONAL_DATA], roles: ADMIN };
/** Ask for a member's erasure: every member (for themself; others need `eraseAnyMember`); API keys with ADMIN and PERSONAL_DATA. */
export const eraseMembers: AccessRule = { apiKey: [ApiKeyScope.ADMIN, ApiKeyScope.PERSONAL_DATA], roles: EVERY_ROLE };

/** Erase another member: admins; API keys with ADMIN and PERSONAL_DATA. */
export const eraseAnyMember: AccessRule = { apiKey: [ApiKeyScope.ADMIN, ApiKeyScope.PERSONAL_DATA], roles: ADMIN };

/** Manage webhook endpoints and see, redeliver and test their deliveries: admins; API keys with ADMIN. */
export const manageWebhooks: AccessRule = { apiKey: [ApiKeyScope.ADMIN], roles: ADMIN };
