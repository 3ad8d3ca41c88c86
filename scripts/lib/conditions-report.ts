// The conditions evaluation's report (issue 10 item 7): per condition, what the decision
// said on each file of the conditions set, against the ground truth in conditions.json.
// Pure: the caller runs the decision and passes one row per file.
import { expectedCalibrationError as coreEce } from '../../src/core/decision/calibration';
import type { SpanOutcome, Verdict } from '../../src/core/state';
import { CONDITIONS, conditionLabel, type ConditionEntry, type TimeSpan } from './conditions-types';

export interface ConditionOutcome {
  entry: ConditionEntry;
  verdict: Verdict;
  reason?: string;
  /** Calibrated probability of mismatch, when the decision gave one. */
  pMismatch?: number | null;
  spans?: (TimeSpan & { outcome: SpanOutcome | string })[];
}

const VERDICTS: readonly Verdict[] = ['real', 'shifted', 'fake', 'cannot-judge'];
/** Shifts at least this many frames must never be reported real (issue 10 targets). */
const NOTICEABLE_SHIFT = 3;

/** Merges overlapping spans (sorted by start). */
export function mergeSpans(spans: readonly TimeSpan[]): TimeSpan[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: TimeSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Intersection over union of the truth span and the union of the reported spans (0 when none reported). */
export function spanIoU(truth: TimeSpan, reported: readonly TimeSpan[]): number {
  const union = mergeSpans(reported);
  const reportedLength = union.reduce((s, u) => s + (u.end - u.start), 0);
  const inter = union.reduce(
    (s, u) => s + Math.max(0, Math.min(u.end, truth.end) - Math.max(u.start, truth.start)),
    0,
  );
  const whole = truth.end - truth.start + reportedLength - inter;
  return whole > 0 ? inter / whole : 0;
}

/** Expected calibration error of labelled probabilities (the core's, src/core/decision/calibration.ts); null without points. */
export function expectedCalibrationError(
  points: readonly { p: number; label: boolean }[],
  bins = 10,
): number | null {
  if (points.length === 0) return null;
  return coreEce(
    points.map((x) => x.p),
    points.map((x) => (x.label ? 1 : 0)),
    bins,
  );
}

/** A genuine file: picture and voice belong together (in step or not), so FAKE is wrong. */
const isGenuine = (e: ConditionEntry) => e.expected !== 'fake';

export interface ConditionStats {
  count: number;
  verdicts: Record<Verdict, number>;
  /** Of the genuine files: the fraction called FAKE (null when none are genuine). */
  falseFakeRate: number | null;
  cannotJudgeRate: number;
  /** Files whose truth is fake: the fraction called FAKE. */
  fakeRate: number | null;
  /** partial-swap, turn-swap: IoU of the truth span with the union of reported mismatch spans. */
  meanIoU: number | null;
  iouAtLeastHalf: number | null;
  /** shift with |k| ≥ 3: the fraction reported shifted or fake. */
  shiftCaught: number | null;
}

type Count = { n: number; of: number };
/** A figure split by the source clip's in-sync label: MANIFEST confidence low, or not. */
export type ByLabel = { low: Count; other: Count };

/** How many of `items` are `hit`, split by whether their clip's label is low-confidence. */
export function splitByLabel<T>(
  items: readonly T[],
  isLow: (item: T) => boolean,
  hit: (item: T) => boolean,
): ByLabel {
  const count = (low: boolean) => {
    const of = items.filter((item) => isLow(item) === low);
    return { n: of.filter(hit).length, of: of.length };
  };
  return { low: count(true), other: count(false) };
}

export interface ConditionSummary {
  conditions: Record<string, ConditionStats>;
  overall: ConditionStats & { ece: number | null; eceCount: number };
  /** Genuine files called FAKE, by the source clip's label confidence ('low' or not). */
  falseFakeByLabel: ByLabel;
}

const fraction = (n: number, d: number): number | null => (d ? n / d : null);

function statsOf(rows: readonly ConditionOutcome[]): ConditionStats {
  const verdicts = Object.fromEntries(
    VERDICTS.map((v) => [v, rows.filter((r) => r.verdict === v).length]),
  ) as Record<Verdict, number>;
  const genuine = rows.filter((r) => isGenuine(r.entry));
  const fakes = rows.filter((r) => r.entry.expected === 'fake');
  // Fakes with a truth span (partial swaps, a swapped turn): how well the marked spans cover it.
  const spanned = rows.filter((r) => r.entry.expected === 'fake' && r.entry.span);
  const ious = spanned.map((r) =>
    spanIoU(
      r.entry.span!,
      (r.spans ?? []).filter((s) => s.outcome === 'mismatch'),
    ),
  );
  const bigShifts = rows.filter(
    (r) => r.entry.condition === 'shift' && Math.abs(r.entry.shiftFrames ?? 0) >= NOTICEABLE_SHIFT,
  );
  return {
    count: rows.length,
    verdicts,
    falseFakeRate: fraction(genuine.filter((r) => r.verdict === 'fake').length, genuine.length),
    cannotJudgeRate: fraction(verdicts['cannot-judge'], rows.length) ?? 0,
    fakeRate: fraction(fakes.filter((r) => r.verdict === 'fake').length, fakes.length),
    meanIoU: fraction(
      ious.reduce((s, v) => s + v, 0),
      ious.length,
    ),
    iouAtLeastHalf: fraction(ious.filter((v) => v >= 0.5).length, ious.length),
    shiftCaught: fraction(
      bigShifts.filter((r) => r.verdict === 'shifted' || r.verdict === 'fake').length,
      bigShifts.length,
    ),
  };
}

/** Labels in the builder's order, shifts by signed k. */
function orderedLabels(rows: readonly ConditionOutcome[]): string[] {
  const rank = (r: ConditionOutcome) =>
    CONDITIONS.indexOf(r.entry.condition) * 100 + (r.entry.shiftFrames ?? 0);
  const sorted = [...rows].sort((a, b) => rank(a) - rank(b));
  return [...new Set(sorted.map((r) => conditionLabel(r.entry)))];
}

/** Machine-readable summary: stats per condition label and over all rows, plus the ECE of pMismatch (label: expected fake). */
export function conditionSummary(rows: readonly ConditionOutcome[]): ConditionSummary {
  const conditions: Record<string, ConditionStats> = {};
  for (const label of orderedLabels(rows))
    conditions[label] = statsOf(rows.filter((r) => conditionLabel(r.entry) === label));
  const calibrated = rows.filter((r) => typeof r.pMismatch === 'number' && Number.isFinite(r.pMismatch));
  const ece = expectedCalibrationError(
    calibrated.map((r) => ({ p: r.pMismatch as number, label: r.entry.expected === 'fake' })),
  );
  return {
    conditions,
    overall: { ...statsOf(rows), ece, eceCount: calibrated.length },
    falseFakeByLabel: splitByLabel(
      rows.filter((r) => isGenuine(r.entry)),
      (r) => r.entry.labelConfidence === 'low',
      (r) => r.verdict === 'fake',
    ),
  };
}

const pct = (v: number | null): string => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);

function tableRow(label: string, s: ConditionStats): string {
  const cells = [
    label,
    String(s.count),
    ...VERDICTS.map((v) => String(s.verdicts[v])),
    pct(s.falseFakeRate),
    pct(s.cannotJudgeRate),
    pct(s.fakeRate),
    s.meanIoU === null ? '—' : s.meanIoU.toFixed(2),
    pct(s.iouAtLeastHalf),
    pct(s.shiftCaught),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The markdown table per condition (and overall), followed by the calibration error. */
export function conditionReport(rows: readonly ConditionOutcome[]): string {
  const summary = conditionSummary(rows);
  const header = [
    'condition',
    'n',
    'real',
    'shifted',
    'fake',
    "can't judge",
    'false FAKE',
    "can't-judge rate",
    'FAKE (truth fake)',
    'span IoU',
    'IoU ≥ 0.5',
    'shift ≥ 3 caught',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const [label, stats] of Object.entries(summary.conditions)) lines.push(tableRow(label, stats));
  lines.push(tableRow('**all**', summary.overall));
  const { ece, eceCount } = summary.overall;
  const { low, other } = summary.falseFakeByLabel;
  lines.push(
    '',
    `Genuine files called FAKE: ${other.n} of ${other.of} made from clips whose in-sync label is sure, ` +
      `${low.n} of ${low.of} from clips whose label is low-confidence (provenance unknown).`,
    '',
    ece === null
      ? 'Calibration: no file had a pMismatch.'
      : `Expected calibration error of pMismatch (10 bins, label = truth fake): ${ece.toFixed(3)} over ${eceCount} files.`,
  );
  return lines.join('\n') + '\n';
}
