import { randomBytes } from 'node:crypto';
import { print, type DocumentNode } from 'graphql';
import request from 'supertest';
import { openDatabase, type Database } from '../../src/app/database';
import { loadConfig, type Config } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { startServer, type RunningServer, type ServerOptions } from '../../src/http/server';
import { MemberTokens } from '../../src/modules/auth/member-token';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** The token secret of in-process test servers (so tests can also mint tokens, e.g. expired ones). */
export const TEST_TOKEN_SECRET = 'test-token-secret-that-is-at-least-32-characters';

export interface GqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors:
    | Array<{
        message: string;
        path?: unknown[];
        extensions: { code: string; fieldErrors?: Array<{ path: unknown[]; message: string }>; [k: string]: unknown };
      }>
    | undefined;
}

export interface TestApp {
  config: Config;
  db: Database;
  server: RunningServer;
  tokens: MemberTokens;
  /** POST /graphql with a bearer credential (or none). */
  gql<T = Record<string, any>, V = Record<string, unknown>>(
    query: TypedDocumentNode<T, V> | DocumentNode | string,
    variables?: V,
    credential?: string,
  ): Promise<GqlResult<T>>;
  http(): ReturnType<typeof request>;
  stop(): Promise<void>;
}

/** Starts the real app in-process on the test database (see global-setup), on a free port. */
export async function startTestApp(env: Record<string, string> = {}, serverOptions: ServerOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    TOKEN_SECRET: TEST_TOKEN_SECRET,
    LOG_LEVEL: 'silent',
    DB_POOL_MAX: '10',
    // Tests of other features are not throttled by accident (some repeat 20,000-point reads with one key);
    // test/rate-limits sets small budgets of its own.
    RATE_LIMIT_MAX: '10000000',
    // A loaded test machine (two jest workers on one embedded database) can be slow: tests of other features should
    // not meet the production deadline or acquire timeout by accident; test/safety sets small ones of its own.
    REQUEST_TIMEOUT_MS: '60000',
    DB_ACQUIRE_TIMEOUT_MS: '30000',
    ...env,
  });
  // The global setup migrated the database once. On the embedded database, test apps of both jest workers do not
  // run the (no-op) migration queries again: pglite-socket serves every connection from one session and interleaves
  // the extended-protocol messages of statements sent outside a transaction by several connections at once.
  const embedded = process.env.TEST_DATABASE_EMBEDDED === '1';
  const db = await openDatabase(config, createLogger(config.logLevel), { migrate: !embedded });
  if (embedded) db.migrated = true;
  const server = await startServer(config, createLogger(config.logLevel), db, serverOptions);
  const http = () => request(server.httpServer);
  return {
    config,
    db,
    server,
    tokens: new MemberTokens(config.tokenSecret),
    http,
    async gql(query, variables, credential) {
      const text = typeof query === 'string' ? query : print(query);
      let req = http().post('/graphql').set('content-type', 'application/json');
      if (credential) req = req.set('authorization', `Bearer ${credential}`);
      const res = await req.send({ query: text, variables });
      return { status: res.status, data: res.body.data, errors: res.body.errors };
    },
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** A unique slug per call, so test files can share one database the way tenants do. */
export function uniqueSlug(prefix = 'net'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
