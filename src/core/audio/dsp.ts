// Shared numeric pieces of the two MFCC front ends (mfcc.ts: python_speech_features,
// mfcc-speechpy.ts: speechpy). Everything runs in float64.
//
// Why not meyda (once a dependency, removed as unused): none of its exported pieces reproduces the
// references exactly, so nothing here delegates to it —
//  - utilities.createMelFilterBank keeps mel points in a Float32Array, uses the 1125·ln mel
//    scale (python_speech_features: 2595·log10, speechpy: 1127·ln), is fixed to 0..sr/2 and
//    has no speechpy variant (low edge 300 Hz, (257+1)-scaled bins);
//  - the powerSpectrum / ampSpectrum extractors are Float32, drop the Nyquist bin and lack
//    the 1/NFFT scaling;
//  - utilities.frame drops a partial last frame (python_speech_features zero-pads it);
//  - its mfcc extractor windows with Hann, takes log(x + 1), has no lifter, no energy c0 and
//    an unnormalised DCT.
// The only exact piece is the raw complex FFT behind Meyda.extract('complexSpectrum') with a
// 'rect' window, reachable only by mutating the global Meyda singleton per call, so a small
// radix-2 FFT is written below instead.

/** numpy.finfo(float).eps — the floor both references put under zero energies before log. */
export const FLOAT64_EPS = Number.EPSILON;

/** Row-major feature matrix: `data[row * coefficients + c]`, one row per 10 ms frame. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly coefficients: number;
  readonly data: Float32Array;
}

/** Samples on the int16 scale: an Int16Array, or floats already scaled to ±32768. */
export type Int16ScaleSamples = Int16Array | Float32Array | Float64Array | readonly number[];

export function toFloat64(samples: Int16ScaleSamples): Float64Array {
  return samples instanceof Float64Array ? samples : Float64Array.from(samples);
}

/**
 * python_speech_features.sigproc.round_half_up / speechpy.processing.round_half_up:
 * Decimal(x).quantize(1, ROUND_HALF_UP) of the exact binary value (x >= 0 here).
 * `x - floor(x)` is exact for doubles, so the tie test sees the true fraction.
 */
export function roundHalfUp(x: number): number {
  const whole = Math.floor(x);
  return x - whole >= 0.5 ? whole + 1 : whole;
}

/** numpy.round / C lrint under the default rounding mode: ties go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const whole = Math.floor(x);
  const fraction = x - whole;
  if (fraction > 0.5) return whole + 1;
  if (fraction < 0.5) return whole;
  return whole % 2 === 0 ? whole : whole + 1;
}

/**
 * numpy.linspace(start, stop, num) bit for bit: `i * step + start`, with the last point
 * forced to `stop` (numpy/core/function_base.py). Mel points go through floor() into
 * integer FFT bins, so even one ulp matters near a bin boundary.
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * Power spectrum |rfft(frame, n)|² / n of real frames — numpy.fft.rfft followed by
 * python_speech_features.sigproc.powspec / speechpy.processing.power_spectrum. A frame
 * shorter than n is zero-padded, a longer one truncated (what rfft(frames, n) does).
 */
export class PowerSpectrum {
  readonly fftLength: number;
  /** n / 2 + 1 bins, DC to Nyquist inclusive. */
  readonly numBins: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly cosTable: Float64Array;
  private readonly sinTable: Float64Array;
  private readonly bitReversed: Uint32Array;

  constructor(fftLength: number) {
    if (!Number.isInteger(fftLength) || fftLength < 2 || (fftLength & (fftLength - 1)) !== 0) {
      throw new RangeError(`FFT length must be a power of two >= 2, got ${fftLength}`);
    }
    this.fftLength = fftLength;
    this.numBins = fftLength / 2 + 1;
    this.re = new Float64Array(fftLength);
    this.im = new Float64Array(fftLength);
    // Twiddles from cos/sin directly (no recurrence) to keep the error at a few ulp.
    this.cosTable = new Float64Array(fftLength / 2);
    this.sinTable = new Float64Array(fftLength / 2);
    for (let k = 0; k < fftLength / 2; k++) {
      this.cosTable[k] = Math.cos((2 * Math.PI * k) / fftLength);
      this.sinTable[k] = Math.sin((2 * Math.PI * k) / fftLength);
    }
    const bits = Math.log2(fftLength);
    this.bitReversed = new Uint32Array(fftLength);
    for (let i = 0; i < fftLength; i++) {
      let reversed = 0;
      for (let b = 0; b < bits; b++) reversed |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReversed[i] = reversed;
    }
  }

  /** Writes numBins values into `out`; reads frame[0 .. min(frameLength, n)). */
  compute(frame: Float64Array, frameLength: number, out: Float64Array): void {
    const n = this.fftLength;
    const { re, im } = this;
    const used = Math.min(frameLength, n);
    for (let i = 0; i < n; i++) {
      const source = this.bitReversed[i];
      re[i] = source < used ? frame[source] : 0;
      im[i] = 0;
    }
    // Iterative radix-2 decimation-in-time, forward transform e^{-2πi kn/N}.
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const tableStride = n / size;
      for (let start = 0; start < n; start += size) {
        for (let j = 0; j < half; j++) {
          const wr = this.cosTable[j * tableStride];
          const wi = -this.sinTable[j * tableStride];
          const a = start + j;
          const b = a + half;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
    for (let k = 0; k < this.numBins; k++) out[k] = (re[k] * re[k] + im[k] * im[k]) / n;
  }
}

/** One triangular filter stored sparsely: weights for bins start .. start + weights.length - 1. */
export interface TriangularFilter {
  readonly start: number;
  readonly weights: Float64Array;
}

/**
 * Weight of FFT bin `bin` in the triangle with integer edges left <= middle <= right.
 * The two references agree except when middle === right (a degenerate right half), so the
 * caller supplies the rule; see mfcc.ts and mfcc-speechpy.ts.
 */
export type TriangleWeight = (bin: number, left: number, middle: number, right: number) => number;

/**
 * Triangular filters over integer FFT-bin edges: filter j spans edges[j], edges[j+1] (peak),
 * edges[j+2]. Bins at or beyond numBins are cut off, as numpy slicing does.
 */
export function triangularFilterbank(
  edges: ArrayLike<number>,
  numBins: number,
  weight: TriangleWeight,
): TriangularFilter[] {
  const filters: TriangularFilter[] = [];
  for (let j = 0; j + 2 < edges.length; j++) {
    const left = edges[j];
    const middle = edges[j + 1];
    const right = edges[j + 2];
    const start = Math.max(0, left);
    const end = Math.min(numBins - 1, right);
    const weights = new Float64Array(Math.max(0, end - start + 1));
    for (let bin = start; bin <= end; bin++) weights[bin - start] = weight(bin, left, middle, right);
    filters.push({ start, weights });
  }
  return filters;
}

/**
 * Orthonormal DCT-II rows 0..numOut-1 over numIn inputs: scipy.fftpack.dct(x, type=2,
 * norm='ortho') = f_k · 2 Σ x_n cos(πk(2n+1)/2N), f_0 = √(1/4N), f_k = √(1/2N).
 * Both references call it on the log filterbank energies and keep the first numOut values.
 */
export function orthonormalDctMatrix(numIn: number, numOut: number): Float64Array {
  const matrix = new Float64Array(numOut * numIn);
  for (let k = 0; k < numOut; k++)
    for (let n = 0; n < numIn; n++) matrix[k * numIn + n] = orthonormalDctBasis(k, n, numIn);
  return matrix;
}

/**
 * One entry of that matrix, row k at input position n — also at a fractional n, where the
 * cosine series of a cepstrum is the smooth log-filterbank curve between filters (VTLP).
 */
export function orthonormalDctBasis(k: number, n: number, numIn: number): number {
  const scale = 2 * Math.sqrt(1 / ((k === 0 ? 4 : 2) * numIn));
  return scale * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * numIn));
}

/** Everything the shared cepstrum loop needs; the two front ends differ only in these. */
export interface CepstrumPlan {
  /** Samples per frame (after the reference's rounding). */
  readonly frameLength: number;
  /** Samples between frame starts. */
  readonly frameStep: number;
  /** Frames to emit; frames reaching past the signal read zeros (zero padding). */
  readonly numFrames: number;
  readonly spectrum: PowerSpectrum;
  readonly filters: readonly TriangularFilter[];
  /** Cepstra kept from the DCT (from c0). */
  readonly numCepstra: number;
  /** Per-coefficient lifter gains, or null for none. */
  readonly lifter: Float64Array | null;
  /** Replace c0 with log(Σ power spectrum) of the frame (both references' "energy"). */
  readonly replaceC0WithLogEnergy: boolean;
  /** Drop this many leading columns from the output (v4 drops c0). */
  readonly dropLeading: number;
}

/**
 * Frames → power spectrum → mel filterbank energies (eps floor) → log → orthonormal DCT-II →
 * lifter → c0 := log frame energy (eps floor). This is the common tail of
 * python_speech_features.base.mfcc/fbank and speechpy.feature.mfcc/mfe; the signal is
 * already pre-emphasised where the reference does so.
 */
export function computeCepstra(signal: Float64Array, plan: CepstrumPlan): FeatureMatrix {
  const { frameLength, frameStep, numFrames, spectrum, filters, numCepstra, lifter } = plan;
  const numFilters = filters.length;
  const dct = orthonormalDctMatrix(numFilters, numCepstra);
  const outColumns = numCepstra - plan.dropLeading;
  const data = new Float32Array(Math.max(0, numFrames) * outColumns);
  const frame = new Float64Array(frameLength);
  const power = new Float64Array(spectrum.numBins);
  const logEnergies = new Float64Array(numFilters);

  for (let row = 0; row < numFrames; row++) {
    const offset = row * frameStep;
    for (let i = 0; i < frameLength; i++) {
      const index = offset + i;
      frame[i] = index < signal.length ? signal[index] : 0;
    }
    spectrum.compute(frame, frameLength, power);

    for (let f = 0; f < numFilters; f++) {
      const { start, weights } = filters[f];
      let sum = 0;
      for (let i = 0; i < weights.length; i++) sum += power[start + i] * weights[i];
      // fbank / speechpy.functions.zero_handling: exact zeros become eps before the log.
      logEnergies[f] = Math.log(sum === 0 ? FLOAT64_EPS : sum);
    }

    const base = row * outColumns;
    for (let k = plan.dropLeading; k < numCepstra; k++) {
      let value: number;
      if (k === 0 && plan.replaceC0WithLogEnergy) {
        let energy = 0;
        for (let i = 0; i < power.length; i++) energy += power[i];
        value = Math.log(energy === 0 ? FLOAT64_EPS : energy);
      } else {
        let sum = 0;
        for (let n = 0; n < numFilters; n++) sum += dct[k * numFilters + n] * logEnergies[n];
        value = lifter ? sum * lifter[k] : sum;
      }
      data[base + k - plan.dropLeading] = value;
    }
  }
  return { rows: Math.max(0, numFrames), coefficients: outColumns, data };
}
