// The embedded sync model: the project's own small two-stream network, trained with
// SyncNet's contrastive objective (Chung & Zisserman 2016) on face landmarks and
// blendshapes instead of mouth pixels, so it ships in the extension (≈ 0.1 MB) and runs
// far faster than SyncNet's image CNN.
//
// Pipeline (the SyncNet steps it mirrors in brackets):
//   1. Featurizer [SyncNet's mouth crop]: one FaceObservation → EMBEDDED_FEATURE_COUNT
//      values: mouth geometry from the 3-D lip landmarks divided by the inter-ocular
//      distance (3-D distances barely change with head rotation; the ratio removes face
//      size), plus MediaPipe's mouth and jaw blendshapes (already pose-normalised).
//   2. Per-track normalisation [none in SyncNet; our speaker normalisation]: a running
//      mean / variance per feature, pooled with the training-set statistics as a prior
//      worth NORMALISER_PRIOR_FRAMES frames. Causal: frame t is normalised with frames
//      ≤ t only, so the live engine and the batch path give identical values.
//   3. Lip stream [netcnnlip + netfclip]: a 5-frame window [N,5,1,F,1] (SyncModel's lip
//      layout with H = 1, W = F features, C = 1) → temporal conv (kernel 3) → fc1 → fc2 →
//      L2-normalised embedding.
//   4. Audio stream [netcnnaud + netfcaud]: the 13 × 20 MFCC window of mfccSyncnetV2
//      (python_speech_features, c0 = log energy) → c0 centred per window (loudness
//      invariance; c1…c12 are gain-invariant already) and scaled by training statistics →
//      two temporal convs → fc1 → fc2 → L2-normalised embedding.
//   5. The 31-offset search and confidence are SyncNet's own (src/core/sync), unchanged.
//
// Embeddings are unit vectors, so a distance lies in [0, 2], and the zero padding of
// calc_pdist at the stream ends sits at distance 1 — the contrastive margin the model is
// trained with, i.e. about where a mismatched pair lands. The confidence (median − min)
// therefore lives on a different scale from SyncNet v2's: see EMBEDDED_DEFAULT_THRESHOLD.
//
// Convolutions are written as slices + one matMul ("im2col"): TF.js' wasm backend has no
// Conv2DBackpropFilter kernel, and the same code must train (scripts/train.ts) and infer.
//
// Weight names (the WeightMap / bundle layout):
//   norm.lip.mean, norm.lip.std          [F]   prior of the per-track normaliser
//   norm.audio.mean, norm.audio.std      [13]  MFCC scaling (mean of c0 unused: centred per window)
//   lip.conv1.kernel [3·F, C], lip.conv1.bias [C]
//   audio.conv1.kernel [5·13, C], audio.conv2.kernel [3·C, C], biases [C]
//   {lip|audio}.fc1.kernel [in, H], .bias [H];  {lip|audio}.fc2.kernel [H, D], .bias [D]
// "conv*" is the frozen trunk and "fc*" the head when fine-tuning (scripts/finetune.ts).
import * as tf from '@tensorflow/tfjs';
import { BLENDSHAPE_NAMES, KEPT_LANDMARKS, type FaceObservation, type FrameObservation } from '../features';
import { checkWeightShapes, WeightsFormatError } from '../convert/weights-bundle';
import type { AudioInputSpec, LipInputSpec, StreamMode, SyncModel, WeightMap } from './types';

// ------------------------------------------------------------------ featurizer

const lm = (meshIndex: number): number => {
  const i = KEPT_LANDMARKS.indexOf(meshIndex);
  if (i < 0) throw new Error(`Face Mesh landmark ${meshIndex} is not kept in FaceObservation`);
  return i;
};

// Face Mesh indices (FACEMESH_LIPS, see features.ts). Rings in polygon order.
const OUTER_RING = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185].map(lm);
const INNER_RING = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191].map(lm);
const P = {
  upperInner: lm(13), lowerInner: lm(14), upperOuter: lm(0), lowerOuter: lm(17),
  upperInnerL: lm(82), lowerInnerL: lm(87), upperInnerR: lm(312), lowerInnerR: lm(317),
  cornerOuterL: lm(61), cornerOuterR: lm(291), cornerInnerL: lm(78), cornerInnerR: lm(308),
  eyeOuterL: lm(33), eyeOuterR: lm(263), noseTip: lm(1), chin: lm(152),
};

const bs = (name: (typeof BLENDSHAPE_NAMES)[number]): number => BLENDSHAPE_NAMES.indexOf(name);
/** Blendshape features: one name, or a left/right pair averaged (lip sync is symmetric). */
const BLENDSHAPE_FEATURES: [string, number[]][] = [
  ['jawOpen', [bs('jawOpen')]],
  ['mouthClose', [bs('mouthClose')]],
  ['mouthFunnel', [bs('mouthFunnel')]],
  ['mouthPucker', [bs('mouthPucker')]],
  ['mouthRollLower', [bs('mouthRollLower')]],
  ['mouthRollUpper', [bs('mouthRollUpper')]],
  ['mouthShrugLower', [bs('mouthShrugLower')]],
  ['mouthShrugUpper', [bs('mouthShrugUpper')]],
  ['mouthLowerDown', [bs('mouthLowerDownLeft'), bs('mouthLowerDownRight')]],
  ['mouthUpperUp', [bs('mouthUpperUpLeft'), bs('mouthUpperUpRight')]],
  ['mouthStretch', [bs('mouthStretchLeft'), bs('mouthStretchRight')]],
  ['mouthPress', [bs('mouthPressLeft'), bs('mouthPressRight')]],
  ['mouthSmile', [bs('mouthSmileLeft'), bs('mouthSmileRight')]],
  ['jawForward', [bs('jawForward')]],
];

const GEOMETRY_FEATURES = [
  'innerOpening', 'innerOpeningSides', 'outerOpening', 'outerWidth', 'innerWidth',
  'innerArea', 'outerArea', 'upperLip', 'lowerLip', 'noseChin', 'innerAspect',
] as const;

/** Per-frame feature names, in vector order. */
export const EMBEDDED_FEATURE_NAMES: readonly string[] = [...GEOMETRY_FEATURES, ...BLENDSHAPE_FEATURES.map(([name]) => name)];
export const EMBEDDED_FEATURE_COUNT = EMBEDDED_FEATURE_NAMES.length;

function dist3(p: number[], a: number, b: number): number {
  const dx = p[3 * a] - p[3 * b];
  const dy = p[3 * a + 1] - p[3 * b + 1];
  const dz = p[3 * a + 2] - p[3 * b + 2];
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/** Area of a (near-planar) 3-D polygon by Newell's method: ½‖Σ pᵢ × pᵢ₊₁‖. */
function polygonArea3(p: number[], ring: readonly number[]): number {
  let x = 0;
  let y = 0;
  let z = 0;
  for (let i = 0; i < ring.length; i++) {
    const a = 3 * ring[i];
    const b = 3 * ring[(i + 1) % ring.length];
    x += p[a + 1] * p[b + 2] - p[a + 2] * p[b + 1];
    y += p[a + 2] * p[b] - p[a] * p[b + 2];
    z += p[a] * p[b + 1] - p[a + 1] * p[b];
  }
  return 0.5 * Math.sqrt(x * x + y * y + z * z);
}

/**
 * Raw (un-normalised) features of one face: geometry in inter-ocular units (areas in
 * squared units) then blendshapes. Null when the face is degenerate (no landmarks or
 * eyes on top of each other), which the caller treats like a missing face.
 */
export function faceFeatures(face: FaceObservation): Float32Array | null {
  const p = face.landmarks;
  if (p.length !== 3 * KEPT_LANDMARKS.length || face.blendshapes.length !== BLENDSHAPE_NAMES.length) return null;
  const iod = dist3(p, P.eyeOuterL, P.eyeOuterR);
  if (!(iod > 1e-6) || !p.every(Number.isFinite)) return null;
  const d = (a: number, b: number) => dist3(p, a, b) / iod;
  const innerOpening = d(P.upperInner, P.lowerInner);
  const innerWidth = d(P.cornerInnerL, P.cornerInnerR);
  const geometry = [
    innerOpening,
    (d(P.upperInnerL, P.lowerInnerL) + d(P.upperInnerR, P.lowerInnerR)) / 2,
    d(P.upperOuter, P.lowerOuter),
    d(P.cornerOuterL, P.cornerOuterR),
    innerWidth,
    polygonArea3(p, INNER_RING) / (iod * iod),
    polygonArea3(p, OUTER_RING) / (iod * iod),
    d(P.upperOuter, P.upperInner),
    d(P.lowerInner, P.lowerOuter),
    d(P.noseTip, P.chin),
    innerOpening / (innerWidth + 0.05),
  ];
  const out = new Float32Array(EMBEDDED_FEATURE_COUNT);
  out.set(geometry);
  BLENDSHAPE_FEATURES.forEach(([, indices], k) => {
    let sum = 0;
    for (const i of indices) sum += face.blendshapes[i];
    out[geometry.length + k] = sum / indices.length;
  });
  return out;
}

/** Frames of prior evidence the running normaliser starts from (≈ 1 s of video). */
export const NORMALISER_PRIOR_FRAMES = 30;
/** Normalised values are clipped to ± this, so a tracking glitch cannot dominate a window. */
const NORMALISED_CLIP = 5;

/**
 * Causal per-track standardisation. After n frames with own sum S₁ and sum of squares S₂:
 *   mean = (w·μ₀ + S₁)/(w + n),   variance = (w·σ₀² + S₂ − S₁²/n)/(w + n)
 * i.e. the prior (μ₀, σ₀ from the training set, worth w = NORMALISER_PRIOR_FRAMES frames)
 * is pooled with the track's own mean and spread, so a new face starts at the training
 * statistics and is on its own within a few seconds. A frame is normalised with the
 * statistics including itself.
 */
export class RunningNormaliser {
  private n = 0;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;

  constructor(
    private readonly priorMean: Float32Array,
    private readonly priorStd: Float32Array,
    private readonly priorFrames = NORMALISER_PRIOR_FRAMES,
  ) {
    if (priorMean.length !== priorStd.length) throw new RangeError('prior mean and std differ in length');
    this.sum = new Float64Array(priorMean.length);
    this.sumSq = new Float64Array(priorMean.length);
  }

  push(x: Float32Array): Float32Array {
    if (x.length !== this.sum.length) throw new RangeError(`feature vector of ${x.length} values, expected ${this.sum.length}`);
    this.n++;
    const w = this.priorFrames;
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      this.sum[i] += x[i];
      this.sumSq[i] += x[i] * x[i];
      const s0 = this.priorStd[i];
      const mean = (w * this.priorMean[i] + this.sum[i]) / (w + this.n);
      const ownSpread = Math.max(0, this.sumSq[i] - (this.sum[i] * this.sum[i]) / this.n);
      const std = Math.sqrt(Math.max((w * s0 * s0 + ownSpread) / (w + this.n), 1e-4 * s0 * s0, 1e-12));
      out[i] = Math.max(-NORMALISED_CLIP, Math.min(NORMALISED_CLIP, (x[i] - mean) / std));
    }
    return out;
  }
}

/**
 * The embedded model's lip-stream front end for a stream of frames: one running
 * normaliser per face track. The live engine calls observe() per frame; the batch path
 * (training, eval) uses normalisedTrackFeatures, which runs the same code.
 */
export class EmbeddedFeaturizer {
  private readonly tracks = new Map<number, RunningNormaliser>();

  constructor(
    private readonly priorMean: Float32Array,
    private readonly priorStd: Float32Array,
  ) {}

  /** Normalised features per track id for this frame (degenerate faces are skipped). */
  observe(frame: FrameObservation): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    for (const face of frame.faces) {
      const raw = faceFeatures(face);
      if (!raw) continue;
      let normaliser = this.tracks.get(face.trackId);
      if (!normaliser) this.tracks.set(face.trackId, (normaliser = new RunningNormaliser(this.priorMean, this.priorStd)));
      out.set(face.trackId, normaliser.push(raw));
    }
    return out;
  }

  /** Forget every track (a different video). Seeks within one video keep the statistics. */
  reset(): void {
    this.tracks.clear();
  }
}

/** Normalised features of one track for every frame (null where that face is missing). */
export function normalisedTrackFeatures(
  frames: readonly FrameObservation[],
  trackId: number,
  priorMean: Float32Array,
  priorStd: Float32Array,
): (Float32Array | null)[] {
  const normaliser = new RunningNormaliser(priorMean, priorStd);
  return frames.map((frame) => {
    const face = frame.faces.find((f) => f.trackId === trackId);
    const raw = face ? faceFeatures(face) : null;
    return raw ? normaliser.push(raw) : null;
  });
}

/**
 * Lip windows for the model: per window the 5 frames' feature vectors (frame indices
 * from windowsForSegment) → [N, 5, 1, F, 1]. Every frame must have features.
 */
export function lipFeatureWindows(perFrame: readonly (Float32Array | null)[], windows: readonly { frameIndices: readonly number[] }[]): tf.Tensor5D {
  const F = EMBEDDED_FEATURE_COUNT;
  const out = new Float32Array(windows.length * 5 * F);
  windows.forEach((w, n) => {
    w.frameIndices.forEach((frame, t) => {
      const v = perFrame[frame];
      if (!v) throw new RangeError(`lip window ${n}: frame ${frame} has no face features`);
      out.set(v, (n * 5 + t) * F);
    });
  });
  return tf.tensor5d(out, [windows.length, 5, 1, F, 1]);
}

// ------------------------------------------------------------------ network

/** Embedding size (both streams). */
export const EMBEDDED_EMBEDDING_SIZE = 32;
const CONV_CHANNELS = 32;
const FC_HIDDEN = 64;
const LIP_CONV_KERNEL = 3;
const AUDIO_CONV1_KERNEL = 5;
const AUDIO_CONV2_KERNEL = 3;
const MFCC_COEFFICIENTS = 13;
const MFCC_STEPS = 20;
/** Time steps left after each stage (valid convs; audio pools pairs of steps after conv1). */
const LIP_STEPS_AFTER_CONV = 5 - LIP_CONV_KERNEL + 1; // 3
const AUDIO_STEPS_AFTER_CONV1 = MFCC_STEPS - AUDIO_CONV1_KERNEL + 1; // 16
const AUDIO_STEPS_AFTER_POOL = AUDIO_STEPS_AFTER_CONV1 / 2; // 8
const AUDIO_STEPS_AFTER_CONV2 = AUDIO_STEPS_AFTER_POOL - AUDIO_CONV2_KERNEL + 1; // 6

/**
 * Default decision threshold on the confidence (median − min distance, SyncNet's
 * `conf`): the operating point `npm run eval` chose with speakers held out (highest F1
 * for "fake" at precision ≥ 0.95, as the study picked by precision; models/embedded/
 * MODEL_CARD.md). Confidence below it ⇒ no audio–lip match ⇒ out of sync. It is also
 * written into models/embedded/manifest.json as `threshold`.
 */
export const EMBEDDED_DEFAULT_THRESHOLD = 0.1173;
/** Contrastive margin the shipped weights were trained with (distance of a mismatched pair). */
export const EMBEDDED_MARGIN = 1;

export const EMBEDDED_LIP_INPUT: LipInputSpec = { frames: 5, height: 1, width: EMBEDDED_FEATURE_COUNT, channels: 1 };
export const EMBEDDED_AUDIO_INPUT: AudioInputSpec = { coefficients: MFCC_COEFFICIENTS, steps: MFCC_STEPS };

type Stream = 'lip' | 'audio';
const streamsOf = (mode: StreamMode): Stream[] => (mode === 'both' ? ['lip', 'audio'] : [mode]);

/** Canonical weight name → shape, for the streams `mode` needs. */
export function embeddedWeightShapes(mode: StreamMode = 'both'): Record<string, number[]> {
  const F = EMBEDDED_FEATURE_COUNT;
  const C = CONV_CHANNELS;
  const shapes: Record<string, number[]> = {};
  for (const stream of streamsOf(mode)) {
    if (stream === 'lip') {
      Object.assign(shapes, {
        'norm.lip.mean': [F],
        'norm.lip.std': [F],
        'lip.conv1.kernel': [LIP_CONV_KERNEL * F, C],
        'lip.conv1.bias': [C],
        'lip.fc1.kernel': [LIP_STEPS_AFTER_CONV * C, FC_HIDDEN],
      });
    } else {
      Object.assign(shapes, {
        'norm.audio.mean': [MFCC_COEFFICIENTS],
        'norm.audio.std': [MFCC_COEFFICIENTS],
        'audio.conv1.kernel': [AUDIO_CONV1_KERNEL * MFCC_COEFFICIENTS, C],
        'audio.conv1.bias': [C],
        'audio.conv2.kernel': [AUDIO_CONV2_KERNEL * C, C],
        'audio.conv2.bias': [C],
        'audio.fc1.kernel': [AUDIO_STEPS_AFTER_CONV2 * C, FC_HIDDEN],
      });
    }
    Object.assign(shapes, {
      [`${stream}.fc1.bias`]: [FC_HIDDEN],
      [`${stream}.fc2.kernel`]: [FC_HIDDEN, EMBEDDED_EMBEDDING_SIZE],
      [`${stream}.fc2.bias`]: [EMBEDDED_EMBEDDING_SIZE],
    });
  }
  return shapes;
}

/** Which layer group a weight belongs to: the normaliser statistics, the conv trunk or the fc head. */
export function embeddedWeightRole(name: string): 'norm' | 'trunk' | 'head' {
  if (name.startsWith('norm.')) return 'norm';
  return /\.fc\d\./.test(name) ? 'head' : 'trunk';
}

/**
 * Valid 1-D convolution over time as im2col + matMul: x [N, T, Cin], kernel
 * [k·Cin, Cout] (tap-major: row j·Cin + c is tap j, input channel c) → relu → [N, T−k+1, Cout].
 */
function temporalConvRelu(x: tf.Tensor3D, kernel: tf.Tensor2D, bias: tf.Tensor1D, taps: number): tf.Tensor3D {
  const [n, steps, channels] = x.shape;
  const outSteps = steps - taps + 1;
  const patches = tf.concat(Array.from({ length: taps }, (_, j) => tf.slice(x, [0, j, 0], [n, outSteps, channels])), 2);
  const y = tf.relu(tf.add(tf.matMul(tf.reshape(patches, [n * outSteps, taps * channels]), kernel), bias));
  return tf.reshape(y, [n, outSteps, kernel.shape[1]]);
}

function l2Normalise(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)));
}

/** Anything that holds the weights by name as tensors (plain tensors to infer, tf.Variables to train). */
export type EmbeddedParams = Record<string, tf.Tensor>;

function head(p: EmbeddedParams, stream: Stream, features: tf.Tensor2D): tf.Tensor2D {
  const hidden = tf.relu(tf.add(tf.matMul(features, p[`${stream}.fc1.kernel`] as tf.Tensor2D), p[`${stream}.fc1.bias`]));
  return l2Normalise(tf.add(tf.matMul(hidden, p[`${stream}.fc2.kernel`] as tf.Tensor2D), p[`${stream}.fc2.bias`]) as tf.Tensor2D);
}

/** Lip trunk: [N, 5, F] normalised features → [N, 3·C] (netcnnlip's role). */
export function embeddedLipTrunk(p: EmbeddedParams, x: tf.Tensor3D): tf.Tensor2D {
  const conv = temporalConvRelu(x, p['lip.conv1.kernel'] as tf.Tensor2D, p['lip.conv1.bias'] as tf.Tensor1D, LIP_CONV_KERNEL);
  return tf.reshape(conv, [x.shape[0], -1]);
}

/**
 * The audio stream's fixed input transform: raw MFCC windows [N, 13, 20] → normalised,
 * time-major [N, 20, 13]. No trainable weights, so training applies it once to its table.
 */
export function embeddedAudioInput(p: EmbeddedParams, x: tf.Tensor3D): tf.Tensor3D {
  const n = x.shape[0];
  // c0 (log energy) centred per window: loudness differs by tens of dB between videos.
  const c0 = tf.slice(x, [0, 0, 0], [n, 1, MFCC_STEPS]);
  const rest = tf.sub(tf.slice(x, [0, 1, 0], [n, MFCC_COEFFICIENTS - 1, MFCC_STEPS]), tf.reshape(tf.slice(p['norm.audio.mean'], [1], [MFCC_COEFFICIENTS - 1]), [1, -1, 1]));
  const centred = tf.concat([tf.sub(c0, tf.mean(c0, 2, true)), rest], 1);
  const scaled = tf.div(centred, tf.reshape(p['norm.audio.std'], [1, -1, 1]));
  return tf.transpose(scaled, [0, 2, 1]) as tf.Tensor3D;
}

/** Audio trunk: normalised time-major MFCC [N, 20, 13] → [N, 6·C] (netcnnaud's role). */
export function embeddedAudioTrunk(p: EmbeddedParams, timeMajor: tf.Tensor3D): tf.Tensor2D {
  const n = timeMajor.shape[0];
  const conv1 = temporalConvRelu(timeMajor, p['audio.conv1.kernel'] as tf.Tensor2D, p['audio.conv1.bias'] as tf.Tensor1D, AUDIO_CONV1_KERNEL);
  const pooled = tf.mean(tf.reshape(conv1, [n, AUDIO_STEPS_AFTER_POOL, 2, CONV_CHANNELS]), 2) as tf.Tensor3D;
  const conv2 = temporalConvRelu(pooled, p['audio.conv2.kernel'] as tf.Tensor2D, p['audio.conv2.bias'] as tf.Tensor1D, AUDIO_CONV2_KERNEL);
  return tf.reshape(conv2, [n, -1]);
}

/** Lip trunk output → embedding (netfclip's role). */
export const embeddedLipHead = (p: EmbeddedParams, trunk: tf.Tensor2D): tf.Tensor2D => head(p, 'lip', trunk);
/** Audio trunk output → embedding (netfcaud's role). */
export const embeddedAudioHead = (p: EmbeddedParams, trunk: tf.Tensor2D): tf.Tensor2D => head(p, 'audio', trunk);

/** The SyncModel the engine and the CLI use, plus what the featurizer needs. */
export interface EmbeddedSyncModel extends SyncModel {
  readonly kind: 'embedded';
  /** A fresh per-track featurizer with this model's normaliser prior. */
  createFeaturizer(): EmbeddedFeaturizer;
  /** Prior of the per-track normaliser (norm.lip.mean / norm.lip.std). */
  readonly normaliserPrior: { mean: Float32Array; std: Float32Array };
}

class EmbeddedModel implements EmbeddedSyncModel {
  readonly kind = 'embedded' as const;
  readonly embeddingSize = EMBEDDED_EMBEDDING_SIZE;
  readonly lipInput = EMBEDDED_LIP_INPUT;
  readonly audioInput = EMBEDDED_AUDIO_INPUT;
  readonly normaliserPrior: { mean: Float32Array; std: Float32Array };
  private readonly params: EmbeddedParams = {};

  constructor(weights: WeightMap, readonly mode: StreamMode) {
    for (const [name, shape] of Object.entries(embeddedWeightShapes(mode))) this.params[name] = tf.tensor(weights[name].data, shape);
    const prior = (name: string) => Float32Array.from(weights[name]?.data ?? new Float32Array(EMBEDDED_FEATURE_COUNT).fill(name.endsWith('std') ? 1 : 0));
    this.normaliserPrior = { mean: prior('norm.lip.mean'), std: prior('norm.lip.std') };
  }

  private need(stream: Stream): void {
    if (!streamsOf(this.mode).includes(stream)) throw new Error(`the embedded model was created with mode '${this.mode}' and has no ${stream} stream`);
  }

  createFeaturizer(): EmbeddedFeaturizer {
    return new EmbeddedFeaturizer(this.normaliserPrior.mean, this.normaliserPrior.std);
  }

  embedLip(windows: tf.Tensor5D): tf.Tensor2D {
    this.need('lip');
    const [n, t, h, w, c] = windows.shape;
    if (t !== 5 || h !== 1 || w !== EMBEDDED_FEATURE_COUNT || c !== 1) {
      throw new Error(`embedded model lip input must be [N,5,1,${EMBEDDED_FEATURE_COUNT},1] (normalised face features, see lipFeatureWindows), got [${windows.shape}]`);
    }
    return tf.tidy(() => embeddedLipHead(this.params, embeddedLipTrunk(this.params, tf.reshape(windows, [n, 5, w]))));
  }

  embedAudio(windows: tf.Tensor3D): tf.Tensor2D {
    this.need('audio');
    const [, rows, cols] = windows.shape;
    if (rows !== MFCC_COEFFICIENTS || cols !== MFCC_STEPS) {
      throw new Error(`embedded model audio input must be [N,${MFCC_COEFFICIENTS},${MFCC_STEPS}] (mfccSyncnetV2 windows), got [${windows.shape}]`);
    }
    return tf.tidy(() => embeddedAudioHead(this.params, embeddedAudioTrunk(this.params, embeddedAudioInput(this.params, windows))));
  }

  dispose(): void {
    tf.dispose(Object.values(this.params));
  }
}

/**
 * Builds the embedded model from its WeightMap (a decoded models/embedded bundle).
 * Every tensor the streams of `mode` need must be present with its exact shape and finite.
 */
export function createEmbeddedModel(weights: WeightMap, mode: StreamMode = 'both', where = 'embedded model weights'): EmbeddedSyncModel {
  const shapes = embeddedWeightShapes(mode);
  checkWeightShapes(weights, shapes, where, 'embedded model');
  for (const name of Object.keys(shapes)) {
    const bad = weights[name].data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new WeightsFormatError(`${where}: corrupt embedded model — tensor ${name} holds a non-finite value at element ${bad}`);
  }
  if (weights['norm.lip.std']?.data.some((v) => !(v > 0)) || weights['norm.audio.std']?.data.some((v) => !(v > 0))) {
    throw new WeightsFormatError(`${where}: corrupt embedded model — a normalisation std is not positive`);
  }
  return new EmbeddedModel(weights, mode);
}
