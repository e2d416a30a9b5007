/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A permission of an API key. Scopes are explicit: none implies another (ADMIN does not imply READ, WRITE, PERSONAL_DATA or ISSUE_MEMBER_TOKENS). */
export type ApiKeyScope =
  /** Manage API keys (never beyond its own powers), roles, partnerships, erasure and the audit log. */
  | 'ADMIN'
  /** Issue member tokens (`issueMemberToken`) for members up to the key's `memberTokenMaxRole`: what a partner's token backend holds, alone. Gives no reads or writes with the key itself. */
  | 'ISSUE_MEMBER_TOKENS'
  /** See identifiable data: member lists, emails, attendance lists, RSVPs by name, feedback comments. */
  | 'PERSONAL_DATA'
  /** Read groups, sessions, counts and aggregates. */
  | 'READ'
  /** Create and change data (members, groups, sessions, …). */
  | 'WRITE';

/** A member's role in the network. */
export type NetworkRole =
  /** Runs the network: roles, API keys, partnerships, joint events, erasure, the audit log. */
  | 'ADMIN'
  /** Coordinates groups across the network: creates groups, sees all groups and their aggregates. */
  | 'COORDINATOR'
  /** A participant: joins groups, RSVPs, checks in, gives feedback. */
  | 'MEMBER';

/** How the caller authenticated. */
export type PrincipalKind =
  /** With an API key (a server of the network). */
  | 'API_KEY'
  /** With a member token (acting as one member). */
  | 'MEMBER';

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { kind: PrincipalKind, scopes: Array<ApiKeyScope>, expiresAt: string | null, network: { id: string, slug: string, name: string }, member: { id: string, displayName: string, role: NetworkRole, email: string | null } | null, apiKey: { id: string, name: string, prefix: string } | null } };


export const ViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"network"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"member"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}},{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}}]}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;