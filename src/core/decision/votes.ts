// The voting windows and what the decision reads off them: the pooled offset search
// (syncnet_python's evaluate over the votes), its calibrated p(mismatch), and each window's
// score at the clip's offset. Shared by the decision (decide.ts), the tampering rules
// (tampering.ts) and the evaluation.
import { combineSearches, SYNCNET_VSHIFT, type CombinedOffset } from '../sync/offset-search';
import { mismatchProbability, type DecisionCalibration } from './calibration';
import { WINDOW_SECONDS, type FaceWindow, type WindowEvidence } from './evidence';
import type { ScoredWindow } from './spans';

/** A window that votes, with the face its voice is given to. */
export interface Vote {
  window: WindowEvidence;
  face: FaceWindow;
}

/** The pooled search: evaluate's figures over the voting windows. */
export type ClipSearch = CombinedOffset;

/** evaluate's mean over windows per offset, then min (first on ties), lower median and conf (combineSearches). */
export function pooledSearch(votes: readonly Vote[]): ClipSearch {
  const shifts = 2 * SYNCNET_VSHIFT + 1;
  const sums = new Float64Array(shifts);
  for (const { face } of votes) for (let k = 0; k < shifts; k++) sums[k] += face.dists[k];
  const meanDists = Float32Array.from(sums, (s) => s / votes.length);
  return combineSearches([{ meanDists, windowCount: votes.length, vshift: SYNCNET_VSHIFT }]);
}

/** Mean speech probability of the voting windows. */
export function meanSpeech(votes: readonly Vote[]): number {
  return votes.reduce((sum, v) => sum + v.window.speech, 0) / Math.max(1, votes.length);
}

/** The calibrated p(mismatch) of a set of votes and its pooled search. */
export function probabilityOf(
  votes: readonly Vote[],
  search: ClipSearch,
  calibration: DecisionCalibration,
): number {
  return mismatchProbability(calibration, search.confidence, votes.length, meanSpeech(votes));
}

/** Per voting window: its time and syncnet's fconf at the clip's offset, in calibration units. */
export function windowScores(votes: readonly Vote[], search: ClipSearch, scale: number): ScoredWindow[] {
  const k = SYNCNET_VSHIFT - search.offsetFrames;
  return votes.map(({ window, face }) => ({
    t: window.t,
    score: (search.medianDist - face.dists[k]) / scale,
  }));
}

/** More than this many seconds without a vote is a gap in the evidence (the timeline's no-evidence). */
export const EVIDENCE_GAP_SECONDS = 1;

/** The stretches of media time the votes (in time order) cover, split at each gap in the evidence. */
export function voteRuns(votes: readonly Vote[]): { start: number; end: number }[] {
  const runs: { start: number; end: number }[] = [];
  for (const { window } of votes) {
    const last = runs.at(-1);
    const end = window.t + WINDOW_SECONDS;
    if (last && window.t - last.end <= EVIDENCE_GAP_SECONDS) last.end = end;
    else runs.push({ start: window.t, end });
  }
  return runs;
}
