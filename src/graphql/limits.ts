import {
  getOperationAST,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { actualCost, compileCost, requestedCost, type CostPlan } from './cost';
import type { ApolloServerPlugin } from '@apollo/server';

export { MUTATION_PRICE, TOTAL_COUNT_PRICE } from './cost';

/**
 * The limits of one operation, the same over HTTP (an Apollo plugin) and over WebSocket (graphql-ws
 * `onSubscribe`, after the standard validation). Over any of them: `QUERY_TOO_COMPLEX`, nothing runs; the
 * message names each limit passed and by how much.
 *
 * The priced cost is ./cost.ts (the formula is documented there and in the README, "Cost and limits").
 * Depth, size and alias counts are our own small walk over the document as written (`@skip` / `@include`
 * not applied, a fragment counted each time it is spread, cycles count 0: validation reports them).
 * What does not depend on the variables is computed once per parsed document: Apollo and our WebSocket
 * server both reuse the DocumentNode of a query text they have seen.
 */

/** Points one operation may cost (see ./cost.ts). */
export const MAX_QUERY_COST = 25_000;
/** Most fields nested in one another (`{ viewer { network { slug } } }` is 3); introspection fields do not count. */
export const MAX_DEPTH = 12;
/** Most root fields of one mutation operation (each runs in its own savepoint). */
export const MAX_MUTATION_FIELDS = 50;
/** Most aliased fields (`a: groups …`) in one operation. */
export const MAX_ALIASES = 100;
/** Most field selections in one operation. */
export const MAX_FIELDS = 10_000;

/** The shape of a selection set as written, fragments expanded. */
interface Shape {
  depth: number;
  fields: number;
  aliases: number;
}

const NO_SHAPE: Shape = { depth: 0, fields: 0, aliases: 0 };

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

/** Each fragment's shape is computed once; a fragment within its own expansion (a cycle) counts 0. */
function shapeOf(set: SelectionSetNode, fragments: Fragments, memo: Map<string, Shape>, visiting: Set<string>): Shape {
  const shape = { depth: 0, fields: 0, aliases: 0 };
  for (const selection of set.selections) {
    let inner: Shape;
    if (selection.kind === Kind.FIELD) {
      const sub = selection.selectionSet ? shapeOf(selection.selectionSet, fragments, memo, visiting) : NO_SHAPE;
      shape.fields += 1 + sub.fields;
      shape.aliases += (selection.alias && selection.alias.value !== selection.name.value ? 1 : 0) + sub.aliases;
      if (!selection.name.value.startsWith('__')) shape.depth = Math.max(shape.depth, 1 + sub.depth);
      continue;
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) inner = shapeOf(selection.selectionSet, fragments, memo, visiting);
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      inner = memo.get(name) ?? NO_SHAPE;
      if (!memo.has(name) && fragment && !visiting.has(name)) {
        visiting.add(name);
        inner = shapeOf(fragment.selectionSet, fragments, memo, visiting);
        visiting.delete(name);
        memo.set(name, inner);
      }
    }
    shape.fields += inner.fields;
    shape.aliases += inner.aliases;
    shape.depth = Math.max(shape.depth, inner.depth);
  }
  return shape;
}

/** Root fields of the operation, through fragments (each fragment's count once; a cycle counts 0). */
function rootFields(set: SelectionSetNode, fragments: Fragments, memo: Map<string, number>): number {
  let n = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) n += selection.name.value.startsWith('__') ? 0 : 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) n += rootFields(selection.selectionSet, fragments, memo);
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!memo.has(name) && fragment) {
        memo.set(name, 0);
        memo.set(name, rootFields(fragment.selectionSet, fragments, memo));
      }
      n += memo.get(name) ?? 0;
    }
  }
  return n;
}

/** What one operation of a document is, apart from its variables. */
interface Compiled {
  readonly schema: GraphQLSchema;
  readonly operation: OperationDefinitionNode;
  readonly shape: Shape;
  readonly mutationFields: number;
  readonly plan: CostPlan;
}

const compiledByDocument = new WeakMap<DocumentNode, Map<string, Compiled | null>>();

function compiled(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): Compiled | null {
  let byName = compiledByDocument.get(document);
  if (!byName) compiledByDocument.set(document, (byName = new Map()));
  const key = operationName ?? '';
  const known = byName.get(key);
  if (known !== undefined && (known === null || known.schema === schema)) return known;
  const operation = getOperationAST(document, operationName);
  let result: Compiled | null = null;
  if (operation) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    result = {
      schema,
      operation,
      shape: shapeOf(operation.selectionSet, fragments, new Map(), new Set()),
      mutationFields: operation.operation === 'mutation' ? rootFields(operation.selectionSet, fragments, new Map()) : 0,
      plan: compileCost(schema, operation, fragments),
    };
  }
  byName.set(key, result);
  return result;
}

type Variables = Record<string, unknown> | null | undefined;

/** The priced cost ("points") of an operation before it runs: what `extensions.cost.requestedQueryCost` reports. 0 if there is no such operation. */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Variables): number {
  const c = compiled(schema, document, operationName);
  return c ? requestedCost(c.plan, variables) : 0;
}

/**
 * The same pricing walked alongside the executed result `data` (`actualQueryCost`): a connection counts the
 * items it returned, a list its length, a null object its own price only; never more than `operationCost`.
 */
export function actualOperationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
  data: unknown,
): number {
  const c = compiled(schema, document, operationName);
  return c ? actualCost(c.plan, variables, data) : 0;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** "13 fields deep (at most 12: 1 over)". */
const over = (value: number, max: number, unit: string, hint = '') => `${fmt(value)} ${unit} (at most ${fmt(max)}: ${fmt(value - max)} over${hint})`;

/**
 * Why an operation (valid by the standard rules) may not run, or undefined. Invalid variables are left to
 * execution, which reports them as usual.
 */
export function operationLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): GraphQLError | undefined {
  const c = compiled(schema, document, operationName);
  if (!c) return undefined;
  const problems: string[] = [];
  const { depth, fields, aliases } = c.shape;
  if (depth > MAX_DEPTH) problems.push(`is nested ${over(depth, MAX_DEPTH, 'fields deep')}`);
  if (fields > MAX_FIELDS) problems.push(`selects ${over(fields, MAX_FIELDS, 'fields', '; a fragment counts each time it is spread')}`);
  if (aliases > MAX_ALIASES) problems.push(`has ${over(aliases, MAX_ALIASES, 'aliased fields')}`);
  if (c.mutationFields > MAX_MUTATION_FIELDS) problems.push(`has ${over(c.mutationFields, MAX_MUTATION_FIELDS, 'mutation fields')}`);
  const cost = requestedCost(c.plan, variables);
  if (cost > MAX_QUERY_COST) {
    problems.push(`costs ${over(cost, MAX_QUERY_COST, 'points', '; lower `first`/`last`, nest fewer lists, ask for fewer counts and aggregates')}`);
  }
  if (!problems.length) return undefined;
  return new GraphQLError(`The operation is over its limits: it ${problems.join(', and it ')}. See "Cost and limits" in the README.`, {
    extensions: { code: 'QUERY_TOO_COMPLEX' },
  });
}

/** The limits over HTTP: refused before execution, HTTP 400. */
export function limitsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request }) {
          const error = operationLimitError(schema, document, operationName, request.variables);
          if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
