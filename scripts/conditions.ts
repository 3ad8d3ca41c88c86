// npm run conditions -- <real clips dir> --out <dir> [--seed 1] [--music <dir>] [--limit N]
//     [--shifts 3,-3,4,-4,8,-8,12,-12] [--shifts-per-clip 2]
// Builds the conditions set (issue 10 item 7; scripts/lib/conditions.ts) and its
// conditions.json. --music defaults to a "music" folder beside the clips folder.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, seconds } from './ml-common';
import { buildConditions, DEFAULT_SHIFTS } from './lib/conditions';

const USAGE =
  'usage: npm run conditions -- <real clips dir> --out <dir> [--seed 1] [--music <dir>] [--limit N] [--shifts 3,-3,…] [--shifts-per-clip N]';

function integers(text: string, name: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v)))
    throw new Error(`--${name} takes whole numbers, got "${text}"`);
  return values;
}

function main(): void {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (positional.length !== 1 || !options.has('out')) throw new Error(USAGE);
  const clipsDir = resolve(positional[0]);
  const besideMusic = join(dirname(clipsDir), 'music');
  const musicDir = options.get('music') ?? (existsSync(besideMusic) ? besideMusic : null);
  const started = Date.now();
  const entries = buildConditions({
    clipsDir,
    outDir: options.get('out')!,
    seed: Number(options.get('seed') ?? 1),
    musicDir,
    limit: options.has('limit') ? integers(options.get('limit')!, 'limit')[0] : undefined,
    shifts: options.has('shifts') ? integers(options.get('shifts')!, 'shifts') : DEFAULT_SHIFTS,
    shiftsPerClip: options.has('shifts-per-clip')
      ? integers(options.get('shifts-per-clip')!, 'shifts-per-clip')[0]
      : undefined,
  });
  console.log(`${entries.length} condition files in ${resolve(options.get('out')!)} (${seconds(started)})`);
}

try {
  main();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
