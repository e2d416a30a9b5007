import 'reflect-metadata';
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config/config';
import { createLogger, type Logger } from './config/logger';
import { embeddedConnections, startEmbeddedDatabase } from './db/embedded';
import type { DemoSeed } from './modules/demo/demo.seed';

function banner(url: string, demo: DemoSeed | undefined, config: Config): string {
  const lines = [`Peer Networks API ready at ${url}`];
  if (config.explorer) lines.push(`Explorer: ${new URL('/', url).href}${demo && config.env !== 'production' ? ' (the demo key below is preset)' : ''}`);
  if (demo) {
    const query = JSON.stringify({ query: '{ viewer { kind scopes network { name } } members(first: 5) { nodes { displayName role } } }' });
    lines.push(
      `Demo ADMIN API key: ${demo.apiKey}`,
      '(shown once; it has the scopes READ, WRITE, PERSONAL_DATA and ADMIN)',
      'Try it:',
      `curl -s ${url} -H 'content-type: application/json' -H 'authorization: Bearer ${demo.apiKey}' -d '${query}'`,
    );
  }
  if (!config.databaseUrl) lines.push(`Embedded database (PGlite) in ${config.dataDir}; set DATABASE_URL to use PostgreSQL.`);
  return lines.join('\n');
}

/** A worker that exits this soon after its start counts as failing to start: no replacement, the whole server stops. */
const MIN_WORKER_LIFE_MS = 10_000;

/**
 * WEB_CONCURRENCY > 1: this process forks the workers that serve the port (node:cluster hands them the connections)
 * and serves nothing itself. The first worker starts alone (it runs the migrations and the first-start seed), the
 * others once it listens. A worker that dies is replaced; SIGTERM/SIGINT are passed on, each worker drains as a
 * single process does, and this process exits when all have (1 if any failed).
 */
function runPrimary(config: Config, logger: Logger): void {
  let stopping = false;
  let failed = false;
  const startedAt = new Map<number, number>();
  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (code !== 0) failed = true;
    if (!stopping) {
      logger.error('worker exited', { pid: worker.process.pid, code, signal });
      if (lived < MIN_WORKER_LIFE_MS) {
        logger.error('a worker failed soon after its start: stopping');
        stop('worker failure');
      } else fork();
    }
    if (stopping && Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping workers', { signal });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const first = fork();
  first.once('listening', () => {
    for (let i = 1; i < config.workers; i += 1) fork();
  });
  logger.info('primary started', { workers: config.workers });
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  if (config.tokenSecretGenerated) {
    logger.warn('TOKEN_SECRET is not set: using a random secret, so member tokens stop working when the process restarts');
  }
  if (config.env === 'production' && config.corsOriginsDefaulted) {
    logger.warn(
      'CORS_ORIGINS is not set: web pages of any origin may call the API with a credential they hold; list your origins, or set CORS_ORIGINS=* to allow any knowingly',
    );
  }

  // Traces (OTEL_EXPORTER_OTLP_ENDPOINT) start before the app is loaded, so that http, pg and graphql are instrumented.
  const tracing = config.otelExporterOtlpEndpoint ? await (await import('./config/tracing.js')).startTracing(config, logger) : undefined;

  // The embedded database starts first, in its worker thread (~1 s of PGlite), while this thread loads the app (~0.8 s:
  // TypeORM, Apollo, the features) and builds the schema (~0.4 s); openDatabase and startServer then get those.
  const embedded = config.databaseUrl ? undefined : startEmbeddedDatabase(config.dataDir, embeddedConnections(config.dbPoolMax));
  embedded?.catch(() => undefined); // awaited by openDatabase, which reports a failure
  const [{ openDatabase }, { getSchema }, { startServer }, { seedDemoIfFirstStart }, { startRetentionJob }, { startWebhookDispatcher }, { WebhookSecrets }] =
    await Promise.all([
      import('./app/database.js'),
      import('./app/schema.js'),
      import('./http/server.js'),
      import('./modules/demo/demo.seed.js'),
      import('./modules/retention/retention.job.js'),
      import('./modules/webhooks/webhook.dispatcher.js'),
      import('./modules/webhooks/webhook.secrets.js'),
    ]);
  getSchema().catch(() => undefined);
  const db = await openDatabase(config, logger, { embedded });
  const demo = config.seedDemo ? await seedDemoIfFirstStart(db.dataSource) : undefined;
  const server = await startServer(config, logger, db, { explorerKey: demo?.apiKey });
  const retention = startRetentionJob(db.dataSource, logger, config.retentionPurgeIntervalMs, config.retentionPurgeNetworks);
  const webhooks = startWebhookDispatcher(db.dataSource, logger, config, new WebhookSecrets(config.tokenSecret), { metrics: server.metrics });
  process.stdout.write(banner(`http://localhost:${server.port}/graphql`, demo, config) + '\n');
  logger.info('listening', {
    port: server.port,
    embedded: db.embedded,
    startupMs: Date.now() - startedAt,
    ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}),
  });

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    // A worker may get both the terminal's SIGINT and the primary's SIGTERM: one drain.
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(
      () => {
        logger.error('shutdown timed out; exiting');
        process.exit(1);
      },
      config.shutdownDelayMs + config.shutdownTimeoutMs + 5_000,
    );
    force.unref();
    try {
      await server.stop();
      await retention.stop();
      await webhooks.stop();
      await db.close();
      await tracing?.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error('shutdown failed', { error: (err as Error).message });
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(`Failed to start: ${err.message}\n`);
  process.exit(1);
});
