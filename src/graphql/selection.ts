import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * True when a field of this name is selected anywhere below the current field (through fragments too).
 * Lets a list resolver read along what its items' fields will ask for, instead of one more statement.
 */
export function selects(info: GraphQLResolveInfo, fieldName: string): boolean {
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined): boolean =>
    !!set &&
    set.selections.some((s) => {
      if (s.kind === 'Field') return s.name.value === fieldName || walk(s.selectionSet);
      if (s.kind === 'InlineFragment') return walk(s.selectionSet);
      const name = s.name.value;
      if (seen.has(name)) return false;
      seen.add(name);
      return walk(info.fragments[name]?.selectionSet);
    });
  return info.fieldNodes.some((node) => walk(node.selectionSet));
}
