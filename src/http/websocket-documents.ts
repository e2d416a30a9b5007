import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { documentRefused } from '../graphql/errors';

/**
 * Parsed and validated graphql-ws documents by query text: 1,000 subscribers of the same operation share one
 * AST (and one validation). The least recently used entry goes first once `max` are held.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly max: number,
  ) {}

  /** The query's document, or the errors that refuse it (parse or validation failures: BAD_USER_INPUT). */
  get(query: string): DocumentNode | readonly GraphQLError[] {
    let entry = this.documents.get(query);
    if (entry) {
      this.documents.delete(query);
    } else {
      entry = this.build(query);
      if (this.documents.size >= this.max) this.documents.delete(this.documents.keys().next().value!);
    }
    this.documents.set(query, entry);
    return entry;
  }

  private build(query: string): DocumentNode | readonly GraphQLError[] {
    let parsed: DocumentNode;
    try {
      parsed = parse(query);
    } catch (err) {
      return [documentRefused((err as Error).message, 'GRAPHQL_PARSE_FAILED').toGraphQLError()];
    }
    const invalid = validate(this.schema, parsed, this.rules);
    return invalid.length ? invalid.map((e) => documentRefused(e.message, 'GRAPHQL_VALIDATION_FAILED').toGraphQLError()) : parsed;
  }
}
