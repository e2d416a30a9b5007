import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { ICalEventStatus, ICalEventTransparency, type ICalCalendar } from 'ical-generator';
import { DateTime } from 'luxon';
import { queryMaybeOne, queryRows } from '../../db/sql';
import { toGlobalId } from '../../graphql/global-id';
import { CalendarFeedKind } from './calendar-feed.entity';
import { FEED_TOKEN, hashFeedToken } from './feeds.service';
import { withPublicTransaction, type PublicFeedDeps } from './public-transaction';
import type { EntityManager } from 'typeorm';

/**
 * Calendar feeds (RFC 5545), served at `GET /feeds/calendar/<token>.ics` (src/http/feeds.ts). The token is the only
 * credential: it is looked up by its hash through a narrow row-level security policy (as API keys are), which then
 * sets the feed's network, so everything after runs as an ordinary tenant transaction of that network. The owner's
 * rights are checked at every fetch, as at creation: an erased owner, or a GROUP feed whose owner is no longer an
 * ACTIVE member of the group nor a coordinator or admin, answers as an unknown token (404).
 *
 * One VEVENT per session, UID = the session's global ID, DTSTART/DTEND with the session's TZID and that zone's
 * VTIMEZONE, so a weekly 18:00 Europe/Berlin session stays at 18:00 local across daylight-saving changes. A cancelled
 * session stays in the feed, STATUS:CANCELLED with the same UID; SEQUENCE is `sessions.sequence`, which a trigger
 * bumps on every change a calendar shows. No member names: not the owner's, not anyone's (no ATTENDEE or ORGANIZER,
 * and no free text written about a session other than its title and place).
 */

/** The sessions a feed carries: from this many months back… */
export const CALENDAR_PAST_MONTHS = 3;
/** …to this many months ahead (by start time). */
export const CALENDAR_FUTURE_MONTHS = 12;
/**
 * At most this many sessions per feed, the earliest first (a group meeting daily fills the 15 months with ~460). Rendering
 * costs ~0.2–0.3 ms per event on the 2-core CI machine (ical-generator), so a full feed blocks the event loop ~250 ms.
 */
export const MAX_CALENDAR_EVENTS = 1000;
/** How often calendar apps are asked to refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL), in seconds. */
const REFRESH_SECONDS = 3600;

const PRODUCT_ID = { company: 'Peer Networks', product: 'Peer Networks API', language: 'EN' };

/** What the owner said about a session, in the event's description (never who else did). */
const RSVP_TEXT: Record<string, string> = {
  GOING: 'Your answer: going.',
  MAYBE: 'Your answer: maybe.',
  NOT_GOING: 'Your answer: not going.',
  WAITLISTED: 'Your answer: going (on the waitlist).',
};

interface FeedLookup {
  id: string;
  network_id: string;
  kind: CalendarFeedKind;
  member_id: string;
  group_id: string | null;
  revoked_at: Date | null;
}

interface OwnerRow {
  role: string;
  network_name: string;
  group_name: string | null;
  membership_status: string | null;
}

interface SessionRow {
  id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  status: string;
  location: string | null;
  online_url: string | null;
  sequence: number;
  created_at: Date;
  updated_at: Date;
  group_name: string;
  rsvp: string | null;
}

/** The calendar of a feed token, as iCalendar text; null for an unknown, revoked or no longer permitted feed. */
export async function readCalendarFeed(deps: PublicFeedDeps, token: string): Promise<string | null> {
  if (!FEED_TOKEN.test(token)) return null;
  const hash = hashFeedToken(token);
  return withPublicTransaction(deps, { 'app.feed_token_hash': hash }, async (tx) => {
    // One statement: read the feed by its token's hash, clear the hash setting and, for a live feed, set its network.
    const feed = await queryMaybeOne<FeedLookup>(
      tx.manager,
      `SELECT id, network_id, kind, member_id, group_id, revoked_at,
              set_config('app.feed_token_hash', '', true) AS _cleared,
              CASE WHEN revoked_at IS NULL THEN set_config('app.network_id', network_id::text, true) END AS _network
       FROM calendar_feeds WHERE token_hash = $1`,
      [hash],
    );
    if (!feed || feed.revoked_at) return null;
    const owner = await queryMaybeOne<OwnerRow>(
      tx.manager,
      `SELECT m.role, n.name AS network_name, g.name AS group_name, ms.status AS membership_status
       FROM members m
       JOIN networks n ON n.id = m.network_id
       LEFT JOIN groups g ON g.network_id = m.network_id AND g.id = $3::uuid
       LEFT JOIN memberships ms ON ms.network_id = m.network_id AND ms.group_id = $3::uuid AND ms.member_id = m.id
       WHERE m.network_id = $1 AND m.id = $2 AND m.erased_at IS NULL`,
      [feed.network_id, feed.member_id, feed.group_id],
    );
    if (!owner) return null;
    if (feed.kind === CalendarFeedKind.GROUP) {
      const manager = owner.role === 'ADMIN' || owner.role === 'COORDINATOR';
      if (owner.group_name === null || !(manager || owner.membership_status === 'ACTIVE')) return null;
    }
    const sessions = await feedSessions(tx.manager, feed);
    const name = feed.kind === CalendarFeedKind.GROUP ? `${owner.group_name} (${owner.network_name})` : `My sessions (${owner.network_name})`;
    return renderCalendar(name, feed.kind, sessions).toString();
  });
}

/** The sessions of the feed's window, earliest first: of the group, or of every group the owner is ACTIVE in, with their RSVP. */
function feedSessions(manager: EntityManager, feed: FeedLookup): Promise<SessionRow[]> {
  const now = DateTime.utc();
  const from = now.minus({ months: CALENDAR_PAST_MONTHS }).toJSDate();
  const to = now.plus({ months: CALENDAR_FUTURE_MONTHS }).toJSDate();
  const columns = `s.id, s.title, s.starts_at, s.ends_at, s.time_zone, s.status, s.location, s.online_url, s.sequence, s.created_at, s.updated_at,
                   g.name AS group_name`;
  if (feed.kind === CalendarFeedKind.GROUP) {
    return queryRows<SessionRow>(
      manager,
      `SELECT ${columns}, NULL AS rsvp
       FROM sessions s JOIN groups g ON g.network_id = s.network_id AND g.id = s.group_id
       WHERE s.network_id = $1 AND s.group_id = $2 AND s.starts_at >= $3 AND s.starts_at < $4
       ORDER BY s.starts_at, s.id LIMIT ${MAX_CALENDAR_EVENTS}`,
      [feed.network_id, feed.group_id, from, to],
    );
  }
  return queryRows<SessionRow>(
    manager,
    `SELECT ${columns}, r.status AS rsvp
     FROM memberships ms
     JOIN sessions s ON s.network_id = ms.network_id AND s.group_id = ms.group_id
     JOIN groups g ON g.network_id = s.network_id AND g.id = s.group_id
     LEFT JOIN rsvps r ON r.network_id = s.network_id AND r.session_id = s.id AND r.member_id = ms.member_id
     WHERE ms.network_id = $1 AND ms.member_id = $2 AND ms.status = 'ACTIVE' AND s.starts_at >= $3 AND s.starts_at < $4
     ORDER BY s.starts_at, s.id LIMIT ${MAX_CALENDAR_EVENTS}`,
    [feed.network_id, feed.member_id, from, to],
  );
}

/** A VTIMEZONE is known for the zone (else the event is written in UTC, which calendars still place correctly). */
const hasVtimezone = (zone: string): boolean => getVtimezoneComponent(zone) !== null;

function renderCalendar(name: string, kind: CalendarFeedKind, sessions: SessionRow[]): ICalCalendar {
  const calendar = ical({ name, prodId: PRODUCT_ID, ttl: REFRESH_SECONDS });
  // The generator writes one VTIMEZONE for each zone the events use.
  calendar.timezone({ name: null, generator: getVtimezoneComponent });
  for (const s of sessions) {
    const zoned = hasVtimezone(s.time_zone);
    const start = zoned ? DateTime.fromJSDate(s.starts_at, { zone: s.time_zone }) : s.starts_at;
    const end = zoned ? DateTime.fromJSDate(s.ends_at, { zone: s.time_zone }) : s.ends_at;
    const cancelled = s.status === 'CANCELLED';
    const lines: string[] = [];
    if (cancelled) lines.push('This session was cancelled.');
    if (kind === CalendarFeedKind.MEMBER) lines.push((s.rsvp && RSVP_TEXT[s.rsvp]) ?? 'You have not answered yet.');
    if (s.online_url) lines.push(`Join online: ${s.online_url}`);
    calendar.createEvent({
      id: toGlobalId('Session', s.id),
      sequence: s.sequence,
      start,
      end,
      timezone: zoned ? s.time_zone : null,
      stamp: s.updated_at,
      created: s.created_at,
      lastModified: s.updated_at,
      summary: kind === CalendarFeedKind.MEMBER ? `${s.title} · ${s.group_name}` : s.title,
      description: lines.join('\n'),
      location: s.location ?? s.online_url ?? null,
      url: s.online_url,
      status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      transparency: cancelled || s.rsvp === 'NOT_GOING' ? ICalEventTransparency.TRANSPARENT : ICalEventTransparency.OPAQUE,
    });
  }
  return calendar;
}
