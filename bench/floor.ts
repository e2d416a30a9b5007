import http from 'node:http';
import { Pool } from 'pg';
import { parseGlobalId } from '../src/graphql/global-id';
import { MemberTokens } from '../src/modules/auth/member-token';
import type { LoadResult } from './load';
import type { AddressInfo } from 'node:net';

/**
 * The floor (issue 18): a reference server that answers the bench's `home` and `group` requests with the same
 * `data` as the API, from ONE hand-written SQL statement each (json_build_object / json_agg / LATERAL), on plain
 * `pg` and plain `http`. It does what the API must do at the least: verify the member token (the same jose
 * HS256 check), then, in one round trip, open a transaction with the same tenant settings as a request (role
 * peer_app, so row-level security applies; app.network_id; JIT off), execute the statement (prepared once per
 * connection, so its plan is cached; it also checks that the member exists and is not erased, as authentication
 * does) and commit. No GraphQL, no per-field work.
 *
 * It knows exactly two documents (the bench's) and answers anything else with 400: it is a yardstick, not a
 * server. Its results are compared with the API's on sample requests before any load (`checkFloor` in run.ts).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A literal for a value checked against UUID (the request's one message is simple-protocol text). */
const uuid = (v: string): string => {
  if (!UUID.test(v)) throw new Error('not a uuid');
  return `'${v}'`;
};

/** ISO 8601 with milliseconds in UTC, as the API's DateTime scalar writes it. */
const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `groups(first: 20)` with memberCount (prepared as floor_home($1 network, $2 member)), viewerMembership, nextSession and memberships(first: 10) for a plain member. */
export function homeStatement(): string {
  const n = '$1::uuid';
  const m = '$2::uuid';
  return `
    WITH viewer AS (SELECT 1 FROM members WHERE network_id = ${n} AND id = ${m} AND erased_at IS NULL),
    page AS (
      SELECT g.id, g.name, g.topics, vm.id AS vm_id, vm.role AS vm_role, vm.status AS vm_status
        FROM groups g
        LEFT JOIN memberships vm ON vm.network_id = g.network_id AND vm.group_id = g.id AND vm.member_id = ${m}
       WHERE g.network_id = ${n} AND g.archived_at IS NULL AND (g.visibility <> 'PRIVATE' OR vm.status IN ('ACTIVE', 'PAUSED'))
         AND EXISTS (SELECT 1 FROM viewer)
       ORDER BY g.name, g.id LIMIT 20)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM viewer) THEN json_build_object('data', json_build_object('groups', json_build_object('nodes',
      coalesce(json_agg(json_build_object(
        'name', p.name,
        'topics', to_json(p.topics),
        'memberCount', (SELECT count(*)::int FROM memberships mc WHERE mc.network_id = ${n} AND mc.group_id = p.id AND mc.status = 'ACTIVE'),
        'viewerMembership', CASE WHEN p.vm_id IS NULL THEN NULL ELSE json_build_object('role', p.vm_role) END,
        'nextSession', ns.j,
        'memberships', json_build_object('nodes', ms.j)
      ) ORDER BY p.name, p.id), '[]'::json))))::text END AS body
    FROM page p
    LEFT JOIN LATERAL (
      SELECT json_build_object(
               'startsAt', ${iso('s.starts_at')},
               'rsvpCounts', (SELECT json_build_object('going', count(*) FILTER (WHERE r.status = 'GOING'), 'waitlisted', count(*) FILTER (WHERE r.status = 'WAITLISTED'))
                                FROM rsvps r WHERE r.network_id = ${n} AND r.session_id = s.id),
               'viewerRsvp', (SELECT json_build_object('status', r.status) FROM rsvps r WHERE r.network_id = ${n} AND r.session_id = s.id AND r.member_id = ${m})) AS j
        FROM sessions s
       WHERE s.network_id = ${n} AND s.group_id = p.id AND s.status IN ('SCHEDULED', 'LIVE') AND s.ends_at > now()
       ORDER BY s.starts_at, s.id LIMIT 1) ns ON true
    CROSS JOIN LATERAL (
      SELECT coalesce(json_agg(json_build_object(
               'role', t.role,
               'engagement', CASE WHEN t.status <> 'ACTIVE' THEN 'INACTIVE' WHEN eng.eligible < 2 THEN 'NEW'
                                  WHEN eng.eligible >= 3 AND eng.missed >= 3 THEN 'DRIFTING' ELSE 'ACTIVE' END,
               'member', json_build_object('displayName', mb.display_name)) ORDER BY t.role, t.joined_at, t.id), '[]'::json) AS j
        FROM (SELECT * FROM memberships t
               WHERE t.network_id = ${n} AND t.group_id = p.id AND t.status <> 'LEFT' AND (p.vm_status = 'ACTIVE' OR t.member_id = ${m})
               ORDER BY t.role, t.joined_at, t.id LIMIT 10) t
        JOIN members mb ON mb.network_id = t.network_id AND mb.id = t.member_id
        LEFT JOIN LATERAL (
          SELECT count(*)::int AS eligible,
                 count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM attendance a WHERE a.network_id = t.network_id AND a.session_id = s.id
                                                      AND a.member_id = t.member_id AND a.status IN ('PRESENT', 'LATE')))::int AS missed
            FROM (SELECT s.id FROM sessions s WHERE s.network_id = t.network_id AND s.group_id = t.group_id AND s.status = 'COMPLETED'
                     AND s.starts_at >= t.joined_at ORDER BY s.starts_at DESC LIMIT 3) s) eng ON true) ms`;
}

/** `node(id:)` on a Group (prepared as floor_group($1 network, $2 member, $3 group, $4 now)): details, memberCount, the next 10 sessions with RSVP counts, the last 10 COMPLETED with attendance. */
export function groupStatement(): string {
  const n = '$1::uuid';
  const m = '$2::uuid';
  const g = '$3::uuid';
  const at = '$4::timestamptz';
  return `
    SELECT CASE WHEN EXISTS (SELECT 1 FROM members WHERE network_id = ${n} AND id = ${m} AND erased_at IS NULL) THEN
      json_build_object('data', json_build_object('node', (
        SELECT json_build_object(
                 'name', g.name, 'description', g.description, 'objectives', to_json(g.objectives), 'norms', to_json(g.norms),
                 'memberCount', (SELECT count(*)::int FROM memberships mc WHERE mc.network_id = ${n} AND mc.group_id = g.id AND mc.status = 'ACTIVE'),
                 'upcoming', json_build_object('nodes', (
                   SELECT coalesce(json_agg(json_build_object(
                            'title', s.title, 'startsAt', ${iso('s.starts_at')},
                            'rsvpCounts', (SELECT json_build_object('going', count(*) FILTER (WHERE r.status = 'GOING'),
                                                                    'waitlisted', count(*) FILTER (WHERE r.status = 'WAITLISTED'))
                                             FROM rsvps r WHERE r.network_id = ${n} AND r.session_id = s.id)) ORDER BY s.starts_at, s.id), '[]'::json)
                     FROM (SELECT * FROM sessions s WHERE s.network_id = ${n} AND s.group_id = g.id AND s.starts_at >= ${at}
                            ORDER BY s.starts_at, s.id LIMIT 10) s)),
                 'past', json_build_object('nodes', (
                   SELECT coalesce(json_agg(json_build_object(
                            'title', s.title, 'startsAt', ${iso('s.starts_at')},
                            'attendanceCount', (SELECT count(*)::int FROM attendance a WHERE a.network_id = ${n} AND a.session_id = s.id
                                                   AND a.status IN ('PRESENT', 'LATE'))) ORDER BY s.starts_at, s.id), '[]'::json)
                     FROM (SELECT * FROM sessions s WHERE s.network_id = ${n} AND s.group_id = g.id AND s.starts_at < ${at} AND s.status = 'COMPLETED'
                            ORDER BY s.starts_at DESC, s.id DESC LIMIT 10) s)))
          FROM groups g
          LEFT JOIN memberships vm ON vm.network_id = g.network_id AND vm.group_id = g.id AND vm.member_id = ${m}
         WHERE g.network_id = ${n} AND g.id = ${g} AND (g.visibility <> 'PRIVATE' OR vm.status IN ('ACTIVE', 'PAUSED')))))::text END AS body`;
}

export interface FloorServer {
  url: string;
  stop(): Promise<void>;
}

/** The documents the floor answers: the bench's home query and group-page query (exact text). */
export interface FloorDocuments {
  home: string;
  group: string;
  /** The `now` the group query was written with (its from/to). */
  now: string;
}

export async function startFloorServer(databaseUrl: string, tokenSecret: string, poolMax: number, docs: FloorDocuments): Promise<FloorServer> {
  const pool = new Pool({ connectionString: databaseUrl, max: poolMax, application_name: 'peer-networks-floor' });
  const tokens = new MemberTokens(tokenSecret);
  const prepared = new WeakSet<object>();
  const reply = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const answer = async (auth: string | undefined, raw: string): Promise<[number, string]> => {
    const claims = auth?.startsWith('Bearer ') ? await tokens.verify(auth.slice(7)) : null;
    if (!claims) return [401, '{"errors":[{"message":"unauthenticated","extensions":{"code":"UNAUTHENTICATED"}}]}'];
    const request = JSON.parse(raw) as { query?: string; variables?: { id?: string } };
    let execute: string;
    if (request.query === docs.home) execute = `EXECUTE floor_home(${uuid(claims.networkId)}, ${uuid(claims.memberId)})`;
    else if (request.query === docs.group) {
      const id = parseGlobalId(request.variables?.id ?? '');
      if (id?.type !== 'Group') return [400, '{"errors":[{"message":"not a Group id"}]}'];
      execute = `EXECUTE floor_group(${uuid(claims.networkId)}, ${uuid(claims.memberId)}, ${uuid(id.id)}, '${new Date(docs.now).toISOString()}')`;
    } else return [400, '{"errors":[{"message":"the floor knows only the bench documents"}]}'];
    const client = await pool.connect();
    let results: Array<{ rows: Array<{ body: string | null }> }>;
    try {
      // Each statement is prepared once per connection (its plan cached, as the API's hot statements are).
      if (!prepared.has(client)) {
        await client.query(`PREPARE floor_home(uuid, uuid) AS ${homeStatement()}`);
        await client.query(`PREPARE floor_group(uuid, uuid, uuid, timestamptz) AS ${groupStatement()}`);
        prepared.add(client);
      }
      // One round trip: the request's transaction with the tenant settings, the statement, the commit.
      results = (await client.query(
        `BEGIN; SELECT set_config('role', 'peer_app', true), set_config('app.network_id', ${uuid(claims.networkId)}, true), set_config('jit', 'off', true); ` +
          `${execute}; COMMIT`,
      )) as unknown as Array<{ rows: Array<{ body: string | null }> }>;
    } finally {
      client.release();
    }
    const body = results[2].rows[0]?.body;
    return body ? [200, body] : [401, '{"errors":[{"message":"unauthenticated","extensions":{"code":"UNAUTHENTICATED"}}]}'];
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer(req.headers.authorization, Buffer.concat(chunks).toString('utf8')).then(
        ([status, body]) => reply(res, status, body),
        (err: Error) => reply(res, 500, JSON.stringify({ errors: [{ message: err.message }] })),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** The scenarios with a floor, and the targets: the API's req/s at least this share of the floor's. */
export const FLOOR_SCENARIOS = ['home', 'group'] as const;
export const FLOOR_TARGETS: Record<(typeof FLOOR_SCENARIOS)[number], number> = { home: 0.5, group: 0.6 };

/** One scenario at one connection count: the API's run and the floor's, loaded one after the other. */
export interface FloorRow {
  scenario: string;
  connections: number;
  api: LoadResult;
  floor: LoadResult;
  target: number;
}

const sortedJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );

/**
 * Sends each item to the API and to the floor and compares their `data` (the API may add `extensions`, e.g. the
 * query's cost). Returns a description of the first difference, or undefined when every answer is the same.
 */
export async function compareWithFloor(apiUrl: string, floorUrl: string, items: Array<{ authorization: string; body: string }>): Promise<string | undefined> {
  for (const item of items) {
    const ask = async (url: string) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: item.authorization }, body: item.body });
      return (await res.json()) as { data?: unknown; errors?: unknown };
    };
    const [api, floor] = await Promise.all([ask(apiUrl), ask(floorUrl)]);
    if (api.errors || floor.errors) return `errors: API ${JSON.stringify(api.errors)}, floor ${JSON.stringify(floor.errors)}`;
    const a = sortedJson(api.data);
    const f = sortedJson(floor.data);
    if (a !== f) {
      let i = 0;
      while (i < a.length && a[i] === f[i]) i++;
      return `at character ${i}: API …${a.slice(Math.max(0, i - 80), i + 120)}… floor …${f.slice(Math.max(0, i - 80), i + 120)}…`;
    }
  }
  return undefined;
}

/** Prints the API's throughput as a ratio to the floor's, with both absolute figures and p99 latencies. */
export function printFloorTable(rows: FloorRow[], log: (line: string) => void): void {
  log('');
  log('API vs floor (one hand-written SQL statement per request, same requests, same load):');
  log('scenario  conns  API req/s  floor req/s  ratio  target  API p99 ms  floor p99 ms');
  for (const r of rows) {
    const ratio = r.api.reqPerSec / r.floor.reqPerSec;
    log(
      [
        r.scenario.padEnd(8),
        String(r.connections).padStart(5),
        r.api.reqPerSec.toFixed(1).padStart(9),
        r.floor.reqPerSec.toFixed(1).padStart(11),
        `${ratio.toFixed(2)}×`.padStart(6),
        `${r.target.toFixed(1)}×${ratio >= r.target ? ' ok' : ' MISSED'}`.padStart(11),
        String(r.api.p99).padStart(10),
        String(r.floor.p99).padStart(12),
      ].join('  '),
    );
  }
}
