import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { resolvers } from '../modules';
import type { Context } from './context';
import { validateArgument } from './errors';

/**
 * Each root mutation field runs in its own savepoint of the operation's transaction: a failing
 * mutation leaves nothing half-written, and the ones before it in the same operation stay done.
 * Wrapped onto the Mutation fields' resolvers directly, so that other fields pay nothing for it.
 */
function runMutationsInSavepoints(schema: GraphQLSchema): void {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve!;
    field.resolve = (source, args, context: Context, info) => context.tx.savepoint(async () => resolve(source, args, context, info));
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

let cached: Promise<GraphQLSchema> | undefined;

/** The executable schema, built once per process from the feature resolvers. */
export function getSchema(): Promise<GraphQLSchema> {
  if (!cached) preferSimpleResolvers();
  cached ??= buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validateFn: validateArgument,
  }).then((schema) => {
    runMutationsInSavepoints(schema);
    // type-graphql has no option for the root types' descriptions.
    schema.getQueryType()!.description = 'Reads. Every field needs a credential (`Authorization: Bearer …`) and sees only the caller\'s network.';
    schema.getMutationType()!.description =
      'Writes. Each mutation field runs in its own savepoint of the operation\'s transaction: a failing one writes nothing.';
    return schema;
  });
  return cached;
}

/** The SDL committed as schema/schema.graphql (sorted, so that diffs show real changes only). */
export async function printSchemaSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
