import { Field, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity } from 'typeorm';
import { Node, TenantEntity } from '../../graphql/node';
import { WebhookDeliveryStatus, WebhookEventType } from './webhook.types';

/** An integrator's HTTPS endpoint that receives the network's events, signed (Standard Webhooks). */
@Entity('webhook_endpoints')
@ObjectType('WebhookEndpoint', {
  implements: Node,
  description: "An endpoint that receives the network's events as signed HTTP POSTs (Standard Webhooks). Its secret is shown only at creation and rotation.",
})
export class WebhookEndpoint extends TenantEntity {
  @Field({ description: 'Where events are POSTed (https; plain http only to loopback where the server allows it).' })
  @Column()
  url: string;

  @Field(() => [WebhookEventType], { description: 'The event types the endpoint receives.' })
  @Column({ type: 'text', array: true })
  events: WebhookEventType[];

  @Field(() => String, { nullable: true, description: 'What the endpoint is for, for people.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field({ description: 'False: no events are delivered (disabled by an admin, by a 410 answer, or after about 3 days of failures; see `disabledReason`).' })
  @Column({ default: true })
  enabled: boolean;

  @Field(() => String, { nullable: true, description: 'Why the endpoint is disabled; null while enabled or when an admin disabled it.' })
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  @Column({ name: 'secret_sealed', select: false })
  secretSealed: string;

  @Column({ name: 'previous_secret_sealed', type: 'text', nullable: true, select: false })
  previousSecretSealed: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'After a rotation: until when the previous secret still signs too (both signatures are sent); null when only the current one signs.',
  })
  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'Since when deliveries have been failing without a success; null when the last one succeeded.' })
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @Field({ description: 'When the endpoint was created.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** One event to one endpoint: its attempts and outcome. */
@Entity('webhook_deliveries')
@ObjectType('WebhookDelivery', { implements: Node, description: 'One event sent (or to be sent) to one endpoint, with its attempts and last answer.' })
export class WebhookDelivery extends TenantEntity {
  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Field(() => WebhookEventType, { description: 'The type of the event delivered.' })
  @Column({ name: 'event_type', type: 'text' })
  eventType: WebhookEventType;

  @Field(() => WebhookDeliveryStatus, { description: 'Pending, succeeded or failed (given up).' })
  @Column({ type: 'text' })
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the last attempt was made; null before the first.' })
  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: "The HTTP status of the endpoint's last answer; null when there was none (timeout, connection error, refused address).",
  })
  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (no response body is kept); null after a success.' })
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When the endpoint accepted it (2xx); null until then.' })
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'How long the last attempt took, in milliseconds.' })
  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs: number | null;

  @Field({ description: 'When the delivery was created (the event, or the redelivery).' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
