// A looping video never fires `ended`, so the end-of-video settle (session.ts) never comes,
// and every moment after the first pass is one the check has already seen (onePerMoment,
// src/core/decision/evidence.ts): no new evidence can come. Without this a short looping
// swap waited for the evidence-window settle (60 s of sound) because a FAKE live needs 5 s
// of face-plus-speech; once the loop has been seen whole it is judged as a file would be,
// the same way a video that ends is — over two passes where one is not enough
// (src/core/decision/loop-passes.ts).

import { firstPassSettles, twoPassVerdict } from '../core/decision/loop-passes';
import type { SyncState } from '../core/state';
import type { LoopPass } from '../shared/protocol';

/** Media time is counted seen in bins of this many seconds (5 frames at 25 fps). */
const BIN_SECONDS = 0.2;
/** Seen whole: frames analysed in this share of the bins of [0, duration) (a few lost frames do not hold it back). */
const WHOLE_SHARE = 0.95;
/** A frame this far before the previous one is the loop starting over (or a seek back). */
const BACK_SECONDS = 1;

const passOf = (state: SyncState): LoopPass => {
  const evidence = 'evidence' in state ? state.evidence : undefined;
  if (!evidence) return { status: state.status, evidence: null };
  const { pMismatch, offsetFrames, evidenceSeconds } = evidence;
  return { status: state.status, evidence: { pMismatch, offsetFrames, evidenceSeconds } };
};

const binOf = (mediaTime: number) => Math.floor(mediaTime / BIN_SECONDS);

export class SeenWhole {
  private readonly bins = new Set<number>();
  private last: number | null = null;
  private done = false;
  /** The first pass's outcome, when a second pass is judged afresh (firstPassSettles). */
  private first: SyncState | null = null;
  /** Every pass judged so far, in order (the engine's stats show them). */
  readonly passes: LoopPass[] = [];

  /** A new source: nothing of it has been seen. */
  reset(): void {
    this.newPass(null);
    this.first = null;
    this.passes.length = 0;
  }

  /** Nothing of this pass seen yet but the frame at `from` (null: no frame yet). */
  private newPass(from: number | null): void {
    this.bins.clear();
    if (from !== null) this.bins.add(binOf(from));
    this.last = from;
    this.done = false;
  }

  /** A second pass is being seen, its evidence started afresh. */
  get secondPass(): boolean {
    return this.first !== null && !this.done;
  }

  /**
   * A pass seen whole (frame() was true at `mediaTime`), judged on its own evidence: the
   * state to settle on, or null: a second pass starts at `mediaTime`, to be seen whole and
   * judged on its own (the caller drops the evidence so far).
   */
  judged(pass: SyncState, fakeShown: boolean, mediaTime: number): SyncState | null {
    this.passes.push(passOf(pass));
    if (this.first) return twoPassVerdict(this.first, pass);
    const settled = firstPassSettles(pass, fakeShown);
    if (settled) return settled;
    this.first = pass;
    this.newPass(mediaTime);
    return null;
  }

  /** A check settled before its second pass was seen whole: that part of a pass with the first. */
  settledEarly(state: SyncState): SyncState {
    return this.secondPass ? twoPassVerdict(this.first!, state) : state;
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
    this.bins.add(binOf(mediaTime));
    return false;
  }

  private share(duration: number): number {
    const total = Math.max(1, Math.floor(duration / BIN_SECONDS));
    let seen = 0;
    for (const bin of this.bins) if (bin < total) seen++;
    return seen / total;
  }
}
