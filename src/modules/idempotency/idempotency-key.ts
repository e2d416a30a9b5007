import { createHash } from 'node:crypto';
import { badInput } from '../../graphql/errors';

/** The request header (Stripe's name; the IETF httpapi draft's too). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set to `true` on a response that is a replay of the first answer (Stripe's name). */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

export const MAX_KEY_LENGTH = 255;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The header's value as a key: 1–255 printable ASCII characters, otherwise BAD_USER_INPUT naming the header. */
export function parseIdempotencyKey(value: string): string {
  if (value.length < 1 || value.length > MAX_KEY_LENGTH || !PRINTABLE_ASCII.test(value)) {
    throw badInput(`Invalid ${IDEMPOTENCY_KEY_HEADER} header: it must be 1–${MAX_KEY_LENGTH} printable ASCII characters (e.g. a UUID)`);
  }
  return value;
}

/** JSON with object keys sorted at every level, so that `{a, b}` and `{b, a}` read the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What "the same request" means for a key: the operation text as sent, the operation name and the
 * variables (canonical JSON; none is the same as `{}`), as SHA-256 hex.
 */
export function requestHash(query: string, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): string {
  return createHash('sha256')
    .update(canonicalJson([query, operationName ?? null, variables ?? {}]))
    .digest('hex');
}
