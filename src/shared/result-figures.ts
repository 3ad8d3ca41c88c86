// The judgement figures of a finished check, read the same way by the file page and the
// CLI report: CheckResult's own fields, the checked span from the state's evidence.
import type { SyncSpan } from '../core/state';
import type { CheckResult } from '../engine/types';
import { t } from './i18n';
import { certaintyWords, offsetText, shownEvidence } from './state-look';
import { clockSpan, clockTime } from './spans';

export interface ResultFigures {
  segments: SyncSpan[];
  pMismatch: number | null;
  evidenceSeconds: number | null;
  checkedFrom: number | null;
  checkedTo: number | null;
}

export function resultFigures(result: CheckResult): ResultFigures {
  const evidence = shownEvidence(result.state);
  return {
    segments: result.segments,
    pMismatch: result.pMismatch,
    evidenceSeconds: evidence ? result.evidenceSeconds : null,
    checkedFrom: evidence?.checkedFrom ?? null,
    checkedTo: evidence?.checkedTo ?? null,
  };
}

/** "voice and lips very likely belong together (probability of a mismatch 0.04)": how sure of the verdict shown. */
export function certaintyLine(result: CheckResult, pMismatch: number | null): string | null {
  if (pMismatch === null || result.verdict === 'cannot-judge') return null;
  const fake = result.verdict === 'fake';
  return t(
    fake ? 'certainty_not_belong' : 'certainty_belong',
    certaintyWords(fake ? pMismatch : 1 - pMismatch),
    pMismatch.toFixed(2),
  );
}

/** "8.0 s of face-plus-speech in 0:00–0:30 checked". */
export function evidenceLine(figures: ResultFigures): string | null {
  if (figures.evidenceSeconds === null) return null;
  const seconds = figures.evidenceSeconds.toFixed(1);
  return figures.checkedFrom !== null && figures.checkedTo !== null && figures.checkedTo > figures.checkedFrom
    ? t('evidence_seconds_span', seconds, clockSpan(figures.checkedFrom, figures.checkedTo))
    : t('evidence_seconds', seconds);
}

/** The offset in words, with frames: "sound 200 ms early (+5 frames)". */
export function offsetLine(result: CheckResult): string | null {
  if (result.offsetFrames === null || result.offsetMs === null) return null;
  return t(
    'offset_frames',
    offsetText(result.offsetMs),
    `${result.offsetFrames > 0 ? '+' : ''}${result.offsetFrames}`,
  );
}

/** "The file stops at 0:05 of its 0:11 …": a file cut off before its own length (CheckResult.cutOff). */
export function cutOffLine(cutOff: CheckResult['cutOff']): string | null {
  return cutOff ? t('file_cut_off', clockTime(cutOff.atS), clockTime(cutOff.ofS)) : null;
}
