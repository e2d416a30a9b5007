import { defaultFieldResolver, type GraphQLField, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { Extensions } from 'type-graphql';
import { forbidden } from '../../graphql/errors';
import { authorize, type AccessRule } from './access';
import * as ruleBook from './rules';
import type { Context } from '../../graphql/context';

/**
 * Every root field (Query, Mutation, Subscription) declares who may call it, by the name of a rule of the rule
 * book (./rules.ts), in its extensions: `{ access: 'readGroups' }`. `enforceDeclaredRules` turns the
 * declarations into the gate itself, so what is declared is what runs; test/auth/rule-book.test.ts fails for a
 * root field without one.
 */

export type RuleName = keyof typeof ruleBook;

const RULES: ReadonlyMap<string, AccessRule> = new Map(Object.entries(ruleBook));

/** The name under which the rule book holds this very rule; throws for a rule defined anywhere else. */
function ruleName(rule: AccessRule): RuleName {
  for (const [name, r] of RULES) if (r === rule) return name as RuleName;
  throw new Error('@Allow takes a rule of the rule book (src/modules/auth/rules.ts)');
}

/** Declares a root field's rule: `@Allow(readGroups)`. Checked before the resolver (or, for a subscription, before it subscribes). */
export function Allow(rule: AccessRule): MethodDecorator & PropertyDecorator {
  return Extensions({ access: ruleName(rule) });
}

/** The rule a field declares, by name; undefined when it declares none. */
export function declaredRuleName(field: Pick<GraphQLField<unknown, unknown>, 'extensions'>): string | undefined {
  const name = (field.extensions as { access?: unknown } | undefined)?.access;
  return typeof name === 'string' ? name : undefined;
}

/** The rule book's rule of this name, or undefined. */
export const ruleByName = (name: string): AccessRule | undefined => RULES.get(name);

/** Declares a rule on a field built without type-graphql (federation's `_entities`, `_service`). */
export function declareRule(field: GraphQLField<unknown, unknown>, rule: AccessRule): void {
  field.extensions = { ...field.extensions, access: ruleName(rule) };
}

/**
 * Runs every root field's declared rule before it: before the resolver of a query or mutation, and at
 * subscribe time for a subscription (type-graphql's middlewares do not run there). A subscription's events are
 * checked again under the subscriber's context by the feature (src/realtime/subscriptions.ts). A root field
 * without a rule of the rule book refuses everyone (FORBIDDEN): a forgotten declaration closes the field rather
 * than opening it, and the rule-book test names it.
 */
export function enforceDeclaredRules(schema: GraphQLSchema): void {
  const subscriptionType = schema.getSubscriptionType();
  for (const type of [schema.getQueryType(), schema.getMutationType(), subscriptionType]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const name = declaredRuleName(field);
      const rule = name === undefined ? undefined : ruleByName(name);
      const check = rule
        ? (ctx: Context) => authorize(ctx, rule)
        : () => {
            throw forbidden(`${type!.name}.${field.name} declares no access rule`);
          };
      const gated = <F extends GraphQLFieldResolver<unknown, Context>>(run: F): F =>
        ((source, args, ctx: Context, info) => {
          check(ctx);
          return run(source, args, ctx, info);
        }) as F;
      if (type === subscriptionType) field.subscribe = gated(field.subscribe ?? defaultFieldResolver);
      else field.resolve = gated(field.resolve ?? defaultFieldResolver);
    }
  }
}
