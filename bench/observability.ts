import fs from 'node:fs';
import { createLogger, type Logger } from '../src/config/logger';
import { runOverheadRounds, type OverheadHooks, type OverheadOptions, type OverheadReport } from './ratelimit';
import type { LoadJob } from './load';

/**
 * The cost of metrics and the access log (issue 19; scenario `home-observability`): the `home` load against servers
 * that differ only in them, in rounds of alternating order as `home-ratelimit` does (./ratelimit.ts):
 *
 * - `off`: LOG_LEVEL=warn (no access line), no METRICS_TOKEN / METRICS_PORT (no metrics object at all). Tracing is
 *   off here as in every other scenario: without OTEL_EXPORTER_OTLP_ENDPOINT its code is never loaded.
 * - `on`: LOG_LEVEL=info with one access line per operation, written to /dev/null (serialised and written as to a
 *   pipe: one synchronous write each), and METRICS_TOKEN set (histograms and counters on every operation; the
 *   scrape itself is not part of the load).
 */

export const OBSERVABILITY_VARIANTS = [
  { name: 'off', env: { LOG_LEVEL: 'warn', METRICS_TOKEN: undefined, METRICS_PORT: undefined } },
  { name: 'on', env: { LOG_LEVEL: 'info', METRICS_TOKEN: 'bench-metrics-token-of-32-characters-or-more', METRICS_PORT: undefined } },
];

/** The logger of a variant's server: its level, every line to /dev/null. */
export function benchLogger(env: Record<string, string | undefined>): Logger {
  const fd = fs.openSync('/dev/null', 'w');
  const sink = { write: (line: string) => fs.writeSync(fd, line) };
  return createLogger(env.LOG_LEVEL === 'info' ? 'info' : 'warn', { out: sink, err: sink });
}

export function runObservabilityOverhead(
  items: LoadJob['items'],
  opts: OverheadOptions,
  hooks: Omit<OverheadHooks, 'start'> & { start(env: Record<string, string | undefined>, logger: Logger): ReturnType<OverheadHooks['start']> },
): Promise<OverheadReport> {
  const start = (env: Record<string, string | undefined>) => hooks.start(env, benchLogger(env));
  return runOverheadRounds('home-observability', OBSERVABILITY_VARIANTS, items, opts, { ...hooks, start }, { rateLimitsActive: {}, runs: [], summary: [] });
}
