// A looping video never fires `ended`, so the end-of-video settle (session.ts) never comes,
// and every moment after the first pass is one the check has already seen (onePerMoment,
// src/core/decision/evidence.ts): no new evidence can come. Without this a short looping
// swap waited for the evidence-window settle (60 s of sound) because a FAKE live needs 5 s
// of face-plus-speech; once the loop has been seen whole it is judged as a file would be,
// the same way a video that ends is.

/** Media time is counted seen in bins of this many seconds (5 frames at 25 fps). */
const BIN_SECONDS = 0.2;
/** Seen whole: frames analysed in this share of the bins of [0, duration) (a few lost frames do not hold it back). */
const WHOLE_SHARE = 0.95;
/** A frame this far before the previous one is the loop starting over (or a seek back). */
const BACK_SECONDS = 1;

export class SeenWhole {
  private readonly bins = new Set<number>();
  private last: number | null = null;
  private done = false;

  /** A new source: nothing of it has been seen. */
  reset(): void {
    this.bins.clear();
    this.last = null;
    this.done = false;
  }

  /**
   * A frame analysed at `mediaTime` of a video that loops with `loopDuration` seconds
   * (undefined: it does not loop, or is longer than the evidence window `horizon`). True
   * once, at the first frame that starts the video over after all of it has been seen.
   */
  frame(mediaTime: number, loopDuration: number | undefined, horizon: number): boolean {
    if (this.done || !loopDuration || !(loopDuration <= horizon) || !(mediaTime >= 0)) return false;
    const wentBack = this.last !== null && mediaTime < this.last - BACK_SECONDS;
    this.last = mediaTime;
    if (wentBack && this.share(loopDuration) >= WHOLE_SHARE) {
      this.done = true;
      return true;
    }
    this.bins.add(Math.floor(mediaTime / BIN_SECONDS));
    return false;
  }

  private share(duration: number): number {
    const total = Math.max(1, Math.floor(duration / BIN_SECONDS));
    let seen = 0;
    for (const bin of this.bins) if (bin < total) seen++;
    return seen / total;
  }
}
