// A cached clip (features + one audio variant) as the decision's per-window evidence, so
// `npm run eval` and training's calibration judge exactly as the engine does: the same
// windows (windowsForSegment on the clip's 25-fps grid), the same calc_pdist rows
// (decision/build.ts), the same speech probability per window and lip activity per face.
import type { FeatureMatrix } from '../audio';
import { mfccSyncnetV2 } from '../audio';
import { speechProbabilities, windowSpeech } from '../audio/speech';
import type { ClipContext, WindowEvidence } from '../decision/evidence';
import { runEvidence, type RunTrack } from '../decision/build';
import { lipActivity, mouthOpening } from '../decision/lip-activity';
import type { ClipFeatures } from '../features';
import type { SyncModel } from '../models/types';
import { mfccWindowTensor, embedInBatches } from '../score';
import { windowsForSegment, WINDOW_FRAMES, WINDOW_MFCC_ROWS, type GridSegment } from '../sync/windows';
import { cropAudio, frameLevelsDb, speechRows } from './evidence';
import type { LipTrack } from './clip-score';

/** Speech probability of each window from the clip's 16 kHz audio: (samples, first MFCC row of each window) → one value per window. */
export type WindowSpeech = (samples: Int16Array, rowStarts: readonly number[]) => number[];

/** Per track, per frame of the clip: lip activity and face width (null where the face is absent). */
export interface FaceSeries {
  activity: (number | null)[];
  width: (number | null)[];
}

export function faceSeries(features: ClipFeatures, trackId: number): FaceSeries {
  const openings: (number | null)[] = [];
  const width: (number | null)[] = [];
  for (const frame of features.frames) {
    const face = frame.faces.find((f) => f.trackId === trackId);
    openings.push(face ? mouthOpening(face) : null);
    width.push(face ? face.box[2] : null);
  }
  return { activity: lipActivity(openings), width };
}

const meanOf = (values: readonly (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null);
  return present.length === values.length && present.length > 0
    ? present.reduce((a, b) => a + b, 0) / present.length
    : null;
};

/** What the engine would know of the clip (final), for the decision's gates. */
export function clipContext(features: ClipFeatures, audio: Int16Array | null): ClipContext {
  let peak = 0;
  if (audio) for (const v of audio) peak = Math.max(peak, Math.abs(v));
  const widths = features.frames.flatMap((f) => f.faces.map((face) => face.box[2])).sort((a, b) => a - b);
  const first = features.frames[0]?.t ?? 0;
  const last = features.frames.at(-1)?.t ?? 0;
  return {
    hasAudioTrack: audio !== null,
    audioPeak: peak,
    framesSeen: features.frames.length,
    framesWithFace: features.frames.filter((f) => f.faces.length > 0).length,
    largestFaceWidth: widths.length ? widths[widths.length >> 1] : 0,
    protectedContent: false,
    final: true,
    secondsSeen: last - first,
    // Every frame of a cached file was decoded.
    droppedFrameRatio: 0,
    lostFrameRatio: 0,
  };
}

/**
 * The clip's windows inside [fromS, toS] against one audio track: audio embedded with the
 * model, lip embeddings from `tracks` (per grid segment, per window start slot), calc_pdist
 * rows per face, speech probability per window.
 */
export async function clipWindowEvidence(
  model: SyncModel,
  features: ClipFeatures,
  segments: readonly GridSegment[],
  tracks: readonly LipTrack[],
  audio: { startS: number; samples: Int16Array },
  range: { fromS: number; toS: number },
  speechOf: WindowSpeech,
  mfcc: (samples: Int16Array) => FeatureMatrix = mfccSyncnetV2,
): Promise<WindowEvidence[]> {
  const cropped = cropAudio(audio.samples, audio.startS, range.fromS, range.toS);
  if (cropped.samples.length < WINDOW_MFCC_ROWS * 160) return [];
  const rows = mfcc(cropped.samples);
  const series = new Map(tracks.map((t) => [t.trackId, faceSeries(features, t.trackId)]));
  const shotOf = (frame: number) => features.frames[frame].shot;
  const out: WindowEvidence[] = [];
  for (const [s, segment] of segments.entries()) {
    const windows = windowsForSegment(segment, cropped.startS, rows.rows).filter(
      (w) => w.startTimeSec >= range.fromS - 1e-6 && w.startTimeSec + WINDOW_FRAMES / 25 <= range.toS + 1e-6,
    );
    if (windows.length === 0) continue;
    const rowStarts = windows.map((w) => w.mfccRowStart);
    const tensor = mfccWindowTensor(rows, rowStarts);
    const audioRows = await embedInBatches(tensor, (b) => model.embedAudio(b), 256);
    tensor.dispose();
    const runTracks: RunTrack[] = tracks.map((track) => {
      const face = series.get(track.trackId)!;
      return {
        trackId: track.trackId,
        lip: windows.map((w) => track.windows[s]?.[w.gridStart] ?? null),
        activity: windows.map((w) => meanOf(w.frameIndices.map((f) => face.activity[f]))),
        width: windows.map((w) => meanOf(w.frameIndices.map((f) => face.width[f]))),
      };
    });
    out.push(
      ...runEvidence({
        times: windows.map((w) => w.startTimeSec),
        shots: windows.map((w) => shotOf(w.frameIndices[0])),
        speech: speechOf(cropped.samples, rowStarts),
        audio: audioRows,
        tracks: runTracks,
      }),
    );
  }
  return out;
}

/**
 * The loudness rule the product used before the speech detector: the fraction of a
 * window's 20 MFCC rows that are loud relative to the clip (evidence.ts speechRows).
 * Kept for comparison in evaluation.
 */
export const loudnessSpeech: WindowSpeech = (samples, rowStarts) => {
  const rows = speechRows(frameLevelsDb(samples));
  return rowStarts.map((start) => {
    let n = 0;
    for (let r = start; r < start + WINDOW_MFCC_ROWS; r++) n += rows[r] ?? 0;
    return n / WINDOW_MFCC_ROWS;
  });
};

/** The product's speech detector (src/core/audio/speech.ts), as the engine applies it: the mean of a window's 20 rows. */
export const detectorSpeech: WindowSpeech = (samples, rowStarts) => {
  const probs = speechProbabilities(samples);
  return rowStarts.map((start) => windowSpeech(probs, start));
};
