// Per-row features for telling speech from music, noise, applause and silence.
//
// Rows follow python_speech_features' framing (25-ms frames, 10-ms hop, the last frame
// zero-padded), so feature row r lines up with mfccSyncnetV2 row r and with
// train/evidence.ts frameLevelsDb row r.
//
// Two stages:
//  1. frame features, from frame r alone (and frame r − 1 for the flux): level, spectral
//     flatness, speech-band share, zero-crossing rate, 16 log band energies;
//  2. context features of row r, from the frame features of rows r − CONTEXT_ROWS ..
//     r + CONTEXT_ROWS (±0.5 s, cut at the ends of the signal). They are the classic
//     speech/music cues of Scheirer & Slaney, "Construction and evaluation of a robust
//     multifeature speech/music discriminator" (ICASSP 1997): 4-Hz modulation energy,
//     percentage of low-energy frames, spectral flux and its variance; plus the long-term
//     spectral variability of Ghosh, Tsiartas & Narayanan (IEEE TASLP 2011) and the
//     voiced/unvoiced alternation seen in the zero-crossing rate.
// Every context value is summed afresh over its own window (no running sums), so a row's
// features do not depend on where a computation started: computing rows [a, b) gives the
// same bits as slicing the result for the whole signal.
import { PowerSpectrum } from './dsp';

export const SAMPLE_RATE = 16000;
export const FRAME_LEN = 400; // 25 ms
export const FRAME_STEP = 160; // 10 ms
/** Context each side of a row: 50 rows = 0.5 s, two syllables at the 4-Hz syllable rate. */
export const CONTEXT_ROWS = 50;
const NFFT = 512;
const BIN_HZ = SAMPLE_RATE / NFFT;
const NUM_BANDS = 16;
/** Level given to an all-zero frame (dBFS). */
export const SILENT_DB = -120;
const FULL_SCALE_SQ = 32768 * 32768;

/** Names of the model's input columns, in order (speech-model.json lists them too). */
export const FEATURE_NAMES = [
  // No absolute level: music at −30 dBFS must not look like speech because speech in the
  // training clips sits there (only the silence gate in speech.ts reads dBFS).
  'rowRelDb', // the row's level under the loudest row of its context (dB)
  'ctxStdDb', // level spread: speech alternates syllables and pauses
  'lowEnergyFrac', // Scheirer–Slaney: share of rows 10 dB under the context's mean power
  'mod4Hz', // share of the 300–3400 Hz envelope's modulation power at 3–6 Hz
  'mod4HzDb', // that 3–6 Hz modulation power itself (log10 of dB² per row)
  'fluxMean', // mean frame-to-frame change of the log band energies (dB)
  'fluxStd', // its spread: speech changes in bursts, music steadily
  'ltsv', // mean over bands of the std of log band energy over the context (dB)
  'flatness', // mean spectral flatness (300–4000 Hz): noise ≈ 1, tones and voice ≪ 1
  'flatnessStd',
  'speechBand', // mean share of power in 300–3400 Hz
  'zcrMean',
  'zcrStd', // voiced/unvoiced alternation
  'bandModMean', // 4-Hz modulation share per band pair (8 bands), mean: speech under a music bed
  'bandModMax', //   still modulates the bands where it dominates
  'specCorr', // mean correlation of the fine log spectrum 40 ms apart: sustained notes ≈ 1,
  'specCorrStd', //   gliding formants and harmonics lower
] as const;
export const NUM_FEATURES = FEATURE_NAMES.length;

/** Frame features of rows [first, first + rows). */
interface FrameFeatures {
  readonly first: number;
  readonly rows: number;
  readonly db: Float64Array;
  readonly power: Float64Array; // mean square / full scale², for the low-energy share
  readonly flatness: Float64Array;
  readonly speechBand: Float64Array;
  readonly zcr: Float64Array;
  readonly flux: Float64Array;
  readonly bands: Float64Array; // rows × NUM_BANDS log energies (dB)
  readonly speechEnv: Float64Array; // log power in 300–3400 Hz (dB), the modulation envelope
  /** Correlation of row k's fine log spectrum with row k + CORR_LAG's (0 where that row is not computed). */
  readonly corrAhead: Float64Array;
}

/** Rows python_speech_features.sigproc.framesig makes of n samples (the last zero-padded). */
export function rowCount(numSamples: number): number {
  if (numSamples === 0) return 0;
  return numSamples <= FRAME_LEN ? 1 : 1 + Math.ceil((numSamples - FRAME_LEN) / FRAME_STEP);
}

const HANN = Float64Array.from(
  { length: FRAME_LEN },
  (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME_LEN - 1)),
);
const hzBin = (hz: number) => Math.round(hz / BIN_HZ);
/** Band edges in FFT bins, evenly spaced on the mel scale from 100 Hz to 8 kHz. */
const BAND_EDGES = (() => {
  const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  const lo = mel(100);
  const hi = mel(8000);
  return Array.from({ length: NUM_BANDS + 1 }, (_, i) =>
    Math.min(NFFT / 2 + 1, hzBin(hz(lo + ((hi - lo) * i) / NUM_BANDS))),
  );
})();
const FLAT_LO = hzBin(300);
const FLAT_HI = hzBin(4000);
const SPEECH_LO = hzBin(300);
const SPEECH_HI = hzBin(3400);
const EPS = 1e-12;
/** Fine spectrum for the correlation: bins 3 .. 127 (94–3970 Hz), where voice harmonics are. */
const FINE_LO = 3;
const FINE_HI = 128;
const FINE_BINS = FINE_HI - FINE_LO;
/** 40 ms: a sustained note outlasts it, a syllable's formants move within it. */
const CORR_LAG = 4;

const toDb = (meanSquare: number) =>
  meanSquare > 0 ? Math.max(SILENT_DB, 10 * Math.log10(meanSquare)) : SILENT_DB;

/** Frame features of rows [first, end) of the signal (end ≤ rowCount). */
function frameFeatures(samples: Int16Array, first: number, end: number): FrameFeatures {
  const rows = Math.max(0, end - first);
  const f: FrameFeatures = {
    first,
    rows,
    db: new Float64Array(rows),
    power: new Float64Array(rows),
    flatness: new Float64Array(rows),
    speechBand: new Float64Array(rows),
    zcr: new Float64Array(rows),
    flux: new Float64Array(rows),
    bands: new Float64Array(rows * NUM_BANDS),
    speechEnv: new Float64Array(rows),
    corrAhead: new Float64Array(rows),
  };
  const fine = new Float64Array(rows * FINE_BINS);
  const spectrum = new PowerSpectrum(NFFT);
  const frame = new Float64Array(FRAME_LEN);
  const power = new Float64Array(spectrum.numBins);
  const previous = new Float64Array(NUM_BANDS);
  // The flux of row `first` needs the bands of row first − 1: compute that row too.
  const start = Math.max(0, first - 1);
  for (let row = start; row < end; row++) {
    const offset = row * FRAME_STEP;
    let sumSq = 0;
    let crossings = 0;
    for (let i = 0; i < FRAME_LEN; i++) {
      const index = offset + i;
      const x = index < samples.length ? samples[index] : 0;
      sumSq += x * x;
      if (i > 0 && x >= 0 !== frame[i - 1] >= 0) crossings++;
      frame[i] = x;
    }
    for (let i = 0; i < FRAME_LEN; i++) frame[i] *= HANN[i];
    spectrum.compute(frame, FRAME_LEN, power);
    const k = row - first;
    const bandBase = k * NUM_BANDS;
    let flux = 0;
    for (let b = 0; b < NUM_BANDS; b++) {
      let sum = 0;
      for (let bin = BAND_EDGES[b]; bin < BAND_EDGES[b + 1]; bin++) sum += power[bin];
      const value = 10 * Math.log10(sum / FULL_SCALE_SQ + EPS);
      // Row 0 has no predecessor: its flux is 0.
      if (row > start) flux += Math.abs(value - previous[b]);
      previous[b] = value;
      if (k >= 0) f.bands[bandBase + b] = value;
    }
    if (k < 0) continue;
    const meanSquare = sumSq / FRAME_LEN / FULL_SCALE_SQ;
    f.db[k] = toDb(meanSquare);
    f.power[k] = meanSquare;
    f.zcr[k] = crossings / (FRAME_LEN - 1);
    f.flux[k] = flux / NUM_BANDS;
    let total = 0;
    let speech = 0;
    let logSum = 0;
    let linSum = 0;
    for (let bin = 0; bin < power.length; bin++) {
      total += power[bin];
      if (bin >= SPEECH_LO && bin < SPEECH_HI) speech += power[bin];
      if (bin >= FLAT_LO && bin < FLAT_HI) {
        logSum += Math.log(power[bin] + EPS);
        linSum += power[bin] + EPS;
      }
    }
    const flatBins = FLAT_HI - FLAT_LO;
    // Wiener entropy (geometric / arithmetic mean); a silent frame counts as fully flat.
    f.flatness[k] = total > 0 ? Math.exp(logSum / flatBins) / (linSum / flatBins) : 1;
    f.speechBand[k] = total > 0 ? speech / total : 0;
    f.speechEnv[k] = 10 * Math.log10(speech / FULL_SCALE_SQ + EPS);
    normalisedLogSpectrum(power, fine, k * FINE_BINS);
  }
  for (let k = 0; k + CORR_LAG < rows; k++) {
    let dot = 0;
    for (let i = 0; i < FINE_BINS; i++) dot += fine[k * FINE_BINS + i] * fine[(k + CORR_LAG) * FINE_BINS + i];
    f.corrAhead[k] = dot;
  }
  return f;
}

/** log power of bins FINE_LO..FINE_HI, mean removed and scaled to unit norm, into out[at..]. */
function normalisedLogSpectrum(power: Float64Array, out: Float64Array, at: number): void {
  let mean = 0;
  for (let i = 0; i < FINE_BINS; i++)
    mean += (out[at + i] = Math.log(power[FINE_LO + i] / FULL_SCALE_SQ + EPS)) / FINE_BINS;
  let norm = 0;
  for (let i = 0; i < FINE_BINS; i++) norm += (out[at + i] -= mean) ** 2;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < FINE_BINS; i++) out[at + i] *= scale;
}

// Modulation analysis of log-energy envelopes over the 101-row context (1.01 s, so DFT bins
// fall about 1 Hz apart), Hann-tapered: the share of power at the 3–6 Hz syllable rate.
const MOD_FREQS = [3, 4, 5, 6];
const CONTEXT_LEN = 2 * CONTEXT_ROWS + 1;
const MOD_TAPER = Float64Array.from(
  { length: CONTEXT_LEN },
  (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (CONTEXT_LEN + 1)),
);
const MOD_COS = MOD_FREQS.map((hz) =>
  Float64Array.from({ length: CONTEXT_LEN }, (_, i) => Math.cos((2 * Math.PI * hz * i) / 100)),
);
const MOD_SIN = MOD_FREQS.map((hz) =>
  Float64Array.from({ length: CONTEXT_LEN }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 100)),
);

function meanStd(values: Float64Array, lo: number, hi: number): [number, number] {
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += values[i];
  const mean = sum / (hi - lo);
  let sq = 0;
  for (let i = lo; i < hi; i++) sq += (values[i] - mean) ** 2;
  return [mean, Math.sqrt(sq / (hi - lo))];
}

const BAND_PAIRS = NUM_BANDS / 2;
const envelope = new Float64Array(CONTEXT_LEN);

/**
 * Share of the tapered, mean-removed envelope[0..n)'s power in the 3–6 Hz DFT bins, and that
 * power (log10, per row). Overwrites `envelope`. Parseval gives the total without the other
 * bins: Σ over all n bins of |X|² = n · Σ x².
 */
function speechRateModulation(env: Float64Array, n: number): [number, number] {
  const shift = Math.floor((CONTEXT_LEN - n) / 2);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += env[i] / n;
  let total = 0;
  for (let i = 0; i < n; i++) total += (env[i] = (env[i] - mean) * MOD_TAPER[i + shift]) ** 2;
  let speech = 0;
  for (let m = 0; m < MOD_FREQS.length; m++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      re += env[i] * MOD_COS[m][i];
      im += env[i] * MOD_SIN[m][i];
    }
    speech += re * re + im * im;
  }
  return [total > 0 ? speech / (n * total) : 0, Math.log10(speech / n + 1)];
}

/** Mean and max over 8 band pairs of the envelope's 3–6 Hz share of its tapered power. */
function bandModulation(f: FrameFeatures, lo: number, hi: number): [number, number] {
  let sum = 0;
  let max = 0;
  for (let p = 0; p < BAND_PAIRS; p++) {
    for (let i = lo; i < hi; i++)
      envelope[i - lo] = 0.5 * (f.bands[i * NUM_BANDS + 2 * p] + f.bands[i * NUM_BANDS + 2 * p + 1]);
    const [share] = speechRateModulation(envelope, hi - lo);
    sum += share;
    max = Math.max(max, share);
  }
  return [sum / BAND_PAIRS, max];
}

/** Context features of row r (absolute row index) into out[0 .. NUM_FEATURES). */
function contextFeatures(
  f: FrameFeatures,
  row: number,
  totalRows: number,
  out: Float32Array,
  at: number,
): void {
  const lo = Math.max(0, row - CONTEXT_ROWS) - f.first;
  const hi = Math.min(totalRows, row + CONTEXT_ROWS + 1) - f.first;
  const k = row - f.first;
  const [, stdDb] = meanStd(f.db, lo, hi);
  let maxDb = SILENT_DB;
  for (let i = lo; i < hi; i++) maxDb = Math.max(maxDb, f.db[i]);
  const [meanPower] = meanStd(f.power, lo, hi);
  let low = 0;
  for (let i = lo; i < hi; i++) if (f.power[i] < 0.1 * meanPower) low++;
  for (let i = lo; i < hi; i++) envelope[i - lo] = f.speechEnv[i];
  const [mod, modDb] = speechRateModulation(envelope, hi - lo);
  const [fluxMean, fluxStd] = meanStd(f.flux, lo, hi);
  let ltsv = 0;
  for (let b = 0; b < NUM_BANDS; b++) {
    let sum = 0;
    for (let i = lo; i < hi; i++) sum += f.bands[i * NUM_BANDS + b];
    const mean = sum / (hi - lo);
    let sq = 0;
    for (let i = lo; i < hi; i++) sq += (f.bands[i * NUM_BANDS + b] - mean) ** 2;
    ltsv += Math.sqrt(sq / (hi - lo));
  }
  const [flatness, flatnessStd] = meanStd(f.flatness, lo, hi);
  const [speechBand] = meanStd(f.speechBand, lo, hi);
  const [zcrMean, zcrStd] = meanStd(f.zcr, lo, hi);
  const [bandModMean, bandModMax] = bandModulation(f, lo, hi);
  // Pairs (j, j + CORR_LAG) inside the context; a context too short for one pair reads 0.
  const pairs = Math.max(0, hi - lo - CORR_LAG);
  const [specCorr, specCorrStd] = pairs > 0 ? meanStd(f.corrAhead, lo, lo + pairs) : [0, 0];
  const values = [
    f.db[k] - maxDb,
    stdDb,
    low / (hi - lo),
    mod,
    modDb,
    fluxMean,
    fluxStd,
    ltsv / NUM_BANDS,
    flatness,
    flatnessStd,
    speechBand,
    zcrMean,
    zcrStd,
    bandModMean,
    bandModMax,
    specCorr,
    specCorrStd,
  ];
  for (let c = 0; c < NUM_FEATURES; c++) out[at + c] = values[c];
}

export interface SpeechFeatureRows {
  readonly rows: number;
  /** rows × NUM_FEATURES, row-major. */
  readonly data: Float32Array;
  /** Loudest frame level in each row's context (dBFS). */
  readonly contextMaxDb: Float32Array;
}

/**
 * Features of rows [fromRow, toRow) of `samples` (clamped to the signal's rows). Row r reads
 * samples [(r − 51)·160, (r + 50)·160 + 400): it is final once the signal reaches that far.
 */
export function speechFeatureRows(
  samples: Int16Array,
  fromRow = 0,
  toRow = rowCount(samples.length),
): SpeechFeatureRows {
  const total = rowCount(samples.length);
  const from = Math.max(0, Math.min(fromRow, total));
  const to = Math.max(from, Math.min(toRow, total));
  const frames = frameFeatures(samples, Math.max(0, from - CONTEXT_ROWS), Math.min(total, to + CONTEXT_ROWS));
  const rows = to - from;
  const data = new Float32Array(rows * NUM_FEATURES);
  const contextMaxDb = new Float32Array(rows);
  for (let r = from; r < to; r++) {
    contextFeatures(frames, r, total, data, (r - from) * NUM_FEATURES);
    let max = SILENT_DB;
    const lo = Math.max(0, r - CONTEXT_ROWS) - frames.first;
    const hi = Math.min(total, r + CONTEXT_ROWS + 1) - frames.first;
    for (let i = lo; i < hi; i++) max = Math.max(max, frames.db[i]);
    contextMaxDb[r - from] = max;
  }
  return { rows, data, contextMaxDb };
}
