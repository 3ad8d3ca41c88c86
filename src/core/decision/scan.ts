// Partial tampering: a stretch of another voice inside speech that otherwise matches the
// lips. A scan statistic (Kulldorff's scan, in time) over every stretch of a few seconds:
// how far the stretch's windows fall below the rest at the clip's offset (their fconf,
// syncnet_python's per-window confidence), in units of the stretch's own noise — the
// calibration measures the spread `sd` of one-second block means, so a stretch of s seconds
// has noise sd/√s. The most extreme stretch is the candidate.
//
// The more stretches a clip offers, the larger the most extreme one is by chance alone: up
// to REFERENCE_SECONDS of votes the threshold is the policy's z; past that it rises so that
// the chance of passing it stays what it is at REFERENCE_SECONDS (a Bonferroni correction
// for the extra positions), and a long genuine video is not more likely to be called FAKE.
import { WINDOW_SECONDS, WINDOW_STEP } from './evidence';
import type { ScoredWindow } from './spans';

/** A stretch of voting windows [from, to) and how far it falls below the rest (z). */
export interface Stretch {
  from: number;
  to: number;
  z: number;
}

export interface ScanOptions {
  /** Shortest stretch (s). */
  minSeconds: number;
  /** Windows the rest must keep to stand as the reference. */
  minRestWindows: number;
}

/** Candidate stretches start every this many windows (0.2 s). */
const START_STEP = 5;
/** Evidence (s of votes) at which the threshold is the policy's z. */
export const REFERENCE_SECONDS = 10;

/** Stretch lengths: minSeconds × 1, 1.25, 1.5, 1.75, 2, then × 1.25 each up to half the evidence. */
export function stretchLengths(minSeconds: number, evidenceSeconds: number): number[] {
  const lengths = [1, 1.25, 1.5, 1.75, 2].map((f) => f * minSeconds);
  for (let l = 2.5 * minSeconds; l <= evidenceSeconds / 2; l *= 1.25) lengths.push(l);
  return lengths;
}

/**
 * The stretch (windows in time order, at least half present) whose mean score falls
 * furthest below the rest's, as z = (rest − stretch) · √(stretch seconds) / sd; null when
 * no stretch leaves enough windows outside it.
 */
export function worstStretch(windows: readonly ScoredWindow[], sd: number, o: ScanOptions): Stretch | null {
  const n = windows.length;
  const cumulative = new Float64Array(n + 1);
  windows.forEach((w, i) => (cumulative[i + 1] = cumulative[i] + w.score));
  let worst: Stretch | null = null;
  for (const seconds of stretchLengths(o.minSeconds, n * WINDOW_STEP)) {
    const minInside = seconds / WINDOW_STEP / 2;
    let to = 0;
    for (let from = 0; from < n; from += START_STEP) {
      // Windows wholly inside [t_from, t_from + seconds).
      const end = windows[from].t + seconds - WINDOW_SECONDS + 1e-6;
      to = Math.max(to, from);
      while (to < n && windows[to].t <= end) to++;
      const inside = to - from;
      if (inside < minInside || n - inside < o.minRestWindows) continue;
      const meanIn = (cumulative[to] - cumulative[from]) / inside;
      const meanOut = (cumulative[n] - cumulative[to] + cumulative[from]) / (n - inside);
      const z = ((meanOut - meanIn) * Math.sqrt(inside * WINDOW_STEP)) / sd;
      if (!worst || z > worst.z) worst = { from, to, z };
    }
  }
  return worst;
}

/** log of the standard normal upper tail Q(z) for z ≥ 1 (Laplace's continued fraction for Mills' ratio). */
export function logNormalTail(z: number): number {
  let fraction = z;
  for (let k = 200; k >= 1; k--) fraction = z + k / fraction;
  return -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - Math.log(fraction);
}

/** The z a stretch must reach with `evidenceSeconds` of votes, given the policy's z at REFERENCE_SECONDS. */
export function stretchThreshold(zAt: number, evidenceSeconds: number): number {
  if (evidenceSeconds <= REFERENCE_SECONDS) return zAt;
  const target = logNormalTail(zAt) + Math.log(REFERENCE_SECONDS / evidenceSeconds);
  let lo = zAt;
  let hi = zAt + 20;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (logNormalTail(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
