/**
 * The import graph of src/ (`npm run deps`, run by .ci/run). Type-only imports count as imports
 * (`tsPreCompilationDeps`): a cycle that closes through types is still a knot for a reader.
 *
 * Layers, from the floor up: src/config, src/db, src/graphql (the core) → src/realtime → src/modules/* (the features)
 * → src/app (assembly: features, schema, federation, data source) → src/http (HTTP and graphql-ws) → src/main.ts, src/cli.ts.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle in src/, not even through type-only imports.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-is-a-floor',
      severity: 'error',
      comment: 'src/config, src/db and src/graphql are the floor the features stand on: they import nothing above them.',
      from: { path: '^src/(config|db|graphql)/' },
      to: { path: '^src/(modules|realtime|app|http)/|^src/(main|cli)[.]ts$' },
    },
    {
      name: 'realtime-below-the-features',
      severity: 'error',
      comment: 'The live-update pub/sub and subscription helpers serve the features: they import none of them, nor anything above.',
      from: { path: '^src/realtime/' },
      to: { path: '^src/(modules|app|http)/|^src/(main|cli)[.]ts$' },
    },
    {
      name: 'features-below-the-app',
      severity: 'error',
      comment: 'Features do not import the assembly that lists them, nor the transports and entry points above it.',
      from: { path: '^src/modules/' },
      to: { path: '^src/(app|http)/|^src/(main|cli)[.]ts$' },
    },
    {
      name: 'app-below-the-transport',
      severity: 'error',
      comment: 'The assembly does not import the HTTP server nor the entry points.',
      from: { path: '^src/app/' },
      to: { path: '^src/http/|^src/(main|cli)[.]ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
