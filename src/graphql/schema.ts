import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { resolvers } from '../modules';
import type { Context } from './context';
import { validateArgument } from './errors';

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

let cached: Promise<GraphQLSchema> | undefined;

/** The executable schema, built once per process from the feature resolvers. */
export function getSchema(): Promise<GraphQLSchema> {
  if (!cached) preferSimpleResolvers();
  cached ??= buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validateFn: validateArgument,
  }).then((schema) => {
    runMutationsAtomically(schema);
    // type-graphql has no option for the root types' descriptions.
    schema.getQueryType()!.description = 'Reads. Every field needs a credential (`Authorization: Bearer …`) and sees only the caller\'s network.';
    schema.getMutationType()!.description =
      'Writes. A failing mutation field writes nothing; in an operation with several, the ones before it stay done.';
    return schema;
  });
  return cached;
}

/** The SDL committed as schema/schema.graphql (sorted, so that diffs show real changes only). */
export async function printSchemaSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
