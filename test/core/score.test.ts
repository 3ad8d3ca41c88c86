// scoreWindows: batching, layout and the offset search in one call, checked against a
// known answer (a stub model whose lip stream sees the audio k windows early), against
// the batch search on separately computed embeddings, and for tensor leaks with the
// real SyncNet v4 graph.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { useBackend } from '../helpers/tf';
import { ensureGenerated } from '../helpers/generated';
import {
  convertSyncNetV4Mat,
  createSyncNetV4,
  mfccSyncnetV2,
  mfccWindowTensor,
  scoreWindows,
  searchOffset,
  type SyncModel,
} from '../../src/core';

let tf: typeof TF;
before(async () => {
  tf = await useBackend('wasm');
});

/** Seeded speech-like int16 signal: a harmonic source whose pitch and loudness drift. */
function speechLike(seconds: number, seed: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * 16000));
  let state = seed;
  const rand = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  let phase = 0;
  for (let n = 0; n < out.length; n++) {
    const t = n / 16000;
    const f0 = 120 + 30 * Math.sin(2 * Math.PI * 0.7 * t);
    phase += (2 * Math.PI * f0) / 16000;
    const syllable = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t + 3 * Math.sin(t));
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(h * phase) / h;
    out[n] = Math.round(6000 * syllable * v + 300 * (rand() - 0.5));
  }
  return out;
}

/**
 * A stand-in model: audio embedding = the MFCC window flattened; lip embedding = the
 * "frames" flattened. Lip windows built from MFCC window i − k therefore match audio
 * window i − k: the audio leads by k windows, so the search must return offset k.
 */
function stubModel(coefficients: number): SyncModel {
  const size = coefficients * 20;
  return {
    kind: 'embedded',
    mode: 'both',
    embeddingSize: size,
    lipInput: { frames: 5, height: 1, width: 1, channels: 1 },
    audioInput: { coefficients, steps: 20 },
    embedLip: (x) => tf.tidy(() => tf.reshape(x, [x.shape[0], -1]).slice([0, 0], [-1, size]) as TF.Tensor2D),
    embedAudio: (x) => tf.tidy(() => tf.reshape(x, [x.shape[0], -1]) as TF.Tensor2D),
    dispose: () => {},
  };
}

function lipWindowsFromAudio(audio: TF.Tensor3D, shift: number): TF.Tensor5D {
  return tf.tidy(() => {
    const [n, c, steps] = audio.shape;
    const flat = tf.reshape(audio, [n, c * steps]);
    // Window i carries audio window i − shift (clamped at the ends), padded to 5·p pixels.
    const indices = Array.from({ length: n }, (_, i) => Math.min(n - 1, Math.max(0, i - shift)));
    const gathered = tf.gather(flat, indices);
    const perFrame = Math.ceil((c * steps) / 5);
    const padded = tf.pad(gathered, [
      [0, 0],
      [0, perFrame * 5 - c * steps],
    ]);
    return tf.reshape(padded, [n, 5, perFrame, 1, 1]) as TF.Tensor5D;
  });
}

describe('scoreWindows', () => {
  it('finds a known offset through MFCC windows, batching and the 31-offset search', async () => {
    const mfcc = mfccSyncnetV2(speechLike(4, 7));
    const windowCount = Math.floor((mfcc.rows - 20) / 4) + 1;
    const audio = mfccWindowTensor(
      mfcc,
      Array.from({ length: windowCount }, (_, i) => 4 * i),
    );
    assert.deepEqual(audio.shape, [windowCount, 13, 20]);
    // Layout check: [n][c][t] = row 4n + t, coefficient c.
    const values = audio.arraySync();
    assert.equal(values[3][5][7], mfcc.data[(4 * 3 + 7) * 13 + 5]);
    for (const shift of [-6, 0, 4]) {
      const lip = lipWindowsFromAudio(audio, shift);
      const progress: number[] = [];
      const result = await scoreWindows(stubModel(13), lip as TF.Tensor5D, audio, {
        batchSize: 7,
        onProgress: (f) => progress.push(f),
      });
      lip.dispose();
      assert.equal(result.offsetFrames, shift, `shift ${shift}`);
      assert.ok(result.confidence > 1, `confidence ${result.confidence}`);
      assert.equal(result.meanDists.length, 31);
      assert.equal(progress.at(-1), 1);
      assert.ok(
        progress.every((p, i) => i === 0 || p > progress[i - 1]),
        'progress increases',
      );
    }
    audio.dispose();
  });

  it('rejects mismatched window counts and out-of-range MFCC rows', async () => {
    const mfcc = mfccSyncnetV2(speechLike(0.5, 3));
    assert.throws(() => mfccWindowTensor(mfcc, [mfcc.rows - 19]), /needs rows/);
    const audio = mfccWindowTensor(mfcc, [0, 4]);
    const lip = tf.zeros([3, 5, 1, 1, 1]) as TF.Tensor5D;
    await assert.rejects(scoreWindows(stubModel(13), lip, audio), /3 lip windows but 2 MFCC windows/);
    tf.dispose([audio, lip]);
  });

  it('with SyncNet v4: equals the batch search on the same embeddings and leaks no tensor', async () => {
    const dir = ensureGenerated('scripts/golden/make_syncnet_v4_checkpoint.py', 'syncnet-v4');
    const model = createSyncNetV4(
      convertSyncNetV4Mat(new Uint8Array(readFileSync(join(dir, 'syncnet_v4_random.mat'))), 'v4'),
      'both',
    );
    const count = 9;
    const lip = tf.randomUniform([count, 5, 112, 112, 1], 0, 255, 'float32', 1) as TF.Tensor5D;
    const audio = tf.randomNormal([count, 12, 20], 0, 5, 'float32', 2) as TF.Tensor3D;
    const before = tf.memory().numTensors;
    const batched = await scoreWindows(model, lip, audio, { batchSize: 4 });
    assert.equal(tf.memory().numTensors, before, 'a whole scoreWindows call leaves no tensor behind');

    const lipRows = tf.tidy(() => model.embedLip(lip).arraySync()).map((r) => Float32Array.from(r));
    const audioRows = tf.tidy(() => model.embedAudio(audio).arraySync()).map((r) => Float32Array.from(r));
    const reference = searchOffset(lipRows, audioRows);
    assert.equal(batched.offsetFrames, reference.offsetFrames);
    assert.ok(Math.abs(batched.confidence - reference.confidence) <= 1e-4 * Math.max(1, reference.minDist));
    for (let k = 0; k < 31; k++) {
      assert.ok(
        Math.abs(batched.meanDists[k] - reference.meanDists[k]) <= 1e-4 * reference.meanDists[k],
        `dist ${k}`,
      );
    }
    tf.dispose([lip, audio]);
    model.dispose();
  });
});
