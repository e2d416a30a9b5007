import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { newRequestId, type Context, type ContextDeps } from '../graphql/context';
import { AppError, documentRefused, logUnexpected, readNotRecorded, shuttingDown, tooManyOperations, unauthenticated } from '../graphql/errors';
import { inputTextError } from '../graphql/input-text';
import { operationLimitError } from '../graphql/limits';
import { nameReadOperation, readPersonalData } from '../modules/audit/read-audit';
import { createContext } from '../modules/auth/context';
import { credentialProblem, CREDENTIAL_CLOSE_REASONS } from '../modules/auth/credential-problem';
import { documentHash, resolveDocument } from '../modules/auth/trusted-documents';
import { ConnectionCounter } from '../modules/rate-limits/connections';
import { requestedCost, type RateLimiter } from '../modules/rate-limits/rate-limiter';
import { closeExpired, closeSlowConsumer, expired, type Connection } from './websocket-connection';
import { LiveDelivery } from './websocket-delivery';
import { DocumentCache } from './websocket-documents';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { OperationRecord, OperationLog } from './observe';
import type http from 'node:http';

/**
 * graphql-ws on the HTTP server's `/graphql`: the same context builder, validation and limits as HTTP, and
 * the delivery of live updates.
 *
 * - `onConnect` authenticates `connectionParams.authorization` once and, for a member token, arms a timer that
 *   closes the socket with 4403 when the token expires. A refused credential closes the socket with 4403 and a
 *   reason naming the problem (CREDENTIAL_CLOSE_REASONS: missing, malformed, invalid, expired, revoked), so a
 *   client knows whether a fresh token helps. 4403, not 4401: graphql-ws uses 4401 for "subscribe before the
 *   acknowledgement", and its client retries 4403 (calling an async `connectionParams` again) but not 4401.
 * - Every operation gets its own context (a tenant transaction): a query or mutation's ends (commit, so its
 *   events are published) before its result is sent; a subscription's ends as soon as the subscription is
 *   authorized and its stream open, so an idle subscription holds no database connection.
 * - Each subscription's events are delivered in batches, per event and network, on one fresh read-only
 *   transaction each, every subscriber under its own context (./delivery.ts). Expired or revoked credentials
 *   close the socket (4403) instead, and a subscription whose checks now fail skips the event (./subscriptions.ts).
 * - Rate limits (src/modules/rate-limits): every operation (subscribe, query, mutation) is charged against its
 *   credential's budget, as over HTTP (over budget: RATE_LIMITED, the socket stays open); at most
 *   `WS_MAX_CONNECTIONS_PER_CREDENTIAL` sockets per credential on this instance (more: closed with 4403 and the
 *   reason "Too many connections for this credential").
 * - Limits: `WS_MAX_SUBSCRIPTIONS` open operations per connection (more: RATE_LIMITED), `WS_MAX_MESSAGE_BYTES`
 *   per message (ws closes with 1009), and a slow consumer — more than `WS_MAX_QUEUED_EVENTS` events waiting
 *   for one subscription, or more than `WS_MAX_BUFFERED_BYTES` unsent on its socket — is closed with 1013.
 * Protocol faults are graphql-ws's own close codes: 4400 bad message, 4401 subscribe before the
 * acknowledgement, 4403 forbidden, 4406 wrong subprotocol, 4408 no `connection_init` within 3 s, 4409 a
 * repeated operation id, 4429 a second `connection_init`.
 */

export interface GraphqlWsOptions {
  httpServer: http.Server;
  path: string;
  schema: GraphQLSchema;
  deps: ContextDeps;
  config: Config;
  logger: Logger;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  rateLimiter: RateLimiter;
  /** The access log and operation metrics, when either is on (./observe.ts). */
  operations?: OperationLog;
}

export interface GraphqlWsServer {
  /** Open WebSocket connections. */
  readonly connections: number;
  /** Closes every socket (1001), stops accepting, and waits for deliveries in progress. */
  close(): Promise<void>;
}

/** What this module keeps per socket (graphql-ws's `extra`). */
type Extra = {
  connection?: Connection;
  /** Operations being answered, by operation id, for the access log and metrics. */
  records?: Map<string, OperationRecord>;
};

const isUnauthenticated = (err: unknown) => err instanceof GraphQLError && err.extensions?.code === 'UNAUTHENTICATED';

export function serveGraphqlWs(options: GraphqlWsOptions): GraphqlWsServer {
  const { schema, deps, config, logger, formatError, rateLimiter, operations } = options;
  const connections = new ConnectionCounter(config.wsMaxConnectionsPerCredential);
  const production = config.env === 'production';
  const documents = new DocumentCache(schema, production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules, 500);
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;
  /** Work that holds a transaction: `close()` waits for it, so no transaction outlives the server (or its pool). */
  function track<T>(work: () => Promise<T>): Promise<T> {
    const run = work();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run)).catch(() => undefined);
    return run;
  }
  const delivery = new LiveDelivery(deps, logger, Math.max(1, config.dbPoolMax - 2), track, operations?.metrics);

  const wsServer = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: config.wsMaxMessageBytes });

  /** Closes the socket of a refused credential with the reason that names its problem. */
  const closeRefused = async (socket: WebSocket, authorization: string | undefined, err: GraphQLError) =>
    socket.close(CloseCode.Forbidden, CREDENTIAL_CLOSE_REASONS[await credentialProblem(authorization, err.message, deps.tokens)]);

  /** A new context from the connection's credential; null (socket closed with 4403) when it is no longer valid. */
  async function contextFor(connection: Connection, socket: WebSocket, requestId: string): Promise<Context | null> {
    try {
      return await createContext(deps, { authorization: connection.authorization, requestId });
    } catch (err) {
      if (!isUnauthenticated(err)) throw err;
      await closeRefused(socket, connection.authorization, err as GraphQLError);
      return null;
    }
  }

  /** An operation's result, its unexpected errors logged with the operation's request id. */
  const logged = <R extends ExecutionResult>(ctx: Context, operationName: string | null | undefined, result: R): R => {
    logUnexpected(logger, result.errors, { requestId: ctx.requestId, operationName });
    return result;
  };
  const format = (result: ExecutionResult): FormattedExecutionResult =>
    result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : (result as FormattedExecutionResult);
  const codesOf = (errors: readonly GraphQLFormattedError[] | undefined) => (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));

  /** The checks and the context of a new operation: its execution arguments, or the errors that refuse it. */
  async function prepare(extra: Extra & { socket: WebSocket }, subscriptions: number, payload: SubscribePayload, requestId: string, record?: OperationRecord) {
    const connection = extra.connection!;
    // The operation being subscribed is already counted.
    if (subscriptions > config.wsMaxSubscriptions) {
      return [tooManyOperations(config.wsMaxSubscriptions).toGraphQLError()];
    }
    const document = documents.get(payload.query);
    if (Array.isArray(document)) return document as readonly GraphQLError[];
    const query = document as DocumentNode;
    const operation = getOperationAST(query, payload.operationName);
    if (!operation) {
      return [documentRefused('Unable to identify the operation to run', 'OPERATION_RESOLUTION_FAILURE').toGraphQLError()];
    }
    if (record) {
      record.type = operation.operation;
      record.operationName ??= operation.name?.value;
    }
    const tooComplex = operationLimitError(schema, query, payload.operationName, payload.variables);
    if (tooComplex) return [tooComplex];
    // NUL and lone surrogates in any argument: refused with the argument's path, as over HTTP.
    const badText = inputTextError(query, payload.variables);
    if (badText) return [badText];
    if (expired(connection)) {
      closeExpired(extra.socket);
      return [unauthenticated('The member token has expired').toGraphQLError()];
    }
    if (closing) return [shuttingDown().toGraphQLError()];
    const contextValue = await track(() => contextFor(connection, extra.socket, requestId));
    if (!contextValue) return [unauthenticated('The credential is no longer valid').toGraphQLError()];
    if (record) operations!.attach(record, contextValue);
    if (contextValue.principal.trustedDocumentsOf) {
      // Bound to trusted documents (src/modules/auth/trusted-documents.ts): the same check as over HTTP.
      try {
        await resolveDocument(contextValue.manager, contextValue.networkId, contextValue.principal, { query: payload.query });
      } catch (err) {
        await contextValue.tx.finish('rollback');
        if (err instanceof AppError) return [err.toGraphQLError()];
        throw err;
      }
    }
    const budget = await rateLimiter.charge(contextValue, requestedCost(schema, query, payload.operationName, payload.variables));
    if (!budget.allowed) {
      await contextValue.tx.finish('rollback');
      return [rateLimiter.refusal(budget, { withCost: true })];
    }
    return { schema, document: query, operationName: payload.operationName, variableValues: payload.variables, contextValue };
  }

  /** Ends an operation's record: its line and observation (./observe.ts). */
  const endRecord = (extra: Extra, id: string, errors?: readonly GraphQLFormattedError[]) => {
    const record = extra.records?.get(id);
    if (!record) return;
    extra.records!.delete(id);
    record.errorCodes ??= codesOf(errors);
    operations!.end(record);
  };

  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      isProd: production,
      onConnect: async (ctx) => {
        const given = ctx.connectionParams?.authorization;
        const authorization = typeof given === 'string' ? given : undefined;
        let probe: Context;
        try {
          probe = await createContext(deps, { authorization });
          await probe.tx.finish('commit');
        } catch (err) {
          if (isUnauthenticated(err)) await closeRefused(ctx.extra.socket, authorization, err as GraphQLError);
          else logger.error('websocket authentication failed', { error: (err as Error).message });
          // graphql-ws closes with 4403 "Forbidden"; a socket closed above keeps its own reason.
          return false;
        }
        const socket = ctx.extra.socket;
        if (!connections.admit(probe.networkId, probe.principal, socket)) return false;
        const connection: Connection = {
          authorization,
          networkId: probe.networkId,
          principal: probe.principal,
          expiresAt: probe.credentialExpiresAt?.getTime(),
          expiryTimer: undefined,
        };
        if (connection.expiresAt !== undefined) {
          connection.expiryTimer = setTimeout(() => closeExpired(socket), Math.max(0, connection.expiresAt - Date.now()));
        }
        ctx.extra.connection = connection;
        // The upgrade request is not needed after authentication; an idle socket should not keep it.
        Reflect.deleteProperty(ctx.extra, 'request');
        return true;
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.connection?.expiryTimer);
      },
      onSubscribe: async (ctx, id, payload) => {
        const requestId = newRequestId();
        if (!operations) return prepare(ctx.extra, Object.keys(ctx.subscriptions).length, payload, requestId);
        const record = operations.start('websocket', requestId);
        record.operationName = payload.operationName;
        if (operations.metrics?.byHash) record.documentHash = documentHash(payload.query);
        const prepared = await prepare(ctx.extra, Object.keys(ctx.subscriptions).length, payload, requestId, record);
        if (Array.isArray(prepared)) {
          record.errorCodes = codesOf(prepared.map((e: GraphQLError) => formatError(e.toJSON(), e)));
          operations.end(record);
        } else (ctx.extra.records ??= new Map()).set(id, record);
        return prepared;
      },
      // Queries and mutations: the transaction ends (commit; a failed single mutation rolled back) before the result is sent.
      execute: (args) =>
        track(async () => {
          const ctx = args.contextValue as Context;
          const tx = ctx.tx;
          nameReadOperation(ctx, args.operationName, args.document);
          let result: Awaited<ReturnType<typeof execute>>;
          try {
            result = await execute(args);
          } finally {
            await tx.finish('commit');
          }
          // The same outcome again (finish answers every call alike).
          const outcome = await tx.finish('commit');
          // Deadline passed: rolled back, so nothing of the result stands (as over HTTP).
          const reason = tx.abortReason;
          if (reason) return { errors: [reason.toGraphQLError()] };
          // Personal data read without its read-audit entry committed: withheld (as over HTTP).
          if (outcome === 'rolled back' && readPersonalData(ctx)) {
            logger.error('read audit not written: answer withheld', { requestId: ctx.requestId, operationName: args.operationName });
            return { errors: [readNotRecorded().toGraphQLError()] };
          }
          return rateLimiter.reportRun(ctx, args.schema, args.document, args.operationName, args.variableValues, logged(ctx, args.operationName, result));
        }),
      // Subscriptions: authorize and open the stream under the operation's context, then let that context go.
      // The stream's events become results in `onOperation`, which knows the connection.
      subscribe: (args) =>
        track(async () => {
          const ctx = args.contextValue as Context;
          let stream: AsyncGenerator<ExecutionResult> | ExecutionResult | undefined;
          try {
            stream = (await createSourceEventStream(args)) as AsyncGenerator<ExecutionResult> | ExecutionResult;
          } finally {
            await ctx.tx.finish('commit');
            args.contextValue = null;
          }
          if (!(Symbol.asyncIterator in Object(stream))) return logged(ctx, args.operationName, stream as ExecutionResult);
          // Opened while the server was stopping: end it now (graphql-ws ends it too if the socket is gone already).
          if (closing) {
            await (stream as AsyncGenerator<ExecutionResult>).return?.(undefined);
            return { errors: [shuttingDown().toGraphQLError()] };
          }
          return stream;
        }),
      onOperation: (ctx, id, _payload, args, result) => {
        if (!(Symbol.asyncIterator in Object(result))) return undefined;
        // A subscription's record ends once its stream is open; its events are timed by the delivery (./websocket-delivery.ts).
        if (operations) endRecord(ctx.extra, id);
        return delivery.results(ctx.extra.connection!, ctx.extra.socket, id, args, result as AsyncIterator<unknown>);
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const socket = ctx.extra.socket;
        // Nothing goes out after a token's expiry (the timer may fire a little late), nor to a socket that does not drain.
        if (expired(ctx.extra.connection!)) closeExpired(socket);
        else if (socket.bufferedAmount > config.wsMaxBufferedBytes) closeSlowConsumer(socket);
        const formatted = format(result);
        // A query's or mutation's one result (a subscription's record has ended already).
        if (operations) endRecord(ctx.extra, id, formatted.errors);
        return formatted;
      },
      onComplete: (ctx, id) => {
        if (operations) endRecord(ctx.extra, id);
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
    },
    wsServer,
  );

  // Socket errors are the client's (e.g. a message over WS_MAX_MESSAGE_BYTES: ws closes with 1009 itself), not
  // internal ones: log them as such instead of graphql-ws's console.error with a stack trace.
  wsServer.on('connection', (socket: WebSocket) => {
    socket.removeAllListeners('error');
    socket.on('error', (err: Error & { code?: string }) => logger.warn('websocket error', { error: err.message, code: err.code }));
  });

  return {
    get connections() {
      return wsServer.clients.size;
    },
    async close() {
      closing = true;
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await server.dispose();
      await Promise.allSettled([...inFlight]);
    },
  };
}
