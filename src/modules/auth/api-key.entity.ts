import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/node';

/** What an API key may do. Explicit: ADMIN does not imply the others. */
export enum ApiKeyScope {
  READ = 'READ',
  WRITE = 'WRITE',
  PERSONAL_DATA = 'PERSONAL_DATA',
  ADMIN = 'ADMIN',
}

registerEnumType(ApiKeyScope, {
  name: 'ApiKeyScope',
  description: 'A permission of an API key. Scopes are explicit: ADMIN does not imply READ, WRITE or PERSONAL_DATA.',
  valuesConfig: {
    READ: { description: 'Read groups, sessions, counts and aggregates.' },
    WRITE: { description: 'Create and change data (members, groups, sessions, …).' },
    PERSONAL_DATA: {
      description: 'See identifiable data: member lists, emails, attendance lists, RSVPs by name, feedback comments.',
    },
    ADMIN: { description: 'Manage API keys, roles, member tokens, partnerships, erasure and the audit log.' },
  },
});

/** An integrator's credential. The secret is shown once and stored only as a SHA-256 hash. */
@Entity('api_keys')
@ObjectType('ApiKey', { implements: Node, description: 'A credential for servers of the network (integrators, partner backends). The secret is shown only once, at creation.' })
export class ApiKey extends Node {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'network_id', type: 'uuid' })
  networkId: string;

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
