// The fully connected layers of SyncNet v2 (netfc*: fc1 + BatchNorm + ReLU, fc2) and v4
// (fc6 + bn6 + ReLU, fc7 + bn7 + ReLU) as a trainable TF.js head over cached pre-fc conv
// activations — the study's "future work" of fine-tuning SyncNet's last layers, done with
// a differentiable distance and loss so gradients reach fc6/fc7 (fc1/fc2 for v2).
//
// The conv towers stay frozen and are not run here: their activations are computed once
// (audio in node, lip crops in the browser engine) and cached. BatchNorm runs in eval
// mode with its statistics frozen, as in syncnet_python / MatConvNet inference; only the
// fc kernels and biases train. Weight names and layouts are those of syncnet-v2.ts /
// syncnet-v4.ts, so toWeightMap() drops straight back into a bundle.
import * as tf from '@tensorflow/tfjs';
import { mfccSyncnetV2, mfccSyncnetV4 } from '../audio';
import { createSyncNetModel } from '../models';
import type { WeightMap } from '../models/types';
import { torchMedian } from '../numeric';
import { mfccWindowTensor } from '../score';
import { windowsForSegment, type GridSegment } from '../sync/windows';
import type { LipTrack } from './clip-score';
import { pairDistance } from './contrastive';
import { PairSampler, type WindowClip } from './pairs';
import { Rng } from './rng';
import { trainContrastive, type TrainProgress } from './trainer';

export type SyncNetKind = 'syncnet-v2' | 'syncnet-v4';
export type SyncNetStream = 'lip' | 'audio';

interface FcLayer {
  name: string;
  /** Kernel reshaped to [in, out] (v4: HWIO flattened, matching the NHWC flatten of the map). */
  inFeatures: number;
  outFeatures: number;
  relu: boolean;
}

/** The fc layers of one stream, in order. */
function fcLayers(kind: SyncNetKind, stream: SyncNetStream): FcLayer[] {
  if (kind === 'syncnet-v2') {
    return [
      { name: `${stream}.fc1`, inFeatures: 512, outFeatures: 512, relu: true },
      { name: `${stream}.fc2`, inFeatures: 512, outFeatures: 1024, relu: false },
    ];
  }
  const fc6In = stream === 'lip' ? 6 * 6 * 512 : 5 * 4 * 256;
  return [
    { name: `${stream}.fc6`, inFeatures: fc6In, outFeatures: 256, relu: true },
    { name: `${stream}.fc7`, inFeatures: 256, outFeatures: 128, relu: true },
  ];
}

/** Size of the cached pre-fc activation per window (conv6 output for v2, pooled conv5 map for v4). */
export function preFcSize(kind: SyncNetKind, stream: SyncNetStream): number {
  return fcLayers(kind, stream)[0].inFeatures;
}

/** Names of the weights a head trains (kernels and biases of the fc layers). */
export function syncNetHeadTrainableNames(kind: SyncNetKind, stream: SyncNetStream): string[] {
  return fcLayers(kind, stream).flatMap((l) => [`${l.name}.kernel`, `${l.name}.bias`]);
}

/** BatchNorm after a layer as a frozen affine y = scale·x + shift (eval mode). */
function batchNormAffine(
  kind: SyncNetKind,
  weights: WeightMap,
  layer: string,
): { scale: Float32Array; shift: Float32Array } | null {
  const get = (n: string) => weights[`${layer}.bn.${n}`]?.data;
  const gamma = get('gamma');
  if (!gamma) return null; // v2's fc2 has no BatchNorm
  const beta = get('beta')!;
  const mean = get('mean')!;
  // v2: sigma = √(variance + 1e-5) (torch BatchNorm1d); v4: MatConvNet stores sigma itself.
  const sigma = kind === 'syncnet-v2' ? get('variance')!.map((v) => Math.sqrt(v + 1e-5)) : get('sigma')!;
  const scale = new Float32Array(gamma.length);
  const shift = new Float32Array(gamma.length);
  for (let c = 0; c < gamma.length; c++) {
    scale[c] = gamma[c] / sigma[c];
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  return { scale, shift };
}

/** One stream's fc head with trainable kernels and biases and frozen BatchNorm. */
export class SyncNetHead {
  private readonly layers: {
    spec: FcLayer;
    kernel: tf.Variable;
    bias: tf.Variable;
    bn: { scale: tf.Tensor1D; shift: tf.Tensor1D } | null;
  }[];

  constructor(
    readonly kind: SyncNetKind,
    readonly stream: SyncNetStream,
    weights: WeightMap,
    trainable = true,
  ) {
    this.layers = fcLayers(kind, stream).map((spec) => {
      const k = weights[`${spec.name}.kernel`];
      const b = weights[`${spec.name}.bias`];
      if (!k || !b)
        throw new Error(`${kind} ${stream} head: weights ${spec.name}.kernel / .bias are missing`);
      if (k.data.length !== spec.inFeatures * spec.outFeatures) {
        throw new Error(
          `${kind} ${stream} head: ${spec.name}.kernel has ${k.data.length} values, expected ${spec.inFeatures}×${spec.outFeatures}`,
        );
      }
      const affine = batchNormAffine(kind, weights, spec.name);
      const kernelInit = tf.tensor2d(k.data, [spec.inFeatures, spec.outFeatures]);
      const biasInit = tf.tensor1d(b.data);
      const layer = {
        spec,
        kernel: tf.variable(kernelInit, trainable),
        bias: tf.variable(biasInit, trainable),
        bn: affine ? { scale: tf.tensor1d(affine.scale), shift: tf.tensor1d(affine.shift) } : null,
      };
      tf.dispose([kernelInit, biasInit]);
      return layer;
    });
  }

  get trainable(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  get kernels(): tf.Variable[] {
    return this.layers.map((l) => l.kernel);
  }

  /** Pre-fc activations [N, preFcSize] → embeddings, as the model's own fc layers compute them. */
  embed(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      let h = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
      for (const l of this.layers) {
        h = tf.add(tf.matMul(h, l.kernel), l.bias);
        if (l.bn) h = tf.add(tf.mul(h, l.bn.scale), l.bn.shift);
        if (l.spec.relu) h = tf.relu(h);
      }
      return h;
    });
  }

  /** The fc kernels and biases in the model's canonical layout (v4 kernels back to HWIO shape). */
  toWeightMap(original: WeightMap): WeightMap {
    const out: WeightMap = {};
    for (const l of this.layers) {
      out[`${l.spec.name}.kernel`] = {
        shape: [...original[`${l.spec.name}.kernel`].shape],
        data: Float32Array.from(l.kernel.dataSync()),
      };
      out[`${l.spec.name}.bias`] = {
        shape: [...original[`${l.spec.name}.bias`].shape],
        data: Float32Array.from(l.bias.dataSync()),
      };
    }
    return out;
  }

  dispose(): void {
    for (const l of this.layers) tf.dispose([l.kernel, l.bias, ...(l.bn ? [l.bn.scale, l.bn.shift] : [])]);
  }
}

/**
 * Pre-fc audio activations of SyncNet v2 / v4 for MFCC windows [N, coefficients, 20]: the
 * model's own audio conv tower (SyncNetModel.audioPreFc), one plain forward.
 */
export function syncNetAudioPreFc(
  kind: SyncNetKind,
  weights: WeightMap,
  mfccWindows: tf.Tensor3D,
): tf.Tensor2D {
  const model = createSyncNetModel(kind, weights, 'audio', 'pre-fc pass');
  try {
    return model.audioPreFc(mfccWindows);
  } finally {
    model.dispose();
  }
}

// ------------------------------------------------------------------ fine-tuning

/** One clip for SyncNet head fine-tuning: its grid, lip pre-fc rows of its speaker's track, and audio. */
export interface SyncNetFinetuneClip {
  id: string;
  group: string;
  segments: readonly GridSegment[];
  /** Pre-fc lip activations per grid window (from the browser engine's window cache). */
  lip: LipTrack;
  audio: { startS: number; samples: Int16Array };
}

export interface ActivationTables {
  lip: Float32Array;
  lipCount: number;
  audio: Float32Array;
  audioCount: number;
  clips: WindowClip[];
}

/**
 * Lip pre-fc rows as cached, audio pre-fc rows computed here (MFCC of the model's kind →
 * syncNetAudioPreFc) for every grid window that has audio, and the WindowClips mapping
 * grid positions to rows (the same layout as the embedded model's tables).
 */
export function syncNetActivationTables(
  kind: SyncNetKind,
  weights: WeightMap,
  clips: readonly SyncNetFinetuneClip[],
): ActivationTables {
  const lipSize = preFcSize(kind, 'lip');
  const audioSize = preFcSize(kind, 'audio');
  const lipRows: Float32Array[] = [];
  const audioParts: Float32Array[] = [];
  let audioCount = 0;
  const windowClips: WindowClip[] = [];
  for (const clip of clips) {
    const mfcc =
      kind === 'syncnet-v2' ? mfccSyncnetV2(clip.audio.samples) : mfccSyncnetV4(clip.audio.samples);
    clip.segments.forEach((segment, s) => {
      const positions = clip.lip.windows[s]?.length ?? 0;
      if (positions <= 0) return;
      const lipIndex = new Int32Array(positions).fill(-1);
      const audioIndex = new Int32Array(positions).fill(-1);
      clip.lip.windows[s].forEach((row, g) => {
        if (!row) return;
        if (row.length !== lipSize)
          throw new RangeError(
            `${clip.id}: cached lip activation has ${row.length} values, ${kind} needs ${lipSize}`,
          );
        lipIndex[g] = lipRows.length;
        lipRows.push(row);
      });
      const windows = windowsForSegment(segment, clip.audio.startS, mfcc.rows).filter(
        (w) => w.gridStart < positions,
      );
      if (windows.length > 0) {
        const tensor = mfccWindowTensor(
          mfcc,
          windows.map((w) => w.mfccRowStart),
        );
        const activations = syncNetAudioPreFc(kind, weights, tensor);
        audioParts.push(activations.dataSync() as Float32Array);
        tf.dispose([tensor, activations]);
        windows.forEach((w, k) => (audioIndex[w.gridStart] = audioCount + k));
        audioCount += windows.length;
      }
      windowClips.push({
        id: clip.segments.length > 1 ? `${clip.id}#${s}` : clip.id,
        group: clip.group,
        lipRows: lipIndex,
        audioRows: audioIndex,
      });
    });
  }
  const lip = new Float32Array(lipRows.length * lipSize);
  lipRows.forEach((r, i) => lip.set(r, i * lipSize));
  const audio = new Float32Array(audioCount * audioSize);
  let offset = 0;
  for (const part of audioParts) {
    audio.set(part, offset);
    offset += part.length;
  }
  return { lip, lipCount: lipRows.length, audio, audioCount, clips: windowClips };
}

export interface SyncNetFinetuneOptions {
  seed: number;
  steps: number;
  batchSize?: number;
  learningRate?: number;
  /** Contrastive margin; default: the median distance of false pairs before training (SyncNet's distances are not normalised). */
  margin?: number;
  l2?: number;
  onProgress?: (p: TrainProgress) => void;
  progressEvery?: number;
}

/**
 * Trains the fc layers of both streams of SyncNet v2 / v4 on activation tables with the
 * contrastive loss; the conv towers are not involved (their outputs are the tables), so
 * they are frozen by construction. Returns the full WeightMap with the fc kernels and
 * biases replaced (everything else, BatchNorm statistics included, is the input's).
 */
export function finetuneSyncNetHead(
  kind: SyncNetKind,
  weights: WeightMap,
  tables: ActivationTables,
  options: SyncNetFinetuneOptions,
): { weights: WeightMap; losses: Float32Array; margin: number } {
  const sampler = new PairSampler(tables.clips);
  const lipHead = new SyncNetHead(kind, 'lip', weights);
  const audioHead = new SyncNetHead(kind, 'audio', weights);
  const lipTable = tf.tensor2d(tables.lip, [tables.lipCount, preFcSize(kind, 'lip')]);
  const audioTable = tf.tensor2d(tables.audio, [tables.audioCount, preFcSize(kind, 'audio')]);
  try {
    let margin = options.margin;
    if (margin === undefined) {
      const probe = sampler.sample(256, new Rng(options.seed).fork('margin'));
      const negatives = probe.labels.reduce<number[]>((acc, y, i) => (y === 0 ? [...acc, i] : acc), []);
      const d = tf.tidy(() => {
        const lip = lipHead.embed(
          tf.gather(
            lipTable,
            tf.tensor1d(
              negatives.map((i) => probe.lipRows[i]),
              'int32',
            ),
          ),
        );
        const audio = audioHead.embed(
          tf.gather(
            audioTable,
            tf.tensor1d(
              negatives.map((i) => probe.audioRows[i]),
              'int32',
            ),
          ),
        );
        return pairDistance(lip, audio).dataSync();
      });
      margin = torchMedian(d);
    }
    const { losses } = trainContrastive(
      {
        lipTable,
        audioTable,
        embedLip: (rows) => lipHead.embed(rows),
        embedAudio: (rows) => audioHead.embed(rows),
        trainable: [...lipHead.trainable, ...audioHead.trainable],
        regularised: [...lipHead.kernels, ...audioHead.kernels],
      },
      sampler,
      {
        steps: options.steps,
        batchSize: options.batchSize ?? 64,
        learningRate: options.learningRate ?? 1e-4,
        margin,
        l2: options.l2 ?? 0,
        seed: options.seed,
        onProgress: options.onProgress,
        progressEvery: options.progressEvery,
      },
    );
    return {
      weights: { ...weights, ...lipHead.toWeightMap(weights), ...audioHead.toWeightMap(weights) },
      losses,
      margin,
    };
  } finally {
    tf.dispose([lipTable, audioTable]);
    lipHead.dispose();
    audioHead.dispose();
  }
}
