import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDatabase, type Database } from './app/database';
import { ConfigError, loadConfig, type Config } from './config/config';
import { createLogger } from './config/logger';
import { withTenant } from './db/tenant';
import { AppError } from './graphql/errors';
import { ApiKeyScope, NetworkRole } from './graphql/principal';
import { ALL_SCOPES, createApiKey, findApiKeyByReference, setTrustedDocumentsOnly } from './modules/auth/api-key.service';
import { registerTrustedDocuments, type DocumentToRegister } from './modules/auth/trusted-documents';
import { claimFirstStart, createNetwork, findNetworkBySlug } from './modules/networks/network.service';
import { parseRateLimit, setNetworkRateLimit } from './modules/rate-limits/rate-limit.service';
import { POLICY_TTL_MS } from './modules/rate-limits/rate-limiter';

const USAGE = `Usage: npm run --silent cli -- <command> [options]

Commands:
  create-network --slug <slug> --name <name> [--description <text>] [--time-zone <IANA>] [--json]
      Creates a network and an API key with every scope (READ, WRITE, PERSONAL_DATA, ADMIN, ISSUE_MEMBER_TOKENS;
      issuing member tokens up to ADMIN). Keep it on the server; make narrower keys for everything else.
  create-api-key --network <slug> --scopes READ,WRITE[,PERSONAL_DATA,ADMIN,ISSUE_MEMBER_TOKENS] [--name <name>]
                 [--member-token-max-role MEMBER|COORDINATOR|ADMIN] [--trusted-documents-only] [--json]
      Creates an API key for a network. The secret is printed once. With ISSUE_MEMBER_TOKENS, the key issues
      tokens for members up to --member-token-max-role (default MEMBER).
  register-trusted-documents --network <slug> --key <API key prefix or id> --manifest <file> [--only | --any] [--json]
      Registers documents for an API key: an Apollo persisted-query manifest ({"operations":[{"id","body","name"}]})
      or a JSON object of hash → document (graphql-codegen's persisted documents, SHA-256). --only puts the key
      in trusted-documents-only mode (it and its member tokens run nothing else); --any turns that off.
  set-rate-limit --network <slug> [--max <points>] [--restore-rate <points/s>] [--json]
  set-rate-limit --network <slug> --reset [--json]
      Gives a network its own rate-limit budget per credential (bucket size in cost points, points restored
      per second), or back the defaults (RATE_LIMIT_MAX, RATE_LIMIT_RESTORE_RATE). Running servers apply it
      within ${POLICY_TTL_MS / 1000} seconds.
  migrate
      Runs pending database migrations (the server also runs them at start).

Uses the same configuration as the server (DATABASE_URL, or the embedded database in DATA_DIR;
stop the server first when using the embedded database).`;

function parseScopes(raw: string | undefined): ApiKeyScope[] {
  const scopes = (raw ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const bad = scopes.filter((s) => !(ALL_SCOPES as string[]).includes(s));
  if (!scopes.length || bad.length) {
    throw new AppError('BAD_USER_INPUT', `--scopes must list some of ${ALL_SCOPES.join(', ')}${bad.length ? `; unknown: ${bad.join(', ')}` : ''}`);
  }
  return [...new Set(scopes)] as ApiKeyScope[];
}

function parseRole(raw: string | boolean | undefined): NetworkRole | undefined {
  if (raw === undefined) return undefined;
  const role = String(raw).trim().toUpperCase();
  if (!(Object.values(NetworkRole) as string[]).includes(role)) {
    throw new AppError('BAD_USER_INPUT', `--member-token-max-role must be one of ${Object.values(NetworkRole).join(', ')}`);
  }
  return role as NetworkRole;
}

/** An Apollo persisted-query manifest, or an object of hash → document (graphql-codegen's persisted documents). */
function parseManifest(text: string): DocumentToRegister[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('BAD_USER_INPUT', '--manifest is not JSON');
  }
  if (json && typeof json === 'object' && Array.isArray((json as { operations?: unknown }).operations)) {
    return (json as { operations: Array<{ id?: string; body?: unknown; name?: string }> }).operations.map((o) => {
      if (typeof o.body !== 'string') throw new AppError('BAD_USER_INPUT', 'every manifest operation needs a "body"');
      return { body: o.body, hash: o.id ?? null, name: o.name ?? null };
    });
  }
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    return Object.entries(json as Record<string, unknown>).map(([hash, body]) => {
      if (typeof body !== 'string') throw new AppError('BAD_USER_INPUT', 'a persisted-documents file maps each hash to a document text');
      return { body, hash };
    });
  }
  throw new AppError('BAD_USER_INPUT', '--manifest must be an Apollo persisted-query manifest or an object of hash → document');
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw new AppError('BAD_USER_INPUT', `--${name} is required`);
  return v;
}

async function run(command: string | undefined, values: Record<string, string | boolean | undefined>, db: () => Promise<Database>, config: Config) {
  const json = values.json === true;
  const print = (obj: object, text: string) => process.stdout.write((json ? JSON.stringify(obj) : text) + '\n');
  switch (command) {
    case 'create-network': {
      const database = await db();
      await claimFirstStart(database.dataSource); // a deployment set up by the CLI gets no demo data
      const network = await createNetwork(database.dataSource, {
        slug: required(values, 'slug'),
        name: required(values, 'name'),
        description: typeof values.description === 'string' ? values.description : null,
        timeZone: typeof values['time-zone'] === 'string' ? values['time-zone'] : undefined,
      });
      const { secret } = await withTenant(database.dataSource, network.id, (m) =>
        createApiKey(m, network.id, { name: 'Initial admin key (CLI)', scopes: ALL_SCOPES, memberTokenMaxRole: NetworkRole.ADMIN }),
      );
      print(
        { network: { id: network.globalId, slug: network.slug }, apiKey: secret },
        `Created network "${network.name}" (${network.slug}).\nAPI key (all scopes; shown once): ${secret}`,
      );
      return;
    }
    case 'create-api-key': {
      const scopes = parseScopes(values.scopes as string | undefined);
      const slug = required(values, 'network');
      const database = await db();
      const network = await findNetworkBySlug(database.dataSource, slug);
      if (!network) throw new AppError('NOT_FOUND', `No network with slug "${slug}"`);
      const name = typeof values.name === 'string' && values.name.trim() ? values.name : `CLI key (${scopes.join(', ')})`;
      const memberTokenMaxRole = parseRole(values['member-token-max-role']);
      const trustedDocumentsOnly = values['trusted-documents-only'] === true;
      const { apiKey, secret } = await withTenant(database.dataSource, network.id, (m) =>
        createApiKey(m, network.id, { name, scopes, memberTokenMaxRole, trustedDocumentsOnly }),
      );
      print(
        {
          apiKey: secret,
          id: apiKey.globalId,
          prefix: apiKey.prefix,
          scopes: apiKey.scopes,
          memberTokenMaxRole: apiKey.memberTokenMaxRole,
          trustedDocumentsOnly: apiKey.trustedDocumentsOnly,
          network: { id: network.globalId, slug },
        },
        `API key for ${slug} with ${apiKey.scopes.join(', ')}${trustedDocumentsOnly ? ' (trusted documents only)' : ''} (shown once): ${secret}`,
      );
      return;
    }
    case 'register-trusted-documents': {
      const slug = required(values, 'network');
      const keyRef = required(values, 'key');
      const manifest = parseManifest(readFileSync(required(values, 'manifest'), 'utf8'));
      if (values.only === true && values.any === true) throw new AppError('BAD_USER_INPUT', '--only and --any exclude each other');
      const database = await db();
      const network = await findNetworkBySlug(database.dataSource, slug);
      if (!network) throw new AppError('NOT_FOUND', `No network with slug "${slug}"`);
      const result = await withTenant(database.dataSource, network.id, async (m) => {
        const scope = { manager: m, networkId: network.id };
        const key = await findApiKeyByReference(scope, keyRef);
        const added = await registerTrustedDocuments(scope, key.id, manifest);
        if (values.only === true || values.any === true) await setTrustedDocumentsOnly(scope, key, values.only === true);
        return { key, added };
      });
      print(
        {
          apiKey: { id: result.key.globalId, prefix: result.key.prefix, trustedDocumentsOnly: result.key.trustedDocumentsOnly },
          documents: manifest.length,
          added: result.added,
        },
        `${manifest.length} documents for ${result.key.prefix} (${result.added} new); trusted documents only: ${result.key.trustedDocumentsOnly ? 'yes' : 'no'}`,
      );
      return;
    }
    case 'set-rate-limit': {
      const slug = required(values, 'network');
      const reset = values.reset === true;
      const max = values.max as string | undefined;
      const restoreRate = values['restore-rate'] as string | undefined;
      if (reset && (max !== undefined || restoreRate !== undefined)) throw new AppError('BAD_USER_INPUT', '--reset takes no --max or --restore-rate');
      const change = reset ? null : parseRateLimit(max, restoreRate);
      const database = await db();
      const network = await findNetworkBySlug(database.dataSource, slug);
      if (!network) throw new AppError('NOT_FOUND', `No network with slug "${slug}"`);
      const stored = await setNetworkRateLimit(database.dataSource, network.id, change);
      const effective = { max: stored.max ?? config.rateLimitMax, restoreRate: stored.restoreRate ?? config.rateLimitRestoreRate };
      const own = stored.max !== null || stored.restoreRate !== null;
      print(
        { network: { id: network.globalId, slug }, rateLimit: { ...effective, custom: own } },
        `Rate limit of ${slug}${own ? '' : ' (the defaults)'}: ${effective.max} points per credential, ${effective.restoreRate} restored per second. Running servers apply it within ${POLICY_TTL_MS / 1000} seconds.`,
      );
      return;
    }
    case 'migrate': {
      await db(); // opening the database runs pending migrations
      print({ migrated: true }, 'Migrations are up to date.');
      return;
    }
    default:
      process.stderr.write(USAGE + '\n');
      process.exitCode = command === undefined || command === 'help' || values.help ? 0 : 2;
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      'time-zone': { type: 'string' },
      network: { type: 'string' },
      scopes: { type: 'string' },
      max: { type: 'string' },
      'restore-rate': { type: 'string' },
      reset: { type: 'boolean' },
      'member-token-max-role': { type: 'string' },
      'trusted-documents-only': { type: 'boolean' },
      key: { type: 'string' },
      manifest: { type: 'string' },
      only: { type: 'boolean' },
      any: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const config = loadConfig();
  const logger = createLogger(config.env === 'production' ? 'warn' : 'error');
  let database: Database | undefined;
  try {
    await run(positionals[0], values, async () => (database ??= await openDatabase(config, logger)), config);
  } finally {
    await database?.close();
  }
}

main().catch((err: Error) => {
  const message = err instanceof ConfigError || err instanceof AppError ? err.message : `Failed: ${err.message}`;
  process.stderr.write(message + '\n');
  process.exit(1);
});
