import { ArrayMaxSize, IsOptional, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ArgsType, Field, InputType, Int } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { HasVisibleCharacter, IsTimeZone, SLUG } from '../../graphql/validators';
import { AgendaItemInput } from './agenda';
import { GroupVisibility, MeetingFormat } from './group.entity';

const TOPIC_MESSAGE = 'each topic must be a lower-case slug (letters, digits, single dashes), e.g. addiction-recovery';

@InputType({ description: 'A new group.' })
export class CreateGroupInput {
  @Field({ description: 'Name (1–200 characters).' })
  @Length(1, 200)
  @HasVisibleCharacter()
  name: string;

  @Field(() => String, { nullable: true, description: 'What the group is about (up to 5,000 characters).' })
  @IsOptional()
  @MaxLength(5000)
  description?: string | null;

  @Field(() => [String], { description: 'What the group sets out to do (up to 20, each up to 500 characters).' })
  @ArrayMaxSize(20)
  @Length(1, 500, { each: true })
  objectives: string[];

  @Field(() => [String], { description: 'Topic slugs (up to 20): lower-case letters, digits and dashes, e.g. `anxiety`, `addiction-recovery`.' })
  @ArrayMaxSize(20)
  @Length(1, 50, { each: true })
  @Matches(SLUG, { each: true, message: TOPIC_MESSAGE })
  topics: string[];

  @Field(() => [String], { description: 'The group agreement members accept when joining (up to 30, each up to 500 characters).' })
  @ArrayMaxSize(30)
  @Length(1, 500, { each: true })
  norms: string[];

  @Field(() => GroupVisibility, { defaultValue: GroupVisibility.NETWORK, description: 'Who can find the group.' })
  visibility: GroupVisibility;

  @Field(() => MeetingFormat, { description: 'How the group meets.' })
  format: MeetingFormat;

  @Field(() => Int, { nullable: true, description: 'Most active members (1–10,000); also the default session capacity. Omit for no limit.' })
  @IsOptional()
  @Min(1)
  @Max(10000)
  capacity?: number | null;

  @Field(() => String, { nullable: true, description: "IANA time zone the group meets in; defaults to the network's." })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string | null;

  @Field(() => [AgendaItemInput], {
    nullable: true,
    description: 'The agenda new sessions start with; defaults to icebreaker, check-in, sharing, gratitude, check-out.',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  agendaTemplate?: AgendaItemInput[] | null;
}

@InputType({ description: 'Changes to a group; omitted fields stay as they are.' })
export class UpdateGroupInput {
  @Field(() => String, { nullable: true, description: 'New name (1–200 characters). The slug stays.' })
  @IsOptional()
  @Length(1, 200)
  @HasVisibleCharacter()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New description; an empty string removes it.' })
  @IsOptional()
  @MaxLength(5000)
  description?: string | null;

  @Field(() => [String], { nullable: true, description: 'New objectives.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 500, { each: true })
  objectives?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'New topic slugs.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 50, { each: true })
  @Matches(SLUG, { each: true, message: TOPIC_MESSAGE })
  topics?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'New norms. Members who accepted the old ones keep their acceptance time.' })
  @IsOptional()
  @ArrayMaxSize(30)
  @Length(1, 500, { each: true })
  norms?: string[] | null;

  @Field(() => GroupVisibility, { nullable: true, description: 'New visibility.' })
  @IsOptional()
  visibility?: GroupVisibility | null;

  @Field(() => MeetingFormat, { nullable: true, description: 'New format.' })
  @IsOptional()
  format?: MeetingFormat | null;

  @Field(() => Int, { nullable: true, description: 'New capacity (1–10,000); 0 removes the limit.' })
  @IsOptional()
  @Min(0)
  @Max(10000)
  capacity?: number | null;

  @Field(() => String, { nullable: true, description: 'New IANA time zone.' })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string | null;

  @Field(() => [AgendaItemInput], { nullable: true, description: 'New agenda template for sessions scheduled from now on.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  agendaTemplate?: AgendaItemInput[] | null;
}

@ArgsType()
export class GroupsArgs extends ConnectionArgs {
  @Field(() => String, { nullable: true, description: 'Only groups with this topic slug.' })
  @IsOptional()
  @MaxLength(50)
  topic?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Case-insensitive word-prefix search over name, description and topics, e.g. "anx" finds "Anxiety circle".',
  })
  @IsOptional()
  @MaxLength(200)
  search?: string | null;

  @Field({ defaultValue: false, description: 'Include archived groups.' })
  includeArchived: boolean;
}
