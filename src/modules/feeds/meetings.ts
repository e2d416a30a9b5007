import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { queryMaybeOne, queryRows } from '../../db/sql';
import { SLUG } from '../../graphql/validators';
import { withPublicTransaction, type PublicFeedDeps } from './public-transaction';

/**
 * The public meeting feed, `GET /feeds/<network-slug>/meetings.json` (src/http/feeds.ts), in the Meeting Guide format
 * (code4recovery/spec; rules in schema/meeting-guide.schema.json): the network's publicly listed groups — never
 * PRIVATE (a CHECK constraint too), never archived — one entry per weekly slot, with nothing about members.
 *
 * The spec lists weekly meetings by weekday and local time, while a group here has sessions. A group's slots are the
 * distinct (weekday, local start time) pairs of its SCHEDULED sessions starting in the next SLOT_WINDOW_DAYS days, in
 * each session's own time zone (so the slot does not move with daylight saving); the soonest session of a slot gives
 * its end time. A group without such a session is not listed until it has one. A slot's slug is the group's slug
 * (which never changes, renames included) with the weekday and time: `anxiety-circle-tue-1800`.
 */

/** How far ahead sessions make slots: four weeks, so one cancelled session does not take a weekly meeting off the feed. */
export const SLOT_WINDOW_DAYS = 28;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** One meeting of the Meeting Guide format, with only the fields this API fills. */
export interface MeetingGuideEntry {
  name: string;
  slug: string;
  /** 0 = Sunday … 6 = Saturday. */
  day: number;
  /** `HH:MM`, local. */
  time: string;
  end_time: string;
  /** IANA time zone. */
  timezone: string;
  types: string[];
  location?: string;
  formatted_address?: string;
  approximate?: 'yes' | 'no';
  conference_url?: string;
  notes?: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC. */
  updated: string;
}

export interface MeetingFeed {
  /** The JSON text (an array of entries). */
  body: string;
  /** A strong ETag of the body: it changes whenever anything in it does. */
  etag: string;
  /** The latest change to the network's groups or to a listed group's slot sessions (whole seconds). */
  lastModified: Date;
}

interface SlotRow {
  group_id: string;
  slug: string;
  name: string;
  format: 'IN_PERSON' | 'ONLINE' | 'HYBRID';
  public_location: string | null;
  public_address: string | null;
  public_conference_url: string | null;
  public_notes: string | null;
  group_updated_at: Date;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  session_updated_at: Date;
}

/** The meeting feed of a network, by slug; null for an unknown slug. */
export async function readMeetingFeed(deps: PublicFeedDeps, networkSlug: string): Promise<MeetingFeed | null> {
  if (!SLUG.test(networkSlug) || networkSlug.length > 63) return null;
  return withPublicTransaction(deps, {}, async (tx) => {
    // The slug policy shows the one network with that slug; then the transaction is that network's, like a request's.
    await tx.set('app.network_slug', networkSlug);
    const network = await queryMaybeOne<{ id: string }>(
      tx.manager,
      `SELECT id, set_config('app.network_id', id::text, true) AS _network FROM networks WHERE slug = $1`,
      [networkSlug],
    );
    await tx.set('app.network_slug', null);
    if (!network) return null;
    const rows = await queryRows<SlotRow>(
      tx.manager,
      `SELECT g.id AS group_id, g.slug, g.name, g.format, g.public_location, g.public_address, g.public_conference_url, g.public_notes,
              g.updated_at AS group_updated_at, s.starts_at, s.ends_at, s.time_zone, s.updated_at AS session_updated_at
       FROM groups g
       JOIN sessions s ON s.network_id = g.network_id AND s.group_id = g.id
        AND s.status = 'SCHEDULED' AND s.starts_at >= now() AND s.starts_at < now() + make_interval(days => $2)
       WHERE g.network_id = $1 AND g.publicly_listed AND g.archived_at IS NULL AND g.visibility <> 'PRIVATE'
       ORDER BY g.slug, s.starts_at, s.id`,
      [network.id, SLOT_WINDOW_DAYS],
    );
    // Unlisting or archiving a group changes the feed too: its groups' latest change counts, listed or not.
    const groupsChanged = await queryMaybeOne<{ at: Date | null }>(tx.manager, 'SELECT max(updated_at) AS at FROM groups WHERE network_id = $1', [network.id]);
    const meetings = toMeetings(rows);
    const body = JSON.stringify(meetings);
    const latest = Math.max(groupsChanged?.at?.getTime() ?? 0, ...rows.map((r) => r.session_updated_at.getTime()));
    return {
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`,
      lastModified: new Date(Math.floor(latest / 1000) * 1000),
    };
  });
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, as the spec's `updated`. */
const specTimestamp = (at: Date): string => DateTime.fromJSDate(at, { zone: 'utc' }).toFormat('yyyy-MM-dd HH:mm:ss');

/** One entry per group and (weekday, local start time), from the slot's soonest session; sorted by slug. */
export function toMeetings(rows: SlotRow[]): MeetingGuideEntry[] {
  const slots = new Map<string, MeetingGuideEntry>();
  for (const row of rows) {
    const start = DateTime.fromJSDate(row.starts_at, { zone: row.time_zone });
    const end = DateTime.fromJSDate(row.ends_at, { zone: row.time_zone });
    const day = start.weekday % 7; // Luxon: Monday 1 … Sunday 7; the spec: Sunday 0 … Saturday 6.
    const time = start.toFormat('HH:mm');
    const slug = `${row.slug}-${DAYS[day]}-${time.replace(':', '')}`;
    const updated = specTimestamp(new Date(Math.max(row.group_updated_at.getTime(), row.session_updated_at.getTime())));
    const seen = slots.get(slug);
    if (seen) {
      if (updated > seen.updated) seen.updated = updated;
      continue;
    }
    const inPerson = row.format !== 'ONLINE';
    const online = row.format !== 'IN_PERSON';
    const entry: MeetingGuideEntry = {
      name: row.name,
      slug,
      day,
      time,
      end_time: end.toFormat('HH:mm'),
      timezone: row.time_zone,
      // ONL: the spec's code for a meeting one can join online.
      types: online ? ['ONL'] : [],
      updated,
    };
    if (inPerson && row.public_location) entry.location = row.public_location;
    if (row.public_address) {
      entry.formatted_address = row.public_address;
      // An online-only group's address is where it is "from": the spec's approximate location.
      entry.approximate = inPerson ? 'no' : 'yes';
    }
    if (online && row.public_conference_url) entry.conference_url = row.public_conference_url;
    if (row.public_notes) entry.notes = row.public_notes;
    slots.set(slug, entry);
  }
  return [...slots.values()].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}
