import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  Kind,
  type DirectiveNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * The priced cost of an operation ("points"): what it may make the database do, known before it runs.
 *
 * - A scalar or enum field costs 0, except `totalCount` (20: it counts the whole list) and fields with a
 *   declared price (`@Extensions({ cost: N })`: the aggregates, counts and whole-set reads).
 * - An object field costs 1 plus its selection; a list of objects of unknown length the same (it is read in
 *   one query); `PageInfo` costs 0 (computed in memory).
 * - A connection (a type named `…Connection`) costs 2 plus its own fields (`totalCount` 20, `pageInfo` 0) plus
 *   page × (1 + the selection of an item) for each of `nodes` and `edges` selected (an edge's `node` adds
 *   only its selection); page = `first` ?? `last` ?? 20.
 * - A list fetched by IDs (`nodes(ids:)`, federation's `_entities(representations:)`) costs 1 plus, per ID,
 *   1 + the selection.
 * - A root Mutation field costs MUTATION_PRICE plus its selection; every other root field at least 1.
 * - A declared price adds to the field's base; inline fragments and fragments on an abstract type cost the
 *   most expensive possible type's selection; `@skip` / `@include` are honoured; a field selected twice
 *   (e.g. directly and in a fragment) counts twice.
 *
 * Declared prices sit on the fields themselves (`@Extensions({ cost: N })` in the resolvers; the README lists
 * them); the served schema keeps them although federation rebuilds it from SDL (./federation.ts).
 *
 * The operation is compiled once per document into a plan (fragments once per name and type, cycles cut),
 * which each request then evaluates with its variables.
 */

/** `totalCount`: one count over the whole list. */
export const TOTAL_COUNT_PRICE = 20;
/** A root Mutation field: a write (statements, locks, an event, a WAL flush at commit), however small its result. */
export const MUTATION_PRICE = 15;
/** A connection field of its own: the page query. */
const CONNECTION_PRICE = 2;
/** The page size assumed when neither `first` nor `last` is given: the API's default. */
const DEFAULT_PAGE = 20;

const enum FieldKind {
  Leaf,
  Object,
  List,
  Connection,
  /** `nodes` / `edges` of a connection: priced per item by the connection's page. */
  Items,
  /** `nodes(ids:)`: priced per ID. */
  ById,
}

interface Conditions {
  readonly skip?: ValueNode;
  readonly include?: ValueNode;
}

interface FieldPlan {
  /** The response key (alias or name). */
  readonly key: string;
  readonly kind: FieldKind;
  /** What the field costs on its own (its base plus a declared price); an Items field: per item. */
  readonly price: number;
  readonly conditions: Conditions | undefined;
  /** Connection: `first` and `last`; ById: the IDs. */
  readonly first?: ValueNode;
  readonly last?: ValueNode;
  readonly ids?: ValueNode;
  readonly set: SetPlan;
}

interface SetPlan {
  readonly fields: FieldPlan[];
  /** Fragments that apply to the type, with their own `@skip` / `@include`. */
  readonly parts: Array<{ readonly conditions: Conditions | undefined; readonly set: SetPlan }>;
  /** On an abstract type: one plan per possible type (the most expensive one counts); fields and parts empty. */
  readonly branches?: SetPlan[];
  /** A fragment's plan, spread possibly many times: evaluated once per request. */
  readonly shared: boolean;
}

const EMPTY: SetPlan = { fields: [], parts: [], shared: false };

export interface CostPlan {
  readonly root: SetPlan;
  /** Default values of the operation's variables, for variables the request leaves out. */
  readonly defaults: ReadonlyMap<string, ValueNode>;
}

/** The declared price of a field (`@Extensions({ cost: N })`), 0 if none. */
function declaredPrice(field: GraphQLField<unknown, unknown>): number {
  const cost = field.extensions?.cost;
  return typeof cost === 'number' && Number.isFinite(cost) && cost > 0 ? cost : 0;
}

function conditionsOf(directives: readonly DirectiveNode[] | undefined): Conditions | undefined {
  if (!directives?.length) return undefined;
  let skip: ValueNode | undefined;
  let include: ValueNode | undefined;
  for (const d of directives) {
    const value = d.arguments?.find((a) => a.name.value === 'if')?.value;
    if (d.name.value === 'skip') skip = value;
    else if (d.name.value === 'include') include = value;
  }
  return skip || include ? { skip, include } : undefined;
}

/** Compiles an operation's selection into a plan; fragments once per (name, type), cycles cut (validation reports them). */
class Compiler {
  private readonly memo = new Map<string, SetPlan>();
  private readonly visiting = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  set(type: GraphQLCompositeType, selectionSet: SelectionSetNode, root?: 'mutation' | 'other'): SetPlan {
    if (!isAbstractType(type)) return this.objectSet(type, selectionSet, root, false);
    const branches = this.schema.getPossibleTypes(type).map((t) => this.objectSet(t, selectionSet, root, false));
    return { fields: [], parts: [], branches, shared: false };
  }

  private objectSet(type: GraphQLObjectType, selectionSet: SelectionSetNode, root: 'mutation' | 'other' | undefined, shared: boolean): SetPlan {
    const plan: SetPlan = { fields: [], parts: [], shared };
    this.collect(type, selectionSet, root, plan);
    return plan;
  }

  private collect(type: GraphQLObjectType, selectionSet: SelectionSetNode, root: 'mutation' | 'other' | undefined, into: SetPlan): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const field = type.getFields()[name];
        if (field) into.fields.push(this.field(type, field, selection.alias?.value ?? name, selection, root));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (selection.typeCondition && !this.applies(selection.typeCondition.name.value, type)) continue;
        const conditions = conditionsOf(selection.directives);
        if (!conditions) this.collect(type, selection.selectionSet, root, into);
        else into.parts.push({ conditions, set: this.objectSet(type, selection.selectionSet, root, false) });
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        if (!fragment || !this.applies(fragment.typeCondition.name.value, type)) continue;
        const key = `${name}\0${type.name}`;
        let set = this.memo.get(key);
        if (!set) {
          if (this.visiting.has(key)) continue;
          this.visiting.add(key);
          set = this.objectSet(type, fragment.selectionSet, root, true);
          this.visiting.delete(key);
          this.memo.set(key, set);
        }
        into.parts.push({ conditions: conditionsOf(selection.directives), set });
      }
    }
  }

  private applies(condition: string, type: GraphQLObjectType): boolean {
    if (condition === type.name) return true;
    const t = this.schema.getType(condition);
    return !!t && isAbstractType(t) && this.schema.isSubType(t, type);
  }

  private field(
    parent: GraphQLObjectType,
    field: GraphQLField<unknown, unknown>,
    key: string,
    node: { selectionSet?: SelectionSetNode; directives?: readonly DirectiveNode[]; arguments?: readonly { name: { value: string }; value: ValueNode }[] },
    root: 'mutation' | 'other' | undefined,
  ): FieldPlan {
    const declared = declaredPrice(field);
    const conditions = conditionsOf(node.directives);
    const named = getNamedType(field.type);
    const arg = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
    if (!isCompositeType(named)) {
      const base = root === 'mutation' ? MUTATION_PRICE : field.name === 'totalCount' ? TOTAL_COUNT_PRICE : 0;
      return { key, kind: FieldKind.Leaf, price: Math.max(base + declared, root ? 1 : 0), conditions, set: EMPTY };
    }
    const set = node.selectionSet ? this.set(named, node.selectionSet) : EMPTY;
    const list = isListType(getNullableType(field.type));
    const at = (price: number) => (root === 'mutation' ? MUTATION_PRICE : price) + declared;
    if (list && parent.name.endsWith('Connection') && (field.name === 'nodes' || field.name === 'edges')) {
      return { key, kind: FieldKind.Items, price: 1 + declared, conditions, set };
    }
    // An edge's `node` is the item the `edges` field already priced.
    if (parent.name.endsWith('Edge') && field.name === 'node') return { key, kind: FieldKind.Object, price: declared, conditions, set };
    if (named.name.endsWith('Connection')) {
      return { key, kind: FieldKind.Connection, price: at(CONNECTION_PRICE), conditions, first: arg('first'), last: arg('last'), set };
    }
    const ids = list ? (arg('ids') ?? arg('representations')) : undefined;
    if (ids) return { key, kind: FieldKind.ById, price: at(1), conditions, ids, set };
    if (named.name === 'PageInfo') return { key, kind: FieldKind.Object, price: at(0), conditions, set };
    return { key, kind: list ? FieldKind.List : FieldKind.Object, price: at(1), conditions, set };
  }
}

/** The plan of one operation (valid or not: unknown fields and fragments are left out, cycles cut). */
export function compileCost(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): CostPlan {
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  const type = schema.getRootType(operation.operation);
  if (!type) return { root: EMPTY, defaults };
  const root = new Compiler(schema, fragments).set(type, operation.selectionSet, operation.operation === 'mutation' ? 'mutation' : 'other');
  return { root, defaults };
}

type Variables = Record<string, unknown> | null | undefined;

/** A request's view of the plan: its variables, and the fragments it has already priced. */
class Evaluation {
  private fixedMemo?: Map<SetPlan, number>;
  private itemMemo?: Map<SetPlan, number>;
  private actualMemo?: Map<SetPlan, Map<object, number>>;
  private priceMemo?: Map<SetPlan, number>;

  constructor(
    private readonly plan: CostPlan,
    private readonly variables: Variables,
  ) {}

  value(node: ValueNode | undefined): unknown {
    if (!node) return undefined;
    switch (node.kind) {
      case Kind.VARIABLE: {
        const name = node.name.value;
        if (this.variables && Object.prototype.hasOwnProperty.call(this.variables, name)) return this.variables[name];
        const fallback = this.plan.defaults.get(name);
        return fallback && fallback.kind !== Kind.VARIABLE ? this.value(fallback) : undefined;
      }
      case Kind.INT:
        return Number(node.value);
      case Kind.BOOLEAN:
        return node.value;
      case Kind.LIST:
        return node.values;
      case Kind.NULL:
        return null;
      default:
        return node;
    }
  }

  included(c: Conditions | undefined): boolean {
    return !c || (this.value(c.skip) !== true && this.value(c.include) !== false);
  }

  page(f: FieldPlan): number {
    const first = this.value(f.first);
    const last = this.value(f.last);
    const n = typeof first === 'number' ? first : typeof last === 'number' ? last : DEFAULT_PAGE;
    return Number.isFinite(n) ? Math.max(0, n) : DEFAULT_PAGE;
  }

  /** How many IDs: a list's length; a single value is coerced to a list of one. */
  count(node: ValueNode | undefined): number {
    const v = this.value(node);
    return Array.isArray(v) ? v.length : v === null || v === undefined ? 0 : 1;
  }

  /** The cost of a selection set, apart from connection items (which `perItem` prices). */
  fixed(set: SetPlan): number {
    if (set.branches) return this.maxOver(set.branches, (b) => this.fixed(b));
    const known = set.shared ? this.fixedMemo?.get(set) : undefined;
    if (known !== undefined) return known;
    let sum = 0;
    for (const f of set.fields) if (f.kind !== FieldKind.Items && this.included(f.conditions)) sum += this.field(f);
    for (const p of set.parts) if (this.included(p.conditions)) sum += this.fixed(p.set);
    if (set.shared) (this.fixedMemo ??= new Map()).set(set, sum);
    return sum;
  }

  /** What one item of a connection costs: its `nodes` and `edges` selections. */
  perItem(set: SetPlan): number {
    if (set.branches) return this.maxOver(set.branches, (b) => this.perItem(b));
    const known = set.shared ? this.itemMemo?.get(set) : undefined;
    if (known !== undefined) return known;
    let sum = 0;
    for (const f of set.fields) if (f.kind === FieldKind.Items && this.included(f.conditions)) sum += f.price + this.fixed(f.set);
    for (const p of set.parts) if (this.included(p.conditions)) sum += this.perItem(p.set);
    if (set.shared) (this.itemMemo ??= new Map()).set(set, sum);
    return sum;
  }

  private field(f: FieldPlan): number {
    switch (f.kind) {
      case FieldKind.Leaf:
        return f.price;
      case FieldKind.Connection:
        return f.price + this.fixed(f.set) + this.page(f) * this.perItem(f.set);
      case FieldKind.ById:
        return f.price + this.count(f.ids) * (1 + this.fixed(f.set));
      default:
        return f.price + this.fixed(f.set);
    }
  }

  /** The cost walked alongside the result: items actually returned, null objects at their own price only. */
  actual(set: SetPlan, data: Record<string, unknown>): number {
    if (set.branches) return this.maxOver(set.branches, (b) => this.actual(b, data));
    let byData = set.shared ? this.actualMemo?.get(set) : undefined;
    const known = byData?.get(data);
    if (known !== undefined) return known;
    let sum = 0;
    for (const f of set.fields) {
      if (!this.included(f.conditions)) continue;
      const value = data[f.key];
      // Absent: not part of the result (another possible type's field).
      if (value === undefined) continue;
      sum += this.actualField(f, value);
    }
    for (const p of set.parts) if (this.included(p.conditions)) sum += this.actual(p.set, data);
    if (set.shared) {
      if (!byData) (this.actualMemo ??= new Map()).set(set, (byData = new Map()));
      byData.set(data, sum);
    }
    return sum;
  }

  private actualField(f: FieldPlan, value: unknown): number {
    if (f.kind === FieldKind.Leaf) return f.price;
    if (value === null || typeof value !== 'object') return f.kind === FieldKind.Items ? 0 : f.price;
    switch (f.kind) {
      case FieldKind.Items:
        return this.each(value, (item) => (item === null ? f.price : f.price + this.actual(f.set, item)));
      case FieldKind.ById:
        return f.price + this.each(value, (item) => (item === null ? 1 : 1 + this.actual(f.set, item)));
      case FieldKind.List:
        // Priced as one object when requested (its length is unknown then): never more than that.
        return (
          f.price +
          Math.min(
            this.fixed(f.set),
            this.each(value, (item) => (item === null ? 0 : this.actual(f.set, item))),
          )
        );
      default:
        return f.price + (Array.isArray(value) ? 0 : this.actual(f.set, value as Record<string, unknown>));
    }
  }

  /** Sums over a list's items (nested lists flattened); a single object counts as one item. */
  private each(value: object, cost: (item: Record<string, unknown> | null) => number): number {
    if (!Array.isArray(value)) return cost(value as Record<string, unknown>);
    let sum = 0;
    for (const item of value) {
      if (Array.isArray(item)) sum += this.each(item, cost);
      else sum += cost(item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : null);
    }
    return sum;
  }

  /** Root fields without data (the operation failed as a whole): each at its own price. */
  ownPrices(set: SetPlan): number {
    if (set.branches) return this.maxOver(set.branches, (b) => this.ownPrices(b));
    const known = set.shared ? this.priceMemo?.get(set) : undefined;
    if (known !== undefined) return known;
    let sum = 0;
    for (const f of set.fields) if (this.included(f.conditions)) sum += f.price;
    for (const p of set.parts) if (this.included(p.conditions)) sum += this.ownPrices(p.set);
    if (set.shared) (this.priceMemo ??= new Map()).set(set, sum);
    return sum;
  }

  private maxOver(sets: SetPlan[], cost: (s: SetPlan) => number): number {
    let max = 0;
    for (const s of sets) max = Math.max(max, cost(s));
    return max;
  }
}

/** The requested cost of a compiled operation with these variables. */
export function requestedCost(plan: CostPlan, variables: Variables): number {
  return new Evaluation(plan, variables).fixed(plan.root);
}

/** The cost of what actually ran: `data` is the operation's result data (null when it failed as a whole). */
export function actualCost(plan: CostPlan, variables: Variables, data: unknown): number {
  const evaluation = new Evaluation(plan, variables);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return evaluation.ownPrices(plan.root);
  return evaluation.actual(plan.root, data as Record<string, unknown>);
}
