// Where: which stretches of the checked media match at the clip's offset and which do not.
// A two-state hidden Markov model (match / mismatch) over the voting windows in time order,
// decoded with Viterbi. Each window's evidence is its fconf (syncnet_python evaluate's
// per-window confidence: the clip's median distance minus this window's distance at the
// clip's offset) in the model's confidence units; Gaussian emissions from the calibration.
// Consecutive windows share 4 of their 5 frames, so their log-likelihood ratios are
// scaled down (WINDOW_INDEPENDENCE) before they are summed; a switch costs SWITCH_COST nats,
// so a span needs about a second of consistent evidence to open.
import type { DecisionCalibration } from './calibration';

/** Fraction of a window's evidence that is its own (≈ 1 new frame in 5). */
export const WINDOW_INDEPENDENCE = 0.2;
/** Log-odds a state change must earn (nats). */
export const SWITCH_COST = 4;

export interface ScoredWindow {
  t: number;
  /** fconf at the clip's offset, in calibration.scale units. */
  score: number;
}

export interface FoundSpan {
  /** Index range [from, to) into the windows. */
  from: number;
  to: number;
  mismatch: boolean;
  /** Summed (scaled) log-likelihood ratio mismatch : match over the span. */
  logOdds: number;
}

/** Per window: log p(score | mismatch) − log p(score | match), scaled for overlap. */
export function windowLogOdds(score: number, calibration: DecisionCalibration): number {
  const { matchMean, mismatchMean, sd } = calibration.window;
  const z = ((score - matchMean) ** 2 - (score - mismatchMean) ** 2) / (2 * sd * sd);
  return WINDOW_INDEPENDENCE * z;
}

/** Viterbi over match (0) / mismatch (1); runs of one state become spans. */
export function findSpans(windows: readonly ScoredWindow[], calibration: DecisionCalibration): FoundSpan[] {
  const n = windows.length;
  if (n === 0) return [];
  const llr = windows.map((w) => windowLogOdds(w.score, calibration));
  // cost[s] = best negative log-score ending in state s; emission: state 1 gains llr/2, state 0 loses it.
  const back = new Uint8Array(2 * n);
  let cost = [llr[0] / 2, -llr[0] / 2];
  for (let i = 1; i < n; i++) {
    const emit = [llr[i] / 2, -llr[i] / 2];
    const next = [0, 1].map((s) => {
      const stay = cost[s];
      const swap = cost[1 - s] + SWITCH_COST;
      back[2 * i + s] = stay <= swap ? s : 1 - s;
      return Math.min(stay, swap) + emit[s];
    });
    cost = next;
  }
  const states = new Uint8Array(n);
  states[n - 1] = cost[1] < cost[0] ? 1 : 0;
  for (let i = n - 1; i > 0; i--) states[i - 1] = back[2 * i + states[i]];
  const spans: FoundSpan[] = [];
  let from = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || states[i] !== states[from]) {
      spans.push({ from, to: i, mismatch: states[from] === 1, logOdds: llr.slice(from, i).reduce((a, b) => a + b, 0) });
      from = i;
    }
  }
  return spans;
}
