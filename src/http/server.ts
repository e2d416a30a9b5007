import http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { getSchema } from '../app/schema';
import { Metrics } from '../config/metrics';
import { PoolShares } from '../db/shares';
import { cancelled, createFormatError, httpStatus, logUnexpected, readNotRecorded } from '../graphql/errors';
import { inputTextPlugin } from '../graphql/input-text';
import { limitsPlugin } from '../graphql/limits';
import { readAuditPlugin, readPersonalData } from '../modules/audit/read-audit';
import { createContext } from '../modules/auth/context';
import { MemberTokens, Pseudonyms } from '../modules/auth/member-token';
import { trustedDocumentsPlugin } from '../modules/auth/trusted-documents';
import { IDEMPOTENT_REPLAYED_HEADER } from '../modules/idempotency/idempotency-key';
import { idempotencyPlugin } from '../modules/idempotency/idempotency.plugin';
import { rateLimitPlugin } from '../modules/rate-limits/rate-limit.plugin';
import { RateLimiter } from '../modules/rate-limits/rate-limiter';
import { WebhookSecrets } from '../modules/webhooks/webhook.secrets';
import { openLiveEvents, type LiveEvents } from '../realtime/live';
import { explorerRouter } from './explorer';
import { mountExportRoutes } from './export-route';
import { feedsRouter } from './feeds';
import { listenForMetrics, metricsRoute, OperationLog, operationRecordOf, portOf, requestIdOf, requestIds } from './observe';
import { graphqlBody, graphqlErrorHandler, legacyJsonStatusPlugin } from './protocol';
import { SCHEMA_PATH, schemaRoute } from './schema-route';
import { serveGraphqlWs } from './websocket';
import type { Database } from '../app/database';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { TransactionLimits } from '../db/tenant';
import type { Context, ContextDeps } from '../graphql/context';
import type { GraphQLError } from 'graphql';
import type { AddressInfo } from 'node:net';

export const GRAPHQL_PATH = '/graphql';
/** The largest request body accepted on POST /graphql. */
const BODY_LIMIT = '1mb';

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly httpServer: http.Server;
  /** The live-update pub/sub (in-process, or Redis with REDIS_URL). */
  readonly live: LiveEvents;
  /** Rate limits per credential (in-process, or Redis with REDIS_URL). */
  readonly rateLimiter: RateLimiter;
  /** The Prometheus metrics, when on (METRICS_TOKEN or METRICS_PORT). */
  readonly metrics: Metrics | undefined;
  /** The port of the separate metrics listener (METRICS_PORT), if any. */
  readonly metricsPort: number | undefined;
  /** Graceful stop: /readyz turns 503, in-flight requests finish, sockets close, the pub/sub disconnects. */
  stop(): Promise<void>;
}

/**
 * Ends each operation's transaction: commit when the response is ready (each mutation field already
 * ran in its own savepoint), and logs unexpected errors with the request id. The HTTP layer also rolls
 * back on connection close, so no path can leave a transaction open.
 */
function transactionPlugin(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          logUnexpected(logger, errors, { requestId: contextValue.requestId, operationName });
        },
        async willSendResponse({ contextValue, response, operation }) {
          const tx = contextValue.tx;
          const outcome = await tx.finish('commit');
          if (response.body.kind === 'single') {
            const result = response.body.singleResult;
            const reason = tx.abortReason;
            const wrote = operation?.operation === 'mutation' && Object.values(result.data ?? {}).some((v) => v !== null);
            if (reason) {
              // Deadline passed (or the client left): nothing of the operation stands, whatever its fields said.
              response.body.singleResult = { data: null, errors: [{ message: reason.message, extensions: { code: reason.code } }] };
              response.http.status = httpStatus[reason.code] ?? 503;
            } else if (outcome === 'rolled back' && wrote) {
              // A mutation reported done whose COMMIT did not happen must not be reported as done.
              logger.error('commit failed', { requestId: contextValue.requestId, operationName: operation?.name?.value });
              response.body.singleResult = {
                data: null,
                errors: [
                  {
                    message: 'The changes could not be committed; nothing was written',
                    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: contextValue.requestId },
                  },
                ],
              };
              response.http.status = 500;
            } else if (outcome === 'rolled back' && readPersonalData(contextValue)) {
              // Personal data read, but its read-audit entry did not commit: no read without its record.
              logger.error('read audit not written: answer withheld', { requestId: contextValue.requestId, operationName: operation?.name?.value });
              const withheld = readNotRecorded();
              response.body.singleResult = {
                data: null,
                errors: [{ message: withheld.message, extensions: { code: withheld.code, requestId: contextValue.requestId } }],
              };
              response.http.status = 500;
            }
          }
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            for (const e of response.body.singleResult.errors) {
              if (e.extensions?.code === 'INTERNAL_SERVER_ERROR') e.extensions.requestId = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}

/** The time limits of request transactions, from the configuration. */
export function transactionLimits(config: Config): TransactionLimits {
  return {
    statementTimeoutMs: config.dbStatementTimeoutMs,
    idleTimeoutMs: config.dbIdleInTransactionTimeoutMs,
    deadlineMs: config.requestTimeoutMs,
    longBudgetMs: config.evaluationTimeoutMs,
  };
}

export interface ServerOptions {
  /** The demo key to preset in the explorer: only when the demo was seeded by this process, and never in production. */
  explorerKey?: string;
}

export async function startServer(config: Config, logger: Logger, db: Database, options: ServerOptions = {}): Promise<RunningServer> {
  const schema = await getSchema();
  const live = await openLiveEvents(config, logger);
  const metrics = config.metricsToken !== undefined || config.metricsPort !== undefined ? new Metrics(config.metricsOperations) : undefined;
  const rateLimiter = await RateLimiter.open(config, logger, metrics);
  // One access line per operation at LOG_LEVEL info (or debug), and the operation metrics: off both, nothing is recorded.
  const observing = new OperationLog(logger, config.logLevel === 'info' || config.logLevel === 'debug', metrics);
  const operations = observing.enabled ? observing : undefined;
  const deps: ContextDeps = {
    dataSource: db.dataSource,
    tokens: new MemberTokens(config.tokenSecret),
    pseudonyms: new Pseudonyms(config.tokenSecret),
    logger,
    live,
    shares: new PoolShares(config.dbMaxConnectionsPerNetwork, config.dbAcquireTimeoutMs),
    limits: transactionLimits(config),
    keyNetworks: new Map(),
    // Feed URLs shown to members: PUBLIC_URL, else this server on localhost (its port is known once it listens).
    publicUrl: () => config.publicUrl ?? `http://localhost:${port}`,
    webhooks: { secrets: new WebhookSecrets(config.tokenSecret), allowHttpLoopback: config.webhookAllowHttpLoopback },
  };
  let port = config.port;
  const production = config.env === 'production';
  const formatError = createFormatError(production);
  let ready = true;

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);

  // graphql-ws on the same path, with the same context builder, validation, limits and error mapping.
  const graphqlWs = serveGraphqlWs({ httpServer, path: GRAPHQL_PATH, schema, deps, config, logger, formatError, rateLimiter, operations });
  if (metrics) {
    // Read when scraped: nothing is counted on the request path.
    const pool = (db.dataSource.driver as unknown as { master: { totalCount: number; idleCount: number; waitingCount: number } }).master;
    metrics.gauge(
      'peer_db_pool_connections_in_use',
      'Pooled database connections lent out (requests, deliveries, jobs)',
      () => pool.totalCount - pool.idleCount,
    );
    metrics.gauge('peer_db_pool_waiting', 'Callers waiting for a pooled database connection', () => pool.waitingCount);
    metrics.gauge(
      'peer_db_share_waiting',
      "Transactions waiting for their network's share of the pool (DB_MAX_CONNECTIONS_PER_NETWORK)",
      () => deps.shares!.waitingCount,
    );
    metrics.gauge('peer_websocket_connections', 'Open graphql-ws connections', () => graphqlWs.connections);
    metrics.gauge('peer_subscriptions', 'Open subscriptions (live-update streams) in this instance', () => live.activeStreams);
  }

  const apollo = new ApolloServer<Context>({
    schema,
    csrfPrevention: true,
    // We stop on signals ourselves (src/main.ts), in order: not ready, drain, sockets, pool.
    stopOnTerminationSignals: false,
    formatError,
    includeStacktraceInErrorResponses: !production,
    // Compact JSON: Apollo's default pretty-prints every response.
    stringifyResult: (result) => JSON.stringify(result),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      // No HTTP caching of tenant data; and the cache-control plugin would wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      // The schema is also a federation subgraph: no per-field timings to whoever asks for them.
      ApolloServerPluginInlineTraceDisabled(),
      // Not Apollo's landing page (its Sandbox loads from a CDN): the explorer at `/` is served from this server.
      ApolloServerPluginLandingPageDisabled(),
      transactionPlugin(logger),
      // Names each operation's read-audit entry (src/modules/audit/read-audit.ts).
      readAuditPlugin(),
      // Registered documents by hash, and the trusted-documents-only mode of API keys: before Apollo reads the document.
      trustedDocumentsPlugin(),
      // Depth and cost limits, the same as over WebSocket.
      limitsPlugin<Context>(),
      // NUL and lone surrogates in any argument: BAD_USER_INPUT naming the argument, before anything runs.
      inputTextPlugin<Context>(),
      // 200 for a failed document under the legacy application/json media type (GraphQL over HTTP).
      legacyJsonStatusPlugin<Context>(),
      // Rate limits per credential: charged before execution (429 when over budget), reported on every response.
      rateLimitPlugin(rateLimiter),
      // Idempotency-Key on mutations: claimed right before execution, the answer stored just before COMMIT.
      idempotencyPlugin({ ttlHours: config.idempotencyTtlHours, formatError }),
      // The access line and the operation metrics (./observe.ts), when on.
      ...(operations ? [operations.plugin()] : []),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await graphqlWs.close();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const database = ready && db.migrated && (await db.ping());
    res.status(ready && database ? 200 : 503).json({ status: ready && database ? 'ready' : 'unavailable', shuttingDown: !ready, database });
  });

  // Metrics: on the API's port behind METRICS_TOKEN, and/or on a port of their own (METRICS_PORT).
  if (metrics && config.metricsToken !== undefined) app.get('/metrics', metricsRoute(metrics, config.metricsToken));
  const metricsServer = metrics && config.metricsPort !== undefined ? await listenForMetrics(metrics, config) : undefined;

  // CORS_ORIGINS: `*` or an allow-list (a listed Origin is echoed, with `Vary: Origin`; another gets no
  // Access-Control-Allow-Origin). Never Allow-Credentials: credentials are bearer headers, not cookies.
  // Request headers (Authorization, Idempotency-Key, …) are allowed by reflecting the preflight's list.
  const apiCors = cors<cors.CorsRequest>({
    origin: config.corsOrigins === '*' ? '*' : [...config.corsOrigins],
    methods: ['GET', 'POST'],
    maxAge: config.corsMaxAgeSeconds,
    exposedHeaders: [IDEMPOTENT_REPLAYED_HEADER, 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id', 'Content-Disposition'],
  });

  // The client schema, in every environment (src/http/schema-route.ts).
  app.get(SCHEMA_PATH, apiCors, schemaRoute());

  // The explorer at `/` (src/http/explorer.ts): on outside production, in production only with EXPLORER=true.
  if (config.explorer) {
    app.use(explorerRouter({ production, presetKey: options.explorerKey }));
    // A browser opening /graphql itself (no operation) lands on the explorer.
    app.get(GRAPHQL_PATH, (req, res, next) => {
      if (req.query.query === undefined && req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html') {
        res.redirect(302, '/');
        return;
      }
      next();
    });
  }

  // Members' data exports as streamed downloads (src/http/export-route.ts).
  const exportsRouter = express.Router();
  mountExportRoutes(exportsRouter, deps, rateLimiter, logger);
  app.use('/exports', apiCors, exportsRouter);

  // Calendar feeds and the public meeting feed (src/modules/feeds): no credential, their own rate limits.
  app.use(feedsRouter({ dataSource: db.dataSource, limits: deps.limits, shares: deps.shares }, rateLimiter, config, logger));

  app.use(
    GRAPHQL_PATH,
    apiCors,
    requestIds(),
    ...(operations ? [operations.middleware()] : []),
    ...graphqlBody(BODY_LIMIT),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const record = operationRecordOf(res);
        let ctx: Context;
        try {
          ctx = await createContext(deps, { authorization: req.header('authorization'), requestId: requestIdOf(res) });
        } catch (err) {
          if (record) record.errorCodes = [String((err as GraphQLError).extensions?.code ?? 'INTERNAL_SERVER_ERROR')];
          throw err;
        }
        if (record) operations!.attach(record, ctx);
        // The client went away before its answer (or the pipeline failed): the operation is cancelled — no new
        // statement starts, the running one is cancelled — and the transaction rolls back once nothing runs.
        res.once('close', () => {
          if (!res.writableFinished) ctx.tx.abort(cancelled());
          void ctx.tx.finish('rollback');
        });
        return ctx;
      },
    }),
    // Refused bodies (malformed JSON, too large, not UTF-8, not JSON) and anything thrown above: JSON GraphQL errors.
    graphqlErrorHandler(logger),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  port = (httpServer.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://localhost:${port}${GRAPHQL_PATH}`,
    httpServer,
    live,
    rateLimiter,
    metrics,
    metricsPort: metricsServer && portOf(metricsServer),
    stop() {
      stopping ??= (async () => {
        ready = false;
        if (config.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
        await apollo.stop();
        await live.close();
        await rateLimiter.close();
        if (metricsServer) await new Promise((resolve) => metricsServer.close(resolve));
      })();
      return stopping;
    },
  };
}
