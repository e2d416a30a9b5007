import { NetworkRole } from '../members/member.entity';
import type { ApiKeyScope } from './api-key.entity';

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
