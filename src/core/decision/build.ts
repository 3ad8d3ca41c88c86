// Per-window evidence from embeddings: the one place that turns a run of windows (lip
// embeddings per face, audio embeddings, speech probabilities, lip activity, shots) into
// WindowEvidence, for the engine and for `npm run eval` alike.
import { SYNCNET_VSHIFT, windowDistances } from '../sync/offset-search';
import { EVIDENCE_VSHIFT, type WindowEvidence } from './evidence';

/** One face track over a run of consecutive windows (null: the face is not in all 5 frames). */
export interface RunTrack {
  trackId: number;
  lip: readonly (Float32Array | null)[];
  /** Lip activity per window (mean over its frames), null where the face is absent. */
  activity: readonly (number | null)[];
  /** Face-box width per window (video px), null where absent. */
  width: readonly (number | null)[];
}

/** A run of consecutive windows on the 25-fps grid (one audio window per window; none straddles a seek). */
export interface WindowRun {
  times: readonly number[];
  shots: readonly number[];
  speech: readonly number[];
  audio: readonly (Float32Array | null)[];
  tracks: readonly RunTrack[];
}

/**
 * calc_pdist per face over the run (audio zero-padded past the run's ends), one record per
 * window: rows to ±vshift (wideDists), whose middle 31 are syncnet_python's (dists).
 */
export function runEvidence(run: WindowRun, vshift = EVIDENCE_VSHIFT): WindowEvidence[] {
  const shifts = 2 * vshift + 1;
  // Rows to ±15 or less (tests' small runs) are syncnet_python's rows themselves.
  const wider = vshift > SYNCNET_VSHIFT;
  const n = run.times.length;
  const out: WindowEvidence[] = run.times.map((t, i) => ({
    t,
    shot: run.shots[i],
    speech: run.speech[i],
    faces: [],
    audioAround: { before: Math.min(vshift, i), after: Math.min(vshift, n - 1 - i) },
  }));
  for (const track of run.tracks) {
    if (!track.lip.some((row) => row !== null)) continue;
    const dists = windowDistances(track.lip, run.audio, vshift);
    track.lip.forEach((row, i) => {
      if (!row) return;
      const wide = dists.slice(i * shifts, (i + 1) * shifts);
      out[i].faces.push({
        trackId: track.trackId,
        ...(wider
          ? { dists: wide.subarray(vshift - SYNCNET_VSHIFT, vshift + SYNCNET_VSHIFT + 1), wideDists: wide }
          : { dists: wide }),
        lipActivity: track.activity[i] ?? 0,
        faceWidth: track.width[i] ?? 0,
      });
    });
  }
  return out;
}
