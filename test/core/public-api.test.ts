// The core's public API is importable from a plain node script: `npm run build` emits
// dist/core/index.js (ESM, TF.js external), and a .mjs script using it reproduces the
// python_speech_features golden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

test('dist/core/index.js works from a plain node script', () => {
  execFileSync(process.execPath, ['scripts/build.mjs', '--core-only'], { stdio: 'ignore' });
  const golden = JSON.parse(readFileSync('test/golden/mfcc-speechlike.json', 'utf8'));
  const script = join(mkdtempSync(join(tmpdir(), 'lipsync-api-')), 'use-core.mjs');
  writeFileSync(
    script,
    `import { mfccSyncnetV2, searchOffset } from ${JSON.stringify(resolve('dist/core/index.js'))};
     const bytes = Buffer.from(${JSON.stringify(golden.int16Base64)}, 'base64');
     const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
     const m = mfccSyncnetV2(samples);
     const rows = [new Float32Array([1, 0]), new Float32Array([0, 1])];
     const r = searchOffset(rows, rows, { vshift: 1 });
     console.log(JSON.stringify({ rows: m.rows, coefficients: m.coefficients, data: Array.from(m.data), offset: r.offsetFrames }));`,
  );
  const out = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }));
  assert.equal(out.rows, golden.v2.rows);
  assert.equal(out.coefficients, 13);
  const want: number[] = golden.v2.data.flat();
  const maxAbs = want.reduce((m, v, i) => Math.max(m, Math.abs(v - out.data[i])), 0);
  assert.ok(maxAbs <= 1e-3, `max abs error ${maxAbs}`);
  assert.equal(out.offset, 0);
});
