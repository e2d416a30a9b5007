import pino from 'pino';

/**
 * The structured logger (pino): one JSON line per event, `debug`/`info` on stdout, `warn`/`error` on stderr.
 * Callers pass fields explicitly and only what an operator needs: ids, counts, codes, durations. Never a token, a
 * secret, a variable's value, a comment, a name, an email or a wellbeing value. Fields that would hold one by name
 * are redacted all the same (REDACTED_FIELDS), so a slip is censored rather than written.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Field names censored at the top of a line (an object under such a name goes whole): credentials, request headers
 * and bodies, GraphQL variables, and the personal values this API holds. Top-level paths only: pino's wildcard paths
 * (`*.x`) cost ~45 µs a line here, more than the rest of the line, and log calls pass flat fields.
 */
export const REDACTED_FIELDS = [
  'authorization',
  'token',
  'apiKey',
  'secret',
  'password',
  'headers',
  'body',
  'query',
  'variables',
  'email',
  'name',
  'displayName',
  'comment',
  'note',
  'score',
  'wellbeing',
] as const;

export const REDACTED = '[redacted]';

/** Where lines go: by default stdout (debug, info) and stderr (warn, error); tests may pass their own. */
export interface LogStreams {
  out: { write(line: string): unknown };
  err: { write(line: string): unknown };
}

export function createLogger(level: LogLevel, streams: LogStreams = { out: process.stdout, err: process.stderr }): Logger {
  const log = pino(
    {
      level,
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_FIELDS], censor: REDACTED },
    },
    // dedupe: each line goes to the one stream of the highest level it reaches (warn and error: stderr only).
    pino.multistream(
      [
        { level: 'debug', stream: streams.out },
        { level: 'warn', stream: streams.err },
      ],
      { dedupe: true },
    ),
  );
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}
