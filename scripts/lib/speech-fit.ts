// Fitting the speech detector's candidates (scripts/train-speech.ts) in plain JS, seeded:
// (a) a threshold rule over three spectral features, grid-searched; (b) logistic regression
// and a one-hidden-layer MLP, trained with Adam on class-weighted cross-entropy.
import { FEATURE_NAMES, NUM_FEATURES } from '../../src/core/audio/speech-features';
import type { DenseLayer, SpeechModel } from '../../src/core/audio/speech';
import { Rng } from '../../src/core/train/rng';

export interface TrainingRows {
  readonly x: Float32Array; // n × NUM_FEATURES
  readonly y: Uint8Array;
  readonly weight: Float32Array;
}

export const GATE_DB = -60;

function standardisation(rows: TrainingRows): { mean: number[]; std: number[] } {
  const n = rows.y.length;
  const mean = new Array<number>(NUM_FEATURES).fill(0);
  const std = new Array<number>(NUM_FEATURES).fill(0);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < NUM_FEATURES; c++) mean[c] += rows.x[i * NUM_FEATURES + c] / n;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < NUM_FEATURES; c++) std[c] += (rows.x[i * NUM_FEATURES + c] - mean[c]) ** 2 / n;
  return { mean, std: std.map((v) => Math.sqrt(v) || 1) };
}

/** Adam on weighted binary cross-entropy; `hidden` 0 gives logistic regression. */
export function fitNetwork(rows: TrainingRows, hidden: number, seed: number, epochs = 40): SpeechModel {
  const rng = new Rng(seed);
  const { mean, std } = standardisation(rows);
  const n = rows.y.length;
  const x = new Float64Array(n * NUM_FEATURES);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < NUM_FEATURES; c++)
      x[i * NUM_FEATURES + c] = (rows.x[i * NUM_FEATURES + c] - mean[c]) / std[c];
  const widths = hidden > 0 ? [NUM_FEATURES, hidden, 1] : [NUM_FEATURES, 1];
  const params = widths.slice(1).map((out, l) => ({
    w: Float64Array.from({ length: out * widths[l] }, () => rng.normal() / Math.sqrt(widths[l])),
    b: new Float64Array(out),
  }));
  const flat = params.flatMap((p) => [p.w, p.b]);
  const grads = flat.map((a) => new Float64Array(a.length));
  const m1 = flat.map((a) => new Float64Array(a.length));
  const m2 = flat.map((a) => new Float64Array(a.length));
  const acts = widths.map((w) => new Float64Array(w));
  const deltas = widths.map((w) => new Float64Array(w));
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const batch = 256;
  const lr = 0.01;
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < n; start += batch) {
      grads.forEach((g) => g.fill(0));
      let batchWeight = 0;
      for (let s = start; s < Math.min(n, start + batch); s++) {
        const i = order[s];
        for (let c = 0; c < NUM_FEATURES; c++) acts[0][c] = x[i * NUM_FEATURES + c];
        params.forEach((p, l) => {
          for (let o = 0; o < widths[l + 1]; o++) {
            let sum = p.b[o];
            for (let k = 0; k < widths[l]; k++) sum += p.w[o * widths[l] + k] * acts[l][k];
            acts[l + 1][o] = l === params.length - 1 ? 1 / (1 + Math.exp(-sum)) : Math.tanh(sum);
          }
        });
        const w = rows.weight[i];
        batchWeight += w;
        const last = params.length;
        deltas[last][0] = w * (acts[last][0] - rows.y[i]);
        for (let l = last - 1; l >= 0; l--) {
          const gw = grads[2 * l];
          const gb = grads[2 * l + 1];
          deltas[l].fill(0);
          for (let o = 0; o < widths[l + 1]; o++) {
            const d = deltas[l + 1][o];
            gb[o] += d;
            for (let k = 0; k < widths[l]; k++) {
              gw[o * widths[l] + k] += d * acts[l][k];
              deltas[l][k] += d * params[l].w[o * widths[l] + k];
            }
          }
          if (l > 0) for (let k = 0; k < widths[l]; k++) deltas[l][k] *= 1 - acts[l][k] ** 2;
        }
      }
      step++;
      flat.forEach((p, a) => {
        for (let k = 0; k < p.length; k++) {
          const g = grads[a][k] / batchWeight + (a % 2 === 0 ? 1e-4 * p[k] : 0);
          m1[a][k] = 0.9 * m1[a][k] + 0.1 * g;
          m2[a][k] = 0.999 * m2[a][k] + 0.001 * g * g;
          p[k] -= (lr * (m1[a][k] / (1 - 0.9 ** step))) / (Math.sqrt(m2[a][k] / (1 - 0.999 ** step)) + 1e-8);
        }
      });
    }
  }
  const round = (v: number) => Number(v.toPrecision(6));
  const layers: DenseLayer[] = params.map((p, l) => ({
    inputs: widths[l],
    outputs: widths[l + 1],
    weights: Array.from(p.w, round),
    bias: Array.from(p.b, round),
  }));
  return {
    features: [...FEATURE_NAMES],
    mean: mean.map(round),
    std: std.map(round),
    layers,
    gateDb: GATE_DB,
  };
}

/** (a): speech when mod4Hz > a, flatness < b and ltsv > c (and the level gate is open). */
export interface SpectralRule {
  readonly mod4Hz: number;
  readonly flatness: number;
  readonly ltsv: number;
}

const col = (name: (typeof FEATURE_NAMES)[number]) => FEATURE_NAMES.indexOf(name);

export function ruleSays(rule: SpectralRule, x: Float32Array, row: number): boolean {
  const at = row * NUM_FEATURES;
  return (
    x[at + col('mod4Hz')] > rule.mod4Hz &&
    x[at + col('flatness')] < rule.flatness &&
    x[at + col('ltsv')] > rule.ltsv
  );
}

/** Grid search (deciles of each feature) for the best weighted accuracy on the training rows. */
export function fitRule(rows: TrainingRows): SpectralRule {
  const n = rows.y.length;
  const deciles = (name: (typeof FEATURE_NAMES)[number]) => {
    const values = Float32Array.from({ length: n }, (_, i) => rows.x[i * NUM_FEATURES + col(name)]).sort();
    return Array.from({ length: 19 }, (_, k) => values[Math.floor(((k + 1) / 20) * n)]);
  };
  let best: SpectralRule = { mod4Hz: 0, flatness: 1, ltsv: 0 };
  let bestScore = -1;
  for (const mod4Hz of deciles('mod4Hz')) {
    for (const flatness of deciles('flatness')) {
      for (const ltsv of deciles('ltsv')) {
        const rule = { mod4Hz, flatness, ltsv };
        let score = 0;
        for (let i = 0; i < n; i++)
          if (ruleSays(rule, rows.x, i) === (rows.y[i] === 1)) score += rows.weight[i];
        if (score > bestScore) [best, bestScore] = [rule, score];
      }
    }
  }
  return best;
}
