// Seeded stand-in weights for speed and plumbing checks (the bench, the stream-worker test):
// no official SyncNet weights can be downloaded here, and what is measured does not depend
// on the values. Kernels and biases small, normalisation scales near 1.
import type { WeightMap } from '../../src/core/models/types';

export function randomWeights(shapes: Record<string, number[]>, seed: number): WeightMap {
  let state = seed;
  const rand = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const weights: WeightMap = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const positive = /variance|std|sigma|gamma/.test(name);
    weights[name] = {
      shape,
      data: Float32Array.from({ length: n }, () => (positive ? 1 + 0.1 * rand() : 0.05 * rand())),
    };
  }
  return weights;
}
