import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** The validated configuration. Read once from the environment by `loadConfig`; nothing else reads `process.env`. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; undefined means: run the embedded PGlite database under `dataDir`. */
  readonly databaseUrl: string | undefined;
  /**
   * The schema owner's PostgreSQL URL, used only to run the migrations at start (then closed); undefined: DATABASE_URL's
   * role runs them. Lets the server's own role be a plain login role that can only become `peer_app`.
   */
  readonly databaseMigrationUrl: string | undefined;
  /**
   * The one session the webhook dispatcher LISTENs on for new events; undefined: DATABASE_URL. Behind a
   * transaction-pooling proxy, where LISTEN is silently lost, a direct connection (or a session-mode pool).
   */
  readonly databaseListenUrl: string | undefined;
  readonly dataDir: string;
  readonly tokenSecret: string;
  /** True when TOKEN_SECRET was not given and a random one was made for this process. */
  readonly tokenSecretGenerated: boolean;
  /** Redis for live updates across instances; undefined: in-process pub/sub (one instance). */
  readonly redisUrl: string | undefined;
  /**
   * Worker processes serving the port (node:cluster), to use every core of a machine; 1: this process serves.
   * More than 1 needs DATABASE_URL and REDIS_URL (live updates and rate-limit budgets go between them through Redis).
   */
  readonly workers: number;
  /**
   * Browser origins allowed to call the API (CORS): `*` (any) or exact origins such as `https://app.example`.
   * `*` is safe here because credentials travel in the `Authorization` header, never in cookies.
   */
  readonly corsOrigins: '*' | readonly string[];
  /** True when CORS_ORIGINS was not given (any origin; production warns at start-up). */
  readonly corsOriginsDefaulted: boolean;
  /** How long browsers may cache a preflight answer (`Access-Control-Max-Age`, seconds). */
  readonly corsMaxAgeSeconds: number;
  /** Prefix of this deployment's Redis channels (deployments or test runs sharing a Redis stay apart). */
  readonly redisPrefix: string;
  /** Operations (subscriptions included) one WebSocket connection may have open at once. */
  readonly wsMaxSubscriptions: number;
  /** Largest WebSocket message accepted, in bytes (larger: the socket closes with 1009). */
  readonly wsMaxMessageBytes: number;
  /** Slow consumer: bytes waiting in a socket's send buffer before it is closed (1013). */
  readonly wsMaxBufferedBytes: number;
  /** Slow consumer: events waiting for delivery per subscription before its socket is closed (1013). */
  readonly wsMaxQueuedEvents: number;
  /** WebSocket connections one credential may hold open on one instance (more: closed with 4403). */
  readonly wsMaxConnectionsPerCredential: number;
  /** Rate limits per credential (src/modules/rate-limits); off only for benchmarks or behind a gateway that limits. */
  readonly rateLimitsEnabled: boolean;
  /** Cost points a credential's bucket holds (the most it can spend at once); a network may have its own (CLI). */
  readonly rateLimitMax: number;
  /** Cost points restored to a bucket per second; a network may have its own (CLI). */
  readonly rateLimitRestoreRate: number;
  /** Requests one calendar feed token, or one client address for one network's meeting feed, may make per minute (0: no limit). */
  readonly feedsRateLimitPerMinute: number;
  /** The public base URL of the API (scheme, host, optional port and path prefix; no trailing slash), for feed URLs. */
  readonly publicUrl: string | undefined;
  readonly dbPoolMax: number;
  /** Most pooled connections one network's transactions may hold at once (fair sharing; ≤ dbPoolMax). */
  readonly dbMaxConnectionsPerNetwork: number;
  /** How long a request waits for a connection (its network's share, then the pool) before SERVER_BUSY. */
  readonly dbAcquireTimeoutMs: number;
  /** PostgreSQL statement_timeout of request statements (transaction-local). */
  readonly dbStatementTimeoutMs: number;
  /** PostgreSQL idle_in_transaction_session_timeout of request transactions (transaction-local backstop). */
  readonly dbIdleInTransactionTimeoutMs: number;
  /** A request's deadline: past it, its transaction is aborted, rolled back and it answers TIMEOUT. */
  readonly requestTimeoutMs: number;
  /** Deadline and statement timeout of operations reading evaluation aggregates (the longer budget). */
  readonly evaluationTimeoutMs: number;
  /** Prepare hot statements once per connection (off behind a transaction-pooling proxy such as PgBouncer). */
  readonly dbPreparedStatements: boolean;
  /** Send a request's reads that are issued together in one round trip (src/db/batch.ts). */
  readonly dbBatchReads: boolean;
  readonly seedDemo: boolean;
  /** Serve the GraphiQL explorer at `/` (on by default outside production; production: only with EXPLORER=true, and never with a key). */
  readonly explorer: boolean;
  /** How long an `Idempotency-Key` is remembered (hours); an older one counts as unused. */
  readonly idempotencyTtlHours: number;
  /** How often the retention purge runs (src/modules/retention), in ms; 0: never (e.g. when a separate process runs it). */
  readonly retentionPurgeIntervalMs: number;
  /** The networks (ids) the purge covers; absent: every network. For staged roll-outs, and tests sharing a database. */
  readonly retentionPurgeNetworks: readonly string[] | undefined;
  /** How often this process's webhook dispatcher looks for due deliveries (ms; it is also woken by new events); 0: no dispatcher here. */
  readonly webhookDispatchIntervalMs: number;
  /** Webhook requests this process has in flight at once, over all endpoints. */
  readonly webhookConcurrency: number;
  /** Webhook requests this process has in flight at once to one endpoint (a slow endpoint cannot take every slot). */
  readonly webhookEndpointConcurrency: number;
  /** How long a webhook request may take (connect to last byte of the answer's head) before it counts as failed. */
  readonly webhookTimeoutMs: number;
  /** First retry delay of a failed delivery (ms); doubling per attempt, with jitter, up to `webhookRetryMaxDelayMs`. */
  readonly webhookRetryBaseMs: number;
  /** Longest delay between two attempts (ms). */
  readonly webhookRetryMaxDelayMs: number;
  /** How long a delivery is retried (ms, about 3 days); an endpoint failing that long without a success is disabled. */
  readonly webhookMaxAgeMs: number;
  /** Days finished deliveries (and their events) are kept before the purge removes them. */
  readonly webhookRetentionDays: number;
  /** Allow endpoints on loopback addresses, over plain http too (development and tests; never in production). */
  readonly webhookAllowHttpLoopback: boolean;
  /** How long /readyz reports 503 before the server stops accepting connections on SIGTERM. */
  readonly shutdownDelayMs: number;
  /** How long in-flight requests get to finish after that. */
  readonly shutdownTimeoutMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Bearer token of `GET /metrics` on the API's port; undefined: not served there. */
  readonly metricsToken: string | undefined;
  /** A separate port serving `GET /metrics` (on `metricsHost`); undefined: none. Metrics are on when this or the token is set. */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  /** Operation names and document hashes (SHA-256, hex) that get their own `operation` label; every other operation is `other`. */
  readonly metricsOperations: readonly string[];
  /** OTLP endpoint of traces (OpenTelemetry); undefined: no tracing at all. */
  readonly otelExporterOtlpEndpoint: string | undefined;
  readonly otelServiceName: string;
}

/** A configuration problem; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL (${protocols.join(' or ')}), got something that does not parse`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function prefix(env: Env, name: string, fallback: string): string {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^[\w.:-]{1,64}$/.test(raw)) throw new ConfigError(name, `must be 1–64 letters, digits or . _ : -, got "${raw}"`);
  return raw;
}

/** A comma-separated list of exact origins (`scheme://host[:port]`), or `*` alone. */
function origins(env: Env, name: string): '*' | readonly string[] | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (items.includes('*')) {
    if (items.length > 1) throw new ConfigError(name, 'must be "*" alone or a list of origins, not both');
    return '*';
  }
  for (const item of items) {
    let origin: string | undefined;
    try {
      const parsed = new URL(item);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') origin = parsed.origin;
    } catch {
      origin = undefined;
    }
    // Browsers send the Origin header exactly in this form: a path, a trailing slash or a typo would never match.
    if (origin !== item) throw new ConfigError(name, `must list origins such as https://app.example.org (scheme, host, optional port; no path), got "${item}"`);
  }
  if (items.length === 0) throw new ConfigError(name, 'must be "*" or a comma-separated list of origins');
  return items;
}

/** A comma-separated list of UUIDs (e.g. network ids). */
function uuids(env: Env, name: string): readonly string[] | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter((id) => id !== '');
  const bad = items.find((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id));
  if (bad !== undefined || items.length === 0) throw new ConfigError(name, `must be a comma-separated list of network ids (UUIDs), got "${bad ?? raw}"`);
  return items;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** Reads and validates the environment. Throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: Env = process.env, randomSecret: () => string = defaultRandomSecret): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';

  let tokenSecret = str(env, 'TOKEN_SECRET');
  let tokenSecretGenerated = false;
  if (tokenSecret === undefined) {
    if (production) throw new ConfigError('TOKEN_SECRET', 'is required when NODE_ENV=production (at least 32 characters)');
    tokenSecret = randomSecret();
    tokenSecretGenerated = true;
  } else if (tokenSecret.length < 32) {
    throw new ConfigError('TOKEN_SECRET', 'must be at least 32 characters long');
  }

  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseMigrationUrl = url(env, 'DATABASE_MIGRATION_URL', ['postgres:', 'postgresql:']);
  const databaseListenUrl = url(env, 'DATABASE_LISTEN_URL', ['postgres:', 'postgresql:']);
  if (databaseMigrationUrl && !databaseUrl) throw new ConfigError('DATABASE_MIGRATION_URL', 'needs DATABASE_URL (the embedded database migrates itself)');
  if (databaseListenUrl && !databaseUrl) throw new ConfigError('DATABASE_LISTEN_URL', 'needs DATABASE_URL (the embedded database serves no notifications)');
  const dbPoolMax = int(env, 'DB_POOL_MAX', 10, 1, 500);
  const workers = int(env, 'WEB_CONCURRENCY', 1, 1, 64);
  if (workers > 1 && !str(env, 'DATABASE_URL'))
    throw new ConfigError('WEB_CONCURRENCY', 'more than 1 needs DATABASE_URL: the embedded database serves one process');
  if (workers > 1 && !str(env, 'REDIS_URL')) {
    throw new ConfigError('WEB_CONCURRENCY', 'more than 1 needs REDIS_URL: live updates and rate-limit budgets go between the worker processes through Redis');
  }
  const corsOrigins = origins(env, 'CORS_ORIGINS');
  return {
    env: nodeEnv,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    databaseUrl,
    databaseMigrationUrl,
    databaseListenUrl,
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? '.data'),
    tokenSecret,
    tokenSecretGenerated,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: prefix(env, 'REDIS_PREFIX', 'peer-networks:'),
    workers,
    corsOrigins: corsOrigins ?? '*',
    corsOriginsDefaulted: corsOrigins === undefined,
    // Chromium caps the preflight cache at 7,200 s (Firefox at 86,400): a longer default would not save more preflights.
    corsMaxAgeSeconds: int(env, 'CORS_MAX_AGE_SECONDS', 7_200, 0, 86_400),
    wsMaxSubscriptions: int(env, 'WS_MAX_SUBSCRIPTIONS', 100, 1, 10_000),
    wsMaxMessageBytes: int(env, 'WS_MAX_MESSAGE_BYTES', 65_536, 1_024, 16_777_216),
    wsMaxBufferedBytes: int(env, 'WS_MAX_BUFFERED_BYTES', 1_048_576, 1_024, 268_435_456),
    wsMaxQueuedEvents: int(env, 'WS_MAX_QUEUED_EVENTS', 1_000, 1, 1_000_000),
    wsMaxConnectionsPerCredential: int(env, 'WS_MAX_CONNECTIONS_PER_CREDENTIAL', 20, 1, 100_000),
    rateLimitsEnabled: bool(env, 'RATE_LIMITS_ENABLED', true),
    rateLimitMax: int(env, 'RATE_LIMIT_MAX', 50_000, 1, 1_000_000_000),
    rateLimitRestoreRate: int(env, 'RATE_LIMIT_RESTORE_RATE', 1_000, 1, 1_000_000_000),
    feedsRateLimitPerMinute: int(env, 'FEEDS_RATE_LIMIT_PER_MINUTE', 60, 0, 100_000),
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
    dbPoolMax,
    dbMaxConnectionsPerNetwork: int(env, 'DB_MAX_CONNECTIONS_PER_NETWORK', Math.ceil(dbPoolMax / 2), 1, dbPoolMax),
    dbAcquireTimeoutMs: int(env, 'DB_ACQUIRE_TIMEOUT_MS', 5_000, 1, 600_000),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 5_000, 1, 3_600_000),
    dbIdleInTransactionTimeoutMs: int(env, 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 15_000, 1, 3_600_000),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 10_000, 1, 3_600_000),
    evaluationTimeoutMs: int(env, 'EVALUATION_TIMEOUT_MS', 30_000, 1, 3_600_000),
    dbPreparedStatements: bool(env, 'DB_PREPARED_STATEMENTS', true),
    dbBatchReads: bool(env, 'DB_BATCH_READS', true),
    seedDemo: bool(env, 'SEED_DEMO', !production),
    explorer: bool(env, 'EXPLORER', !production),
    idempotencyTtlHours: int(env, 'IDEMPOTENCY_TTL_HOURS', 24, 1, 720),
    retentionPurgeIntervalMs: int(env, 'RETENTION_PURGE_INTERVAL_MS', 3_600_000, 0, 604_800_000),
    retentionPurgeNetworks: uuids(env, 'RETENTION_PURGE_NETWORKS'),
    webhookDispatchIntervalMs: int(env, 'WEBHOOK_DISPATCH_INTERVAL_MS', 1_000, 0, 3_600_000),
    webhookConcurrency: int(env, 'WEBHOOK_CONCURRENCY', 32, 1, 10_000),
    webhookEndpointConcurrency: int(env, 'WEBHOOK_ENDPOINT_CONCURRENCY', 4, 1, 1_000),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    webhookRetryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 30_000, 1, 3_600_000),
    webhookRetryMaxDelayMs: int(env, 'WEBHOOK_RETRY_MAX_DELAY_MS', 21_600_000, 1, 86_400_000),
    webhookMaxAgeMs: int(env, 'WEBHOOK_MAX_AGE_MS', 259_200_000, 1, 2_592_000_000),
    webhookRetentionDays: int(env, 'WEBHOOK_RETENTION_DAYS', 30, 1, 3_650),
    webhookAllowHttpLoopback: webhookLoopback(env, production),
    shutdownDelayMs: int(env, 'SHUTDOWN_DELAY_MS', 0, 0, 120_000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, nodeEnv === 'test' ? 'warn' : 'info'),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    metricsPort: str(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535),
    metricsHost: str(env, 'METRICS_HOST') ?? '127.0.0.1',
    metricsOperations: operationNames(env, 'METRICS_OPERATIONS'),
    otelExporterOtlpEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
    otelServiceName: str(env, 'OTEL_SERVICE_NAME') ?? 'peer-networks-api',
  };
}

/** A bearer token: at least 32 characters, no whitespace. */
function secret(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  if (raw.length < 32 || /\s/.test(raw)) throw new ConfigError(name, 'must be at least 32 characters long, without spaces');
  return raw;
}

/** A comma-separated list of GraphQL operation names or document hashes (SHA-256, 64 hex digits). */
function operationNames(env: Env, name: string): readonly string[] {
  const raw = str(env, name);
  if (raw === undefined) return [];
  const items = raw
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '')
    .map((n) => (/^[0-9a-fA-F]{64}$/.test(n) ? n.toLowerCase() : n));
  const bad = items.find((n) => !/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(n) && !/^[0-9a-f]{64}$/.test(n));
  if (bad !== undefined) throw new ConfigError(name, `must list operation names or document hashes (SHA-256, hex), got "${bad}"`);
  if (items.length > 500) throw new ConfigError(name, `must list at most 500 operations, got ${items.length}`);
  return items;
}

/** WEBHOOK_ALLOW_HTTP_LOOPBACK: on by default outside production; refused in production (SSRF). */
function webhookLoopback(env: Env, production: boolean): boolean {
  const allowed = bool(env, 'WEBHOOK_ALLOW_HTTP_LOOPBACK', !production);
  if (allowed && production) throw new ConfigError('WEBHOOK_ALLOW_HTTP_LOOPBACK', 'must not be true when NODE_ENV=production');
  return allowed;
}

function defaultRandomSecret(): string {
  return randomBytes(48).toString('base64url');
}
