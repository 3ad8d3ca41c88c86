// The voting windows and what the decision reads off them: the pooled offset search
// (syncnet_python's evaluate over the votes), its calibrated p(mismatch), and each window's
// score at the clip's offset. Shared by the decision (decide.ts), the tampering rules
// (tampering.ts) and the evaluation.
import { combineSearches, SYNCNET_VSHIFT, type CombinedOffset } from '../sync/offset-search';
import { torchMedian } from '../numeric';
import { mismatchProbability, type DecisionCalibration, type MatchFigures } from './calibration';
import {
  EVIDENCE_VSHIFT,
  soundRange,
  WINDOW_SECONDS,
  type FaceWindow,
  type WindowEvidence,
} from './evidence';
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

/**
 * Per index k of the wide rows (offset EVIDENCE_VSHIFT − k): the sum of the votes' distances
 * over the votes whose sound there exists (evidence.ts soundRange), each less its
 * `baselines` entry when given, and how many votes that is. Callers check for wide rows.
 */
export function soundSums(
  votes: readonly Vote[],
  baselines?: readonly number[],
): { sums: Float64Array; counts: Int32Array } {
  const shifts = 2 * EVIDENCE_VSHIFT + 1;
  const sums = new Float64Array(shifts);
  const counts = new Int32Array(shifts);
  votes.forEach(({ window, face }, v) => {
    const row = face.wideDists!;
    const base = baselines?.[v] ?? 0;
    const { lo, hi } = soundRange(window);
    for (let k = lo; k < hi; k++) {
      sums[k] += row[k] - base;
      counts[k]++;
    }
  });
  return { sums, counts };
}

/**
 * The lips' typical distance to their own sound far out of step: the median, over the
 * offsets past ±15 frames (0.6 s), of the mean distance of the votes whose sound there
 * exists (offsets that fewer than half of them reach are left out). Speech that far away
 * shares nothing with the lips, so this is what a voice that does not belong to them
 * measures, for these lips; one far offset that matches (a file far out of step) moves the
 * median little. Null without wide rows (evidence.ts).
 */
export function farLevel(votes: readonly Vote[]): number | null {
  if (votes.length === 0 || votes.some((v) => !v.face.wideDists)) return null;
  const { sums, counts } = soundSums(votes);
  const means: number[] = [];
  for (let k = 0; k < sums.length; k++) {
    const far = Math.abs(EVIDENCE_VSHIFT - k) > SYNCNET_VSHIFT;
    if (far && counts[k] > 0 && 2 * counts[k] >= votes.length) means.push(sums[k] / counts[k]);
  }
  return means.length > 0 ? torchMedian(Float32Array.from(means)) : null;
}

/** What the calibration reads off a set of votes and their search (calibration.ts). */
export function matchFigures(votes: readonly Vote[], search: ClipSearch): MatchFigures {
  const level = farLevel(votes);
  return {
    confidence: search.confidence,
    windows: votes.length,
    speech: meanSpeech(votes),
    ...(level === null ? {} : { farDepth: level - search.minDist }),
  };
}

/** The calibrated p(mismatch) of a set of votes and its pooled search. */
export function probabilityOf(
  votes: readonly Vote[],
  search: ClipSearch,
  calibration: DecisionCalibration,
): number {
  return mismatchProbability(calibration, matchFigures(votes, search));
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
