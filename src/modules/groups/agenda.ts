import { IsOptional, Length, Max, Min } from 'class-validator';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { HasVisibleCharacter } from '../../graphql/validators';

/** The parts of a peer support session, in the order the field notes describe them. */
export enum AgendaItemKind {
  ICEBREAKER = 'ICEBREAKER',
  CHECK_IN = 'CHECK_IN',
  SHARING_ROUND = 'SHARING_ROUND',
  TOPIC = 'TOPIC',
  GRATITUDE_ROUND = 'GRATITUDE_ROUND',
  CHECK_OUT = 'CHECK_OUT',
}

registerEnumType(AgendaItemKind, {
  name: 'AgendaItemKind',
  description: 'What a part of a session is for.',
  valuesConfig: {
    ICEBREAKER: { description: 'A light opener so newcomers can find their voice.' },
    CHECK_IN: { description: 'A round where everyone says how they arrive today.' },
    SHARING_ROUND: { description: 'Members share experiences; others listen.' },
    TOPIC: { description: 'A discussion of a chosen topic.' },
    GRATITUDE_ROUND: { description: 'Everyone names one small thing they learned or appreciated.' },
    CHECK_OUT: { description: 'A closing round: how everyone leaves.' },
  },
});

@ObjectType({ description: 'One part of a session agenda.' })
export class AgendaItem {
  @Field(() => AgendaItemKind, { description: 'What this part is for.' })
  kind: AgendaItemKind;

  @Field({ description: 'Title shown to members, e.g. "Check-in round".' })
  title: string;

  @Field(() => String, { nullable: true, description: 'A prompt for the facilitator or members, e.g. "One word for how you feel".' })
  prompt?: string | null;

  @Field(() => Int, { nullable: true, description: 'Planned length in minutes.' })
  minutes?: number | null;
}

@InputType({ description: 'One part of a session agenda.' })
export class AgendaItemInput {
  @Field(() => AgendaItemKind, { description: 'What this part is for.' })
  kind: AgendaItemKind;

  @Field({ description: 'Title shown to members (1–200 characters).' })
  @Length(1, 200)
  @HasVisibleCharacter()
  title: string;

  @Field(() => String, { nullable: true, description: 'A prompt (up to 1,000 characters).' })
  @IsOptional()
  @Length(0, 1000)
  prompt?: string | null;

  @Field(() => Int, { nullable: true, description: 'Planned length in minutes (1–600).' })
  @IsOptional()
  @Min(1)
  @Max(600)
  minutes?: number | null;
}

/** The agenda a group starts with: the session structure from the field notes. */
export const DEFAULT_AGENDA: AgendaItem[] = [
  { kind: AgendaItemKind.ICEBREAKER, title: 'Icebreaker', prompt: 'Share a light-hearted moment from your week.', minutes: 10 },
  { kind: AgendaItemKind.CHECK_IN, title: 'Check-in round', prompt: 'How are you arriving today?', minutes: 15 },
  { kind: AgendaItemKind.SHARING_ROUND, title: 'Sharing round', prompt: null, minutes: 40 },
  { kind: AgendaItemKind.GRATITUDE_ROUND, title: 'Gratitude round', prompt: 'One small thing you learned or appreciated.', minutes: 10 },
  { kind: AgendaItemKind.CHECK_OUT, title: 'Check-out', prompt: 'How do you leave today?', minutes: 5 },
];

/** Normalizes agenda input for storage (jsonb), dropping undefined fields. */
export const toAgenda = (items: AgendaItemInput[]): AgendaItem[] =>
  items.map((i) => ({ kind: i.kind, title: i.title.trim(), prompt: i.prompt ?? null, minutes: i.minutes ?? null }));
