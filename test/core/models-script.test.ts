// `npm run models`: verified copy from the mirror when there is no network, a clear
// failure on a wrong checksum, and no second copy when a verified file is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MIRROR = resolve('../shared/models');

function runModels(env: Record<string, string>) {
  return spawnSync(process.execPath, ['scripts/models.mjs'], {
    encoding: 'utf8',
    // An unroutable URL scheme would need code changes; instead give the download no time.
    env: { ...process.env, LIPSYNC_DOWNLOAD_TIMEOUT_MS: '1', ...env },
  });
}

test(
  'models: copies face_landmarker.task from the mirror with its sha256 checked, then keeps it',
  { skip: !existsSync(join(MIRROR, 'face_landmarker.task')) && 'no ../shared/models mirror here' },
  () => {
    const target = mkdtempSync(join(tmpdir(), 'lipsync-models-'));
    const first = runModels({ LIPSYNC_MODELS_DIR: target, LIPSYNC_MODELS_MIRROR: MIRROR });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /copied face_landmarker\.task from mirror .* \(sha256 verified\)/);
    assert.equal(
      statSync(join(target, 'face_landmarker.task')).size,
      statSync(join(MIRROR, 'face_landmarker.task')).size,
    );
    const second = runModels({ LIPSYNC_MODELS_DIR: target, LIPSYNC_MODELS_MIRROR: '/nonexistent' });
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /present and verified/);
  },
);

test('models: a mirror file with the wrong checksum is refused, and the error says why', () => {
  const mirror = mkdtempSync(join(tmpdir(), 'lipsync-mirror-'));
  writeFileSync(join(mirror, 'face_landmarker.task'), 'not the model');
  const target = mkdtempSync(join(tmpdir(), 'lipsync-models-'));
  const run = runModels({ LIPSYNC_MODELS_DIR: target, LIPSYNC_MODELS_MIRROR: mirror });
  assert.equal(run.status, 1);
  assert.match(
    run.stderr,
    /could not get face_landmarker\.task: download failed: .*; mirror .* has sha256 [0-9a-f]{64}, expected 64184e22/,
  );
  assert.equal(existsSync(join(target, 'face_landmarker.task')), false);
});

test(
  'models: a corrupted local copy is replaced from the mirror',
  { skip: !existsSync(join(MIRROR, 'face_landmarker.task')) && 'no ../shared/models mirror here' },
  () => {
    const target = mkdtempSync(join(tmpdir(), 'lipsync-models-'));
    copyFileSync('package.json', join(target, 'face_landmarker.task'));
    const run = runModels({ LIPSYNC_MODELS_DIR: target, LIPSYNC_MODELS_MIRROR: MIRROR });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /copied face_landmarker\.task from mirror/);
  },
);
