import fs from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from '../src/graphql/schema';

/** Writes schema/schema.graphql from the code (`npm run schema`); a test fails when the committed file is stale. */
printSchemaSdl().then((sdl) => {
  const file = path.join(__dirname, '..', 'schema', 'schema.graphql');
  fs.writeFileSync(file, sdl);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
});
