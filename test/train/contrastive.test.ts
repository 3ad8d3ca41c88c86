// SyncNet's contrastive loss: values against the formula by hand, gradients that reach
// the embeddings (finite at distance 0), weighting, and no tensors left behind.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as TF from '@tensorflow/tfjs';
import { useBackend } from '../helpers/tf';
import { contrastiveLoss, pairDistance } from '../../src/core/train/contrastive';

let tf: typeof TF;
before(async () => {
  tf = await useBackend('wasm');
});

describe('contrastiveLoss', () => {
  it('is ½·mean(y·d² + (1−y)·max(m − d, 0)²)', () => {
    const lip = tf.tensor2d([
      [0, 0],
      [0, 0],
      [0, 0],
      [1, 1],
    ]);
    const audio = tf.tensor2d([
      [3, 4],
      [0.3, 0.4],
      [3, 4],
      [1, 1],
    ]);
    const labels = tf.tensor1d([1, 0, 0, 1]);
    // d = 5, 0.5, 5, 0 → pull 25 (true pair at 5), push (1 − 0.5)² = 0.25, push 0 (beyond margin), pull 0.
    const loss = contrastiveLoss(lip, audio, labels, 1);
    assert.ok(Math.abs(loss.dataSync()[0] - (25 + 0.25) / 8) < 1e-5, `${loss.dataSync()[0]}`);
    const weighted = contrastiveLoss(lip, audio, labels, 1, tf.tensor1d([0, 1, 1, 1]));
    assert.ok(Math.abs(weighted.dataSync()[0] - 0.25 / 6) < 1e-6);
    tf.dispose([lip, audio, labels, loss, weighted]);
  });

  it('passes finite gradients to both embeddings, also for identical pairs', () => {
    const lip = tf.tensor2d([
      [0.2, -0.1, 0.4],
      [1, 1, 1],
    ]);
    const audio = tf.tensor2d([
      [0.1, 0.3, 0.2],
      [1, 1, 1],
    ]);
    const labels = tf.tensor1d([0, 1]);
    const before = tf.memory().numTensors;
    const [gLip, gAudio] = tf.grads((a, b) => contrastiveLoss(a as TF.Tensor2D, b as TF.Tensor2D, labels, 1))(
      [lip, audio],
    );
    const gl = gLip.arraySync() as number[][];
    const ga = gAudio.arraySync() as number[][];
    assert.ok(gl.flat().every(Number.isFinite) && ga.flat().every(Number.isFinite));
    // The false pair at d < margin is pushed apart: the gradient on lip points towards audio.
    const diff = [-0.1, 0.4, -0.2]; // audio − lip
    assert.ok(gl[0].reduce((s, g, i) => s + g * diff[i], 0) > 0);
    assert.ok(
      gl[0].every((g, i) => Math.abs(g + ga[0][i]) < 1e-6),
      'equal and opposite',
    );
    tf.dispose([gLip, gAudio]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([lip, audio, labels]);
  });

  it('rejects mismatched batches and a non-positive margin', () => {
    const a = tf.zeros([2, 3]) as TF.Tensor2D;
    const b = tf.zeros([3, 3]) as TF.Tensor2D;
    assert.throws(() => contrastiveLoss(a, b, tf.zeros([2]) as TF.Tensor1D, 1), /2 lip, 3 audio/);
    assert.throws(() => contrastiveLoss(a, a, tf.zeros([2]) as TF.Tensor1D, 0), /margin/);
    const d = pairDistance(a, a);
    assert.ok(d.dataSync().every((v) => v < 1e-5));
    tf.dispose([a, b, d]);
  });
});
