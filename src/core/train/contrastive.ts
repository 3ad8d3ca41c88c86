// SyncNet's training objective (Chung & Zisserman 2016, §3.2, after Hadsell et al. 2006):
//   E = 1/(2N) · Σₙ [ yₙ·dₙ² + (1 − yₙ)·max(margin − dₙ, 0)² ],   dₙ = ‖vₙ − aₙ‖₂
// y = 1 for an in-sync (lip, audio) pair, 0 for a false pair (audio shifted by another
// offset, or audio from another clip). Everything here is TF.js ops, so gradients flow
// to whatever produced the embeddings — the study's fine-tuning attempt failed precisely
// because its distance and loss were computed outside the graph.
import * as tf from '@tensorflow/tfjs';

/**
 * Differentiable pairwise L2 distance per row, ‖a − b‖₂, with √(· + ε) so the gradient
 * stays finite at d = 0 (ε = 1e-12 moves d by at most 1e-6, like torch's pairwise_distance eps).
 */
export function pairDistance(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(a, b)), 1), 1e-12)) as tf.Tensor1D);
}

/**
 * The contrastive loss above for embeddings lip [N, D] and audio [N, D] and labels [N]
 * (1 = in sync, 0 = false pair); optional per-pair weights [N] (default 1) replace the
 * 1/N average by a weighted one.
 */
export function contrastiveLoss(
  lip: tf.Tensor2D,
  audio: tf.Tensor2D,
  labels: tf.Tensor1D,
  margin: number,
  weights?: tf.Tensor1D,
): tf.Scalar {
  if (lip.shape[0] !== audio.shape[0] || lip.shape[0] !== labels.shape[0]) {
    throw new RangeError(
      `contrastiveLoss: ${lip.shape[0]} lip, ${audio.shape[0]} audio embeddings and ${labels.shape[0]} labels`,
    );
  }
  if (!(margin > 0)) throw new RangeError(`contrastiveLoss: margin must be positive, got ${margin}`);
  return tf.tidy(() => {
    const d = pairDistance(lip, audio);
    const pull = tf.mul(labels, tf.square(d));
    const push = tf.mul(tf.sub(1, labels), tf.square(tf.relu(tf.sub(margin, d))));
    const perPair = tf.add(pull, push);
    if (!weights) return tf.div(tf.mean(perPair), 2) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perPair, weights)), tf.mul(2, tf.sum(weights))) as tf.Scalar;
  });
}
