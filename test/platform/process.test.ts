/**
 * The real built server (`node dist/src/main.js`) as a child process: embedded first start with the demo
 * banner, persistence across restarts, graceful shutdown on SIGTERM, and configuration errors at start.
 * `npm test` builds dist/ first (pretest); run `npm run build` before running this file on its own.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const START_TIMEOUT = 150_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface ServerProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Resolves with the first stdout match; rejects if the process exits or the timeout passes first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const running = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** A clean environment: no DATABASE_URL (unless given), nothing inherited from the jest run's config. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME ?? os.tmpdir(), LOG_LEVEL: 'info', ...extra };
}

function startProcess(extra: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: serverEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const waitFor = (pattern: RegExp, timeoutMs = START_TIMEOUT) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) {
          done();
          resolve(m);
        }
      };
      const onExit = () => {
        check();
        done();
        reject(new Error(`process exited before ${pattern} appeared.\nstdout:\n${out}\nstderr:\n${err}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern}.\nstdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.off('exit', onExit);
      };
      child.stdout!.on('data', check);
      child.once('exit', onExit);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, exited, waitFor };
}

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-proc-'));
  tempDirs.push(dir);
  return dir;
}

const READY = /^Peer Networks API ready at (http:\/\/localhost:(\d+)\/graphql)$/m;

async function gql(port: number, key: string, query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

afterEach(async () => {
  for (const child of running) {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
  }
  running.clear();
});

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const DEMO_NAMES = ['Alex (admin)', 'Sam (coordinator)', 'Jordan', 'Riley', 'Casey', 'Morgan'];

test('embedded first start prints a working demo key and curl line; a restart keeps the data and prints no key', async () => {
  const dataDir = tempDataDir();
  const spawnedAt = Date.now();
  const first = startProcess({ DATA_DIR: dataDir, PORT: '0' });
  const [, url, port] = await first.waitFor(READY);
  const coldStartMs = Date.now() - spawnedAt;
  const listening = JSON.parse((await first.waitFor(/^\{.*"msg":"listening".*\}$/m, 5_000))[0]);
  console.log(
    `Cold start (spawn -> banner), embedded PGlite with a new DATA_DIR and demo seed: ${coldStartMs} ms ` + `(in-process startupMs: ${listening.startupMs})`,
  );
  expect(listening).toMatchObject({ level: 'info', embedded: true, port: Number(port) });

  const keyLine = await first.waitFor(/^Demo ADMIN API key: (pnk_\S+)$/m, 5_000);
  const key = keyLine[1];
  const curlLine = (await first.waitFor(/^curl .*$/m, 5_000))[0];
  expect(curlLine).toContain(url);
  expect(curlLine).toContain(key);
  expect(first.stdout()).toContain(`Embedded database (PGlite) in ${dataDir}`);

  // The printed line, run literally by a shell.
  const curlOut = execSync(curlLine, { encoding: 'utf8', timeout: 15_000 });
  const json = JSON.parse(curlOut);
  expect(json.errors).toBeUndefined();
  expect(json.data.viewer).toEqual({
    kind: 'API_KEY',
    scopes: ['READ', 'WRITE', 'PERSONAL_DATA', 'ADMIN', 'ISSUE_MEMBER_TOKENS'],
    network: { name: 'Demo Peer Network' },
  });
  // The banner's query asks for the first 5 members; the demo network has 6.
  expect(json.data.members.nodes).toHaveLength(5);
  for (const node of json.data.members.nodes) expect(DEMO_NAMES).toContain(node.displayName);
  const all = await gql(Number(port), key, '{ members(first: 20) { totalCount nodes { displayName role } } }');
  expect(all.body.errors).toBeUndefined();
  expect(all.body.data.members.totalCount).toBe(6);
  expect(all.body.data.members.nodes.map((n: { displayName: string }) => n.displayName).sort()).toEqual([...DEMO_NAMES].sort());
  // The demo network also has two groups, each with upcoming sessions to try RSVPs and check-ins on.
  const groups = await gql(Number(port), key, '{ groups { nodes { name visibility memberCount nextSession { title startsAt status } } } }');
  expect(groups.body.errors).toBeUndefined();
  expect(groups.body.data.groups.nodes.map((g: { name: string }) => g.name)).toEqual(['Anxiety Circle', 'Recovery Together']);
  for (const g of groups.body.data.groups.nodes) {
    expect(g.memberCount).toBe(5);
    expect(g.nextSession.status).toBe('SCHEDULED');
    expect(new Date(g.nextSession.startsAt).getTime()).toBeGreaterThan(Date.now());
  }

  first.child.kill('SIGTERM');
  expect(await first.exited).toEqual({ code: 0, signal: null });
  expect(fs.existsSync(path.join(dataDir, 'server.lock'))).toBe(false);

  const restartedAt = Date.now();
  const second = startProcess({ DATA_DIR: dataDir, PORT: '0' });
  const [, , port2] = await second.waitFor(READY);
  console.log(`Warm start (spawn -> banner), same DATA_DIR: ${Date.now() - restartedAt} ms`);
  // The banner is written in one piece, so the absence of the key line is final once "ready" is seen.
  expect(second.stdout()).not.toContain('Demo ADMIN API key');
  const again = await gql(Number(port2), key, '{ viewer { kind network { slug } } members(first: 20) { totalCount } }');
  expect(again.status).toBe(200);
  expect(again.body.errors).toBeUndefined();
  expect(again.body.data).toEqual({ viewer: { kind: 'API_KEY', network: { slug: 'demo' } }, members: { totalCount: 6 } });

  second.child.kill('SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });
}, 400_000);

/** GET on a fresh connection (no keep-alive): status and body, or the connection error. */
function freshGet(port: number, pathname: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGTERM: /readyz turns 503 during the delay, an in-flight request still completes, exit 0, lock released', async () => {
  const dataDir = tempDataDir();
  const server = startProcess({ DATA_DIR: dataDir, PORT: '0', SHUTDOWN_DELAY_MS: '1000' });
  const [, , portText] = await server.waitFor(READY);
  const port = Number(portText);
  const key = (await server.waitFor(/^Demo ADMIN API key: (pnk_\S+)$/m, 5_000))[1];
  expect(fs.existsSync(path.join(dataDir, 'server.lock'))).toBe(true);
  expect(await freshGet(port, '/readyz')).toMatchObject({ status: 200 });

  // An in-flight request: headers and half of the body sent.
  const body = Buffer.from(JSON.stringify({ query: '{ viewer { kind network { slug } } members(first: 20) { totalCount } }' }));
  const half = Math.floor(body.length / 2);
  const inFlight = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/graphql',
    agent: false,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': body.length },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    inFlight.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    inFlight.on('error', reject);
  });
  inFlight.write(body.subarray(0, half));
  await sleep(200); // let the server receive the headers and the first half

  const signalledAt = Date.now();
  server.child.kill('SIGTERM');
  await server.waitFor(/"msg":"shutting down"/, 5_000);

  // During the delay: not ready, on a new connection.
  const during = await freshGet(port, '/readyz');
  expect(Date.now() - signalledAt).toBeLessThan(1000);
  expect(during).toMatchObject({ status: 503 });
  expect(JSON.parse((during as { body: string }).body)).toMatchObject({ status: 'unavailable', shuttingDown: true });

  // After the delay the listener closes: new connections are refused, yet the in-flight request is kept.
  let refused = false;
  for (let i = 0; i < 50 && !refused; i++) {
    await sleep(100);
    const probe = await freshGet(port, '/healthz');
    refused = 'error' in probe;
  }
  expect(refused).toBe(true);
  expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1000);
  expect(server.child.exitCode).toBeNull();

  inFlight.end(body.subarray(half));
  const res = await response;
  expect(res.status).toBe(200);
  const json = JSON.parse(res.body);
  expect(json.errors).toBeUndefined();
  expect(json.data).toEqual({ viewer: { kind: 'API_KEY', network: { slug: 'demo' } }, members: { totalCount: 6 } });

  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(server.stdout()).toContain('"msg":"stopped"');
  expect(fs.existsSync(path.join(dataDir, 'server.lock'))).toBe(false);
}, 240_000);

describe('invalid configuration stops the process at start with exit code 1', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['NODE_ENV=production without TOKEN_SECRET', { NODE_ENV: 'production' }, 'TOKEN_SECRET'],
    ['DATABASE_URL=mysql://x', { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
  ];
  test.each(cases)('%s', async (_name, env, variable) => {
    const dataDir = tempDataDir();
    const proc = startProcess({ DATA_DIR: dataDir, ...env });
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.stderr()).toContain(`Invalid configuration: ${variable}`);
    expect(proc.stdout()).not.toContain('ready at');
    // Nothing was started: no database files, no lock.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
