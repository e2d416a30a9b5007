import type { Config } from './config';
import type { Logger } from './logger';

/**
 * Traces (OpenTelemetry), only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans of HTTP requests, GraphQL
 * operations (parse, validate, execute; no span per resolver, as the GraphQL instrumentation advises under Apollo)
 * and PostgreSQL statements, exported over OTLP/HTTP to `<endpoint>/v1/traces`. Unset, this file and the SDK are
 * never loaded: tracing costs nothing.
 *
 * Must start before the app's modules are loaded (src/main.ts loads them afterwards): the instrumentations patch
 * `http`, `pg` and `graphql` as they are required. The SDK reads the standard OTEL_* variables for the rest
 * (sampling, batching, headers), as its documentation describes.
 */
export interface Tracing {
  stop(): Promise<void>;
}

/** A statement's text with each string literal replaced by `'?'`. */
export const withoutLiterals = (sql: string): string => sql.replace(/'(?:[^']|'')*'/g, "'?'");

export async function startTracing(config: Config, logger: Logger): Promise<Tracing | undefined> {
  const endpoint = config.otelExporterOtlpEndpoint;
  if (!endpoint) return undefined;
  const [{ NodeSDK }, { OTLPTraceExporter }, { HttpInstrumentation }, { GraphQLInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-graphql'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  const sdk = new NodeSDK({
    serviceName: config.otelServiceName,
    traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
    instrumentations: [
      // Health checks and scrapes are not worth a trace each.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? '') }),
      // Resolver spans off: one per field is what the instrumentation's docs warn against under Apollo Server.
      new GraphQLInstrumentation({ ignoreResolveSpans: true, mergeItems: true }),
      // No statement parameters in spans (they hold the values of requests), nor the literals of a statement's text
      // (the transaction's settings carry the network id and an API key's hash as literals).
      new PgInstrumentation({
        enhancedDatabaseReporting: false,
        requestHook: (span, { query }) => span.setAttribute('db.query.text', withoutLiterals(query.text)),
      }),
    ],
  });
  sdk.start();
  logger.info('tracing on', { endpoint: new URL(endpoint).origin });
  return { stop: () => sdk.shutdown() };
}
