import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../graphql/node';

/** The tenant: one organization's peer support network. */
@Entity('networks')
// A federation entity: other subgraphs may extend it by its global ID (src/app/federation.ts).
@Directive('@key(fields: "id")')
@ObjectType('Network', { implements: Node, description: "One organization's peer support network: the tenant that owns members, groups and sessions." })
export class Network extends Node {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Short, unique, URL-safe name (lower-case letters, digits and dashes), e.g. `acme`.' })
  @Column()
  slug: string;

  @Field({ description: 'Display name of the network.' })
  @Column()
  name: string;

  @Field(() => String, { nullable: true, description: 'What the network is about, for members and partners.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field({ description: 'IANA time zone the network reports in, e.g. `Europe/Berlin`.' })
  @Column({ name: 'time_zone' })
  timeZone: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'The privacy threshold k: aggregates over people (outcomes, ratings, mood change, attendance rates) are withheld (`suppressed: true`) when fewer than k people contribute. 5 by default; a network may raise it (`updateNetwork`), never lower it. Your own network only: null for another (partner) network.',
  })
  @Column({ name: 'minimum_aggregate_size', type: 'integer' })
  minimumAggregateSize: number;

  /** Months free text is kept (feedback comments, outreach notes, gratitude notes); null: kept. GraphQL field: src/modules/retention. */
  @Column({ name: 'text_retention_months', type: 'integer', nullable: true })
  textRetentionMonths: number | null;

  /** Months wellbeing check-ins are kept; null: kept. GraphQL field: src/modules/retention. */
  @Column({ name: 'wellbeing_retention_months', type: 'integer', nullable: true })
  wellbeingRetentionMonths: number | null;

  /** At or below this wellbeing value a check-in's response carries the help resources. GraphQL field: src/modules/help. */
  @Column({ name: 'wellbeing_help_threshold', type: 'smallint', default: 1 })
  wellbeingHelpThreshold: number;

  @Field({ description: 'When the network was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
