import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, getMetadataStorage, type PubSub } from 'type-graphql';
import { forbidden, validateArgument } from '../graphql/errors';
import { declareRule, enforceDeclaredRules } from '../modules/auth/allow';
import { anyCredential } from '../modules/auth/rules';
import { resolvers } from './features';
import { buildFederatedSchema, describeFederation, subgraphSdl } from './federation';
import type { Context } from '../graphql/context';

/**
 * A failing mutation leaves nothing half-written. When an operation has several root mutation fields, each
 * runs in its own savepoint of the operation's transaction, so the ones before a failing one stay done.
 * When it has just one (the usual case), no savepoint is needed: its failure rolls the whole transaction
 * back, which saves two statements. Wrapped onto the Mutation fields' resolvers directly, so that other
 * fields pay nothing for it.
 */
function runMutationsAtomically(schema: GraphQLSchema): void {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve!;
    field.resolve = async (source, args, context: Context, info) => {
      // A member token narrowed to reads at issue runs no mutation, whichever (src/graphql/principal.ts).
      if (context.principal.kind === 'MEMBER' && context.principal.readOnly) throw forbidden('This member token is read-only (narrowed at issue)');
      const roots = info.operation.selectionSet.selections;
      if (roots.length > 1 || roots[0].kind !== 'Field') return context.tx.savepoint(async () => resolve(source, args, context, info));
      try {
        return await resolve(source, args, context, info);
      } catch (err) {
        context.tx.rollbackOnly();
        throw err;
      }
    };
  }
}

/**
 * Plain fields (a property or getter of the same name) resolve with graphql-js's default resolver rather
 * than type-graphql's per-field wrapper: a home-screen response has over a thousand of them. Fields whose
 * name differs from the property (`id` → `globalId`) say `simple: false`.
 */
function preferSimpleResolvers(): void {
  for (const type of getMetadataStorage().objectTypes) type.simpleResolvers ??= true;
}

/**
 * The access rules of the root fields the features do not define (the features declare theirs with `@Allow`):
 * `node` / `nodes` (src/graphql/node.resolver.ts) and federation's `_entities` / `_service` take any credential, since
 * each type's fetcher hides, object by object, what the caller may not see.
 */
function declareCoreRules(schema: GraphQLSchema): void {
  const query = schema.getQueryType()!.getFields();
  for (const name of ['node', 'nodes', '_entities', '_service']) if (query[name]) declareRule(query[name], anyCredential);
}

/** Root types' descriptions: type-graphql has no option for them. */
function describeRoots(schema: GraphQLSchema): void {
  schema.getQueryType()!.description = "Reads. Every field needs a credential (`Authorization: Bearer …`) and sees only the caller's network.";
  schema.getMutationType()!.description = 'Writes. A failing mutation field writes nothing; in an operation with several, the ones before it stay done.';
  schema.getSubscriptionType()!.description =
    'Live updates over graphql-ws on `/graphql` (`connectionParams: { authorization: "Bearer …" }`). Each event is read under the subscriber\'s own credential when it happens, with the same access rules as the queries; changes are announced only once committed.';
}

/**
 * type-graphql insists on a PubSub when there are subscriptions; ours bring their own streams (each
 * `@Subscription` has a `subscribe`, src/realtime), per server rather than per schema, so this one is never used.
 */
const UNUSED_PUBSUB: PubSub = {
  publish() {
    throw new Error('Publish through src/realtime (publishOnCommit)');
  },
  subscribe() {
    throw new Error('Subscriptions open their streams through src/realtime (liveSubscription)');
  },
};

let cachedBase: Promise<GraphQLSchema> | undefined;
let cached: Promise<GraphQLSchema> | undefined;

/** type-graphql's schema of the feature resolvers: the public API, without federation's additions. */
function getBaseSchema(): Promise<GraphQLSchema> {
  if (!cachedBase) preferSimpleResolvers();
  cachedBase ??= buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validateFn: validateArgument,
    pubSub: UNUSED_PUBSUB,
    // The `@key` directives are federation's, defined by the subgraph schema built from this one.
    skipCheck: true,
  }).then((schema) => {
    describeRoots(schema);
    return schema;
  });
  return cachedBase;
}

/**
 * The executable schema, built once per process and served over HTTP and WebSocket alike: the public API
 * as an Apollo Federation 2 subgraph (adds `_service` and `_entities`; see ./federation.ts).
 */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= getBaseSchema().then((base) => {
    const schema = buildFederatedSchema(base);
    declareCoreRules(schema);
    // Inside the atomic wrapper, so that a refused mutation fails like one that refuses itself.
    enforceDeclaredRules(schema);
    runMutationsAtomically(schema);
    describeRoots(schema);
    describeFederation(schema);
    return schema;
  });
  return cached;
}

/** The SDL committed as schema/schema.graphql (sorted, so that diffs show real changes only): the clients' contract. */
export async function printSchemaSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getBaseSchema())) + '\n';
}

/** The subgraph SDL committed as schema/subgraph.graphql: exactly what `_service { sdl }` answers, for composition. */
export async function printSubgraphSdl(): Promise<string> {
  // Asked without a credential, so of a copy without the access rules (the served `_service` needs one).
  return subgraphSdl(buildFederatedSchema(await getBaseSchema())) + '\n';
}
