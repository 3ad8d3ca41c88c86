// Live checking with a model whose lip stream cannot keep up with 25 windows a second
// (SyncNet v2 in the browser on a 2-core machine: 8–9 lip windows/s, README "Speed"): the
// lips are embedded for every 2nd, 3rd or 5th window only, the sound for every window (the
// 31-offset search compares each window's lips with its neighbours' sound, syncnet_python
// calc_pdist). Windows without lips do not vote, so a check on a stride gathers evidence
// more slowly and is less sure, never wrong for want of frames. 5 is the most: windows then
// no longer overlap and every frame is still in one embedded window.
import { GRID_FPS } from '../core/sync/windows';

export const LIP_STRIDES = [1, 2, 3, 5] as const;
/** Share of real time the lip stream may take: face tracking and the sound's stream need the rest. */
export const LIP_SHARE_OF_REAL_TIME = 0.4;
/** A smaller stride is taken again only when it would use at most this part of the share (no flip-flopping). */
const STEP_DOWN_MARGIN = 0.7;
/** Weight of the newest measurement in the running mean of seconds per lip window. */
const SMOOTHING = 0.3;

export type LipStrideSetting = number | 'auto';

export class LipStride {
  private secondsPerWindow: number | null = null;
  private batches = 0;
  private current = 1;

  constructor(private readonly setting: LipStrideSetting) {
    if (setting !== 'auto' && !LIP_STRIDES.includes(setting as (typeof LIP_STRIDES)[number]))
      throw new RangeError(`lip stride ${setting}: one of ${LIP_STRIDES.join(', ')} or 'auto'`);
  }

  /** Embed the lips of the window at this grid slot? */
  embeds(gridSlot: number): boolean {
    return gridSlot % this.stride === 0;
  }

  get stride(): number {
    return this.setting === 'auto' ? this.current : this.setting;
  }

  /** The time one batch of `windows` lip windows took; the first batch (compiling, allocating) is left out. */
  record(windows: number, seconds: number): void {
    if (windows <= 0 || this.batches++ === 0) return;
    const perWindow = seconds / windows;
    this.secondsPerWindow =
      this.secondsPerWindow === null
        ? perWindow
        : SMOOTHING * perWindow + (1 - SMOOTHING) * this.secondsPerWindow;
    const load = (stride: number) => (this.secondsPerWindow! * GRID_FPS) / stride;
    const needed = LIP_STRIDES.find((s) => load(s) <= LIP_SHARE_OF_REAL_TIME) ?? LIP_STRIDES.at(-1)!;
    if (needed > this.current) this.current = needed;
    else if (needed < this.current && load(needed) <= STEP_DOWN_MARGIN * LIP_SHARE_OF_REAL_TIME)
      this.current = needed;
  }
}
