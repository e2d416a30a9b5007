/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** One part of a session agenda. */
export type AgendaItemInput = {
  /** What this part is for. */
  kind: AgendaItemKind;
  /** Planned length in minutes (1–600). */
  minutes?: number | null | undefined;
  /** A prompt (up to 1,000 characters). */
  prompt?: string | null | undefined;
  /** Title shown to members (1–200 characters). */
  title: string;
};

/** What a part of a session is for. */
export type AgendaItemKind =
  /** A round where everyone says how they arrive today. */
  | 'CHECK_IN'
  /** A closing round: how everyone leaves. */
  | 'CHECK_OUT'
  /** Everyone names one small thing they learned or appreciated. */
  | 'GRATITUDE_ROUND'
  /** A light opener so newcomers can find their voice. */
  | 'ICEBREAKER'
  /** Members share experiences; others listen. */
  | 'SHARING_ROUND'
  /** A discussion of a chosen topic. */
  | 'TOPIC';

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

/** A new group. */
export type CreateGroupInput = {
  /** The agenda new sessions start with; defaults to icebreaker, check-in, sharing, gratitude, check-out. */
  agendaTemplate?: Array<AgendaItemInput> | null | undefined;
  /** Most active members (1–10,000); also the default session capacity. Omit for no limit. */
  capacity?: number | null | undefined;
  /** What the group is about (up to 5,000 characters). */
  description?: string | null | undefined;
  /** How the group meets. */
  format: MeetingFormat;
  /** Name (1–200 characters). */
  name: string;
  /** The group agreement members accept when joining (up to 30, each up to 500 characters). */
  norms: Array<string>;
  /** What the group sets out to do (up to 20, each up to 500 characters). */
  objectives: Array<string>;
  /** IANA time zone the group meets in; defaults to the network's. */
  timeZone?: string | null | undefined;
  /** Topic slugs (up to 20): lower-case letters, digits and dashes, e.g. `anxiety`, `addiction-recovery`. */
  topics: Array<string>;
  /** Who can find the group. */
  visibility?: GroupVisibility;
};

/** A member's role in one group. */
export type GroupRole =
  /** Runs the group: edits it, schedules and runs sessions, takes attendance, reads feedback. */
  | 'FACILITATOR'
  /** Takes part in the group. */
  | 'MEMBER';

/** Who can find a group. */
export type GroupVisibility =
  /** Everyone in the network can find and join it. */
  | 'NETWORK'
  /** Like NETWORK, and partner networks see it in their partner directory (no member data). */
  | 'PARTNERS'
  /** Only its members, facilitators, coordinators and admins see it; members are added, they cannot join. */
  | 'PRIVATE';

/** How a group or event meets. */
export type MeetingFormat =
  /** In a room, with online participants. */
  | 'HYBRID'
  /** In a room. */
  | 'IN_PERSON'
  /** By video call. */
  | 'ONLINE';

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

export type CreateGroupMutationVariables = Exact<{
  input: CreateGroupInput;
}>;


export type CreateGroupMutation = { createGroup: { id: string } };

export type JoinGroupMutationVariables = Exact<{
  groupId: string | number;
}>;


export type JoinGroupMutation = { joinGroup: { id: string } };

export type AddMemberMutationVariables = Exact<{
  groupId: string | number;
  memberId: string | number;
  role?: GroupRole | null | undefined;
}>;


export type AddMemberMutation = { addMember: { id: string } };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { kind: PrincipalKind, scopes: Array<ApiKeyScope>, expiresAt: string | null, network: { id: string, slug: string, name: string }, member: { id: string, displayName: string, role: NetworkRole, email: string | null } | null, apiKey: { id: string, name: string, prefix: string } | null } };


export const CreateGroupDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateGroup"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateGroupInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createGroup"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<CreateGroupMutation, CreateGroupMutationVariables>;
export const JoinGroupDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"JoinGroup"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"groupId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"joinGroup"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"groupId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"groupId"}}},{"kind":"Argument","name":{"kind":"Name","value":"acceptNorms"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<JoinGroupMutation, JoinGroupMutationVariables>;
export const AddMemberDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AddMember"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"groupId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"memberId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"role"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"GroupRole"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"addMember"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"groupId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"groupId"}}},{"kind":"Argument","name":{"kind":"Name","value":"memberId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"memberId"}}},{"kind":"Argument","name":{"kind":"Name","value":"role"},"value":{"kind":"Variable","name":{"kind":"Name","value":"role"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<AddMemberMutation, AddMemberMutationVariables>;
export const ViewerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"network"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"member"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}},{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}}]}}]}}]}}]} as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;