import { Kind, visit, type DocumentNode, type GraphQLError, type ValueNode } from 'graphql';
import { badInput, type FieldError } from './errors';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Text no argument may carry, checked on every string of the operation's arguments (literals and variables,
 * whatever their type) before anything runs, so the answer names the argument: the NUL character, which
 * PostgreSQL cannot store, and a lone UTF-16 surrogate, which is not Unicode (PostgreSQL refuses it in JSON,
 * `encodeURIComponent` throws on it). No valid value of any of our types contains either.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text (it contains a lone UTF-16 surrogate)';
  return undefined;
}

/** As graphql-js does for variables: past this many, stop looking. */
const MAX_REPORTED = 50;

type Path = Array<string | number>;

/**
 * The invalid strings of an operation's arguments, each with its path from the argument name (as for
 * validation errors: `["input", "agenda", 3, "prompt"]`); object keys of JSON values are checked too.
 */
export function inputTextErrors(document: DocumentNode, variables: Record<string, unknown> | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const check = (text: string, path: Path) => {
    const message = textProblem(text);
    if (message && errors.length < MAX_REPORTED) errors.push({ path, message });
  };
  const walkJson = (value: unknown, path: Path): void => {
    if (errors.length >= MAX_REPORTED) return;
    if (typeof value === 'string') check(value, path);
    else if (Array.isArray(value)) value.forEach((v, i) => walkJson(v, [...path, i]));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        check(k, [...path, k]);
        walkJson(v, [...path, k]);
      }
    }
  };
  const walkValue = (node: ValueNode, path: Path): void => {
    if (node.kind === Kind.STRING) check(node.value, path);
    else if (node.kind === Kind.VARIABLE) walkJson(variables?.[node.name.value], path);
    else if (node.kind === Kind.LIST) node.values.forEach((v, i) => walkValue(v, [...path, i]));
    else if (node.kind === Kind.OBJECT) for (const f of node.fields) walkValue(f.value, [...path, f.name.value]);
  };
  // Arguments of fields and directives, in every operation and fragment of the document: what is not executed
  // is not worth telling apart, and no client sends such text on purpose.
  visit(document, { Argument: (node) => walkValue(node.value, [node.name.value]) });
  return errors;
}

/** Why an operation's arguments may not run (BAD_USER_INPUT with fieldErrors), or undefined; for HTTP and WebSocket alike. */
export function inputTextError(document: DocumentNode, variables: Record<string, unknown> | null | undefined): GraphQLError | undefined {
  const fieldErrors = inputTextErrors(document, variables ?? undefined);
  if (!fieldErrors.length) return undefined;
  const where = fieldErrors.map((f) => f.path.join('.')).join(', ');
  return badInput(`Invalid text in ${where}: ${fieldErrors[0].message}`, fieldErrors).toGraphQLError();
}

/** Over HTTP: invalid text in the arguments is BAD_USER_INPUT (HTTP 400) before execution, with fieldErrors. */
export function inputTextPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const error = inputTextError(document, request.variables);
          if (error) throw error;
        },
      };
    },
  };
}
