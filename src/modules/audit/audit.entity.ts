import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { toGlobalId } from '../../graphql/global-id';
import { Node, nodeFetcher, TenantEntity } from '../../graphql/node';

/** One entry of a network's audit log: who did what to which object, and when. Entries are never changed. */
@Entity('audit_log')
@ObjectType('AuditEntry', {
  implements: Node,
  description: "An entry of the network's audit log: an administrative change (e.g. a partnership requested or revoked), by whom and when.",
})
export class AuditEntry extends TenantEntity {
  @Field({
    description:
      "Who did it: `member:<Member ID>` or `api_key:<ApiKey ID>` (global IDs), or `system:retention` for the server's retention purge. For entries about a partner network's action, the ID belongs to that network.",
  })
  @Column()
  actor: string;

  @Field({ description: 'What was done, e.g. `partnership.requested`, `partnership.accepted`, `partnership.revoked`.' })
  @Column()
  action: string;

  @Field(() => String, { nullable: true, description: 'The type of the object acted on, e.g. `Partnership`; null when none.' })
  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  /** The database id of the target. */
  @Column({ name: 'target_id', type: 'uuid', nullable: true })
  targetId: string | null;

  @Field({ description: 'When it was done.' })
  @Column({ name: 'at', type: 'timestamptz' })
  at: Date;

  @Field(() => GraphQLJSON, { nullable: true, description: 'More about the change (never secrets), e.g. `{ "scopes": [...], "partnerSlug": "..." }`.' })
  @Column({ type: 'jsonb', nullable: true })
  details: unknown;

  @Field(() => ID, {
    name: 'targetId',
    nullable: true,
    simple: false,
    description: 'The object acted on: its global ID when `targetType` is a type `node(id:)` knows (e.g. Partnership); null when none.',
  })
  get targetGlobalId(): string | null {
    if (!this.targetId) return null;
    return this.targetType && nodeFetcher(this.targetType) ? toGlobalId(this.targetType, this.targetId) : this.targetId;
  }
}
