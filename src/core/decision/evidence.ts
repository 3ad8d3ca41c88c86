// The evidence the decision is made from: one record per 25-fps window (0.2 s of picture
// and sound, one every 40 ms), whoever produced it — the live engine, the file page, the
// CLI, or `npm run eval` from cached features. Pure data.

import { GRID_FPS, WINDOW_FRAMES } from '../sync/windows';

/** Seconds of one window (SyncNet's 5 frames of the 25-fps grid) and between two windows. */
export const WINDOW_SECONDS = WINDOW_FRAMES / GRID_FPS;
export const WINDOW_STEP = 1 / GRID_FPS;

/**
 * Offsets (frames each way) the evidence rows reach: syncnet_python's ±15 (0.6 s) decide as
 * the reference does, and the rows go on to ±40 (1.6 s) so that sound far out of step is
 * found as such rather than taken for another voice (far-offset.ts).
 */
export const EVIDENCE_VSHIFT = 40;

/** One visible face in one window. */
export interface FaceWindow {
  /** Face track id; the tracker never carries an id across a shot change. */
  trackId: number;
  /**
   * syncnet_python calc_pdist's row for this window: the distance between this face's lip
   * embedding and the audio window i + k − vshift, k = 0…2·vshift (31 values; audio past
   * the run's ends is zero-padded as in calc_pdist).
   */
  dists: Float32Array;
  /**
   * The same row on to ±EVIDENCE_VSHIFT (81 values, audio window i + k − EVIDENCE_VSHIFT);
   * `dists` is its middle. Absent: only the 31 are known (no far search).
   */
  wideDists?: Float32Array;
  /** How much the lips move around this window (lipActivity() of the landmarks; 0 = still). */
  lipActivity: number;
  /** Face box width in video pixels. */
  faceWidth: number;
}

export interface WindowEvidence {
  /** Media time of the window's first frame (s). */
  t: number;
  /** Shot index (increments at a cut, a seek or a source change). */
  shot: number;
  /** Probability that the window's 0.2 s of sound holds speech (0–1). */
  speech: number;
  /** Faces visible in all 5 frames of the window (within one shot). */
  faces: FaceWindow[];
  /**
   * Audio windows of its run before and after this one, up to EVIDENCE_VSHIFT: an offset past them
   * compares the lips with calc_pdist's zero padding, not with sound. Absent: not known
   * (every offset taken as sound).
   */
  audioAround?: { before: number; after: number };
}

/** What is known about the clip as a whole, beyond the windows. */
export interface ClipContext {
  /** null: not known yet (live, before any audio arrived). */
  hasAudioTrack: boolean | null;
  /** Largest |sample| seen (int16 scale). */
  audioPeak: number;
  framesSeen: number;
  framesWithFace: number;
  /** Median width (video px) of the largest face track, 0 without faces. */
  largestFaceWidth: number;
  /** Frames were readable but black / protected (EME). */
  protectedContent: boolean;
  /** Final (file finished) or provisional (live, more may come). */
  final: boolean;
  /** Media seconds observed so far. */
  secondsSeen: number;
  /** Share of the source's frames that never reached the engine, stalls left out (frame-drops.ts), 0–1. */
  droppedFrameRatio: number;
  /** The same with the frames lost in stalls, 0–1. */
  lostFrameRatio: number;
}

/** Does the window's audio at this offset (audio window i − offsetFrames) lie inside its run? */
export function readsSound(window: WindowEvidence, offsetFrames: number): boolean {
  const around = window.audioAround;
  return !around || (offsetFrames <= around.before && -offsetFrames <= around.after);
}

/**
 * The indices [lo, hi) of a window's wide row (wideDists) whose sound exists (readsSound:
 * offset EVIDENCE_VSHIFT − k within the window's audioAround); past them the row compares
 * the lips with calc_pdist's zero padding.
 */
export function soundRange(window: WindowEvidence): { lo: number; hi: number } {
  const around = window.audioAround;
  if (!around) return { lo: 0, hi: 2 * EVIDENCE_VSHIFT + 1 };
  return {
    lo: Math.max(0, EVIDENCE_VSHIFT - around.before),
    hi: Math.min(2 * EVIDENCE_VSHIFT + 1, EVIDENCE_VSHIFT + around.after + 1),
  };
}

/**
 * Windows of two viewings this close in media time (s) show one moment: a replay of the
 * same frames lies at 0, a tab capture's (its frames on its own grid) within half a step;
 * a moment the first viewing missed lies a whole step or more from every window it kept.
 */
const SAME_MOMENT_SECONDS = 0.75 * WINDOW_STEP;

/**
 * The windows with each moment of the media once. A live check sees a moment again when
 * the video loops or the viewer seeks back: that is the same evidence once more, not more
 * evidence — the calibration counts windows as independent observations (its √windows
 * term, calibration.ts), so a 12-s loop watched five times would weigh a chance dip five
 * times over. A replay only fills moments the first viewing missed (frames lost, no face
 * found then). Per moment: the first window with a face, else the first; in time order.
 * Viewings are told apart by shot (a seek or a loop starts a new one; within a shot, time
 * only moves on). `mediaTimeOf`: the media time of a window's time (a tab capture's wall
 * clock → the page's media time); the time itself when absent. Only for live checks (a
 * file's segments may reuse times for other pictures).
 */
export function onePerMoment(
  windows: readonly WindowEvidence[],
  mediaTimeOf: (t: number) => number = (t) => t,
): WindowEvidence[] {
  // Runs on every live update over up to a minute of windows: a map of 40-ms buckets, no copies.
  const byBucket = new Map<number, { window: WindowEvidence; moment: number }[]>();
  const kept = new Set<WindowEvidence>();
  const seenAt = (window: WindowEvidence, moment: number, bucket: number) => {
    for (let b = bucket - 1; b <= bucket + 1; b++) {
      for (const seen of byBucket.get(b) ?? []) {
        if (seen.window.shot !== window.shot && Math.abs(seen.moment - moment) < SAME_MOMENT_SECONDS)
          return seen;
      }
    }
    return null;
  };
  for (const window of windows) {
    const moment = mediaTimeOf(window.t);
    const bucket = Math.round(moment / WINDOW_STEP);
    const same = seenAt(window, moment, bucket);
    if (!same) {
      const list = byBucket.get(bucket);
      if (list) list.push({ window, moment });
      else byBucket.set(bucket, [{ window, moment }]);
    } else if (same.window.faces.length === 0 && window.faces.length > 0) {
      kept.delete(same.window);
      same.window = window;
    } else {
      continue;
    }
    kept.add(window);
  }
  return [...kept].sort((a, b) => a.t - b.t);
}
