import 'reflect-metadata';
import { openDatabase } from './app/database';
import { getSchema } from './app/schema';
import { ConfigError, loadConfig, type Config } from './config/config';
import { createLogger } from './config/logger';
import { startServer } from './http/server';
import { seedDemoIfFirstStart, type DemoSeed } from './modules/demo/demo.seed';
import { startRetentionJob } from './modules/retention/retention.job';
import { startWebhookDispatcher } from './modules/webhooks/webhook.dispatcher';
import { WebhookSecrets } from './modules/webhooks/webhook.secrets';

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

  // The schema (type-graphql's build, ~0.4 s of CPU) is built while the database starts; startServer gets the same one.
  getSchema().catch(() => undefined);
  const db = await openDatabase(config, logger);
  const demo = config.seedDemo ? await seedDemoIfFirstStart(db.dataSource) : undefined;
  const server = await startServer(config, logger, db, { explorerKey: demo?.apiKey });
  const retention = startRetentionJob(db.dataSource, logger, config.retentionPurgeIntervalMs, config.retentionPurgeNetworks);
  const webhooks = startWebhookDispatcher(db.dataSource, logger, config, new WebhookSecrets(config.tokenSecret));
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
