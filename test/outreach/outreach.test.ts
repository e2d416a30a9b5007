import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { startTestApp, type TestApp } from '../helpers/app';
import { addMember, createGroup, expectCode, expectFieldErrors, ok } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app);
  other = await createWorld(app, 'Other network');
});
afterAll(() => app.stop());

const RECORD = `mutation($m: ID!, $input: OutreachInput!) {
  recordOutreach(membershipId: $m, input: $input) { id channel note outcome at by { id displayName } membership { id member { displayName } } }
}`;
const LIST = `query($m: ID!, $first: Int, $after: String) { node(id: $m) { ... on Membership {
  outreach(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { channel note by { displayName } } }
} } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on Outreach { channel note outcome } } }`;

type Recorded = {
  recordOutreach: {
    id: string;
    channel: string;
    note: string | null;
    outcome: string | null;
    at: string;
    by: { id: string; displayName: string } | null;
    membership: { id: string; member: { displayName: string } };
  };
};
type Listed = {
  node: {
    outreach: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: Array<{ channel: string; note: string | null; by: { displayName: string } | null }>;
    };
  } | null;
};

const record = (m: string, input: Record<string, unknown>, credential: string) => app.gql<Recorded>(RECORD, { m, input }, credential);

describe('recordOutreach', () => {
  test('a facilitator records outreach; by is the viewer', async () => {
    const res = ok(
      await record(w.memberMembership, { channel: 'CALL', note: 'Checked in after 3 missed sessions', outcome: 'Coming back next week' }, w.facilitator.token),
    ).recordOutreach;
    expect(res).toMatchObject({
      channel: 'CALL',
      note: 'Checked in after 3 missed sessions',
      outcome: 'Coming back next week',
      by: { id: w.facilitator.globalId, displayName: 'Fay Facilitator' },
      membership: { id: w.memberMembership, member: { displayName: 'Mia Member' } },
    });
    expect(Math.abs(Date.parse(res.at) - Date.now())).toBeLessThan(10_000);
  });

  test('coordinators, admins and keys with WRITE and PERSONAL_DATA may; by is null for keys', async () => {
    expect(ok(await record(w.memberMembership, { channel: 'MESSAGE' }, w.coordinator.token)).recordOutreach.by!.id).toBe(w.coordinator.globalId);
    expect(ok(await record(w.memberMembership, { channel: 'IN_PERSON' }, w.admin.token)).recordOutreach.by!.id).toBe(w.admin.globalId);
    const byKey = ok(await record(w.memberMembership, { channel: 'EMAIL', note: 'CRM follow-up' }, w.keys.writePersonal)).recordOutreach;
    expect(byKey).toMatchObject({ channel: 'EMAIL', by: null });
    const writePersonalOnly = await w.net.key(ApiKeyScope.WRITE, ApiKeyScope.PERSONAL_DATA);
    expect(ok(await record(w.memberMembership, { channel: 'OTHER' }, writePersonalOnly)).recordOutreach.channel).toBe('OTHER');
  });

  test('plain members (the member themself included) and keys without WRITE+PERSONAL_DATA: FORBIDDEN; outsiders, who cannot see the membership: NOT_FOUND', async () => {
    for (const credential of [w.member.token, w.member2.token, w.keys.write, w.keys.readPersonal]) {
      expectCode(await record(w.memberMembership, { channel: 'CALL' }, credential), 'FORBIDDEN');
    }
    expectCode(await record(w.memberMembership, { channel: 'CALL' }, w.outsider.token), 'NOT_FOUND');
    const [{ n }] = await sql<{ n: number }>(app, w.net.id, `SELECT count(*)::int AS n FROM outreach WHERE channel = 'CALL' AND note IS NULL`);
    expect(n).toBe(0);
  });

  test('validation: note of 2001 and outcome of 501 characters → fieldErrors under input', async () => {
    expectFieldErrors(
      await record(w.memberMembership, { channel: 'CALL', note: 'x'.repeat(2001), outcome: 'y'.repeat(501) }, w.facilitator.token),
      ['input', 'note'],
      ['input', 'outcome'],
    );
    expect(
      ok(await record(w.memberMembership, { channel: 'CALL', note: 'x'.repeat(2000), outcome: 'y'.repeat(500) }, w.facilitator.token)).recordOutreach.note,
    ).toHaveLength(2000);
  });

  test("another network's membership: NOT_FOUND; its outreach through node: null", async () => {
    expectCode(await record(other.memberMembership, { channel: 'CALL' }, w.facilitator.token), 'NOT_FOUND');
    expectCode(await record(other.memberMembership, { channel: 'CALL' }, w.keys.all), 'NOT_FOUND');
    expectCode(await record(other.memberMembership, { channel: 'CALL' }, w.admin.token), 'NOT_FOUND');
    const theirs = ok(await record(other.memberMembership, { channel: 'CALL', note: 'theirs' }, other.keys.all)).recordOutreach;
    for (const credential of [w.admin.token, w.keys.all]) expect(ok(await app.gql(NODE, { id: theirs.id }, credential)).node).toBeNull();
    expect(ok(await app.gql(NODE, { id: theirs.id }, other.facilitator.token)).node).toEqual({ channel: 'CALL', note: 'theirs', outcome: null });
  });
});

describe('Membership.outreach and node', () => {
  let membership: string;
  let firstId: string;
  beforeAll(async () => {
    const g = await createGroup(app, w.net, { name: 'Recovery circle' });
    await addMember(app, w.net, g, w.facilitator.globalId, 'FACILITATOR');
    const p = await w.net.member(undefined, { displayName: 'Dana Drifting' });
    membership = await addMember(app, w.net, g, p.globalId);
    firstId = ok(await record(membership, { channel: 'MESSAGE', note: 'first' }, w.facilitator.token)).recordOutreach.id;
    ok(await record(membership, { channel: 'CALL', note: 'second' }, w.facilitator.token));
    ok(await record(membership, { channel: 'EMAIL', note: 'third' }, w.keys.writePersonal));
  });

  test('managers and READ+PERSONAL_DATA keys list outreach newest first, paged', async () => {
    for (const credential of [w.facilitator.token, w.coordinator.token, w.admin.token, w.keys.readPersonal]) {
      const list = ok(await app.gql<Listed>(LIST, { m: membership }, credential)).node!.outreach;
      expect(list.totalCount).toBe(3);
      expect(list.nodes).toEqual([
        { channel: 'EMAIL', note: 'third', by: null },
        { channel: 'CALL', note: 'second', by: { displayName: 'Fay Facilitator' } },
        { channel: 'MESSAGE', note: 'first', by: { displayName: 'Fay Facilitator' } },
      ]);
    }
    const page1 = ok(await app.gql<Listed>(LIST, { m: membership, first: 2 }, w.facilitator.token)).node!.outreach;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await app.gql<Listed>(LIST, { m: membership, first: 2, after: page1.pageInfo.endCursor }, w.facilitator.token)).node!.outreach;
    expect(page2.nodes.map((n) => n.note)).toEqual(['first']);
  });

  test('the member themself and co-members see an empty list; node(id) null for them and for keys without PERSONAL_DATA', async () => {
    const list = ok(await app.gql<Listed>(LIST, { m: w.memberMembership }, w.member.token)).node!.outreach;
    expect(list).toMatchObject({ totalCount: 0, nodes: [] });
    for (const credential of [w.member.token, w.outsider.token, w.keys.read]) {
      expect(ok(await app.gql(NODE, { id: firstId }, credential)).node).toBeNull();
    }
    for (const credential of [w.facilitator.token, w.admin.token, w.keys.readPersonal]) {
      expect(ok(await app.gql(NODE, { id: firstId }, credential)).node).toEqual({ channel: 'MESSAGE', note: 'first', outcome: null });
    }
  });
});
