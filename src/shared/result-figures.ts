// The judgement figures of a finished check, read the same way by the file page and the
// CLI report: CheckResult's own fields, the checked span from the state's evidence.
import { offsetWords, type SyncSpan } from '../core/state';
import type { CheckResult } from '../engine/types';
import { certaintyWords, shownEvidence } from './state-look';
import { clockSpan } from './spans';

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
  return `voice and lips ${certaintyWords(fake ? pMismatch : 1 - pMismatch)} ${fake ? 'do not belong' : 'belong'} together (probability of a mismatch ${pMismatch.toFixed(2)})`;
}

/** "8.0 s of face-plus-speech in 0:00–0:30 checked". */
export function evidenceLine(figures: ResultFigures): string | null {
  if (figures.evidenceSeconds === null) return null;
  const span = figures.checkedFrom !== null && figures.checkedTo !== null && figures.checkedTo > figures.checkedFrom ? ` in ${clockSpan(figures.checkedFrom, figures.checkedTo)} checked` : '';
  return `${figures.evidenceSeconds.toFixed(1)} s of face-plus-speech${span}`;
}

/** The offset in words, with frames: "sound 200 ms early (+5 frames)". */
export function offsetLine(result: CheckResult): string | null {
  if (result.offsetFrames === null || result.offsetMs === null) return null;
  return `${offsetWords(result.offsetMs)} (${result.offsetFrames > 0 ? '+' : ''}${result.offsetFrames} frames)`;
}
