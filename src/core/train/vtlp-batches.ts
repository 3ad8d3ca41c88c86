// VTLP for training batches: every raw MFCC window of a batch (coefficient-major rows,
// 13 × 20, as WindowTables.audio holds them) warped by its own α from a fixed grid over
// [1 − spread, 1 + spread]; c0 is kept. Seeded, so a training run stays reproducible.
import * as tf from '@tensorflow/tfjs';
import { PSF_DEFAULTS } from '../audio/mfcc';
import { vtlpMatrix } from '../audio/vtlp';
import { WINDOW_MFCC_ROWS } from '../sync/windows';

/** α values the warp draws from: fine enough that the grid does not matter. */
const ALPHA_STEPS = 41;

export class VtlpBatches {
  private readonly matrices: tf.Tensor3D;
  private calls = 0;

  constructor(
    spread: number,
    private readonly seed: number,
  ) {
    if (!(spread > 0 && spread < 0.5)) throw new RangeError('VTLP spread must be in (0, 0.5)');
    const k = PSF_DEFAULTS.numCep - 1;
    const data = new Float32Array(ALPHA_STEPS * k * k);
    for (let i = 0; i < ALPHA_STEPS; i++) {
      const alpha = 1 - spread + (2 * spread * i) / (ALPHA_STEPS - 1);
      data.set(vtlpMatrix(alpha), i * k * k);
    }
    this.matrices = tf.tensor3d(data, [ALPHA_STEPS, k, k]);
  }

  /** Raw rows [N, 13·20] → the same rows, each warped by a random α. */
  apply(rows: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const n = rows.shape[0];
      const cepstra = PSF_DEFAULTS.numCep;
      const x = tf.reshape(rows, [n, cepstra, WINDOW_MFCC_ROWS]) as tf.Tensor3D;
      const pick = tf.randomUniform([n], 0, ALPHA_STEPS, 'int32', this.seed * 7919 + this.calls++);
      const warped = tf.matMul(
        tf.gather(this.matrices, pick) as tf.Tensor3D,
        tf.slice(x, [0, 1, 0], [n, cepstra - 1, WINDOW_MFCC_ROWS]),
      );
      const out = tf.concat([tf.slice(x, [0, 0, 0], [n, 1, WINDOW_MFCC_ROWS]), warped], 1);
      return tf.reshape(out, [n, -1]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.matrices.dispose();
  }
}
