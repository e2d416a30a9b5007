import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { WebhookDeliveryStatus, WebhookEventType } from './webhook.types';

export const MAX_URL_LENGTH = 2_000;
export const MAX_DESCRIPTION_LENGTH = 500;

@ArgsType()
export class CreateWebhookEndpointArgs {
  @Field({ description: `Where to POST events: an https URL (at most ${MAX_URL_LENGTH} characters) that resolves to public addresses only.` })
  @MaxLength(MAX_URL_LENGTH)
  url: string;

  @Field(() => [WebhookEventType], { description: 'The event types to receive; at least one (WEBHOOK_TEST is not subscribable: use sendTestWebhook).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  events: WebhookEventType[];

  @Field(() => String, { nullable: true, description: `What the endpoint is for (at most ${MAX_DESCRIPTION_LENGTH} characters).` })
  @IsOptional()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;
}

@InputType({ description: 'Changes to a webhook endpoint; an omitted field stays as it is.' })
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true, description: 'A new URL (checked as at creation).' })
  @IsOptional()
  @MaxLength(MAX_URL_LENGTH)
  url?: string | null;

  @Field(() => [WebhookEventType], { nullable: true, description: 'The new set of event types; at least one.' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique()
  events?: WebhookEventType[] | null;

  @Field(() => String, { nullable: true, description: 'A new description; an empty string removes it.' })
  @IsOptional()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'False disables the endpoint; true enables it again (clearing `disabledReason`; deliveries failed meanwhile stay failed: redeliver them).',
  })
  @IsOptional()
  enabled?: boolean | null;
}

@ArgsType()
export class WebhookDeliveriesArgs extends ConnectionArgs {
  @Field(() => ID, { description: 'The endpoint whose deliveries to list.' })
  endpointId: string;

  @Field(() => WebhookDeliveryStatus, { nullable: true, description: 'Only deliveries in this status.' })
  status?: WebhookDeliveryStatus | null;
}
