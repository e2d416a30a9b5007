import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus metrics (prom-client), one registry per server: every metric name is declared here, once.
 * Made only when metrics are on (METRICS_TOKEN or METRICS_PORT); the code that counts holds an optional `Metrics`.
 *
 * Labels are bounded by construction: an operation is labelled with its name or document hash only when the
 * operator listed it (METRICS_OPERATIONS), otherwise `other`; error codes are the API's codes; never a network, a
 * member, a variable or any other free text.
 */

/** The operation label of operations not on the allow-list (and of requests that named none). */
export const OTHER_OPERATION = 'other';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Transport = 'http' | 'websocket';
export type OperationType = 'query' | 'mutation' | 'subscription' | 'none';

export class Metrics {
  readonly registry = new Registry();
  private readonly allowed: ReadonlySet<string>;
  /** True when the allow-list holds document hashes (only then are documents hashed for the label). */
  readonly byHash: boolean;

  readonly operationDuration: Histogram<'transport' | 'type' | 'operation'>;
  readonly errors: Counter<'code'>;
  readonly rateLimitRefusals: Counter<'kind'>;
  readonly liveDelivery: Histogram;
  readonly webhookDeliveries: Counter<'outcome'>;

  /** `operations`: the allow-list of operation names and document hashes (SHA-256, hex) that get their own label. */
  constructor(operations: readonly string[] = []) {
    this.allowed = new Set(operations);
    this.byHash = operations.some(isDocumentHash);
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.operationDuration = new Histogram({
      name: 'peer_graphql_operation_duration_seconds',
      help: 'GraphQL operations from arrival to answer, by transport, operation type and operation (allow-listed name or document hash, else "other")',
      labelNames: ['transport', 'type', 'operation'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: 'peer_graphql_errors_total',
      help: 'GraphQL errors answered, by code (extensions.code)',
      labelNames: ['code'],
      registers,
    });
    this.rateLimitRefusals = new Counter({
      name: 'peer_rate_limit_refusals_total',
      help: 'Requests refused by rate limits: "operation" (GraphQL operations and exports, RATE_LIMITED) and "feed" (calendar and meeting feeds, 429)',
      labelNames: ['kind'],
      registers,
    });
    this.liveDelivery = new Histogram({
      name: 'peer_live_update_delivery_seconds',
      help: "Live updates: from an event's arrival on this instance to its result being handed to the subscriber's socket",
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'peer_webhook_deliveries_total',
      help: 'Webhook delivery attempts of this instance, by outcome ("delivered": a 2xx answer; "failed": anything else, retried later)',
      labelNames: ['outcome'],
      registers,
    });
  }

  /** A gauge read when scraped (nothing is counted on the request path). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The bounded operation label: the name or the document's hash if allow-listed, else `other`. */
  operationLabel(name: string | null | undefined, documentHash: string | undefined): string {
    if (name && this.allowed.has(name)) return name;
    if (this.byHash && documentHash && this.allowed.has(documentHash)) return documentHash;
    return OTHER_OPERATION;
  }

  /** Counts one operation: its duration, and each of its error codes. */
  observeOperation(transport: Transport, type: OperationType, operation: string, seconds: number, errorCodes: readonly string[]): void {
    this.operationDuration.observe({ transport, type, operation }, seconds);
    for (const code of errorCodes) this.errors.inc({ code: /^[A-Z_]{1,40}$/.test(code) ? code : 'OTHER' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

export const isDocumentHash = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);
