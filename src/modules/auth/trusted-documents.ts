import { createHash } from 'node:crypto';
import { parse } from 'graphql';
import { queryRows } from '../../db/sql';
import { AppError, invalidArgument, type FieldError } from '../../graphql/errors';
import type { Scope } from '../../db/tenant';
import type { Context } from '../../graphql/context';
import type { Principal } from '../../graphql/principal';
import type { ApolloServerPlugin } from '@apollo/server';
import type { EntityManager } from 'typeorm';

/** The most documents one registration may carry, and the largest document (UTF-8 bytes). */
export const MAX_DOCUMENTS_PER_CALL = 500;
export const MAX_DOCUMENT_BYTES = 102_400;

/** The SHA-256 (hex) of a document's exact text: the id of Apollo's persisted queries and persisted-query manifests. */
export const documentHash = (body: string): string => createHash('sha256').update(body, 'utf8').digest('hex');

/** A document to register: its text, and optionally the hash the client will send and a name (for people). */
export interface DocumentToRegister {
  body: string;
  hash?: string | null;
  name?: string | null;
}

/**
 * Registers documents for an API key (idempotent: a document already registered keeps its first name). Each
 * body must parse as GraphQL and, when a hash is given, hash to it; the whole call is refused otherwise.
 * Returns how many were new.
 */
export async function registerTrustedDocuments(scope: Scope, apiKeyId: string, documents: readonly DocumentToRegister[]): Promise<number> {
  const { manager, networkId } = scope;
  if (documents.length > MAX_DOCUMENTS_PER_CALL) throw invalidArgument('documents', `at most ${MAX_DOCUMENTS_PER_CALL} per call`);
  const fieldErrors: FieldError[] = [];
  const rows = documents.map((d, i) => {
    const hash = documentHash(d.body);
    if (Buffer.byteLength(d.body, 'utf8') > MAX_DOCUMENT_BYTES)
      fieldErrors.push({ path: ['documents', i, 'body'], message: `must be at most ${MAX_DOCUMENT_BYTES} bytes` });
    else {
      try {
        parse(d.body);
      } catch (err) {
        fieldErrors.push({ path: ['documents', i, 'body'], message: `is not a GraphQL document: ${(err as Error).message}` });
      }
    }
    if (d.hash != null && d.hash.toLowerCase() !== hash) fieldErrors.push({ path: ['documents', i, 'hash'], message: 'is not the SHA-256 of the body' });
    return { hash, body: d.body, name: d.name ?? null };
  });
  if (fieldErrors.length)
    throw new AppError('BAD_USER_INPUT', `Invalid documents: ${fieldErrors.map((f) => `${f.path.join('.')} ${f.message}`).join('; ')}`, fieldErrors);
  if (rows.length === 0) return 0;
  const inserted = await queryRows<unknown>(
    manager,
    `INSERT INTO trusted_documents (network_id, api_key_id, hash, body, name)
     SELECT $1, $2, d.hash, d.body, d.name FROM jsonb_to_recordset($3::jsonb) AS d(hash text, body text, name text)
     ON CONFLICT DO NOTHING RETURNING hash`,
    [networkId, apiKeyId, JSON.stringify(rows)],
  );
  return inserted.length;
}

/** How many documents are registered for each key (one statement for a list of keys). */
export async function countTrustedDocuments(scope: Scope, apiKeyIds: readonly string[]): Promise<Map<string, number>> {
  const { manager, networkId } = scope;
  const rows = await queryRows<{ api_key_id: string; n: number }>(
    manager,
    `SELECT api_key_id, count(*)::int AS n FROM trusted_documents WHERE network_id = $1 AND api_key_id = ANY($2::uuid[]) GROUP BY api_key_id`,
    [networkId, apiKeyIds],
  );
  return new Map(rows.map((r) => [r.api_key_id, r.n]));
}

/** The API key whose registered documents a caller may use by hash alone: its own key, or the key that issued its token. */
const documentsKeyOf = (p: Principal): string | undefined => (p.kind === 'API_KEY' ? p.apiKeyId : p.issuerKeyId);

export const documentNotTrusted = () =>
  new AppError('DOCUMENT_NOT_TRUSTED', 'This credential may run only the documents registered for its API key (trusted documents); this one is not registered');

/**
 * Resolves the document of a request before it is parsed, for HTTP and WebSocket alike:
 *
 * - only a hash (Apollo's persisted-query protocol): the text registered under that hash for the caller's key
 *   (or its token's issuing key), if any; otherwise undefined (the caller answers PERSISTED_QUERY_NOT_FOUND, and
 *   Apollo's client then sends the text);
 * - a caller bound to trusted documents (`trustedDocumentsOf`) may run a text only when its hash is registered for
 *   that key: otherwise DOCUMENT_NOT_TRUSTED, before the text is even parsed.
 *
 * Returns the text to run (or undefined when only an unknown hash was sent).
 */
export async function resolveDocument(
  manager: EntityManager,
  networkId: string,
  principal: Principal,
  request: { query?: string | null; hash?: string | null },
): Promise<string | undefined> {
  const bound = principal.trustedDocumentsOf;
  const keyId = bound ?? documentsKeyOf(principal);
  const query = request.query ?? undefined;
  if (query === undefined && !request.hash) return undefined;
  const hash = query !== undefined ? documentHash(query) : request.hash!.toLowerCase();
  if (query !== undefined && !bound) return query; // nothing to look up
  if (!keyId || !/^[0-9a-f]{64}$/.test(hash)) {
    if (bound) throw documentNotTrusted();
    return undefined;
  }
  const rows = await queryRows<{ body: string }>(manager, `SELECT body FROM trusted_documents WHERE network_id = $1 AND api_key_id = $2 AND hash = $3`, [
    networkId,
    keyId,
    hash,
  ]);
  if (rows[0]) return rows[0].body;
  if (bound && query !== undefined) throw documentNotTrusted();
  return undefined;
}

/** What an untrusted request runs instead of its text, so that the text is never parsed (see the plugin). */
const REFUSED_PLACEHOLDER = '{ __typename }';

/**
 * Trusted documents and registered hashes over HTTP. Runs when the request starts, before Apollo looks the
 * document up (persisted queries) or parses it: a registered hash becomes its text (as a plain request, so that
 * Apollo's shared persisted-query cache never learns another key's documents); a caller bound to trusted documents
 * with an unregistered text is refused (DOCUMENT_NOT_TRUSTED, HTTP 403) without its text being parsed. Other
 * callers sending a text pay nothing (no lookup).
 *
 * Apollo turns an error thrown by `requestDidStart` into a masked 500, so a refusal swaps the text for a
 * placeholder and throws once the operation is resolved, where errors keep their code and status.
 */
export function trustedDocumentsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request, contextValue: ctx }) {
      const persisted = request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
      const hash = typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
      if (!ctx.principal.trustedDocumentsOf && (request.query !== undefined || hash === undefined)) return;
      let refusal: AppError | undefined;
      try {
        const text = await resolveDocument(ctx.manager, ctx.networkId, ctx.principal, { query: request.query, hash });
        if (text === undefined) return; // an unknown hash: Apollo answers PERSISTED_QUERY_NOT_FOUND
        request.query = text;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        refusal = err;
        request.query = REFUSED_PLACEHOLDER;
      }
      const { persistedQuery: _resolved, ...extensions } = request.extensions ?? {};
      request.extensions = extensions;
      if (!refusal) return;
      const refused = refusal;
      return {
        async didResolveOperation() {
          throw refused.toGraphQLError();
        },
      };
    },
  };
}
