import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config/config';
import { createLogger } from './config/logger';
import { openDatabase, type Database } from './db/database';
import { withTenant } from './db/tenant';
import { AppError } from './graphql/errors';
import { ApiKeyScope } from './modules/auth/api-key.entity';
import { ALL_SCOPES, createApiKey } from './modules/auth/api-key.service';
import { claimFirstStart, createNetwork, findNetworkBySlug } from './modules/networks/network.service';
import { parseRateLimit, setNetworkRateLimit } from './modules/rate-limits/rate-limit.service';
import { POLICY_TTL_MS } from './modules/rate-limits/rate-limiter';

const USAGE = `Usage: npm run --silent cli -- <command> [options]

Commands:
  create-network --slug <slug> --name <name> [--description <text>] [--time-zone <IANA>] [--json]
      Creates a network and an API key with all four scopes (READ, WRITE, PERSONAL_DATA, ADMIN).
  create-api-key --network <slug> --scopes READ,WRITE[,PERSONAL_DATA,ADMIN] [--name <name>] [--json]
      Creates an API key for a network. The secret is printed once.
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
  const scopes = (raw ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const bad = scopes.filter((s) => !(ALL_SCOPES as string[]).includes(s));
  if (!scopes.length || bad.length) {
    throw new AppError('BAD_USER_INPUT', `--scopes must list some of ${ALL_SCOPES.join(', ')}${bad.length ? `; unknown: ${bad.join(', ')}` : ''}`);
  }
  return [...new Set(scopes)] as ApiKeyScope[];
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
        createApiKey(m, network.id, { name: 'Initial admin key (CLI)', scopes: ALL_SCOPES }),
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
      const { apiKey, secret } = await withTenant(database.dataSource, network.id, (m) => createApiKey(m, network.id, { name, scopes }));
      print(
        { apiKey: secret, id: apiKey.globalId, prefix: apiKey.prefix, scopes: apiKey.scopes, network: { id: network.globalId, slug } },
        `API key for ${slug} with ${apiKey.scopes.join(', ')} (shown once): ${secret}`,
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
