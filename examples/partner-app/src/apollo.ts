// Apollo Client for the Peer Networks API: queries and mutations over HTTP, subscriptions over graphql-ws,
// one split link choosing by operation type; the member token added per request (and per socket connection)
// from auth.ts; Relay connections merged page by page in the cache.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination, getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { getToken, invalidateToken, type Session } from './auth';

export function createApolloClient(session: Session): ApolloClient {
  const http = new HttpLink({ uri: session.graphqlUrl });

  // connectionParams is a FUNCTION: graphql-ws calls it on every (re)connect, so a socket the API closed when the
  // token expired (close code 4403) reconnects with a fresh token instead of the one the app started with.
  const ws = new GraphQLWsLink(
    createClient({
      url: session.wsUrl,
      connectionParams: async () => ({ authorization: `Bearer ${await getToken()}` }),
      retryAttempts: 5,
      lazy: true,
    }),
  );

  const auth = new SetContextLink(async (prevContext) => ({
    headers: { ...prevContext.headers, authorization: `Bearer ${await getToken()}` },
  }));

  // UNAUTHENTICATED (e.g. the token was revoked with its key, or the clock is off): drop the token and retry once
  // with a fresh one. Other errors reach the component, which shows them (see ErrorNote in ui.tsx).
  const retryOnUnauthenticated = new ErrorLink(({ error, operation, forward }) => {
    const unauthenticated = CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
    if (unauthenticated && !operation.getContext().retried) {
      invalidateToken();
      operation.setContext({ retried: true });
      return forward(operation);
    }
  });

  const isSubscription = ({ query }: ApolloLink.Operation) => {
    const def = getMainDefinition(query);
    return def.kind === 'OperationDefinition' && def.operation === 'subscription';
  };

  return new ApolloClient({
    link: ApolloLink.split(isSubscription, ws, ApolloLink.from([retryOnUnauthenticated, auth, http])),
    cache: new InMemoryCache({
      typePolicies: {
        // Relay connections: "load more" appends the next page to the list already in the cache. The key args keep
        // different filters (another topic) in separate lists.
        Query: {
          fields: { groups: relayStylePagination(['topic', 'search', 'includeArchived']), driftingMembers: relayStylePagination(['groupId', 'minMissed']) },
        },
        Group: { fields: { resources: relayStylePagination(['topic', 'orderBy']) } },
        Session: { fields: { attendance: relayStylePagination() } },
      },
    }),
  });
}
