import { IsBoolean, IsEmail, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { NetworkRole } from '../../graphql/principal';
import { HasVisibleCharacter } from '../../graphql/validators';

@InputType({ description: 'A new member of the network.' })
export class CreateMemberInput {
  @Field({ description: 'The name shown to others (1–100 characters); a pseudonym is fine.' })
  @Length(1, 100)
  @HasVisibleCharacter()
  displayName: string;

  @Field(() => String, { nullable: true, description: 'Contact email; visible to the member, ADMINs and PERSONAL_DATA keys only.' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string | null;

  @Field(() => NetworkRole, { defaultValue: NetworkRole.MEMBER, description: 'Role in the network; other than MEMBER needs ADMIN.' })
  role: NetworkRole;

  @Field(() => String, {
    nullable: true,
    description:
      "A partner's own id for the member (1–255 printable ASCII characters, no spaces; unique in the network: CONFLICT otherwise). API keys with WRITE only.",
  })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'externalId must be 1–255 printable ASCII characters without spaces' })
  externalId?: string | null;
}

@InputType({ description: "Changes to a member's profile; omitted fields stay as they are." })
export class UpdateMemberInput {
  @Field(() => String, { nullable: true, description: 'New display name (1–100 characters).' })
  @IsOptional()
  @Length(1, 100)
  @HasVisibleCharacter()
  displayName?: string | null;

  @Field(() => String, { nullable: true, description: 'New email; an empty string removes it.' })
  @IsOptional()
  @Matches(/^$|^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'email must be an email address or empty' })
  @MaxLength(254)
  email?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True: the member asks not to be reached out to (they no longer appear in `driftingMembers`); false: contact is welcome again.',
  })
  @IsOptional()
  @IsBoolean()
  doNotContact?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description:
      "A partner's own id for the member; an empty string removes it (otherwise 1–255 printable ASCII characters, no spaces; unique in the network: CONFLICT otherwise). API keys with WRITE only.",
  })
  @IsOptional()
  @Matches(/^$|^[\x21-\x7e]{1,255}$/, { message: 'externalId must be 1–255 printable ASCII characters without spaces' })
  externalId?: string | null;
}

@ArgsType()
export class MembersArgs extends ConnectionArgs {
  @Field(() => String, { nullable: true, description: 'Only members whose display name contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(100)
  search?: string | null;
}
