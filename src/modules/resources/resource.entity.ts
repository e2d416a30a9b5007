import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { toGlobalId } from '../../graphql/global-id';
import { Node, TenantEntity } from '../../graphql/node';

/** What kind of thing a member shares. */
export enum ResourceKind {
  COPING_STRATEGY = 'COPING_STRATEGY',
  LINK = 'LINK',
  READING = 'READING',
  LOCAL_SERVICE = 'LOCAL_SERVICE',
}

registerEnumType(ResourceKind, {
  name: 'ResourceKind',
  description: 'What kind of resource a member shared with the group.',
  valuesConfig: {
    COPING_STRATEGY: { description: 'A coping strategy that worked for them, in a few sentences.' },
    LINK: { description: 'A link to something online (needs `url`).' },
    READING: { description: 'A book, article or other reading.' },
    LOCAL_SERVICE: { description: 'A local service (a centre, a helpline, a practice).' },
  },
});

/** What a facilitator does to a resource. */
export enum ModerationAction {
  PIN = 'PIN',
  UNPIN = 'UNPIN',
  HIDE = 'HIDE',
  RESTORE = 'RESTORE',
}

registerEnumType(ModerationAction, {
  name: 'ModerationAction',
  description: "A facilitator's action on a shared resource.",
  valuesConfig: {
    PIN: { description: "Pin it: pinned resources come first in the group's list." },
    UNPIN: { description: 'Unpin it.' },
    HIDE: { description: "Hide it (e.g. it breaks the group's norms): only facilitators, coordinators and admins still see it." },
    RESTORE: { description: 'Show a hidden resource again.' },
  },
});

/** Who hid a resource: the role, never the person. */
export type HiddenBy = 'FACILITATOR' | 'COORDINATOR' | 'ADMIN' | 'API_KEY';

/**
 * A resource shared in a group. The table has no author column: a named resource's author is in `resource_authors`
 * (which cannot point at an anonymous one), read by the `author` field.
 */
@Entity('resources')
@ObjectType('GroupResource', {
  implements: Node,
  description: 'Something a member shared with their group between sessions: a coping strategy, a link, a reading or a local service.',
})
export class GroupResource extends TenantEntity {
  @Column({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @Field(() => ResourceKind, { description: 'What kind of resource it is.' })
  @Column({ type: 'text' })
  kind: ResourceKind;

  @Field({ description: 'Title (1–200 characters).' })
  @Column({ type: 'text' })
  title: string;

  @Field(() => String, { nullable: true, description: 'The text: a coping strategy in a few sentences, a note on the link (up to 5,000 characters).' })
  @Column({ type: 'text', nullable: true })
  body: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, for links, readings and services.' })
  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Field(() => [String], { description: 'Lower-case topic slugs, e.g. `sleep`, `anxiety` (up to 10).' })
  @Column({ type: 'text', array: true })
  topics: string[];

  @Field({ description: 'True when posted without a name: no one, admins included, can know who posted it.' })
  @Column({ type: 'boolean' })
  anonymous: boolean;

  @Field({ description: 'When it was posted; for anonymous resources only to the hour, so that the time cannot single out its author.' })
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'pinned_at', type: 'timestamptz', nullable: true })
  pinnedAt: Date | null;

  @Column({ name: 'hidden_at', type: 'timestamptz', nullable: true })
  hiddenAt: Date | null;

  @Column({ name: 'hidden_by', type: 'text', nullable: true })
  hiddenBy: HiddenBy | null;

  @Column({ name: 'shared_at', type: 'timestamptz', nullable: true })
  sharedAt: Date | null;

  @Field({ description: "True when pinned by a facilitator: pinned resources come first in the group's list." })
  get pinned(): boolean {
    return this.pinnedAt != null;
  }

  @Field({ description: 'True when hidden by a facilitator, coordinator or admin (only they see hidden resources).' })
  get hidden(): boolean {
    return this.hiddenAt != null;
  }

  @Field({
    description:
      "True when a facilitator shared it with partner networks: it appears in `partnerResources` of networks with an ACTIVE partnership sharing GROUP_DIRECTORY, while the group is in the partner directory (never with an author's name).",
  })
  get sharedWithPartners(): boolean {
    return this.sharedAt != null;
  }
}

/** A report of a resource, as facilitators see it: the reason and roughly when, never who reported. */
@ObjectType('ResourceReport', { description: "A member's report that a resource breaks the group's norms. Who reported is never shown." })
export class ResourceReport {
  /** The report's database id (for the cursor only). */
  id: string;

  @Field(() => String, { nullable: true, description: 'Why it was reported (up to 500 characters), if a reason was given.' })
  reason: string | null;

  @Field({ description: 'When it was reported, to the hour.' })
  reportedAt: Date;
}

/** A resource a partner network shared, as the partner directory shows it: the content, never who posted it. */
@ObjectType('SharedResource', {
  description:
    "A resource a partner network's facilitator shared with partner networks (through an ACTIVE partnership sharing GROUP_DIRECTORY). The content only: no author, no counts of its members.",
})
export class SharedResource {
  /** The resource's database id. */
  resourceId: string;

  networkId: string;

  groupId: string;

  @Field(() => ID, { name: 'id', simple: false, description: 'Opaque, globally unique ID of this shared resource.' })
  get globalId(): string {
    return toGlobalId('SharedResource', this.resourceId);
  }

  @Field(() => ResourceKind, { description: 'What kind of resource it is.' })
  kind: ResourceKind;

  @Field({ description: 'Title.' })
  title: string;

  @Field(() => String, { nullable: true, description: 'The text.' })
  body: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL.' })
  url: string | null;

  @Field(() => [String], { description: 'Lower-case topic slugs.' })
  topics: string[];

  @Field({ description: 'When it was shared with partners.' })
  sharedAt: Date;
}

/** The columns a SharedResource is read from (of resources `r`): nothing else of a partner's resource. */
export const SHARED_RESOURCE_COLUMNS = 'r.id, r.network_id, r.group_id, r.kind, r.title, r.body, r.url, r.topics, r.shared_at';
export interface SharedResourceRow {
  id: string;
  network_id: string;
  group_id: string;
  kind: ResourceKind;
  title: string;
  body: string | null;
  url: string | null;
  topics: string[];
  shared_at: Date;
}
export const toSharedResource = (row: SharedResourceRow): SharedResource =>
  Object.assign(new SharedResource(), {
    resourceId: row.id,
    networkId: row.network_id,
    groupId: row.group_id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    url: row.url,
    topics: row.topics,
    sharedAt: row.shared_at,
  });
