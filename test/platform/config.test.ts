import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

const SECRET = 'a-token-secret-that-is-at-least-32-characters';
const METRICS_TOKEN = 'a-metrics-token-of-at-least-32-characters';
const fixedSecret = () => 'generated-secret';

/** loadConfig on exactly this environment (never process.env). */
const load = (env: Record<string, string | undefined>) => loadConfig(env, fixedSecret);

/** The ConfigError thrown for this environment. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('defaults', () => {
  test('an empty environment is a development setup with the embedded database', () => {
    expect(load({})).toEqual({
      env: 'development',
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databaseMigrationUrl: undefined,
      databaseListenUrl: undefined,
      dataDir: path.resolve('.data'),
      tokenSecret: 'generated-secret',
      tokenSecretGenerated: true,
      redisUrl: undefined,
      redisPrefix: 'peer-networks:',
      workers: 1,
      corsOrigins: '*',
      corsOriginsDefaulted: true,
      corsMaxAgeSeconds: 7_200,
      wsMaxSubscriptions: 100,
      wsMaxMessageBytes: 65_536,
      wsMaxBufferedBytes: 1_048_576,
      wsMaxQueuedEvents: 1_000,
      wsMaxConnectionsPerCredential: 20,
      rateLimitsEnabled: true,
      rateLimitMax: 50_000,
      rateLimitRestoreRate: 1_000,
      feedsRateLimitPerMinute: 60,
      publicUrl: undefined,
      dbPoolMax: 10,
      dbMaxConnectionsPerNetwork: 5,
      dbAcquireTimeoutMs: 5_000,
      dbStatementTimeoutMs: 5_000,
      dbIdleInTransactionTimeoutMs: 15_000,
      requestTimeoutMs: 10_000,
      evaluationTimeoutMs: 30_000,
      dbPreparedStatements: true,
      dbBatchReads: true,
      seedDemo: true,
      explorer: true,
      idempotencyTtlHours: 24,
      retentionPurgeIntervalMs: 3_600_000,
      retentionPurgeNetworks: undefined,
      webhookDispatchIntervalMs: 1_000,
      webhookConcurrency: 32,
      webhookEndpointConcurrency: 4,
      webhookTimeoutMs: 10_000,
      webhookRetryBaseMs: 30_000,
      webhookRetryMaxDelayMs: 21_600_000,
      webhookMaxAgeMs: 259_200_000,
      webhookRetentionDays: 30,
      webhookAllowHttpLoopback: true,
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      metricsToken: undefined,
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
      metricsOperations: [],
      otelExporterOtlpEndpoint: undefined,
      otelServiceName: 'peer-networks-api',
    });
  });

  test('the default random secret is long and differs per call', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.tokenSecret.length).toBeGreaterThanOrEqual(32);
    expect(a.tokenSecret).not.toBe(b.tokenSecret);
    expect(a.tokenSecretGenerated).toBe(true);
  });

  test('production: no demo data by default, given secret kept', () => {
    const c = load({ NODE_ENV: 'production', TOKEN_SECRET: SECRET });
    expect(c).toMatchObject({ env: 'production', seedDemo: false, explorer: false, tokenSecret: SECRET, tokenSecretGenerated: false, logLevel: 'info' });
  });

  test('test: quieter log level by default', () => {
    expect(load({ NODE_ENV: 'test' }).logLevel).toBe('warn');
  });

  test('a network may hold half the pool by default', () => {
    expect(load({}).dbMaxConnectionsPerNetwork).toBe(5);
    expect(load({ DB_POOL_MAX: '3' }).dbMaxConnectionsPerNetwork).toBe(2);
    expect(load({ DB_POOL_MAX: '1' }).dbMaxConnectionsPerNetwork).toBe(1);
  });

  test('empty or blank values count as unset', () => {
    const c = load({ PORT: '', DATABASE_URL: '  ', TOKEN_SECRET: '', SEED_DEMO: ' ', LOG_LEVEL: '' });
    expect(c).toMatchObject({ port: 4000, databaseUrl: undefined, tokenSecretGenerated: true, seedDemo: true, logLevel: 'info' });
  });

  test('every variable is read', () => {
    const c = load({
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://u:p@db:5432/peer',
      DATABASE_MIGRATION_URL: 'postgres://owner:o@db:5432/peer',
      DATABASE_LISTEN_URL: 'postgres://u:p@db-direct:5432/peer',
      DATA_DIR: '/var/lib/peer',
      TOKEN_SECRET: ` ${SECRET} `,
      REDIS_URL: 'rediss://cache:6380',
      REDIS_PREFIX: 'staging:',
      WEB_CONCURRENCY: '2',
      CORS_ORIGINS: 'https://app.example.org, http://localhost:5173',
      CORS_MAX_AGE_SECONDS: '600',
      WS_MAX_SUBSCRIPTIONS: '20',
      WS_MAX_MESSAGE_BYTES: '4096',
      WS_MAX_BUFFERED_BYTES: '65536',
      WS_MAX_QUEUED_EVENTS: '50',
      WS_MAX_CONNECTIONS_PER_CREDENTIAL: '3',
      RATE_LIMITS_ENABLED: 'false',
      RATE_LIMIT_MAX: '1000',
      RATE_LIMIT_RESTORE_RATE: '50',
      DB_POOL_MAX: '500',
      DB_MAX_CONNECTIONS_PER_NETWORK: '100',
      DB_ACQUIRE_TIMEOUT_MS: '2500',
      DB_STATEMENT_TIMEOUT_MS: '4000',
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '9000',
      REQUEST_TIMEOUT_MS: '8000',
      EVALUATION_TIMEOUT_MS: '20000',
      DB_PREPARED_STATEMENTS: 'false',
      DB_BATCH_READS: 'false',
      SEED_DEMO: 'yes',
      EXPLORER: 'on',
      IDEMPOTENCY_TTL_HOURS: '48',
      RETENTION_PURGE_INTERVAL_MS: '0',
      RETENTION_PURGE_NETWORKS: ' 6F1C2E0A-7B3D-4E5F-8A9B-0C1D2E3F4A5B , 00000000-0000-4000-8000-000000000001',
      WEBHOOK_DISPATCH_INTERVAL_MS: '0',
      WEBHOOK_CONCURRENCY: '8',
      WEBHOOK_ENDPOINT_CONCURRENCY: '2',
      WEBHOOK_TIMEOUT_MS: '5000',
      WEBHOOK_RETRY_BASE_MS: '1000',
      WEBHOOK_RETRY_MAX_DELAY_MS: '60000',
      WEBHOOK_MAX_AGE_MS: '86400000',
      WEBHOOK_RETENTION_DAYS: '7',
      WEBHOOK_ALLOW_HTTP_LOOPBACK: 'false',
      SHUTDOWN_DELAY_MS: '120000',
      SHUTDOWN_TIMEOUT_MS: '0',
      LOG_LEVEL: 'silent',
      METRICS_TOKEN: ` ${METRICS_TOKEN} `,
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      METRICS_OPERATIONS: 'Home, GroupPage ,A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'peer-api-eu',
      FEEDS_RATE_LIMIT_PER_MINUTE: '0',
      PUBLIC_URL: 'https://api.example.org/peer/',
    });
    expect(c).toEqual({
      env: 'production',
      port: 0,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://u:p@db:5432/peer',
      databaseMigrationUrl: 'postgres://owner:o@db:5432/peer',
      databaseListenUrl: 'postgres://u:p@db-direct:5432/peer',
      dataDir: '/var/lib/peer',
      tokenSecret: SECRET,
      tokenSecretGenerated: false,
      redisUrl: 'rediss://cache:6380',
      redisPrefix: 'staging:',
      workers: 2,
      corsOrigins: ['https://app.example.org', 'http://localhost:5173'],
      corsOriginsDefaulted: false,
      corsMaxAgeSeconds: 600,
      wsMaxSubscriptions: 20,
      wsMaxMessageBytes: 4096,
      wsMaxBufferedBytes: 65_536,
      wsMaxQueuedEvents: 50,
      wsMaxConnectionsPerCredential: 3,
      rateLimitsEnabled: false,
      rateLimitMax: 1000,
      rateLimitRestoreRate: 50,
      feedsRateLimitPerMinute: 0,
      publicUrl: 'https://api.example.org/peer',
      dbPoolMax: 500,
      dbMaxConnectionsPerNetwork: 100,
      dbAcquireTimeoutMs: 2_500,
      dbStatementTimeoutMs: 4_000,
      dbIdleInTransactionTimeoutMs: 9_000,
      requestTimeoutMs: 8_000,
      evaluationTimeoutMs: 20_000,
      dbPreparedStatements: false,
      dbBatchReads: false,
      seedDemo: true,
      explorer: true,
      idempotencyTtlHours: 48,
      retentionPurgeIntervalMs: 0,
      retentionPurgeNetworks: ['6f1c2e0a-7b3d-4e5f-8a9b-0c1d2e3f4a5b', '00000000-0000-4000-8000-000000000001'],
      webhookDispatchIntervalMs: 0,
      webhookConcurrency: 8,
      webhookEndpointConcurrency: 2,
      webhookTimeoutMs: 5_000,
      webhookRetryBaseMs: 1_000,
      webhookRetryMaxDelayMs: 60_000,
      webhookMaxAgeMs: 86_400_000,
      webhookRetentionDays: 7,
      webhookAllowHttpLoopback: false,
      shutdownDelayMs: 120_000,
      shutdownTimeoutMs: 0,
      logLevel: 'silent',
      metricsToken: METRICS_TOKEN,
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
      metricsOperations: ['Home', 'GroupPage', 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'],
      otelExporterOtlpEndpoint: 'http://collector:4318',
      otelServiceName: 'peer-api-eu',
    });
  });

  test('WEBHOOK_ALLOW_HTTP_LOOPBACK is on outside production and refused in production', () => {
    expect(load({ NODE_ENV: 'test' }).webhookAllowHttpLoopback).toBe(true);
    expect(load({ NODE_ENV: 'production', TOKEN_SECRET: SECRET }).webhookAllowHttpLoopback).toBe(false);
    expect(() => load({ NODE_ENV: 'production', TOKEN_SECRET: SECRET, WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true' })).toThrow(
      /WEBHOOK_ALLOW_HTTP_LOOPBACK must not be true/,
    );
  });

  test('WEB_CONCURRENCY above 1 needs PostgreSQL and Redis', () => {
    expect(configError({ WEB_CONCURRENCY: '2', REDIS_URL: 'redis://cache:6379' }).message).toMatch(/WEB_CONCURRENCY.*DATABASE_URL/);
    expect(configError({ WEB_CONCURRENCY: '2', DATABASE_URL: 'postgres://db/peer' }).message).toMatch(/WEB_CONCURRENCY.*REDIS_URL/);
    expect(load({ WEB_CONCURRENCY: '4', DATABASE_URL: 'postgres://db/peer', REDIS_URL: 'redis://cache:6379' }).workers).toBe(4);
    expect(configError({ WEB_CONCURRENCY: '0' }).message).toMatch(/between 1 and 64/);
  });

  test('CORS_ORIGINS: * given explicitly allows any origin without counting as the default', () => {
    expect(load({ CORS_ORIGINS: ' * ' })).toMatchObject({ corsOrigins: '*', corsOriginsDefaulted: false });
    expect(load({ NODE_ENV: 'production', TOKEN_SECRET: SECRET })).toMatchObject({ corsOrigins: '*', corsOriginsDefaulted: true });
  });

  test.each([
    ['1', true],
    ['TRUE', true],
    ['on', true],
    ['0', false],
    ['False', false],
    ['off', false],
    ['no', false],
  ])('SEED_DEMO=%s -> %s', (raw, expected) => {
    expect(load({ SEED_DEMO: raw }).seedDemo).toBe(expected);
  });
});

describe('bad values name the variable', () => {
  test.each<[string, Record<string, string>]>([
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['TOKEN_SECRET', { NODE_ENV: 'production' }],
    ['TOKEN_SECRET', { TOKEN_SECRET: 'too-short' }],
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '4000.5' }],
    ['PORT', { PORT: '65536' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['DATABASE_MIGRATION_URL', { DATABASE_URL: 'postgres://db/peer', DATABASE_MIGRATION_URL: 'mysql://x' }],
    ['DATABASE_MIGRATION_URL', { DATABASE_MIGRATION_URL: 'postgres://owner@db/peer' }],
    ['DATABASE_LISTEN_URL', { DATABASE_URL: 'postgres://db/peer', DATABASE_LISTEN_URL: 'redis://x' }],
    ['DATABASE_LISTEN_URL', { DATABASE_LISTEN_URL: 'postgres://db/peer' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
    ['REDIS_URL', { REDIS_URL: 'cache:6379x' }],
    ['REDIS_PREFIX', { REDIS_PREFIX: 'has spaces' }],
    ['WS_MAX_SUBSCRIPTIONS', { WS_MAX_SUBSCRIPTIONS: '0' }],
    ['IDEMPOTENCY_TTL_HOURS', { IDEMPOTENCY_TTL_HOURS: '0' }],
    ['IDEMPOTENCY_TTL_HOURS', { IDEMPOTENCY_TTL_HOURS: '721' }],
    ['RETENTION_PURGE_INTERVAL_MS', { RETENTION_PURGE_INTERVAL_MS: '-1' }],
    ['RETENTION_PURGE_INTERVAL_MS', { RETENTION_PURGE_INTERVAL_MS: '604800001' }],
    ['RETENTION_PURGE_NETWORKS', { RETENTION_PURGE_NETWORKS: 'demo' }],
    ['RETENTION_PURGE_NETWORKS', { RETENTION_PURGE_NETWORKS: ' , ' }],
    ['WS_MAX_MESSAGE_BYTES', { WS_MAX_MESSAGE_BYTES: '100' }],
    ['WS_MAX_BUFFERED_BYTES', { WS_MAX_BUFFERED_BYTES: 'lots' }],
    ['WS_MAX_QUEUED_EVENTS', { WS_MAX_QUEUED_EVENTS: '0' }],
    ['WS_MAX_CONNECTIONS_PER_CREDENTIAL', { WS_MAX_CONNECTIONS_PER_CREDENTIAL: '0' }],
    ['RATE_LIMITS_ENABLED', { RATE_LIMITS_ENABLED: 'sometimes' }],
    ['RATE_LIMIT_MAX', { RATE_LIMIT_MAX: '0' }],
    ['RATE_LIMIT_RESTORE_RATE', { RATE_LIMIT_RESTORE_RATE: '0.5' }],
    ['DB_POOL_MAX', { DB_POOL_MAX: '0' }],
    ['DB_POOL_MAX', { DB_POOL_MAX: '501' }],
    ['DB_MAX_CONNECTIONS_PER_NETWORK', { DB_POOL_MAX: '4', DB_MAX_CONNECTIONS_PER_NETWORK: '5' }],
    ['DB_ACQUIRE_TIMEOUT_MS', { DB_ACQUIRE_TIMEOUT_MS: '0' }],
    ['REQUEST_TIMEOUT_MS', { REQUEST_TIMEOUT_MS: 'soon' }],
    ['SEED_DEMO', { SEED_DEMO: 'maybe' }],
    ['SHUTDOWN_DELAY_MS', { SHUTDOWN_DELAY_MS: '120001' }],
    ['SHUTDOWN_DELAY_MS', { SHUTDOWN_DELAY_MS: '1s' }],
    ['SHUTDOWN_TIMEOUT_MS', { SHUTDOWN_TIMEOUT_MS: '600001' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: '*, https://app.example.org' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://app.example.org/' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://app.example.org/path' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'app.example.org' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'ftp://app.example.org' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: ' , ' }],
    ['CORS_MAX_AGE_SECONDS', { CORS_MAX_AGE_SECONDS: '86401' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'short-token' }],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'a metrics token with spaces, 32 characters or more' }],
    ['METRICS_PORT', { METRICS_PORT: '65536' }],
    ['METRICS_OPERATIONS', { METRICS_OPERATIONS: 'Home, group page' }],
    ['METRICS_OPERATIONS', { METRICS_OPERATIONS: 'Home,abc123-not-a-hash' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' }],
  ])('%s: %j', (variable, env) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
  });

  test('the message says what was wrong', () => {
    expect(configError({ PORT: 'abc' }).message).toBe('Invalid configuration: PORT must be a whole number, got "abc"');
    expect(configError({ PORT: '70000' }).message).toBe('Invalid configuration: PORT must be between 0 and 65535, got 70000');
    expect(configError({ DATABASE_URL: 'mysql://x' }).message).toBe(
      'Invalid configuration: DATABASE_URL must start with postgres: or postgresql:, got "mysql:"',
    );
    expect(configError({ NODE_ENV: 'production' }).message).toContain('is required when NODE_ENV=production');
  });

  test('a metrics token that is refused is not echoed back', () => {
    expect(configError({ METRICS_TOKEN: 'tiny-s3cret' }).message).not.toContain('tiny-s3cret');
  });

  test('a URL with a password is not echoed back when it does not parse', () => {
    expect(configError({ DATABASE_URL: 'postgres://user:s3cret@[bad' }).message).not.toContain('s3cret');
  });
});
