import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { addMember, expectCode, expectLikeUnknown, ok, unknownId, type Cred } from '../helpers/gql';
import { createWorld, insertSession, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;

const schema = JSON.parse(readFileSync(join(__dirname, '../../schema/member-export.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);
/** The export, which must be valid against the committed JSON Schema. */
function valid(doc: unknown): any {
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
  return doc;
}

const MINE = `query { exportMyData }`;
const OF = `query($id: ID!) { exportMemberData(memberId: $id) }`;
const RSVP = `mutation($s: ID!) { rsvp(sessionId: $s, status: GOING) { id } }`;
const CHECK_IN = `mutation($s: ID!, $mood: Int) { checkIn(sessionId: $s, moodBefore: $mood) { id } }`;
const FEEDBACK = `mutation($s: ID!, $input: FeedbackInput!) { submitFeedback(sessionId: $s, input: $input) { id } }`;
const GRATITUDE = `mutation($s: ID!, $text: String!, $anonymous: Boolean) { addGratitudeNote(sessionId: $s, text: $text, anonymous: $anonymous) { id } }`;
const WELLBEING = `mutation($input: WellbeingInput!) { recordWellbeing(input: $input) { id } }`;
const OUTREACH = `mutation($m: ID!, $input: OutreachInput!) { recordOutreach(membershipId: $m, input: $input) { id } }`;

/** Everything that names `p` (or was written by them without their name) and must never appear in another member's export. */
let traces: (p: Cred) => Promise<string[]>;
let maxMembership: string;

beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Export');
  other = await createWorld(app, 'Export elsewhere');
  traces = async (p) => {
    const [row] = await sql<{ display_name: string; email: string }>(app, w.net.id, 'SELECT display_name, email FROM members WHERE id = $1', [p.id]);
    return [row.display_name, row.email, p.id, p.globalId];
  };
  const [{ id: ms }] = await sql<{ id: string }>(app, w.net.id, 'SELECT id FROM memberships WHERE member_id = $1', [w.member2.id]);
  maxMembership = Buffer.from(`Membership:${ms}`).toString('base64url');

  // Mia (w.member) and Max (w.member2) share the group and two sessions.
  const s1 = await insertSession(app, w.net.id, w.group.id);
  const s2 = await insertSession(app, w.net.id, w.group.id);
  for (const [p, mood] of [
    [w.member, 3],
    [w.member2, 5],
  ] as const) {
    ok(await app.gql(RSVP, { s: s1.globalId }, p.token));
    ok(await app.gql(CHECK_IN, { s: s1.globalId, mood }, p.token));
    ok(await app.gql(CHECK_IN, { s: s2.globalId }, p.token));
  }
  ok(await app.gql(FEEDBACK, { s: s1.globalId, input: { rating: 4, moodAfter: 5, comment: 'Mia felt heard' } }, w.member.token));
  ok(await app.gql(FEEDBACK, { s: s2.globalId, input: { rating: 2, comment: 'Mia unnamed words', anonymous: true } }, w.member.token));
  ok(await app.gql(FEEDBACK, { s: s1.globalId, input: { rating: 1, comment: 'Max unnamed words', anonymous: true } }, w.member2.token));
  ok(await app.gql(FEEDBACK, { s: s2.globalId, input: { rating: 5, comment: 'Max named words' } }, w.member2.token));
  ok(await app.gql(GRATITUDE, { s: s1.globalId, text: 'Mia thanks everyone' }, w.member.token));
  ok(await app.gql(GRATITUDE, { s: s2.globalId, text: 'Mia unnamed thanks', anonymous: true }, w.member.token));
  ok(await app.gql(GRATITUDE, { s: s1.globalId, text: 'Max thanks everyone' }, w.member2.token));
  // Wellbeing tracking needs the member's consent (src/modules/consent).
  for (const m of [w.member, w.member2]) ok(await app.gql('mutation { giveConsent(purpose: WELLBEING_TRACKING) { purpose } }', {}, m.token));
  ok(await app.gql(WELLBEING, { input: { wellbeing: 6, confidence: 4, sessionId: s1.globalId } }, w.member.token));
  ok(await app.gql(WELLBEING, { input: { wellbeing: 8, confidence: 7 } }, w.member.token));
  ok(await app.gql(WELLBEING, { input: { wellbeing: 2, confidence: 2 } }, w.member2.token));
  ok(await app.gql(OUTREACH, { m: w.memberMembership, input: { channel: 'CALL', note: 'Called Mia, doing fine' } }, w.facilitator.token));
  ok(await app.gql(OUTREACH, { m: maxMembership, input: { channel: 'EMAIL', note: 'Wrote to Max' } }, w.facilitator.token));
  // Audit entries about Mia (no mutation targets a member yet, so written directly): by the admin, by herself; one about Max.
  for (const [actor, target] of [
    [w.admin, w.member],
    [w.member, w.member],
    [w.admin, w.member2],
  ]) {
    await sql(app, w.net.id, `INSERT INTO audit_log (network_id, actor, action, target_type, target_id) VALUES ($1, $2, 'member.test', 'Member', $3)`, [
      w.net.id,
      `member:${actor.globalId}`,
      target.id,
    ]);
  }
});
afterAll(() => app.stop());

describe('exportMyData', () => {
  test("exactly the caller's rows, wellbeing values included, nothing of any other member; valid against the schema", async () => {
    const doc = valid(ok(await app.gql(MINE, {}, w.member.token)).exportMyData);
    expect(doc).toMatchObject({ format: 'peer-networks-member-export', version: 5 });
    // The consents the member gave, with their times (version 2).
    expect(doc.consents).toEqual([{ purpose: 'WELLBEING_TRACKING', givenAt: expect.any(String), withdrawnAt: null }]);
    expect(doc.member).toMatchObject({ id: w.member.globalId, displayName: 'Mia Member', role: 'MEMBER', network: { id: w.net.globalId } });
    expect(doc.memberships).toEqual([expect.objectContaining({ id: w.memberMembership, group: { id: w.group.globalId, name: 'Circle' }, status: 'ACTIVE' })]);
    expect(doc.memberships[0]).toHaveProperty('normsAcceptedAt');
    expect(doc.rsvps.map((r: any) => r.status)).toEqual(['GOING']);
    expect(doc.attendance.map((a: any) => a.moodBefore)).toEqual([3, null]);
    expect(doc.feedback.map((f: any) => [f.rating, f.moodAfter, f.comment])).toEqual([[4, 5, 'Mia felt heard']]);
    expect(doc.gratitudeNotes.map((n: any) => n.text)).toEqual(['Mia thanks everyone']);
    expect(doc.outreach.map((o: any) => [o.channel, o.note])).toEqual([['CALL', 'Called Mia, doing fine']]);
    expect(doc.doNotContact).toBe(false);
    // Another member who acted is not named.
    expect(doc.auditEntries.map((a: any) => [a.actor, a.action])).toEqual([
      ['member', 'member.test'],
      ['self', 'member.test'],
    ]);
    expect(doc.wellbeing.count).toBe(2);
    expect(doc.wellbeing.checkIns.map((c: any) => [c.wellbeing, c.confidence])).toEqual([
      [6, 4],
      [8, 7],
    ]);

    // Nothing of another member: not Max, not the facilitator who reached out; no anonymous feedback or notes, hers included.
    const text = JSON.stringify(doc);
    const foreign = [
      ...(await traces(w.member2)),
      ...(await traces(w.facilitator)),
      ...(await traces(w.admin)),
      maxMembership,
      'Max',
      'Mia unnamed words',
      'Mia unnamed thanks',
      'Wrote to Max',
    ];
    for (const t of foreign) expect({ t, found: text.includes(t) }).toEqual({ t, found: false });
    // The other member's export holds theirs alone, in turn.
    const max = JSON.stringify(valid(ok(await app.gql(MINE, {}, w.member2.token)).exportMyData));
    for (const t of [...(await traces(w.member)), w.memberMembership, 'Mia']) expect({ t, found: max.includes(t) }).toEqual({ t, found: false });
    expect(max).toContain('Max named words');
  });

  test('lists the member’s calendar feeds (version 4), never their secret tokens', async () => {
    const feed = ok(
      await app.gql<{ createCalendarFeed: { id: string; url: string; tokenPrefix: string } }>(
        `mutation { createCalendarFeed { id url tokenPrefix } }`,
        {},
        w.member.token,
      ),
    ).createCalendarFeed;
    const doc = valid(ok(await app.gql(MINE, {}, w.member.token)).exportMyData);
    expect(doc.calendarFeeds).toEqual([
      { id: feed.id, kind: 'MEMBER', group: null, tokenPrefix: feed.tokenPrefix, createdAt: expect.any(String), revokedAt: null },
    ]);
    const token = feed.url
      .split('/')
      .pop()!
      .replace(/\.ics$/, '');
    expect(JSON.stringify(doc)).not.toContain(token);
    // Not in anyone else's export.
    expect(ok(await app.gql(MINE, {}, w.member2.token)).exportMyData.calendarFeeds).toEqual([]);
  });

  test('member tokens only: an API key of any scope is FORBIDDEN', async () => {
    expectCode(await app.gql(MINE, {}, w.net.adminKey), 'FORBIDDEN');
  });
});

describe('exportMemberData', () => {
  test("an ADMIN member or a key with ADMIN and PERSONAL_DATA: the member's data with the number of wellbeing check-ins, not their values", async () => {
    const mine = ok(await app.gql(MINE, {}, w.member.token)).exportMyData;
    for (const credential of [w.admin.token, w.net.adminKey, await w.net.key(ApiKeyScope.ADMIN, ApiKeyScope.PERSONAL_DATA)]) {
      const doc = valid(ok(await app.gql(OF, { id: w.member.globalId }, credential)).exportMemberData);
      expect(doc.wellbeing).toEqual({ count: 2 });
      expect(JSON.stringify(doc)).not.toContain('checkIns');
      // The same document as the member's own, but for the wellbeing values (and the time of export), and the reads
      // of the earlier admin exports in this loop, which are entries about the member (version 3).
      const actions = (d: any) => ({
        ...d,
        exportedAt: null,
        wellbeing: null,
        auditEntries: d.auditEntries.filter((e: any) => e.action !== 'personal_data.read'),
      });
      expect(actions(doc)).toEqual(actions(mine));
    }
    // Each admin export is in the member's own export now, the reader by role or key name only.
    const reads = ok(await app.gql(MINE, {}, w.member.token)).exportMyData.auditEntries.filter((e: any) => e.action === 'personal_data.read');
    expect(reads.map((e: any) => [e.actor, e.details.fields, e.details.readerKind])).toEqual([
      ['member', ['Query.exportMemberData'], 'MEMBER'],
      [expect.stringMatching(/^api_key:/), ['Query.exportMemberData'], 'API_KEY'],
      [expect.stringMatching(/^api_key:/), ['Query.exportMemberData'], 'API_KEY'],
    ]);
  });

  test('anyone else is FORBIDDEN: a plain member (even for a groupmate), a coordinator, keys without ADMIN or PERSONAL_DATA', async () => {
    for (const credential of [
      w.member.token,
      w.facilitator.token,
      w.coordinator.token,
      await w.net.key(ApiKeyScope.ADMIN),
      await w.net.key(ApiKeyScope.READ, ApiKeyScope.PERSONAL_DATA),
    ]) {
      expectCode(await app.gql(OF, { id: w.member2.globalId }, credential), 'FORBIDDEN');
    }
  });

  test("another network's admin (key or member) cannot export: reads exactly like an unknown ID", async () => {
    const foreignAdmin = await other.net.member(NetworkRole.ADMIN);
    for (const credential of [other.net.adminKey, foreignAdmin.token]) {
      await expectLikeUnknown(app, OF, { id: w.member.globalId }, { id: unknownId('Member') }, credential);
    }
    // An ID of another type reads the same.
    await expectLikeUnknown(app, OF, { id: w.group.globalId }, { id: unknownId('Member') }, w.admin.token);
  });

  test('a member who left a group still gets the membership, with when they left', async () => {
    const p = await w.net.member();
    await addMember(app, w.net, w.group.globalId, p.globalId);
    await sql(app, w.net.id, `UPDATE memberships SET status = 'LEFT', left_at = now() WHERE member_id = $1`, [p.id]);
    const doc = valid(ok(await app.gql(OF, { id: p.globalId }, w.admin.token)).exportMemberData);
    expect(doc.memberships).toEqual([expect.objectContaining({ status: 'LEFT', leftAt: expect.any(String) })]);
    expect(doc.wellbeing).toEqual({ count: 0 });
  });
});
