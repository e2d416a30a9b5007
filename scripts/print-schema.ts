import fs from 'node:fs';
import path from 'node:path';
import { printSchemaSdl, printSubgraphSdl } from '../src/app/schema';

/**
 * Writes schema/schema.graphql (the public API) and schema/subgraph.graphql (the Apollo Federation subgraph
 * SDL, as `_service { sdl }` answers) from the code (`npm run schema`); a test fails when either is stale.
 */
(async () => {
  for (const [name, print] of [
    ['schema.graphql', printSchemaSdl],
    ['subgraph.graphql', printSubgraphSdl],
  ] as const) {
    const file = path.join(__dirname, '..', 'schema', name);
    fs.writeFileSync(file, await print());
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
})();
