import { GraphQLError } from 'graphql';
import { requestedCost, type Budget, type RateLimiter } from './rate-limiter';
import type { Context } from '../../graphql/context';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Rate limits over HTTP. Before execution (`didResolveOperation`) the operation's requested cost is taken from the
 * caller's bucket; too few points: RATE_LIMITED, HTTP 429 with Retry-After, nothing runs. Every response to a
 * resolved operation carries `extensions.cost` and the RateLimit-Policy / RateLimit headers. What the operation
 * did not use is given back after it ran; an operation stopped by another check before running (e.g. the
 * depth and cost limits, whose hook runs alongside this one) gets everything back.
 */
export function rateLimitPlugin(limiter: RateLimiter): ApolloServerPlugin<Context> {
  if (!limiter.enabled) {
    // Only `rateLimit` reads the (unlimited) budget; nothing is counted or reported.
    return {
      async requestDidStart() {
        return {
          async didResolveOperation({ contextValue }) {
            await limiter.charge(contextValue, 0);
          },
        };
      },
    };
  }
  return {
    async requestDidStart() {
      let charging: Promise<Budget> | undefined;
      let executed = false;
      return {
        async didResolveOperation({ schema, document, operationName, request, contextValue }) {
          charging = limiter.charge(contextValue, requestedCost(schema, document, operationName, request.variables));
          const budget = await charging;
          if (!budget.allowed) {
            const refusal = limiter.refusal(budget);
            throw new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, http: { status: 429 } } });
          }
        },
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ schema, document, operationName, request, contextValue, response }) {
          const budget = await charging?.catch(() => undefined);
          if (!budget) return;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          if (executed && document) limiter.settleRun(contextValue, schema, document, operationName, request.variables, body?.data);
          else limiter.settle(contextValue, budget, null);
          for (const [name, value] of limiter.headers(budget)) response.http.headers.set(name, value);
          if (body) body.extensions = { ...body.extensions, cost: limiter.report(budget) };
        },
      };
    },
  };
}
