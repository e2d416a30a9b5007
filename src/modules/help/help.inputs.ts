import { IsOptional, IsUrl, Length, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { HasVisibleCharacter, IsTimeZone } from '../../graphql/validators';
import { HelpResourceKind } from './help-resource.entity';

/** Most help resources a network keeps. */
export const MAX_HELP_RESOURCES = 50;

/** A BCP 47 language tag, loosely: a 2–3 letter language, then subtags (`en`, `pt-BR`, `zh-Hant-TW`). */
const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

@InputType({ description: 'One help resource of the list `setHelpResources` sets. With `id`: that resource, changed; without: a new one.' })
export class HelpResourceInput {
  @Field(() => ID, { nullable: true, description: 'An existing help resource of the network to keep (with these values); omit for a new one.' })
  id?: string | null;

  @Field({ description: 'Name (1–200 characters).' })
  @Length(1, 200)
  @HasVisibleCharacter()
  name: string;

  @Field(() => HelpResourceKind, { description: 'What kind of help it offers.' })
  kind: HelpResourceKind;

  @Field(() => String, { nullable: true, description: 'Phone number as people should dial it (up to 50 characters: digits, spaces, `+ - ( ) /`).' })
  @IsOptional()
  @Length(1, 50)
  @Matches(/^\+?[0-9][0-9 ()/-]*$/, { message: 'phone must be digits, spaces and + - ( ) /' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'Web address (http or https, up to 2,000 characters).' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'url must be an http(s) URL' })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'What it offers and for whom (up to 2,000 characters).' })
  @IsOptional()
  @MaxLength(2000)
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'When it is open, as text (up to 500 characters), e.g. `24 hours, every day`.' })
  @IsOptional()
  @MaxLength(500)
  openingHours?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone of the opening hours, e.g. `Europe/London`.' })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string | null;

  @Field(() => String, { nullable: true, description: 'Language of the help, a BCP 47 tag, e.g. `en`, `pt-BR`.' })
  @IsOptional()
  @MaxLength(35)
  @Matches(LANGUAGE_TAG, { message: 'language must be a BCP 47 language tag such as en or pt-BR' })
  language?: string | null;
}
