// Bundles the explorer (web/explorer: GraphiQL, React, graphql-ws) from node_modules into dist/explorer at build time,
// so that the API serves it itself: no CDN, no external fonts (GraphiQL's are data: URLs in its CSS). Run by `npm run build`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: { explorer: path.join(root, 'web/explorer/main.js') },
  outdir: path.join(root, 'dist/explorer'),
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  legalComments: 'none',
  logLevel: 'warning',
});
