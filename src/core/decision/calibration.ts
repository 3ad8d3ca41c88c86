// How sure: turning SyncNet's confidence (median − min of the 31 mean distances) into a
// calibrated probability that voice and lips do not belong together, accounting for how
// much evidence there is (the minimum of 31 noisy means is lower, and the confidence of a
// mismatch higher, the fewer windows are averaged). A logistic model fitted on
// speaker-held-out folds by `npm run train` / `npm run finetune`, written into the model's
// manifest (`decision`), plus the per-window match statistics the span finder uses.

export interface DecisionCalibration {
  /** The model's confidence scale (its old fixed threshold): features are in these units. */
  scale: number;
  /** Logistic coefficients over calibrationFeatures(): p(mismatch) = σ(w · x). */
  coefficients: number[];
  /** One-second block means of fconf (median − distance at the clip's offset, in scale units): mean when matching / not, and their spread (spans.ts). */
  window: { matchMean: number; mismatchMean: number; sd: number };
  /** Where the fit came from (e.g. "5 speaker-held-out folds, 52 real clips, …"), or "default". */
  fittedOn: string;
}

/** Windows (0.2 s each, one per 40 ms) a clip-level figure is referred to. */
const REFERENCE_WINDOWS = 50;

/** What a calibrated probability is computed from: a pooled search over some voting windows. */
export interface MatchFigures {
  /** evaluate's conf over the windows: median − min of the mean distances. */
  confidence: number;
  /** Windows averaged. */
  windows: number;
  /** Their mean speech probability (1 when not known). */
  speech?: number;
  /**
   * How far the best mean distance lies below the same lips' typical distance to their own
   * sound far out of step (votes.ts farLevel); absent without wide rows (then the
   * confidence stands in for it).
   */
  farDepth?: number;
}

/**
 * [1, depth, depth·√(windows/50), 1 − speech, farDepth/scale] with depth = conf/scale. A
 * voice that belongs to the lips keeps its dip however long the clip; for a voice that does
 * not, the deepest of 31 noisy means shrinks like 1/√windows — so depth·√windows is the dip
 * measured in its own noise, and the fit weighs it against the plain depth. A shallow dip in
 * clean speech says more than the same dip in speech under music or noise, which the fourth
 * term lets the fit learn. The last measures the dip against sound that surely does not
 * belong to these lips — their own voice over 0.6 s away — rather than against the median of
 * the 31 offsets, whose nearest ones still half-match a genuine voice: how far below
 * "another voice" the best offset lies, for these lips (speaker verification normalises its
 * scores against impostors the same way). A calibration fitted before it has four
 * coefficients, and the term then weighs nothing.
 */
export function calibrationFeatures(figures: MatchFigures, scale: number): number[] {
  const depth = figures.confidence / scale;
  const windows = Math.max(1, figures.windows);
  return [
    1,
    depth,
    depth * Math.sqrt(windows / REFERENCE_WINDOWS),
    1 - (figures.speech ?? 1),
    (figures.farDepth ?? figures.confidence) / scale,
  ];
}

/** A manifest's `decision` field, checked; errors name where it came from. */
export function parseCalibration(json: unknown, where: string): DecisionCalibration {
  const c = json as Partial<DecisionCalibration> | null;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (
    !c ||
    !finite(c.scale) ||
    !Array.isArray(c.coefficients) ||
    !c.coefficients.every(finite) ||
    !c.window ||
    ![c.window.matchMean, c.window.mismatchMean, c.window.sd].every(finite) ||
    !(c.window.sd! > 0)
  ) {
    throw new Error(`${where}: the model's decision calibration is malformed`);
  }
  return {
    scale: c.scale!,
    coefficients: c.coefficients,
    window: c.window,
    fittedOn: String(c.fittedOn ?? 'unknown'),
  };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function mismatchProbability(calibration: DecisionCalibration, figures: MatchFigures): number {
  const x = calibrationFeatures(figures, calibration.scale);
  return sigmoid(x.reduce((z, v, i) => z + v * (calibration.coefficients[i] ?? 0), 0));
}

/**
 * A calibration for a model nobody fitted one for (official SyncNet weights): the
 * probability is one half at the model's threshold whatever the amount of evidence, and its
 * odds move by a factor e per 20 % of the threshold. Honest about being a default (fittedOn).
 */
export function defaultCalibration(threshold: number): DecisionCalibration {
  return {
    scale: threshold,
    coefficients: [5, -5, 0],
    window: { matchMean: 1, mismatchMean: 0, sd: 0.5 },
    fittedOn: 'default (not fitted for these weights)',
  };
}

/**
 * Weighted logistic regression by Newton's method (IRLS) with a small ridge penalty,
 * deterministic. `rows`: feature rows (calibrationFeatures), labels (1 = mismatch), and a
 * weight per row (default 1).
 */
export function fitLogistic(
  rows: readonly number[][],
  labels: readonly number[],
  weights: readonly number[] = [],
  ridge = 1e-3,
  iterations = 50,
): number[] {
  const d = rows[0]?.length ?? 0;
  let w = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    rows.forEach((x, n) => {
      const p = sigmoid(x.reduce((z, v, i) => z + v * w[i], 0));
      const weight = weights[n] ?? 1;
      const r = weight * p * (1 - p);
      for (let i = 0; i < d; i++) {
        grad[i] += weight * (p - labels[n]) * x[i];
        for (let j = 0; j < d; j++) hess[i][j] += r * x[i] * x[j];
      }
    });
    for (let i = 0; i < d; i++) {
      grad[i] += ridge * w[i];
      hess[i][i] += ridge;
    }
    const step = solve(hess, grad);
    w = w.map((v, i) => v - step[i]);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return w;
}

/** Gaussian elimination with partial pivoting (d ≤ 8 here). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    if (Math.abs(m[c][c]) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => (Math.abs(row[i]) < 1e-12 ? 0 : row[n] / row[i]));
}

/** Expected calibration error over `bins` equal-width probability bins (each sample weighted, default 1). */
export function expectedCalibrationError(
  probabilities: readonly number[],
  labels: readonly number[],
  bins = 10,
  weights: readonly number[] = [],
): number {
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    const b = Math.min(bins - 1, Math.floor(p * bins));
    const w = weights[i] ?? 1;
    count[b] += w;
    sumP[b] += w * p;
    sumY[b] += w * labels[i];
  });
  const total = count.reduce((a, b) => a + b, 0);
  return total === 0
    ? 0
    : count.reduce((e, c, b) => (c ? e + (c / total) * Math.abs(sumP[b] / c - sumY[b] / c) : e), 0);
}
