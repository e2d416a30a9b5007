import { NodeResolver } from '../graphql/node.resolver';
import { Attendance } from '../modules/attendance/attendance.entity';
import { AttendanceResolver, SessionAttendanceResolver } from '../modules/attendance/attendance.resolver';
import { AuditEntry } from '../modules/audit/audit.entity';
import { AuditResolver } from '../modules/audit/audit.resolver';
import { ApiKey } from '../modules/auth/api-key.entity';
import { ApiKeyResolver } from '../modules/auth/api-key.resolver';
import { ConsentResolver } from '../modules/consent/consent.resolver';
import { EvaluationResolver, GroupHealthResolver } from '../modules/evaluation/evaluation.resolver';
import { AnonymousFeedback, Feedback } from '../modules/feedback/feedback.entity';
import { FeedbackResolver, SessionFeedbackResolver } from '../modules/feedback/feedback.resolver';
import { CalendarFeed } from '../modules/feeds/calendar-feed.entity';
import { CalendarFeedResolver } from '../modules/feeds/feeds.resolver';
import { GratitudeNote } from '../modules/gratitude/gratitude-note.entity';
import { GratitudeResolver, SessionGratitudeResolver } from '../modules/gratitude/gratitude.resolver';
import { Group } from '../modules/groups/group.entity';
import { GroupResolver } from '../modules/groups/group.resolver';
import { HelpResource } from '../modules/help/help-resource.entity';
import { HelpResolver, NetworkHelpResolver, WellbeingHelpResolver } from '../modules/help/help.resolver';
import { JointEvent, JointEventParticipant, JointEventRegistration } from '../modules/joint-events/joint-event.entity';
import {
  JointEventParticipantResolver,
  JointEventRegistrationResolver,
  JointEventResolver,
  NetworkCountResolver,
} from '../modules/joint-events/joint-event.resolver';
import { Member } from '../modules/members/member.entity';
import { MemberResolver } from '../modules/members/member.resolver';
import { Membership } from '../modules/memberships/membership.entity';
import { GroupMembershipsResolver, MemberMembershipsResolver, MembershipResolver } from '../modules/memberships/membership.resolver';
import { Network } from '../modules/networks/network.entity';
import { NetworkResolver, ViewerResolver } from '../modules/networks/network.resolver';
import { GroupNormsVersion } from '../modules/norms/norms.entity';
import { GroupNormsResolver, MembershipNormsResolver } from '../modules/norms/norms.resolver';
import { Outreach } from '../modules/outreach/outreach.entity';
import { MembershipOutreachResolver, OutreachResolver } from '../modules/outreach/outreach.resolver';
import { Partnership } from '../modules/partnerships/partnership.entity';
import { PartnershipResolver, SharedGroupResolver } from '../modules/partnerships/partnership.resolver';
import { PrivacyEraseResolver } from '../modules/privacy/privacy-erase.resolver';
import { PrivacyResolver } from '../modules/privacy/privacy.resolver';
import { RateLimitResolver } from '../modules/rate-limits/rate-limit.resolver';
import { GroupResource } from '../modules/resources/resource.entity';
import { GroupResourceResolver, GroupResourcesResolver, SharedResourceResolver } from '../modules/resources/resource.resolver';
import { NetworkRetentionResolver } from '../modules/retention/retention.resolver';
import { Rsvp } from '../modules/rsvps/rsvp.entity';
import { RsvpResolver, SessionRsvpsResolver } from '../modules/rsvps/rsvp.resolver';
import { Session } from '../modules/sessions/session.entity';
import { GroupSessionsResolver, SessionResolver } from '../modules/sessions/session.resolver';
import { WebhookDelivery, WebhookEndpoint } from '../modules/webhooks/webhook.entity';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from '../modules/webhooks/webhook.resolver';
import { WellbeingCheckIn } from '../modules/wellbeing/wellbeing.entity';
import { WellbeingResolver } from '../modules/wellbeing/wellbeing.resolver';
import type { NonEmptyArray } from 'type-graphql';

/** The features' entities and resolvers: adding a feature means adding it here, once. */
export const entities = [
  Network,
  Member,
  ApiKey,
  Group,
  Membership,
  Session,
  Rsvp,
  Attendance,
  Feedback,
  AnonymousFeedback,
  GratitudeNote,
  WellbeingCheckIn,
  Outreach,
  Partnership,
  JointEvent,
  JointEventParticipant,
  JointEventRegistration,
  AuditEntry,
  CalendarFeed,
  WebhookEndpoint,
  WebhookDelivery,
  GroupNormsVersion,
  HelpResource,
  GroupResource,
];

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql types its resolver classes as Function
export const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  NetworkResolver,
  ViewerResolver,
  MemberResolver,
  ApiKeyResolver,
  GroupResolver,
  MembershipResolver,
  GroupMembershipsResolver,
  MemberMembershipsResolver,
  SessionResolver,
  GroupSessionsResolver,
  RsvpResolver,
  SessionRsvpsResolver,
  AttendanceResolver,
  FeedbackResolver,
  GratitudeResolver,
  WellbeingResolver,
  ConsentResolver,
  OutreachResolver,
  SessionAttendanceResolver,
  SessionFeedbackResolver,
  SessionGratitudeResolver,
  MembershipOutreachResolver,
  PartnershipResolver,
  SharedGroupResolver,
  AuditResolver,
  JointEventResolver,
  JointEventParticipantResolver,
  JointEventRegistrationResolver,
  NetworkCountResolver,
  GroupHealthResolver,
  EvaluationResolver,
  RateLimitResolver,
  PrivacyResolver,
  PrivacyEraseResolver,
  NetworkRetentionResolver,
  CalendarFeedResolver,
  WebhookEndpointResolver,
  WebhookDeliveryResolver,
  GroupNormsResolver,
  MembershipNormsResolver,
  HelpResolver,
  NetworkHelpResolver,
  WellbeingHelpResolver,
  GroupResourceResolver,
  GroupResourcesResolver,
  SharedResourceResolver,
];
