// The partner app's own backend: it serves the built app and exchanges a (demo) login for a short-lived member
// token. It holds an API key with ONLY the ISSUE_MEMBER_TOKENS scope (such a key reads and writes nothing itself)
// and never sends that key to the browser. A real partner would authenticate its users its own way here (its
// own passwords, SSO, …); the demo login picks a user from a list (USERS_FILE), which is the partner's own user
// table mapping its users to members of the network (by externalId, or by member ID).
//
// Environment:
//   API_URL              the Peer Networks API, e.g. http://127.0.0.1:4000/graphql (the backend calls it)
//   PUBLIC_API_URL       the same API as the browser reaches it (default: API_URL); the app calls it directly (CORS)
//   ISSUER_KEY           the ISSUE_MEMBER_TOKENS key (or ISSUER_KEY_FILE: a file holding it)
//   USERS_FILE           JSON: [{ "id": "jordan", "label": "Jordan (member)", "externalId" | "memberId": "…", "maxRole": "MEMBER" }]
//   TOKEN_TTL_SECONDS    lifetime of issued member tokens (60–86,400; default 900)
//   PORT, HOST           where to listen (default 4100 on 127.0.0.1)
//   STATIC_DIR           the built app (default ./dist next to this file)
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

const here = dirname(fileURLToPath(import.meta.url));

export function loadOptions(env = process.env) {
  const apiUrl = env.API_URL || 'http://127.0.0.1:4000/graphql';
  const issuerKey = env.ISSUER_KEY || (env.ISSUER_KEY_FILE ? readFileSync(env.ISSUER_KEY_FILE, 'utf8').trim() : '');
  if (!issuerKey) throw new Error('Set ISSUER_KEY (or ISSUER_KEY_FILE): an API key with the ISSUE_MEMBER_TOKENS scope only');
  if (!env.USERS_FILE) throw new Error('Set USERS_FILE: the demo users (see server.mjs)');
  return {
    apiUrl,
    publicApiUrl: env.PUBLIC_API_URL || apiUrl,
    issuerKey,
    users: JSON.parse(readFileSync(env.USERS_FILE, 'utf8')),
    ttlSeconds: Number(env.TOKEN_TTL_SECONDS || 900),
    port: Number(env.PORT ?? 4100),
    host: env.HOST || '127.0.0.1',
    staticDir: env.STATIC_DIR || join(here, 'dist'),
  };
}

const ISSUE = `mutation Issue($memberId: ID, $externalId: String, $ttlSeconds: Int, $maxRole: NetworkRole) {
  issueMemberToken(memberId: $memberId, externalId: $externalId, ttlSeconds: $ttlSeconds, maxRole: $maxRole) {
    token expiresAt role member { id displayName }
  }
}`;

/** Asks the API for a member token for one of our users. Throws with the API's error code on failure. */
async function issueToken(options, user) {
  const res = await fetch(options.apiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.issuerKey}` },
    body: JSON.stringify({
      query: ISSUE,
      variables: { memberId: user.memberId ?? null, externalId: user.externalId ?? null, ttlSeconds: options.ttlSeconds, maxRole: user.maxRole ?? null },
    }),
  });
  const body = await res.json().catch(() => ({}));
  const issued = body.data?.issueMemberToken;
  if (!issued) {
    const err = new Error(body.errors?.[0]?.message ?? `API answered ${res.status}`);
    err.code = body.errors?.[0]?.extensions?.code ?? 'UPSTREAM';
    throw err;
  }
  return issued;
}

export function createApp(options) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '10kb' }));
  // Our own sessions: an opaque, HttpOnly, SameSite=Strict cookie naming a demo user. In memory: it is an example.
  const sessions = new Map();
  const SESSION_COOKIE = 'partner_session';
  const sessionOf = (req) => {
    const match = /(?:^|;\s*)partner_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '');
    return match ? sessions.get(match[1]) : undefined;
  };
  const answer = async (res, user) => {
    try {
      const issued = await issueToken(options, user);
      const wsUrl = options.publicApiUrl.replace(/^http/, 'ws');
      // expiresIn (seconds) lets the browser time its refresh by its own clock, whatever its clock says the time is.
      const expiresIn = Math.max(0, Math.floor((Date.parse(issued.expiresAt) - Date.now()) / 1000));
      res.set('cache-control', 'no-store').json({ ...issued, expiresIn, user: { id: user.id, label: user.label }, graphqlUrl: options.publicApiUrl, wsUrl });
    } catch (err) {
      // The API's message can say which member or role was refused; the browser gets the code only.
      process.stderr.write(`token exchange failed for ${user.id}: ${err.code}: ${err.message}\n`);
      res.status(err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN' ? 403 : 502).json({ error: err.code });
    }
  };

  app.get('/auth/users', (_req, res) => res.json(options.users.map(({ id, label }) => ({ id, label }))));
  app.post('/auth/login', async (req, res) => {
    const user = options.users.find((u) => u.id === req.body?.user);
    if (!user) return res.status(400).json({ error: 'UNKNOWN_USER' });
    const sid = randomBytes(24).toString('base64url');
    sessions.set(sid, user);
    res.set('set-cookie', `${SESSION_COOKIE}=${sid}; Path=/auth; HttpOnly; SameSite=Strict`);
    await answer(res, user);
  });
  // Refresh: the app calls this shortly before its token expires (once, however many requests are waiting).
  app.post('/auth/token', async (req, res) => {
    const user = sessionOf(req);
    if (!user) return res.status(401).json({ error: 'NOT_LOGGED_IN' });
    await answer(res, user);
  });
  app.post('/auth/logout', (req, res) => {
    const match = /(?:^|;\s*)partner_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '');
    if (match) sessions.delete(match[1]);
    res.set('set-cookie', `${SESSION_COOKIE}=; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=0`).status(204).end();
  });

  if (existsSync(options.staticDir)) {
    app.use(express.static(options.staticDir, { index: 'index.html' }));
    // Client-side routes (react-router) get the app's page.
    app.get('/{*path}', (_req, res) => res.sendFile(join(options.staticDir, 'index.html')));
  }
  return app;
}

export function startServer(options) {
  return new Promise((resolve, reject) => {
    const server = createApp(options).listen(options.port, options.host, () => resolve(server));
    server.once('error', reject);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const options = loadOptions();
  const server = await startServer(options);
  const { port } = server.address();
  process.stdout.write(`Partner app at http://localhost:${port}/ (API: ${options.publicApiUrl})\n`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
