// Where: which stretches of the checked media match at the clip's offset and which do not.
// A two-state hidden Markov model (match / mismatch) over one-second blocks of voting
// windows, decoded with Viterbi. A block's evidence is the mean fconf of its windows
// (syncnet_python evaluate's per-window confidence: the clip's median distance minus the
// window's distance at the clip's offset) in the model's confidence units. Single windows
// are too noisy and share 4 of their 5 frames with their neighbours; the block means'
// spread under match and mismatch is measured by the calibration (fitted on held-out
// clips), so blocks can be treated as independent. A change of state costs SWITCH_COST nats.
import type { DecisionCalibration } from './calibration';

/** Seconds of media per block. */
export const BLOCK_SECONDS = 1;
/** Log-odds a state change must earn (nats). */
export const SWITCH_COST = 4;
/** Blocks with fewer voting windows than this are left out (their mean is not a block mean). */
export const MIN_BLOCK_WINDOWS = 10;

export interface ScoredWindow {
  t: number;
  /** fconf at the clip's offset, in calibration.scale units. */
  score: number;
}

export interface Block {
  /** Index range [from, to) into the windows. */
  from: number;
  to: number;
  mean: number;
}

export interface FoundSpan {
  /** Index range [from, to) into the windows. */
  from: number;
  to: number;
  mismatch: boolean;
  /** Summed log-likelihood ratio mismatch : match over the span's blocks. */
  logOdds: number;
}

/** Consecutive windows (in time order) grouped by the BLOCK_SECONDS slot their start falls in. */
export function blocksOf(windows: readonly ScoredWindow[]): Block[] {
  const blocks: Block[] = [];
  let from = 0;
  for (let i = 1; i <= windows.length; i++) {
    if (
      i === windows.length ||
      Math.floor(windows[i].t / BLOCK_SECONDS) !== Math.floor(windows[from].t / BLOCK_SECONDS)
    ) {
      let sum = 0;
      for (let k = from; k < i; k++) sum += windows[k].score;
      blocks.push({ from, to: i, mean: sum / (i - from) });
      from = i;
    }
  }
  return blocks;
}

/** Per block: log p(mean | mismatch) − log p(mean | match). */
export function blockLogOdds(mean: number, calibration: DecisionCalibration): number {
  const { matchMean, mismatchMean, sd } = calibration.window;
  return ((mean - matchMean) ** 2 - (mean - mismatchMean) ** 2) / (2 * sd * sd);
}

/** Viterbi over match (0) / mismatch (1) on full blocks; short blocks join their neighbour's state. */
export function findSpans(windows: readonly ScoredWindow[], calibration: DecisionCalibration): FoundSpan[] {
  const blocks = blocksOf(windows).filter((b) => b.to - b.from >= MIN_BLOCK_WINDOWS);
  if (blocks.length === 0)
    return windows.length ? [{ from: 0, to: windows.length, mismatch: false, logOdds: 0 }] : [];
  const llr = blocks.map((b) => blockLogOdds(b.mean, calibration));
  const n = blocks.length;
  const back = new Uint8Array(2 * n);
  let cost = [llr[0] / 2, -llr[0] / 2];
  for (let i = 1; i < n; i++) {
    const emit = [llr[i] / 2, -llr[i] / 2];
    cost = [0, 1].map((s) => {
      const stay = cost[s];
      const swap = cost[1 - s] + SWITCH_COST;
      back[2 * i + s] = stay <= swap ? s : 1 - s;
      return Math.min(stay, swap) + emit[s];
    });
  }
  const states = new Uint8Array(n);
  states[n - 1] = cost[1] < cost[0] ? 1 : 0;
  for (let i = n - 1; i > 0; i--) states[i - 1] = back[2 * i + states[i]];
  // Runs of blocks → spans of windows; windows of left-out blocks go with the run they fall in.
  const spans: FoundSpan[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || states[i] !== states[start]) {
      spans.push({
        from: start === 0 ? 0 : blocks[start].from,
        to: i === n ? windows.length : blocks[i].from,
        mismatch: states[start] === 1,
        logOdds: llr.slice(start, i).reduce((a, b) => a + b, 0),
      });
      start = i;
    }
  }
  return spans;
}
