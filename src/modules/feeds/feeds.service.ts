import { createHash, randomBytes } from 'node:crypto';
import { queryMaybeOne, queryRows } from '../../db/sql';
import { badInput, conflict, forbidden, notFound, type FieldError } from '../../graphql/errors';
import { toGlobalId } from '../../graphql/global-id';
import { audit } from '../audit/audit.service';
import { isGroupManager, isGroupMember } from '../groups/group.access';
import { Group, GroupVisibility, MeetingFormat } from '../groups/group.entity';
import { CalendarFeed, CalendarFeedKind } from './calendar-feed.entity';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { GroupListingInput } from './feeds.inputs';

declare module '../../graphql/context' {
  interface ContextDeps {
    /** The public base URL of this API (e.g. `https://api.example.org`), for the feed URLs shown to members. */
    publicUrl?: () => string;
  }
}

/** Every calendar feed token starts with this, so feed URLs are recognisable (and secret scanners can find them). */
export const FEED_TOKEN_PREFIX = 'pcf_';
/** A feed token: the prefix and 256 random bits, base64url. */
export const FEED_TOKEN = /^pcf_[A-Za-z0-9_-]{43}$/;
const VISIBLE_PREFIX_LENGTH = FEED_TOKEN_PREFIX.length + 8;
/** Live (not revoked) feeds one member may hold; revoke one to make another. */
export const MAX_LIVE_FEEDS_PER_MEMBER = 20;

/** Tokens carry 256 random bits, so a fast hash is enough (as for API keys). */
export const hashFeedToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The path of a calendar feed (the token is its only credential). */
export const calendarFeedPath = (token: string): string => `/feeds/calendar/${token}.ics`;

const FEED_COLUMNS = 'id, network_id, kind, member_id, group_id, token_prefix, created_at, revoked_at';

interface FeedRow {
  id: string;
  network_id: string;
  kind: CalendarFeedKind;
  member_id: string;
  group_id: string | null;
  token_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toFeed = (row: FeedRow): CalendarFeed =>
  Object.assign(new CalendarFeed(), {
    id: row.id,
    networkId: row.network_id,
    kind: row.kind,
    memberId: row.member_id,
    groupId: row.group_id,
    tokenPrefix: row.token_prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  });

/**
 * Creates a calendar feed for the viewer (member tokens only): their "my sessions" feed without a group, else the
 * group's feed, which needs an ACTIVE membership of the group or facilitator rights (coordinators and admins have
 * them everywhere). The URL, with its token, is on the returned object only.
 */
export async function createCalendarFeed(ctx: Context, group: Group | null): Promise<CalendarFeed> {
  const memberId = ctx.viewerMemberId!;
  if (group && !(await isGroupManager(ctx, group.id)) && !(await isGroupMember(ctx, group.id))) {
    throw forbidden("A group's calendar feed is for its ACTIVE members, its facilitators, coordinators and admins");
  }
  // The member's row, locked without blocking references to it: concurrent creations count one after the other.
  await queryRows(ctx.manager, 'SELECT 1 FROM members WHERE network_id = $1 AND id = $2 FOR NO KEY UPDATE', [ctx.networkId, memberId]);
  const live = await queryMaybeOne<{ n: number }>(
    ctx.manager,
    'SELECT count(*)::int AS n FROM calendar_feeds WHERE network_id = $1 AND member_id = $2 AND revoked_at IS NULL',
    [ctx.networkId, memberId],
  );
  if ((live?.n ?? 0) >= MAX_LIVE_FEEDS_PER_MEMBER) {
    throw conflict(`You already have ${MAX_LIVE_FEEDS_PER_MEMBER} calendar feeds; revoke one (revokeCalendarFeed) to make another`);
  }
  const token = FEED_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const kind = group ? CalendarFeedKind.GROUP : CalendarFeedKind.MEMBER;
  const [row] = await queryRows<FeedRow>(
    ctx.manager,
    `INSERT INTO calendar_feeds (network_id, kind, member_id, group_id, token_hash, token_prefix)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${FEED_COLUMNS}`,
    [ctx.networkId, kind, memberId, group?.id ?? null, hashFeedToken(token), token.slice(0, VISIBLE_PREFIX_LENGTH)],
  );
  const feed = toFeed(row);
  await audit(ctx, {
    action: 'calendar_feed.created',
    targetType: 'CalendarFeed',
    targetId: feed.id,
    details: { kind, tokenPrefix: feed.tokenPrefix, ...(group && { groupId: toGlobalId('Group', group.id) }) },
  });
  const base = ctx.deps.publicUrl?.() ?? '';
  feed.url = `${base}${calendarFeedPath(token)}`;
  return feed;
}

/** The viewer's own feeds, newest first; revoked ones only when asked. */
export async function listCalendarFeeds(scope: Scope, memberId: string, includeRevoked: boolean): Promise<CalendarFeed[]> {
  const rows = await queryRows<FeedRow>(
    scope.manager,
    `SELECT ${FEED_COLUMNS} FROM calendar_feeds WHERE network_id = $1 AND member_id = $2 AND ($3 OR revoked_at IS NULL)
     ORDER BY created_at DESC, id DESC`,
    [scope.networkId, memberId, includeRevoked],
  );
  return rows.map(toFeed);
}

/** The viewer's own feeds by id (others' and other networks' are missing: null), in key order. */
export async function findOwnFeeds(scope: Scope, memberId: string, ids: readonly string[]): Promise<Array<CalendarFeed | null>> {
  const rows = await queryRows<FeedRow>(scope.manager, `SELECT ${FEED_COLUMNS} FROM calendar_feeds WHERE network_id = $1 AND member_id = $2 AND id = ANY($3)`, [
    scope.networkId,
    memberId,
    ids,
  ]);
  const byId = new Map(rows.map((r) => [r.id, toFeed(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Revokes one of the viewer's own feeds (another member's is NOT_FOUND, as an unknown one); revoking twice keeps the first time. */
export async function revokeCalendarFeed(ctx: Context, id: string | undefined): Promise<CalendarFeed> {
  const memberId = ctx.viewerMemberId!;
  const row = id
    ? await queryMaybeOne<FeedRow>(
        ctx.manager,
        `UPDATE calendar_feeds SET revoked_at = coalesce(revoked_at, greatest(now(), created_at))
         WHERE network_id = $1 AND member_id = $2 AND id = $3 RETURNING ${FEED_COLUMNS}`,
        [ctx.networkId, memberId, id],
      )
    : undefined;
  if (!row) throw notFound('Calendar feed');
  await audit(ctx, { action: 'calendar_feed.revoked', targetType: 'CalendarFeed', targetId: row.id, details: { tokenPrefix: row.token_prefix } });
  return toFeed(row);
}

/** '' → null, else trimmed. */
const cleared = (value: string): string | null => value.trim() || null;

/**
 * Changes whether a group is in the public meeting feed and what the feed says about it. Listing needs a group that
 * is neither PRIVATE nor archived (CONFLICT), an address for IN_PERSON and HYBRID groups and a conference URL for
 * ONLINE and HYBRID ones (BAD_USER_INPUT), so every listed meeting can be found. Audited with the changed fields.
 */
export async function updateGroupListing(ctx: Context, group: Group, input: GroupListingInput): Promise<Group> {
  const next = {
    publiclyListed: input.publiclyListed ?? group.publiclyListed,
    publicLocation: input.location != null ? cleared(input.location) : group.publicLocation,
    publicAddress: input.address != null ? cleared(input.address) : group.publicAddress,
    publicConferenceUrl: input.conferenceUrl != null ? cleared(input.conferenceUrl) : group.publicConferenceUrl,
    publicNotes: input.notes != null ? cleared(input.notes) : group.publicNotes,
  };
  if (next.publiclyListed) {
    if (group.visibility === GroupVisibility.PRIVATE) throw conflict('A PRIVATE group can never be publicly listed');
    if (group.archivedAt) throw conflict('An archived group cannot be publicly listed');
    const missing: FieldError[] = [];
    if (group.format !== MeetingFormat.ONLINE && !next.publicAddress) {
      missing.push({ path: ['input', 'address'], message: `is required to list a ${group.format} group (where people meet)` });
    }
    if (group.format !== MeetingFormat.IN_PERSON && !next.publicConferenceUrl) {
      missing.push({ path: ['input', 'conferenceUrl'], message: `is required to list a ${group.format} group (how people join)` });
    }
    if (missing.length) throw badInput('The public meeting feed needs to say where and how to meet', missing);
  }
  const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => next[k] !== group[k]);
  if (!changed.length) return group;
  await ctx.manager.getRepository(Group).update({ id: group.id, networkId: group.networkId }, next);
  await audit(ctx, { action: 'group.listing_updated', targetType: 'Group', targetId: group.id, details: { changed, publiclyListed: next.publiclyListed } });
  return Object.assign(group, next);
}
