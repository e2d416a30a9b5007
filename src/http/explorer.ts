import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/**
 * The API explorer at `/`: GraphiQL (docs, variables, headers, subscriptions over graphql-ws on /graphql), bundled
 * from npm packages at build time into dist/explorer (web/explorer/, scripts/build-explorer.mjs) and served by the
 * API itself: no CDN, no external fonts, so it works offline. Every URL the page uses is relative to it, so it also
 * works behind a path prefix.
 *
 * The page reads its settings from a JSON block: the example operation and the preset headers. In development the
 * demo network's key is preset when the demo was seeded by this very process (its secret is shown once, so a later
 * start cannot know it); in production there is no page unless EXPLORER=true, and never a key.
 */

/** The example operation the explorer opens with. */
export const EXPLORER_EXAMPLE = `# Peer Networks API explorer
#
# Run: the play button (Ctrl-Enter). Docs: the book icon.
# Credential: in Headers below, {"authorization": "Bearer …"},
# an API key or a member token; subscriptions get it too
# (graphql-ws on /graphql). Schema: GET /schema.graphql

query Demo {
  viewer {
    kind
    scopes
    network {
      name
    }
  }
  groups(first: 5) {
    nodes {
      id
      name
      nextSession {
        id
        startsAt
      }
    }
  }
}

# Live updates: run this with {"groupId": "…"} in Variables,
# then change a session of the group (e.g. updateSession).
# subscription Live($groupId: ID!) {
#   sessionChanged(groupId: $groupId) { id status startsAt }
# }
`;

/** The headers the explorer opens with when it has no key to preset. */
const PLACEHOLDER_HEADERS = { authorization: 'Bearer <paste an API key or a member token>' };

/** Same-origin only: the page's own scripts and styles, the API on this origin (HTTP and WebSocket). */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set inline styles; its fonts and icons are data: URLs inside the bundled CSS.
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export interface ExplorerOptions {
  /** The demo key to preset (development only; ignored in production). */
  presetKey?: string;
  production: boolean;
}

/** dist/explorer: next to the compiled server (dist/src/http → dist/explorer), or dist/ when run from TypeScript sources (jest). */
export function explorerAssetsDir(): string {
  const candidates = [path.resolve(__dirname, '../../explorer'), path.resolve(__dirname, '../../dist/explorer')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'explorer.js'))) ?? candidates[0];
}

/** The page's HTML: a JSON settings block (escaped so that no `</script>` can end it) and the bundle. */
export function explorerHtml(options: ExplorerOptions): string {
  const key = options.production ? undefined : options.presetKey;
  const settings = {
    endpoint: 'graphql',
    schema: 'schema.graphql',
    query: EXPLORER_EXAMPLE,
    headers: JSON.stringify(key ? { authorization: `Bearer ${key}` } : PLACEHOLDER_HEADERS, null, 2),
  };
  const json = JSON.stringify(settings).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Peer Networks API explorer</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="explorer/explorer.css" />
    <script id="explorer-settings" type="application/json">${json}</script>
    <script type="module" src="explorer/explorer.js"></script>
  </head>
  <body>
    <div id="explorer">Loading the explorer…</div>
    <noscript>The explorer needs JavaScript. The schema is at <a href="schema.graphql">schema.graphql</a>.</noscript>
  </body>
</html>
`;
}

/** GET / (the page) and /explorer/* (its bundled script and stylesheet). */
export function explorerRouter(options: ExplorerOptions): Router {
  const router = express.Router();
  const html = explorerHtml(options);
  router.get('/', (_req, res) => {
    // The page may hold the demo key: never cached, never framed, nothing loaded from elsewhere.
    res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' });
    res.type('html').send(html);
  });
  router.use(
    '/explorer',
    express.static(explorerAssetsDir(), {
      index: false,
      fallthrough: false,
      // Names without a content hash: revalidated on every load (ETag), so a rebuild is picked up.
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  return router;
}
