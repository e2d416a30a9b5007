import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import DataLoader from 'dataloader';
import {
  executeSync,
  isInterfaceType,
  isObjectType,
  isUnionType,
  lexicographicSortSchema,
  parse,
  specifiedScalarTypes,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { createResolversMap } from 'type-graphql';
import { registeredEntityTypes, type EntityFetcher } from '../graphql/entities';
import { badInput, type FieldError } from '../graphql/errors';
import { parseGlobalId } from '../graphql/global-id';
import { nodeFetcher } from '../graphql/node';
import type { Context } from '../graphql/context';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';

/**
 * Apollo Federation 2: the API is also a subgraph. The entities (`@key(fields: "id")` on their classes)
 * are keyed by OUR global ID, and `_entities` resolves them with the same visibility as `node`: an object
 * that is unknown, of another type, or hidden from the caller comes back as null.
 */

const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])';

/** Network, Group and JointEvent use their `node` fetchers (registered by their features) as they are. */
const viaNode =
  (typeName: string): EntityFetcher =>
  (ctx, ids) =>
    nodeFetcher(typeName)?.(ctx, ids) ?? Promise.resolve(ids.map(() => null));

/** The entity types and how a representation's database id becomes an object (or null); the features have registered theirs by now. */
const entityFetchers = (): Record<string, EntityFetcher> => ({
  Network: viaNode('Network'),
  Group: viaNode('Group'),
  JointEvent: viaNode('JointEvent'),
  // SharedGroup (src/modules/partnerships/partnership.resolver.ts).
  ...Object.fromEntries(registeredEntityTypes()),
});

/** Resolves one representation `{ __typename, id }`; all of a request's references of a type share one batch. */
function resolveReference(typeName: string, fetch: EntityFetcher) {
  return async (reference: { id?: unknown }, ctx: Context): Promise<object | null> => {
    const parsed = typeof reference.id === 'string' ? parseGlobalId(reference.id) : undefined;
    if (!parsed || parsed.type !== typeName) return null;
    const loader = ctx.loaders.keyed(`federation-${typeName}`, () => new DataLoader<string, object | null>((ids) => fetch(ctx, ids)));
    return loader.load(parsed.id);
  };
}

/**
 * The subgraph schema: type-graphql's schema printed with its directives, under the federation `@link`,
 * rebuilt by `buildSubgraphSchema` (which adds `_service` and `_entities`) with type-graphql's resolvers
 * (field resolvers, scalars, enum values, `__resolveType`) and `__resolveReference` per entity.
 */
export function buildFederatedSchema(base: GraphQLSchema): GraphQLSchema {
  const sdl = `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(lexicographicSortSchema(base))}`;
  const resolvers = createResolversMap(base) as Record<string, Record<string, unknown>>;
  // graphql-js's own scalars are shared instances: nothing to copy onto them.
  for (const scalar of specifiedScalarTypes) delete resolvers[scalar.name];
  for (const [typeName, fetch] of Object.entries(entityFetchers())) {
    resolvers[typeName] = { ...resolvers[typeName], __resolveReference: resolveReference(typeName, fetch) };
  }
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as GraphQLResolverMap<unknown> });
  carryFieldExtensions(base, schema);
  checkRepresentations(schema);
  return schema;
}

/**
 * `_entities` refuses representations that are not `{ __typename, … }` of an entity type (BAD_USER_INPUT naming
 * each one) before `@apollo/subgraph` resolves them: it throws a plain error for a missing or unknown
 * `__typename` and returns the representation itself for a non-entity type (e.g. Member), which graphql-js then
 * rejects: internal errors, for what is the client's input.
 */
function checkRepresentations(schema: GraphQLSchema): void {
  const entities = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType('_Entity');
  if (!entities?.resolve || !isUnionType(union)) return;
  const entityTypes = new Set(union.getTypes().map((t) => t.name));
  const resolve: GraphQLFieldResolver<unknown, unknown> = entities.resolve;
  entities.resolve = (source, args: { representations?: unknown[] }, context, info) => {
    const fieldErrors: FieldError[] = [];
    (args.representations ?? []).forEach((r, i) => {
      const typename = r !== null && typeof r === 'object' ? (r as { __typename?: unknown }).__typename : undefined;
      if (typeof typename !== 'string' || !entityTypes.has(typename)) {
        fieldErrors.push({ path: ['representations', i, '__typename'], message: `must be an entity type: ${[...entityTypes].join(', ')}` });
      }
    });
    if (fieldErrors.length) throw badInput(`Invalid representations: ${fieldErrors[0].message}`, fieldErrors);
    return resolve(source, args, context, info);
  };
}

/** Rebuilt from SDL, the subgraph has lost the fields' extensions (the declared prices, `@Extensions({ cost })`): copy them over. */
function carryFieldExtensions(from: GraphQLSchema, to: GraphQLSchema): void {
  for (const type of Object.values(from.getTypeMap())) {
    const target = to.getType(type.name);
    if (!(isObjectType(type) || isInterfaceType(type)) || !(isObjectType(target) || isInterfaceType(target))) continue;
    const targetFields = target.getFields();
    for (const field of Object.values(type.getFields())) {
      const copy = targetFields[field.name];
      if (copy && Object.keys(field.extensions).length) copy.extensions = { ...copy.extensions, ...field.extensions };
    }
  }
}

/** What `_service { sdl }` answers: the SDL a gateway or router composes. */
export function subgraphSdl(schema: GraphQLSchema): string {
  const result = executeSync({ schema, document: parse('{ _service { sdl } }') });
  return (result.data as { _service: { sdl: string } })._service.sdl;
}

/** Descriptions for what `buildSubgraphSchema` adds (it has none), so that every type of the served schema has one. */
export function describeFederation(schema: GraphQLSchema): void {
  const types: Record<string, string> = {
    _Any: 'Federation: an entity representation, `{ __typename, id }` with our global ID.',
    _Entity: 'Federation: any entity of this subgraph (Network, Group, SharedGroup, JointEvent).',
    _Service: 'Federation: this subgraph as a gateway or router composes it.',
    link__Import: 'Federation: a name imported by `@link`.',
    link__Purpose: 'Federation: what a `@link`ed specification is for.',
    federation__FieldSet: 'Federation: a selection of fields, e.g. the key `id`.',
  };
  for (const [name, description] of Object.entries(types)) {
    const type = schema.getType(name);
    if (type && !type.description) type.description = description;
  }
  const service = schema.getType('_Service');
  if (isObjectType(service)) service.getFields().sdl.description ??= 'The subgraph SDL, with the federation directives.';
  const query = schema.getQueryType()!.getFields();
  query._service.description ??= "Federation: this subgraph's SDL, for composition.";
  if (query._entities) {
    query._entities.description ??=
      'Federation: entities by representation, with the same visibility as `node`: null when unknown, of another type, or hidden from the caller.';
    const representations = query._entities.args.find((a) => a.name === 'representations');
    if (representations) representations.description ??= 'Representations `{ __typename, id }`, with our global IDs.';
  }
}
