import fs from 'node:fs';
import path from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { getSchema } from '../../src/graphql/schema';
import { declaredRuleName, ruleByName } from '../../src/modules/auth/allow';
import * as ruleBook from '../../src/modules/auth/rules';

/**
 * One rule book (src/modules/auth/rules.ts): every root field declares its rule with `@Allow`, and the README's
 * permission tables name every root field with the rule it declares.
 */

interface RootField {
  path: string; // e.g. `Query.groups`
  name: string;
  rule: string | undefined;
}

function rootFields(schema: GraphQLSchema): RootField[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
    Object.values(type?.getFields() ?? {}).map((f) => ({ path: `${type!.name}.${f.name}`, name: f.name, rule: declaredRuleName(f) })),
  );
}

let fields: RootField[];
beforeAll(async () => {
  fields = rootFields(await getSchema());
});

test('every root field and subscription declares a rule of the rule book', () => {
  expect(fields.length).toBeGreaterThan(50);
  const undeclared = fields.filter((f) => f.rule === undefined).map((f) => f.path);
  const unknown = fields.filter((f) => f.rule !== undefined && !ruleByName(f.rule)).map((f) => `${f.path} (${f.rule})`);
  expect({ undeclared, unknown }).toEqual({ undeclared: [], unknown: [] });
});

test('every rule of the rule book is used by a root field', () => {
  const used = new Set(fields.map((f) => f.rule));
  // Rules that only narrow inside fields (Member.email, Member.doNotContact) or inside a root field's own check.
  const insideFields = new Set(['readEmails', 'readContactWishes', 'readMemberDirectory', 'readNetworkAggregates', 'editAnyProfile']);
  expect(Object.keys(ruleBook).filter((name) => !used.has(name) && !insideFields.has(name))).toEqual([]);
});

/** The README from "### Permissions (as implemented)" to the next "## " heading: its tables' rows as cells. */
function permissionRows(): string[][] {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('### Permissions (as implemented)');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

const backticked = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

test("the README's permission tables name every root field with the rule it declares", () => {
  const rows = permissionRows();
  // The first cell names operations (`groups`, subscription `sessionChanged(groupId)`); the last, the rules.
  const named = (row: string[], field: RootField) =>
    backticked(row[0]).some((name) => name.replace(/\(.*$/, '') === field.name || name === field.path);
  const missing = fields.filter((f) => !rows.some((row) => named(row, f))).map((f) => f.path);
  const wrongRule = fields
    .filter((f) => rows.some((row) => named(row, f)) && !rows.some((row) => named(row, f) && backticked(row[row.length - 1]).includes(f.rule!)))
    .map((f) => `${f.path} (declares ${f.rule})`);
  const unknownRules = [...new Set(rows.slice(1).flatMap((row) => backticked(row[row.length - 1])))].filter((name) => !ruleByName(name));
  expect({ missing, wrongRule, unknownRules }).toEqual({ missing: [], wrongRule: [], unknownRules: [] });
});
