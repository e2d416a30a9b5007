import { invalidArgument } from './errors';

/**
 * Opaque global IDs: base64url of `<Type>:<uuid>`. Clients must treat them as opaque strings;
 * the type inside lets `node(id:)` route to the right loader.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

/** Decodes a global ID; undefined when it is not one of ours (callers answer NOT_FOUND or null). */
export function parseGlobalId(globalId: string): { type: string; id: string } | undefined {
  if (globalId.length > 200 || !/^[A-Za-z0-9_-]+$/.test(globalId)) return undefined;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep <= 0) return undefined;
  const type = decoded.slice(0, sep);
  const id = decoded.slice(sep + 1);
  if (!/^[A-Z][A-Za-z]+$/.test(type) || !UUID.test(id)) return undefined;
  return { type, id };
}

/**
 * The database id behind a global ID argument of an expected type: `arg` names the argument, or the path to
 * an ID inside an input (e.g. `['input', 'hostGroupIds', 0]`).
 * Malformed → BAD_USER_INPUT on that path; an ID of another type → undefined (callers say NOT_FOUND,
 * exactly as for an ID that does not exist or belongs to another network).
 */
export function idArgument(arg: string | Array<string | number>, globalId: string, type: string): string | undefined {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw invalidArgument(arg, 'is not a valid ID');
  return parsed.type === type ? parsed.id : undefined;
}
