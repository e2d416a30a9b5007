import fs from 'node:fs';
import path from 'node:path';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, type GraphQLSchema } from 'graphql';
import { getSchema, printSchemaSdl, printSubgraphSdl } from '../../src/app/schema';

const committed = path.join(__dirname, '..', '..', 'schema', 'schema.graphql');

test('schema/schema.graphql is current (run `npm run schema` after changing the API)', async () => {
  expect(fs.readFileSync(committed, 'utf8')).toBe(await printSchemaSdl());
});

test('schema/subgraph.graphql is current (run `npm run schema` after changing the API)', async () => {
  expect(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'subgraph.graphql'), 'utf8')).toBe(await printSubgraphSdl());
});

/** Every type, field, argument and enum value of ours carries a description. */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (isScalarType(type) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name))) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing;
}

test('every type, field, argument and enum value has a description', async () => {
  expect(undocumented(await getSchema())).toEqual([]);
});
