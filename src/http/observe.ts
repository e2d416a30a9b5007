import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import express, { type RequestHandler, type Response } from 'express';
import { getOperationAST } from 'graphql';
import { newRequestId, type Context } from '../graphql/context';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { Metrics, OperationType, Transport } from '../config/metrics';
import type { TenantTransaction } from '../db/tenant';
import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { AddressInfo } from 'node:net';

/**
 * One access line and one observation per GraphQL operation, over HTTP and graphql-ws alike. The line is built from
 * named fields only — ids, the operation's type and name, the outcome, counts — so no credential, variable, document
 * text or personal value can reach it; the logger censors such field names too (src/config/logger.ts).
 *
 * `{"level":"info","time":…,"msg":"operation","requestId":…,"transport":"http","operationType":"query",
 *   "operationName":"Home","durationMs":12.4,"status":200,"errorCodes":[],"statements":7,"network":"<uuid>",
 *   "credential":"MEMBER"}`
 */

/** What is known of one operation as it runs; filled by the transport, the context and Apollo's hooks. */
export interface OperationRecord {
  readonly transport: Transport;
  readonly requestId: string;
  readonly startedAt: number;
  context?: Context;
  type?: OperationType;
  operationName?: string | null;
  documentHash?: string;
  errorCodes?: string[];
  /** Apollo's response, read when the answer has gone out (other plugins may still change it before). */
  response?: GraphQLResponse;
}

const MAX_NAME = 100;

/** The access log (LOG_LEVEL info or debug) and the operation metrics (when on); off both, it is never called. */
export class OperationLog {
  /** Records by their operation's transaction: Apollo hands its hooks a (shallow) copy of the context, with the same `tx`. */
  private readonly records = new WeakMap<TenantTransaction, OperationRecord>();

  constructor(
    private readonly logger: Logger,
    private readonly accessLog: boolean,
    readonly metrics: Metrics | undefined,
  ) {}

  get enabled(): boolean {
    return this.accessLog || this.metrics !== undefined;
  }

  start(transport: Transport, requestId: string): OperationRecord {
    return { transport, requestId, startedAt: performance.now() };
  }

  /** Ties the record to its operation's context, for Apollo's hooks (`plugin`). */
  attach(record: OperationRecord, context: Context): void {
    record.context = context;
    this.records.set(context.tx, record);
  }

  /** The operation ended (its answer was sent, or the client left): one line, one observation. */
  end(record: OperationRecord, status?: number): void {
    const seconds = (performance.now() - record.startedAt) / 1000;
    const body = record.response?.body.kind === 'single' ? record.response.body.singleResult : undefined;
    const errorCodes = record.errorCodes ?? body?.errors?.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')) ?? [];
    const type = record.type ?? 'none';
    this.metrics?.observeOperation(record.transport, type, this.metrics.operationLabel(record.operationName, record.documentHash), seconds, errorCodes);
    if (!this.accessLog) return;
    const ctx = record.context;
    this.logger.info('operation', {
      requestId: record.requestId,
      transport: record.transport,
      operationType: type,
      operationName: record.operationName?.slice(0, MAX_NAME) ?? null,
      durationMs: Math.round(seconds * 10_000) / 10,
      status,
      errorCodes,
      statements: ctx?.tx.statementCount ?? 0,
      network: ctx?.networkId ?? null,
      credential: ctx?.principal.kind ?? null,
    });
  }

  /** Express, before Apollo on /graphql: starts the record and ends it when the response has gone out. */
  middleware(): RequestHandler {
    return (_req, res, next) => {
      const record = this.start('http', requestIdOf(res));
      res.locals.operation = record;
      res.once('close', () => {
        // A refused body (src/http/protocol.ts) notes its code; a client that left before its answer: 499, as nginx says.
        if (!record.response && !record.errorCodes && typeof res.locals.errorCode === 'string') record.errorCodes = [res.locals.errorCode];
        this.end(record, res.writableFinished ? res.statusCode : 499);
      });
      next();
    };
  }

  /** Apollo: the operation's type, name and document hash, and its response. */
  plugin(): ApolloServerPlugin<Context> {
    const records = this.records;
    return {
      async requestDidStart({ contextValue }) {
        const record = records.get(contextValue.tx);
        if (!record) return;
        return {
          async willSendResponse({ operation, operationName, request, document, queryHash, response }) {
            // A document that failed validation was parsed: its operation still says what it was.
            const named = operation ?? (document && getOperationAST(document, request.operationName));
            record.type = named?.operation ?? 'none';
            record.operationName = operationName ?? request.operationName ?? named?.name?.value;
            record.documentHash = queryHash;
            record.response = response;
          },
        };
      },
    };
  }
}

/** Every /graphql request's id: the client's `x-request-id` if well-formed, else a new one; echoed in the response. */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const requestId = newRequestId(req.header('x-request-id'));
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    next();
  };
}

/** The request id of an HTTP request, set by `requestIds` before anything else. */
export const requestIdOf = (res: Response): string => res.locals.requestId as string;

/** The operation record of an HTTP request, if the access log or metrics are on. */
export const operationRecordOf = (res: Response): OperationRecord | undefined => res.locals.operation as OperationRecord | undefined;

/** Bearer token check in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `GET /metrics` in Prometheus's text format; with a token, only for `Authorization: Bearer <token>` (else 401). */
export function metricsRoute(metrics: Metrics, token: string | undefined): RequestHandler {
  return async (req, res) => {
    if (token !== undefined && !bearerMatches(req.header('authorization'), token)) {
      res.status(401).set('www-authenticate', 'Bearer').type('text/plain').send('A bearer token is required (METRICS_TOKEN)\n');
      return;
    }
    res.set('content-type', metrics.contentType).send(await metrics.text());
  };
}

/** The separate metrics listener (METRICS_PORT on METRICS_HOST): `GET /metrics` only. */
export async function listenForMetrics(metrics: Metrics, config: Config): Promise<http.Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsRoute(metrics, config.metricsToken));
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort, config.metricsHost, () => resolve());
  });
  return server;
}

export const portOf = (server: http.Server): number => (server.address() as AddressInfo).port;
