// SyncNet v4 (VGG's MatConvNet release, lipsync_v4_73.mat) in TF.js, plus the converter
// from that MATLAB v7.3 file.
//
// Architecture: voletiv/syncnet-in-keras syncnet_functions.py, syncnet_lip_model_v4 and
// syncnet_audio_model_v4 (every conv / fc followed by BatchNorm and ReLU):
//   lip:   [N,5,112,112,1] grey 0–255 → frames as channels [N,112,112,5] − 110
//          → conv1 3×3 96 (valid) → pool 3/2 → conv2 5×5 256 (valid) → pool 3/2
//          → conv3/4/5 3×3 512 (valid) → pool 3/3 → [6,6,512] → fc6 256 → fc7 128
//   audio: [N,12,20] MFCC (12 coefficients × 20 steps of 10 ms) as [N,12,20,1]
//          → conv1 3×3 64 (pad 1) → conv2 3×3 128 (pad 1) → pool (1,3)/(1,2)
//          → conv3/4/5 3×3 256 (pad 1) → pool 3/2 → [5,4,256] → fc6 256 → fc7 128
//
// MatConvNet semantics, and where the Keras port differs (it is the only public reader
// of this file, so its choices are easy to copy by mistake):
//   (a) Filters are MATLAB [H W Cin Cout], column-major, so h5py sees (Cout, Cin, W, H).
//       set_syncnet_weights_to_syncnet_model transposes that with (2,3,1,0) to
//       (W, H, Cin, Cout) and hands it to Keras as [H W Cin Cout]: kernel height and
//       width are swapped, i.e. the Keras model sees every image and MFCC map transposed.
//       Here the MATLAB array is permuted to TF's [H, W, Cin, Cout] properly.
//   (b) A MatConvNet bnorm layer has params (mult, bias, moments) with moments = [mean
//       sigma], sigma = sqrt(var + ε) already (vl_nnbnorm). The Keras port loads sigma as
//       Keras' moving_variance, which then takes sqrt(sigma + ε) again. Here y =
//       mult·(x − mean)/sigma + bias, folded into the preceding conv / fc at load time.
//   (c) fc6/fc7 are dagnn.Conv layers: fc6's filters cover the whole 6×6 (lip) or 5×4
//       (audio) map. Applying them as a dense layer on the NHWC-flattened map with the
//       HWIO kernel reshaped to [H·W·Cin, Cout] is the same sum in the same order. The Keras
//       port's Flatten + reshape of the (W,H,Cin,Cout)-transposed filters happens to agree
//       with its transposed 6×6 lip maps but mixes up rows and columns of the 5×4 audio map.
//   (d) The lip input has the mean grey level 110 subtracted (VGG v4 preprocessing, per
//       this project's spec); the Keras port's README feeds raw 0–255 values.
//   (e) Layers are paired with params by walking net.layers in order, as
//       load_syncnet_weights does (audio layers first in VGG's file): conv and fc use 2
//       params (filters, biases), bn 3 (mult, bias, moments), relu / pool none. When the
//       file has net.layers.params and net.params.name (DagNN always writes them) the
//       pairing is checked against them too.
//
// Canonical weight names (the WeightMap layout, also what the weights bundle stores):
//   {audio|lip}.{conv1..conv5,fc6,fc7}.kernel   [kh, kw, in, out] (HWIO, TF layout)
//   {audio|lip}.{conv1..conv5,fc6,fc7}.bias     [out]
//   {audio|lip}.{conv1..conv5,fc6,fc7}.bn.gamma [out]  (MatConvNet bnorm mult)
//   {audio|lip}.{conv1..conv5,fc6,fc7}.bn.beta  [out]  (bnorm bias)
//   {audio|lip}.{conv1..conv5,fc6,fc7}.bn.mean  [out]  (moments(:,1))
//   {audio|lip}.{conv1..conv5,fc6,fc7}.bn.sigma [out]  (moments(:,2) = sqrt(var + ε))
// The BatchNorm after conv k is MatConvNet's bn k (bn6 / bn7 follow fc6 / fc7).
import * as tf from '@tensorflow/tfjs';
import { readDagNN, type DagNN, type DagNNLayer, type DagNNParam } from '../convert/matconvnet';
import { readMatV73, type MatFile } from '../convert/matlab-v73';
import { checkWeightShapes } from '../convert/weights-bundle';
import { Conv2DLayer, DenseLayer, foldBatchNorm, maxPoolAfterRelu, symmetricPadding, type MaxPoolSpec } from './layers';
import type { AudioInputSpec, LipInputSpec, StreamMode, SyncNetModel, WeightMap } from './types';

export const SYNCNET_V4_EMBEDDING_SIZE = 128;
/** Mean grey level subtracted from lip pixels before conv1. */
export const SYNCNET_V4_LIP_MEAN = 110;
export const SYNCNET_V4_LIP_INPUT: LipInputSpec = { frames: 5, height: 112, width: 112, channels: 1 };
export const SYNCNET_V4_AUDIO_INPUT: AudioInputSpec = { coefficients: 12, steps: 20 };
const MODEL_NAME = 'SyncNet v4';

type Stream = 'audio' | 'lip';
const STREAMS: Stream[] = ['audio', 'lip'];

interface LayerSpec {
  /** MatConvNet layer name without the stream suffix: conv1…conv5, fc6, fc7. */
  name: string;
  kind: 'conv' | 'fc';
  kernel: [number, number];
  inChannels: number;
  outChannels: number;
  /** Symmetric zero padding (MatConvNet pad); 0 = Keras 'valid', 1 = 'same' for 3×3. */
  pad: number;
  poolAfter?: MaxPoolSpec;
}

const pool = (size: [number, number], strides: [number, number]): MaxPoolSpec => ({ size, strides, padding: symmetricPadding(0, 0) });
const conv = (name: string, k: number, inChannels: number, outChannels: number, pad: number, poolAfter?: MaxPoolSpec): LayerSpec => ({
  name, kind: 'conv', kernel: [k, k], inChannels, outChannels, pad, poolAfter,
});
const fc = (name: string, kernel: [number, number], inChannels: number, outChannels: number): LayerSpec => ({
  name, kind: 'fc', kernel, inChannels, outChannels, pad: 0,
});

// syncnet_audio_model_v4 / syncnet_lip_model_v4, in net.layers order.
const ARCHITECTURE: Record<Stream, LayerSpec[]> = {
  audio: [
    conv('conv1', 3, 1, 64, 1),
    conv('conv2', 3, 64, 128, 1, pool([1, 3], [1, 2])), // 12×20 → 12×9
    conv('conv3', 3, 128, 256, 1),
    conv('conv4', 3, 256, 256, 1),
    conv('conv5', 3, 256, 256, 1, pool([3, 3], [2, 2])), // 12×9 → 5×4
    fc('fc6', [5, 4], 256, 256),
    fc('fc7', [1, 1], 256, SYNCNET_V4_EMBEDDING_SIZE),
  ],
  lip: [
    conv('conv1', 3, 5, 96, 0, pool([3, 3], [2, 2])), // 110 → 54
    conv('conv2', 5, 96, 256, 0, pool([3, 3], [2, 2])), // 50 → 24
    conv('conv3', 3, 256, 512, 0),
    conv('conv4', 3, 512, 512, 0),
    conv('conv5', 3, 512, 512, 0, pool([3, 3], [3, 3])), // 18 → 6
    fc('fc6', [6, 6], 512, 256),
    fc('fc7', [1, 1], 256, SYNCNET_V4_EMBEDDING_SIZE),
  ],
};

const weightName = (stream: Stream, layer: LayerSpec, tensor: string): string => `${stream}.${layer.name}.${tensor}`;

/** Canonical weight names → shapes for the streams `mode` needs. */
export function syncNetV4WeightShapes(mode: StreamMode = 'both'): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const stream of streamsOf(mode)) {
    for (const layer of ARCHITECTURE[stream]) {
      const c = layer.outChannels;
      shapes[weightName(stream, layer, 'kernel')] = [...layer.kernel, layer.inChannels, c];
      shapes[weightName(stream, layer, 'bias')] = [c];
      for (const p of ['gamma', 'beta', 'mean', 'sigma']) shapes[weightName(stream, layer, `bn.${p}`)] = [c];
    }
  }
  return shapes;
}

function streamsOf(mode: StreamMode): Stream[] {
  return mode === 'both' ? STREAMS : [mode];
}

// ---------------------------------------------------------------- converter

type LayerKind = 'conv' | 'bn' | 'fc' | 'relu' | 'pool';

/** The MatConvNet param a canonical tensor comes from, for messages and shape checks. */
interface ParamRole {
  label: string; // e.g. 'conv4_audio filters'
  dims: number[]; // expected MATLAB dims
}

// Which kind a layer is, by name, as load_syncnet_weights decides ('conv' / 'bn' / 'fc'
// substrings); relu / pool carry no params. The DagNN block type must agree when present.
const KIND_BY_TYPE: Record<string, LayerKind[]> = {
  'dagnn.Conv': ['conv', 'fc'],
  'dagnn.BatchNorm': ['bn'],
  'dagnn.ReLU': ['relu'],
  'dagnn.Pooling': ['pool'],
};

function layerKind(mat: MatFile, layer: DagNNLayer): LayerKind {
  const kinds: LayerKind[] = ['conv', 'bn', 'fc', 'relu', 'pool'];
  const kind = kinds.find((k) => layer.name.includes(k));
  if (!kind) mat.fail(`not a ${MODEL_NAME} network: layer ${layer.index} '${layer.name}' is neither conv, bn, fc, relu nor pool`);
  const allowed = layer.type ? KIND_BY_TYPE[layer.type] : undefined;
  if (allowed && !allowed.includes(kind)) {
    mat.fail(`not a ${MODEL_NAME} network: layer ${layer.index} '${layer.name}' is named like a ${kind} layer but its type is ${layer.type}`);
  }
  return kind;
}

const shapeText = (dims: number[]): string => `[${dims.join(' ')}]`;

/** MATLAB drops trailing singleton dims beyond the second; vectors may be rows or columns. */
function sameMatlabShape(got: number[], expected: number[]): boolean {
  const trim = (d: number[]): number[] => {
    const t = d.slice();
    while (t.length > 2 && t[t.length - 1] === 1) t.pop();
    return t;
  };
  const g = trim(got);
  const e = trim(expected);
  if (e.length === 2 && e[1] === 1 && g.length === 2 && g[0] === 1 && g[1] === e[0]) return true; // [1 C] for [C 1]
  return g.length === e.length && g.every((d, i) => d === e[i]);
}

/**
 * Reads VGG's lipsync_v4_73.mat (or any MATLAB v7.3 DagNN file of the same architecture)
 * into the canonical WeightMap. `fileName` is used in error messages.
 */
export function convertSyncNetV4Mat(bytes: Uint8Array, fileName: string): WeightMap {
  const mat = readMatV73(bytes, fileName);
  const net = readDagNN(mat);
  const plan = planParams(mat, net);
  const weights: WeightMap = {};
  for (const { stream, layer, bnParams, layerParams } of plan) {
    const [filters, biases] = layerParams.map((p) => readChecked(mat, p.param, p.role));
    weights[weightName(stream, layer, 'kernel')] = {
      shape: [...layer.kernel, layer.inChannels, layer.outChannels],
      data: matlabFiltersToHWIO(filters, layer),
    };
    weights[weightName(stream, layer, 'bias')] = { shape: [layer.outChannels], data: biases };
    const [mult, bias, moments] = bnParams.map((p) => readChecked(mat, p.param, p.role));
    const c = layer.outChannels;
    // moments is [C 2] column-major: column 1 = mean, column 2 = sigma.
    const sigma = moments.slice(c);
    const bad = sigma.findIndex((s) => !(s > 0));
    if (bad >= 0) mat.fail(`net.params(${bnParams[2].param.index}) (${bnParams[2].role.label}) has sigma ${sigma[bad]} for channel ${bad + 1}; sigma must be positive`);
    weights[weightName(stream, layer, 'bn.gamma')] = { shape: [c], data: mult };
    weights[weightName(stream, layer, 'bn.beta')] = { shape: [c], data: bias };
    weights[weightName(stream, layer, 'bn.mean')] = { shape: [c], data: moments.slice(0, c) };
    weights[weightName(stream, layer, 'bn.sigma')] = { shape: [c], data: sigma };
  }
  checkWeightShapes(weights, syncNetV4WeightShapes('both'), fileName, MODEL_NAME);
  return weights;
}

interface PlannedParam {
  param: DagNNParam;
  role: ParamRole;
}

interface PlannedLayer {
  stream: Stream;
  layer: LayerSpec;
  layerParams: PlannedParam[]; // filters, biases
  bnParams: PlannedParam[]; // mult, bias, moments
}

/**
 * Pairs layers with params and checks every count and shape before any value is read
 * (values are inflated only for a file that passed).
 */
function planParams(mat: MatFile, net: DagNN): PlannedLayer[] {
  const cursor: Record<Stream, number> = { audio: 0, lip: 0 };
  const planned: PlannedLayer[] = [];
  const lastConv: Partial<Record<Stream, PlannedLayer>> = {};
  let next = 0; // index into net.params
  for (const layer of net.layers) {
    const kind = layerKind(mat, layer);
    if (kind === 'relu' || kind === 'pool') continue;
    const stream = STREAMS.find((s) => layer.name.includes(s));
    if (!stream) mat.fail(`not a ${MODEL_NAME} network: layer ${layer.index} '${layer.name}' belongs to neither the audio nor the lip stream`);
    const specs = ARCHITECTURE[stream];
    // Each spec layer is a conv/fc followed by its bn: position 2k is specs[k], 2k+1 its bn.
    const position = cursor[stream]++;
    const spec = specs[position >> 1];
    const expectedKind = position & 1 ? 'bn' : spec?.kind;
    if (!spec || kind !== expectedKind) {
      const wanted = spec ? `${expectedKind === 'bn' ? `the bn after ${spec.name}` : spec.name} (${expectedKind})` : 'no more conv/bn/fc layers';
      mat.fail(`not a ${MODEL_NAME} network: layer ${layer.index} '${layer.name}' is a ${kind} layer, but the ${stream} stream expects ${wanted} there`);
    }
    const label = `${spec.name}_${stream}`;
    const c = spec.outChannels;
    const roles: ParamRole[] =
      kind === 'bn'
        ? [
            { label: `bn after ${label}: mult`, dims: [c, 1] },
            { label: `bn after ${label}: bias`, dims: [c, 1] },
            { label: `bn after ${label}: moments`, dims: [c, 2] },
          ]
        : [
            { label: `${label} filters`, dims: [...spec.kernel, spec.inChannels, c] },
            { label: `${label} biases`, dims: [c, 1] },
          ];
    if (next + roles.length > net.params.length) {
      mat.fail(
        `not a ${MODEL_NAME} network: net.params has ${net.params.length} entries, ` +
          `but layer ${layer.index} '${layer.name}' needs params ${next + 1}–${next + roles.length}`,
      );
    }
    const params = net.params.slice(next, next + roles.length);
    next += roles.length;
    checkParamNames(mat, layer, params);
    const pairs = params.map((param, i) => ({ param, role: roles[i] }));
    for (const { param, role } of pairs) {
      if (!sameMatlabShape(param.dims, role.dims)) {
        const name = param.name ? ` '${param.name}'` : '';
        mat.fail(
          `not a ${MODEL_NAME} network: param ${param.index}${name} (${role.label}) ` +
            `has shape ${shapeText(param.dims)}, expected ${shapeText(role.dims)}`,
        );
      }
    }
    if (kind === 'bn') {
      (lastConv[stream] as PlannedLayer).bnParams = pairs; // position is odd, so its conv/fc came first
    } else {
      lastConv[stream] = { stream, layer: spec, layerParams: pairs, bnParams: [] };
      planned.push(lastConv[stream] as PlannedLayer);
    }
  }
  for (const stream of STREAMS) {
    const expected = ARCHITECTURE[stream].length * 2;
    if (cursor[stream] !== expected) {
      mat.fail(`not a ${MODEL_NAME} network: found ${cursor[stream]} conv/bn/fc layers for the ${stream} stream, expected ${expected}`);
    }
  }
  if (next !== net.params.length) {
    mat.fail(`not a ${MODEL_NAME} network: net.params has ${net.params.length} entries, the layers use ${next}`);
  }
  return planned;
}

/** When the file names them, the params a layer declares must be the ones we consume. */
function checkParamNames(mat: MatFile, layer: DagNNLayer, params: DagNNParam[]): void {
  if (!layer.params || params.some((p) => p.name === undefined)) return;
  const names = params.map((p) => p.name as string);
  if (layer.params.length !== names.length || layer.params.some((n, i) => n !== names[i])) {
    mat.fail(
      `not a ${MODEL_NAME} network: layer ${layer.index} '${layer.name}' uses params {${layer.params.join(', ')}}, ` +
        `but the params in its place are {${names.join(', ')}} (net.params(${params[0].index}…${params[params.length - 1].index}))`,
    );
  }
}

function readChecked(mat: MatFile, param: DagNNParam, role: ParamRole): Float32Array {
  const value = param.read();
  const data = value.data instanceof Float32Array ? value.data : Float32Array.from(value.data);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) mat.fail(`param ${param.index}${param.name ? ` '${param.name}'` : ''} (${role.label}) holds a non-finite value (${data[bad]}) — corrupt file?`);
  return data;
}

/** MATLAB [H W Cin Cout] column-major → TF [H, W, Cin, Cout] row-major. */
function matlabFiltersToHWIO(filters: Float32Array, layer: LayerSpec): Float32Array {
  const [kh, kw] = layer.kernel;
  const cin = layer.inChannels;
  const cout = layer.outChannels;
  const out = new Float32Array(filters.length);
  let src = 0;
  // Column-major walks h fastest, then w, cin, cout.
  for (let o = 0; o < cout; o++) {
    for (let c = 0; c < cin; c++) {
      for (let w = 0; w < kw; w++) {
        for (let h = 0; h < kh; h++) out[((h * kw + w) * cin + c) * cout + o] = filters[src++];
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- model

type StreamLayer = { kind: 'conv'; layer: Conv2DLayer; pool?: MaxPoolSpec } | { kind: 'fc'; layer: DenseLayer };

function buildStream(weights: WeightMap, stream: Stream): StreamLayer[] {
  return ARCHITECTURE[stream].map((spec): StreamLayer => {
    const get = (t: string): Float32Array => weights[weightName(stream, spec, t)].data;
    const sigma = get('bn.sigma');
    // layers.ts folds with 1/√(variance + ε); MatConvNet's sigma already is √(var + ε),
    // so pass variance = sigma², ε = 0 (float32 rounding of sigma² is ~1e-7 relative).
    const folded = foldBatchNorm(get('kernel'), get('bias'), {
      gamma: get('bn.gamma'),
      beta: get('bn.beta'),
      mean: get('bn.mean'),
      variance: sigma.map((s) => s * s),
      epsilon: 0,
    });
    const [kh, kw] = spec.kernel;
    if (spec.kind === 'fc') {
      // HWIO data reshaped to [kh·kw·in, out] matches the NHWC flatten of the map (note (c)).
      return { kind: 'fc', layer: new DenseLayer(folded.kernel, [kh * kw * spec.inChannels, spec.outChannels], folded.bias, true) };
    }
    const layer = new Conv2DLayer(folded.kernel, [kh, kw, spec.inChannels, spec.outChannels], folded.bias, [1, 1], symmetricPadding(spec.pad, spec.pad), true);
    return { kind: 'conv', layer, pool: spec.poolAfter };
  });
}

/** conv1…conv5 with their pools, flattened NHWC: the map fc6 covers (note (c)). */
function convTower(layers: StreamLayer[], input: tf.Tensor4D): tf.Tensor2D {
  let x = input;
  for (const l of layers) {
    if (l.kind !== 'conv') continue;
    x = l.layer.apply(x);
    if (l.pool) x = maxPoolAfterRelu(x, l.pool); // every v4 pool follows a ReLU
  }
  return tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
}

/** fc6 + bn6 + ReLU, fc7 + bn7 + ReLU on the flattened map. */
function fcHead(layers: StreamLayer[], features: tf.Tensor2D): tf.Tensor2D {
  let x = features;
  for (const l of layers) if (l.kind === 'fc') x = l.layer.apply(x);
  return x;
}

function checkShape(tensor: tf.Tensor, expected: number[], what: string): void {
  const ok = tensor.rank === expected.length && tensor.shape.every((d, i) => i === 0 || d === expected[i]);
  if (!ok) throw new Error(`${MODEL_NAME} ${what}: expected shape [N, ${expected.slice(1).join(', ')}], got [${tensor.shape.join(', ')}]`);
}

/**
 * SyncNet v4 from a canonical WeightMap (convertSyncNetV4Mat or a decoded bundle).
 * `where` names the weights' origin in error messages.
 */
export function createSyncNetV4(weights: WeightMap, mode: StreamMode = 'both', where = 'SyncNet v4 weights'): SyncNetModel {
  checkWeightShapes(weights, syncNetV4WeightShapes(mode), where, MODEL_NAME);
  const streams: Partial<Record<Stream, StreamLayer[]>> = {};
  for (const stream of streamsOf(mode)) streams[stream] = buildStream(weights, stream);
  const { frames, height, width } = SYNCNET_V4_LIP_INPUT;

  const need = (stream: Stream): StreamLayer[] => {
    const layers = streams[stream];
    if (!layers) throw new Error(`${MODEL_NAME} was created for mode '${mode}' and has no ${stream} stream`);
    return layers;
  };

  return {
    kind: 'syncnet-v4',
    mode,
    embeddingSize: SYNCNET_V4_EMBEDDING_SIZE,
    lipInput: SYNCNET_V4_LIP_INPUT,
    audioInput: SYNCNET_V4_AUDIO_INPUT,
    lipPreFc(windows: tf.Tensor5D): tf.Tensor2D {
      const layers = need('lip');
      checkShape(windows, [0, frames, height, width, 1], 'embedLip');
      return tf.tidy(() => {
        const n = windows.shape[0];
        // [N,5,H,W,1] time-major → [N,H,W,5]: the 5 frames become conv1's input channels.
        const stacked = tf.reshape(tf.transpose(windows, [0, 2, 3, 1, 4]), [n, height, width, frames]) as tf.Tensor4D;
        return convTower(layers, tf.sub(stacked, SYNCNET_V4_LIP_MEAN));
      });
    },
    audioPreFc(windows: tf.Tensor3D): tf.Tensor2D {
      const layers = need('audio');
      const { coefficients, steps } = SYNCNET_V4_AUDIO_INPUT;
      checkShape(windows, [0, coefficients, steps], 'embedAudio');
      return tf.tidy(() => convTower(layers, tf.expandDims(windows, 3) as tf.Tensor4D));
    },
    fc(stream: Stream, preFc: tf.Tensor2D): tf.Tensor2D {
      const layers = need(stream);
      return tf.tidy(() => fcHead(layers, preFc));
    },
    embedLip(windows: tf.Tensor5D): tf.Tensor2D {
      return tf.tidy(() => this.fc('lip', this.lipPreFc(windows)));
    },
    embedAudio(windows: tf.Tensor3D): tf.Tensor2D {
      return tf.tidy(() => this.fc('audio', this.audioPreFc(windows)));
    },
    dispose(): void {
      for (const layers of Object.values(streams)) for (const l of layers ?? []) l.layer.dispose();
    },
  };
}
