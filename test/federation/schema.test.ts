import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema, specifiedDirectives } from 'graphql';
import { getSchema, printSchemaSdl } from '../../src/app/schema';

/** What federation adds to the served schema; everything else must be the public contract, unchanged. */
const federationType = (name: string) => name.startsWith('_') || name.startsWith('link__') || name.startsWith('federation__');

test('the served subgraph schema is the public schema (schema/schema.graphql) plus _service, _entities and their types', async () => {
  const served = await getSchema();
  const config = served.toConfig();
  const queryConfig = served.getQueryType()!.toConfig();
  expect(Object.keys(queryConfig.fields)).toEqual(expect.arrayContaining(['_service', '_entities']));
  const query = new GraphQLObjectType({
    ...queryConfig,
    fields: Object.fromEntries(Object.entries(queryConfig.fields).filter(([name]) => !federationType(name))),
  });
  const plain = new GraphQLSchema({
    ...config,
    query,
    types: config.types.filter((t) => !federationType(t.name) && t !== served.getQueryType()),
    directives: specifiedDirectives,
    astNode: undefined,
    extensionASTNodes: [],
  });
  expect(printSchema(lexicographicSortSchema(plain)) + '\n').toBe(await printSchemaSdl());
});

test('mutations keep their savepoint wrapper and the root types their descriptions in the served schema', async () => {
  const served = await getSchema();
  expect(served.getQueryType()!.description).toMatch(/^Reads\./);
  expect(served.getMutationType()!.description).toMatch(/^Writes\./);
  expect(served.getMutationType()!.getFields().createGroup.resolve!.toString()).toContain('savepoint');
});
