import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getOperationAST,
  GraphQLError,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/**
 * Depth and cost limits of an operation, the same over HTTP (an Apollo plugin) and over WebSocket (graphql-ws
 * `onSubscribe`, after the standard validation). Too deep or too costly: `QUERY_TOO_COMPLEX`, nothing runs.
 *
 * Depth is our own small walk rather than graphql-depth-limit (last released 2018; it throws on an unknown
 * fragment and recurses without end on a fragment cycle, both of which other validation rules report
 * properly). Cost uses graphql-query-complexity, with the estimator below.
 */

/** Most fields nested in one another (`{ viewer { network { slug } } }` is 3); introspection fields do not count. */
export const MAX_DEPTH = 12;
/** Most cost of one operation (see `cost`): the number of objects it may return. */
export const MAX_COST = 50_000;
/** The page size a connection is assumed to return when neither `first` nor `last` is given (the API's default). */
const DEFAULT_PAGE = 20;

/**
 * The objects an operation may return (as GitHub's node limit counts them): every object field costs 1 plus
 * what it selects, scalars nothing; a connection's selection counts once per item it may return (`first` or
 * `last`, else 20), `nodes(ids:)` once per ID. So `groups(first: 50) { nodes { name } }` costs 1 + 50 × 1 = 51,
 * 100 groups with 100 members each about 20,000, and a third nested page of 100 over a million (refused).
 */
const cost: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const type = getNamedType(field.type);
  if (!isCompositeType(type)) return 0;
  if (type.name.endsWith('Connection')) {
    const page = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE;
    return 1 + childComplexity * Math.max(page, 1);
  }
  if (Array.isArray(args.ids)) return 1 + childComplexity * args.ids.length;
  return 1 + childComplexity;
};

/** The deepest nesting of fields in a selection set; a fragment's depth is computed once, cycles count as 0. */
function depthOf(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  memo: Map<string, number>,
  visiting: Set<string>,
): number {
  let max = 0;
  for (const selection of set.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      depth = 1 + (selection.selectionSet ? depthOf(selection.selectionSet, fragments, memo, visiting) : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = depthOf(selection.selectionSet, fragments, memo, visiting);
    } else {
      const name = selection.name.value;
      const known = memo.get(name);
      const fragment = fragments.get(name);
      if (known !== undefined) depth = known;
      else if (fragment && !visiting.has(name)) {
        visiting.add(name);
        depth = depthOf(fragment.selectionSet, fragments, memo, visiting);
        visiting.delete(name);
        memo.set(name, depth);
      }
    }
    max = Math.max(max, depth);
  }
  return max;
}

const NODES_EXCEEDED = 'Query exceeds the maximum allowed number of nodes';

/**
 * Why an operation (valid by the standard rules) may not run, or undefined. Invalid variables are left to
 * execution, which reports them as usual.
 */
export function operationLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depth = depthOf(operation.selectionSet, fragments, new Map(), new Set());
  if (depth > MAX_DEPTH) return tooComplex(`The operation is nested ${depth} fields deep; at most ${MAX_DEPTH} are allowed`);
  let total: number;
  try {
    total = getComplexity({
      schema,
      query: document,
      operationName: operation.name?.value,
      variables: variables ?? {},
      estimators: [cost],
    });
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(NODES_EXCEEDED)) return tooComplex('The operation selects too many fields');
    return undefined;
  }
  if (total > MAX_COST) {
    return tooComplex(
      `The operation may return ${total} objects; at most ${MAX_COST} are allowed (a connection counts its selection once per requested item: lower \`first\`/\`last\` or nest fewer lists)`,
    );
  }
  return undefined;
}

const tooComplex = (message: string) => new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

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

/**
 * The cost ("points") of an operation before it runs: what the rate limit takes from the caller's budget.
 */
// placeholder: replaced by the pricing change
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  return getComplexity({ schema, query: document, operationName: operationName ?? undefined, variables: variables ?? {}, estimators: [cost] });
}

/** The cost of an operation that ran, given its result data (at most `operationCost`): the rate limit refunds the difference. */
// placeholder: replaced by the pricing change
export function actualOperationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  _data: unknown,
): number {
  return operationCost(schema, document, operationName, variables);
}
