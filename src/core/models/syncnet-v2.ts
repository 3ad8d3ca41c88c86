// SyncNet v2 (joonson/syncnet_python, SyncNetModel.S with syncnet_v2.model) in TF.js,
// plus the converter from its PyTorch checkpoint.
//
// Streams (NHWC throughout):
//   audio: MFCC window [N,13,20] (13 coefficients × 20 rows of 10 ms, as
//          SyncNetInstance.evaluate slices cct[:,:,:,v*4:v*4+20]) → netcnnaud → 512 → netfcaud → 1024.
//   lip:   5 frames [N,5,224,224,3], raw 0–255 BGR (evaluate feeds cv2 images as floats,
//          no normalisation) → netcnnlip → 512 → netfclip → 1024.
// The lip stream's Conv3d layers have temporal kernel 5 (first) then 1, and the first
// one sees exactly 5 frames, so the whole stream is 2-D: frames × channels fold into 15
// input channels (index t·3 + c) for the first conv, later Conv3d layers are Conv2d.
// BatchNorm runs in eval mode (running stats, ε = 1e-5) and is folded into the conv /
// linear layer before it when the model is created.
//
// Canonical weight names (the WeightMap layout, also what the weights bundle stores):
//   {audio|lip}.conv{1..6}.kernel            [kh, kw, kt·in, out]  (kt = 5 for lip.conv1, else 1)
//   {audio|lip}.conv{1..6}.bias              [out]
//   {audio|lip}.conv{1..6}.bn.{gamma,beta,mean,variance}  [out]
//   {audio|lip}.fc1.kernel [512, 512], .bias [512], .bn.{gamma,beta,mean,variance} [512]
//   {audio|lip}.fc2.kernel [512, 1024], .bias [1024]
// Source keys: net{cnn,fc}{aud,lip}.<sequential index>.{weight,bias,running_mean,running_var}.
import * as tf from '@tensorflow/tfjs';
import { readTorchCheckpoint } from '../convert/torch-checkpoint';
import { checkWeightShapes, WeightsFormatError } from '../convert/weights-bundle';
import { Conv2DLayer, DenseLayer, foldBatchNorm, maxPoolAfterRelu, symmetricPadding, type MaxPoolSpec } from './layers';
import type { AudioInputSpec, LipInputSpec, StreamMode, SyncNetModel, WeightMap, WeightTensor } from './types';

export const SYNCNET_V2_EMBEDDING_SIZE = 1024;
const FC_HIDDEN = 512;
const BN_EPSILON = 1e-5; // torch.nn.BatchNorm*d default
const MODEL_NAME = 'SyncNet v2';

type Stream = 'audio' | 'lip';

interface ConvSpec {
  /** Index of the conv in the torch nn.Sequential; its BatchNorm is the next index. */
  torchIndex: number;
  /** Temporal kernel of the lip stream's Conv3d (1 for audio's Conv2d). */
  frames: number;
  kernel: [number, number];
  inChannels: number;
  outChannels: number;
  strides: [number, number];
  padding: [number, number];
  poolAfter?: MaxPoolSpec;
}

interface StreamSpec {
  torchCnn: string;
  torchFc: string;
  convs: ConvSpec[];
}

const pool = (size: number, strides: [number, number], pad = 0): MaxPoolSpec => ({ size: [size, size], strides, padding: symmetricPadding(pad, pad) });

// SyncNetModel.S.netcnnaud. The MaxPool2d(1,1) after the first conv is the identity and is left out.
const AUDIO_SPEC: StreamSpec = {
  torchCnn: 'netcnnaud',
  torchFc: 'netfcaud',
  convs: [
    { torchIndex: 0, frames: 1, kernel: [3, 3], inChannels: 1, outChannels: 64, strides: [1, 1], padding: [1, 1] },
    { torchIndex: 4, frames: 1, kernel: [3, 3], inChannels: 64, outChannels: 192, strides: [1, 1], padding: [1, 1], poolAfter: pool(3, [1, 2]) },
    { torchIndex: 8, frames: 1, kernel: [3, 3], inChannels: 192, outChannels: 384, strides: [1, 1], padding: [1, 1] },
    { torchIndex: 11, frames: 1, kernel: [3, 3], inChannels: 384, outChannels: 256, strides: [1, 1], padding: [1, 1] },
    { torchIndex: 14, frames: 1, kernel: [3, 3], inChannels: 256, outChannels: 256, strides: [1, 1], padding: [1, 1], poolAfter: pool(3, [2, 2]) },
    { torchIndex: 18, frames: 1, kernel: [5, 4], inChannels: 256, outChannels: 512, strides: [1, 1], padding: [0, 0] },
  ],
};

// SyncNetModel.S.netcnnlip (Conv3d/MaxPool3d with depth 1 after the first layer).
const LIP_SPEC: StreamSpec = {
  torchCnn: 'netcnnlip',
  torchFc: 'netfclip',
  convs: [
    { torchIndex: 0, frames: 5, kernel: [7, 7], inChannels: 3, outChannels: 96, strides: [2, 2], padding: [0, 0], poolAfter: pool(3, [2, 2]) },
    { torchIndex: 4, frames: 1, kernel: [5, 5], inChannels: 96, outChannels: 256, strides: [2, 2], padding: [1, 1], poolAfter: pool(3, [2, 2], 1) },
    { torchIndex: 8, frames: 1, kernel: [3, 3], inChannels: 256, outChannels: 256, strides: [1, 1], padding: [1, 1] },
    { torchIndex: 11, frames: 1, kernel: [3, 3], inChannels: 256, outChannels: 256, strides: [1, 1], padding: [1, 1] },
    { torchIndex: 14, frames: 1, kernel: [3, 3], inChannels: 256, outChannels: 256, strides: [1, 1], padding: [1, 1], poolAfter: pool(3, [2, 2]) },
    { torchIndex: 18, frames: 1, kernel: [6, 6], inChannels: 256, outChannels: 512, strides: [1, 1], padding: [0, 0] },
  ],
};

const STREAMS: Record<Stream, StreamSpec> = { audio: AUDIO_SPEC, lip: LIP_SPEC };
const BN_PARAMS = [
  ['gamma', 'weight'],
  ['beta', 'bias'],
  ['mean', 'running_mean'],
  ['variance', 'running_var'],
] as const;

/** One canonical tensor: its name, TF.js shape, torch key and torch shape. */
interface WeightSource {
  name: string;
  shape: number[];
  torchKey: string;
  torchShape: number[];
  /** Permutation from the torch layout to ours (undefined = same layout). */
  toCanonical?: (data: Float32Array) => Float32Array;
}

function streamWeights(stream: Stream): WeightSource[] {
  const spec = STREAMS[stream];
  const out: WeightSource[] = [];
  const addBatchNorm = (name: string, torchPrefix: string, channels: number) => {
    for (const [ours, theirs] of BN_PARAMS) out.push({ name: `${name}.bn.${ours}`, shape: [channels], torchKey: `${torchPrefix}.${theirs}`, torchShape: [channels] });
  };
  spec.convs.forEach((conv, i) => {
    const name = `${stream}.conv${i + 1}`;
    const [kh, kw] = conv.kernel;
    const torchPrefix = `${spec.torchCnn}.${conv.torchIndex}`;
    // Conv2d weight [out, in, kh, kw]; Conv3d weight [out, in, kt, kh, kw].
    const torchShape = stream === 'lip' ? [conv.outChannels, conv.inChannels, conv.frames, kh, kw] : [conv.outChannels, conv.inChannels, kh, kw];
    out.push({
      name: `${name}.kernel`,
      shape: [kh, kw, conv.frames * conv.inChannels, conv.outChannels],
      torchKey: `${torchPrefix}.weight`,
      torchShape,
      // → [kh, kw, kt, in, out]: input channel index t·in + c matches the folded input.
      toCanonical: (data) => permute(data, [conv.outChannels, conv.inChannels, conv.frames, kh, kw], [3, 4, 2, 1, 0]),
    });
    out.push({ name: `${name}.bias`, shape: [conv.outChannels], torchKey: `${torchPrefix}.bias`, torchShape: [conv.outChannels] });
    addBatchNorm(name, `${spec.torchCnn}.${conv.torchIndex + 1}`, conv.outChannels);
  });
  // netfc*: Linear(512, 512) [0], BatchNorm1d(512) [1], ReLU [2], Linear(512, 1024) [3].
  const linear = (name: string, torchIndex: number, outFeatures: number) => {
    out.push({
      name: `${name}.kernel`,
      shape: [FC_HIDDEN, outFeatures],
      torchKey: `${spec.torchFc}.${torchIndex}.weight`,
      torchShape: [outFeatures, FC_HIDDEN],
      toCanonical: (data) => permute(data, [outFeatures, FC_HIDDEN], [1, 0]),
    });
    out.push({ name: `${name}.bias`, shape: [outFeatures], torchKey: `${spec.torchFc}.${torchIndex}.bias`, torchShape: [outFeatures] });
  };
  linear(`${stream}.fc1`, 0, FC_HIDDEN);
  addBatchNorm(`${stream}.fc1`, `${spec.torchFc}.1`, FC_HIDDEN);
  linear(`${stream}.fc2`, 3, SYNCNET_V2_EMBEDDING_SIZE);
  return out;
}

const WEIGHT_SOURCES: Record<Stream, WeightSource[]> = { audio: streamWeights('audio'), lip: streamWeights('lip') };
const streamsOf = (mode: StreamMode): Stream[] => (mode === 'both' ? ['audio', 'lip'] : [mode]);

/** Canonical weight name → shape, for the streams `mode` needs. */
export function syncNetV2WeightShapes(mode: StreamMode = 'both'): Record<string, number[]> {
  return Object.fromEntries(streamsOf(mode).flatMap((s) => WEIGHT_SOURCES[s].map((w) => [w.name, w.shape])));
}

/** torch state_dict key → shape of syncnet_python's S (num_layers_in_fc_layers = 1024). */
export function syncNetV2TorchShapes(): Record<string, number[]> {
  return Object.fromEntries(streamsOf('both').flatMap((s) => WEIGHT_SOURCES[s].map((w) => [w.torchKey, w.torchShape])));
}

/** Transposes a row-major tensor: output axis i is input axis perm[i]. */
function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d];
  }
  const outShape = perm.map((p) => shape[p]);
  const stepOf = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      src += stepOf[d];
      if (counter[d] < outShape[d]) break;
      src -= stepOf[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return out;
}

/**
 * Converts a syncnet_python checkpoint (syncnet_v2.model: torch.save of S's state_dict,
 * legacy or zip format — the keys SyncNetInstance.loadParameters copies) into the
 * canonical WeightMap above. Every tensor S has is required with its exact shape; extra
 * keys (num_batches_tracked) are ignored. Errors name the file and the tensor.
 */
export function convertSyncNetV2Checkpoint(bytes: Uint8Array, fileName: string): WeightMap {
  const stateDict = readTorchCheckpoint(bytes, fileName);
  const torchWeights: WeightMap = {};
  for (const [key, tensor] of stateDict) torchWeights[key] = { shape: tensor.shape, data: tensor.data };
  checkWeightShapes(torchWeights, syncNetV2TorchShapes(), fileName, MODEL_NAME);

  const weights: WeightMap = {};
  for (const source of [...WEIGHT_SOURCES.audio, ...WEIGHT_SOURCES.lip]) {
    const { data } = torchWeights[source.torchKey];
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new WeightsFormatError(`${fileName}: corrupt checkpoint — tensor ${source.torchKey} holds a non-finite value (${data[bad]}) at element ${bad}`);
    }
    weights[source.name] = { shape: [...source.shape], data: source.toCanonical ? source.toCanonical(data) : data };
  }
  return weights;
}

interface StreamLayers {
  convs: { layer: Conv2DLayer; poolAfter?: MaxPoolSpec }[];
  fc1: DenseLayer;
  fc2: DenseLayer;
}

function buildStream(stream: Stream, weights: WeightMap): StreamLayers {
  const get = (name: string): WeightTensor => weights[name];
  const batchNorm = (name: string) => ({
    gamma: get(`${name}.bn.gamma`).data,
    beta: get(`${name}.bn.beta`).data,
    mean: get(`${name}.bn.mean`).data,
    variance: get(`${name}.bn.variance`).data,
    epsilon: BN_EPSILON,
  });
  const convs = STREAMS[stream].convs.map((spec, i) => {
    const name = `${stream}.conv${i + 1}`;
    const kernel = get(`${name}.kernel`);
    const folded = foldBatchNorm(kernel.data, get(`${name}.bias`).data, batchNorm(name));
    const [ph, pw] = spec.padding;
    // Every conv in S is followed by BatchNorm and ReLU.
    const layer = new Conv2DLayer(folded.kernel, kernel.shape as [number, number, number, number], folded.bias, spec.strides, symmetricPadding(ph, pw), true);
    return { layer, poolAfter: spec.poolAfter };
  });
  const fc1 = foldBatchNorm(get(`${stream}.fc1.kernel`).data, get(`${stream}.fc1.bias`).data, batchNorm(`${stream}.fc1`));
  const fc2 = get(`${stream}.fc2.kernel`);
  return {
    convs,
    fc1: new DenseLayer(fc1.kernel, [FC_HIDDEN, FC_HIDDEN], fc1.bias, true),
    fc2: new DenseLayer(fc2.data, fc2.shape as [number, number], get(`${stream}.fc2.bias`).data, false),
  };
}

/** CNN → flatten (spatial size is 1×1 at the end, so order does not matter), as S.forward_aud / forward_lip up to netfc*. */
function convTower(layers: StreamLayers, input: tf.Tensor4D): tf.Tensor2D {
  let x = input;
  for (const { layer, poolAfter } of layers.convs) {
    x = layer.apply(x);
    if (poolAfter) x = maxPoolAfterRelu(x, poolAfter);
  }
  return tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
}

/** netfcaud / netfclip: fc1 (BatchNorm folded) + ReLU, fc2. */
function fcHead(layers: StreamLayers, features: tf.Tensor2D): tf.Tensor2D {
  return layers.fc2.apply(layers.fc1.apply(features));
}

class SyncNetV2 implements SyncNetModel {
  readonly kind = 'syncnet-v2' as const;
  readonly embeddingSize = SYNCNET_V2_EMBEDDING_SIZE;
  readonly lipInput: LipInputSpec = { frames: 5, height: 224, width: 224, channels: 3 };
  readonly audioInput: AudioInputSpec = { coefficients: 13, steps: 20 };
  private readonly streams: Partial<Record<Stream, StreamLayers>> = {};

  constructor(weights: WeightMap, readonly mode: StreamMode) {
    for (const stream of streamsOf(mode)) this.streams[stream] = buildStream(stream, weights);
  }

  private layersFor(stream: Stream): StreamLayers {
    const layers = this.streams[stream];
    if (!layers) throw new Error(`SyncNet v2 was created with mode '${this.mode}' and has no ${stream} stream`);
    return layers;
  }

  lipPreFc(windows: tf.Tensor5D): tf.Tensor2D {
    const layers = this.layersFor('lip');
    const { frames, height, width, channels } = this.lipInput;
    const [n, t, h, w, c] = windows.shape;
    if (t !== frames || h !== height || w !== width || c !== channels) {
      throw new Error(`SyncNet v2 lip input must be [N,${frames},${height},${width},${channels}] (BGR, 0–255), got [${windows.shape}]`);
    }
    return tf.tidy(() => {
      // [N,5,H,W,3] → [N,H,W,5,3] → [N,H,W,15]: channel t·3 + c, the order lip.conv1.kernel uses.
      const stacked = tf.reshape(tf.transpose(windows, [0, 2, 3, 1, 4]), [n, h, w, t * c]) as tf.Tensor4D;
      return convTower(layers, stacked);
    });
  }

  audioPreFc(windows: tf.Tensor3D): tf.Tensor2D {
    const layers = this.layersFor('audio');
    const { coefficients, steps } = this.audioInput;
    const [n, rows, cols] = windows.shape;
    if (rows !== coefficients || cols !== steps) {
      throw new Error(`SyncNet v2 audio input must be [N,${coefficients},${steps}] (MFCC coefficients × 10-ms rows), got [${windows.shape}]`);
    }
    // S.forward_aud sees [N,1,13,20] (NCHW) → NHWC [N,13,20,1].
    return tf.tidy(() => convTower(layers, tf.reshape(windows, [n, rows, cols, 1]) as tf.Tensor4D));
  }

  fc(stream: Stream, preFc: tf.Tensor2D): tf.Tensor2D {
    const layers = this.layersFor(stream);
    return tf.tidy(() => fcHead(layers, preFc));
  }

  embedLip(windows: tf.Tensor5D): tf.Tensor2D {
    return tf.tidy(() => this.fc('lip', this.lipPreFc(windows)));
  }

  embedAudio(windows: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => this.fc('audio', this.audioPreFc(windows)));
  }

  dispose(): void {
    for (const layers of Object.values(this.streams)) {
      for (const { layer } of layers.convs) layer.dispose();
      layers.fc1.dispose();
      layers.fc2.dispose();
    }
  }
}

/**
 * Builds SyncNet v2 from canonical weights. `mode` picks the streams (a 'lip' model needs
 * only lip.* weights); `where` names the weights' source in error messages.
 */
export function createSyncNetV2(weights: WeightMap, mode: StreamMode, where: string): SyncNetModel {
  checkWeightShapes(weights, syncNetV2WeightShapes(mode), where, MODEL_NAME);
  return new SyncNetV2(weights, mode);
}
