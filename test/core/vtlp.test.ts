// VTLP on MFCC rows: the cepstral-domain warp must do what warping the spectrum does before
// the MFCC front end (src/core/audio/vtlp.ts), checked on a synthetic voiced sound whose
// spectral envelope is moved by α, run through the real python_speech_features-exact MFCC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mfccSyncnetV2 } from '../../src/core/audio/index';
import { vtlpMatrix, vtlpWarpHz } from '../../src/core/audio/vtlp';
import { VtlpBatches } from '../../src/core/train/vtlp-batches';

const RATE = 16000;

/** 1 s of a 120-Hz voice whose harmonics follow an envelope with formants at `formants` Hz. */
function voice(formants: number[]): Float32Array {
  const out = new Float32Array(RATE);
  for (let f = 120; f < RATE / 2; f += 120) {
    const gain = 0.02 + formants.reduce((sum, centre) => sum + Math.exp(-(((f - centre) / 150) ** 2)), 0);
    for (let i = 0; i < out.length; i++) out[i] += 1000 * gain * Math.sin((2 * Math.PI * f * i) / RATE);
  }
  return out;
}

/** Mean over rows of c1…c12 (c0, the log energy, is not warped). */
function meanCepstra(samples: Float32Array): number[] {
  const m = mfccSyncnetV2(samples);
  return Array.from({ length: 12 }, (_, k) => {
    let sum = 0;
    for (let r = 0; r < m.rows; r++) sum += m.data[r * m.coefficients + k + 1];
    return sum / m.rows;
  });
}

const apply = (matrix: Float32Array, c: number[]) =>
  c.map((_, i) => c.reduce((sum, v, j) => sum + matrix[i * 12 + j] * v, 0));
const distance = (a: number[], b: number[]) => Math.hypot(...a.map((v, i) => v - b[i]));

test('α = 1 is the identity; the warp is VTLP’s piecewise-linear one, Nyquist fixed', () => {
  const identity = vtlpMatrix(1);
  for (let i = 0; i < 12; i++)
    for (let j = 0; j < 12; j++) assert.ok(Math.abs(identity[i * 12 + j] - (i === j ? 1 : 0)) < 1e-6);
  assert.equal(vtlpWarpHz(1000, 1.1), 1100);
  assert.ok(Math.abs(vtlpWarpHz(8000, 1.1) - 8000) < 1e-9);
  assert.ok(Math.abs(vtlpWarpHz(8000, 0.9) - 8000) < 1e-9);
});

test('warping the cepstra lands near the cepstra of the voice with its formants moved by α', (t) => {
  const formants = [600, 1400, 2600];
  const original = meanCepstra(voice(formants));
  for (const alpha of [0.9, 1.1]) {
    const moved = meanCepstra(voice(formants.map((f) => vtlpWarpHz(f, 1 / alpha))));
    const warped = apply(vtlpMatrix(alpha), original);
    const before = distance(original, moved);
    const after = distance(warped, moved);
    const wrongWay = distance(apply(vtlpMatrix(1 / alpha), original), moved);
    t.diagnostic(
      `α ${alpha}: unwarped ${before.toFixed(2)}, warped ${after.toFixed(2)}, warped the wrong way ${wrongWay.toFixed(2)}`,
    );
    assert.ok(wrongWay > before, 'warping the other way moves away from it');
    assert.ok(
      after < 0.5 * before,
      `α ${alpha}: ${after.toFixed(3)} from the moved voice, ${before.toFixed(3)} unwarped`,
    );
  }
});

test('training batches: c0 kept, each row warped by one α of the grid, reproducible by seed', async () => {
  await tf.setBackend('cpu');
  const rows = tf.randomNormal([64, 13 * 20], 0, 5, 'float32', 3);
  const a = new VtlpBatches(0.1, 1);
  const b = new VtlpBatches(0.1, 1);
  const [wa, wb, raw] = [a.apply(rows), b.apply(rows), rows].map((t) => t.arraySync() as number[][]);
  assert.deepEqual(wa, wb, 'same seed, same warps');
  const grid = Array.from({ length: 41 }, (_, i) => vtlpMatrix(0.9 + (0.2 * i) / 40));
  const column = (row: number[], t: number) => Array.from({ length: 12 }, (_, k) => row[(k + 1) * 20 + t]);
  const used = new Set<number>();
  for (let r = 0; r < 64; r++) {
    assert.deepEqual(wa[r].slice(0, 20), raw[r].slice(0, 20), 'c0 row unchanged');
    // Every time step of the row warped by the same matrix of the grid.
    const match = grid.findIndex((m) =>
      Array.from({ length: 20 }, (_, t) => t).every(
        (t) => distance(apply(m, column(raw[r], t)), column(wa[r], t)) < 1e-3,
      ),
    );
    assert.ok(match >= 0, `row ${r} is one α of the grid`);
    used.add(match);
  }
  assert.ok(used.size > 20, `α drawn across the grid (${used.size} of 41 seen in 64 rows)`);
  assert.throws(() => new VtlpBatches(0, 1), RangeError);
  tf.dispose([rows]);
  a.dispose();
  b.dispose();
});
