// Runs a repo script (python via Debian's /usr/bin/python3, which has python3-torch,
// numpy, scipy and h5py from the setup command) once to make checkpoints and goldens
// under test/.generated/<name>/. Re-runs when the script's content changes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

export const GENERATED_ROOT = resolve('test/.generated');
export const PYTHON = process.env.LIPSYNC_PYTHON ?? '/usr/bin/python3';

export function ensureGenerated(script: string, name: string, args: string[] = []): string {
  const outDir = join(GENERATED_ROOT, name);
  const stamp = join(outDir, '.stamp');
  const hash = createHash('sha256').update(readFileSync(script)).update(args.join('\0')).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return outDir;
  mkdirSync(outDir, { recursive: true });
  execFileSync(PYTHON, [script, outDir, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  writeFileSync(stamp, hash);
  return outDir;
}
