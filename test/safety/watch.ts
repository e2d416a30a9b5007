import http from 'node:http';
import type { TestApp } from '../helpers/app';
import type { Pool, PoolClient } from 'pg';

/**
 * Watches every pooled connection of a running test app and records each statement sent while the
 * database said the connection was NOT in a transaction (the protocol's ReadyForQuery status 'I'),
 * other than the opening of one. Such a statement would run in autocommit, as the login role, outside
 * row-level security: the database itself tells us, not our own bookkeeping.
 */
export function watchAutocommit(app: TestApp): { violations: string[]; statements: () => number } {
  const pool = (app.db.dataSource.driver as unknown as { master: Pool }).master;
  const violations: string[] = [];
  let statements = 0;
  const watched = new WeakSet<PoolClient>();
  pool.on('acquire', (client: PoolClient) => {
    if (watched.has(client)) return;
    watched.add(client);
    let status = 'I';
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.on('readyForQuery', (msg: { status: string }) => {
      status = msg.status;
    });
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((config: unknown, ...rest: unknown[]) => {
      const text = typeof config === 'string' ? config : String((config as { text?: string })?.text ?? '');
      statements += 1;
      if (status === 'I' && !text.startsWith('START TRANSACTION') && text !== 'SELECT 1' && !text.startsWith('/* test */')) violations.push(text.slice(0, 120));
      return query(config, ...rest);
    }) as PoolClient['query'];
  });
  return { violations, statements: () => statements };
}

/** Waits until no pooled connection is checked out and nobody waits for one (the server has settled). */
export async function poolSettled(app: TestApp, timeoutMs = 15_000): Promise<void> {
  const pool = (app.db.dataSource.driver as unknown as { master: Pool }).master;
  const until = Date.now() + timeoutMs;
  while (pool.totalCount - pool.idleCount > 0 || pool.waitingCount > 0) {
    if (Date.now() > until) throw new Error(`pool did not settle: ${pool.totalCount - pool.idleCount} in use, ${pool.waitingCount} waiting`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** POSTs a GraphQL body and destroys the socket after `abandonAfterMs` (unless the answer came first). */
export function postAndAbandon(port: number, body: object, credential: string, abandonAfterMs: number): Promise<'answered' | 'abandoned'> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${credential}` },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve('abandoned');
    }, abandonAfterMs);
    req.on('error', () => undefined);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        resolve('answered');
      });
    });
    req.end(payload);
  });
}

/** Timed POST /graphql: the status, the parsed body, headers and how long it took. */
export async function timedPost(app: TestApp, query: string, credential: string, variables?: Record<string, unknown>) {
  const started = Date.now();
  const res = await app.http().post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${credential}`).send({ query, variables });
  return { status: res.status, body: res.body, headers: res.headers, ms: Date.now() - started };
}
