import { ArrayMaxSize, IsOptional, IsUrl, Length, Matches, MaxLength } from 'class-validator';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { HasVisibleCharacter, SLUG } from '../../graphql/validators';
import { ResourceKind } from './resource.entity';

const TOPIC_MESSAGE = 'each topic must be a lower-case slug (letters, digits, single dashes), e.g. sleep';

@InputType({ description: 'A resource to share with the group.' })
export class PostResourceInput {
  @Field(() => ResourceKind, { description: 'What kind of resource it is. A LINK needs `url`; the others need `body` or `url`.' })
  kind: ResourceKind;

  @Field({ description: 'Title (1–200 characters).' })
  @Length(1, 200)
  @HasVisibleCharacter()
  title: string;

  @Field(() => String, { nullable: true, description: 'The text: a coping strategy in a few sentences, a note on the link (up to 5,000 characters).' })
  @IsOptional()
  @MaxLength(5000)
  body?: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL (up to 2,000 characters).' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'url must be an http(s) URL' })
  url?: string | null;

  @Field(() => [String], { nullable: true, defaultValue: [], description: 'Topic slugs (up to 10): lower-case letters, digits and dashes, e.g. `sleep`.' })
  @IsOptional()
  @ArrayMaxSize(10)
  @Length(1, 50, { each: true })
  @Matches(SLUG, { each: true, message: TOPIC_MESSAGE })
  topics?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Post without a name: nothing stored links it to you, and no one, admins included, can see who posted it.',
  })
  anonymous?: boolean | null;
}

/** How a group's resources are ordered after the pinned ones. */
export enum ResourceOrder {
  HELPFUL = 'HELPFUL',
  NEWEST = 'NEWEST',
}

registerEnumType(ResourceOrder, {
  name: 'ResourceOrder',
  description: "The order of a group's resources after the pinned ones (which always come first).",
  valuesConfig: {
    HELPFUL: { description: 'Most "this helped me" marks first, then newest.' },
    NEWEST: { description: 'Newest first.' },
  },
});

@ArgsType()
export class GroupResourcesArgs extends ConnectionArgs {
  @Field(() => String, { nullable: true, description: 'Only resources with this topic slug, e.g. `sleep`.' })
  @IsOptional()
  @MaxLength(50)
  topic?: string | null;

  @Field(() => ResourceOrder, { defaultValue: ResourceOrder.NEWEST, description: 'The order after the pinned resources.' })
  orderBy: ResourceOrder;
}

@ArgsType()
export class PartnerResourcesArgs extends ConnectionArgs {
  @Field(() => String, { nullable: true, description: 'Only resources with this topic slug, e.g. `sleep`.' })
  @IsOptional()
  @MaxLength(50)
  topic?: string | null;
}
