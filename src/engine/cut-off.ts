// Where a file stops short of its own length: an unfinished download or recording. Told
// two ways: a sample its index lists lies past the end of the file (the sliced WebCodecs
// sources, which stop there), or — for what the <video> loop and a whole-file decode read,
// which simply run out — both its picture and its sound end well before the length its
// container gives.
import type { CheckResult } from './types';

/** Seconds between where picture and sound end and the container's length that count as a cut. */
const CUT_OFF_SLACK_S = 1;

export class CutOffWatch {
  private pastEnd = Infinity;
  private lastFrame = -Infinity;
  private soundEnd = -Infinity;

  /** A sample lies past the end of the file: the file is cut at its time (s). */
  samplePastEnd(at: number): void {
    this.pastEnd = Math.min(this.pastEnd, at);
  }

  frame(at: number): void {
    this.lastFrame = Math.max(this.lastFrame, at);
  }

  sound(to: number): void {
    this.soundEnd = Math.max(this.soundEnd, to);
  }

  /**
   * Where the file stops short of `length` (its container's, s), if it does. Only a whole
   * file with sound is judged by where its media ends (`wholeFile` false: one part of a
   * longer file): the last frame of a file without sound may be held for seconds.
   */
  result(length: number, wholeFile: boolean): CheckResult['cutOff'] {
    if (Number.isFinite(this.pastEnd)) return { atS: this.pastEnd, ofS: length };
    if (!wholeFile || !(length > 0) || !Number.isFinite(this.soundEnd)) return undefined;
    const reached = Math.max(this.lastFrame, this.soundEnd);
    return length - reached > CUT_OFF_SLACK_S ? { atS: reached, ofS: length } : undefined;
  }
}
