// Scoring one clip's video against one audio track (its own, shifted, or swapped in from
// another clip) from cached features: SyncNetInstance.evaluate on our 25-fps grid, with
// the face track's lip windows embedded once and each audio variant embedded on its own.
//
// Faces come and go (cutaways, a lost track), so lip windows may be missing inside a run
// of audio windows. The core's searchOffsetRuns handles that: each window with a face is
// compared with the audio windows around it exactly as in calc_pdist (zero padding past
// the ends), and windows without a face are left out of the mean instead of cutting the
// clip into pieces.
import * as tf from '@tensorflow/tfjs';
import { mfccSyncnetV2, type FeatureMatrix } from '../audio';
import type { ClipFeatures, FrameObservation } from '../features';
import { normalisedTrackFeatures, type EmbeddedSyncModel } from '../models/embedded';
import type { SyncModel } from '../models/types';
import { torchMedian } from '../numeric';
import { mfccWindowTensor, embedInBatches } from '../score';
import { searchOffsetRuns, type CombinedOffset } from '../sync/offset-search';
import { resampleToGrid, windowsForSegment, WINDOW_FRAMES, type GridSegment } from '../sync/windows';
import type { CannotJudgeReason } from '../state';
import { cropAudio, frameLevelsDb, speechRows } from './evidence';

/** The frames at which the cache's `segment` number changes (a seek, a new run): grid segments start there. */
export function segmentBreaks(frames: readonly Pick<FrameObservation, 'segment'>[]): number[] {
  const breaks: number[] = [];
  for (let i = 1; i < frames.length; i++) if (frames[i].segment !== frames[i - 1].segment) breaks.push(i);
  return breaks;
}

/**
 * A clip's frames on the 25-fps grid; a new `segment` number in the cache starts a new grid
 * segment, and so does a gap longer than `maxGapSec` (resampleToGrid's default: 3 slots).
 */
export function clipGrid(
  clip: { frames: readonly Pick<FrameObservation, 't' | 'segment'>[] },
  maxGapSec?: number,
): GridSegment[] {
  return resampleToGrid(
    clip.frames.map((f) => f.t),
    { breaksBefore: segmentBreaks(clip.frames), maxGapSec },
  );
}

/** Face tracks of a clip, most frames first (ties: larger median box width). */
export function tracksBySize(clip: ClipFeatures): { trackId: number; frames: number; medianWidth: number }[] {
  const widths = new Map<number, number[]>();
  for (const frame of clip.frames) {
    for (const face of frame.faces) {
      const list = widths.get(face.trackId) ?? [];
      list.push(face.box[2]);
      widths.set(face.trackId, list);
    }
  }
  return [...widths.entries()]
    .map(([trackId, w]) => ({ trackId, frames: w.length, medianWidth: torchMedian(w) }))
    .sort((a, b) => b.frames - a.frames || b.medianWidth - a.medianWidth || a.trackId - b.trackId);
}

/** Per grid segment, per window start slot i (window = slots [i, i+5)): a row, or null without a face. */
export type WindowRows = (Float32Array | null)[][];

/** One face track's lip windows, as model inputs or as embeddings. */
export interface LipTrack {
  trackId: number;
  windows: WindowRows;
}

/**
 * The embedded model's lip input per window: the 5 frames' normalised features
 * concatenated (5·F values, time-major), null where a frame of the window lacks the face.
 */
export function embeddedLipInputs(
  clip: ClipFeatures,
  segments: readonly GridSegment[],
  trackId: number,
  prior: { mean: Float32Array; std: Float32Array },
): LipTrack {
  const perFrame = normalisedTrackFeatures(clip.frames, trackId, prior.mean, prior.std);
  const windows = segments.map((segment) => {
    const rows: (Float32Array | null)[] = [];
    for (let i = 0; i + WINDOW_FRAMES <= segment.frameIndices.length; i++) {
      const frames = segment.frameIndices.slice(i, i + WINDOW_FRAMES);
      const features = frames.map((f) => perFrame[f]);
      if (features.some((v) => v === null)) {
        rows.push(null);
        continue;
      }
      const row = new Float32Array(WINDOW_FRAMES * features[0]!.length);
      features.forEach((v, t) => row.set(v!, t * v!.length));
      rows.push(row);
    }
    return rows;
  });
  return { trackId, windows };
}

/** Embeds the non-null rows of a track with the embedded model's lip stream. */
export async function embedLipTrack(
  model: EmbeddedSyncModel,
  inputs: LipTrack,
  batchSize = 256,
): Promise<LipTrack> {
  const rows = inputs.windows.flat().filter((r): r is Float32Array => r !== null);
  let embedded: Float32Array[] = [];
  if (rows.length > 0) {
    const { frames, height, width, channels } = model.lipInput;
    // A row is the 5 frames' features time-major, i.e. one [5, 1, F, 1] window.
    const flat = new Float32Array(rows.length * rows[0].length);
    rows.forEach((row, n) => flat.set(row, n * row.length));
    const tensor = tf.tensor5d(flat, [rows.length, frames, height, width, channels]);
    embedded = await embedInBatches(tensor, (b) => model.embedLip(b), batchSize);
    tensor.dispose();
  }
  let k = 0;
  return {
    trackId: inputs.trackId,
    windows: inputs.windows.map((seg) => seg.map((r) => (r === null ? null : embedded[k++]))),
  };
}

export interface EvidenceRules {
  /** Face-plus-speech windows needed for a verdict. Default 75 (3 s on the 25-fps grid). */
  minEvidenceWindows: number;
  /** Fraction of a window's 20 MFCC rows that must be speech for it to count as evidence. Default 0.5. */
  speechFraction: number;
}

export const DEFAULT_EVIDENCE: EvidenceRules = { minEvidenceWindows: 75, speechFraction: 0.5 };

export interface VariantScore {
  /** Null when the variant cannot be judged. */
  result: CombinedOffset | null;
  reason?: CannotJudgeReason;
  /** Lip windows scored, and those of them with speech in their audio window. */
  windows: number;
  evidenceWindows: number;
}

/**
 * Scores a face track (lip embeddings per grid window) against an audio track over the
 * media-time range [fromS, toS]: MFCC of the cropped audio (mfccSyncnetV2 unless the model
 * needs another, e.g. mfccSyncnetV4), the windows
 * of each grid segment inside the range (windowsForSegment), audio embeddings with the
 * model, then searchOffsetRuns. Cannot-judge without audio, without speech, without a
 * face, or with fewer evidence windows than the rules ask.
 */
export async function scoreAudioVariant(
  model: SyncModel,
  segments: readonly GridSegment[],
  lip: LipTrack,
  audio: { startS: number; samples: Int16Array } | null,
  range: { fromS: number; toS: number },
  options: { rules?: EvidenceRules; mfcc?: (samples: Int16Array) => FeatureMatrix } = {},
): Promise<VariantScore> {
  const rules = options.rules ?? DEFAULT_EVIDENCE;
  if (!audio || audio.samples.length === 0)
    return { result: null, reason: 'no-audio', windows: 0, evidenceWindows: 0 };
  const cropped = cropAudio(audio.samples, audio.startS, range.fromS, range.toS);
  const speech = speechRows(frameLevelsDb(cropped.samples));
  if (!speech.includes(1)) return { result: null, reason: 'silent', windows: 0, evidenceWindows: 0 };
  const mfcc = (options.mfcc ?? mfccSyncnetV2)(cropped.samples);
  const runs: { lip: (Float32Array | null)[]; rowStarts: number[] }[] = [];
  let evidence = 0;
  segments.forEach((segment, s) => {
    const run = { lip: [] as (Float32Array | null)[], rowStarts: [] as number[] };
    for (const w of windowsForSegment(segment, cropped.startS, mfcc.rows)) {
      if (w.startTimeSec < range.fromS - 1e-6 || w.startTimeSec + WINDOW_FRAMES / 25 > range.toS + 1e-6)
        continue;
      const row = lip.windows[s]?.[w.gridStart] ?? null;
      run.lip.push(row);
      run.rowStarts.push(w.mfccRowStart);
      let speechRowsInWindow = 0;
      for (let r = w.mfccRowStart; r < w.mfccRowStart + 20; r++) speechRowsInWindow += speech[r] ?? 0;
      if (row && speechRowsInWindow >= rules.speechFraction * 20) evidence++;
    }
    if (run.lip.length > 0) runs.push(run);
  });
  const windows = runs.reduce((n, r) => n + r.lip.filter(Boolean).length, 0);
  if (windows === 0) return { result: null, reason: 'no-face', windows, evidenceWindows: 0 };
  if (evidence < rules.minEvidenceWindows)
    return { result: null, reason: 'too-short', windows, evidenceWindows: evidence };
  const embedded: { lip: (Float32Array | null)[]; audio: Float32Array[] }[] = [];
  for (const run of runs) {
    const tensor = mfccWindowTensor(mfcc, run.rowStarts);
    const audioRows = await embedInBatches(tensor, (b) => model.embedAudio(b), 256);
    tensor.dispose();
    embedded.push({ lip: run.lip, audio: audioRows });
  }
  return { result: searchOffsetRuns(embedded), windows, evidenceWindows: evidence };
}

/** Moves an audio track by `frames` grid frames: > 0 makes it lead the video (heard earlier). */
export function shiftAudio(
  audio: { startS: number; samples: Int16Array },
  frames: number,
): { startS: number; samples: Int16Array } {
  return { startS: audio.startS - frames / 25, samples: audio.samples };
}
