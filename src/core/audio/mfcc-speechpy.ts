// SyncNet v4 audio features (the VidTIMIT study's Keras port of SyncNet v4):
// speechpy.feature.mfcc(signal, 16000, frame_length=0.010, frame_stride=0.010,
// num_cepstral=13) with c0 dropped → 12 coefficients per 10 ms row.
// Reproduces speechpy 2.4 (feature.py / processing.py / functions.py), quirks included:
//  - feature.filterbanks does `low_freq = low_freq or 300`, so the default low_frequency=0
//    really means 300 Hz;
//  - its bin edges are floor((coefficients + 1) · hz / fs) with coefficients = fft_length/2+1
//    = 257, not fft_length + 1 — the 40 filters squeeze into bins 4..128 (0–4 kHz of the
//    spectrum) although they are laid out on a 300–8000 Hz mel scale;
//  - processing.stack_frames(zero_padding=False) keeps floor((n − L) / S) frames, one fewer
//    than fit (the last whole frame is dropped), and raises for n < L (we return 0 rows);
//  - no pre-emphasis, rectangular window, no lifter; with dc_elimination c0 becomes the log
//    frame energy (which v4 drops anyway).
import {
  computeCepstra,
  linspace,
  PowerSpectrum,
  roundHalfEven,
  toFloat64,
  triangularFilterbank,
  type FeatureMatrix,
  type Int16ScaleSamples,
  type TriangleWeight,
} from './dsp';

export interface SpeechpyMfccOptions {
  /** Hz. Default 16000 (speechpy has no default; SyncNet v4 uses 16 kHz). */
  sampleRate?: number;
  /** Seconds. Default 0.020 (speechpy's default; v4 uses 0.010). */
  frameLength?: number;
  /** Seconds. Default 0.01. */
  frameStride?: number;
  /** Default 13. */
  numCepstral?: number;
  /** Default 40. */
  numFilters?: number;
  /** Default 512. */
  fftLength?: number;
  /** Hz. Default 0, which speechpy turns into 300 (`low_freq or 300`). */
  lowFrequency?: number;
  /** Hz. Default (and when 0) sampleRate / 2. */
  highFrequency?: number;
  /** Replace c0 with the log frame energy. Default true. */
  dcElimination?: boolean;
}

/** functions.frequency_to_mel */
export function hzToMelSpeechpy(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

/** functions.mel_to_frequency */
export function melToHzSpeechpy(mel: number): number {
  return 700 * (Math.exp(mel / 1127) - 1);
}

/** feature.filterbanks' freq_index: floor((coefficients + 1) · hertz / sampling_freq). */
export function speechpyFilterbankEdges(
  numFilters: number,
  coefficients: number,
  sampleRate: number,
  lowFrequency: number,
  highFrequency: number,
): number[] {
  const lowFreq = lowFrequency || 300; // `low_freq or 300`
  const highFreq = highFrequency || sampleRate / 2;
  if (highFreq > sampleRate / 2) throw new RangeError('highFrequency is greater than sampleRate/2');
  const mels = linspace(hzToMelSpeechpy(lowFreq), hzToMelSpeechpy(highFreq), numFilters + 2);
  return Array.from(mels, (mel) => Math.floor(((coefficients + 1) * melToHzSpeechpy(mel)) / sampleRate));
}

/**
 * functions.triangle on z = left..right: rising (x − left)/(middle − left) for
 * left < x <= middle, then falling (right − x)/(right − middle) for middle <= x < right
 * (the later assignment wins at x = middle; both give 1 there). Unlike
 * python_speech_features, a filter with middle === right keeps weight 1 at `right`.
 */
const speechpyTriangleWeight: TriangleWeight = (bin, left, middle, right) => {
  if (bin >= middle && bin < right) return (right - bin) / (right - middle);
  if (bin > left && bin <= middle) return (bin - left) / (middle - left);
  return 0;
};

/**
 * MFCC as speechpy.feature.mfcc(signal, sampling_frequency, ...) returns it: `rows` =
 * floor((n − L) / S) rows of numCepstral coefficients (0 rows when that is <= 0, where
 * speechpy returns an empty array or raises), row-major in a Float32Array.
 */
export function mfccSpeechpy(samples: Int16ScaleSamples, options: SpeechpyMfccOptions = {}): FeatureMatrix {
  return speechpyCepstra(samples, options, 0);
}

/**
 * SyncNet v4 features: speechpy MFCC with 10 ms frames and 10 ms stride at 16 kHz, 13
 * cepstra, c0 dropped → 12 coefficients (speechpy columns 1..12) per row.
 */
export function mfccSyncnetV4(samples: Int16ScaleSamples): FeatureMatrix {
  return speechpyCepstra(
    samples,
    { sampleRate: 16000, frameLength: 0.01, frameStride: 0.01, numCepstral: 13 },
    1,
  );
}

function speechpyCepstra(
  samples: Int16ScaleSamples,
  options: SpeechpyMfccOptions,
  dropLeading: number,
): FeatureMatrix {
  const sampleRate = options.sampleRate ?? 16000;
  const numCepstral = options.numCepstral ?? 13;
  const numFilters = options.numFilters ?? 40;
  if (numCepstral > numFilters)
    throw new RangeError(`numCepstral (${numCepstral}) exceeds numFilters (${numFilters})`);
  const signal = toFloat64(samples); // feature.mfe: signal.astype(float)

  // processing.stack_frames: int(np.round(fs·frame_length)), float(np.round(fs·frame_stride))
  // — numpy rounds ties to even.
  const frameLength = roundHalfEven(sampleRate * (options.frameLength ?? 0.02));
  const frameStep = roundHalfEven(sampleRate * (options.frameStride ?? 0.01));
  const numFrames = Math.max(0, Math.floor((signal.length - frameLength) / frameStep));

  const spectrum = new PowerSpectrum(options.fftLength ?? 512);
  const edges = speechpyFilterbankEdges(
    numFilters,
    spectrum.numBins, // feature.mfe passes power_spectrum.shape[1] as `coefficients`
    sampleRate,
    options.lowFrequency ?? 0,
    options.highFrequency ?? 0,
  );

  return computeCepstra(signal, {
    frameLength,
    frameStep,
    numFrames,
    spectrum,
    filters: triangularFilterbank(edges, spectrum.numBins, speechpyTriangleWeight),
    numCepstra: numCepstral,
    lifter: null,
    replaceC0WithLogEnergy: options.dcElimination ?? true,
    dropLeading,
  });
}
