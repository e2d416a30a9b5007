import { isUtf8 } from 'node:buffer';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import Negotiator from 'negotiator';
import { httpStatus, requestErrorCode, type ErrorCode } from '../graphql/errors';
import type { Logger } from '../config/logger';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { IncomingMessage } from 'node:http';

/**
 * GraphQL over HTTP at the edge of /graphql: which request bodies are read, how a refused body is answered
 * (a JSON GraphQL error with a code and status, never Express's HTML page), and the status of a failed
 * document under the legacy `application/json` media type. Checked by the graphql-http audit (test/edge).
 */

const APPLICATION_JSON = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';

/** The media type Apollo answers in for this Accept header: its own rule (no header: JSON), with the same library. */
function responseMediaType(accept: string | undefined): string {
  if (!accept) return APPLICATION_JSON;
  return new Negotiator({ headers: { accept } }).mediaType([APPLICATION_JSON, GRAPHQL_RESPONSE_JSON]) ?? APPLICATION_JSON;
}

/** An error answered by the HTTP layer, before or around GraphQL; the status comes from the one table. */
function sendError(req: IncomingMessage, res: Response, code: ErrorCode, message: string): void {
  // For the access line (./observe.ts).
  res.locals.errorCode = code;
  res
    .status(httpStatus[code] ?? 500)
    .type(responseMediaType(req.headers.accept))
    .send(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** A body-parser error with its documented `type`, or one of ours from `verifyUtf8`. */
type BodyError = Error & { type?: string; status?: number; limit?: number };

const bodyError = (message: string, type: string, status: number): BodyError => Object.assign(new Error(message), { type, status });

/**
 * Only UTF-8 (the GraphQL over HTTP spec's encoding): another declared charset is 415, bytes that are not
 * UTF-8 are 400 (the decoder would otherwise replace them silently). body-parser calls this on the raw body.
 */
function verifyUtf8(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding !== 'utf-8' && encoding !== 'utf8') {
    throw bodyError(`Unsupported charset "${encoding}": send the body in UTF-8`, 'charset.unsupported', 415);
  }
  if (!isUtf8(body)) throw bodyError('The request body is not valid UTF-8', 'entity.invalid.utf8', 400);
}

/**
 * The body of POST /graphql: `application/json` in UTF-8, at most `limit`. Any other media type is 415
 * before reading (a POST without a body is left to Apollo, which answers 400).
 */
export function graphqlBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, res, next) => {
    if (req.method !== 'POST' || req.is('application/json') !== false) return next();
    sendError(req, res, 'UNSUPPORTED_MEDIA_TYPE', 'POST /graphql takes a JSON body: send Content-Type: application/json');
  };
  return [requireJson, express.json({ limit, verify: verifyUtf8 })];
}

/** body-parser's failures (by their documented `type`) as our codes; the message is ours, without internals. */
const BODY_ERRORS: Record<string, { code: ErrorCode; message: (err: BodyError) => string }> = {
  'entity.parse.failed': { code: 'BAD_REQUEST', message: () => 'The request body is not valid JSON' },
  'entity.invalid.utf8': { code: 'BAD_REQUEST', message: (err) => err.message },
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', message: (err) => `The request body is larger than ${err.limit ?? 'allowed'} bytes` },
  'charset.unsupported': {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: () => 'Only UTF-8 request bodies are accepted: send Content-Type: application/json (or charset=utf-8)',
  },
  'encoding.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'Unsupported Content-Encoding: send identity, gzip, deflate or br' },
  'request.size.invalid': { code: 'BAD_REQUEST', message: () => 'The request body does not match its Content-Length' },
  'request.aborted': { code: 'BAD_REQUEST', message: () => 'The request body ended early' },
};

/**
 * Errors of the /graphql middleware chain as JSON GraphQL errors: body-parser's by type, other 4xx as
 * BAD_REQUEST, anything else a logged INTERNAL_SERVER_ERROR.
 */
export function graphqlErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: BodyError, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = err.type ? BODY_ERRORS[err.type] : undefined;
    if (known) return sendError(req, res, known.code, known.message(err));
    if (err.status !== undefined && err.status >= 400 && err.status < 500) return sendError(req, res, 'BAD_REQUEST', 'The request could not be read');
    logger.error('unexpected error', { path: req.path, error: err.message, stack: err.stack });
    sendError(req, res, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}

/** The codes of a document or variables that failed the standard steps (parse, validate, coerce) or our text check. */
const DOCUMENT_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * An error of the document or its variables: raised before any field ran (no path), by parsing, validation,
 * variable coercion (with graphql-js's error limit) or the text check. Refusals of the request by plugins
 * (limits, rate limits, an invalid Idempotency-Key header) have other codes or answer without this hook.
 */
const isDocumentError = (error: GraphQLError) => !error.path && DOCUMENT_CODES.has(String(error.extensions?.code ?? requestErrorCode(error)));

/**
 * Under the legacy `application/json` media type, the GraphQL over HTTP spec asks for 200 when the document
 * fails to parse or validate or the variables fail coercion (clients read the errors from the body); Apollo
 * answers 400, which stays for `application/graphql-response+json`. Other refusals keep their status.
 */
export function legacyJsonStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      let documentFailed = false;
      return {
        async didEncounterErrors({ errors }) {
          documentFailed = errors.length > 0 && errors.every(isDocumentError);
        },
        async willSendResponse({ request, response }) {
          if (!documentFailed || response.http.status !== 400) return;
          if (responseMediaType(request.http?.headers.get('accept')) === APPLICATION_JSON) response.http.status = 200;
        },
      };
    },
  };
}
