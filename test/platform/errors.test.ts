import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { AppError, createFormatError, isUnexpected } from '../../src/graphql/errors';

const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['x'] });
const formatted = (err: GraphQLError) => ({ ...err.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at secret.ts:1'] } });

test('production masks unexpected errors: no message, no stack, no SQL', () => {
  const err = wrap(new Error('relation "members" does not exist: SELECT * FROM members'));
  const out = createFormatError(true)(formatted(err), err);
  expect(out.message).toBe('Internal server error');
  expect(out.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  expect(isUnexpected(err)).toBe(true);
});

test('development keeps the message of unexpected errors for the developer', () => {
  const err = wrap(new Error('boom'));
  expect(createFormatError(false)(formatted(err), err).message).toBe('boom');
});

test('feature errors keep their code, message and fieldErrors, in production too', () => {
  const err = wrap(new AppError('BAD_USER_INPUT', 'Invalid input', [{ path: ['input', 'email'], message: 'bad' }]));
  const out = createFormatError(true)(formatted(err), err);
  expect(out).toMatchObject({ message: 'Invalid input', extensions: { code: 'BAD_USER_INPUT', fieldErrors: [{ path: ['input', 'email'], message: 'bad' }] } });
  expect(isUnexpected(err)).toBe(false);
});

test('a unique violation from PostgreSQL becomes CONFLICT without SQL details', () => {
  const driverError = Object.assign(new Error('duplicate key value violates unique constraint "members_network_email_key"'), { code: '23505' });
  const err = wrap(new QueryFailedError('INSERT INTO members …', [], driverError));
  const out = createFormatError(true)(formatted(err), err);
  expect(out.extensions).toEqual({ code: 'CONFLICT' });
  expect(out.message).not.toMatch(/members_network_email_key|INSERT/);
});

test("parse and validation failures are the client's input, with Apollo's code", () => {
  const err = new GraphQLError('Cannot query field "nope"', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  const out = createFormatError(true)({ message: err.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, err);
  expect(out.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  expect(isUnexpected(err)).toBe(false);
});

test("a NUL character PostgreSQL refuses to store is the client's input (BAD_USER_INPUT), not a server fault", () => {
  const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
  const err = wrap(new QueryFailedError('INSERT INTO members …', [], driverError));
  const out = createFormatError(true)(formatted(err), err);
  expect(out.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  expect(out.message).toMatch(/NUL/);
  expect(isUnexpected(err)).toBe(false);
});

test.each([
  ['22003', 'numeric field overflow'],
  ['22P02', 'invalid input syntax for type json'],
  ['22001', 'value too long for type character varying(100)'],
  ['22008', 'date/time field value out of range'],
])("PostgreSQL data exception %s (%s) is the client's input, without the SQL", (sqlState, message) => {
  const driverError = Object.assign(new Error(message), { code: sqlState });
  const err = wrap(new QueryFailedError('UPDATE sessions SET agenda = $1 …', [], driverError));
  const out = createFormatError(true)(formatted(err), err);
  expect(out.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  expect(out.message).not.toMatch(/sessions|UPDATE|varying/);
  expect(isUnexpected(err)).toBe(false);
});

test("Apollo's request codes are kept as they are and not logged (e.g. PERSISTED_QUERY_NOT_FOUND)", () => {
  for (const code of ['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE']) {
    const err = new GraphQLError('x', { extensions: { code } });
    expect(createFormatError(true)({ message: 'x', extensions: { code, stacktrace: ['at apollo'] } }, err).extensions).toEqual({ code });
    expect(isUnexpected(err)).toBe(false);
  }
});

test("Apollo's request errors without a code (HTTP 4xx) are BAD_REQUEST; graphql-js's variable error limit is BAD_USER_INPUT", () => {
  const mismatch = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400 } } });
  expect(createFormatError(true)({ message: mismatch.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, mismatch).extensions).toEqual({
    code: 'BAD_REQUEST',
  });
  expect(isUnexpected(mismatch)).toBe(false);
  const limit = new GraphQLError('Too many errors processing variables, error limit reached. Execution aborted.');
  expect(createFormatError(true)({ message: limit.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, limit).extensions).toEqual({
    code: 'BAD_USER_INPUT',
  });
  expect(isUnexpected(limit)).toBe(false);
  // A resolver's error carries its original error: not a request error, whatever its message.
  const resolverError = wrap(new Error('Too many errors processing variables'));
  expect(isUnexpected(resolverError)).toBe(true);
});
