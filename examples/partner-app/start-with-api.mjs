// `npm run example` (from the repository root): the API on the embedded database with the demo network, and the
// partner app's token backend serving the built app, in one command.
//
// The token backend's key: on the FIRST start of its data directory the API prints the demo network's ADMIN key
// once; this script uses it for one call — `createApiKey(scopes: [ISSUE_MEMBER_TOKENS], memberTokenMaxRole: ADMIN)`
// — and for the list of demo members (the partner's "user table", users.json), then forgets it. Only the issuing
// key is kept (.data/issuer-key, mode 600). Start over with `rm -rf examples/partner-app/.data`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const data = join(here, '.data');
const apiPort = Number(process.env.API_PORT || 4000);
const appPort = Number(process.env.APP_PORT || 4100);
const apiUrl = `http://localhost:${apiPort}/graphql`;
const appOrigins = `http://localhost:${appPort},http://127.0.0.1:${appPort}`;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The app: installed and built once (its own package.json; nothing added to the API's dependencies).
if (!existsSync(join(here, 'node_modules'))) run('npm', ['ci', '--no-audit', '--no-fund']);
if (!existsSync(join(here, 'dist', 'index.html'))) run('npm', ['run', '--silent', 'build']);

mkdirSync(data, { recursive: true, mode: 0o700 });
const secretFile = join(data, 'token-secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });

// The API, on the embedded database in .data/api, allowing the app's origin (CORS_ORIGINS).
const api = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js')], {
  cwd: root,
  env: {
    ...process.env,
    DATABASE_URL: '',
    DATA_DIR: join(data, 'api'),
    PORT: String(apiPort),
    CORS_ORIGINS: appOrigins,
    TOKEN_SECRET: readFileSync(secretFile, 'utf8'),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stopAll = () => api.kill('SIGTERM');
process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);
api.once('exit', (code) => process.exit(code ?? 0));

const banner = await new Promise((resolve, reject) => {
  let out = '';
  const onData = (chunk) => {
    out += chunk;
    if (out.includes('Peer Networks API ready at') && (out.includes('Embedded database') || out.includes('Demo ADMIN'))) {
      api.stdout.off('data', onData);
      resolve(out);
    }
  };
  api.stdout.on('data', onData);
  api.once('exit', () => reject(new Error('the API stopped while starting')));
});
// From here on the API's output (its JSON log lines) passes through, without the demo key.
const redact = (text) => text.replace(/pnk_[A-Za-z0-9_-]+/g, 'pnk_… (used once by this script, not kept)');
process.stdout.write(redact(banner));
api.stdout.on('data', (chunk) => process.stdout.write(redact(chunk.toString())));

async function gql(key, query, variables = {}) {
  const res = await fetch(apiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const keyFile = join(data, 'issuer-key');
const usersFile = join(data, 'users.json');
const adminKey = /^Demo ADMIN API key: (\S+)/m.exec(banner)?.[1];
if (adminKey) {
  const { createApiKey } = await gql(
    adminKey,
    'mutation { createApiKey(name: "Partner app token backend", scopes: [ISSUE_MEMBER_TOKENS], memberTokenMaxRole: ADMIN) { secret } }',
  );
  writeFileSync(keyFile, createApiKey.secret, { mode: 0o600 });
  const { members } = await gql(adminKey, '{ members(first: 50) { nodes { id displayName role } } }');
  const users = members.nodes.map((m) => ({
    id: m.displayName.split(' ')[0].toLowerCase(),
    label: `${m.displayName.replace(/ \(.*\)$/, '')} (${m.role.toLowerCase()})`,
    memberId: m.id,
    maxRole: m.role,
  }));
  writeFileSync(usersFile, JSON.stringify(users, null, 2));
} else if (!existsSync(keyFile)) {
  stopAll();
  throw new Error(`No issuing key in ${keyFile} and no demo key (the data directory was set up before): rm -rf ${data} and start again`);
}

const { loadOptions, startServer } = await import('./server.mjs');
await startServer(loadOptions({ ...process.env, API_URL: apiUrl, ISSUER_KEY_FILE: keyFile, USERS_FILE: usersFile, PORT: String(appPort), HOST: '127.0.0.1' }));
process.stdout.write(
  `\nPartner app: http://localhost:${appPort}/  (sign in as a demo member; Sam facilitates both groups, Alex is the admin)\n` +
    `Its token backend holds only an ISSUE_MEMBER_TOKENS key (${keyFile}); the API is at ${apiUrl}. Ctrl-C stops both.\n`,
);
