import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { addMember, createGroup, dbId, expectCode, expectLikeUnknown, ok, unknownId, type Cred } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';
// ical.js ships its types as an ES module; its CommonJS build is what jest loads here.
import type ICALModule from 'ical.js' with { 'resolution-mode': 'import' };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ICAL: typeof ICALModule = require('ical.js');

/**
 * Calendar feeds: created and revoked through GraphQL, read by calendar apps at `GET /feeds/calendar/<token>.ics`,
 * parsed here with an independent parser (ical.js).
 */

let app: TestApp;
let w: World;
let other: TestNetwork;
let otherAdmin: Cred;

const CREATE = 'mutation($g: ID) { createCalendarFeed(groupId: $g) { id kind url tokenPrefix revokedAt group { id } } }';
const REVOKE = 'mutation($id: ID!) { revokeCalendarFeed(id: $id) { id revokedAt } }';
const SCHEDULE = `mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id startsAt } }`;

/** The next change of Europe/Berlin's UTC offset (a daylight-saving change), at least three weeks from now. */
function nextDstChange(): DateTime {
  let day = DateTime.now().setZone('Europe/Berlin').startOf('day').plus({ weeks: 3 });
  const offset = day.offset;
  for (let i = 0; i < 400 && day.offset === offset; i++) day = day.plus({ days: 1 });
  return day;
}

/** The path of a feed URL (the test app's URL host is localhost). */
const pathOf = (url: string) => new URL(url).pathname;

async function fetchFeed(url: string) {
  return app
    .http()
    .get(pathOf(url))
    .buffer(true)
    .parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => cb(null, text));
    });
}

interface ParsedEvent {
  uid: string;
  status: string;
  sequence: number;
  summary: string;
  tzid: string | null;
  localHour: number;
  utc: Date;
  location: string | null;
  description: string;
}

/** Parses a feed with ical.js, registering its VTIMEZONEs so local times resolve to UTC through them. */
function parse(text: string): { calendar: ICALModule.Component; events: ParsedEvent[]; zones: string[] } {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const zones = calendar.getAllSubcomponents('vtimezone').map((z) => {
    const tz = new ICAL.Timezone(z);
    ICAL.TimezoneService.register(tz);
    return tz.tzid;
  });
  const events = calendar.getAllSubcomponents('vevent').map((v) => {
    const event = new ICAL.Event(v);
    const dtstart = v.getFirstProperty('dtstart')!;
    return {
      uid: event.uid,
      status: String(v.getFirstPropertyValue('status')),
      sequence: event.sequence,
      summary: event.summary,
      tzid: (dtstart.getParameter('tzid') as string | undefined) ?? null,
      localHour: event.startDate.hour,
      utc: event.startDate.toJSDate(),
      location: event.location ?? null,
      description: event.description ?? '',
    };
  });
  return { calendar, events, zones };
}

let series: Array<{ id: string; startsAt: string }>;
let dst: DateTime;

beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Calendar Network');
  other = await createTestNetwork(app, 'Other Network');
  otherAdmin = await other.member(NetworkRole.ADMIN, { displayName: 'Oscar Otherside' });
  // A weekly 18:00 Europe/Berlin series: two sessions before the daylight-saving change, two after.
  dst = nextDstChange();
  const first = dst.minus({ weeks: 2 }).set({ hour: 18, minute: 0 });
  series = ok(
    await app.gql(
      SCHEDULE,
      {
        g: w.group.globalId,
        input: {
          title: 'Weekly circle',
          startsAt: first.toUTC().toISO(),
          durationMinutes: 90,
          timeZone: 'Europe/Berlin',
          repeat: { frequency: 'WEEKLY', count: 4 },
          onlineUrl: 'https://meet.example/circle',
        },
      },
      w.keys.write,
    ),
  ).scheduleSessions;
  ok(await app.gql('mutation($s: ID!) { rsvp(sessionId: $s, status: GOING) { status } }', { s: series[0].id }, w.member.token));
  ok(await app.gql('mutation($s: ID!) { rsvp(sessionId: $s, status: NOT_GOING) { status } }', { s: series[1].id }, w.member.token));
  ok(await app.gql('mutation($s: ID!) { rsvp(sessionId: $s, status: GOING) { status } }', { s: series[0].id }, w.member2.token));
});

afterAll(async () => {
  await app.stop();
});

describe('my sessions feed', () => {
  let feed: { id: string; url: string; tokenPrefix: string };

  beforeAll(async () => {
    feed = ok(await app.gql(CREATE, {}, w.member.token)).createCalendarFeed;
  });

  test('the URL is shown once: a secret token in the path, only its prefix afterwards', async () => {
    expect(feed).toMatchObject({ kind: 'MEMBER', revokedAt: null, group: null });
    expect(pathOf(feed.url)).toMatch(/^\/feeds\/calendar\/pcf_[A-Za-z0-9_-]{43}\.ics$/);
    expect(pathOf(feed.url).slice('/feeds/calendar/'.length)).toMatch(new RegExp(`^${feed.tokenPrefix}`));
    const { calendarFeeds } = ok(await app.gql('{ calendarFeeds { id kind url tokenPrefix } }', {}, w.member.token));
    expect(calendarFeeds).toEqual([{ id: feed.id, kind: 'MEMBER', url: null, tokenPrefix: feed.tokenPrefix }]);
    // Only the hash is stored.
    const token = pathOf(feed.url).slice('/feeds/calendar/'.length, -'.ics'.length);
    const rows = await sql<Record<string, unknown>>(app, w.net.id, 'SELECT * FROM calendar_feeds WHERE id = $1', [dbId(feed.id)]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  test('served as text/calendar; one VEVENT per session with its global ID as UID; a weekly 18:00 stays 18:00 local across the DST change', async () => {
    const res = await fetchFeed(feed.url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const { events, zones } = parse(res.body as string);
    expect(zones).toEqual(['Europe/Berlin']);
    expect(events.map((e) => e.uid)).toEqual(series.map((s) => s.id));
    for (const e of events) {
      expect(e).toMatchObject({ tzid: 'Europe/Berlin', localHour: 18, status: 'CONFIRMED', location: 'https://meet.example/circle' });
    }
    // Through the feed's own VTIMEZONE, the local 18:00 lands on the instants the sessions were scheduled at.
    expect(events.map((e) => e.utc.toISOString())).toEqual(series.map((s) => new Date(s.startsAt).toISOString()));
    const utcHours = new Set(events.map((e) => e.utc.getUTCHours()));
    expect(utcHours.size).toBe(2); // the UTC time moves with the daylight-saving change, the local time does not
    expect(events[0].summary).toBe('Weekly circle · Circle');
    expect(events[0].description).toMatch(/Your answer: going\./);
    expect(events[1].description).toMatch(/Your answer: not going\./);
    expect(events[2].description).toMatch(/You have not answered yet\./);
  });

  test("a feed never contains a member name, neither others' nor the owner's", async () => {
    const text = (await fetchFeed(feed.url)).body as string;
    for (const name of ['Fay Facilitator', 'Mia Member', 'Max Member', 'Olli Outsider', 'Ada Admin', 'Cora Coordinator', 'Mia', 'Facilitator']) {
      expect(text).not.toContain(name);
    }
    expect(text).not.toMatch(/ATTENDEE|ORGANIZER/);
  });

  test('a cancelled session stays, STATUS:CANCELLED with the same UID and a higher SEQUENCE; an edit bumps SEQUENCE too', async () => {
    const before = parse((await fetchFeed(feed.url)).body as string).events;
    ok(await app.gql('mutation($id: ID!) { cancelSession(id: $id, reason: "Mia is ill") { status } }', { id: series[1].id }, w.keys.write));
    ok(await app.gql('mutation($id: ID!) { updateSession(id: $id, input: { location: "Room 3" }) { id } }', { id: series[2].id }, w.keys.write));
    // An RSVP changes nothing a calendar shows for the session itself.
    ok(await app.gql('mutation($s: ID!) { rsvp(sessionId: $s, status: MAYBE) { status } }', { s: series[3].id }, w.member.token));
    const after = parse((await fetchFeed(feed.url)).body as string).events;
    expect(after.map((e) => e.uid)).toEqual(before.map((e) => e.uid));
    expect(after[1]).toMatchObject({ uid: series[1].id, status: 'CANCELLED' });
    expect(after[1].sequence).toBeGreaterThan(before[1].sequence);
    expect(after[2]).toMatchObject({ status: 'CONFIRMED', location: 'Room 3' });
    expect(after[2].sequence).toBeGreaterThan(before[2].sequence);
    expect(after[3].sequence).toBe(before[3].sequence);
    expect(after[3].description).toMatch(/Your answer: maybe\./);
    expect(after[0].sequence).toBe(before[0].sequence);
    // The cancel reason is free text about people: it is not published.
    expect((await fetchFeed(feed.url)).body).not.toContain('is ill');
  });

  test('a revoked token, an unknown one and a malformed one are all 404', async () => {
    const extra = ok(await app.gql(CREATE, {}, w.member.token)).createCalendarFeed;
    expect((await fetchFeed(extra.url)).status).toBe(200);
    const revoked = ok(await app.gql(REVOKE, { id: extra.id }, w.member.token)).revokeCalendarFeed;
    expect(revoked.revokedAt).toEqual(expect.any(String));
    // Revoking again keeps the first time.
    expect(ok(await app.gql(REVOKE, { id: extra.id }, w.member.token)).revokeCalendarFeed.revokedAt).toBe(revoked.revokedAt);
    for (const path of [
      pathOf(extra.url),
      `/feeds/calendar/pcf_${'A'.repeat(43)}.ics`,
      '/feeds/calendar/nonsense.ics',
      pathOf(extra.url).replace('.ics', ''),
    ]) {
      const res = await app.http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const listed = ok(await app.gql('{ calendarFeeds(includeRevoked: true) { id revokedAt } }', {}, w.member.token)).calendarFeeds;
    expect(listed.map((f: { id: string }) => f.id)).toEqual([extra.id, feed.id]);
    expect(ok(await app.gql('{ calendarFeeds { id } }', {}, w.member.token)).calendarFeeds).toEqual([{ id: feed.id }]);
  });

  test('the feed follows the owner: leaving the group takes its sessions out', async () => {
    const p = await w.net.member(NetworkRole.MEMBER, { displayName: 'Lea Leaver' });
    await addMember(app, w.net, w.group.globalId, p.globalId);
    const mine = ok(await app.gql(CREATE, {}, p.token)).createCalendarFeed;
    expect(parse((await fetchFeed(mine.url)).body as string).events).toHaveLength(4);
    ok(await app.gql('mutation($g: ID!) { leaveGroup(groupId: $g) { status } }', { g: w.group.globalId }, p.token));
    const res = await fetchFeed(mine.url);
    expect(res.status).toBe(200);
    expect(parse(res.body as string).events).toHaveLength(0);
  });

  test("an erased owner's feed answers 404", async () => {
    const p = await w.net.member(NetworkRole.MEMBER, { displayName: 'Eve Erased' });
    await addMember(app, w.net, w.group.globalId, p.globalId);
    const mine = ok(await app.gql(CREATE, {}, p.token)).createCalendarFeed;
    expect((await fetchFeed(mine.url)).status).toBe(200);
    ok(await app.gql('mutation($m: ID!) { eraseMember(memberId: $m, reason: "request") { __typename } }', { m: p.globalId }, w.keys.all));
    expect((await fetchFeed(mine.url)).status).toBe(404);
  });
});

describe('group feed', () => {
  test("for the group's ACTIVE members, facilitators, coordinators and admins; others FORBIDDEN; API keys never", async () => {
    for (const who of [w.member, w.facilitator, w.coordinator, w.admin]) {
      const feed = ok(await app.gql(CREATE, { g: w.group.globalId }, who.token)).createCalendarFeed;
      expect(feed).toMatchObject({ kind: 'GROUP', group: { id: w.group.globalId } });
      const { events } = parse((await fetchFeed(feed.url)).body as string);
      expect(events.map((e) => e.uid)).toEqual(series.map((s) => s.id));
      // A group feed carries no one's RSVP.
      expect(events.every((e) => !/answer/.test(e.description))).toBe(true);
    }
    expectCode(await app.gql(CREATE, { g: w.group.globalId }, w.outsider.token), 'FORBIDDEN');
    expectCode(await app.gql(CREATE, { g: w.group.globalId }, w.keys.all), 'FORBIDDEN');
    expectCode(await app.gql(CREATE, {}, w.keys.all), 'FORBIDDEN');
    expectCode(await app.gql('{ calendarFeeds { id } }', {}, w.keys.all), 'FORBIDDEN');
  });

  test('a PRIVATE group is NOT_FOUND to those who cannot see it; its member gets a feed that dies when they leave', async () => {
    const privateGroup = await createGroup(app, w.net, { name: 'Quiet room', visibility: 'PRIVATE' });
    expectCode(await app.gql(CREATE, { g: privateGroup }, w.outsider.token), 'NOT_FOUND');
    const p = await w.net.member();
    await addMember(app, w.net, privateGroup, p.globalId);
    const feed = ok(await app.gql(CREATE, { g: privateGroup }, p.token)).createCalendarFeed;
    expect((await fetchFeed(feed.url)).status).toBe(200);
    ok(await app.gql('mutation($g: ID!) { leaveGroup(groupId: $g) { status } }', { g: privateGroup }, p.token));
    expect((await fetchFeed(feed.url)).status).toBe(404);
  });

  test('at most 20 live feeds per member (CONFLICT); revoking one makes room', async () => {
    const p = await w.net.member();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(ok(await app.gql(CREATE, {}, p.token)).createCalendarFeed.id);
    expectCode(await app.gql(CREATE, {}, p.token), 'CONFLICT');
    ok(await app.gql(REVOKE, { id: ids[0] }, p.token));
    ok(await app.gql(CREATE, {}, p.token));
  });

  test('creating and revoking are audited, without the token', async () => {
    const feed = ok(await app.gql(CREATE, {}, w.member2.token)).createCalendarFeed;
    ok(await app.gql(REVOKE, { id: feed.id }, w.member2.token));
    const { auditLog } = ok(await app.gql('{ auditLog(first: 50) { nodes { action targetId details } } }', {}, w.keys.all));
    const entries = auditLog.nodes.filter((e: { targetId: string }) => e.targetId === feed.id);
    expect(entries.map((e: { action: string }) => e.action).sort()).toEqual(['calendar_feed.created', 'calendar_feed.revoked']);
    const token = pathOf(feed.url).slice('/feeds/calendar/'.length, -4);
    expect(JSON.stringify(entries)).not.toContain(token);
  });
});

describe('across networks and members', () => {
  test("another network cannot create a feed on our group, revoke our feed or fetch it by ID; another member cannot revoke one's feed", async () => {
    const ours = ok(await app.gql(CREATE, { g: w.group.globalId }, w.facilitator.token)).createCalendarFeed;
    await expectLikeUnknown(app, CREATE, { g: w.group.globalId }, { g: unknownId('Group') }, otherAdmin.token);
    await expectLikeUnknown(app, REVOKE, { id: ours.id }, { id: unknownId('CalendarFeed') }, otherAdmin.token);
    await expectLikeUnknown(app, REVOKE, { id: ours.id }, { id: unknownId('CalendarFeed') }, w.admin.token);
    expect(ok(await app.gql('query($id: ID!) { node(id: $id) { id } }', { id: ours.id }, otherAdmin.token)).node).toBeNull();
    expect(ok(await app.gql('query($id: ID!) { node(id: $id) { id } }', { id: ours.id }, w.admin.token)).node).toBeNull();
    expect(ok(await app.gql('query($id: ID!) { node(id: $id) { id } }', { id: ours.id }, w.facilitator.token)).node).toEqual({ id: ours.id });
    expect(ok(await app.gql('{ calendarFeeds { id } }', {}, otherAdmin.token)).calendarFeeds).toEqual([]);
    // Still live.
    expect((await fetchFeed(ours.url)).status).toBe(200);
  });

  test("row-level security: another network's transaction sees no feed of ours and cannot write one", async () => {
    const ours = ok(await app.gql(CREATE, {}, w.member.token)).createCalendarFeed;
    expect(await sql(app, other.id, 'SELECT id FROM calendar_feeds WHERE id = $1', [dbId(ours.id)])).toEqual([]);
    expect(await sql(app, other.id, 'UPDATE calendar_feeds SET revoked_at = now() WHERE id = $1 RETURNING id', [dbId(ours.id)])).toEqual([[], 0]); // TypeORM: rows, count
    await expect(
      sql(app, other.id, `INSERT INTO calendar_feeds (network_id, kind, member_id, token_hash, token_prefix) VALUES ($1, 'MEMBER', $2, 'x', 'pcf_x')`, [
        w.net.id,
        w.member.id,
      ]),
    ).rejects.toThrow(/row-level security/);
    expect((await fetchFeed(ours.url)).status).toBe(200);
  });

  test("the other network's feeds carry only its own sessions", async () => {
    const theirGroup = await createGroup(app, other, { name: 'Elsewhere' });
    await addMember(app, other, theirGroup, otherAdmin.globalId);
    const theirs = ok(await app.gql(CREATE, { g: theirGroup }, otherAdmin.token)).createCalendarFeed;
    const mine = ok(await app.gql(CREATE, {}, otherAdmin.token)).createCalendarFeed;
    for (const url of [theirs.url, mine.url]) {
      const text = (await fetchFeed(url)).body as string;
      for (const s of series) expect(text).not.toContain(s.id);
    }
  });
});
