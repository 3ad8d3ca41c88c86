// Detection metrics for the evaluation protocol: ROC curve and its area, and the
// precision / recall / F1 threshold sweep the VidTIMIT study ran on SyncNet's confidence
// (it swept thresholds 2–4 and picked one by precision).
//
// Convention: the score is the sync confidence (median − min distance), high = in sync.
// A clip is called fake when its confidence is BELOW the threshold, and "fake" is the
// positive class of precision / recall / F1 (the tool's job is to flag tampering).

export interface RocPoint {
  /** Clips called real when confidence ≥ threshold. */
  threshold: number;
  /** Fraction of fakes called real (false-positive rate of the "real" call). */
  fpr: number;
  /** Fraction of reals called real. */
  tpr: number;
}

function assertScores(scores: readonly number[], what: string): void {
  const bad = scores.findIndex((s) => !Number.isFinite(s));
  if (bad >= 0) throw new RangeError(`${what} score ${bad} is not finite (${scores[bad]})`);
}

/**
 * ROC curve of "real iff score ≥ threshold", one point per distinct score (plus the
 * (0,0) end), thresholds descending, so the curve runs from (0,0) to (1,1).
 */
export function rocCurve(realScores: readonly number[], fakeScores: readonly number[]): RocPoint[] {
  assertScores(realScores, 'real');
  assertScores(fakeScores, 'fake');
  if (realScores.length === 0 || fakeScores.length === 0)
    throw new RangeError('ROC needs at least one real and one fake score');
  const all = [...realScores.map((s) => ({ s, real: true })), ...fakeScores.map((s) => ({ s, real: false }))];
  all.sort((a, b) => b.s - a.s);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i].real) tp++;
    else fp++;
    // Emit once per distinct score: tied scores move together.
    if (i === all.length - 1 || all[i + 1].s !== all[i].s) {
      points.push({ threshold: all[i].s, fpr: fp / fakeScores.length, tpr: tp / realScores.length });
    }
  }
  return points;
}

/**
 * Area under the ROC curve = P(real score > fake score) + ½·P(equal) (the Mann–Whitney
 * statistic; ties count half, as the trapezoid over tied points does).
 */
export function rocAuc(realScores: readonly number[], fakeScores: readonly number[]): number {
  return areaUnder(rocCurve(realScores, fakeScores));
}

/** Trapezoid area under ROC points (rocCurve's output). */
export function areaUnder(points: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  }
  return area;
}

export interface ThresholdRow {
  threshold: number;
  /** Fakes called fake (confidence < threshold). */
  truePositives: number;
  /** Reals called fake. */
  falsePositives: number;
  /** Fakes called real. */
  falseNegatives: number;
  /** Reals called real. */
  trueNegatives: number;
  /** Of the clips called fake, the fraction that are fake (1 when none is called fake). */
  precision: number;
  /** Of the fakes, the fraction called fake. */
  recall: number;
  f1: number;
  accuracy: number;
}

export function confusionAt(
  realScores: readonly number[],
  fakeScores: readonly number[],
  threshold: number,
): ThresholdRow {
  const truePositives = fakeScores.filter((s) => s < threshold).length;
  const falsePositives = realScores.filter((s) => s < threshold).length;
  const falseNegatives = fakeScores.length - truePositives;
  const trueNegatives = realScores.length - falsePositives;
  const precision =
    truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives);
  const recall = fakeScores.length === 0 ? 0 : truePositives / fakeScores.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const total = realScores.length + fakeScores.length;
  return {
    threshold,
    truePositives,
    falsePositives,
    falseNegatives,
    trueNegatives,
    precision,
    recall,
    f1,
    accuracy: total === 0 ? 0 : (truePositives + trueNegatives) / total,
  };
}

/**
 * Precision / recall / F1 at every candidate threshold: by default each distinct score
 * and the midpoints between neighbours (where a decision actually changes), ascending.
 */
export function thresholdSweep(
  realScores: readonly number[],
  fakeScores: readonly number[],
  thresholds?: readonly number[],
): ThresholdRow[] {
  assertScores(realScores, 'real');
  assertScores(fakeScores, 'fake');
  let candidates: number[];
  if (thresholds) {
    candidates = [...thresholds];
  } else {
    const distinct = [...new Set([...realScores, ...fakeScores])].sort((a, b) => a - b);
    candidates = [...distinct];
    for (let i = 1; i < distinct.length; i++) candidates.push((distinct[i - 1] + distinct[i]) / 2);
  }
  candidates.sort((a, b) => a - b);
  return candidates.map((t) => confusionAt(realScores, fakeScores, t));
}

export interface ThresholdChoice {
  row: ThresholdRow;
  rule: string;
}

/**
 * Picks the operating point the way the study did, by precision: the highest-F1 threshold
 * among those whose precision for "fake" reaches `minPrecision` (ties → the lower
 * threshold, which calls fewer clips fake); if none reaches it, the highest-F1 one.
 */
export function chooseThreshold(rows: readonly ThresholdRow[], minPrecision = 0.9): ThresholdChoice {
  if (rows.length === 0) throw new RangeError('no thresholds to choose from');
  const best = (candidates: readonly ThresholdRow[]) =>
    candidates.reduce((a, b) => (b.f1 > a.f1 || (b.f1 === a.f1 && b.threshold < a.threshold) ? b : a));
  const precise = rows.filter((r) => r.precision >= minPrecision && r.truePositives > 0);
  if (precise.length > 0)
    return { row: best(precise), rule: `highest F1 with precision(fake) ≥ ${minPrecision}` };
  return { row: best(rows), rule: `highest F1 (no threshold reached precision(fake) ≥ ${minPrecision})` };
}
