import { Field, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';
import { ApiKeyScope, NetworkRole } from '../../graphql/principal';

// Where it has always been imported from (tests, scripts); defined with Principal.
export { ApiKeyScope };

/** An integrator's credential. The secret is shown once and stored only as a SHA-256 hash. */
@Entity('api_keys')
@ObjectType('ApiKey', {
  implements: Node,
  description: 'A credential for servers of the network (integrators, partner backends). The secret is shown only once, at creation.',
})
export class ApiKey extends TenantEntity {
  @Field({ description: 'A name that says who uses the key and for what.' })
  @Column()
  name: string;

  @Field({ description: 'The visible start of the secret (e.g. `pnk_3fa9c1d2`), to recognise a key in logs and settings.' })
  @Column()
  prefix: string;

  @Column({ name: 'secret_hash', select: false })
  secretHash: string;

  @Field(() => [ApiKeyScope], { description: 'What the key may do.' })
  @Column({ type: 'text', array: true })
  scopes: ApiKeyScope[];

  @Field(() => NetworkRole, {
    description:
      "The highest network role the key may issue member tokens for (with ISSUE_MEMBER_TOKENS): a member with a higher role gets a token only when narrowed to this role. Tokens act with the lower of the member's role and this.",
  })
  @Column({ name: 'member_token_max_role', type: 'text', default: NetworkRole.MEMBER })
  memberTokenMaxRole: NetworkRole;

  @Field({
    description:
      'True: the key, and the member tokens it issues, may run only the documents registered for it (`registerTrustedDocuments`); anything else is refused with DOCUMENT_NOT_TRUSTED.',
  })
  @Column({ name: 'trusted_documents_only', type: 'boolean', default: false })
  trustedDocumentsOnly: boolean;

  @Column({ name: 'created_by_member_id', type: 'uuid', nullable: true })
  createdByMemberId: string | null;

  @Field({ description: 'When the key was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the key was last used (updated at most once a minute).' })
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; a revoked key no longer authenticates.' })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
