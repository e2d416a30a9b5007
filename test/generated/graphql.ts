/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar. */
  DateTime: { input: string; output: string; }
};

/** A credential for servers of the network (integrators, partner backends). The secret is shown only once, at creation. */
export type ApiKey = Node & {
  __typename?: 'ApiKey';
  /** When the key was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Opaque, globally unique ID of this object. */
  id: Scalars['ID']['output'];
  /** When the key was last used (updated at most once a minute). */
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  /** A name that says who uses the key and for what. */
  name: Scalars['String']['output'];
  /** The visible start of the secret (e.g. `pnk_3fa9c1d2`), to recognise a key in logs and settings. */
  prefix: Scalars['String']['output'];
  /** When the key was revoked; a revoked key no longer authenticates. */
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  /** What the key may do. */
  scopes: Array<ApiKeyScope>;
};

/** A permission of an API key. Scopes are explicit: ADMIN does not imply READ, WRITE or PERSONAL_DATA. */
export type ApiKeyScope =
  /** Manage API keys, roles, member tokens, partnerships, erasure and the audit log. */
  | 'ADMIN'
  /** See identifiable data: member lists, emails, attendance lists, RSVPs by name, feedback comments. */
  | 'PERSONAL_DATA'
  /** Read groups, sessions, counts and aggregates. */
  | 'READ'
  /** Create and change data (members, groups, sessions, …). */
  | 'WRITE';

/** A new member of the network. */
export type CreateMemberInput = {
  /** The name shown to others (1–100 characters); a pseudonym is fine. */
  displayName: Scalars['String']['input'];
  /** Contact email; visible to the member, ADMINs and PERSONAL_DATA keys only. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Role in the network; other than MEMBER needs ADMIN. */
  role?: NetworkRole;
};

/** A new API key and its secret. The secret is shown only here, once: store it safely. */
export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  /** The key (without its secret). */
  apiKey: ApiKey;
  /** The secret to send as `Authorization: Bearer <secret>`. Not retrievable later. */
  secret: Scalars['String']['output'];
};

/** A person in the network. The display name may be a pseudonym. */
export type Member = Node & {
  __typename?: 'Member';
  /** When the member was added to the network. */
  createdAt: Scalars['DateTime']['output'];
  /** The name shown to other members; may be a pseudonym. */
  displayName: Scalars['String']['output'];
  /** Email address: shown to the member, to ADMINs and to API keys with PERSONAL_DATA; null for everyone else. */
  email?: Maybe<Scalars['String']['output']>;
  /** Opaque, globally unique ID of this object. */
  id: Scalars['ID']['output'];
  /** The member's role in the network. */
  role: NetworkRole;
};

/** A page of Member items (Relay cursor connection). */
export type MemberConnection = {
  __typename?: 'MemberConnection';
  /** The items of this page with their cursors. */
  edges: Array<MemberEdge>;
  /** The items of this page, without cursors. */
  nodes: Array<Member>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
  /** Number of items in the whole list, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a Member connection: a cursor and the Member. */
export type MemberEdge = {
  __typename?: 'MemberEdge';
  /** Opaque cursor of this item, for `after` / `before`. */
  cursor: Scalars['String']['output'];
  /** The Member. */
  node: Member;
};

/** A short-lived token that acts as one member, for partner front ends. */
export type MemberToken = {
  __typename?: 'MemberToken';
  /** When the token stops working; issue a new one before then. */
  expiresAt: Scalars['DateTime']['output'];
  /** The member the token acts as. */
  member: Member;
  /** The token to send as `Authorization: Bearer <token>`. */
  token: Scalars['String']['output'];
};

/** Writes. Each mutation field runs in its own savepoint of the operation's transaction: a failing one writes nothing. */
export type Mutation = {
  __typename?: 'Mutation';
  /** Creates an API key; the secret is in the answer and nowhere else. Admins only. */
  createApiKey: CreatedApiKey;
  /** Adds a member to the network. Coordinators, admins, API keys with WRITE; a role other than MEMBER needs ADMIN. */
  createMember: Member;
  /** Issues a token that acts as the member, for a partner's front end. API keys with ADMIN only (the partner's backend authenticates its users its own way). */
  issueMemberToken: MemberToken;
  /** Revokes an API key at once; requests with it then fail with UNAUTHENTICATED. Admins only. */
  revokeApiKey: ApiKey;
  /** Sets a member's network role. Admins and API keys with WRITE and ADMIN. The last ADMIN cannot be demoted (CONFLICT). */
  setMemberRole: Member;
  /** Changes a member's profile. The member themself, admins, API keys with WRITE. */
  updateMember: Member;
};


/** Writes. Each mutation field runs in its own savepoint of the operation's transaction: a failing one writes nothing. */
export type MutationCreateApiKeyArgs = {
  name: Scalars['String']['input'];
  scopes: Array<ApiKeyScope>;
};


/** Writes. Each mutation field runs in its own savepoint of the operation's transaction: a failing one writes nothing. */
export type MutationCreateMemberArgs = {
  input: CreateMemberInput;
};


/** Writes. Each mutation field runs in its own savepoint of the operation's transaction: a failing one writes nothing. */
export type MutationIssueMemberTokenArgs = {
  memberId: Scalars['ID']['input'];
  ttlSeconds?: InputMaybe<Scalars['Int']['input']>;
};


/** Writes. Each mutation field runs in its own savepoint of the operation's transaction: a failing one writes nothing. */
export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


/** Writes. Each mutation field runs in its own savepoint of the operation's transaction: a failing one writes nothing. */
export type MutationSetMemberRoleArgs = {
  memberId: Scalars['ID']['input'];
  role: NetworkRole;
};


/** Writes. Each mutation field runs in its own savepoint of the operation's transaction: a failing one writes nothing. */
export type MutationUpdateMemberArgs = {
  id: Scalars['ID']['input'];
  input: UpdateMemberInput;
};

/** One organization's peer support network: the tenant that owns members, groups and sessions. */
export type Network = Node & {
  __typename?: 'Network';
  /** When the network was created. */
  createdAt: Scalars['DateTime']['output'];
  /** What the network is about, for members and partners. */
  description?: Maybe<Scalars['String']['output']>;
  /** Opaque, globally unique ID of this object. */
  id: Scalars['ID']['output'];
  /** Display name of the network. */
  name: Scalars['String']['output'];
  /** Short, unique, URL-safe name (lower-case letters, digits and dashes), e.g. `acme`. */
  slug: Scalars['String']['output'];
  /** IANA time zone the network reports in, e.g. `Europe/Berlin`. */
  timeZone: Scalars['String']['output'];
};

/** A member's role in the network. */
export type NetworkRole =
  /** Runs the network: roles, API keys, partnerships, joint events, erasure, the audit log. */
  | 'ADMIN'
  /** Coordinates groups across the network: creates groups, sees all groups and their aggregates. */
  | 'COORDINATOR'
  /** A participant: joins groups, RSVPs, checks in, gives feedback. */
  | 'MEMBER';

/** An object with an opaque, globally unique ID that `node(id:)` can fetch again. */
export type Node = {
  /** Opaque, globally unique ID of this object. */
  id: Scalars['ID']['output'];
};

/** Where a page sits in the whole list (Relay cursor connections). */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item of this page; null when the page is empty. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** True when there are items after this page. */
  hasNextPage: Scalars['Boolean']['output'];
  /** True when there are items before this page. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** Cursor of the first item of this page; null when the page is empty. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** How the caller authenticated. */
export type PrincipalKind =
  /** With an API key (a server of the network). */
  | 'API_KEY'
  /** With a member token (acting as one member). */
  | 'MEMBER';

/** Reads. Every field needs a credential (`Authorization: Bearer …`) and sees only the caller's network. */
export type Query = {
  __typename?: 'Query';
  /** The network's API keys, revoked ones included, oldest first. Admins only. */
  apiKeys: Array<ApiKey>;
  /** Members of the network, by display name. Coordinators, admins, and API keys with READ and PERSONAL_DATA. */
  members: MemberConnection;
  /** The caller's network. */
  network: Network;
  /** Fetches any object the caller may see by its global ID; null when unknown or not visible. */
  node?: Maybe<Node>;
  /** Fetches several objects by global ID, in the same order; null for each unknown or hidden one. */
  nodes: Array<Maybe<Node>>;
  /** Who is calling: network, member (member tokens), API key and scopes. */
  viewer: Viewer;
};


/** Reads. Every field needs a credential (`Authorization: Bearer …`) and sees only the caller's network. */
export type QueryMembersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


/** Reads. Every field needs a credential (`Authorization: Bearer …`) and sees only the caller's network. */
export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


/** Reads. Every field needs a credential (`Authorization: Bearer …`) and sees only the caller's network. */
export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
};

/** Changes to a member's profile; omitted fields stay as they are. */
export type UpdateMemberInput = {
  /** New display name (1–100 characters). */
  displayName?: InputMaybe<Scalars['String']['input']>;
  /** New email; an empty string removes it. */
  email?: InputMaybe<Scalars['String']['input']>;
};

/** Who is calling: the network, and the member or API key behind the credential. */
export type Viewer = {
  __typename?: 'Viewer';
  /** The calling API key (API keys); null for member tokens. */
  apiKey?: Maybe<ApiKey>;
  /** When the credential expires (member tokens); null for API keys. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** API key or member token. */
  kind: PrincipalKind;
  /** The calling member (member tokens); null for API keys. */
  member?: Maybe<Member>;
  /** The caller's network. */
  network: Network;
  /** The API key's scopes; empty for member tokens (members act by their role). */
  scopes: Array<ApiKeyScope>;
};

/** A permission of an API key. Scopes are explicit: ADMIN does not imply READ, WRITE or PERSONAL_DATA. */
export type ApiKeyScope =
  /** Manage API keys, roles, member tokens, partnerships, erasure and the audit log. */
  | 'ADMIN'
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