import { toGlobalId } from '../../src/graphql/global-id';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { addMember, createGroup, type Cred, dbId, ok } from '../helpers/gql';
import { sql } from '../helpers/world';
import type { GroupVisibility } from '../generated/graphql';
import type { TestApp } from '../helpers/app';

/**
 * Fixtures for the evaluation tests: a history in the past, with exact dates, written straight into the
 * database (the API only records the present), on groups, members and memberships made through the API.
 */

export type Group = { id: string; globalId: string };

/** A network reporting in the given time zone (set through `updateNetwork`). */
export async function evaluationNetwork(app: TestApp, name: string, timeZone = 'Europe/Berlin'): Promise<TestNetwork> {
  const net = await createTestNetwork(app, name);
  ok(await app.gql('mutation($i: UpdateNetworkInput!) { updateNetwork(input: $i) { timeZone } }', { i: { timeZone } }, net.adminKey));
  return net;
}

export interface Joined extends Cred {
  membershipId: string;
  membershipGlobalId: string;
}

/**
 * A new member of the network who joined the group at `joinedAt` (the API adds them, SQL dates it);
 * optionally LEFT at `leftAt` or PAUSED.
 */
export async function joined(
  app: TestApp,
  net: TestNetwork,
  group: Group,
  displayName: string,
  joinedAt: string,
  opts: { role?: 'MEMBER' | 'FACILITATOR'; leftAt?: string; paused?: boolean; networkRole?: NetworkRole } = {},
): Promise<Joined> {
  const person = await net.member(opts.networkRole ?? NetworkRole.MEMBER, { displayName });
  return { ...person, ...(await dateMembership(app, net, group, person, joinedAt, opts)) };
}

/** Adds an existing member to a group at `joinedAt` (see `joined`). */
export async function dateMembership(
  app: TestApp,
  net: TestNetwork,
  group: Group,
  person: Cred,
  joinedAt: string,
  opts: { role?: 'MEMBER' | 'FACILITATOR'; leftAt?: string; paused?: boolean } = {},
): Promise<{ membershipId: string; membershipGlobalId: string }> {
  const membershipGlobalId = await addMember(app, net, group.globalId, person.globalId, opts.role ?? 'MEMBER');
  const membershipId = dbId(membershipGlobalId);
  const status = opts.leftAt ? 'LEFT' : opts.paused ? 'PAUSED' : 'ACTIVE';
  await sql(app, net.id, `UPDATE memberships SET joined_at = $2, left_at = $3, status = $4 WHERE id = $1`, [
    membershipId,
    joinedAt,
    opts.leftAt ?? null,
    status,
  ]);
  return { membershipId, membershipGlobalId };
}

export type SessionStatus = 'SCHEDULED' | 'LIVE' | 'COMPLETED' | 'CANCELLED';

/** A session of the group starting at `startsAt` (90 minutes), in the given state. Returns its database id. */
export async function session(app: TestApp, net: TestNetwork, group: Group, startsAt: string, status: SessionStatus = 'COMPLETED'): Promise<string> {
  const [row] = await sql<{ id: string }>(
    app,
    net.id,
    `INSERT INTO sessions (network_id, group_id, title, starts_at, ends_at, time_zone, status, agenda)
     VALUES ($1, $2, 'Meeting', $3::timestamptz, $3::timestamptz + interval '90 minutes', 'Europe/Berlin', $4, '[]') RETURNING id`,
    [net.id, group.id, startsAt, status],
  );
  return row.id;
}

export type AttendanceStatus = 'PRESENT' | 'LATE' | 'EXCUSED' | 'ABSENT';

/** An attendance row. */
export async function attend(
  app: TestApp,
  net: TestNetwork,
  group: Group,
  sessionId: string,
  who: Cred,
  status: AttendanceStatus = 'PRESENT',
  opts: { first?: boolean; moodBefore?: number } = {},
): Promise<void> {
  await sql(
    app,
    net.id,
    `INSERT INTO attendance (network_id, session_id, group_id, member_id, status, first_session, mood_before)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [net.id, sessionId, group.id, who.id, status, opts.first ?? false, opts.moodBefore ?? null],
  );
}

/** Named feedback (a member) or anonymous feedback (`who` null). */
export async function feedback(app: TestApp, net: TestNetwork, sessionId: string, who: Cred | null, rating: number, moodAfter: number | null): Promise<void> {
  if (who) {
    await sql(app, net.id, `INSERT INTO feedback (network_id, session_id, member_id, rating, mood_after) VALUES ($1, $2, $3, $4, $5)`, [
      net.id,
      sessionId,
      who.id,
      rating,
      moodAfter,
    ]);
  } else {
    await sql(
      app,
      net.id,
      `INSERT INTO anonymous_feedback (network_id, session_id, dedup_key, rating, mood_after)
       VALUES ($1, $2, decode(md5(random()::text || clock_timestamp()::text), 'hex'), $3, $4)`,
      [net.id, sessionId, rating, moodAfter],
    );
  }
}

/** A private wellbeing check-in recorded at `at`. */
export async function wellbeing(app: TestApp, net: TestNetwork, who: Cred, at: string, score: number, confidence: number): Promise<void> {
  await sql(app, net.id, `INSERT INTO wellbeing_checkins (network_id, member_id, wellbeing, confidence, recorded_at) VALUES ($1, $2, $3, $4, $5)`, [
    net.id,
    who.id,
    score,
    confidence,
    at,
  ]);
}

export async function group(app: TestApp, net: TestNetwork, name: string, visibility: GroupVisibility = 'NETWORK'): Promise<Group> {
  const globalId = await createGroup(app, net, { name, visibility });
  return { id: dbId(globalId), globalId };
}

export const sessionGlobalId = (id: string) => toGlobalId('Session', id);

// --- queries ---

export const HEALTH = `query($id: ID!, $from: DateTime, $to: DateTime) { node(id: $id) { ... on Group {
  health(from: $from, to: $to) { from to sessionsHeld averageAttendance attendanceRate retentionRate newcomers averageRating averageMoodChange suppressed }
} } }`;

export const PARTICIPATION = `query($g: ID, $i: TrendInterval!, $from: DateTime!, $to: DateTime!) {
  participationTrend(groupId: $g, interval: $i, from: $from, to: $to) { periodStart periodEnd sessions attendees attendanceRate suppressed }
}`;

export const OUTCOMES = `query($g: ID, $i: TrendInterval!, $from: DateTime!, $to: DateTime!) {
  outcomeTrend(groupId: $g, interval: $i, from: $from, to: $to) { periodStart periodEnd respondents averageWellbeing averageConfidence suppressed }
}`;

export const DRIFTING = `query($g: ID, $min: Int, $first: Int, $after: String) {
  driftingMembers(groupId: $g, minMissed: $min, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { missedInARow lastAttendedAt lastOutreachAt membership { id member { displayName } group { name } } }
  }
}`;

export const SET_K = `mutation($k: Int) { updateNetwork(input: { minimumAggregateSize: $k }) { minimumAggregateSize } }`;

export type Health = {
  from: string;
  to: string;
  sessionsHeld: number;
  averageAttendance: number | null;
  attendanceRate: number | null;
  retentionRate: number | null;
  newcomers: number;
  averageRating: number | null;
  averageMoodChange: number | null;
  suppressed: boolean;
};
export type ParticipationPoint = {
  periodStart: string;
  periodEnd: string;
  sessions: number;
  attendees: number;
  attendanceRate: number | null;
  suppressed: boolean;
};
export type OutcomePoint = {
  periodStart: string;
  periodEnd: string;
  respondents: number;
  averageWellbeing: number | null;
  averageConfidence: number | null;
  suppressed: boolean;
};
export type DriftingNode = {
  missedInARow: number;
  lastAttendedAt: string | null;
  lastOutreachAt: string | null;
  membership: { id: string; member: { displayName: string }; group: { name: string } };
};
export type Drifting = {
  driftingMembers: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: DriftingNode[] };
};
