import { Client } from 'pg';
import { claimDue, dueNetworks, payloadOf, purgeDeliveries, recordOutcome, recordSuccesses, webhookId, type ClaimedDelivery } from './webhook.outbox';
import { sendMessage, type SendOutcome } from './webhook.send';
import type { Config } from '../../config/config';
import type { Logger } from '../../config/logger';
import type { Metrics } from '../../config/metrics';
import type { WebhookSecrets } from './webhook.secrets';
import type { DataSource } from 'typeorm';

/** The settings the dispatcher reads (a subset of Config). */
export type DispatcherConfig = Pick<
  Config,
  | 'databaseUrl'
  | 'databaseListenUrl'
  | 'webhookDispatchIntervalMs'
  | 'webhookConcurrency'
  | 'webhookEndpointConcurrency'
  | 'webhookTimeoutMs'
  | 'webhookRetryBaseMs'
  | 'webhookRetryMaxDelayMs'
  | 'webhookMaxAgeMs'
  | 'webhookRetentionDays'
  | 'webhookAllowHttpLoopback'
>;

export interface WebhookDispatcher {
  /** Looks for due deliveries now (tests; new events wake it by themselves through NOTIFY). */
  wake(): void;
  /** Deliveries this process has in flight. */
  readonly inFlight: number;
  /** Stops claiming, waits for the requests in flight (each bounded by the timeout) and their outcomes. */
  stop(): Promise<void>;
}

/** The channel `app_webhook_emit` notifies at commit. */
const CHANNEL = 'webhook_outbox';
const PURGE_INTERVAL_MS = 3_600_000;
const LISTEN_RETRY_MS = 5_000;

/**
 * The webhook dispatcher of one process (`options.networks`: only those networks' deliveries, for tests sharing a database). Claims due deliveries network by network in short transactions
 * (SKIP LOCKED: several processes share the work, never sending one delivery at once), sends each outside any
 * transaction (no connection is held while a receiver thinks), records the outcome in another short
 * transaction. At most `webhookConcurrency` requests in flight, and `webhookEndpointConcurrency` per endpoint,
 * so a slow endpoint only ever waits on itself. Runs every `webhookDispatchIntervalMs`, and at once when a
 * transaction that emitted events commits (LISTEN/NOTIFY on PostgreSQL) or a request finishes.
 */
export function startWebhookDispatcher(
  dataSource: DataSource,
  logger: Logger,
  config: DispatcherConfig,
  secrets: WebhookSecrets,
  options: { networks?: readonly string[]; /** Counts delivery attempts by outcome (METRICS_*). */ metrics?: Metrics } = {},
): WebhookDispatcher {
  if (config.webhookDispatchIntervalMs <= 0) return { wake: () => undefined, inFlight: 0, stop: () => Promise.resolve() };
  const policy = { allowLoopback: config.webhookAllowHttpLoopback };
  // A lease outlives the request's timeout: the outcome is recorded before another process may claim it again.
  const leaseMs = config.webhookTimeoutMs * 2 + 5_000;
  const perEndpoint = new Map<string, number>();
  const sending = new Set<Promise<void>>();
  let inFlight = 0;
  let stopped = false;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let listener: Client | undefined;
  let listenTriedAt = 0;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  };
  // Wakes within a millisecond or two: answers arriving together lead to one claim pass, not one each.
  let waking = false;
  const wake = () => {
    if (stopped) return;
    if (running) again = true;
    else if (!waking) {
      waking = true;
      clearTimeout(timer);
      timer = setTimeout(() => {
        waking = false;
        void tick();
      }, 2);
      timer.unref();
    }
  };

  async function listen(): Promise<void> {
    // The embedded database (no DATABASE_URL) serves no notifications: polling alone there.
    if (listener || !config.databaseUrl || Date.now() - listenTriedAt < LISTEN_RETRY_MS) return;
    listenTriedAt = Date.now();
    // Its own session: through a transaction-pooling proxy LISTEN would be lost (DATABASE_LISTEN_URL then goes around it).
    const client = new Client({ connectionString: config.databaseListenUrl ?? config.databaseUrl, application_name: 'peer-networks-webhooks' });
    client.on('notification', wake);
    client.on('error', (err) => {
      logger.warn('webhook listener lost; polling until it reconnects', { error: err.message });
      if (listener === client) listener = undefined;
      void client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (stopped) await client.end();
      else listener = client;
    } catch (err) {
      logger.warn('webhook listener could not start; polling', { error: (err as Error).message });
      await client.end().catch(() => undefined);
    }
  }

  const retry = { retryBaseMs: config.webhookRetryBaseMs, retryMaxDelayMs: config.webhookRetryMaxDelayMs, maxAgeMs: config.webhookMaxAgeMs };
  /** Successful attempts waiting to be recorded, written in batches (one transaction per network and batch). */
  let succeeded: Array<{ d: ClaimedDelivery; outcome: SendOutcome }> = [];
  let flushing: Promise<void> | undefined;
  /** Outcomes being recorded (stop waits for them). */
  const recording = new Set<Promise<void>>();

  const track = (work: Promise<void>, what: string, delivery: string) => {
    const tracked = work.catch((err: Error) => {
      // The lease runs out and the delivery is sent again: at least once.
      logger.error('webhook outcome not recorded', { what, delivery, error: err.message });
    });
    recording.add(tracked);
    void tracked.finally(() => recording.delete(tracked));
  };

  function flushSuccesses(): void {
    if (flushing || !succeeded.length) return;
    flushing = (async () => {
      while (succeeded.length) {
        const batch = succeeded;
        succeeded = [];
        const byNetwork = new Map<string, typeof batch>();
        for (const x of batch) byNetwork.set(x.d.network_id, [...(byNetwork.get(x.d.network_id) ?? []), x]);
        for (const [network, done] of byNetwork) {
          await recordSuccesses(dataSource, network, done).catch((err: Error) =>
            logger.error('webhook outcomes not recorded', { deliveries: done.length, error: err.message }),
          );
        }
      }
    })().finally(() => (flushing = undefined));
    track(flushing, 'successes', '');
  }

  async function attempt(d: ClaimedDelivery): Promise<SendOutcome> {
    try {
      const expired = d.previous_secret_expires_at && d.previous_secret_expires_at.getTime() <= Date.now();
      const sealed = d.previous_secret_sealed && !expired ? [d.secret_sealed, d.previous_secret_sealed] : [d.secret_sealed];
      const message = { id: webhookId(d.event_id), body: payloadOf(d), secrets: sealed.map((s) => secrets.open(s)) };
      return await sendMessage(d.url, message, { timeoutMs: config.webhookTimeoutMs, policy });
    } catch (err) {
      return { ok: false, statusCode: null, error: `Not sent (${(err as Error).message})`, retryAfterMs: null, durationMs: 0, at: new Date() };
    }
  }

  /** Sends one claimed delivery; its slot frees as soon as the answer is in (the row stays leased until recorded). */
  function send(d: ClaimedDelivery): void {
    inFlight += 1;
    perEndpoint.set(d.endpoint_id, (perEndpoint.get(d.endpoint_id) ?? 0) + 1);
    const work = attempt(d).then((outcome) => {
      inFlight -= 1;
      const n = perEndpoint.get(d.endpoint_id)! - 1;
      if (n > 0) perEndpoint.set(d.endpoint_id, n);
      else perEndpoint.delete(d.endpoint_id);
      options.metrics?.webhookDeliveries.inc({ outcome: outcome.ok ? 'delivered' : 'failed' });
      if (outcome.ok) {
        succeeded.push({ d, outcome });
        flushSuccesses();
      } else {
        track(recordOutcome(dataSource, d, outcome, retry), 'failure', d.id);
      }
      wake();
    });
    sending.add(work);
    void work.finally(() => sending.delete(work));
  }

  /** One pass: every network with due deliveries, as far as the free slots go. Answers how many were claimed. */
  async function claimPass(): Promise<number> {
    let claimed = 0;
    for (const network of await dueNetworks(dataSource, { networks: options.networks })) {
      const free = config.webhookConcurrency - inFlight;
      if (free <= 0 || stopped) break;
      const rows = await claimDue(dataSource, network, { limit: free, perEndpoint: config.webhookEndpointConcurrency, busy: perEndpoint, leaseMs });
      for (const d of rows) send(d);
      claimed += rows.length;
    }
    return claimed;
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    running = true;
    try {
      await listen();
      do {
        again = false;
        const claimed = await claimPass();
        // More may be due than one pass took: go on while slots are free.
        if (claimed > 0 && inFlight < config.webhookConcurrency) again = true;
      } while (again && !stopped);
    } catch (err) {
      logger.error('webhook dispatch failed', { error: (err as Error).message });
    } finally {
      running = false;
      if (!stopped) schedule(config.webhookDispatchIntervalMs);
    }
  }

  const purge = setInterval(() => {
    const before = new Date(Date.now() - config.webhookRetentionDays * 86_400_000);
    purgeDeliveries(dataSource, before, { networks: options.networks }).then(
      (n) => n && logger.info('webhook deliveries purged', { deliveries: n }),
      (err: Error) => logger.error('webhook purge failed', { error: err.message }),
    );
  }, PURGE_INTERVAL_MS);
  purge.unref();

  schedule(0);
  return {
    wake,
    get inFlight() {
      return inFlight;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(purge);
      while (running) await new Promise((r) => setTimeout(r, 10));
      await Promise.all([...sending]);
      while (recording.size) await Promise.all([...recording]);
      await listener?.end().catch(() => undefined);
      listener = undefined;
    },
  };
}
