// Which of a video's frames are sent to the engine. The engine's grid is 25 fps
// (core/sync/windows.ts), so a 50- or 60-fps source is sent at about 25 frames/s. When the
// engine cannot keep up (a slow machine, or several call tiles checked at once), frames
// sent while two are still in flight are lost where they happen to fall, in runs that
// freeze the mouth on the grid, and the check ends "can't judge (frame rate too low)"
// (core/video/frame-drops.ts). Lost evenly instead — every other frame, about 12.5 frames/s
// — the engine sees what a 12.5-fps source gives, which it judges as syncnet_python's
// `ffmpeg -r 25` judges a slow source: each frame repeated on the grid. So after a few
// losses the pacer halves the rate, and tries the full rate again after a quiet spell that
// doubles each time the try fails.
import { RecentIntervals, SLOWEST_RATE } from '../core/video/frame-drops';

/** Frame rates sent (frames/s): the grid's, and the reduced one. */
export const FULL_RATE = 25;
export const REDUCED_RATE = SLOWEST_RATE;
/** Due frames looked back over, and the losses among them that reduce the rate. */
const LOSS_WINDOW = 25;
const LOSSES_TO_REDUCE = 3;
/** Due frames without a loss before the full rate is tried again, the first time and at most. */
const FIRST_RETRY_AFTER = 50;
const MAX_RETRY_AFTER = 800;
/** Recent intervals the source's own is taken from (their median). */
const RECENT_INTERVALS = 15;

export class FramePacer {
  private rate = FULL_RATE;
  private lastSent = -Infinity;
  private lastSeen: number | null = null;
  private readonly intervals = new RecentIntervals(RECENT_INTERVALS);
  /** The last LOSS_WINDOW due frames: true where one was lost. */
  private recent: boolean[] = [];
  private sinceLoss = 0;
  private retryAfter = FIRST_RETRY_AFTER;
  /** Due frames since the full rate was tried again; null while not trying. */
  private sinceRetry: number | null = null;

  /** The rate frames are sent at now (frames/s). */
  get framesPerSecond(): number {
    return this.rate;
  }

  /**
   * A frame shown at `time` (s, as played: media time ÷ playback rate, the engine grid's
   * time). Returns whether it is due: sent at the current rate.
   * Then call sent() or lost(). A time that does not move forward (a seek, a new source)
   * starts the spacing over.
   */
  due(time: number): boolean {
    const last = this.lastSeen;
    this.lastSeen = time;
    if (last === null || time <= last) {
      this.lastSent = -Infinity;
      return true;
    }
    this.intervals.push(time - last);
    // Half a source interval (their median) of slack: at 25 fps and 12.5 frames/s every other frame is due, at 60 fps every 5th.
    return time - this.lastSent >= 1 / this.rate - this.intervals.quantile(0.5) / 2;
  }

  /** The due frame went to the engine. */
  sent(time: number): void {
    this.lastSent = time;
    this.record(false);
  }

  /** The due frame could not be sent: the engine was still busy with earlier ones. */
  lost(): void {
    this.record(true);
  }

  private record(lost: boolean): void {
    this.recent.push(lost);
    if (this.recent.length > LOSS_WINDOW) this.recent.shift();
    this.sinceLoss = lost ? 0 : this.sinceLoss + 1;
    if (this.sinceRetry !== null) this.sinceRetry++;
    if (this.rate === FULL_RATE && this.recent.filter(Boolean).length >= LOSSES_TO_REDUCE) {
      // A try of the full rate that failed within a loss window waits twice as long next time.
      if (this.sinceRetry !== null && this.sinceRetry <= LOSS_WINDOW)
        this.retryAfter = Math.min(MAX_RETRY_AFTER, 2 * this.retryAfter);
      this.sinceRetry = null;
      this.setRate(REDUCED_RATE);
    } else if (this.rate === REDUCED_RATE && this.sinceLoss >= this.retryAfter) {
      this.sinceRetry = 0;
      this.setRate(FULL_RATE);
    }
  }

  private setRate(rate: number): void {
    this.rate = rate;
    this.recent = [];
    this.sinceLoss = 0;
  }
}
