import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import { EXPORT_CHUNK_ROWS } from '../../src/modules/privacy/export.service';
import { startTestApp, type TestApp } from '../helpers/app';
import { ok, unknownId } from '../helpers/gql';
import { createWorld, sql, type World } from '../helpers/world';
import { poolSettled } from '../safety/watch';
import type { Response } from 'supertest';

/**
 * The export as a streamed download (`GET /exports/me`, `GET /exports/members/<id>`): the same document as the
 * GraphQL fields, read in keyset chunks and written as it is read, for members whose history is long. Refusals are
 * JSON errors with the API's codes; an admin's download is a read of the member's data, recorded before a byte is sent.
 */

let app: TestApp;
let w: World;
let other: World;

const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(join(__dirname, '../../schema/member-export.schema.json'), 'utf8')));
function valid(doc: unknown): any {
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
  return doc;
}

/** More rows than one chunk holds, many of them at the same instant: the keyset must break ties by id. */
const CHECKINS = EXPORT_CHUNK_ROWS * 2 + 234;
const AUDITED = EXPORT_CHUNK_ROWS + 77;

const download = (path: string, credential?: string): Promise<Response> => {
  const req = app.http().get(path);
  return credential ? req.set('authorization', `Bearer ${credential}`) : req;
};
const codeOf = (res: Response) => res.body.errors?.[0]?.extensions?.code;
const withoutTime = (doc: any) => ({ ...doc, exportedAt: null });

beforeAll(async () => {
  app = await startTestApp();
  w = await createWorld(app, 'Downloads');
  other = await createWorld(app, 'Downloads elsewhere');
  ok(await app.gql(`mutation { giveConsent(purpose: WELLBEING_TRACKING) { givenAt } }`, {}, w.member.token));
  await sql(
    app,
    w.net.id,
    `INSERT INTO wellbeing_checkins (network_id, member_id, wellbeing, confidence, recorded_at)
     SELECT $1::uuid, $2::uuid, 1 + i % 10, 1 + (i * 7) % 10, timestamptz '2026-06-01 10:00:00.123456+00' + (i / 300) * interval '1 day'
       FROM generate_series(1, $3) i`,
    [w.net.id, w.member.id, CHECKINS],
  );
  await sql(
    app,
    w.net.id,
    `INSERT INTO audit_log (network_id, actor, action, target_type, target_id, details, at)
     SELECT $1::uuid, 'cli', 'member.test', 'Member', $2::uuid, jsonb_build_object('n', i), timestamptz '2026-05-01 00:00:00+00'
       FROM generate_series(1, $3) i`,
    [w.net.id, w.member.id, AUDITED],
  );
});
afterAll(async () => {
  await app.db.dataSource.query(`DROP TRIGGER IF EXISTS test_export_audit_fails ON audit_log`);
  await app.db.dataSource.query(`DROP FUNCTION IF EXISTS test_export_audit_fails()`);
  await app.stop();
});

describe('GET /exports/me', () => {
  test('streams the same document as exportMyData: chunked, every row once, valid against the schema', async () => {
    const res = await download('/exports/me', w.member.token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="peer-networks-export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['cache-control']).toBe('no-store');
    const doc = valid(res.body);
    const checkIns: Array<{ id: string; recordedAt: string }> = doc.wellbeing.checkIns;
    expect(doc.wellbeing.count).toBe(CHECKINS);
    expect(checkIns).toHaveLength(CHECKINS);
    expect(new Set(checkIns.map((c) => c.id)).size).toBe(CHECKINS);
    const times = checkIns.map((c) => c.recordedAt);
    expect([...times].sort()).toEqual(times);
    const audited = doc.auditEntries.filter((e: { action: string }) => e.action === 'member.test');
    expect(new Set(audited.map((e: { details: { n: number } }) => e.details.n)).size).toBe(AUDITED);

    const viaGraphql = ok(await app.gql<{ exportMyData: unknown }>(`{ exportMyData }`, {}, w.member.token)).exportMyData;
    expect(withoutTime(doc)).toEqual(withoutTime(viaGraphql));
  });

  test('a client that hangs up after the first bytes: the read stops, its connection goes back to the pool', async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: app.server.port, path: '/exports/me', headers: { authorization: `Bearer ${w.member.token}` } }, (res) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    });
    expect(received).toBeGreaterThan(0);
    await poolSettled(app, 15_000);
    // And the next download is whole.
    expect(valid((await download('/exports/me', w.member.token)).body).wellbeing.count).toBe(CHECKINS);
  });

  test('refusals are JSON errors with the API codes: no credential 401, an API key 403', async () => {
    const anonymous = await download('/exports/me');
    expect([anonymous.status, codeOf(anonymous)]).toEqual([401, 'UNAUTHENTICATED']);
    const key = await download('/exports/me', w.keys.all);
    expect([key.status, codeOf(key)]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('GET /exports/members/<id>', () => {
  test("an admin's download: no wellbeing values, and one read entry committed for it", async () => {
    const since = new Date().toISOString();
    const res = await download(`/exports/members/${w.member.globalId}`, w.admin.token);
    expect(res.status).toBe(200);
    const doc = valid(res.body);
    expect(doc.wellbeing).toEqual({ count: CHECKINS });
    expect(doc.member.id).toBe(w.member.globalId);
    const reads = ok(
      await app.gql<{ auditLog: { nodes: Array<{ actor: string; details: { fields: string[]; subjectCount: number } }> } }>(
        `query($from: DateTime, $subject: ID) { auditLog(first: 10, action: "personal_data.read", from: $from, subjectMemberId: $subject) { nodes { actor details } } }`,
        { from: since, subject: w.member.globalId },
        w.keys.all,
      ),
    ).auditLog.nodes;
    expect(reads).toEqual([{ actor: `member:${w.admin.globalId}`, details: expect.objectContaining({ fields: ['Query.exportMemberData'], subjectCount: 1 }) }]);
  });

  test('members 403; another network as an unknown ID (404); a malformed ID 400; keys need ADMIN + PERSONAL_DATA', async () => {
    const member = await download(`/exports/members/${w.member2.globalId}`, w.member.token);
    expect([member.status, codeOf(member)]).toEqual([403, 'FORBIDDEN']);
    const elsewhere = await download(`/exports/members/${w.member.globalId}`, other.admin.token);
    const unknown = await download(`/exports/members/${unknownId('Member')}`, other.admin.token);
    expect([elsewhere.status, elsewhere.body]).toEqual([404, unknown.body]);
    expect(codeOf(elsewhere)).toBe('NOT_FOUND');
    expect(elsewhere.text).not.toContain('Mia');
    const malformed = await download('/exports/members/not-an-id', w.admin.token);
    expect([malformed.status, codeOf(malformed)]).toEqual([400, 'BAD_USER_INPUT']);
    const readOnly = await download(`/exports/members/${w.member.globalId}`, w.keys.readPersonal);
    expect([readOnly.status, codeOf(readOnly)]).toEqual([403, 'FORBIDDEN']);
    const withAdmin = await w.net.key(ApiKeyScope.ADMIN, ApiKeyScope.PERSONAL_DATA);
    expect((await download(`/exports/members/${w.member.globalId}`, withAdmin)).status).toBe(200);
  });

  test('when the read cannot be recorded, nothing is sent: 500 with the request id', async () => {
    await app.db.dataSource.query(`
      CREATE OR REPLACE FUNCTION test_export_audit_fails() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.details->'fields' ? 'Query.exportMemberData' AND '${w.member2.id}'::uuid = ANY (NEW.subject_member_ids) THEN
          RAISE EXCEPTION 'the audit store is unavailable (test)';
        END IF;
        RETURN NEW;
      END $$`);
    await app.db.dataSource.query(`CREATE TRIGGER test_export_audit_fails BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_export_audit_fails()`);
    const res = await download(`/exports/members/${w.member2.globalId}`, w.admin.token);
    expect(res.status).toBe(500);
    expect(res.body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: res.headers['x-request-id'] });
    expect(res.text).not.toContain('Max');
  });
});
