import { IsOptional, IsUrl, MaxLength, ValidateIf } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';

@InputType({ description: 'Changes to how a group appears in the public meeting feed; omitted fields stay as they are, an empty string clears one.' })
export class GroupListingInput {
  @Field(() => Boolean, {
    nullable: true,
    description:
      'True: publish the group in `GET /feeds/<network-slug>/meetings.json`. Never for PRIVATE or archived groups (CONFLICT). IN_PERSON and HYBRID groups need `address`, ONLINE and HYBRID ones `conferenceUrl`.',
  })
  @IsOptional()
  publiclyListed?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Name of the venue (up to 200 characters), e.g. `Community Centre, room 3`.' })
  @IsOptional()
  @MaxLength(200)
  location?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Full postal address (up to 500 characters), e.g. `Hauptstraße 1, 10827 Berlin, Germany`; for an ONLINE group an approximate one (`Berlin, Germany`) helps finders show it nearby.',
  })
  @IsOptional()
  @MaxLength(500)
  address?: string | null;

  @Field(() => String, { nullable: true, description: 'The http(s) link that joins the online meeting directly (up to 2,000 characters).' })
  @IsOptional()
  @ValidateIf((o: GroupListingInput) => !!o.conferenceUrl)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'conferenceUrl must be an http(s) URL' })
  @MaxLength(2000)
  conferenceUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'Notes for newcomers (up to 2,000 characters, plain text). No member data, no surnames.' })
  @IsOptional()
  @MaxLength(2000)
  notes?: string | null;
}

@ArgsType()
export class CalendarFeedsArgs {
  @Field({ defaultValue: false, description: 'Also list revoked feeds.' })
  includeRevoked: boolean;
}
