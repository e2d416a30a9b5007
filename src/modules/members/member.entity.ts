import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, UpdateDateColumn } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';
import { NetworkRole } from '../../graphql/principal';

// Where it has always been imported from (tests, scripts); defined with Principal.
export { NetworkRole };

/** A person in a network. May use a pseudonym as display name. */
@Entity('members')
@ObjectType('Member', { implements: Node, description: 'A person in the network. The display name may be a pseudonym.' })
export class Member extends TenantEntity {
  @Field({ description: 'The name shown to other members; may be a pseudonym.' })
  @Column({ name: 'display_name' })
  displayName: string;

  /** Exposed through a field resolver that applies the privacy rules. */
  @Column({ type: 'text', nullable: true })
  email: string | null;

  /** The member asked not to be reached out to (left out of `driftingMembers`). Exposed through a field resolver. */
  @Column({ name: 'do_not_contact', type: 'boolean', default: false })
  doNotContact: boolean;

  /** A partner's own id for the member (unique per network). Exposed through a field resolver that applies the privacy rules. */
  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  @Field(() => NetworkRole, { description: "The member's role in the network." })
  @Column({ type: 'text' })
  role: NetworkRole;

  @Field({ description: 'When the member was added to the network.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /**
   * When the person was erased (src/modules/privacy/erase.service.ts): the row is their tombstone (a fresh ID that
   * holds what aggregates count), found by no lookup and left out of the member directory; it still appears where
   * participation is listed (memberships, attendance).
   */
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt: Date | null;

  @Field({
    description:
      'True for an erased member: a tombstone named "Erased member" with no personal data, kept where participation is counted (a group\'s memberships) so that counts stay right. Never in the member directory (`members`).',
  })
  get erased(): boolean {
    return this.erasedAt != null;
  }

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', select: false })
  updatedAt: Date;
}
