// Sound far out of step. syncnet_python searches ±15 frames (0.6 s); a genuine file whose
// sound is further off matches at none of them and looks like another voice. The evidence
// rows reach ±EVIDENCE_VSHIFT (evidence.ts), and when the clip does not match within ±15
// this search looks further: the mean distance per offset over the votes, each window
// counted only where its sound at that offset exists (calc_pdist's zero padding would
// weigh the far offsets of a short run with distances to silence) and measured from its
// own typical distance (so that the different subsets of windows the offsets average over
// do not differ by which windows they hold), then evaluate's figures — offset of the
// minimum, confidence = median − min — over those means. With the same windows at every
// offset this is evaluate's confidence exactly.
//
// A swapped voice has more chances to dip by chance over 81 offsets than over 31, so a far
// match is held to a firmer bar than a shifted one within ±15 (policy.firmMatchAt); the evaluation's
// far-shift and swap variants measure both sides (docs/evaluation.md).
import { torchMedian } from '../numeric';
import { SYNCNET_VSHIFT } from '../sync/offset-search';
import type { DecisionCalibration } from './calibration';
import { EVIDENCE_VSHIFT, soundRange } from './evidence';
import type { ScoredWindow } from './spans';
import { probabilityOf, soundSums, type ClipSearch, type Vote } from './votes';

export interface FarMatch {
  /** The search at the far offset, evaluate's figures over the wide means. */
  search: ClipSearch;
  /** Calibrated p(mismatch) of the far match. */
  p: number;
  /** The votes whose sound at the far offset exists, and their scores there (scale units). */
  votes: Vote[];
  scored: ScoredWindow[];
}

/**
 * The best match past ±15 frames, or null when the votes carry no wide rows, the best
 * offset lies within ±15 (the ordinary search's), or too few windows reach it.
 */
export function farMatch(
  votes: readonly Vote[],
  calibration: DecisionCalibration,
  minWindows: number,
): FarMatch | null {
  if (votes.some((v) => !v.face.wideDists)) return null;
  const shifts = 2 * EVIDENCE_VSHIFT + 1;
  const ranges = votes.map(({ window }) => soundRange(window));
  // Each far offset averages a different subset of windows (those whose sound there exists):
  // measured from each window's own typical distance (its row's median over that range), a
  // subset without the run's loudest or quietest windows does not dip by that alone.
  const baselines = votes.map(({ face }, v) =>
    torchMedian(face.wideDists!.subarray(ranges[v].lo, ranges[v].hi)),
  );
  const { sums, counts } = soundSums(votes, baselines);
  const padded = new Float64Array(shifts);
  for (const { face } of votes) for (let k = 0; k < shifts; k++) padded[k] += face.wideDists![k];
  const means: number[] = [];
  let argmin = -1;
  for (let k = 0; k < shifts; k++) {
    if (counts[k] < minWindows) continue;
    const mean = sums[k] / counts[k];
    means.push(mean);
    if (argmin < 0 || mean < sums[argmin] / counts[argmin]) argmin = k;
  }
  const offsetFrames = EVIDENCE_VSHIFT - argmin;
  if (argmin < 0 || Math.abs(offsetFrames) <= SYNCNET_VSHIFT) return null;
  const minRelative = sums[argmin] / counts[argmin];
  const medianRelative = torchMedian(Float32Array.from(means));
  const confidence = medianRelative - minRelative;
  // Shown as calc_pdist's means (the curve), the confidence as measured.
  const meanDists = Float32Array.from(padded, (s) => s / votes.length);
  const search: ClipSearch = {
    offsetFrames,
    minDist: meanDists[argmin],
    medianDist: meanDists[argmin] + confidence,
    confidence,
    meanDists,
    windowCount: counts[argmin],
  };
  const reaching: Vote[] = [];
  const scored: ScoredWindow[] = [];
  votes.forEach((vote, v) => {
    if (argmin < ranges[v].lo || argmin >= ranges[v].hi) return;
    reaching.push(vote);
    const relative = vote.face.wideDists![argmin] - baselines[v];
    scored.push({ t: vote.window.t, score: (medianRelative - relative) / calibration.scale });
  });
  return { search, p: probabilityOf(reaching, search, calibration), votes: reaching, scored };
}
