// A file's sound and frames read side by side: the sound at most SOUND_LEAD_SECONDS ahead of
// the frames (so the engine never holds more of it than that plus what its windows still
// need, whatever the file's length), and a frame handed on only once the sound has reached
// it (a window waiting for its sound keeps its lips, and the engine keeps at most 10 s of
// those). Neither side ever waits for the other while that one is itself waiting, so the
// two cannot block each other; either side ending or failing releases the other.

/** Seconds of sound decoded ahead of the newest frame. */
export const SOUND_LEAD_SECONDS = 10;

export class SoundStopped extends Error {
  override name = 'SoundStopped';
}

export class SoundPacer {
  private framesAt: number;
  private soundAt = -Infinity;
  private framesEnded = false;
  private soundEnded = false;
  private soundFailure: unknown = null;
  private stopped = false;
  /** The sound is waiting for frames (then frames never wait for it). */
  private soundWaiting = false;
  private waiters: { ready: () => boolean; resolve: () => void }[] = [];

  /** `origin`: media time (s) where the frames start; the sound may run the lead past it before the first frame. */
  constructor(
    origin = 0,
    private readonly leadSeconds = SOUND_LEAD_SECONDS,
  ) {
    this.framesAt = origin;
  }

  /** Sound side: before decoding the sound that starts at `time`. Rejects with SoundStopped after stop(). */
  async beforeSound(time: number): Promise<void> {
    if (this.stopped) throw new SoundStopped();
    if (this.framesEnded || this.framesAt >= time - this.leadSeconds) return;
    this.soundWaiting = true;
    this.wake();
    try {
      await this.until(() => this.stopped || this.framesEnded || this.framesAt >= time - this.leadSeconds);
    } finally {
      this.soundWaiting = false;
    }
    if (this.stopped) throw new SoundStopped();
  }

  /** Sound side: sound up to `endTime` (s) has been handed on. */
  soundReached(endTime: number): void {
    this.soundAt = Math.max(this.soundAt, endTime);
    this.wake();
  }

  /** Sound side: all of it handed on (or none there), or `failure`: frames then go on, or fail with it. */
  endSound(failure?: unknown): void {
    this.soundEnded = true;
    if (failure !== undefined) this.soundFailure = failure;
    this.wake();
  }

  /** Frame side: before handing on the frame at `time`; rejects if the sound failed. */
  async beforeFrame(time: number): Promise<void> {
    this.framesAt = Math.max(this.framesAt, time);
    this.wake();
    await this.until(() => this.soundEnded || this.soundWaiting || this.soundAt >= time);
    if (this.soundFailure !== null) throw this.soundFailure;
  }

  /** Frame side: no more frames; the sound goes on to its end unpaced. */
  endFrames(): void {
    this.framesEnded = true;
    this.wake();
  }

  /** Stops the sound at its next step (the frames failed or were cancelled). */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  private until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ ready, resolve }));
  }

  private wake(): void {
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) (waiter.ready() ? waiter.resolve : () => still.push(waiter))();
    this.waiters = still;
  }
}
