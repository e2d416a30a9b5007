import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContextResponseForOperation, type GraphQLResponse } from '@apollo/server';
import { BREAK, TypeInfo, visit, visitWithTypeInfo, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import { AppError, badInput, conflict, httpStatus } from '../../graphql/errors';
import { SECRET_FIELDS } from '../auth/api-key.resolver';
import { principalKey } from '../auth/authenticate';
import { WEBHOOK_SECRET_FIELDS } from '../webhooks/webhook.resolver';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey, requestHash } from './idempotency-key';
import { claimKey, purgeExpiredKeys, saveResponse, type KeyScope } from './idempotency.service';
import type { Context } from '../../graphql/context';

/**
 * Idempotent retries over HTTP (Stripe's semantics): a mutation request with an `Idempotency-Key` header runs
 * once per key; a retry with the same key and the same request gets the first answer again (body and HTTP
 * status, plus `Idempotent-Replayed: true`) without running. Keys are per network and credential, kept
 * `IDEMPOTENCY_TTL_HOURS`. On queries the header is ignored. WebSocket operations carry no headers.
 *
 * Everything happens in the request's own transaction: the key is claimed (`responseForOperation`, after
 * validation, limits and every other check, right before execution) and the answer stored just before COMMIT
 * (`beforeCommit`). A request whose transaction rolls back (its only mutation failed, the client went away)
 * leaves no trace, so its retry runs again.
 */

/** A purge of the network's expired keys runs in about one claim in this many. */
const PURGE_ONE_IN = 100;

/** Draft IETF httpapi-idempotency-key-header: a key reused with a different request is 422. */
const MISMATCH_STATUS = 422;

export interface IdempotencyOptions {
  ttlHours: number;
  /** The server's error mapper: answers made here are formatted like every other error. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/** The secret field the operation selects (`Type.field`), if any. */
function selectedSecret(rc: GraphQLRequestContextResponseForOperation<Context>): string | undefined {
  const typeInfo = new TypeInfo(rc.schema);
  let found: string | undefined;
  visit(
    rc.document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition: (node: OperationDefinitionNode) => (node === rc.operation ? undefined : false),
      Field(node) {
        const name = `${typeInfo.getParentType()?.name}.${node.name.value}`;
        if (!SECRET_FIELDS.has(name) && !WEBHOOK_SECRET_FIELDS.has(name)) return undefined;
        found = name;
        return BREAK;
      },
    }),
  );
  return found;
}

/** The HTTP status an error of ours carries (the one table in src/graphql/errors.ts), else 500. */
const httpStatusOf = (err: AppError): number => httpStatus[err.code] ?? 500;

export function idempotencyPlugin({ ttlHours, formatError }: IdempotencyOptions): ApolloServerPlugin<Context> {
  const errorResponse = (error: unknown, status: number): GraphQLResponse => ({
    http: { status, headers: new HeaderMap() },
    body: { kind: 'single', singleResult: { errors: [formatError({ message: error instanceof Error ? error.message : String(error) }, error)] } },
  });

  return {
    async requestDidStart() {
      return {
        async responseForOperation(rc) {
          // Apollo calls this hook also when the operation name matches no operation (typed as always set).
          if (rc.operation?.operation !== 'mutation') return null;
          const header = rc.request.http?.headers.get(IDEMPOTENCY_KEY_HEADER.toLowerCase());
          if (header === undefined) return null;
          const ctx = rc.contextValue;
          let key: string;
          try {
            key = parseIdempotencyKey(header);
          } catch (err) {
            return errorResponse(err, 400);
          }
          const secret = selectedSecret(rc);
          if (secret) {
            const refusal = badInput(
              `${IDEMPOTENCY_KEY_HEADER} cannot be used on an operation that selects ${secret}: secrets are never stored, so its answer could not be replayed. Send it without the header.`,
            );
            return errorResponse(refusal, 400);
          }
          const scope: KeyScope = { networkId: ctx.networkId, credential: principalKey(ctx.principal), key };
          try {
            if (Math.random() * PURGE_ONE_IN < 1) await purgeExpiredKeys(ctx.manager, ctx.networkId, ttlHours);
            const claim = await claimKey(ctx.manager, scope, requestHash(rc.source, rc.operationName, rc.request.variables), ttlHours);
            if (claim.outcome === 'replay') {
              return {
                http: { status: claim.httpStatus, headers: new HeaderMap([[IDEMPOTENT_REPLAYED_HEADER.toLowerCase(), 'true']]) },
                body: { kind: 'single', singleResult: claim.response },
              };
            }
            if (claim.outcome === 'mismatch') {
              const mismatch = conflict(
                `${IDEMPOTENCY_KEY_HEADER} "${key}" was already used for a different request (operation or variables); use a new key for a new request`,
              );
              return errorResponse(mismatch, MISMATCH_STATUS);
            }
          } catch (err) {
            // The claim itself failed (e.g. a timeout): nothing ran; answer like any failed request.
            ctx.tx.rollbackOnly();
            if (err instanceof AppError) return errorResponse(err, httpStatusOf(err));
            ctx.deps.logger.error('unexpected error', { requestId: ctx.requestId, operationName: rc.operationName, error: (err as Error).message });
            return errorResponse(err, 500);
          }
          // The answer is complete once the response is about to be sent, which is when the transaction commits.
          ctx.tx.beforeCommit(async () => {
            const body = rc.response.body;
            if (body?.kind !== 'single') throw new Error('idempotent requests must have a single result');
            await saveResponse(ctx.manager, scope, JSON.stringify(withoutCost(body.singleResult)), rc.response.http.status ?? 200);
          });
          return null;
        },
      };
    },
  };
}

/**
 * The answer as stored for replays: without `extensions.cost`, which describes the caller's budget at that moment (a
 * replay reports its own). Whether the rate-limit report was already added when this runs is not fixed, so it is
 * always left out.
 */
function withoutCost<T extends { extensions?: Record<string, unknown> }>(result: T): T {
  if (!result.extensions || !('cost' in result.extensions)) return result;
  const { cost: _cost, ...extensions } = result.extensions;
  const copy = { ...result };
  if (Object.keys(extensions).length) copy.extensions = extensions;
  else delete copy.extensions;
  return copy;
}
