// Speech evidence: where in a clip someone is heard, used to trim leading and trailing
// silence before scoring (datasets whose fakes start with silence leak their labels
// that way — Boldisor et al. 2024) and to refuse a verdict without enough face-plus-speech
// evidence (silent clips, faceless clips, clips of a few seconds).
//
// Levels are measured on python_speech_features' framing (25 ms frames every 10 ms), so
// level row r lines up with MFCC row r of mfccSyncnetV2.

export const SAMPLE_RATE = 16000;
const FRAME_LEN = 400; // 25 ms
const FRAME_STEP = 160; // 10 ms
const INT16_FULL_SCALE = 32768;

export interface SpeechOptions {
  /** Rows quieter than this (dBFS) are never speech. Default −55. */
  floorDb?: number;
  /** Rows more than this below the clip's loud level (95th percentile) are not speech. Default 30. */
  rangeDb?: number;
  /** A speech run must last this many rows (10 ms each) to count. Default 5 (50 ms). */
  minRunRows?: number;
}

/** RMS level in dBFS of each 25-ms frame (10-ms hop), as many rows as mfccSyncnetV2 gives. */
export function frameLevelsDb(samples: Int16Array): Float32Array {
  const rows =
    samples.length <= FRAME_LEN
      ? samples.length > 0
        ? 1
        : 0
      : 1 + Math.ceil((samples.length - FRAME_LEN) / FRAME_STEP);
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const start = r * FRAME_STEP;
    const end = Math.min(samples.length, start + FRAME_LEN);
    let sum = 0;
    for (let i = start; i < end; i++) sum += samples[i] * samples[i];
    // Missing samples at the end count as zeros (python_speech_features pads the last frame).
    const meanSquare = sum / FRAME_LEN;
    out[r] = meanSquare > 0 ? 10 * Math.log10(meanSquare / (INT16_FULL_SCALE * INT16_FULL_SCALE)) : -200;
  }
  return out;
}

/** Per row: is it speech (loud enough, inside a run of at least minRunRows loud rows)? */
export function speechRows(levelsDb: Float32Array, options: SpeechOptions = {}): Uint8Array {
  const floorDb = options.floorDb ?? -55;
  const rangeDb = options.rangeDb ?? 30;
  const minRun = options.minRunRows ?? 5;
  const out = new Uint8Array(levelsDb.length);
  if (levelsDb.length === 0) return out;
  const sorted = Float32Array.from(levelsDb).sort();
  const loud = sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))];
  const threshold = Math.max(floorDb, loud - rangeDb);
  let runStart = -1;
  for (let r = 0; r <= levelsDb.length; r++) {
    const active = r < levelsDb.length && levelsDb[r] >= threshold;
    if (active && runStart < 0) runStart = r;
    if (!active && runStart >= 0) {
      if (r - runStart >= minRun) out.fill(1, runStart, r);
      runStart = -1;
    }
  }
  return out;
}

/**
 * Media-time span from the first to the last speech row (± `marginS`), clamped to the
 * audio, or null when nothing is heard.
 */
export function speechSpan(
  samples: Int16Array,
  startS: number,
  options: SpeechOptions & { marginS?: number } = {},
): { startS: number; endS: number } | null {
  const rows = speechRows(frameLevelsDb(samples), options);
  const first = rows.indexOf(1);
  if (first < 0) return null;
  const last = rows.lastIndexOf(1);
  const margin = options.marginS ?? 0.1;
  const audioEnd = startS + samples.length / SAMPLE_RATE;
  return {
    startS: Math.max(startS, startS + (first * FRAME_STEP) / SAMPLE_RATE - margin),
    endS: Math.min(audioEnd, startS + (last * FRAME_STEP + FRAME_LEN) / SAMPLE_RATE + margin),
  };
}

/** The samples of [fromS, toS) of a signal that starts at `startS`, and the media time of the first one. */
export function cropAudio(
  samples: Int16Array,
  startS: number,
  fromS: number,
  toS: number,
): { startS: number; samples: Int16Array } {
  const first = Math.max(0, Math.min(samples.length, Math.ceil((fromS - startS) * SAMPLE_RATE - 1e-6)));
  const last = Math.max(first, Math.min(samples.length, Math.floor((toS - startS) * SAMPLE_RATE + 1e-6)));
  return { startS: startS + first / SAMPLE_RATE, samples: samples.subarray(first, last) };
}
