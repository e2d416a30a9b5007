import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { startTestApp, type TestApp } from '../helpers/app';
import { dbId, ok } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';

/** Members' rights over resources: named ones are in the export and go with erasure; anonymous ones stay, unlinked. */

const schema = JSON.parse(readFileSync(join(__dirname, '../../schema/member-export.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);

let app: TestApp;
let w: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Resource rights');
});
afterAll(() => app.stop());

const POST = 'mutation($g: ID!, $input: PostResourceInput!) { postResource(groupId: $g, input: $input) { id } }';
const NODE = 'query($id: ID!) { node(id: $id) { ... on GroupResource { id title anonymous author { id } helpfulCount reports { totalCount } } } }';
const post = async (token: string, title: string, anonymous = false) =>
  ok(
    await app.gql(
      POST,
      { g: w.group.globalId, input: { kind: 'LINK', title, url: 'https://example.org/a', body: 'Helped me sleep.', topics: ['sleep'], anonymous } },
      token,
    ),
  ).postResource.id as string;

test('export lists the named resources (version 5, valid), not anonymous ones; erasure deletes them, the marks and reports, keeps anonymous ones', async () => {
  const named = await post(w.member.token, 'My named link');
  const anonymous = await post(w.member.token, 'My anonymous link', true);
  const othersResource = await post(w.member2.token, "Someone else's link");
  ok(await app.gql('mutation($id: ID!) { markResourceHelpful(id: $id, helpful: true) { id } }', { id: othersResource }, w.member.token));
  ok(await app.gql('mutation($id: ID!) { reportResource(id: $id, reason: "off topic") }', { id: othersResource }, w.member.token));
  ok(await app.gql('mutation($id: ID!) { markResourceHelpful(id: $id, helpful: true) { id } }', { id: named }, w.member2.token));
  ok(await app.gql('mutation($id: ID!) { moderateResource(id: $id, action: PIN) { id } }', { id: named }, w.facilitator.token));

  for (const [query, vars, cred] of [
    ['query { exportMyData }', {}, w.member.token],
    ['query($id: ID!) { exportMemberData(memberId: $id) }', { id: w.member.globalId }, w.admin.token],
  ] as const) {
    const data = ok(await app.gql(query, vars, cred));
    const doc = data.exportMyData ?? data.exportMemberData;
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.version).toBe(5);
    expect(doc.resources).toEqual([
      {
        id: named,
        group: { id: w.group.globalId, name: 'Circle' },
        kind: 'LINK',
        title: 'My named link',
        body: 'Helped me sleep.',
        url: 'https://example.org/a',
        topics: ['sleep'],
        createdAt: expect.any(String),
        pinned: true,
        hidden: false,
        sharedWithPartners: false,
      },
    ]);
    expect(JSON.stringify(doc)).not.toContain('My anonymous link');
  }

  ok(
    await app.gql(
      'mutation($id: ID!, $r: String!) { eraseMember(memberId: $id, reason: $r) { alreadyErased } }',
      { id: w.member.globalId, r: 'asked' },
      w.admin.token,
    ),
  );

  expect(ok(await app.gql(NODE, { id: named }, w.admin.token)).node).toBeNull();
  expect(await sql(app, w.net.id, 'SELECT id FROM resources WHERE id = $1', [dbId(named)])).toEqual([]);
  expect(await sql(app, w.net.id, 'SELECT 1 FROM resource_helpful_marks WHERE resource_id = $1', [dbId(named)])).toEqual([]);
  // Anonymous ones stay, still without an author.
  expect(ok(await app.gql(NODE, { id: anonymous }, w.admin.token)).node).toMatchObject({ title: 'My anonymous link', anonymous: true, author: null });
  // Their mark and report on someone else's resource went with them.
  expect(ok(await app.gql(NODE, { id: othersResource }, w.facilitator.token)).node).toMatchObject({ helpfulCount: 0, reports: { totalCount: 0 } });
  for (const table of ['resource_authors', 'resource_helpful_marks', 'resource_reports']) {
    expect(await sql(app, w.net.id, `SELECT 1 FROM ${table} WHERE member_id = $1`, [w.member.id])).toEqual([]);
  }
  // Nothing of the erased person's remains linked to a tombstone either.
  expect(await sql(app, w.net.id, `SELECT 1 FROM resource_authors a JOIN members m ON m.id = a.member_id WHERE m.erased_at IS NOT NULL`)).toEqual([]);
});
