// Two or more people, each in step with their own lips but not with each other's: a guest
// on a call recorded with a delay of their own, a turn edited in out of step. The clip's
// search pools every person's windows at one offset, so one person's sound 1 s late reads
// as their turn in another voice (tampering.ts's turn rule) or is outvoted by the others'
// matching speech (in sync). Here each person (face track; none crosses a cut) is searched
// on their own: within ±15 frames as syncnet_python's evaluate, and on to ±40 (far-offset.ts)
// when nothing matches firmly there.
import type { SyncSpan } from '../state';
import type { DecisionCalibration } from './calibration';
import type { DecisionPolicy } from './decide';
import { farMatch } from './far-offset';
import type { ScoredWindow } from './spans';
import { indicesByTrack, mergeSpans } from './tampering';
import {
  EVIDENCE_GAP_SECONDS,
  pooledSearch,
  probabilityOf,
  windowScores,
  type ClipSearch,
  type Vote,
} from './votes';

/** One person's own match. */
export interface OwnMatch {
  trackId: number;
  /** Their votes (for a far match, those whose sound at that offset exists). */
  votes: Vote[];
  search: ClipSearch;
  /** Calibrated p(mismatch) at their own offset. */
  p: number;
  /** Their votes' scores at their own offset (scale units). */
  scored: ScoredWindow[];
}

/** One person's votes searched on their own: evaluate's search, or the far match when it is firmer. */
export function ownMatch(
  votes: readonly Vote[],
  calibration: DecisionCalibration,
  policy: DecisionPolicy,
): OwnMatch {
  const trackId = votes[0].face.trackId;
  const search = pooledSearch(votes);
  const p = probabilityOf(votes, search, calibration);
  if (p > policy.firmMatchAt) {
    const far = farMatch(votes, calibration, policy.minEvidenceWindows);
    if (far && far.p < p)
      return { trackId, votes: far.votes, search: far.search, p: far.p, scored: far.scored };
  }
  return { trackId, votes: [...votes], search, p, scored: windowScores(votes, search, calibration.scale) };
}

/**
 * People in step with their own lips but not with each other's: face tracks with
 * minEvidenceWindows votes each whose own matches are firm (p ≤ firmMatchAt: with each
 * person searched apart, the pair has more chances to dip by chance than one search) at offsets more than `apartFrames` apart, one of them past what viewers
 * accept (`isShifted`). Returns every firmly matched person, the out-of-step one first (of
 * several, the one with most votes); null when there is no such pair.
 */
export function peopleApart(
  votes: readonly Vote[],
  calibration: DecisionCalibration,
  policy: DecisionPolicy,
  isShifted: (offsetFrames: number) => boolean,
  apartFrames: number,
): OwnMatch[] | null {
  const byTrack = indicesByTrack(votes);
  if (byTrack.size < 2) return null;
  const firm = [...byTrack.values()]
    .filter((indices) => indices.length >= policy.minEvidenceWindows)
    .map((indices) =>
      ownMatch(
        indices.map((i) => votes[i]),
        calibration,
        policy,
      ),
    )
    .filter((m) => m.p <= policy.firmMatchAt);
  const offset = (m: OwnMatch) => m.search.offsetFrames;
  const out = firm
    .filter((m) => isShifted(offset(m)))
    .sort((a, b) => b.votes.length - a.votes.length)
    .find((s) => firm.some((m) => Math.abs(offset(m) - offset(s)) > apartFrames));
  return out ? [out, ...firm.filter((m) => m !== out)] : null;
}

/**
 * Several people's timelines as one: their evidence spans in time order, each starting where
 * the one before ends (a gap of up to EVIDENCE_GAP_SECONDS bridged, as within one person's
 * run of votes), a longer gap in everyone's evidence shown as no evidence — the gaps each
 * person's own timeline shows while the others speak are not gaps.
 */
export function interleaveSpans(timelines: readonly (readonly SyncSpan[])[]): SyncSpan[] {
  const spans = timelines
    .flat()
    .filter((s) => s.outcome !== 'no-evidence')
    .sort((a, b) => a.start - b.start);
  const out: SyncSpan[] = [];
  for (const span of spans) {
    const last = out.at(-1);
    if (!last) {
      out.push({ ...span });
      continue;
    }
    if (span.end <= last.end) continue;
    if (span.start - last.end > EVIDENCE_GAP_SECONDS) {
      out.push({ start: last.end, end: span.start, outcome: 'no-evidence', confidence: 0 }, { ...span });
      continue;
    }
    out.push({ ...span, start: last.end });
  }
  return mergeSpans(out);
}
