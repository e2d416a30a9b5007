import { HeaderMap } from '@apollo/server';
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import type { Logger } from '../config/logger';
import type { ValidatorFn } from 'type-graphql';

/** The error codes of the public API (`extensions.code`). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'SERVER_BUSY'
  | 'TIMEOUT'
  | 'DOCUMENT_NOT_TRUSTED'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL_SERVER_ERROR';

/** One invalid input value: `path` starts at the argument name, e.g. `["input", "displayName"]`. */
export interface FieldError {
  path: Array<string | number>;
  message: string;
}

/** The HTTP status of a response whose operation failed as a whole with this code (over POST /graphql). */
export const httpStatus: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  DOCUMENT_NOT_TRUSTED: 403,
  RATE_LIMITED: 429,
  SERVER_BUSY: 503,
  TIMEOUT: 503,
  // An operation refused as a whole before it ran, e.g. text no argument may carry (./input-text.ts).
  BAD_USER_INPUT: 400,
  // A request the HTTP layer refused before GraphQL saw it (src/http/protocol.ts).
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/**
 * An expected failure with a public code. Features throw these (through the helpers below);
 * `formatError` turns them into GraphQL errors. Anything else is unexpected and gets masked.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: FieldError[],
    /** Seconds after which a retry may succeed (HTTP `Retry-After`), for retryable codes. */
    readonly retryAfter?: number,
    /** Which check refused the request, where a code alone does not say (e.g. GRAPHQL_PARSE_FAILED over graphql-ws). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  /** For errors raised outside a resolver (authentication in the context function). */
  toGraphQLError(): GraphQLError {
    const status = httpStatus[this.code];
    const headers = this.retryAfter === undefined ? undefined : new HeaderMap([['retry-after', String(this.retryAfter)]]);
    return new GraphQLError(this.message, {
      extensions: {
        code: this.code,
        ...(this.fieldErrors && { fieldErrors: this.fieldErrors }),
        ...(this.retryAfter !== undefined && { retryAfter: this.retryAfter }),
        ...(this.reason !== undefined && { reason: this.reason }),
        ...(status && { http: { status, ...(headers && { headers }) } }),
      },
    });
  }
}

export const unauthenticated = (message = 'Missing or invalid credentials') => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed') => new AppError('FORBIDDEN', message);
/** Used both for IDs that do not exist and for other networks' IDs: the two must be indistinguishable. */
export const notFound = (what = 'Object') => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
/** No database connection within DB_ACQUIRE_TIMEOUT_MS (the network's share of the pool, or the pool, is busy). Retryable. */
export const serverBusy = () =>
  new AppError('SERVER_BUSY', 'The server is busy: no database connection became free in time. Nothing was done; retry shortly', undefined, 1);
/** The operation passed its deadline (REQUEST_TIMEOUT_MS, or a statement its statement timeout): rolled back. */
export const timedOut = (ms?: number) =>
  new AppError(
    'TIMEOUT',
    `The operation took longer than ${ms === undefined ? 'allowed' : `${ms} ms`} and was stopped; nothing was written. Ask for less (smaller pages, fewer fields) or retry later`,
  );
/** The client closed the connection before its operation ended: rolled back (nobody hears this answer). */
export const cancelled = () => new AppError('TIMEOUT', 'The client went away before the operation ended; it was rolled back');
/** An answer that read personal data whose read-audit entry could not be committed: withheld (no read without its record). */
export const readNotRecorded = () =>
  new AppError('INTERNAL_SERVER_ERROR', 'The answer reads personal data and its access could not be recorded, so it was withheld; retry shortly');
export const badInput = (message: string, fieldErrors?: FieldError[]) => new AppError('BAD_USER_INPUT', message, fieldErrors);
/** A document refused before it ran (graphql-ws): `reason` names the check, as Apollo's codes do over HTTP. */
export const documentRefused = (message: string, reason: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED' | 'OPERATION_RESOLUTION_FAILURE') =>
  new AppError('BAD_USER_INPUT', message, undefined, undefined, reason);
/** More operations open on one graphql-ws connection than WS_MAX_SUBSCRIPTIONS. */
export const tooManyOperations = (max: number) => new AppError('RATE_LIMITED', `At most ${max} operations may be open on one connection; complete some first`);
/** The server is stopping: it takes no new operation. */
export const shuttingDown = () => new AppError('SERVER_BUSY', 'The server is shutting down');
/** A single invalid argument, e.g. `invalidArgument('first', 'must be between 0 and 100')`. */
export const invalidArgument = (path: string | Array<string | number>, message: string) => {
  const p = Array.isArray(path) ? path : [path];
  return badInput(`Invalid value for ${p.join('.')}: ${message}`, [{ path: p, message }]);
};

function flattenValidationErrors(errors: ValidationError[], prefix: Array<string | number>): FieldError[] {
  return errors.flatMap((e) => {
    const path = [...prefix, /^\d+$/.test(e.property) ? Number(e.property) : e.property];
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], path)];
  });
}

/**
 * The argument a validated value came from. type-graphql passes neither the name nor the raw value
 * (it validates a class instance), so: an `@Args()` object spans the arguments (no prefix); otherwise
 * the one object-valued argument is it.
 */
function argumentName(value: object, args: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length > 0 && keys.every((k) => k in args)) return undefined;
  const objectArgs = Object.keys(args).filter((k) => args[k] !== null && typeof args[k] === 'object');
  return objectArgs.length === 1 ? objectArgs[0] : undefined;
}

const constrained = new WeakMap<object, boolean>();
/** Whether class-validator knows any rule for this class (or its bases); cached per class. */
function hasConstraints(target: object): boolean {
  let known = constrained.get(target);
  if (known === undefined) {
    known = target !== Object && getMetadataStorage().getTargetValidationMetadatas(target as never, '', true, false).length > 0;
    constrained.set(target, known);
  }
  return known;
}

/** type-graphql's argument validation, with class-validator, raising our BAD_USER_INPUT with fieldErrors. */
export const validateArgument: ValidatorFn = async (value, _type, { args }) => {
  if (value === null || typeof value !== 'object') return;
  // Most arguments (page sizes, cursors) declare no constraints: skip class-validator for them.
  if (!Array.isArray(value) && !hasConstraints(value.constructor)) return;
  const values = Array.isArray(value) ? value : [value];
  const argName = argumentName(value, args);
  const fieldErrors: FieldError[] = [];
  for (const [i, v] of values.entries()) {
    if (v === null || typeof v !== 'object') continue;
    const errors = await validate(v, { forbidUnknownValues: false, validationError: { target: false, value: false } });
    const prefix = [...(argName ? [argName] : []), ...(Array.isArray(value) ? [i] : [])];
    fieldErrors.push(...flattenValidationErrors(errors, prefix));
  }
  if (fieldErrors.length) {
    throw badInput(`Invalid input: ${fieldErrors.map((f) => f.message).join('; ')}`, fieldErrors);
  }
};

const knownCodes = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'QUERY_TOO_COMPLEX',
  'SERVER_BUSY',
  'TIMEOUT',
  'DOCUMENT_NOT_TRUSTED',
]);
/**
 * Apollo's own codes for the client's request (bad query text, unknown field, bad variables, unknown persisted
 * query, malformed request…): kept as they are, never logged. Derived from Apollo's enum, so new ones are known.
 */
const apolloClientCodes = new Set<string>(Object.values(ApolloServerErrorCode).filter((c) => c !== ApolloServerErrorCode.INTERNAL_SERVER_ERROR));

/** graphql-js stops coercing variables after 50 invalid values with this error, which has no code of its own. */
const TOO_MANY_VARIABLE_ERRORS = 'Too many errors processing variables';

/**
 * The code of a GraphQL error raised by graphql-js or Apollo about the client's request, when it carries none:
 * graphql-js's variable-coercion limit, and Apollo's request errors raised with an HTTP 4xx status but no code
 * ("provided sha does not match query", an unsupported persisted query version). Errors from resolvers are
 * not request errors: they carry an original error.
 */
export function requestErrorCode(error: GraphQLError): ErrorCode | undefined {
  if (error.extensions?.code !== undefined || error.originalError) return undefined;
  if (error.message.startsWith(TOO_MANY_VARIABLE_ERRORS)) return 'BAD_USER_INPUT';
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  return status !== undefined && status >= 400 && status < 500 ? 'BAD_REQUEST' : undefined;
}

/** True when the error is not one of ours or the client's: it is logged and, in production, masked. */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return false;
  if (original instanceof QueryFailedError && pgCodeToAppError(original)) return false;
  if (original instanceof GraphQLError) {
    const code = String(original.extensions?.code ?? '');
    return !(knownCodes.has(code) || apolloClientCodes.has(code) || requestErrorCode(original));
  }
  return true;
}

/**
 * THE log line of an unexpected error (HTTP and graphql-ws alike): with the request id, so a client's report of
 * an INTERNAL_SERVER_ERROR finds its stack. Expected errors (ours, the client's) are not logged.
 */
export function logUnexpected(
  logger: Logger,
  errors: readonly GraphQLError[] | undefined,
  where: { requestId: string; operationName?: string | null; operationId?: string },
): void {
  for (const error of errors ?? []) {
    if (!isUnexpected(error)) continue;
    const original = error.originalError ?? error;
    logger.error('unexpected error', { ...where, path: error.path, error: original.message, stack: original.stack });
  }
}

/**
 * PostgreSQL's verdict on a value the client sent (SQLSTATE class 22, "data exception"), for values that got past
 * the checks before execution (./input-text.ts rejects NUL and lone surrogates in every string argument).
 * Nothing was written: the mutation's transaction or savepoint rolls back as for any failed field.
 */
const DATA_EXCEPTIONS: Record<string, string> = {
  // character_not_in_repertoire: a NUL character, or bytes that are not UTF-8.
  '22021': 'Text values may not contain the NUL character (\\u0000) or invalid characters',
  '22P05': 'Text values may not contain the NUL character (\\u0000) or invalid characters',
  '22001': 'A text value is longer than allowed',
  '22003': 'A number is out of the allowed range',
  '22008': 'A date or time is out of the allowed range',
  '22007': 'A date or time is malformed',
  // invalid_text_representation, e.g. "invalid input syntax for type json" from a lone UTF-16 surrogate.
  '22P02': 'A value is malformed (for example text with a lone UTF-16 surrogate)',
};

function pgCodeToAppError(err: QueryFailedError): AppError | undefined {
  const code = (err.driverError as { code?: string } | undefined)?.code;
  if (code === '23505') return conflict('An object with these values already exists');
  if (code !== undefined && code in DATA_EXCEPTIONS) return badInput(DATA_EXCEPTIONS[code]);
  // query_canceled: the statement timeout, or our cancel request after the deadline.
  if (code === '57014') return timedOut();
  return undefined;
}

/**
 * The one error mapper (Apollo `formatError`): feature errors keep their code and fieldErrors;
 * unexpected errors become INTERNAL_SERVER_ERROR, with the message masked in production.
 */
export function createFormatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    const mapped = original instanceof QueryFailedError ? pgCodeToAppError(original) : undefined;
    const appError = original instanceof AppError ? original : mapped;
    if (appError) {
      return {
        ...base,
        message: appError.message,
        extensions: {
          code: appError.code,
          ...(appError.fieldErrors && { fieldErrors: appError.fieldErrors }),
          ...(appError.retryAfter !== undefined && { retryAfter: appError.retryAfter }),
          ...(appError.reason !== undefined && { reason: appError.reason }),
        },
      };
    }
    const code = String(formatted.extensions?.code ?? '');
    if (knownCodes.has(code)) return formatted;
    // The client's request: its code as Apollo names it (documented in the README), without a stack.
    if (apolloClientCodes.has(code)) return { ...base, extensions: { code } };
    const requestCode = original instanceof GraphQLError ? requestErrorCode(original) : undefined;
    if (requestCode) return { ...base, extensions: { code: requestCode } };
    return {
      ...base,
      message: production ? 'Internal server error' : formatted.message,
      extensions: {
        code: 'INTERNAL_SERVER_ERROR',
        ...(!production && formatted.extensions?.stacktrace ? { stacktrace: formatted.extensions.stacktrace } : {}),
      },
    };
  };
}
