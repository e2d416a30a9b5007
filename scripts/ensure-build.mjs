// Compile once, start fast: `npm start` and `npm run cli` run the compiled server (dist/) directly, and call this first.
// It compares the newest modification time of the build's inputs (files and folders, so an added, changed or deleted
// source counts) with dist/.build-stamp, written at the end of `npm run build` (`--stamp`); only when dist/ is older
// (e.g. after a pull) does it run the build. A check costs a few milliseconds. `npm ci` builds once (`prepare`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist/.build-stamp');
const INPUTS = [
  'src',
  'migrations',
  'web',
  'scripts/build-explorer.mjs',
  'scripts/pglite-template.mjs',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

if (process.argv.includes('--stamp')) {
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}

function newest(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  let latest = stat.mtimeMs;
  if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)));
  return latest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const changed = Math.max(...INPUTS.map((input) => newest(path.join(root, input))));
if (changed > built) {
  process.stderr.write(built ? 'Sources changed since the last build: building (npm run build)…\n' : 'No build yet: building (npm run build)…\n');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
