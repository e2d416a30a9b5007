import type http from 'node:http';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import { beginTenantTransaction } from '../db/tenant';
import { newRequestId, type Context, type ContextDeps } from '../graphql/context';
import { contextOf, createContext } from '../modules/auth/context';
import { Loaders } from '../graphql/loaders';
import { reauthenticate } from '../modules/auth/authenticate';
import { credentialProblem, CREDENTIAL_CLOSE_REASONS } from '../modules/auth/credential-problem';
import { resolveDocument } from '../modules/auth/trusted-documents';
import type { Principal } from '../graphql/principal';
import { AppError, isUnexpected } from '../graphql/errors';
import { inputTextError } from '../graphql/input-text';
import { operationLimitError } from '../graphql/limits';
import { ConnectionCounter } from '../modules/rate-limits/connections';
import { requestedCost, type RateLimiter } from '../modules/rate-limits/rate-limiter';
import { EventStream } from '../realtime/stream';
import { isSkipped } from '../realtime/subscriptions';

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
 * - Events are delivered in batches: the subscriptions of this process that take the same event (the broker
 *   hands them one object) in the same network are resolved together, up to `MAX_BATCH` at a time, on ONE
 *   fresh tenant transaction of that network opened after the event arrived (so after the publisher's
 *   commit), which is rolled back once every execution of the batch has ended. The batch's credentials are
 *   checked again in one statement (`reauthenticate`: the member still exists with its current role, the API
 *   key is not revoked and has its current scopes); token expiry is checked in memory. Each subscriber then
 *   gets its OWN context (principal, viewer, expiry, request id) and its own loaders, whose viewer-independent
 *   loaders (entities by id) come from the batch's shared parent, so identical reads coalesce into one
 *   statement (see src/graphql/loaders.ts). The executions run concurrently, in waves of `WAVE` (see runBatch). Expired or revoked credentials
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

/** A consumer that does not keep up (RFC 6455 "try again later"). */
export const SLOW_CONSUMER = 1013;

interface Connection {
  authorization: string | undefined;
  /** The network and principal authenticated in `onConnect`; each delivery batch checks the principal again. */
  networkId: string;
  principal: Principal;
  /** When a member token expires (ms since the epoch). */
  expiresAt: number | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
}

export interface GraphqlWsOptions {
  httpServer: http.Server;
  path: string;
  schema: GraphQLSchema;
  deps: ContextDeps;
  config: Config;
  logger: Logger;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  rateLimiter: RateLimiter;
}

export interface GraphqlWsServer {
  /** Closes every socket (1001), stops accepting, and waits for deliveries in progress. */
  close(): Promise<void>;
}

/** Lets at most `size` deliveries hold a database connection at once, leaving the rest of the pool to requests. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/** Parsed and validated documents by query text: 1,000 subscribers of the same operation share one AST. */
class DocumentCache {
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();

  constructor(private readonly max: number) {}

  get(query: string, build: () => DocumentNode | readonly GraphQLError[]): DocumentNode | readonly GraphQLError[] {
    let entry = this.documents.get(query);
    if (entry) {
      this.documents.delete(query);
    } else {
      entry = build();
      if (this.documents.size >= this.max) this.documents.delete(this.documents.keys().next().value!);
    }
    this.documents.set(query, entry);
    return entry;
  }
}

/** At most this many subscribers are resolved on one transaction; a bigger batch is split (each part its own connection). */
const MAX_BATCH = 500;

/** At most this many executions of a batch run at once (see runBatch). */
const WAVE = 100;

type Delivery = ExecutionResult | typeof SKIP | typeof END;

/** One subscription's share of a delivery batch. */
interface BatchEntry {
  connection: Connection;
  socket: WebSocket;
  args: ExecutionArgs;
  resolve: (result: Delivery) => void;
}

const clientError = (message: string, reason: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason } });
const isUnauthenticated = (err: unknown) => err instanceof GraphQLError && err.extensions?.code === 'UNAUTHENTICATED';
const SKIP = Symbol('skip');
const END = Symbol('end');

export function serveGraphqlWs(options: GraphqlWsOptions): GraphqlWsServer {
  const { schema, deps, config, logger, formatError, rateLimiter } = options;
  const connections = new ConnectionCounter(config.wsMaxConnectionsPerCredential);
  const production = config.env === 'production';
  const rules = production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;
  const documents = new DocumentCache(500);
  const limiter = new Limiter(Math.max(1, config.dbPoolMax - 2));
  const inFlight = new Set<Promise<unknown>>();
  let closing = false;
  /** Work that holds a transaction: `close()` waits for it, so no transaction outlives the server (or its pool). */
  function track<T>(work: () => Promise<T>): Promise<T> {
    const run = work();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run)).catch(() => undefined);
    return run;
  }

  const wsServer = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: config.wsMaxMessageBytes });

  const expired = (c: Connection) => c.expiresAt !== undefined && Date.now() >= c.expiresAt;
  const closeExpired = (socket: WebSocket) => socket.close(CloseCode.Forbidden, CREDENTIAL_CLOSE_REASONS.EXPIRED);
  /** Closes the socket of a refused credential with the reason that names its problem. */
  const closeRefused = async (socket: WebSocket, authorization: string | undefined, err: GraphQLError) =>
    socket.close(CloseCode.Forbidden, CREDENTIAL_CLOSE_REASONS[await credentialProblem(authorization, err.message, deps.tokens)]);
  const slowConsumer = (socket: WebSocket) => socket.close(SLOW_CONSUMER, 'Slow consumer');

  /** A new context from the connection's credential; null (socket closed with 4403) when it is no longer valid. */
  async function contextFor(connection: Connection, socket: WebSocket): Promise<Context | null> {
    try {
      return await createContext(deps, { authorization: connection.authorization });
    } catch (err) {
      if (!isUnauthenticated(err)) throw err;
      await closeRefused(socket, connection.authorization, err as GraphQLError);
      return null;
    }
  }

  /**
   * Batches being collected, by event object and network: the broker hands every listener of a channel the same
   * object in one turn of the event loop, so the subscriptions taking it join one batch, flushed on the next turn.
   */
  const collecting = new Map<unknown, Map<string, BatchEntry[]>>();

  /** Delivers one event to one subscription, as part of the event's batch. */
  function deliverEvent(connection: Connection, socket: WebSocket, args: ExecutionArgs, event: unknown): Promise<Delivery> {
    return new Promise<Delivery>((resolve) => {
      let byNetwork = collecting.get(event);
      if (!byNetwork) {
        const batches = new Map<string, BatchEntry[]>();
        byNetwork = batches;
        collecting.set(event, batches);
        setImmediate(() => {
          collecting.delete(event);
          for (const [networkId, entries] of batches) {
            for (let i = 0; i < entries.length; i += MAX_BATCH) runBatch(networkId, event, entries.slice(i, i + MAX_BATCH));
          }
        });
      }
      let entries = byNetwork.get(connection.networkId);
      if (!entries) byNetwork.set(connection.networkId, (entries = []));
      entries.push({ connection, socket, args, resolve });
    });
  }

  /** Resolves one batch on one transaction (one of the limiter's connections); every entry's promise settles. */
  function runBatch(networkId: string, event: unknown, entries: BatchEntry[]): void {
    const run = limiter.run(async () => {
      // A socket being closed (slow consumer, expiry, shutdown) gets no more work done for it.
      const live = entries.filter((e) => {
        if (e.socket.readyState !== e.socket.OPEN) return e.resolve(END), false;
        if (expired(e.connection)) return closeExpired(e.socket), e.resolve(END), false;
        return true;
      });
      if (live.length === 0) return;
      let tx: Awaited<ReturnType<typeof beginTenantTransaction>> | undefined;
      try {
        // Deliveries take the network's share of the pool like its requests do (fair sharing), with the same limits.
        const shares = deps.shares;
        tx = await beginTenantTransaction(deps.dataSource, networkId, { limits: deps.limits, acquireShare: shares && (() => shares.acquire(networkId)) });
        const current = await reauthenticate(tx, networkId, live.map((e) => e.connection.principal));
        const shared = new Loaders(tx.manager, networkId);
        const openTx = tx;
        const one = async (e: BatchEntry) => {
          try {
            const principal = current(e.connection.principal);
            if (!principal) {
              // The key was revoked or the member removed since the socket was authenticated.
              e.socket.close(CloseCode.Forbidden, CREDENTIAL_CLOSE_REASONS.REVOKED);
              return e.resolve(END);
            }
            // Expiry again: the batch may have waited for a connection.
            if (expired(e.connection)) {
              closeExpired(e.socket);
              return e.resolve(END);
            }
            const auth = { networkId, principal, expiresAt: e.connection.expiresAt === undefined ? undefined : new Date(e.connection.expiresAt) };
            const ctx = contextOf(deps, openTx, auth, newRequestId(), shared);
            const result = await execute({ ...e.args, rootValue: event, contextValue: ctx });
            e.resolve(isSkipped(result) ? SKIP : result);
          } catch (err) {
            logger.error('live update not delivered', { error: (err as Error).message });
            e.resolve(SKIP);
          }
        };
        // Every execution of the batch has ended (settled) before its transaction is finished. They run in waves of
        // WAVE: the first wave's reads fill the shared loaders, the later ones mostly find them there, and only one
        // wave's executions are alive at a time (1,000 concurrent executions outgrow the young generation: costly GC).
        for (let i = 0; i < live.length; i += WAVE) await Promise.allSettled(live.slice(i, i + WAVE).map(one));
      } catch (err) {
        logger.error('live update not delivered', { error: (err as Error).message });
      } finally {
        // Read-only work: nothing to keep. Entries not answered yet (the transaction did not open) skip the event.
        await tx?.finish('rollback');
        for (const e of live) e.resolve(SKIP);
      }
    });
    track(() => run);
  }

  /** The results of a subscription: its events, each delivered, skipped ones left out. */
  function deliveries(connection: Connection, socket: WebSocket, args: ExecutionArgs, source: AsyncIterator<unknown>): AsyncIterableIterator<ExecutionResult> {
    if (source instanceof EventStream) {
      source.onOverflow = () => slowConsumer(socket);
      if (source.overflowed) slowConsumer(socket);
    }
    const stop = async (): Promise<IteratorResult<ExecutionResult>> => {
      await source.return?.();
      return { value: undefined, done: true };
    };
    return {
      async next() {
        for (;;) {
          const event = await source.next();
          if (event.done) return { value: undefined, done: true };
          const result = await deliverEvent(connection, socket, args, event.value);
          if (result === END) return stop();
          if (result !== SKIP) return { value: result, done: false };
        }
      },
      return: stop,
      throw: stop,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  const format = (result: ExecutionResult, id: string): FormattedExecutionResult => {
    if (!result.errors) return result as FormattedExecutionResult;
    for (const e of result.errors) {
      if (isUnexpected(e)) logger.error('unexpected error', { operationId: id, path: e.path, error: (e.originalError ?? e).message, stack: (e.originalError ?? e).stack });
    }
    return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
  };

  const server = useServer<Record<string, unknown> | undefined, { connection: Connection }>(
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
      onSubscribe: async (ctx, _id, payload) => {
        const connection = ctx.extra.connection!;
        // The operation being subscribed is already counted.
        if (Object.keys(ctx.subscriptions).length > config.wsMaxSubscriptions) {
          return [
            new GraphQLError(`At most ${config.wsMaxSubscriptions} operations may be open on one connection; complete some first`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
        }
        const document = documents.get(payload.query, () => {
          let parsed: DocumentNode;
          try {
            parsed = parse(payload.query);
          } catch (err) {
            return [clientError((err as Error).message, 'GRAPHQL_PARSE_FAILED')];
          }
          const invalid = validate(schema, parsed, rules);
          return invalid.length ? invalid.map((e) => clientError(e.message, 'GRAPHQL_VALIDATION_FAILED')) : parsed;
        });
        if (Array.isArray(document)) return document as readonly GraphQLError[];
        const query = document as DocumentNode;
        if (!getOperationAST(query, payload.operationName)) return [clientError('Unable to identify the operation to run', 'OPERATION_RESOLUTION_FAILURE')];
        const tooComplex = operationLimitError(schema, query, payload.operationName, payload.variables);
        if (tooComplex) return [tooComplex];
        // NUL and lone surrogates in any argument: refused with the argument's path, as over HTTP.
        const badText = inputTextError(query, payload.variables);
        if (badText) return [badText];
        if (expired(connection)) {
          closeExpired(ctx.extra.socket);
          return [new GraphQLError('The member token has expired', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (closing) return [new GraphQLError('The server is shutting down', { extensions: { code: 'SERVER_BUSY' } })];
        const contextValue = await track(() => contextFor(connection, ctx.extra.socket));
        if (!contextValue) return [new GraphQLError('The credential is no longer valid', { extensions: { code: 'UNAUTHENTICATED' } })];
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
      },
      // Queries and mutations: the transaction ends (commit; a failed single mutation rolled back) before the result is sent.
      execute: (args) =>
        track(async () => {
          const ctx = args.contextValue as Context;
          const tx = ctx.tx;
          let result: Awaited<ReturnType<typeof execute>>;
          try {
            result = await execute(args);
          } finally {
            await tx.finish('commit');
          }
          // Deadline passed: rolled back, so nothing of the result stands (as over HTTP).
          const reason = tx.abortReason;
          if (reason) return { errors: [new GraphQLError(reason.message, { extensions: { code: reason.code } })] };
          return rateLimiter.reportRun(ctx, args.schema, args.document, args.operationName, args.variableValues, result);
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
          // Opened while the server was stopping: end it now (graphql-ws ends it too if the socket is gone already).
          if (closing && Symbol.asyncIterator in Object(stream)) {
            await (stream as AsyncGenerator<ExecutionResult>).return?.(undefined);
            return { errors: [new GraphQLError('The server is shutting down', { extensions: { code: 'SERVER_BUSY' } })] };
          }
          return stream;
        }),
      onOperation: (ctx, _id, _payload, args, result) => {
        if (!(Symbol.asyncIterator in Object(result))) return undefined;
        return deliveries(ctx.extra.connection!, ctx.extra.socket, args, result as AsyncIterator<unknown>);
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const socket = ctx.extra.socket;
        // Nothing goes out after a token's expiry (the timer may fire a little late), nor to a socket that does not drain.
        if (expired(ctx.extra.connection!)) closeExpired(socket);
        else if (socket.bufferedAmount > config.wsMaxBufferedBytes) slowConsumer(socket);
        return format(result, id);
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
    async close() {
      closing = true;
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await server.dispose();
      await Promise.allSettled([...inFlight]);
    },
  };
}
