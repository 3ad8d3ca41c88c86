// A contrastive training loop for any two-tower sync model (the embedded model, or the
// fc head of SyncNet v2 / v4 on cached conv activations): draw a balanced batch of true
// and false pairs, embed both sides, SyncNet's contrastive loss, Adam with a cosine
// learning-rate decay. Only the variables listed as trainable move; everything else the
// towers use is a constant of the graph, so "frozen" means exactly unchanged.
// Deterministic: batches come from a seeded Rng and TF.js runs single-threaded.
import * as tf from '@tensorflow/tfjs';
import { contrastiveLoss } from './contrastive';
import type { PairSampler } from './pairs';
import { Rng } from './rng';

export interface TwoTowerTask {
  /** Lip-side input rows; a batch is tf.gather(lipTable, rows). */
  lipTable: tf.Tensor;
  audioTable: tf.Tensor;
  /** Gathered lip rows → embeddings [B, D] (must use the trainable variables by reference). */
  embedLip(rows: tf.Tensor): tf.Tensor2D;
  embedAudio(rows: tf.Tensor): tf.Tensor2D;
  trainable: tf.Variable[];
  /** Variables under the L2 penalty (usually the kernels among `trainable`). */
  regularised?: tf.Variable[];
}

export interface TrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  margin: number;
  seed: number;
  /** L2 penalty factor on `regularised` (Σ w² · l2). Default 0. */
  l2?: number;
  /** Final learning rate as a fraction of the initial one (cosine decay). Default 0.05. */
  finalLearningRateFraction?: number;
  /** Called every `progressEvery` steps (default 100) with the mean loss since the last call. */
  onProgress?: (progress: TrainProgress) => void;
  progressEvery?: number;
}

export interface TrainProgress {
  step: number;
  steps: number;
  meanLoss: number;
  learningRate: number;
}

export interface TrainResult {
  /** Contrastive loss (without the L2 term) per step. */
  losses: Float32Array;
}

/** Adam whose learning rate can change between steps (TF.js reads it on every update). */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }
}

export function trainContrastive(
  task: TwoTowerTask,
  sampler: PairSampler,
  options: TrainOptions,
): TrainResult {
  const { steps, batchSize, learningRate, margin } = options;
  if (!(steps > 0 && batchSize > 1 && learningRate > 0))
    throw new RangeError('trainContrastive: steps, batchSize and learningRate must be positive');
  if (task.trainable.length === 0) throw new RangeError('trainContrastive: nothing is trainable');
  const l2 = options.l2 ?? 0;
  const finalFraction = options.finalLearningRateFraction ?? 0.05;
  const every = options.progressEvery ?? 100;
  const rng = new Rng(options.seed).fork('pairs');
  const optimizer = new ScheduledAdam(learningRate, 0.9, 0.999, 1e-7);
  const losses = new Float32Array(steps);
  let windowSum = 0;
  let windowCount = 0;
  try {
    for (let step = 0; step < steps; step++) {
      const rate =
        learningRate * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos((Math.PI * step) / steps)));
      optimizer.setLearningRate(rate);
      const batch = sampler.sample(batchSize, rng);
      const lipIdx = tf.tensor1d(batch.lipRows, 'int32');
      const audioIdx = tf.tensor1d(batch.audioRows, 'int32');
      const labels = tf.tensor1d(batch.labels);
      let contrastive = 0;
      const total = optimizer.minimize(
        () => {
          const loss = contrastiveLoss(
            task.embedLip(tf.gather(task.lipTable, lipIdx)),
            task.embedAudio(tf.gather(task.audioTable, audioIdx)),
            labels,
            margin,
          );
          contrastive = loss.dataSync()[0];
          if (l2 === 0 || !task.regularised?.length) return loss;
          return tf.add(
            loss,
            tf.mul(l2, tf.addN(task.regularised.map((v) => tf.sum(tf.square(v))))),
          ) as tf.Scalar;
        },
        false,
        task.trainable,
      );
      total?.dispose();
      tf.dispose([lipIdx, audioIdx, labels]);
      if (!Number.isFinite(contrastive))
        throw new Error(`trainContrastive: loss became ${contrastive} at step ${step}`);
      losses[step] = contrastive;
      windowSum += contrastive;
      windowCount++;
      if (options.onProgress && ((step + 1) % every === 0 || step === steps - 1)) {
        options.onProgress({ step: step + 1, steps, meanLoss: windowSum / windowCount, learningRate: rate });
        windowSum = 0;
        windowCount = 0;
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { losses };
}
