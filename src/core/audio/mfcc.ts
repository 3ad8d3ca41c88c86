// SyncNet v2 audio features: python_speech_features.mfcc(signal, 16000) with its defaults,
// exactly as syncnet_python's SyncNetInstance.evaluate computes them on the int16 samples
// scipy.io.wavfile.read returns. Each step cites the reference function it reproduces
// (python_speech_features 0.6, base.py / sigproc.py).
import {
  computeCepstra,
  linspace,
  PowerSpectrum,
  roundHalfEven,
  roundHalfUp,
  toFloat64,
  triangularFilterbank,
  type FeatureMatrix,
  type Int16ScaleSamples,
  type TriangleWeight,
} from './dsp';

export interface PsfMfccOptions {
  /** Hz. Default 16000. */
  sampleRate?: number;
  /** Seconds. Default 0.025 (400 samples at 16 kHz). */
  winLen?: number;
  /** Seconds. Default 0.01 (160 samples: 100 rows per second). */
  winStep?: number;
  /** Default 13. */
  numCep?: number;
  /** Default 26. */
  nFilt?: number;
  /** Default: base.calculate_nfft — the smallest power of two >= winLen·sampleRate (512). */
  nfft?: number;
  /** Hz. Default 0. */
  lowFreq?: number;
  /** Hz. Default (and when 0, as `highfreq or samplerate/2`) sampleRate / 2. */
  highFreq?: number;
  /** Default 0.97; 0 disables. */
  preemph?: number;
  /** Default 22; <= 0 disables. */
  cepLifter?: number;
  /** Replace c0 with the log frame energy. Default true. */
  appendEnergy?: boolean;
}

/** python_speech_features.mfcc's defaults that shape its cepstra (SyncNet v2's features). */
export const PSF_DEFAULTS = { sampleRate: 16000, numCep: 13, nFilt: 26, cepLifter: 22 } as const;

/** base.hz2mel */
export function hzToMelPsf(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

/** base.mel2hz */
export function melToHzPsf(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** base.calculate_nfft */
function calculateNfft(sampleRate: number, winLen: number): number {
  const windowLengthSamples = winLen * sampleRate;
  let nfft = 1;
  while (nfft < windowLengthSamples) nfft *= 2;
  return nfft;
}

/**
 * base.get_filterbanks: integer bin edges floor((nfft + 1) · mel2hz(melpoints) / samplerate).
 * Operation order is kept ((nfft+1)·hz first, then /samplerate) so floor() sees the same double.
 */
export function psfFilterbankEdges(
  nFilt: number,
  nfft: number,
  sampleRate: number,
  lowFreq: number,
  highFreq: number,
): number[] {
  const melPoints = linspace(hzToMelPsf(lowFreq), hzToMelPsf(highFreq), nFilt + 2);
  return Array.from(melPoints, (mel) => Math.floor(((nfft + 1) * melToHzPsf(mel)) / sampleRate));
}

/**
 * base.get_filterbanks' two loops: rising half over range(left, middle), falling half over
 * range(middle, right). A bin equal to `right` is never set, so a filter with
 * middle === right ends at 0 (speechpy's differs there).
 */
const psfTriangleWeight: TriangleWeight = (bin, left, middle, right) => {
  if (bin >= left && bin < middle) return (bin - left) / (middle - left);
  if (bin >= middle && bin < right) return (right - bin) / (right - middle);
  return 0;
};

/** Number of frames base.fbank gets from sigproc.framesig (the last one zero-padded). */
function framesigCount(signalLength: number, frameLength: number, frameStep: number): number {
  if (signalLength <= frameLength) return 1;
  return 1 + Math.ceil((signalLength - frameLength) / frameStep);
}

/**
 * MFCC as python_speech_features.base.mfcc(signal, samplerate, ...) returns it, for a
 * rectangular window (its default winfunc, and what SyncNet uses).
 *
 * Input: int16-scale samples (Int16Array, or floats already multiplied by 32768; see
 * floatToInt16Pcm). Output: `rows` = 1 + ceil((n − 400) / 160) (1 when n <= 400) rows of
 * `numCep` coefficients, row-major in a Float32Array; column 0 is the log frame energy.
 */
export function mfccPsf(samples: Int16ScaleSamples, options: PsfMfccOptions = {}): FeatureMatrix {
  const sampleRate = options.sampleRate ?? PSF_DEFAULTS.sampleRate;
  const winLen = options.winLen ?? 0.025;
  const winStep = options.winStep ?? 0.01;
  const numCep = options.numCep ?? PSF_DEFAULTS.numCep;
  const nFilt = options.nFilt ?? PSF_DEFAULTS.nFilt;
  // `nfft or calculate_nfft(...)` / `highfreq or samplerate/2`: 0 means "default" there too.
  const nfft = options.nfft || calculateNfft(sampleRate, winLen);
  const lowFreq = options.lowFreq ?? 0;
  const highFreq = options.highFreq || sampleRate / 2;
  const preemph = options.preemph ?? 0.97;
  const cepLifter = options.cepLifter ?? PSF_DEFAULTS.cepLifter;
  const appendEnergy = options.appendEnergy ?? true;
  if (highFreq > sampleRate / 2) throw new RangeError('highFreq is greater than sampleRate/2');
  if (numCep > nFilt) throw new RangeError(`numCep (${numCep}) exceeds nFilt (${nFilt})`);

  // The reference raises (IndexError in sigproc.preemphasis) on an empty signal; 0 rows here.
  if (samples.length === 0) return { rows: 0, coefficients: numCep, data: new Float32Array(0) };
  const signal = preemphasis(toFloat64(samples), preemph);

  // sigproc.framesig: lengths rounded half-up from the float products (400 and 160).
  const frameLength = roundHalfUp(winLen * sampleRate);
  const frameStep = roundHalfUp(winStep * sampleRate);
  const spectrum = new PowerSpectrum(nfft);
  const edges = psfFilterbankEdges(nFilt, nfft, sampleRate, lowFreq, highFreq);

  return computeCepstra(signal, {
    frameLength,
    frameStep,
    numFrames: framesigCount(signal.length, frameLength, frameStep),
    spectrum,
    filters: triangularFilterbank(edges, spectrum.numBins, psfTriangleWeight),
    numCepstra: numCep,
    lifter: cepLifter > 0 ? lifterGains(numCep, cepLifter) : null,
    replaceC0WithLogEnergy: appendEnergy,
    dropLeading: 0,
  });
}

/** sigproc.preemphasis: y[0] = x[0], y[n] = x[n] − coeff·x[n−1]. */
function preemphasis(signal: Float64Array, coeff: number): Float64Array {
  const out = new Float64Array(signal.length);
  if (signal.length === 0) return out;
  out[0] = signal[0];
  for (let i = 1; i < signal.length; i++) out[i] = signal[i] - coeff * signal[i - 1];
  return out;
}

/** base.lifter: 1 + (L/2)·sin(πn/L). */
export function lifterGains(numCep: number, lifter: number): Float64Array {
  const gains = new Float64Array(numCep);
  for (let n = 0; n < numCep; n++) gains[n] = 1 + (lifter / 2) * Math.sin((Math.PI * n) / lifter);
  return gains;
}

/**
 * Web Audio floats in [-1, 1] → the int16 values a 16-bit PCM wav made by ffmpeg would hold:
 * libswresample's flt→s16 conversion av_clip_int16(lrintf(x · 32768)), i.e. round half to
 * even, then clip to [-32768, 32767] (checked against ffmpeg 5.1: 0.5→0, 1.5→2, 2.5→2,
 * 32767.5→32767). Feed the result to mfccPsf / mfccSyncnetV4.
 */
export function floatToInt16Pcm(samples: Float32Array | Float64Array | readonly number[]): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const scaled = roundHalfEven(samples[i] * 32768);
    // NaN (never produced by a working decoder) maps to 0 as Int16Array coercion would.
    out[i] = scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
  }
  return out;
}

/** SyncNet v2 features: python_speech_features.mfcc(signal, 16000), 13 coefficients, 100 rows/s. */
export function mfccSyncnetV2(samples: Int16ScaleSamples): FeatureMatrix {
  return mfccPsf(samples);
}
