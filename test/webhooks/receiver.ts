import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { createLogger } from '../../src/config/logger';
import { startWebhookDispatcher, type WebhookDispatcher } from '../../src/modules/webhooks/webhook.dispatcher';
import { WebhookSecrets } from '../../src/modules/webhooks/webhook.secrets';
import type { TestApp } from '../helpers/app';
import type { AddressInfo } from 'node:net';

/**
 * Real HTTP receivers on 127.0.0.1 for the webhook tests, and an in-process dispatcher limited to the test's own
 * networks (test files share one database; another file's dispatcher must not deliver this file's events).
 */

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
}

/** What the receiver answers to its n-th request (0-based): a status, headers, and an optional delay first. */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };

export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves once `n` requests arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(answer: (n: number, req: Received) => Answer = () => ({ status: 204 })): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const n = received.length;
      received.push(r);
      waiters.forEach((w) => w());
      const a = answer(n, r);
      const reply = () => {
        res.writeHead(a.status, a.headers);
        res.end();
      };
      if (a.delayMs) setTimeout(reply, a.delayMs).unref();
      else reply();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    waitFor(n, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length >= n) {
            clearTimeout(timer);
            resolve(received.slice(0, n));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error(`receiver got ${received.length} of ${n} requests`)), timeoutMs);
        if (!check()) waiters.push(() => void check());
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The settings every webhook test app and instance uses: fast retries, short intervals, loopback allowed. */
export const FAST_WEBHOOKS = {
  WEBHOOK_DISPATCH_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_DELAY_MS: '400',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
};

/** A dispatcher in this process for these networks, with the app's configuration. */
export function dispatcherFor(app: TestApp, networks: string[]): WebhookDispatcher {
  const metrics = app.server.metrics;
  return startWebhookDispatcher(app.db.dataSource, createLogger('silent'), app.config, new WebhookSecrets(app.config.tokenSecret), { networks, metrics });
}

/** The payload, verified with the standardwebhooks library against the secret (throws when it does not verify). */
export function verified(secret: string, r: Received): { type: string; timestamp: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; timestamp: string; data: Record<string, unknown> };
}

/** Every key of a JSON value, at any depth. */
export function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

export const CREATE_ENDPOINT = `mutation($url: String!, $events: [WebhookEventType!]!, $description: String) {
  createWebhookEndpoint(url: $url, events: $events, description: $description) { secret endpoint { id url events description enabled disabledReason createdAt } }
}`;

export const DELIVERIES = `query($id: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $id, status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id webhookId eventType status attempts lastStatusCode lastError nextAttemptAt deliveredAt durationMs createdAt endpoint { id } }
  }
}`;

/** Waits until `check` returns a truthy value (polling every 25 ms, at most `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
