import 'reflect-metadata';
import { ConfigError, loadConfig, type Config } from './config/config';
import { createLogger } from './config/logger';
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
  logger.info('listening', { port: server.port, embedded: db.embedded, startupMs: Date.now() - startedAt });

  const shutdown = async (signal: string) => {
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
