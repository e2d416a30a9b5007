import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { checkUrlForm, guardedLookup, RefusedDestination, resolveAllowed, type AddressPolicy } from './webhook.address';

/** One signed POST: its message id, body and the secrets that sign it (current first; the previous during a rotation's grace). */
export interface SignedMessage {
  /** `webhook-id`: the same on every attempt (the receiver's idempotency key). */
  id: string;
  body: string;
  secrets: string[];
}

/** What one attempt came to. */
export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  /** Why it failed (null on success): never the response body. */
  error: string | null;
  /** The answer's `Retry-After`, in ms, when it had one. */
  retryAfterMs: number | null;
  durationMs: number;
  /** When the answer came (or the attempt ended). */
  at: Date;
}

const USER_AGENT = 'PeerNetworks-Webhooks/1';
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity }),
};

/** The `webhook-signature` header: one `v1,<base64>` per secret, space-separated (Standard Webhooks). */
export function signatureHeader(message: SignedMessage, at: Date): string {
  return message.secrets.map((secret) => new Webhook(secret).sign(message.id, at, message.body)).join(' ');
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * POSTs the message to the URL, signed, outside any database transaction. 2xx is success; anything else is a
 * failure (redirects are not followed: 3xx fails). The whole attempt (DNS, connect, TLS, the answer's head) is
 * bounded by `timeoutMs`; the answer's body is drained and discarded. Destinations are checked against the
 * address policy on the URL and on every address DNS gives, at each attempt.
 */
export async function sendMessage(rawUrl: string, message: SignedMessage, options: { timeoutMs: number; policy: AddressPolicy }): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string, statusCode: number | null = null, retryAfterMs: number | null = null): SendOutcome => ({
    ok: false,
    statusCode,
    error,
    retryAfterMs,
    durationMs: elapsed(),
    at: new Date(),
  });
  let url: URL;
  try {
    url = checkUrlForm(rawUrl, options.policy);
    // IP literals never reach `lookup`: checked here (names are checked by the lookup itself).
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (/^[\d.]+$|:/.test(host)) await resolveAllowed(host, options.policy);
  } catch (err) {
    return fail(err instanceof RefusedDestination ? `Refused: the URL ${err.message}` : String(err));
  }
  const at = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatureHeader(message, at),
    'content-length': String(Buffer.byteLength(message.body)),
  };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  try {
    return await new Promise<SendOutcome>((resolve) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: 'POST', headers, agent: agents[url.protocol as 'http:' | 'https:'], lookup: guardedLookup(options.policy), signal: abort.signal },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ ok: true, statusCode: status, error: null, retryAfterMs: null, durationMs: elapsed(), at: new Date() });
          else {
            const what = status >= 300 && status < 400 ? `Redirect (${status}) not followed` : `HTTP ${status}`;
            const retryAfter = res.headers['retry-after'];
            resolve(fail(what, status, parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)));
          }
        },
      );
      request.on('error', (err: Error & { code?: string; cause?: unknown }) => {
        if (abort.signal.aborted) resolve(fail(`Timed out after ${options.timeoutMs} ms`));
        else if (err instanceof RefusedDestination) resolve(fail(`Refused: the URL ${err.message}`));
        else resolve(fail(`Connection failed (${err.code ?? err.message})`));
      });
      request.end(message.body);
    });
  } finally {
    clearTimeout(timer);
  }
}
