import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, UpdateDateColumn } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';

/** What kind of help a help resource offers. */
export enum HelpResourceKind {
  CRISIS_LINE = 'CRISIS_LINE',
  LOCAL_SERVICE = 'LOCAL_SERVICE',
  ONLINE = 'ONLINE',
  OTHER = 'OTHER',
}

registerEnumType(HelpResourceKind, {
  name: 'HelpResourceKind',
  description: 'What kind of help a help resource offers.',
  valuesConfig: {
    CRISIS_LINE: { description: 'A phone or text line for people in crisis.' },
    LOCAL_SERVICE: { description: 'A service people can go to (counselling, a walk-in centre, a GP service).' },
    ONLINE: { description: 'Help online: a chat, a forum, self-help material.' },
    OTHER: { description: 'Anything else.' },
  },
});

/** One of a network's crisis lines and services, for signposting. */
@Entity('help_resources')
@ObjectType('HelpResource', {
  implements: Node,
  description:
    "One of the network's crisis lines and services, set by its admins (`setHelpResources`). Listed by `helpResources` for every member, and returned by `recordWellbeing` for a check-in at or below the network's `wellbeingHelpThreshold`.",
})
export class HelpResource extends TenantEntity {
  @Field({ description: 'Name, e.g. `Samaritans`.' })
  @Column()
  name: string;

  @Field(() => HelpResourceKind, { description: 'What kind of help it offers.' })
  @Column({ type: 'text' })
  kind: HelpResourceKind;

  @Field(() => String, { nullable: true, description: 'Phone number to call or text, as people should dial it, e.g. `116 123`.' })
  @Column({ type: 'text', nullable: true })
  phone: string | null;

  @Field(() => String, { nullable: true, description: 'Web address (http or https).' })
  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Field(() => String, { nullable: true, description: 'What it offers and for whom.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => String, { nullable: true, description: 'When it is open, as text, e.g. `24 hours, every day` or `Mon–Fri 9:00–17:00`.' })
  @Column({ name: 'opening_hours', type: 'text', nullable: true })
  openingHours: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone the opening hours are in, e.g. `Europe/London`.' })
  @Column({ name: 'time_zone', type: 'text', nullable: true })
  timeZone: string | null;

  @Field(() => String, { nullable: true, description: 'Language the help is given in, as a BCP 47 tag, e.g. `en`, `de`, `pt-BR`.' })
  @Column({ type: 'text', nullable: true })
  language: string | null;

  @Field(() => Int, { description: 'Position in the list (0 first), as the admins ordered it.' })
  @Column({ name: 'sort_order', type: 'integer' })
  sortOrder: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', select: false })
  createdAt: Date;

  @Field({ description: 'When it was last changed.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
