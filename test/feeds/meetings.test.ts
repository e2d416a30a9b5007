import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { DateTime } from 'luxon';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { toMeetings } from '../../src/modules/feeds/meetings';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';
import { createGroup, dbId, expectBadInput, expectCode, expectLikeUnknown, ok, unknownId } from '../helpers/gql';
import { createWorld, type World } from '../helpers/world';

/**
 * The public meeting feed `GET /feeds/<network-slug>/meetings.json` (Meeting Guide format): what it lists, that it
 * validates against the committed JSON Schema, its cache headers, and who may list a group.
 */

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'meeting-guide.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true });
ajv.addFormat('iana-time-zone', (zone: string) => {
  try {
    return Intl.DateTimeFormat(undefined, { timeZone: zone }).resolvedOptions().timeZone.length > 0 && zone.includes('/');
  } catch {
    return false;
  }
});
const validate = ajv.compile(schema);

/** The feed, which must be valid against schema/meeting-guide.schema.json. */
function valid(doc: unknown): any[] {
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
  return doc as any[];
}

let app: TestApp;
let w: World;
let other: TestNetwork;

const LISTING =
  'mutation($g: ID!, $input: GroupListingInput!) { updateGroupListing(groupId: $g, input: $input) { id publiclyListed publicLocation publicAddress publicConferenceUrl publicNotes } }';
const SCHEDULE = 'mutation($g: ID!, $input: ScheduleSessionsInput!) { scheduleSessions(groupId: $g, input: $input) { id } }';

/** The next `weekday` (Luxon: 1 = Monday … 7 = Sunday) at least a day ahead, at hh:mm in Europe/Berlin, as ISO UTC. */
function next(weekday: number, hour: number, minute = 0): string {
  let day = DateTime.now().setZone('Europe/Berlin').plus({ days: 1 }).set({ hour, minute, second: 0, millisecond: 0 });
  while (day.weekday !== weekday) day = day.plus({ days: 1 });
  return day.toUTC().toISO()!;
}

async function weekly(net: { adminKey: string }, groupId: string, startsAt: string, durationMinutes = 90, count = 6) {
  ok(
    await app.gql(
      SCHEDULE,
      { g: groupId, input: { title: 'Meeting', startsAt, durationMinutes, timeZone: 'Europe/Berlin', repeat: { frequency: 'WEEKLY', count } } },
      net.adminKey,
    ),
  );
}

const feedPath = (slug: string) => `/feeds/${slug}/meetings.json`;

let online: string;
let inPerson: string;
let unlisted: string;
let privateGroup: string;

beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Meeting Network');
  other = await createTestNetwork(app, 'Other Network');
  online = await createGroup(app, w.net, { name: 'Anxiety circle', format: 'ONLINE' });
  inPerson = await createGroup(app, w.net, { name: 'Grief walk', format: 'IN_PERSON', visibility: 'PARTNERS' });
  unlisted = await createGroup(app, w.net, { name: 'Not public', format: 'ONLINE' });
  privateGroup = await createGroup(app, w.net, { name: 'Quiet room', format: 'ONLINE', visibility: 'PRIVATE' });
  await weekly(w.net, online, next(2, 18), 90);
  await weekly(w.net, inPerson, next(6, 10), 60);
  await weekly(w.net, inPerson, next(3, 19, 30), 120, 3);
  await weekly(w.net, unlisted, next(2, 18));
  await weekly(w.net, privateGroup, next(2, 18));
  ok(
    await app.gql(
      LISTING,
      { g: online, input: { publiclyListed: true, conferenceUrl: 'https://meet.example/anxiety', address: 'Berlin, Germany', notes: 'Newcomers welcome.' } },
      w.coordinator.token,
    ),
  );
  ok(
    await app.gql(
      LISTING,
      { g: inPerson, input: { publiclyListed: true, location: 'Community Centre', address: 'Hauptstraße 1, 10827 Berlin, Germany' } },
      w.keys.write,
    ),
  );
  const theirs = await createGroup(app, other, { name: 'Elsewhere circle', format: 'ONLINE' });
  await weekly(other, theirs, next(4, 20));
  ok(await app.gql(LISTING, { g: theirs, input: { publiclyListed: true, conferenceUrl: 'https://meet.example/elsewhere' } }, other.adminKey));
});

afterAll(async () => {
  await app.stop();
});

describe('GET /feeds/<network-slug>/meetings.json', () => {
  test("lists exactly the network's publicly listed groups, one entry per weekly slot, valid against the schema", async () => {
    const res = await app.http().get(feedPath(w.net.slug));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const meetings = valid(res.body);
    expect(meetings.map((m) => m.slug)).toEqual(['anxiety-circle-tue-1800', 'grief-walk-sat-1000', 'grief-walk-wed-1930']);
    expect(meetings[0]).toEqual({
      name: 'Anxiety circle',
      slug: 'anxiety-circle-tue-1800',
      day: 2,
      time: '18:00',
      end_time: '19:30',
      timezone: 'Europe/Berlin',
      types: ['ONL'],
      conference_url: 'https://meet.example/anxiety',
      formatted_address: 'Berlin, Germany',
      approximate: 'yes',
      notes: 'Newcomers welcome.',
      updated: expect.any(String),
    });
    expect(meetings[1]).toEqual({
      name: 'Grief walk',
      slug: 'grief-walk-sat-1000',
      day: 6,
      time: '10:00',
      end_time: '11:00',
      timezone: 'Europe/Berlin',
      types: [],
      location: 'Community Centre',
      formatted_address: 'Hauptstraße 1, 10827 Berlin, Germany',
      approximate: 'no',
      updated: expect.any(String),
    });
    expect(meetings[2]).toMatchObject({ day: 3, time: '19:30', end_time: '21:30' });
    // Nothing about members, and nothing of the other network.
    for (const name of ['Fay Facilitator', 'Mia Member', 'Max Member', 'Cora Coordinator', 'Ada Admin', 'Elsewhere', 'Not public', 'Quiet room']) {
      expect(res.text).not.toContain(name);
    }
  });

  test("another network's slug lists only that network's listed groups; an unknown or malformed slug is 404", async () => {
    const theirs = valid((await app.http().get(feedPath(other.slug))).body);
    expect(theirs.map((m) => m.name)).toEqual(['Elsewhere circle']);
    expect((await app.http().get(feedPath('no-such-network-here'))).status).toBe(404);
    expect((await app.http().get(feedPath('Not_A_Slug'))).status).toBe(404);
  });

  test('ETag and Last-Modified: 304 while unchanged; a change to a listed group changes the ETag, the slug stays', async () => {
    const first = await app.http().get(feedPath(w.net.slug));
    const etag = first.headers.etag as string;
    const lastModified = first.headers['last-modified'] as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(new Date(lastModified).getTime()).toBeGreaterThan(0);
    const notModified = await app.http().get(feedPath(w.net.slug)).set('if-none-match', etag);
    expect(notModified.status).toBe(304);
    expect(notModified.text ?? '').toBe('');
    expect((await app.http().get(feedPath(w.net.slug)).set('if-modified-since', lastModified)).status).toBe(304);
    // If-None-Match decides when both are sent.
    expect((await app.http().get(feedPath(w.net.slug)).set('if-none-match', '"other"').set('if-modified-since', lastModified)).status).toBe(200);

    ok(await app.gql('mutation($id: ID!) { updateGroup(id: $id, input: { name: "Anxiety circle (evenings)" }) { id } }', { id: online }, w.keys.write));
    const changed = await app.http().get(feedPath(w.net.slug)).set('if-none-match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    const entry = valid(changed.body).find((m) => m.name === 'Anxiety circle (evenings)');
    expect(entry.slug).toBe('anxiety-circle-tue-1800');
    expect(new Date(changed.headers['last-modified'] as string).getTime()).toBeGreaterThanOrEqual(new Date(lastModified).getTime());

    // Taking a group out of the feed changes it too.
    const before = changed.headers.etag as string;
    ok(await app.gql(LISTING, { g: inPerson, input: { publiclyListed: false } }, w.keys.write));
    const unlistedRes = await app.http().get(feedPath(w.net.slug)).set('if-none-match', before);
    expect(unlistedRes.status).toBe(200);
    expect(valid(unlistedRes.body).map((m) => m.name)).toEqual(['Anxiety circle (evenings)']);
    ok(await app.gql(LISTING, { g: inPerson, input: { publiclyListed: true } }, w.keys.write));
  });

  test('an archived group leaves the feed', async () => {
    const g = await createGroup(app, w.net, { name: 'Short lived', format: 'ONLINE' });
    await weekly(w.net, g, next(1, 12), 60, 2);
    ok(await app.gql(LISTING, { g, input: { publiclyListed: true, conferenceUrl: 'https://meet.example/short' } }, w.keys.write));
    expect(valid((await app.http().get(feedPath(w.net.slug))).body).map((m) => m.name)).toContain('Short lived');
    ok(await app.gql('mutation($id: ID!) { archiveGroup(id: $id) { archived } }', { id: g }, w.keys.write));
    expect(valid((await app.http().get(feedPath(w.net.slug))).body).map((m) => m.name)).not.toContain('Short lived');
    expectCode(await app.gql(LISTING, { g, input: { publiclyListed: true } }, w.keys.write), 'CONFLICT');
  });

  test('a slot keeps its local weekday and time across a daylight-saving change (one entry)', () => {
    const at = (iso: string) => new Date(iso);
    const row = {
      group_id: 'g',
      slug: 'evening-circle',
      name: 'Evening circle',
      format: 'ONLINE' as const,
      public_location: null,
      public_address: null,
      public_conference_url: 'https://meet.example/evening',
      public_notes: null,
      group_updated_at: at('2027-03-01T10:00:00Z'),
      time_zone: 'Europe/Berlin',
      session_updated_at: at('2027-03-01T10:00:00Z'),
    };
    // Tuesdays 18:00 Berlin: 17:00 UTC before 28 March 2027, 16:00 UTC after.
    const meetings = valid(
      toMeetings([
        { ...row, starts_at: at('2027-03-23T17:00:00Z'), ends_at: at('2027-03-23T18:30:00Z') },
        { ...row, starts_at: at('2027-03-30T16:00:00Z'), ends_at: at('2027-03-30T17:30:00Z'), session_updated_at: at('2027-03-02T09:08:07Z') },
      ]),
    );
    expect(meetings).toEqual([
      {
        name: 'Evening circle',
        slug: 'evening-circle-tue-1800',
        day: 2,
        time: '18:00',
        end_time: '19:30',
        timezone: 'Europe/Berlin',
        types: ['ONL'],
        conference_url: 'https://meet.example/evening',
        updated: '2027-03-02 09:08:07',
      },
    ]);
  });
});

describe('updateGroupListing', () => {
  test('shows on the group; coordinators, admins and WRITE keys may list; facilitators, members and READ keys may not', async () => {
    const { node } = ok(
      await app.gql('query($id: ID!) { node(id: $id) { ... on Group { publiclyListed publicConferenceUrl } } }', { id: online }, w.member.token),
    );
    expect(node).toEqual({ publiclyListed: true, publicConferenceUrl: 'https://meet.example/anxiety' });
    const input = { notes: 'Cameras optional.' };
    expectCode(await app.gql(LISTING, { g: online, input }, w.facilitator.token), 'FORBIDDEN');
    expectCode(await app.gql(LISTING, { g: online, input }, w.member.token), 'FORBIDDEN');
    expectCode(await app.gql(LISTING, { g: online, input }, w.keys.read), 'FORBIDDEN');
    expect(ok(await app.gql(LISTING, { g: online, input }, w.admin.token)).updateGroupListing.publicNotes).toBe('Cameras optional.');
    // An empty string clears a field.
    expect(ok(await app.gql(LISTING, { g: online, input: { notes: '' } }, w.keys.write)).updateGroupListing.publicNotes).toBeNull();
  });

  test('a PRIVATE group can never be listed (CONFLICT), nor can a listed group become PRIVATE', async () => {
    expectCode(
      await app.gql(LISTING, { g: privateGroup, input: { publiclyListed: true, conferenceUrl: 'https://meet.example/q' } }, w.keys.write),
      'CONFLICT',
      /PRIVATE/,
    );
    expectCode(
      await app.gql('mutation($id: ID!) { updateGroup(id: $id, input: { visibility: PRIVATE }) { id } }', { id: online }, w.keys.write),
      'CONFLICT',
      /PRIVATE/,
    );
    // The database holds the rule too.
    await expect(app.db.dataSource.query(`UPDATE groups SET publicly_listed = true WHERE id = $1`, [dbId(privateGroup)])).rejects.toThrow(
      /groups_private_never_listed/,
    );
  });

  test('listing needs where (IN_PERSON, HYBRID) and how (ONLINE, HYBRID) to meet; links must be http(s)', async () => {
    const hybrid = await createGroup(app, w.net, { name: 'Both ways', format: 'HYBRID' });
    expectBadInput(await app.gql(LISTING, { g: hybrid, input: { publiclyListed: true } }, w.keys.write), ['input', 'address'], ['input', 'conferenceUrl']);
    expectBadInput(await app.gql(LISTING, { g: hybrid, input: { conferenceUrl: 'javascript:alert(1)' } }, w.keys.write), ['input', 'conferenceUrl']);
    const listed = ok(
      await app.gql(
        LISTING,
        { g: hybrid, input: { publiclyListed: true, address: 'Main St 1, Berlin', conferenceUrl: 'https://meet.example/both' } },
        w.keys.write,
      ),
    ).updateGroupListing;
    expect(listed.publiclyListed).toBe(true);
  });

  test('another network cannot list or change our groups (like an unknown group)', async () => {
    const otherAdmin = await other.member(NetworkRole.ADMIN);
    const writeKey = await other.key(ApiKeyScope.WRITE);
    for (const credential of [other.adminKey, writeKey, otherAdmin.token]) {
      await expectLikeUnknown(
        app,
        LISTING,
        { g: online, input: { publiclyListed: false } },
        { g: unknownId('Group'), input: { publiclyListed: false } },
        credential,
      );
    }
    const { node } = ok(await app.gql('query($id: ID!) { node(id: $id) { ... on Group { publiclyListed } } }', { id: online }, w.keys.read));
    expect(node).toEqual({ publiclyListed: true });
  });
});

describe('rate limits', () => {
  test('over FEEDS_RATE_LIMIT_PER_MINUTE: 429 with Retry-After, per calendar token and per client and network', async () => {
    const limited = await startTestApp({ FEEDS_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.http().get(feedPath(w.net.slug))).status);
      expect(statuses).toEqual([200, 200, 429]);
      const refused = await limited.http().get(feedPath(w.net.slug));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another network's feed has its own bucket.
      expect((await limited.http().get(feedPath(other.slug))).status).toBe(200);
      const feed = ok(await limited.gql('mutation { createCalendarFeed { url } }', {}, w.member.token)).createCalendarFeed;
      const calendar = [];
      for (let i = 0; i < 3; i++) calendar.push((await limited.http().get(new URL(feed.url).pathname)).status);
      expect(calendar).toEqual([200, 200, 429]);
    } finally {
      await limited.stop();
    }
  });
});
