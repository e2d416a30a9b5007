import { IsOptional, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { OutreachChannel } from './outreach.entity';

@InputType({ description: 'A record of reaching out to a member.' })
export class OutreachInput {
  @Field(() => OutreachChannel, { description: 'How they reached out.' })
  channel: OutreachChannel;

  @Field(() => String, { nullable: true, description: 'What was said or agreed (up to 2,000 characters).' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;

  @Field(() => String, { nullable: true, description: 'How it went, e.g. "coming back next week" (up to 500 characters).' })
  @IsOptional()
  @MaxLength(500)
  outcome?: string | null;
}
