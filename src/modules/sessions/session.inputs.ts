import { ArrayMaxSize, IsOptional, IsUrl, Length, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { ArgsType, Field, InputType, Int, registerEnumType } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { HasVisibleCharacter, IsTimeZone } from '../../graphql/validators';
import { AgendaItemInput } from '../groups/agenda';
import { SessionStatus } from './session.entity';

/** How often a series repeats. */
export enum RepeatFrequency {
  WEEKLY = 'WEEKLY',
  BIWEEKLY = 'BIWEEKLY',
  MONTHLY = 'MONTHLY',
}

registerEnumType(RepeatFrequency, {
  name: 'RepeatFrequency',
  description: 'How often a series of sessions repeats; always at the same local time in the series time zone.',
  valuesConfig: {
    WEEKLY: { description: 'Every week, same weekday.' },
    BIWEEKLY: { description: 'Every other week, same weekday.' },
    MONTHLY: { description: 'Every month, same day of the month (the last day in shorter months).' },
  },
});

/** A title of a session or joint event: 1–200 characters, some of them visible. */
export const IsTitle = (): PropertyDecorator => (target, key) => {
  HasVisibleCharacter()(target, key as string);
  Length(1, 200)(target, key as string);
};

/** A link for online participants of a session or joint event: an http(s) URL of up to 2,000 characters. */
export const IsOnlineUrl = (): PropertyDecorator => (target, key) => {
  IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'onlineUrl must be an http(s) URL' })(target, key as string);
  MaxLength(2000)(target, key as string);
};

@InputType({ description: 'A series repeat rule.' })
export class RepeatInput {
  @Field(() => RepeatFrequency, { description: 'How often the session repeats.' })
  frequency: RepeatFrequency;

  @Field(() => Int, { description: 'Number of sessions in the series, the first included (1–52).' })
  @Min(1)
  @Max(52)
  count: number;
}

@InputType({ description: 'One session to schedule, or a series of them.' })
export class ScheduleSessionsInput {
  @Field({ description: 'Title (1–200 characters).' })
  @IsTitle()
  title: string;

  @Field({ description: 'When the (first) session starts. Later sessions of a series keep its local wall-clock time in `timeZone`.' })
  startsAt: Date;

  @Field(() => Int, { description: 'Length of each session in minutes (1–1440).' })
  @Min(1)
  @Max(1440)
  durationMinutes: number;

  @Field({ description: 'IANA time zone the session is planned in, e.g. `Europe/Berlin`.' })
  @IsTimeZone()
  timeZone: string;

  @Field(() => RepeatInput, { nullable: true, description: 'Repeat as a series; omit for a single session.' })
  @IsOptional()
  @ValidateNested()
  repeat?: RepeatInput | null;

  @Field(() => Int, { nullable: true, description: "Most GOING RSVPs per session (1–10,000); omit to follow the group's capacity." })
  @IsOptional()
  @Min(1)
  @Max(10000)
  capacity?: number | null;

  @Field(() => String, { nullable: true, description: 'Where the session meets in person (up to 500 characters).' })
  @IsOptional()
  @MaxLength(500)
  location?: string | null;

  @Field(() => String, { nullable: true, description: 'Link for online participants (an http(s) URL).' })
  @IsOptional()
  @IsOnlineUrl()
  onlineUrl?: string | null;

  @Field(() => [AgendaItemInput], { nullable: true, description: "The agenda; defaults to the group's agenda template." })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  agenda?: AgendaItemInput[] | null;
}

@InputType({ description: 'Changes to a session; omitted fields stay as they are.' })
export class UpdateSessionInput {
  @Field(() => String, { nullable: true, description: 'New title (1–200 characters).' })
  @IsOptional()
  @IsTitle()
  title?: string | null;

  @Field(() => Date, { nullable: true, description: 'New start; must be before the (new or current) end.' })
  @IsOptional()
  startsAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'New end; must be after the (new or current) start.' })
  @IsOptional()
  endsAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'New IANA time zone.' })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "New capacity (1–10,000); 0 follows the group's capacity again. Raising it promotes waitlisted RSVPs, earliest first.",
  })
  @IsOptional()
  @Min(0)
  @Max(10000)
  capacity?: number | null;

  @Field(() => String, { nullable: true, description: 'New location; an empty string removes it.' })
  @IsOptional()
  @MaxLength(500)
  location?: string | null;

  @Field(() => String, { nullable: true, description: 'New link for online participants (an http(s) URL); an empty string removes it.' })
  @ValidateIf((o: UpdateSessionInput) => o.onlineUrl != null && o.onlineUrl !== '')
  @IsOnlineUrl()
  onlineUrl?: string | null;

  @Field(() => [AgendaItemInput], { nullable: true, description: 'New agenda.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  agenda?: AgendaItemInput[] | null;
}

@ArgsType()
export class GroupSessionsArgs extends ConnectionArgs {
  @Field(() => Date, { nullable: true, description: 'Only sessions starting at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only sessions starting before this time.' })
  to?: Date | null;

  @Field(() => SessionStatus, { nullable: true, description: 'Only sessions with this status.' })
  status?: SessionStatus | null;
}
