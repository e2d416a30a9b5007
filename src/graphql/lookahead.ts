import { getArgumentValues, getDirectiveValues, GraphQLIncludeDirective, GraphQLSkipDirective, isObjectType, Kind } from 'graphql';
import type { Context } from './context';
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Lookahead over the selection: while an object is being read by id (`node(id:)`), its selected fields whose
 * reads depend only on that id are started too, in the same tick, so that their statements share the object's
 * round trip (src/db/batch.ts) instead of waiting for it. It runs the fields' own resolvers (the same access
 * helpers, the same loaders with the same keys) on a stand-in holding only the id; when GraphQL later resolves
 * those fields on the real object, their loaders answer from the request's cache, without a statement.
 *
 * Only fields declared by the type (`registerNodeType(…, { lookahead })`) are started: fields whose resolvers
 * read nothing of their parent but its id, and which record nothing (no audit entry) when read. What a started
 * field reads is never returned unless GraphQL resolves that field on the visible object: for an object the
 * caller may not see, `node` answers null and the reads are dropped with the request. Errors are dropped too:
 * the real resolution reports them.
 */
export function startSelectedFields(ctx: Context, info: GraphQLResolveInfo, typeName: string, standIn: object, fieldNames: ReadonlySet<string>): void {
  const type = info.schema.getType(typeName);
  if (!isObjectType(type)) return;
  const fields = type.getFields();
  for (const node of selectedFields(info, typeName)) {
    const name = node.name.value;
    const def = fields[name];
    if (!fieldNames.has(name) || !def?.resolve) continue;
    try {
      const args = getArgumentValues(def, node, info.variableValues);
      const fieldInfo: GraphQLResolveInfo = {
        ...info,
        fieldName: name,
        fieldNodes: [node],
        returnType: def.type,
        parentType: type,
        path: { prev: info.path, key: node.alias?.value ?? name, typename: typeName },
      };
      void Promise.resolve(def.resolve(standIn, args, ctx, fieldInfo)).catch(() => undefined);
    } catch {
      // Bad arguments and the like: the real resolution reports them.
    }
  }
}

/** The field nodes selected directly on objects of `typeName` below the current field (through fragments), @skip/@include applied. */
function selectedFields(info: GraphQLResolveInfo, typeName: string): FieldNode[] {
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const included = (node: FieldNode | { directives?: FieldNode['directives'] }) => {
    const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, info.variableValues);
    const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, info.variableValues);
    return skip?.if !== true && include?.if !== false;
  };
  const walk = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (!included(s)) continue;
      if (s.kind === Kind.FIELD) found.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (!s.typeCondition || s.typeCondition.name.value === typeName) walk(s.selectionSet);
      } else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = info.fragments[s.name.value];
        if (fragment && fragment.typeCondition.name.value === typeName) walk(fragment.selectionSet);
      }
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet);
  return found;
}
