// Voice-activity detection: how likely each 10-ms row of a 16-kHz signal is speech, as
// opposed to music, noise, applause or silence. Replaces the old "louder than −45 dBFS"
// test, which called any music bed speech (issue 10, item 1).
//
// A tiny model (standardised features → dense layers with tanh → sigmoid) over the
// per-row context features of speech-features.ts. Its weights are speech-model.json,
// made by `npm run train-speech` (scripts/train-speech.ts) from the shared clips, music and
// synthetic noise; measurements are in docs/speech-detection.md.
//
// Row r lines up with mfccSyncnetV2 row r (25-ms frames, 10-ms hop). Row r depends only on
// the samples within ±0.5 s of its frame (speech-features.ts CONTEXT_ROWS), so the engine
// can compute new rows as audio arrives: speechProbabilitiesRange(samples, a, b) equals
// speechProbabilities(samples).slice(a, b) exactly, and a row is final once the samples
// reach 0.5 s past its frame.
import shipped from './speech-model.json';
import {
  CONTEXT_ROWS,
  FEATURE_NAMES,
  NUM_FEATURES,
  rowCount,
  speechFeatureRows,
  type SpeechFeatureRows,
} from './speech-features';

/** A dense layer: `weights` is outputs × inputs, row-major. */
export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: readonly number[];
  readonly bias: readonly number[];
}

export interface SpeechModel {
  readonly features: readonly string[];
  /** Per-feature standardisation: (x − mean) / std. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** tanh between layers, sigmoid after the last (which has one output). */
  readonly layers: readonly DenseLayer[];
  /** A row whose whole ±0.5-s context is quieter than this (dBFS) is not speech: p = 0. */
  readonly gateDb: number;
}

/** Rows of a SyncNet window (0.2 s of MFCC rows). */
export const SYNCNET_WINDOW_ROWS = 20;

/** Checks that a model fits the feature extractor; throws a message naming what is wrong. */
export function validateSpeechModel(model: SpeechModel): SpeechModel {
  if (model.features.join() !== FEATURE_NAMES.join()) {
    throw new Error(
      `speech model features [${model.features.join()}] differ from the extractor's [${FEATURE_NAMES.join()}]`,
    );
  }
  let width: number = NUM_FEATURES;
  for (const layer of model.layers) {
    if (
      layer.inputs !== width ||
      layer.weights.length !== layer.inputs * layer.outputs ||
      layer.bias.length !== layer.outputs
    ) {
      throw new Error(
        `speech model layer ${layer.inputs}→${layer.outputs} does not fit its input width ${width} or its weights`,
      );
    }
    width = layer.outputs;
  }
  if (width !== 1) throw new Error(`speech model must end in one output, got ${width}`);
  return model;
}

let validated: SpeechModel | null = null;

/** The shipped model (speech-model.json), checked on first use. */
export function shippedSpeechModel(): SpeechModel {
  validated ??= validateSpeechModel(shipped as SpeechModel);
  return validated;
}

/** The model's probability for one standardised-on-the-fly feature row. */
function forward(model: SpeechModel, row: Float32Array, at: number, scratch: Float64Array[]): number {
  let input = scratch[0];
  for (let c = 0; c < NUM_FEATURES; c++) input[c] = (row[at + c] - model.mean[c]) / model.std[c];
  for (let l = 0; l < model.layers.length; l++) {
    const { inputs, outputs, weights, bias } = model.layers[l];
    const out = scratch[l + 1];
    for (let o = 0; o < outputs; o++) {
      let sum = bias[o];
      for (let i = 0; i < inputs; i++) sum += weights[o * inputs + i] * input[i];
      out[o] = l === model.layers.length - 1 ? 1 / (1 + Math.exp(-sum)) : Math.tanh(sum);
    }
    input = out;
  }
  return input[0];
}

/** The model's probability for each row of already computed features (gate applied). */
export function applySpeechModel(
  features: SpeechFeatureRows,
  model: SpeechModel = shippedSpeechModel(),
): Float32Array {
  const out = new Float32Array(features.rows);
  const scratch = [new Float64Array(NUM_FEATURES), ...model.layers.map((l) => new Float64Array(l.outputs))];
  for (let r = 0; r < features.rows; r++) {
    out[r] =
      features.contextMaxDb[r] < model.gateDb ? 0 : forward(model, features.data, r * NUM_FEATURES, scratch);
  }
  return out;
}

/** Speech probability of rows [fromRow, toRow) (clamped to the signal's rows). */
export function speechProbabilitiesRange(
  samples: Int16Array,
  fromRow: number,
  toRow: number,
  model: SpeechModel = shippedSpeechModel(),
): Float32Array {
  return applySpeechModel(speechFeatureRows(samples, fromRow, toRow), model);
}

/**
 * Speech probability of every row: as many rows as mfccSyncnetV2 gives for these samples
 * (mono, 16 kHz, int16 scale).
 */
export function speechProbabilities(
  samples: Int16Array,
  model: SpeechModel = shippedSpeechModel(),
): Float32Array {
  return speechProbabilitiesRange(samples, 0, rowCount(samples.length), model);
}

/**
 * Speech probability of the SyncNet window whose MFCC rows are mfccRowStart ..
 * mfccRowStart + 19: the mean of its rows' probabilities (rows past the end are left out;
 * a window with no rows is 0).
 */
export function windowSpeech(probs: Float32Array, mfccRowStart: number): number {
  const lo = Math.max(0, mfccRowStart);
  const hi = Math.min(probs.length, mfccRowStart + SYNCNET_WINDOW_ROWS);
  if (hi <= lo) return 0;
  let sum = 0;
  for (let r = lo; r < hi; r++) sum += probs[r];
  return sum / (hi - lo);
}

/** Rows after row r whose frames row r's probability still reads: r is final once row r + 50 is complete. */
export const SPEECH_LOOKAHEAD_ROWS = CONTEXT_ROWS;
