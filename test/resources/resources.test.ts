import { startTestApp, type TestApp } from '../helpers/app';
import { type Cred, addMember, createGroup, dbId, expectCode, expectFieldErrors, expectLikeUnknown, ok, unknownId } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';

/** A group's shared resources (README "Shared resources"): posting, anonymity, helpful counts, moderation, reports, isolation. */

let app: TestApp;
let w: World;
let other: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Resources');
  other = await createWorld(app, 'Other network');
});
afterAll(() => app.stop());

const FIELDS =
  'id title kind body url topics anonymous author { displayName } helpfulCount viewerFoundHelpful pinned hidden sharedWithPartners createdAt group { id }';
const POST = `mutation($g: ID!, $input: PostResourceInput!) { postResource(groupId: $g, input: $input) { ${FIELDS} } }`;
const HELPFUL = 'mutation($id: ID!, $h: Boolean!) { markResourceHelpful(id: $id, helpful: $h) { id helpfulCount viewerFoundHelpful } }';
const REPORT = 'mutation($id: ID!, $reason: String) { reportResource(id: $id, reason: $reason) }';
const MODERATE = 'mutation($id: ID!, $a: ModerationAction!) { moderateResource(id: $id, action: $a) { id pinned hidden } }';
const LIST = `query($g: ID!, $topic: String, $order: ResourceOrder, $first: Int, $after: String) { node(id: $g) { ... on Group {
  resources(topic: $topic, orderBy: $order, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id title pinned hidden helpfulCount author { displayName } } }
} } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on GroupResource { ${FIELDS} reports(first: 10) { totalCount nodes { reason reportedAt } } } } }`;

type Res = { id: string; title: string; anonymous: boolean; author: { displayName: string } | null; helpfulCount: number; pinned: boolean; hidden: boolean };
type ListRes = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Res[] };

async function post(by: Cred | string, input: Record<string, unknown>, group = w.group.globalId): Promise<Res> {
  return ok(
    await app.gql<{ postResource: Res }>(
      POST,
      { g: group, input: { kind: 'COPING_STRATEGY', body: 'Box breathing: 4-4-4-4.', ...input } },
      typeof by === 'string' ? by : by.token,
    ),
  ).postResource;
}

async function list(cred: string, vars: Record<string, unknown> = {}, group = w.group.globalId): Promise<ListRes> {
  return ok(await app.gql<{ node: { resources: ListRes } }>(LIST, { g: group, ...vars }, cred)).node.resources;
}

describe('postResource', () => {
  test('an ACTIVE member posts under their name; the group sees it with the author', async () => {
    const r = await post(w.member, { title: 'Breathing', topics: ['anxiety', 'sleep', 'anxiety'] });
    expect(r).toMatchObject({
      title: 'Breathing',
      kind: 'COPING_STRATEGY',
      anonymous: false,
      author: { displayName: 'Mia Member' },
      helpfulCount: 0,
      pinned: false,
      hidden: false,
    });
    expect((r as unknown as { topics: string[] }).topics).toEqual(['anxiety', 'sleep']);
    const seen = await list(w.member2.token);
    expect(seen.nodes.find((n) => n.id === r.id)).toMatchObject({ author: { displayName: 'Mia Member' } });
    // API keys see the author only with PERSONAL_DATA.
    expect((await list(w.keys.read)).nodes.find((n) => n.id === r.id)).toMatchObject({ author: null });
    expect((await list(w.keys.readPersonal)).nodes.find((n) => n.id === r.id)).toMatchObject({ author: { displayName: 'Mia Member' } });
  });

  test('who may post: ACTIVE members and facilitators; outsiders, coordinators and admins outside the group, API keys: FORBIDDEN', async () => {
    await post(w.facilitator, { title: 'From the facilitator' });
    for (const cred of [w.outsider.token, w.coordinator.token, w.admin.token]) {
      expectCode(await app.gql(POST, { g: w.group.globalId, input: { kind: 'READING', title: 'x', body: 'y' } }, cred), 'FORBIDDEN');
    }
    expectCode(await app.gql(POST, { g: w.group.globalId, input: { kind: 'READING', title: 'x', body: 'y' } }, w.keys.all), 'FORBIDDEN');
  });

  test('input: a LINK needs a url; a text or a url is needed; urls are http(s); topics are slugs', async () => {
    const send = (input: Record<string, unknown>) => app.gql(POST, { g: w.group.globalId, input: { title: 'T', ...input } }, w.member.token);
    expectFieldErrors(await send({ kind: 'LINK', body: 'no url' }), ['input', 'url']);
    expectFieldErrors(await send({ kind: 'READING' }), ['input', 'body']);
    expectFieldErrors(await send({ kind: 'LINK', url: 'javascript:alert(1)' }), ['input', 'url']);
    expectFieldErrors(await send({ kind: 'READING', body: 'b', topics: ['Not A Slug'] }), ['input', 'topics']);
    expectFieldErrors(await send({ kind: 'READING', body: 'b', title: ' ' }), ['input', 'title']);
    const link = ok(await send({ kind: 'LINK', url: 'https://example.org/sleep' })).postResource;
    expect(link).toMatchObject({ kind: 'LINK', url: 'https://example.org/sleep', body: null });
  });

  test('anonymous: no author for anyone, admins and PERSONAL_DATA keys included; the time only to the hour', async () => {
    const r = await post(w.member, { title: 'Anonymous tip', anonymous: true });
    expect(r).toMatchObject({ anonymous: true, author: null });
    expect(new Date((r as unknown as { createdAt: string }).createdAt).getUTCMinutes()).toBe(0);
    for (const cred of [w.admin.token, w.coordinator.token, w.facilitator.token, w.member.token, w.keys.all]) {
      expect(ok(await app.gql(NODE, { id: r.id }, cred)).node).toMatchObject({ anonymous: true, author: null });
    }
    // Nothing stored links it: no author row, and the author's export does not list it.
    expect(await sql(app, w.net.id, 'SELECT * FROM resource_authors WHERE resource_id = $1', [dbId(r.id)])).toEqual([]);
    const mine = ok(await app.gql<{ exportMyData: { resources: Array<{ id: string }> } }>('query { exportMyData }', {}, w.member.token)).exportMyData;
    expect(mine.resources.map((x) => x.id)).not.toContain(r.id);
  });
});

describe('the catalog: an anonymous resource cannot carry an author', () => {
  test('resources has no member column and no key to members; resource_authors can only point at named resources', async () => {
    const columns = await sql<{ column_name: string }>(
      app,
      w.net.id,
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'resources'`,
    );
    const names = columns.map((c) => c.column_name);
    expect(names).toContain('anonymous');
    expect(names.filter((n) => /member|author|user|person|by$/i.test(n) && n !== 'hidden_by')).toEqual([]);
    const targets = await sql<{ target: string }>(
      app,
      w.net.id,
      `SELECT confrelid::regclass::text AS target FROM pg_constraint WHERE conrelid = 'resources'::regclass AND contype = 'f' ORDER BY 1`,
    );
    expect(targets.map((t) => t.target)).toEqual(['groups', 'networks']);
    // hidden_by holds a role, never a person.
    const check = await sql<{ def: string }>(
      app,
      w.net.id,
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'resources_hidden_by_check'`,
    );
    expect(check[0].def).toMatch(/FACILITATOR.*COORDINATOR.*ADMIN.*API_KEY/);

    // resource_authors: its key to resources includes `anonymous`, and a CHECK holds it false.
    const fks = await sql<{ target: string; columns: string[]; ref_columns: string[] }>(
      app,
      w.net.id,
      `SELECT c.confrelid::regclass::text AS target,
              (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS columns,
              (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS ref_columns
         FROM pg_constraint c WHERE c.conrelid = 'resource_authors'::regclass AND c.contype = 'f' ORDER BY 1`,
    );
    expect(fks.find((f) => f.target === 'resources')).toEqual({
      target: 'resources',
      columns: ['network_id', 'resource_id', 'anonymous'],
      ref_columns: ['network_id', 'id', 'anonymous'],
    });
    const checks = await sql<{ def: string }>(
      app,
      w.net.id,
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'resource_authors'::regclass AND contype = 'c'`,
    );
    expect(checks.map((c) => c.def)).toEqual(['CHECK ((NOT anonymous))']);
    const notNull = await sql<{ attnotnull: boolean }>(
      app,
      w.net.id,
      `SELECT attnotnull FROM pg_attribute WHERE attrelid = 'resource_authors'::regclass AND attname = 'anonymous'`,
    );
    expect(notNull).toEqual([{ attnotnull: true }]);

    // And in practice: the database refuses an author for an anonymous resource, and requests cannot flip `anonymous`.
    const anon = await post(w.member2, { title: 'Unlinkable', anonymous: true });
    await expect(
      sql(app, w.net.id, 'INSERT INTO resource_authors (network_id, resource_id, member_id) VALUES ($1, $2, $3)', [w.net.id, dbId(anon.id), w.member2.id]),
    ).rejects.toThrow(/foreign key/);
    await expect(sql(app, w.net.id, 'UPDATE resources SET anonymous = false WHERE id = $1', [dbId(anon.id)])).rejects.toThrow(/permission denied/);
  });
});

describe('helpful marks', () => {
  test('a count, once per member, taken back; never who', async () => {
    const r = await post(w.member, { title: 'Walks' });
    const mark = (cred: Cred, h = true) =>
      app.gql<{ markResourceHelpful: { helpfulCount: number; viewerFoundHelpful: boolean } }>(HELPFUL, { id: r.id, h }, cred.token);
    expect(ok(await mark(w.member2)).markResourceHelpful).toEqual({ id: r.id, helpfulCount: 1, viewerFoundHelpful: true });
    expect(ok(await mark(w.member2)).markResourceHelpful).toMatchObject({ helpfulCount: 1 });
    expect(ok(await mark(w.facilitator)).markResourceHelpful).toMatchObject({ helpfulCount: 2 });
    expect(ok(await app.gql(NODE, { id: r.id }, w.member.token)).node).toMatchObject({ helpfulCount: 2, viewerFoundHelpful: false });
    expect(ok(await mark(w.member2, false)).markResourceHelpful).toMatchObject({ helpfulCount: 1, viewerFoundHelpful: false });
    // The schema has no field that lists who marked.
    const type = ok(
      await app.gql<{ __type: { fields: Array<{ name: string }> } }>('{ __type(name: "GroupResource") { fields { name } } }', {}, w.member.token),
    ).__type;
    expect(type.fields.map((f) => f.name).filter((n) => /mark|voter|helpfulBy|reporter/i.test(n))).toEqual([]);
    // API keys and outsiders cannot mark.
    expectCode(await app.gql(HELPFUL, { id: r.id, h: true }, w.keys.all), 'FORBIDDEN');
    expectCode(await app.gql(HELPFUL, { id: r.id, h: true }, w.outsider.token), 'NOT_FOUND');
  });

  test('orderBy HELPFUL: pinned first, then most helpful; NEWEST: pinned first, then newest; pages by cursor; by topic', async () => {
    const g = await createGroup(app, w.net, { name: 'Ordering circle' });
    for (const m of [w.member, w.member2]) await addMember(app, w.net, g, m.globalId);
    await addMember(app, w.net, g, w.facilitator.globalId, 'FACILITATOR');
    const a = await post(w.member, { title: 'A', topics: ['sleep'] }, g);
    const b = await post(w.member, { title: 'B' }, g);
    const c = await post(w.member, { title: 'C', topics: ['sleep'] }, g);
    const d = await post(w.member, { title: 'D' }, g);
    for (const m of [w.member2, w.facilitator]) ok(await app.gql(HELPFUL, { id: b.id, h: true }, m.token));
    ok(await app.gql(HELPFUL, { id: a.id, h: true }, w.member2.token));
    ok(await app.gql(MODERATE, { id: c.id, a: 'PIN' }, w.facilitator.token));
    expect((await list(w.member.token, { order: 'HELPFUL' }, g)).nodes.map((n) => n.title)).toEqual(['C', 'B', 'A', 'D']);
    expect((await list(w.member.token, { order: 'NEWEST' }, g)).nodes.map((n) => n.title)).toEqual(['C', 'D', 'B', 'A']);
    const first = await list(w.member.token, { order: 'HELPFUL', first: 2 }, g);
    expect(first).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
    const second = await list(w.member.token, { order: 'HELPFUL', first: 2, after: first.pageInfo.endCursor }, g);
    expect(second.nodes.map((n) => n.title)).toEqual(['A', 'D']);
    expect((await list(w.member.token, { topic: 'sleep' }, g)).nodes.map((n) => n.title)).toEqual(['C', 'A']);
    void d;
  });
});

describe('moderation and reports by role', () => {
  test('pin, hide and restore: facilitators, coordinators, admins and WRITE keys; members and READ keys FORBIDDEN; audited', async () => {
    const r = await post(w.member, { title: 'Moderated' });
    for (const cred of [w.member.token, w.member2.token, w.keys.read]) expectCode(await app.gql(MODERATE, { id: r.id, a: 'PIN' }, cred), 'FORBIDDEN');
    expectCode(await app.gql(MODERATE, { id: r.id, a: 'PIN' }, w.outsider.token), 'NOT_FOUND');
    expect(ok(await app.gql(MODERATE, { id: r.id, a: 'PIN' }, w.facilitator.token)).moderateResource).toEqual({ id: r.id, pinned: true, hidden: false });
    expect(ok(await app.gql(MODERATE, { id: r.id, a: 'UNPIN' }, w.coordinator.token)).moderateResource).toMatchObject({ pinned: false });
    expect(ok(await app.gql(MODERATE, { id: r.id, a: 'HIDE' }, w.keys.write)).moderateResource).toMatchObject({ hidden: true });
    const [row] = await sql<{ hidden_by: string }>(app, w.net.id, 'SELECT hidden_by FROM resources WHERE id = $1', [dbId(r.id)]);
    expect(row.hidden_by).toBe('API_KEY');

    // Hidden: gone for members (the author included) and READ keys; listed for facilitators and WRITE keys.
    expect((await list(w.member2.token)).nodes.map((n) => n.id)).not.toContain(r.id);
    expect((await list(w.member.token)).nodes.map((n) => n.id)).not.toContain(r.id);
    expect((await list(w.keys.read)).nodes.map((n) => n.id)).not.toContain(r.id);
    expect(ok(await app.gql(NODE, { id: r.id }, w.member.token)).node).toBeNull();
    expect((await list(w.facilitator.token)).nodes.find((n) => n.id === r.id)).toMatchObject({ hidden: true });
    expect((await list(w.keys.write)).nodes.find((n) => n.id === r.id)).toMatchObject({ hidden: true });
    expectCode(await app.gql(HELPFUL, { id: r.id, h: true }, w.member2.token), 'NOT_FOUND');

    expect(ok(await app.gql(MODERATE, { id: r.id, a: 'RESTORE' }, w.admin.token)).moderateResource).toMatchObject({ hidden: false });
    expect((await list(w.member2.token)).nodes.map((n) => n.id)).toContain(r.id);
    const audit = await sql<{ action: string }>(app, w.net.id, `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY at, id`, [dbId(r.id)]);
    expect(audit.map((a) => a.action)).toEqual(['resource.pinned', 'resource.unpinned', 'resource.hidden', 'resource.restored']);
  });

  test('reports: once per member; facilitators see reasons and the count, never who; the author and members see nothing; never audited', async () => {
    const r = await post(w.member, { title: 'Reported' });
    expect(ok(await app.gql(REPORT, { id: r.id, reason: 'Gives medical advice' }, w.member2.token)).reportResource).toBe(true);
    expect(ok(await app.gql(REPORT, { id: r.id, reason: 'again' }, w.member2.token)).reportResource).toBe(true);
    expect(ok(await app.gql(REPORT, { id: r.id }, w.facilitator.token)).reportResource).toBe(true);
    expectCode(await app.gql(REPORT, { id: r.id }, w.keys.all), 'FORBIDDEN');
    expectFieldErrors(await app.gql(REPORT, { id: r.id, reason: 'x'.repeat(501) }, w.member2.token), ['reason']);

    const byFacilitator = ok(await app.gql(NODE, { id: r.id }, w.facilitator.token)).node.reports;
    expect(byFacilitator.totalCount).toBe(2);
    expect(byFacilitator.nodes.map((n: { reason: string | null }) => n.reason).sort()).toEqual(['Gives medical advice', null].sort());
    for (const n of byFacilitator.nodes) expect(new Date(n.reportedAt).getUTCMinutes()).toBe(0);
    const reportType = ok(
      await app.gql<{ __type: { fields: Array<{ name: string }> } }>('{ __type(name: "ResourceReport") { fields { name } } }', {}, w.member.token),
    ).__type;
    expect(reportType.fields.map((f) => f.name).sort()).toEqual(['reason', 'reportedAt']);
    expect(ok(await app.gql(NODE, { id: r.id }, w.keys.write)).node.reports.totalCount).toBe(2);
    for (const cred of [w.member.token, w.member2.token, w.keys.read, w.keys.readPersonal]) {
      expect(ok(await app.gql(NODE, { id: r.id }, cred)).node.reports).toEqual({ totalCount: 0, nodes: [] });
    }
    expect(await sql(app, w.net.id, `SELECT 1 FROM audit_log WHERE target_id = $1`, [dbId(r.id)])).toEqual([]);
  });
});

describe('cross-network', () => {
  test("another network's resource and group IDs answer exactly like unknown ones, for every operation", async () => {
    const theirs = await post(other.member, { title: 'Theirs' }, other.group.globalId);
    const gone = unknownId('GroupResource');
    const groupGone = unknownId('Group');
    const mine = [w.member.token, w.facilitator.token, w.admin.token];
    for (const cred of mine) {
      await expectLikeUnknown(app, HELPFUL, { id: theirs.id, h: true }, { id: gone, h: true }, cred);
      await expectLikeUnknown(app, REPORT, { id: theirs.id }, { id: gone }, cred);
      await expectLikeUnknown(app, MODERATE, { id: theirs.id, a: 'HIDE' }, { id: gone, a: 'HIDE' }, cred);
      await expectLikeUnknown(app, 'mutation($id: ID!) { shareResourceWithPartners(id: $id, shared: true) { id } }', { id: theirs.id }, { id: gone }, cred);
      await expectLikeUnknown(
        app,
        POST,
        { g: other.group.globalId, input: { kind: 'READING', title: 'x', body: 'y' } },
        { g: groupGone, input: { kind: 'READING', title: 'x', body: 'y' } },
        cred,
      );
      expect(ok(await app.gql(NODE, { id: theirs.id }, cred)).node).toBeNull();
      expect(ok(await app.gql(LIST, { g: other.group.globalId }, cred)).node).toBeNull();
    }
    await expectLikeUnknown(app, MODERATE, { id: theirs.id, a: 'PIN' }, { id: gone, a: 'PIN' }, w.keys.all);
    expect(ok(await app.gql(NODE, { id: theirs.id }, w.keys.all)).node).toBeNull();
    // Nothing changed on their side.
    const [row] = await sql<{ pinned_at: Date | null; hidden_at: Date | null; shared_at: Date | null }>(
      app,
      other.net.id,
      'SELECT pinned_at, hidden_at, shared_at FROM resources WHERE id = $1',
      [dbId(theirs.id)],
    );
    expect(row).toEqual({ pinned_at: null, hidden_at: null, shared_at: null });
    expect(
      await sql(
        app,
        other.net.id,
        'SELECT 1 FROM resource_helpful_marks WHERE resource_id = $1 UNION ALL SELECT 1 FROM resource_reports WHERE resource_id = $1',
        [dbId(theirs.id)],
      ),
    ).toEqual([]);
    // And the row-level security underneath: in our tenant transaction their rows do not exist.
    expect(await sql(app, w.net.id, 'SELECT id FROM resources WHERE id = $1', [dbId(theirs.id)])).toEqual([]);
    expect(await sql(app, w.net.id, 'SELECT resource_id FROM resource_authors WHERE resource_id = $1', [dbId(theirs.id)])).toEqual([]);
  });

  test('partnerResources, without a partnership, lists nothing of the other network', async () => {
    const res = ok(await app.gql('{ partnerResources(first: 50) { totalCount nodes { id } } }', {}, w.member.token)).partnerResources;
    expect(res).toEqual({ totalCount: 0, nodes: [] });
  });
});
