// Training the embedded model from cached clip features: the normaliser prior and MFCC
// scaling from the training clips, window tables (every lip window and MFCC window once),
// seeded Glorot initialisation, and the contrastive loop of trainer.ts. Used by
// `npm run train` (all clips → the shipped weights), by `npm run eval` (one model per
// held-out speaker fold) and by `npm run finetune` (head only, trunk frozen).
import * as tf from '@tensorflow/tfjs';
import { mfccSyncnetV2 } from '../audio';
import type { ClipFeatures } from '../features';
import {
  EMBEDDED_FEATURE_COUNT,
  EMBEDDED_MARGIN,
  embeddedAudioHead,
  embeddedAudioInput,
  embeddedAudioTrunk,
  embeddedLipHead,
  embeddedLipTrunk,
  embeddedWeightRole,
  embeddedWeightShapes,
  faceFeatures,
} from '../models/embedded';
import type { WeightMap } from '../models/types';
import { windowsForSegment, WINDOW_MFCC_ROWS } from '../sync/windows';
import { searchOffsetRuns } from '../sync/offset-search';
import { clipGrid, DEFAULT_EVIDENCE, embeddedLipInputs, tracksBySize } from './clip-score';
import { frameLevelsDb, speechRows } from './evidence';
import type { WindowClip } from './pairs';
import { PairSampler, type PairSamplingOptions } from './pairs';
import { glorotUniform, Rng } from './rng';
import { VtlpBatches } from './vtlp-batches';
import { trainContrastive, type TrainProgress, type TwoTowerTask } from './trainer';
import { torchMedian } from '../numeric';

const MFCC_COEFFICIENTS = 13;

/** One clip for training: cached features, its PCM, its speaker, and its own offset if known. */
export interface TrainingClip {
  id: string;
  group: string;
  features: ClipFeatures;
  samples: Int16Array;
  /** Frames the clip's audio leads its video (a known misalignment to correct); default 0. */
  ownOffset?: number;
}

/** The face the model is trained on: the clip's longest track (the speaker in the clips used here). */
export const mainTrack = (features: ClipFeatures): number | null =>
  tracksBySize(features)[0]?.trackId ?? null;

/** Mean and std of the raw per-frame features over the main track of every clip (the normaliser prior). */
export function featureStats(clips: readonly TrainingClip[]): { mean: Float32Array; std: Float32Array } {
  const F = EMBEDDED_FEATURE_COUNT;
  const sum = new Float64Array(F);
  const sumSq = new Float64Array(F);
  let n = 0;
  for (const clip of clips) {
    const track = mainTrack(clip.features);
    for (const frame of clip.features.frames) {
      const face = frame.faces.find((f) => f.trackId === track);
      const x = face ? faceFeatures(face) : null;
      if (!x) continue;
      n++;
      for (let i = 0; i < F; i++) {
        sum[i] += x[i];
        sumSq[i] += x[i] * x[i];
      }
    }
  }
  if (n < 2) throw new RangeError('featureStats: fewer than 2 frames with a face in the training clips');
  const mean = Float32Array.from(sum, (s) => s / n);
  const std = Float32Array.from(sumSq, (s, i) => Math.sqrt(Math.max(s / n - mean[i] * mean[i], 1e-8)));
  return { mean, std };
}

/**
 * MFCC scaling: per-coefficient mean and std over all rows of the training audio, c0 taken
 * relative to its 20-row window mean, exactly as the audio trunk sees it.
 */
export function mfccStats(mfccs: readonly { rows: number; data: Float32Array }[]): {
  mean: Float32Array;
  std: Float32Array;
} {
  const C = MFCC_COEFFICIENTS;
  const sum = new Float64Array(C);
  const sumSq = new Float64Array(C);
  let n = 0;
  for (const m of mfccs) {
    for (let r = 0; r < m.rows; r++) {
      // c0 relative to the 20-row window starting at the nearest window start (stride 4).
      const w0 = Math.min(Math.max(0, m.rows - WINDOW_MFCC_ROWS), 4 * Math.floor(r / 4));
      let c0Mean = 0;
      const span = Math.min(WINDOW_MFCC_ROWS, m.rows - w0);
      for (let k = 0; k < span; k++) c0Mean += m.data[(w0 + k) * C];
      c0Mean /= span;
      for (let c = 0; c < C; c++) {
        const v = c === 0 ? m.data[r * C] - c0Mean : m.data[r * C + c];
        sum[c] += v;
        sumSq[c] += v * v;
      }
      n++;
    }
  }
  if (n < 2) throw new RangeError('mfccStats: no audio rows');
  const mean = Float32Array.from(sum, (s) => s / n);
  const std = Float32Array.from(sumSq, (s, c) => Math.sqrt(Math.max(s / n - mean[c] * mean[c], 1e-6)));
  mean[0] = 0; // unused: c0 is centred per window
  return { mean, std };
}

export interface WindowTables {
  /** Lip windows [L, 5·F] (normalised features, time-major). */
  lip: Float32Array;
  lipCount: number;
  /** MFCC windows [A, 13·20] in mfccWindowTensor's layout. */
  audio: Float32Array;
  audioCount: number;
  clips: WindowClip[];
}

/**
 * Every lip window (main track, normalised with `prior`) and every MFCC window of every
 * clip, once; a WindowClip per grid segment maps grid positions to rows. With
 * `speechOnly`, each WindowClip also marks which audio windows hold speech (the evidence
 * rule of clip scoring), so the sampler draws true pairs and swaps from speech only.
 */
export function buildWindowTables(
  clips: readonly TrainingClip[],
  prior: { mean: Float32Array; std: Float32Array },
  speechOnly = false,
): WindowTables {
  const lipRows: Float32Array[] = [];
  const audioRows: Float32Array[] = [];
  const windowClips: WindowClip[] = [];
  for (const clip of clips) {
    const track = mainTrack(clip.features);
    const audio = clip.features.audio;
    if (track === null || !audio) continue;
    const segments = clipGrid(clip.features);
    const lip = embeddedLipInputs(clip.features, segments, track, prior);
    const mfcc = mfccSyncnetV2(clip.samples);
    const speechRow = speechRows(frameLevelsDb(clip.samples));
    segments.forEach((segment, s) => {
      const positions = lip.windows[s].length;
      if (positions <= 0) return;
      const lipIndex = new Int32Array(positions).fill(-1);
      const audioIndex = new Int32Array(positions).fill(-1);
      const speech = new Uint8Array(positions);
      lip.windows[s].forEach((row, g) => {
        if (row) {
          lipIndex[g] = lipRows.length;
          lipRows.push(row);
        }
      });
      for (const w of windowsForSegment(segment, audio.startS, mfcc.rows)) {
        const row = new Float32Array(MFCC_COEFFICIENTS * WINDOW_MFCC_ROWS);
        for (let c = 0; c < MFCC_COEFFICIENTS; c++) {
          for (let t = 0; t < WINDOW_MFCC_ROWS; t++)
            row[c * WINDOW_MFCC_ROWS + t] = mfcc.data[(w.mfccRowStart + t) * MFCC_COEFFICIENTS + c];
        }
        audioIndex[w.gridStart] = audioRows.length;
        audioRows.push(row);
        let speechCount = 0;
        for (let r = w.mfccRowStart; r < w.mfccRowStart + WINDOW_MFCC_ROWS; r++)
          speechCount += speechRow[r] ?? 0;
        speech[w.gridStart] = speechCount >= DEFAULT_EVIDENCE.speechFraction * WINDOW_MFCC_ROWS ? 1 : 0;
      }
      windowClips.push({
        id: segments.length > 1 ? `${clip.id}#${s}` : clip.id,
        group: clip.group,
        lipRows: lipIndex,
        audioRows: audioIndex,
        ownOffset: clip.ownOffset ?? 0,
        ...(speechOnly ? { speech } : {}),
      });
    });
  }
  const stack = (rows: Float32Array[], width: number) => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((r, i) => out.set(r, i * width));
    return out;
  };
  return {
    lip: stack(lipRows, 5 * EMBEDDED_FEATURE_COUNT),
    lipCount: lipRows.length,
    audio: stack(audioRows, MFCC_COEFFICIENTS * WINDOW_MFCC_ROWS),
    audioCount: audioRows.length,
    clips: windowClips,
  };
}

/** Seeded initial weights: Glorot-uniform kernels, zero biases, the given normalisation statistics. */
export function initialEmbeddedWeights(
  seed: number,
  lipPrior: { mean: Float32Array; std: Float32Array },
  audioNorm: { mean: Float32Array; std: Float32Array },
): WeightMap {
  const rng = new Rng(seed).fork('init');
  const weights: WeightMap = {};
  for (const [name, shape] of Object.entries(embeddedWeightShapes('both'))) {
    let data: Float32Array;
    if (name === 'norm.lip.mean') data = Float32Array.from(lipPrior.mean);
    else if (name === 'norm.lip.std') data = Float32Array.from(lipPrior.std);
    else if (name === 'norm.audio.mean') data = Float32Array.from(audioNorm.mean);
    else if (name === 'norm.audio.std') data = Float32Array.from(audioNorm.std);
    else if (name.endsWith('.kernel')) data = glorotUniform(rng.fork(name), shape[0], shape[1]);
    else data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    weights[name] = { shape: [...shape], data };
  }
  return weights;
}

/** Which layer groups train: everything but the normaliser statistics, or only the fc head. */
export type TrainableScope = 'all' | 'head';

/** The embedded network as tf.Variables over window tables, ready for trainContrastive. */
export class EmbeddedTrainable {
  readonly variables: Record<string, tf.Variable> = {};

  constructor(
    weights: WeightMap,
    readonly scope: TrainableScope,
  ) {
    for (const [name, shape] of Object.entries(embeddedWeightShapes('both'))) {
      const role = embeddedWeightRole(name);
      const trainable = role !== 'norm' && (scope === 'all' || role === 'head');
      const initial = tf.tensor(weights[name].data, shape);
      this.variables[name] = tf.variable(initial, trainable);
      initial.dispose();
    }
  }

  get trainable(): tf.Variable[] {
    return Object.values(this.variables).filter((v) => v.trainable);
  }

  /** The trainable kernels (the L2 penalty's target). */
  get trainableKernels(): tf.Variable[] {
    return Object.entries(this.variables)
      .filter(([name, v]) => v.trainable && name.endsWith('.kernel'))
      .map(([, v]) => v);
  }

  /**
   * Lip rows [N, 5·F] → embeddings. With `noise` (training only), Gaussian noise of that
   * std is added to the normalised features, seeded by `noiseSeed`: landmark jitter as
   * augmentation, against memorising the few dozen training faces.
   */
  embedLipRows(rows: tf.Tensor, noise = 0, noiseSeed = 0): tf.Tensor2D {
    let x = tf.reshape(rows, [rows.shape[0], 5, EMBEDDED_FEATURE_COUNT]) as tf.Tensor3D;
    if (noise > 0) x = tf.add(x, tf.randomNormal(x.shape, 0, noise, 'float32', noiseSeed));
    return embeddedLipHead(this.variables, embeddedLipTrunk(this.variables, x));
  }

  /** Raw MFCC rows [N, 13·20] (mfccWindowTensor layout) → the audio stream's normalised input rows [N, 20·13]. */
  audioInputRows(rows: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const x = tf.reshape(rows, [rows.shape[0], MFCC_COEFFICIENTS, WINDOW_MFCC_ROWS]) as tf.Tensor3D;
      return tf.reshape(embeddedAudioInput(this.variables, x), [rows.shape[0], -1]) as tf.Tensor2D;
    });
  }

  /** Normalised input rows (audioInputRows) → embeddings. */
  embedAudioRows(inputRows: tf.Tensor): tf.Tensor2D {
    const x = tf.reshape(inputRows, [inputRows.shape[0], WINDOW_MFCC_ROWS, MFCC_COEFFICIENTS]) as tf.Tensor3D;
    return embeddedAudioHead(this.variables, embeddedAudioTrunk(this.variables, x));
  }

  toWeightMap(): WeightMap {
    const out: WeightMap = {};
    for (const [name, v] of Object.entries(this.variables))
      out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync()) };
    return out;
  }

  dispose(): void {
    tf.dispose(Object.values(this.variables));
  }
}

export interface EmbeddedTrainOptions {
  seed: number;
  /** Total steps (including the warm-up of `realign`). */
  steps: number;
  /**
   * Correct training clips that are themselves out of sync: after `warmupSteps`, the model
   * estimates every clip's own offset; offsets relative to the median clip, if within
   * ±maxOffset frames, become the clips' ownOffset (their true pairs move with them) for
   * the remaining steps. The median clip is taken as in sync, so the model's zero stays
   * where most files put it.
   */
  realign?: { warmupSteps: number; maxOffset: number };
  /** Draw true pairs and swapped audio from speech windows only (see WindowClip.speech). */
  speechOnly?: boolean;
  /** Std of the Gaussian noise added to normalised lip features while training (augmentation). */
  lipNoise?: number;
  /**
   * VTLP on the training audio (augmentation, src/core/audio/vtlp.ts): each audio window of a
   * batch warped by an α drawn from [1 − vtlp, 1 + vtlp]; 0 for none.
   */
  vtlp?: number;
  batchSize?: number;
  learningRate?: number;
  margin?: number;
  l2?: number;
  sampling?: PairSamplingOptions;
  onProgress?: (p: TrainProgress) => void;
  progressEvery?: number;
}

/**
 * The recipe of the shipped weights (scripts/train.ts prints it into the model card).
 * Chosen among a handful of runs on the speaker-held-out folds of `npm run eval`
 * (steps, landmark noise, which clips train; docs/evaluation.md): with so few training
 * clips, longer training overfits and noise on the landmark features regularises. Picking
 * among runs on the same folds makes the chosen run's figures slightly optimistic.
 */
export const EMBEDDED_RECIPE = {
  steps: 2000,
  batchSize: 256,
  learningRate: 2e-3,
  margin: EMBEDDED_MARGIN,
  l2: 1e-5,
  realign: { warmupFraction: 1 / 3, maxOffset: 8 },
  speechOnly: true,
  lipNoise: 0.6,
  vtlp: 0,
} as const;

/** The recipe's realignment for a run of `steps` steps. */
export const recipeRealign = (steps: number) => ({
  warmupSteps: Math.round(steps * EMBEDDED_RECIPE.realign.warmupFraction),
  maxOffset: EMBEDDED_RECIPE.realign.maxOffset,
});

export interface EmbeddedTrainResult {
  weights: WeightMap;
  losses: Float32Array;
  tables: { lipWindows: number; audioWindows: number; clips: number; anchors: number };
  /** Per training clip (segment), the own offset used after realignment (0 without it) and the estimate behind it. */
  ownOffsets: { id: string; offset: number; estimate: number | null; confidence: number | null }[];
}

/**
 * Every WindowClip's own offset under the current weights: all lip and audio windows
 * embedded once, then calc_pdist + evaluate over its grid positions (searchOffsetRuns).
 */
export function estimateOwnOffsets(
  net: EmbeddedTrainable,
  tables: WindowTables,
  lipTable: tf.Tensor2D,
  audioTable: tf.Tensor2D,
): { id: string; offset: number | null; confidence: number | null }[] {
  const embedAll = (table: tf.Tensor2D, embed: (rows: tf.Tensor) => tf.Tensor2D): Float32Array[] => {
    const rows: Float32Array[] = [];
    for (let start = 0; start < table.shape[0]; start += 1024) {
      const size = Math.min(1024, table.shape[0] - start);
      const flat = tf.tidy(() => embed(tf.slice(table, [start, 0], [size, -1])).dataSync() as Float32Array);
      const dim = flat.length / size;
      for (let i = 0; i < size; i++) rows.push(flat.slice(i * dim, (i + 1) * dim));
    }
    return rows;
  };
  const lip = embedAll(lipTable, (r) => net.embedLipRows(r));
  const audio = embedAll(audioTable, (r) => net.embedAudioRows(r));
  return tables.clips.map((clip) => {
    const result = searchOffsetRuns([
      {
        lip: Array.from(clip.lipRows, (r) => (r >= 0 ? lip[r] : null)),
        audio: Array.from(clip.audioRows, (r) => (r >= 0 ? audio[r] : null)),
      },
    ]);
    return { id: clip.id, offset: result?.offsetFrames ?? null, confidence: result?.confidence ?? null };
  });
}

/**
 * Trains the embedded model from scratch (scope 'all', from `initial` or a seeded init
 * with statistics from `clips`) or its head only (scope 'head', from `initial`).
 */
export function trainEmbedded(
  clips: readonly TrainingClip[],
  options: EmbeddedTrainOptions,
  scope: TrainableScope = 'all',
  initial?: WeightMap,
): EmbeddedTrainResult {
  let start = initial;
  if (!start) {
    if (scope === 'head') throw new RangeError('trainEmbedded: head-only training needs initial weights');
    const mfccs = clips.map((c) => mfccSyncnetV2(c.samples));
    start = initialEmbeddedWeights(options.seed, featureStats(clips), mfccStats(mfccs));
  }
  const prior = { mean: start['norm.lip.mean'].data, std: start['norm.lip.std'].data };
  const tables = buildWindowTables(clips, prior, options.speechOnly ?? EMBEDDED_RECIPE.speechOnly);
  const net = new EmbeddedTrainable(start, scope);
  const lipTable = tf.tensor2d(tables.lip, [tables.lipCount, 5 * EMBEDDED_FEATURE_COUNT]);
  const vtlp = options.vtlp ?? EMBEDDED_RECIPE.vtlp;
  const warp = vtlp > 0 ? new VtlpBatches(vtlp, options.seed) : null;
  // The audio normalisation has no trainable weight: apply it to the table once — unless
  // each batch is warped first (VTLP), which then normalises batch by batch.
  const rawAudio = tf.tensor2d(tables.audio, [tables.audioCount, MFCC_COEFFICIENTS * WINDOW_MFCC_ROWS]);
  const audioTable = warp ? rawAudio : tf.tidy(() => net.audioInputRows(rawAudio));
  if (!warp) rawAudio.dispose();
  const lipNoise = options.lipNoise ?? EMBEDDED_RECIPE.lipNoise;
  let noiseCalls = 0;
  const task: TwoTowerTask = {
    lipTable,
    audioTable,
    embedLip: (rows) => net.embedLipRows(rows, lipNoise, options.seed * 100003 + noiseCalls++),
    embedAudio: (rows) => net.embedAudioRows(warp ? net.audioInputRows(warp.apply(rows)) : rows),
    trainable: net.trainable,
    regularised: net.trainableKernels,
  };
  const phase = (steps: number, seed: number, firstStep: number) => ({
    steps,
    batchSize: options.batchSize ?? EMBEDDED_RECIPE.batchSize,
    learningRate: options.learningRate ?? EMBEDDED_RECIPE.learningRate,
    margin: options.margin ?? EMBEDDED_RECIPE.margin,
    l2: options.l2 ?? EMBEDDED_RECIPE.l2,
    seed,
    onProgress:
      options.onProgress &&
      ((p: TrainProgress) => options.onProgress!({ ...p, step: p.step + firstStep, steps: options.steps })),
    progressEvery: options.progressEvery,
  });
  try {
    let ownOffsets: EmbeddedTrainResult['ownOffsets'] = tables.clips.map((c) => ({
      id: c.id,
      offset: c.ownOffset ?? 0,
      estimate: null,
      confidence: null,
    }));
    const warmup = options.realign ? Math.min(options.realign.warmupSteps, options.steps) : 0;
    const losses = new Float32Array(options.steps);
    if (warmup > 0) {
      losses.set(
        trainContrastive(
          task,
          new PairSampler(tables.clips, options.sampling),
          phase(warmup, options.seed, 0),
        ).losses,
      );
      const estimates = estimateOwnOffsets(net, tables, lipTable, audioTable);
      const known = estimates.filter((e) => e.offset !== null).map((e) => e.offset!);
      const reference = known.length ? torchMedian(known) : 0;
      ownOffsets = estimates.map((e, i) => {
        const relative = e.offset === null ? null : e.offset - reference;
        const offset =
          relative !== null && Math.abs(relative) <= options.realign!.maxOffset
            ? relative
            : (tables.clips[i].ownOffset ?? 0);
        return { id: e.id, offset, estimate: e.offset, confidence: e.confidence };
      });
      tables.clips.forEach((c, i) => (c.ownOffset = ownOffsets[i].offset));
    }
    if (options.steps > warmup) {
      losses.set(
        trainContrastive(
          task,
          new PairSampler(tables.clips, options.sampling),
          phase(options.steps - warmup, options.seed + 1, warmup),
        ).losses,
        warmup,
      );
    }
    return {
      weights: net.toWeightMap(),
      losses,
      tables: {
        lipWindows: tables.lipCount,
        audioWindows: tables.audioCount,
        clips: tables.clips.length,
        anchors: new PairSampler(tables.clips, options.sampling).anchorCount,
      },
      ownOffsets,
    };
  } finally {
    tf.dispose([lipTable, audioTable]);
    warp?.dispose();
    net.dispose();
  }
}
