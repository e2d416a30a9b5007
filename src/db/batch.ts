import { escapeLiteral } from 'pg';

/**
 * Statement batching: SELECTs that a request's loaders issue at the same moment (e.g. a group page's member
 * count, upcoming sessions and past sessions, each one DataLoader batch) travel to PostgreSQL in ONE round trip,
 * as one simple-protocol Query holding several statements, instead of one round trip each. The statements stay
 * what they were; only their parameters are written into the text as quoted literals, which PostgreSQL types
 * from their context exactly as it types an untyped parameter (pg sends parameters as untyped text too).
 *
 * Why: on the benchmark machine each round trip costs the server ~0.2 ms of its event loop in socket writes and
 * reads alone, more than most resolvers; the number of round trips, not of statements, limits throughput.
 * Why our own: pg 8 has no pipeline mode, and TypeORM none either.
 */

/** Parameter values that can be written as literals: what the app passes (uuids, text, numbers, booleans, dates, arrays of those). */
type Plain = string | number | boolean | Date | null | undefined;

function isPlain(v: unknown): v is Plain {
  return v == null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || (v instanceof Date && !Number.isNaN(v.getTime()));
}

function isBatchableValue(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isPlain(x) && !Array.isArray(x) && (typeof x !== 'number' || Number.isFinite(x)));
  return isPlain(v);
}

/** A statement that may share a round trip: a read (SELECT/WITH … SELECT), text the scanner below fully understands, plain values. */
export function isBatchable(sql: string, values: readonly unknown[] | undefined): boolean {
  if (!/^\s*(SELECT|WITH)\b/i.test(sql)) return false;
  if (/\b(INSERT|UPDATE|DELETE|MERGE)\b|FOR\s+(UPDATE|SHARE|NO KEY|KEY)/i.test(sql)) return false;
  // Dollar quotes, escape strings and semicolons are left to the extended protocol.
  if (sql.includes('$$') || sql.includes('\\') || sql.includes(';') || /\bE'/i.test(sql)) return false;
  return (values ?? []).every(isBatchableValue);
}

/** An array parameter as an array literal's text, as pg's prepareValue writes it. */
function arrayText(items: unknown[]): string {
  return `{${items.map((x) => (x == null ? 'NULL' : `"${scalarText(x).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

function scalarText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** One value as a SQL literal: NULL, or a quoted (untyped) literal of its text. */
export function literal(v: unknown): string {
  if (v == null) return 'NULL';
  return escapeLiteral(Array.isArray(v) ? arrayText(v) : scalarText(v));
}

/**
 * The statement with `$n` replaced by the literal of `values[n - 1]`, outside quoted literals, quoted
 * identifiers and comments (the statement passed isBatchable).
 */
export function inlineParameters(sql: string, values: readonly unknown[]): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j += 1;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j])) j += 1;
      const n = Number(sql.slice(i + 1, j));
      if (n < 1 || n > values.length) throw new Error(`inlineParameters: no value for $${n}`);
      out += literal(values[n - 1]);
      i = j;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}
