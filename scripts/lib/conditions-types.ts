// The conditions set's manifest entry (conditions.json), shared by the builder
// (scripts/lib/conditions.ts) and the report (scripts/lib/conditions-report.ts).
import type { Verdict } from '../../src/core/state';

export const CONDITIONS = [
  'music-only',
  'speech-under-music',
  'cutaway',
  'listener',
  'two-speakers',
  'turn-shift',
  'turn-swap',
  'partial-swap',
  'reencode',
  'swap',
  'shift',
] as const;
export type ConditionName = (typeof CONDITIONS)[number];

/** A stretch of the output file in media time (seconds). */
export interface TimeSpan {
  start: number;
  end: number;
}

export interface ConditionEntry {
  /** Output file name inside the conditions folder. */
  file: string;
  /** The real clip it was made from. */
  source: string;
  condition: ConditionName;
  /** speaker_id of the clip's (first) visible speaker. */
  speaker: string;
  /** The source clip's in-sync label confidence in the manifest ('low': provenance unknown). */
  labelConfidence?: string;
  /** Fold grouping key: the source clip's speaker (donors are of other speakers; see donorSpeaker). */
  fold: string;
  /** Ground truth. Shifts within what viewers accept are 'real'. */
  expected: Verdict;
  /** partial-swap / turn-swap: the replaced audio; turn-shift: the moved sound's turn; cutaway / listener: the inserted shot (the voice is genuine there). */
  span?: TimeSpan;
  /** shift, turn-shift (the second person's sound): frames at 25 fps, positive ⇒ the sound is heard early. */
  shiftFrames?: number;
  /** The other clip used (swap audio, listener face, second speaker). */
  donor?: string;
  donorSpeaker?: string;
  /** turn-swap: the clip whose voice replaces the second speaker's. */
  voice?: string;
  voiceSpeaker?: string;
  /** Music file mixed in or substituted. */
  music?: string;
  seed: number;
  /** Output duration in seconds (what ffmpeg was asked for). */
  durationS: number;
  /** Hash of the recipe and its inputs: a rerun skips a file whose key is unchanged. */
  key: string;
}

/** A file's report row and name label: the condition, or the signed shift ("shift+3", "shift-8"). */
export function conditionLabel(e: Pick<ConditionEntry, 'condition' | 'shiftFrames'>): string {
  if (e.condition !== 'shift') return e.condition;
  const k = e.shiftFrames ?? 0;
  return `shift${k >= 0 ? '+' : ''}${k}`;
}
