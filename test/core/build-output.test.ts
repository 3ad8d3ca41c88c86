// The built extensions ship exactly the wasm the engine loads: MediaPipe's SIMD build named
// in src/engine/face/mediapipe-wasm.ts (not its no-SIMD and ES-module variants) and TF.js's
// wasm backend files, which it picks between at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MEDIAPIPE_WASM_BINARY, MEDIAPIPE_WASM_LOADER } from '../../src/engine/face/mediapipe-wasm';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('dist/chrome and dist/firefox hold only the MediaPipe wasm build the engine names', () => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome', 'firefox'], { stdio: 'ignore' });
  for (const browser of ['chrome', 'firefox']) {
    const dist = join('dist', browser);
    const files = filesUnder(dist).map((path) => relative(dist, path).split('\\').join('/'));
    assert.deepEqual(
      files.filter((file) => file.startsWith('vendor/mediapipe/')).sort(),
      [`vendor/mediapipe/${MEDIAPIPE_WASM_LOADER}`, `vendor/mediapipe/${MEDIAPIPE_WASM_BINARY}`].sort(),
      `${browser}: vendor/mediapipe`,
    );
    assert.deepEqual(
      files.filter((file) => file.endsWith('.wasm')).sort(),
      [
        `vendor/mediapipe/${MEDIAPIPE_WASM_BINARY}`,
        'vendor/tfjs/tfjs-backend-wasm-simd.wasm',
        'vendor/tfjs/tfjs-backend-wasm.wasm',
      ].sort(),
      `${browser}: every .wasm file`,
    );
    // The shipped files are the package's, byte for byte (same size is enough to catch a mix-up).
    for (const file of [MEDIAPIPE_WASM_LOADER, MEDIAPIPE_WASM_BINARY]) {
      const shipped = statSync(join(dist, 'vendor/mediapipe', file)).size;
      assert.equal(
        shipped,
        statSync(join('node_modules/@mediapipe/tasks-vision/wasm', file)).size,
        `${browser}: ${file}`,
      );
    }
    // Both landmarker hosts (the offscreen document and the worker) carry the pinned names.
    for (const bundle of ['offscreen/offscreen.js', 'engine/landmarker-worker.js']) {
      const code = readFileSync(join(dist, bundle), 'utf8');
      assert.ok(
        code.includes(MEDIAPIPE_WASM_LOADER) && code.includes(MEDIAPIPE_WASM_BINARY),
        `${browser}: ${bundle}`,
      );
    }
  }
});
