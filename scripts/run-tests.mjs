// Runs every *.test.ts under test/ with node's built-in runner (through tsx).
// Node 20's --test has no recursive glob for .ts, so we list the files here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = only.length ? only : findTests('test').sort();
// --test-force-exit: a test file ends when its tests have, even if a process it started (a
// wedged browser) still holds its pipes; otherwise the whole run would wait for it forever.
// --test-timeout: a test that sets no time limit of its own still cannot hang the run.
const flags = ['--test', '--test-concurrency=1', '--test-force-exit', '--test-timeout=900000'];
const result = spawnSync(process.execPath, ['--import', 'tsx', ...flags, ...files], {
  stdio: 'inherit',
  env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
});
process.exit(result.status ?? 1);
