import { GraphQLError } from 'graphql';
import { newRequestId, type Context, type ContextDeps } from '../graphql/context';
import { AppError, cancelled, httpStatus, isUnexpected, readNotRecorded, type ErrorCode } from '../graphql/errors';
import { createContext } from '../modules/auth/context';
import { exportParts, exportRequest, writeExport } from '../modules/privacy/export.service';
import type { Logger } from '../config/logger';
import type { RateLimiter } from '../modules/rate-limits/rate-limiter';
import type { Request, Response, Router } from 'express';

/** What one download costs from the credential's rate-limit budget (a large GraphQL query costs about as much). */
export const EXPORT_COST = 100;
/** Pieces of the document are gathered up to this size before they are written to the socket. */
const WRITE_BUFFER_BYTES = 64 * 1024;

/**
 * The member export as a streamed download (this router is mounted at /exports): `GET /exports/me` (member tokens)
 * and `GET /exports/members/<id>` (ADMIN members; API keys with ADMIN + PERSONAL_DATA), the same document as `exportMyData` / `exportMemberData`,
 * written section by section while it is read in chunks, so an export of any size holds one chunk in memory.
 *
 * Two transactions: the first authenticates, authorizes, finds the member and commits the read-audit entry of an
 * admin's export — nothing is sent unless it committed; the second reads and streams, and rolls back (it wrote nothing).
 * Errors before the first byte are JSON GraphQL-style errors with the API's codes and statuses; a failure after it
 * cuts the connection, so the client never takes a truncated document for a whole one.
 */
export function mountExportRoutes(router: Router, deps: ContextDeps, rateLimiter: RateLimiter, logger: Logger): void {
  router.get('/me', (req, res) => void download(req, res, null));
  router.get('/members/:memberId', (req, res) => void download(req, res, String(req.params.memberId)));

  async function download(req: Request, res: Response, memberIdArgument: string | null): Promise<void> {
    const requestId = newRequestId(req.header('x-request-id'));
    res.setHeader('x-request-id', requestId);
    res.setHeader('cache-control', 'no-store');
    const authorization = req.header('authorization');
    let ctx: Context | undefined;
    try {
      // 1. Who, may they, which member; the admin export's read entry committed before anything is sent.
      ctx = await createContext(deps, { authorization, requestId });
      const { memberId, audience } = exportRequest(ctx, memberIdArgument);
      const budget = await rateLimiter.charge(ctx, EXPORT_COST);
      if (!budget.allowed) throw rateLimiter.refusal(budget);
      await exportParts(ctx, memberId, audience);
      if ((await ctx.tx.finish('commit')) !== 'committed') throw readNotRecorded();

      // 2. Read and stream, on a transaction of its own (the credential is checked again: it may have been revoked).
      ctx = await createContext(deps, { authorization, requestId });
      const streaming = ctx;
      exportRequest(streaming, memberIdArgument);
      await streaming.tx.useLongBudget();
      res.once('close', () => {
        if (!res.writableFinished) streaming.tx.abort(cancelled());
      });
      const document = await exportParts(streaming, memberId, audience);
      const day = new Date().toISOString().slice(0, 10);
      res.status(200);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="peer-networks-export-${day}.json"`);
      let buffered = '';
      const flush = async () => {
        if (buffered === '') return;
        const text = buffered;
        buffered = '';
        if (!res.write(text)) await new Promise<void>((resolve) => (res.destroyed ? resolve() : res.once('drain', resolve).once('close', resolve)));
        if (res.destroyed) throw cancelled();
      };
      await writeExport(document, async (text) => {
        buffered += text;
        if (buffered.length >= WRITE_BUFFER_BYTES) await flush();
      });
      await flush();
      res.end();
    } catch (err) {
      if (res.headersSent) {
        // Mid-document: cut the connection (the chunked body never ends), so no client keeps half a document.
        if (!(err instanceof AppError && err.code === 'TIMEOUT' && res.destroyed))
          logger.error('export stream failed', { requestId, error: (err as Error).message });
        res.destroy();
      } else {
        refuse(res, requestId, err, logger);
      }
    } finally {
      // Read-only from here (the first transaction committed or rolled back already): nothing to keep.
      await ctx?.tx.finish('rollback');
    }
  }
}

/** A refusal before the first byte, shaped like a GraphQL error response. */
function refuse(res: Response, requestId: string, err: unknown, logger: Logger): void {
  let error: GraphQLError;
  if (err instanceof AppError) error = err.toGraphQLError();
  else if (err instanceof GraphQLError) error = err;
  else error = new GraphQLError('Unexpected error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  if (isUnexpected(err) && !(err instanceof GraphQLError)) logger.error('export failed', { requestId, error: (err as Error).message });
  const code = (error.extensions.code as ErrorCode | undefined) ?? 'INTERNAL_SERVER_ERROR';
  const http = error.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
  const status = http?.status ?? httpStatus[code] ?? STATUS_OF[code] ?? 500;
  const retryAfter = error.extensions.retryAfter;
  if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter));
  const { http: _http, ...extensions } = error.extensions;
  res.status(status).json({ errors: [{ message: error.message, extensions: { ...extensions, ...(code === 'INTERNAL_SERVER_ERROR' && { requestId }) } }] });
}

/** Statuses for codes that GraphQL answers with 200 and field errors, but a download must answer by itself. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = { FORBIDDEN: 403, NOT_FOUND: 404, BAD_USER_INPUT: 400, INTERNAL_SERVER_ERROR: 500 };
