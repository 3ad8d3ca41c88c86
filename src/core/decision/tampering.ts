// Tampering inside speech that otherwise matches: a stretch of one person's speech in
// another voice (the scan of scan.ts), or one person's whole turn in another voice; and
// how the timeline marks them.
import type { SpanOutcome, SyncSpan } from '../state';
import type { DecisionCalibration } from './calibration';
import type { DecisionPolicy } from './decide';
import { readsSound, WINDOW_SECONDS, WINDOW_STEP } from './evidence';
import { farMatch } from './far-offset';
import { stretchThreshold, worstStretch } from './scan';
import { blockLogOdds, blocksOf, type ScoredWindow } from './spans';
import { pooledSearch, probabilityOf, voteRuns, type Vote } from './votes';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * A stretch of one person's speech, or one person's whole turn, that does not match while
 * the rest does (weakestStretch, weakestTurn).
 */
export interface Weakness {
  /** Where, as mismatch spans in media time. */
  spans: SyncSpan[];
  /** How sure it does not match: a turn's own p(mismatch), a stretch's block likelihood ratio. */
  p: number;
  /** A turn's votes' match past ±15 frames (far-offset.ts) when it reaches p ≤ farMatchAt: that person's sound far out of step, perhaps. */
  far: { offsetFrames: number; p: number } | null;
  /**
   * It falls as far below the rest as tampering must (scan.ts's threshold at
   * policy.stretchZAt): only then can it be called another voice. Short of it (from
   * stretchDoubtZ or turnDoubtZ) it only keeps the clip from being called in sync.
   */
  firm: boolean;
}

/**
 * The stretch of one person's speech that falls furthest below the rest of that person's
 * speech at the clip's offset (scan.ts), when it passes the bar for doubt, that person's
 * other speech clearly matches, and the stretch matches at no offset of its own (another
 * speaker whose recording is offset differently, a stretch re-timed in editing, is not
 * another voice). Each face track is scanned on its own: two people in turn are each judged
 * on their own turns, so a weaker turn is not mistaken for tampering against a stronger one.
 * Its confidence is the calibration's likelihood ratio mismatch : match over its one-second
 * blocks, as for every span.
 */
export function weakestStretch(
  votes: readonly Vote[],
  scores: readonly ScoredWindow[],
  offsetFrames: number,
  calibration: DecisionCalibration,
  policy: DecisionPolicy,
): Weakness | null {
  // A window whose sound at the clip's offset lies past its run's end is compared with
  // calc_pdist's zero padding: a stretch of them at a run's start or end is no evidence.
  const byTrack = indicesByTrack(votes, (v) => readsSound(v.window, offsetFrames));
  // More tracks, more stretches tried: the threshold counts every scanned window.
  const scanned = [...byTrack.values()].reduce((n, list) => n + list.length, 0);
  const threshold = stretchThreshold(policy.stretchZAt, scanned * WINDOW_STEP);
  const doubtAt = stretchThreshold(policy.stretchDoubtZ, scanned * WINDOW_STEP);
  let found: Weakness | null = null;
  let foundZ = -Infinity;
  for (const indices of byTrack.values()) {
    const own = indices.map((i) => votes[i]);
    const scored = indices.map((i) => scores[i]);
    const stretch = worstStretch(scored, calibration.window.sd, {
      minSeconds: policy.minSpanSeconds,
      minRestWindows: policy.minRestWindows,
    });
    if (!stretch || stretch.z < doubtAt || stretch.z <= foundZ) continue;
    const inside = own.slice(stretch.from, stretch.to);
    const rest = [...own.slice(0, stretch.from), ...own.slice(stretch.to)];
    if (!matches(rest, calibration, policy) || matches(inside, calibration, policy)) continue;
    const logOdds = blocksOf(scored.slice(stretch.from, stretch.to)).reduce(
      (sum, b) => sum + blockLogOdds(b.mean, calibration),
      0,
    );
    const p = sigmoid(logOdds);
    const span: SyncSpan = {
      start: inside[0].window.t,
      end: inside.at(-1)!.window.t + WINDOW_SECONDS,
      outcome: 'mismatch',
      confidence: p,
    };
    found = { spans: [span], p, far: null, firm: stretch.z >= threshold };
    foundZ = stretch.z;
  }
  return found;
}

/**
 * Two or more people in turn, one of whose turns does not match: the face track whose
 * windows fall furthest below the others' at the clip's offset (z as in scan.ts, the track
 * as the stretch) past policy.turnDoubtZ (raised with the evidence as the scan's is),
 * while the other tracks' speech matches on its own (p ≤ matchAt, minRestWindows) and the
 * track's own votes (at least minEvidenceWindows) do not match on their own search
 * (p > matchAt). It is `firm` when z reaches a tampered stretch's threshold (counted over
 * every window); then at p ≥ mismatchAt the turn is another voice (decide.ts: mismatch).
 * Otherwise the clip cannot be called in sync. Tracks are never carried across a cut, so
 * one person in several shots is several tracks, each held to the same bar; a person
 * recorded with an offset of their own matches there and is not a turn.
 */
export function weakestTurn(
  votes: readonly Vote[],
  scores: readonly ScoredWindow[],
  calibration: DecisionCalibration,
  policy: DecisionPolicy,
): Weakness | null {
  const byTrack = indicesByTrack(votes);
  if (byTrack.size < 2) return null;
  const threshold = stretchThreshold(policy.stretchZAt, votes.length * WINDOW_STEP);
  const doubtAt = stretchThreshold(policy.turnDoubtZ, votes.length * WINDOW_STEP);
  const total = scores.reduce((sum, s) => sum + s.score, 0);
  let found: (Weakness & { z: number }) | null = null;
  for (const [trackId, indices] of byTrack) {
    if (indices.length < policy.minEvidenceWindows) continue;
    const inside = indices.reduce((sum, i) => sum + scores[i].score, 0);
    const restCount = votes.length - indices.length;
    const meanOut = (total - inside) / Math.max(1, restCount);
    const z =
      ((meanOut - inside / indices.length) * Math.sqrt(indices.length * WINDOW_STEP)) / calibration.window.sd;
    if (z < doubtAt || (found && z <= found.z) || restCount < policy.minRestWindows) continue;
    const own = indices.map((i) => votes[i]);
    const p = probabilityOf(own, pooledSearch(own), calibration);
    if (p <= policy.matchAt) continue;
    const rest = votes.filter((v) => v.face.trackId !== trackId);
    if (!matches(rest, calibration, policy)) continue;
    const far = farMatch(own, calibration, policy.minEvidenceWindows);
    found = {
      spans: voteRuns(own).map((run) => ({ ...run, outcome: 'mismatch', confidence: p })),
      p,
      far: far && far.p <= policy.farMatchAt ? { offsetFrames: far.search.offsetFrames, p: far.p } : null,
      firm: z >= threshold,
      z,
    };
  }
  return found && { spans: found.spans, p: found.p, far: found.far, firm: found.firm };
}

/** Indices of the votes (those `include` keeps) per face track. */
export function indicesByTrack(
  votes: readonly Vote[],
  include: (v: Vote) => boolean = () => true,
): Map<number, number[]> {
  const byTrack = new Map<number, number[]>();
  votes.forEach((v, i) => {
    if (!include(v)) return;
    const list = byTrack.get(v.face.trackId);
    if (list) list.push(i);
    else byTrack.set(v.face.trackId, [i]);
  });
  return byTrack;
}

/** Do these votes on their own show the voice belonging to the lips (p ≤ matchAt)? */
function matches(votes: readonly Vote[], calibration: DecisionCalibration, policy: DecisionPolicy): boolean {
  return votes.length > 0 && probabilityOf(votes, pooledSearch(votes), calibration) <= policy.matchAt;
}

/** The timeline of a voice that belongs to the lips: the model's weaker stretches are shown as matched, with their confidence turned round. */
export function asMatched(segments: readonly SyncSpan[], matched: SpanOutcome): SyncSpan[] {
  return mergeSpans(
    segments.map((s) =>
      s.outcome === 'mismatch' ? { ...s, outcome: matched, confidence: 1 - s.confidence } : s,
    ),
  );
}

/** The segments with the tampered stretch cut in (no-evidence gaps stay gaps). */
export function markStretch(segments: readonly SyncSpan[], stretch: SyncSpan): SyncSpan[] {
  const out: SyncSpan[] = [];
  for (const s of segments) {
    if (s.outcome === 'no-evidence' || s.end <= stretch.start || s.start >= stretch.end) {
      out.push(s);
      continue;
    }
    if (s.start < stretch.start) out.push({ ...s, end: stretch.start });
    out.push({ ...stretch, start: Math.max(s.start, stretch.start), end: Math.min(s.end, stretch.end) });
    if (s.end > stretch.end) out.push({ ...s, start: stretch.end });
  }
  return mergeSpans(out);
}

export function mergeSpans(spans: readonly SyncSpan[]): SyncSpan[] {
  const out: SyncSpan[] = [];
  for (const span of spans) {
    const last = out.at(-1);
    if (last && last.outcome === span.outcome && span.start - last.end < 1e-6)
      out[out.length - 1] = {
        ...last,
        end: span.end,
        confidence: Math.min(last.confidence, span.confidence),
      };
    else out.push({ ...span });
  }
  return out;
}
