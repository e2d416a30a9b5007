import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, execute, parse, subscribe, type GraphQLSchema } from 'graphql';
import { getSchema } from '../../src/app/schema';
import { AppError } from '../../src/graphql/errors';
import { declaredRuleName, enforceDeclaredRules, ruleByName } from '../../src/modules/auth/allow';
import { ApiKeyScope } from '../../src/modules/auth/api-key.entity';
import * as ruleBook from '../../src/modules/auth/rules';
import { NetworkRole } from '../../src/modules/members/member.entity';

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

test('the declared rule runs before the resolver and before a subscription opens; a root field without one refuses everyone', async () => {
  const schema = buildSchema('type Query { declared: String, undeclared: String } type Subscription { live: String }');
  const query = schema.getQueryType()!.getFields();
  const live = schema.getSubscriptionType()!.getFields().live;
  let ran = 0;
  query.declared.extensions = { access: 'readGroups' };
  query.declared.resolve = () => `ran ${++ran}`;
  query.undeclared.resolve = () => `ran ${++ran}`;
  live.extensions = { access: 'readGroups' };
  live.subscribe = async function* () {
    ran++;
    yield { live: 'event' };
  };
  enforceDeclaredRules(schema);
  const member = { principal: { kind: 'MEMBER', memberId: 'm', role: NetworkRole.MEMBER } };
  const writeKey = { principal: { kind: 'API_KEY', apiKeyId: 'k', scopes: new Set([ApiKeyScope.WRITE]) } };
  const codes = (errors: readonly { originalError?: Error | null }[] | undefined) =>
    (errors ?? []).map((e) => (e.originalError instanceof AppError ? e.originalError.code : e.originalError?.message));

  const asMember = await execute({ schema, document: parse('{ declared undeclared }'), contextValue: member });
  expect(asMember.data).toEqual({ declared: 'ran 1', undeclared: null });
  expect(codes(asMember.errors)).toEqual(['FORBIDDEN']);
  const asKey = await execute({ schema, document: parse('{ declared }'), contextValue: writeKey });
  expect(codes(asKey.errors)).toEqual(['FORBIDDEN']);
  const refused = await subscribe({ schema, document: parse('subscription { live }'), contextValue: writeKey });
  expect(codes((refused as { errors?: [] }).errors)).toEqual(['FORBIDDEN']);
  expect(ran).toBe(1);
});

/** The README's tables from "### Permissions (as implemented)" to the next "## " heading, each as header and rows of cells. */
function permissionTables(): Array<{ header: string[]; rows: string[][] }> {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('### Permissions (as implemented)');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start);
  const tables: Array<{ header: string[]; rows: string[][] }> = [];
  let inTable = false;
  for (const line of readme.slice(start, end < 0 ? undefined : end).split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (!inTable) tables.push({ header: cells, rows: [] });
    else if (!cells.every((cell) => /^-+$/.test(cell))) tables[tables.length - 1].rows.push(cells);
    inTable = true;
  }
  return tables;
}

const backticked = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

test("the README's table of rules is the rule book", () => {
  const table = permissionTables().find((t) => t.header[0] === 'rule');
  expect(table?.rows.map((row) => backticked(row[0])[0]).sort()).toEqual(Object.keys(ruleBook).sort());
});

test("the README's permission tables name every root field with the rule it declares", () => {
  // Operation tables: the first cell names operations (`groups`, subscription `sessionChanged(groupId)`), the `rule` cell their rules.
  const rows = permissionTables()
    .filter((t) => t.header[0] === 'operation')
    .flatMap((t) =>
      t.rows.map((row) => ({
        operations: backticked(row[0]).map((name) => name.replace(/\(.*$/, '')),
        rules: backticked(row[t.header.indexOf('rule')] ?? ''),
      })),
    );
  const rowsOf = (f: RootField) => rows.filter((row) => row.operations.includes(f.name));
  const missing = fields.filter((f) => !rowsOf(f).length).map((f) => f.path);
  const wrongRule = fields
    .filter((f) => f.rule !== undefined && rowsOf(f).length && !rowsOf(f).some((row) => row.rules.includes(f.rule!)))
    .map((f) => `${f.path} (declares ${f.rule})`);
  const named = new Set(rows.flatMap((row) => row.rules));
  const unknownRules = [...named].filter((name) => !ruleByName(name));
  const unexplainedRules = Object.keys(ruleBook).filter((name) => !named.has(name));
  expect({ missing, wrongRule, unknownRules, unexplainedRules }).toEqual({ missing: [], wrongRule: [], unknownRules: [], unexplainedRules: [] });
});
