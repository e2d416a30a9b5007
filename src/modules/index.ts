import type { NonEmptyArray } from 'type-graphql';
import { NodeResolver } from '../graphql/node.resolver';
import { Attendance } from './attendance/attendance.entity';
import { AttendanceResolver, SessionAttendanceResolver } from './attendance/attendance.resolver';
import { AuditEntry } from './audit/audit.entity';
import { AuditResolver } from './audit/audit.resolver';
import { EvaluationResolver, GroupHealthResolver } from './evaluation/evaluation.resolver';
import { ApiKey } from './auth/api-key.entity';
import { ApiKeyResolver } from './auth/api-key.resolver';
import { AnonymousFeedback, Feedback } from './feedback/feedback.entity';
import { FeedbackResolver, SessionFeedbackResolver } from './feedback/feedback.resolver';
import { GratitudeNote } from './gratitude/gratitude-note.entity';
import { GratitudeResolver, SessionGratitudeResolver } from './gratitude/gratitude.resolver';
import { Group } from './groups/group.entity';
import { GroupResolver } from './groups/group.resolver';
import {
  JointEventParticipantResolver,
  JointEventRegistrationResolver,
  JointEventResolver,
  NetworkCountResolver,
} from './joint-events/joint-event.resolver';
import { JointEvent, JointEventParticipant, JointEventRegistration } from './joint-events/joint-event.entity';
import { Member } from './members/member.entity';
import { MemberResolver } from './members/member.resolver';
import { Membership } from './memberships/membership.entity';
import { GroupMembershipsResolver, MemberMembershipsResolver, MembershipResolver } from './memberships/membership.resolver';
import { Network } from './networks/network.entity';
import { NetworkResolver, ViewerResolver } from './networks/network.resolver';
import { Outreach } from './outreach/outreach.entity';
import { MembershipOutreachResolver, OutreachResolver } from './outreach/outreach.resolver';
import { Partnership } from './partnerships/partnership.entity';
import { PartnershipResolver, SharedGroupResolver } from './partnerships/partnership.resolver';
import { RateLimitResolver } from './rate-limits/rate-limit.resolver';
import { Rsvp } from './rsvps/rsvp.entity';
import { RsvpResolver, SessionRsvpsResolver } from './rsvps/rsvp.resolver';
import { Session } from './sessions/session.entity';
import { GroupSessionsResolver, SessionResolver } from './sessions/session.resolver';
import { WellbeingCheckIn } from './wellbeing/wellbeing.entity';
import { WellbeingResolver } from './wellbeing/wellbeing.resolver';

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
];

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
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
];
