import fs from 'node:fs';
import path from 'node:path';

/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the share of garbage collection, idle time and
 * each package, and the functions with the most self time.
 * Usage: ts-node --transpile-only bench/profile-summary.ts bench/profiles/CPU.…cpuprofile [top=25]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  if (!url) return '(native)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = clean.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (clean.startsWith('node:')) return 'node';
  return path.relative(process.cwd(), clean).split(path.sep).slice(0, 3).join('/');
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;

  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    const key = url ? `${name}  ${url.replace(/^.*node_modules\//, '').replace(process.cwd() + '/', '')}:${lineNumber + 1}` : name;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const place = ['(garbage collector)', '(idle)', '(program)'].includes(name) ? name : where(url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nself time by package / folder:\n`);
  for (const [k, us] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${pct(us)}  ${k}\n`);
  process.stdout.write(`\ntop ${top} functions by self time:\n`);
  for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(us)}  ${k}\n`);
}

main();
