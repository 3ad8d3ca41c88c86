// Small TF.js building blocks shared by the converted sync models (SyncNet v2 here,
// reusable by SyncNet v4): inference-mode BatchNorm folded into the preceding
// conv / linear layer at load time, convs with PyTorch/MatConvNet-style explicit
// symmetric padding, and max-pools with explicit zero padding.
import * as tf from '@tensorflow/tfjs';

/** Eval-mode BatchNorm parameters (one value per channel). */
export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  /** PyTorch's default is 1e-5. */
  epsilon: number;
}

/**
 * Folds y = gamma·(x·W + b − mean)/√(variance + ε) + beta into x·W' + b'.
 * `kernel` has the output channel last (HWIO for convs, [in, out] for linear layers),
 * so channel = index mod outChannels. Arithmetic is in float64 before rounding once.
 */
export function foldBatchNorm(kernel: Float32Array, bias: Float32Array, bn: BatchNormParams): { kernel: Float32Array; bias: Float32Array } {
  const channels = bias.length;
  if (kernel.length % channels || [bn.gamma, bn.beta, bn.mean, bn.variance].some((p) => p.length !== channels)) {
    throw new Error(`foldBatchNorm: ${channels} channels do not match the kernel (${kernel.length} values) or BatchNorm parameters`);
  }
  const scale = new Float64Array(channels);
  const foldedBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = bn.gamma[c] / Math.sqrt(bn.variance[c] + bn.epsilon);
    foldedBias[c] = (bias[c] - bn.mean[c]) * scale[c] + bn.beta[c];
  }
  const foldedKernel = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) foldedKernel[i] = kernel[i] * scale[i % channels];
  return { kernel: foldedKernel, bias: foldedBias };
}

/** [[top, bottom], [left, right]] in pixels. */
export type Padding2D = [[number, number], [number, number]];

export const symmetricPadding = (padH: number, padW: number): Padding2D => [[padH, padH], [padW, padW]];

/** Conv2d (NHWC, HWIO kernel) with bias, explicit zero padding and optional ReLU, fused. */
export class Conv2DLayer {
  readonly kernel: tf.Tensor4D;
  readonly bias: tf.Tensor1D;

  constructor(
    kernel: Float32Array,
    kernelShape: [number, number, number, number],
    bias: Float32Array,
    readonly strides: [number, number],
    readonly padding: Padding2D,
    readonly relu: boolean,
  ) {
    this.kernel = tf.tensor4d(kernel, kernelShape);
    this.bias = tf.tensor1d(bias);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [[top, bottom], [left, right]] = this.padding;
    return tf.fused.conv2d({
      x,
      filter: this.kernel,
      strides: this.strides,
      // Explicit padding = zero padding on each side, exactly PyTorch's `padding=(p, p)`.
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      bias: this.bias,
      activation: this.relu ? 'relu' : 'linear',
    });
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

/** Fully connected layer ([in, out] kernel) with bias and optional ReLU, fused. */
export class DenseLayer {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;

  constructor(kernel: Float32Array, kernelShape: [number, number], bias: Float32Array, readonly relu: boolean) {
    this.kernel = tf.tensor2d(kernel, kernelShape);
    this.bias = tf.tensor1d(bias);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.fused.matMul({ a: x, b: this.kernel, bias: this.bias, activation: this.relu ? 'relu' : 'linear' }) as tf.Tensor2D;
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}

export interface MaxPoolSpec {
  size: [number, number];
  strides: [number, number];
  padding: Padding2D;
}

/**
 * Max-pool with explicit zero padding. Only exact after a ReLU: PyTorch pads max-pools
 * with −∞, and on non-negative inputs a zero pad never wins a max either.
 */
export function maxPoolAfterRelu(x: tf.Tensor4D, spec: MaxPoolSpec): tf.Tensor4D {
  const [[top, bottom], [left, right]] = spec.padding;
  const padded = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
  return tf.maxPool(padded, spec.size, spec.strides, 'valid');
}
