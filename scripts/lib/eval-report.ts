// Figures of an evaluation run, per condition, from judged variants: verdict counts,
// false-FAKE rate, can't-judge rate, shifts reported as such, partial-swap span IoU,
// ROC-AUC real vs swapped with abstentions counted as misses, and calibration error.
import { expectedCalibrationError } from '../../src/core/decision/calibration';
import { areaUnder, rocCurve } from '../../src/core/train/metrics';
import type { Verdict } from '../../src/core/state';
import { clipLabel, type Judged } from './eval-decision';
import { spanIoU, splitByLabel, type ByLabel } from './conditions-report';

export interface ConditionRow {
  condition: string;
  n: number;
  counts: Record<Verdict, number>;
  /** Fake on a variant whose lips and voice belong together. */
  falseFake: number;
  /** Verdicts the condition accepts. */
  correct: number;
}

const VERDICTS: Verdict[] = ['real', 'shifted', 'fake', 'cannot-judge'];

export function conditionName(j: Pick<Judged, 'variant'>): string {
  const v = j.variant;
  if (v.kind === 'far-shift') return 'shift far past the search (±0.8, ±1.2 s)';
  if (v.kind !== 'shift') return v.kind;
  return v.expected === 'shifted' ? 'shift past tolerance' : 'shift within tolerance';
}

export function conditionRows(judged: readonly Judged[]): ConditionRow[] {
  const rows = new Map<string, ConditionRow>();
  for (const j of judged) {
    const name = conditionName(j);
    const row = rows.get(name) ?? {
      condition: name,
      n: 0,
      counts: { real: 0, shifted: 0, fake: 0, 'cannot-judge': 0 },
      falseFake: 0,
      correct: 0,
    };
    row.n++;
    row.counts[j.verdict]++;
    if (j.verdict === 'fake' && !j.variant.accept.includes('fake')) row.falseFake++;
    if (j.variant.accept.includes(j.verdict)) row.correct++;
    rows.set(name, row);
  }
  return [...rows.values()];
}

export interface Summary {
  auc: number | null;
  /** Genuine variants (lips and voice belong together) called fake, of all genuine ones. */
  falseFake: { n: number; of: number };
  /** The same split by how sure the clip's in-sync label is (MANIFEST confidence 'low' or not). */
  falseFakeByLabel: ByLabel;
  shiftsNotReal: { n: number; of: number };
  shiftsPastToleranceCaught: { n: number; of: number };
  /** Sound far out of step (past ±15 frames): called FAKE, and called shifted within 1 frame of the clip's own offset plus the shift. */
  farShifts: { fake: number; shiftedRight: number; of: number };
  partial: { fake: number; iouAtLeastHalf: number; meanIou: number; of: number };
  swapsFake: { n: number; of: number };
  cannotJudgeLongReal: { n: number; of: number };
  cannotJudgeLongRealByLabel: ByLabel;
  ece: number | null;
  eceSamples: number;
}

type Scored = Pick<Judged, 'verdict' | 'pMismatch'>;

/** ROC of real vs swapped on p(mismatch): rocCurve ranks how real a score says a clip is, so p enters as 1 − p. */
export function mismatchRoc(realP: readonly number[], swappedP: readonly number[]) {
  const curve = rocCurve(
    realP.map((p) => 1 - p),
    swappedP.map((p) => 1 - p),
  );
  return { curve, auc: areaUnder(curve) };
}

/**
 * ROC-AUC of real vs swapped variants on p(mismatch), an abstention counted as a miss: a
 * real variant the decision abstained on counts as certain mismatch (p 1), a swapped one
 * as certain match (p 0).
 */
export function abstentionAuc(real: readonly Scored[], swapped: readonly Scored[]): number | null {
  const p = (j: Scored, miss: number) =>
    j.verdict === 'cannot-judge' || j.pMismatch === null ? miss : j.pMismatch;
  if (real.length === 0 || swapped.length === 0) return null;
  return mismatchRoc(
    real.map((j) => p(j, 1)),
    swapped.map((j) => p(j, 0)),
  ).auc;
}

type GenuineCheck = Pick<Judged, 'verdict'> & {
  variant: Pick<Judged['variant'], 'expected' | 'kind'>;
  clip: { row?: { confidence: string } };
};

export const isLowLabel = (j: Pick<GenuineCheck, 'clip'>) => j.clip.row?.confidence === 'low';

/** Variants whose lips and voice belong together (music only among them: it must never be FAKE). */
export const isGenuine = (j: Pick<GenuineCheck, 'variant'>) =>
  j.variant.expected === 'real' || j.variant.kind === 'music-only';

/**
 * Genuine variants called FAKE, split by the clip's label: the shared MANIFEST marks some
 * in-sync labels 'low' (provenance unknown — "may be miming or music"), so a FAKE there may
 * be the label's error rather than the product's.
 */
export const falseFakeByLabel = (judged: readonly GenuineCheck[]): ByLabel =>
  splitByLabel(judged.filter(isGenuine), isLowLabel, (j) => j.verdict === 'fake');

/**
 * Real clips of 2.5 s or more (own audio) the decision would not judge, split the same way:
 * on a film scene that may be dubbed, "can't judge" may be the right answer.
 */
export const cannotJudgeByLabel = (longReal: readonly GenuineCheck[]): ByLabel =>
  splitByLabel(longReal, isLowLabel, (j) => j.verdict === 'cannot-judge');

export function summarize(judged: readonly Judged[]): Summary {
  const kind = (k: string) => judged.filter((j) => j.variant.kind === k);
  const byLabel = falseFakeByLabel(judged);
  const shifts = kind('shift').filter((j) => Math.abs(j.variant.shiftFrames!) >= 3);
  const past = kind('shift').filter((j) => j.variant.expected === 'shifted');
  const partial = kind('partial-swap');
  const ious = partial.map((j) => {
    const state = j.decision.state;
    const spans =
      state.status === 'mismatch' ? state.evidence.segments.filter((s) => s.outcome === 'mismatch') : [];
    return spanIoU(j.variant.span!, spans);
  });
  // A shift moves the clip's own offset (its real variant's; 0 when that was not judged).
  const own = new Map(kind('real').map((j) => [j.clip.file, j.decision.search?.offsetFrames ?? 0]));
  const ownOffset = (j: Judged) => own.get(j.clip.file) ?? 0;
  const longReal = kind('real').filter((j) => j.variant.range.toS - j.variant.range.fromS >= 2.5);
  // Weighted as in the fit (clipLabel): per clip its own audio, its speech under music, its shifts together, and its swaps (×3).
  const calibrated = judged.filter((j) => j.pMismatch !== null && clipLabel(j) !== null);
  return {
    auc: abstentionAuc(kind('real'), kind('swap')),
    falseFake: { n: byLabel.low.n + byLabel.other.n, of: byLabel.low.of + byLabel.other.of },
    falseFakeByLabel: byLabel,
    shiftsNotReal: { n: shifts.filter((j) => j.verdict !== 'real').length, of: shifts.length },
    shiftsPastToleranceCaught: {
      n: past.filter((j) => j.verdict === 'shifted' || j.verdict === 'fake').length,
      of: past.length,
    },
    partial: {
      fake: partial.filter((j) => j.verdict === 'fake').length,
      iouAtLeastHalf: ious.filter((v) => v >= 0.5).length,
      meanIou: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : 0,
      of: partial.length,
    },
    farShifts: {
      fake: kind('far-shift').filter((j) => j.verdict === 'fake').length,
      shiftedRight: kind('far-shift').filter(
        (j) =>
          j.verdict === 'shifted' &&
          Math.abs(j.decision.search!.offsetFrames - ownOffset(j) - j.variant.shiftFrames!) <= 1,
      ).length,
      of: kind('far-shift').length,
    },
    swapsFake: { n: kind('swap').filter((j) => j.verdict === 'fake').length, of: kind('swap').length },
    cannotJudgeLongReal: {
      n: longReal.filter((j) => j.verdict === 'cannot-judge').length,
      of: longReal.length,
    },
    cannotJudgeLongRealByLabel: cannotJudgeByLabel(longReal),
    ece: calibrated.length
      ? expectedCalibrationError(
          calibrated.map((j) => j.pMismatch!),
          calibrated.map((j) => clipLabel(j)!.label),
          10,
          calibrated.map((j) => clipLabel(j)!.weight),
        )
      : null,
    eceSamples: calibrated.length,
  };
}

const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)} %` : 'n/a');

export function conditionTable(rows: readonly ConditionRow[]): string[] {
  const lines = [
    "| condition | variants | real | shifted | fake | can't judge | accepted verdict | false FAKE |",
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.condition} | ${r.n} | ${VERDICTS.map((v) => r.counts[v]).join(' | ')} | ${pct(r.correct, r.n)} | ${r.falseFake} |`,
    );
  }
  return lines;
}

export function summaryTable(s: Summary): string[] {
  const f = (x: { n: number; of: number }) => `${pct(x.n, x.of)} (${x.n}/${x.of})`;
  return [
    '| target | measured |',
    '|---|---|',
    `| genuine variants called FAKE (target ≤ 1 in 50) | ${f(s.falseFake)} |`,
    `| … of clips whose in-sync label is sure (MANIFEST confidence not low) | ${f(s.falseFakeByLabel.other)} |`,
    `| … of clips whose in-sync label is low-confidence (provenance unknown) | ${f(s.falseFakeByLabel.low)} |`,
    `| full swaps called FAKE (target 100 %) | ${f(s.swapsFake)} |`,
    `| partial swaps (2–4 s) called FAKE (target ≥ 90 %) | ${f({ n: s.partial.fake, of: s.partial.of })} |`,
    `| partial swaps with span IoU ≥ 0.5 (target ≥ 80 %) | ${f({ n: s.partial.iouAtLeastHalf, of: s.partial.of })}, mean IoU ${s.partial.meanIou.toFixed(2)} |`,
    `| ROC-AUC real vs swapped on p(mismatch), abstention = miss (target ≥ 0.99) | ${s.auc === null ? 'n/a' : s.auc.toFixed(3)} |`,
    `| can't judge on real clips with ≥ 2.5 s of speech (target ≤ 10 %) | ${f(s.cannotJudgeLongReal)} |`,
    `| … of clips whose in-sync label is sure | ${f(s.cannotJudgeLongRealByLabel.other)} |`,
    `| … of clips whose in-sync label is low-confidence | ${f(s.cannotJudgeLongRealByLabel.low)} |`,
    `| shifts of ≥ 3 frames not called real (target ≥ 90 %) | ${f(s.shiftsNotReal)} |`,
    `| shifts past viewers' tolerance (> 90 ms early, > 185 ms late) called shifted or fake | ${f(s.shiftsPastToleranceCaught)} |`,
    `| sound 0.8–1.2 s out of step (genuine) called FAKE (target: none) | ${f({ n: s.farShifts.fake, of: s.farShifts.of })} |`,
    `| … called shifted, at the clip's own offset plus the shift ±1 frame | ${f({ n: s.farShifts.shiftedRight, of: s.farShifts.of })} |`,
    '| expected calibration error of p(mismatch), held-out folds, weighted as fitted (target ≤ 0.05) | ' +
      `${s.ece === null ? 'n/a' : s.ece.toFixed(3)} (${s.eceSamples} variants) |`,
  ];
}
