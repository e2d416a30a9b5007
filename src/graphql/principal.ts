import { registerEnumType } from 'type-graphql';

/*
 * Who is calling, in the words every layer shares: the request context (./context.ts) carries a Principal, the
 * features' access rules read its role and scopes. Here, below the features, so that the context needs none of them.
 */

/** A member's role in the whole network (group roles such as facilitator are per group). */
export enum NetworkRole {
  ADMIN = 'ADMIN',
  COORDINATOR = 'COORDINATOR',
  MEMBER = 'MEMBER',
}

registerEnumType(NetworkRole, {
  name: 'NetworkRole',
  description: "A member's role in the network.",
  valuesConfig: {
    ADMIN: { description: 'Runs the network: roles, API keys, partnerships, joint events, erasure, the audit log.' },
    COORDINATOR: { description: 'Coordinates groups across the network: creates groups, sees all groups and their aggregates.' },
    MEMBER: { description: 'A participant: joins groups, RSVPs, checks in, gives feedback.' },
  },
});

/** What an API key may do. Explicit: no scope implies another. */
export enum ApiKeyScope {
  READ = 'READ',
  WRITE = 'WRITE',
  PERSONAL_DATA = 'PERSONAL_DATA',
  ADMIN = 'ADMIN',
  ISSUE_MEMBER_TOKENS = 'ISSUE_MEMBER_TOKENS',
}

registerEnumType(ApiKeyScope, {
  name: 'ApiKeyScope',
  description:
    'A permission of an API key. Scopes are explicit: none implies another (ADMIN does not imply READ, WRITE, PERSONAL_DATA or ISSUE_MEMBER_TOKENS).',
  valuesConfig: {
    READ: { description: 'Read groups, sessions, counts and aggregates.' },
    WRITE: { description: 'Create and change data (members, groups, sessions, …).' },
    PERSONAL_DATA: {
      description: 'See identifiable data: member lists, emails, attendance lists, RSVPs by name, feedback comments.',
    },
    ADMIN: { description: 'Manage API keys (never beyond its own powers), roles, partnerships, erasure and the audit log.' },
    ISSUE_MEMBER_TOKENS: {
      description:
        "Issue member tokens (`issueMemberToken`) for members up to the key's `memberTokenMaxRole`: what a partner's token backend holds, alone. Gives no reads or writes with the key itself.",
    },
  },
});

/**
 * Who is calling: an integrator's API key, or one member through a member token.
 *
 * - An API key acts by its scopes. `memberTokenMaxRole` bounds the tokens it may issue.
 * - A member token acts with `role`: the lower of the member's current role and `roleCap` (what its issuing key
 *   and the narrowing at issue allowed). A `readOnly` token runs no mutation.
 * - `trustedDocumentsOf`: the API key whose registered documents are all this caller may run (the key itself,
 *   or the key that issued the token, when that key is in trusted-documents-only mode); undefined otherwise.
 */
export type Principal =
  | {
      readonly kind: 'API_KEY';
      readonly apiKeyId: string;
      readonly scopes: ReadonlySet<ApiKeyScope>;
      readonly memberTokenMaxRole: NetworkRole;
      readonly trustedDocumentsOf?: string;
    }
  | {
      readonly kind: 'MEMBER';
      readonly memberId: string;
      readonly role: NetworkRole;
      readonly roleCap: NetworkRole;
      readonly readOnly: boolean;
      /** The API key that issued the token (tokens issued before issue 12 carry none). */
      readonly issuerKeyId?: string;
      readonly trustedDocumentsOf?: string;
    };

/** Network roles from the least to the most powerful. */
const RANK: Record<NetworkRole, number> = { [NetworkRole.MEMBER]: 0, [NetworkRole.COORDINATOR]: 1, [NetworkRole.ADMIN]: 2 };

/** True when `role` is at most `limit` (MEMBER < COORDINATOR < ADMIN). */
export const roleWithin = (role: NetworkRole, limit: NetworkRole): boolean => RANK[role] <= RANK[limit];

/** The less powerful of two roles. */
export const lowerRole = (a: NetworkRole, b: NetworkRole): NetworkRole => (RANK[a] <= RANK[b] ? a : b);
