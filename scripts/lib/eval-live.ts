// A live check replayed in node: what the badge would have shown on an evaluation variant
// as its evidence arrived. The live engine re-decides on the evidence so far at every update
// (about every 0.5 s) with the live policy and shows the result through the stabiliser
// (src/core/decision/stabilise.ts); here the same decision and the same stabiliser see the
// variant's windows grow by 0.5 s of media time per update, then a final update at its end.
// Not replayed: a window near the live edge whose later sound had not arrived yet (here
// every window reads its whole ±15-frame row); frames lost to a busy machine are judged
// apart (eval-lost-frames.ts).
import { DEFAULT_DECISION_POLICY, LIVE_DECISION_POLICY, decide } from '../../src/core/decision/decide';
import type { DecisionCalibration } from '../../src/core/decision/calibration';
import { WINDOW_SECONDS, type ClipContext } from '../../src/core/decision/evidence';
import { VerdictStabiliser } from '../../src/core/decision/stabilise';
import { judgedEvidence, verdictOf, type SyncState, type Verdict } from '../../src/core/state';
import { torchMedian } from '../../src/core/numeric';
import { evidencedContext, type Evidenced, type Judged } from './eval-decision';
import { isGenuine, isLowLabel } from './eval-report';

/** Media seconds between two replayed updates (the engine's LIVE_UPDATE_EVERY_SECONDS). */
export const REPLAY_STEP_SECONDS = 0.5;

export interface ShownVerdict {
  verdict: Verdict;
  /** Media seconds into the variant when it was first shown. */
  atS: number;
  evidenceSeconds: number | null;
  pMismatch: number | null;
}

export interface LiveReplay {
  /** The first verdict shown (provisional unless it was firm at once), null if none ever was. */
  first: ShownVerdict | null;
  /** The verdict shown when it became firm (at the latest, the variant's end). */
  firm: ShownVerdict | null;
  /** Every verdict the badge showed, in order, provisional or firm (repeats left out). */
  shown: Verdict[];
  /** Changes of the shown verdict after it was firm. */
  changesAfterFirm: number;
  /** Times a verdict shown was withdrawn (back to checking: the decision held back in doubt). */
  withdrawn: number;
  /** The verdict shown at the end (the decision on all the evidence). */
  end: Verdict | null;
  /** Each update's raw decision: media seconds, verdict (null while checking), p(mismatch), evidence seconds. */
  updates: [number, Verdict | null, number | null, number | null][];
}

const POLICY = { ...DEFAULT_DECISION_POLICY, ...LIVE_DECISION_POLICY };

/** What is known about the variant at `t` media seconds, live (more may come): its frames so far. */
function contextAt(
  base: ClipContext,
  e: Evidenced,
  t: number,
  frames: { seen: number; withFace: number },
  final: boolean,
): ClipContext {
  return {
    ...base,
    final,
    secondsSeen: t - e.variant.range.fromS,
    framesSeen: frames.seen,
    framesWithFace: frames.withFace,
  };
}

function shownAt(state: SyncState, atS: number): ShownVerdict | null {
  const verdict = verdictOf(state);
  if (verdict === null) return null;
  const evidence = judgedEvidence(state);
  return {
    verdict,
    atS: Math.round(atS * 10) / 10,
    evidenceSeconds: evidence ? Math.round(evidence.evidenceSeconds * 100) / 100 : null,
    pMismatch: evidence?.pMismatch ?? null,
  };
}

/** The variant's evidence replayed as a live check, with its fold's calibration. */
export function replayLive(e: Evidenced, calibration: DecisionCalibration): LiveReplay {
  const base = evidencedContext(e);
  const stabiliser = new VerdictStabiliser();
  const windows = [...e.windows].sort((a, b) => a.t - b.t);
  const replay: LiveReplay = {
    first: null,
    firm: null,
    shown: [],
    changesAfterFirm: 0,
    withdrawn: 0,
    end: null,
    updates: [],
  };
  const { fromS, toS } = e.variant.range;
  const allFrames = e.clip.features.frames.filter((f) => f.t >= fromS);
  const frames = { seen: 0, withFace: 0 };
  let complete = 0;
  for (let t = fromS + REPLAY_STEP_SECONDS; ; t = Math.min(toS, t + REPLAY_STEP_SECONDS)) {
    const final = t >= toS;
    // A window is complete once its 5 frames have been seen; both lists are in time order.
    while (complete < windows.length && windows[complete].t + WINDOW_SECONDS <= t + 1e-9) complete++;
    for (; frames.seen < allFrames.length && allFrames[frames.seen].t < t; frames.seen++)
      if (allFrames[frames.seen].faces.length > 0) frames.withFace++;
    const context = contextAt(base, e, t, frames, final);
    const raw = decide(windows.slice(0, complete), context, calibration, POLICY).state;
    const rawShown = shownAt(raw, t - fromS);
    replay.updates.push([
      rawShown?.atS ?? Math.round((t - fromS) * 10) / 10,
      rawShown?.verdict ?? null,
      rawShown?.pMismatch ?? null,
      rawShown?.evidenceSeconds ?? null,
    ]);
    const wasFirm = stabiliser.isFirm;
    const shown = shownAt(stabiliser.update(raw, t, { final }), t - fromS);
    if (!shown && replay.end !== null) replay.withdrawn++;
    replay.end = shown?.verdict ?? null;
    if (shown) {
      if (replay.first === null) replay.first = shown;
      if (shown.verdict !== replay.shown.at(-1)) {
        replay.shown.push(shown.verdict);
        if (wasFirm) replay.changesAfterFirm++;
      }
      if (replay.firm === null && stabiliser.isFirm) replay.firm = shown;
    }
    if (final) break;
  }
  return replay;
}

const VERDICTS: Verdict[] = ['real', 'shifted', 'fake', 'cannot-judge'];

export interface ReplayRow {
  file: string;
  kind: string;
  shiftFrames?: number;
  /** Genuine as the report counts a false FAKE (eval-report.ts isGenuine: expected in sync, or music alone). */
  genuine: boolean;
  /** The MANIFEST's in-sync label is low-confidence (provenance unknown). */
  lowLabel: boolean;
  replay: LiveReplay;
}

/** One record of live-replay.json: the variant and what was replayed. */
export const replayRecord = ({ file, kind, shiftFrames, replay }: ReplayRow) => ({
  file,
  kind,
  ...(shiftFrames !== undefined ? { shiftFrames } : {}),
  ...replay,
});

/** A judged variant replayed with its fold's calibration, as a row of the live tables (`kind`: its own by default). */
export const replayRow = (
  j: Judged,
  calibration: DecisionCalibration,
  kind: string = j.variant.kind,
): ReplayRow => ({
  file: j.clip.file,
  kind,
  shiftFrames: j.variant.shiftFrames,
  genuine: isGenuine(j),
  lowLabel: isLowLabel(j),
  replay: replayLive(j, calibration),
});

/** report.md's live section: per kind of variant, what the badge showed at any update and once firm. */
export function liveTable(rows: readonly ReplayRow[]): string[] {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const lines = [
    "| variant | n | ever shown REAL | ever shown FAKE | firm: real / shifted / fake / can't judge | at the end | firm after (median s) | changes after firm | variants with a verdict withdrawn |",
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const kind of kinds) {
    const of = rows.filter((r) => r.kind === kind).map((r) => r.replay);
    const ever = (v: Verdict) => of.filter((r) => r.shown.includes(v)).length;
    const firm = VERDICTS.map((v) => of.filter((r) => r.firm?.verdict === v).length).join(' / ');
    const end = VERDICTS.map((v) => of.filter((r) => r.end === v).length).join(' / ');
    const withdrawn = of.filter((r) => r.withdrawn > 0).length;
    const firmTimes = of.flatMap((r) => (r.firm && r.firm.verdict !== 'cannot-judge' ? [r.firm.atS] : []));
    const firmAt = firmTimes.length ? torchMedian(firmTimes) : null;
    const changes = of.reduce((n, r) => n + r.changesAfterFirm, 0);
    lines.push(
      `| ${kind} | ${of.length} | ${ever('real')} | ${ever('fake')} | ${firm} | ${end} | ${firmAt ?? '—'} | ${changes} | ${withdrawn} |`,
    );
  }
  const genuine = (low: boolean) => rows.filter((r) => r.genuine && r.lowLabel === low);
  const fake = (of: readonly ReplayRow[]) => of.filter((r) => r.replay.shown.includes('fake')).length;
  const sure = genuine(false);
  const low = genuine(true);
  lines.push(
    '',
    `Genuine variants shown FAKE at any update: ${fake(sure)} of ${sure.length} of clips whose in-sync label is sure, ` +
      `${fake(low)} of ${low.length} of low-confidence labels.`,
  );
  return lines;
}
