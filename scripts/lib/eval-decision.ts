// Judging evaluation variants with the product's own decision (src/core/decision), and
// fitting the decision's calibration on speaker-held-out folds.
import {
  calibrationFeatures,
  defaultCalibration,
  fitLogistic,
  mismatchProbability,
  type DecisionCalibration,
  type MatchFigures,
} from '../../src/core/decision/calibration';
import { collectVotes, decide, DEFAULT_DECISION_POLICY, type Decision } from '../../src/core/decision/decide';
import { farMatch } from '../../src/core/decision/far-offset';
import { matchFigures, pooledSearch, windowScores } from '../../src/core/decision/votes';
import type { ClipContext, WindowEvidence } from '../../src/core/decision/evidence';
import type { GridSegment } from '../../src/core/sync/windows';
import { clipContext, clipWindowEvidence, type WindowSpeech } from '../../src/core/train/clip-evidence';
import { clipGrid } from '../../src/core/train/clip-score';
import { verdictOf, type SyncState, type Verdict } from '../../src/core/state';
import type { ClipScorer, EvalClip } from './eval-folds';
import { SHIFTS, type Variant } from './eval-variants';
import { blocksOf, MIN_BLOCK_WINDOWS, type ScoredWindow } from '../../src/core/decision/spans';

/** One variant's evidence, before any calibration. */
export interface Evidenced {
  clip: EvalClip;
  fold: number;
  variant: Variant;
  windows: WindowEvidence[];
  /** Voting windows. */
  votes: number;
  /** Per voting window: its time and fconf at the clip's offset in scale units. */
  scores: ScoredWindow[];
  /**
   * What the calibration reads off the pooled search over the votes (votes.ts matchFigures:
   * SyncNet's confidence, speech, the dip below the far level), null without enough votes.
   */
  figures: MatchFigures | null;
  /** Frames lost on the way (eval-lost-frames.ts): the shares the engine would count; absent: none. */
  frameLoss?: Pick<ClipContext, 'droppedFrameRatio' | 'lostFrameRatio'>;
}

/** What the engine would know of the variant's clip at its end (clipContext, with any frames lost). */
export const evidencedContext = (e: Evidenced): ClipContext => ({
  ...clipContext(e.clip.features, e.variant.audio.samples),
  ...e.frameLoss,
});

export async function evidenceFor(
  clip: EvalClip,
  fold: number,
  variant: Variant,
  scorer: ClipScorer,
  speechOf: WindowSpeech,
  tracks: Awaited<ReturnType<ClipScorer['lipTracks']>>,
  segments: GridSegment[] = clipGrid(clip.features),
): Promise<Evidenced> {
  const windows = await clipWindowEvidence(
    scorer.model,
    clip.features,
    segments,
    tracks,
    variant.audio,
    variant.range,
    speechOf,
    scorer.mfcc,
  );
  const votes = collectVotes(windows);
  if (votes.length < DEFAULT_DECISION_POLICY.minEvidenceWindows)
    return { clip, fold, variant, windows, votes: votes.length, scores: [], figures: null };
  const search = pooledSearch(votes);
  const scores = windowScores(votes, search, scorer.scale);
  return {
    clip,
    fold,
    variant,
    windows,
    votes: votes.length,
    scores,
    figures: matchFigures(votes, search),
  };
}

/**
 * Variants whose clip-level label is known — lips and voice match (0) or do not (1) — and
 * their weight in the fit: per clip, its own audio and its speech under music count once
 * each, its 24 shifts once together, its 3 swaps three times together, so no clip and no
 * kind of variant outweighs the others and the two labels weigh the same.
 */
export function clipLabel(e: Pick<Evidenced, 'variant'>): { label: 0 | 1; weight: number } | null {
  if (e.variant.kind === 'swap') return { label: 1, weight: 1 };
  if (e.variant.kind === 'real' || e.variant.kind === 'under-music') return { label: 0, weight: 1 };
  if (e.variant.kind === 'shift') return { label: 0, weight: 1 / SHIFTS.length };
  return null;
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);

/** Fits the logistic calibration and the per-window match statistics on `samples`. */
export function fitCalibration(
  samples: readonly Evidenced[],
  scale: number,
  fittedOn: string,
): DecisionCalibration {
  const rows: number[][] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  const match: number[] = [];
  const mismatch: number[] = [];
  const blockMeans = (e: Evidenced) =>
    blocksOf(e.scores)
      .filter((b) => b.to - b.from >= MIN_BLOCK_WINDOWS)
      .map((b) => b.mean);
  for (const e of samples) {
    const known = clipLabel(e);
    if (known === null || e.figures === null) continue;
    rows.push(calibrationFeatures(e.figures, scale));
    labels.push(known.label);
    weights.push(known.weight);
    if (e.variant.kind === 'real') match.push(...blockMeans(e));
    if (e.variant.kind === 'swap') mismatch.push(...blockMeans(e));
  }
  if (!labels.includes(0) || !labels.includes(1))
    throw new Error('calibration needs judged genuine and swapped variants');
  const matchMean = mean(match);
  const mismatchMean = mean(mismatch);
  const variance =
    (mean(match.map((s) => (s - matchMean) ** 2)) * match.length +
      mean(mismatch.map((s) => (s - mismatchMean) ** 2)) * mismatch.length) /
    (match.length + mismatch.length);
  const coefficients = fitLogistic(rows, labels, weights).map((c) => Math.round(c * 1e6) / 1e6);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    scale,
    coefficients,
    window: {
      matchMean: round(matchMean),
      mismatchMean: round(mismatchMean),
      sd: round(Math.sqrt(variance)),
    },
    fittedOn,
  };
}

/** fitCalibration, or the default calibration (saying why) when the samples cannot support a fit. */
export function fitOrDefault(
  samples: readonly Evidenced[],
  scale: number,
  fittedOn: string,
): DecisionCalibration {
  try {
    return fitCalibration(samples, scale, fittedOn);
  } catch (error) {
    return {
      ...defaultCalibration(scale),
      fittedOn: `default: ${error instanceof Error ? error.message : error}`,
    };
  }
}

export interface Judged extends Evidenced {
  decision: Decision;
  verdict: Verdict;
  pMismatch: number | null;
  /** The clip-level p(mismatch) from the pooled search alone (before spans). */
  clipP: number | null;
  /** The best match past ±15 frames (far-offset.ts) whether or not the decision used it. */
  far: { offsetFrames: number; p: number } | null;
}

export function judge(e: Evidenced, calibration: DecisionCalibration): Judged {
  const decision = decide(e.windows, evidencedContext(e), calibration);
  const state: SyncState = decision.state;
  const evidence =
    state.status === 'in-sync' ||
    state.status === 'shifted' ||
    state.status === 'mismatch' ||
    state.status === 'cannot-judge'
      ? (state as { evidence?: { pMismatch: number } }).evidence
      : undefined;
  const clipP = e.figures === null ? null : mismatchProbability(calibration, e.figures);
  const far = farMatch(collectVotes(e.windows), calibration, DEFAULT_DECISION_POLICY.minEvidenceWindows);
  return {
    ...e,
    decision,
    verdict: verdictOf(state) ?? 'cannot-judge',
    pMismatch: evidence?.pMismatch ?? null,
    clipP,
    far: far && { offsetFrames: far.search.offsetFrames, p: Math.round(far.p * 1e4) / 1e4 },
  };
}
