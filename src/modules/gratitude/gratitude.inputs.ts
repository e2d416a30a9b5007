import { Length, Matches } from 'class-validator';
import { ArgsType, Field, ID } from 'type-graphql';
import { NOT_BLANK } from '../../graphql/validators';

@ArgsType()
export class AddGratitudeNoteArgs {
  @Field(() => ID, { description: 'The session the note belongs to.' })
  sessionId: string;

  @Field({ description: 'The note (1–500 characters), e.g. "one small thing I learned".' })
  @Length(1, 500)
  @Matches(NOT_BLANK, { message: 'text must not be blank' })
  text: string;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Share without a name: no author is stored, so no one, admins included, can see who wrote it.',
  })
  anonymous?: boolean | null;
}
