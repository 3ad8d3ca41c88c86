// The CLI (`npm run check`, `npm run features`, and the evaluation through them) rebuilds
// the tree it drives when that is older than what the build reads (scripts/lib/checker.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { buildIsStale } from '../../scripts/lib/checker';

test('a built tree is stale when missing or older than any file the build reads', () => {
  const root = mkdtempSync(join(tmpdir(), 'stale-build-'));
  try {
    const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);
    mkdirSync(join(root, 'src/engine/face'), { recursive: true });
    writeFileSync(join(root, 'src/engine/face/pool.ts'), '');
    writeFileSync(join(root, 'manifest.json'), '{}');
    const inputs = ['src', 'manifest.json', 'models'];
    assert.equal(buildIsStale(join(root, 'dist'), inputs, root), true, 'nothing built');
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist/manifest.json'), '{}');
    for (const path of ['src', 'src/engine', 'src/engine/face', 'src/engine/face/pool.ts', 'manifest.json'])
      at(path, 1000);
    at('dist/manifest.json', 2000);
    assert.equal(buildIsStale(join(root, 'dist'), inputs, root), false, 'built after every input');
    at('src/engine/face/pool.ts', 3000);
    assert.equal(buildIsStale(join(root, 'dist'), inputs, root), true, 'a source edited after the build');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
