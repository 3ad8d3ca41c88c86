// Live checking with a model whose lip stream cannot keep up with 25 windows a second
// (SyncNet v2 in the browser on a 2-core machine: 8–9 lip windows/s, README "Speed"): the
// lips are embedded for every 2nd, 3rd, 5th or 10th window only, the sound for every window
// (the 31-offset search compares each window's lips with its neighbours' sound,
// syncnet_python calc_pdist). Windows without lips do not vote, so a check on a stride
// gathers evidence more slowly and is less sure, never wrong for want of frames. Up to 5
// every frame is still in one embedded window; at 10 half the frames are (one 0.2-s window
// in every 0.4 s) — the stride a 2-core machine needs for SyncNet v2 (docs/speed.md).
import { GRID_FPS } from '../core/sync/windows';
import type { ModelChoice } from './types';

export const LIP_STRIDES = [1, 2, 3, 5, 10] as const;
/** Share of real time the lip stream may take: face tracking and the sound's stream need the rest. */
export const LIP_SHARE_OF_REAL_TIME = 0.4;
/** A smaller stride is taken again only when it would use at most this part of the share (no flip-flopping). */
const STEP_DOWN_MARGIN = 0.7;
/** Weight of the newest measurement in the running mean of seconds per lip window. */
const SMOOTHING = 0.3;

export type LipStrideSetting = number | 'auto';

/**
 * Where 'auto' starts before the first measurement: the largest stride for SyncNet weights,
 * whose lips on every window would stall the check's first seconds while they are measured;
 * every window for the shipped model, which would otherwise lose its first lips and give its
 * first verdict later (docs/speed.md).
 */
export const autoStart = (model: ModelChoice): number => (model === 'embedded' ? 1 : LIP_STRIDES.at(-1)!);

/**
 * The first measurement sets the stride; later ones raise it when needed and lower it only
 * with room to spare.
 */
export class LipStride {
  private secondsPerWindow: number | null = null;
  private batches = 0;
  private current: number;

  constructor(
    private readonly setting: LipStrideSetting,
    start = 1,
  ) {
    const known = (n: number) => LIP_STRIDES.includes(n as (typeof LIP_STRIDES)[number]);
    if (setting !== 'auto' && !known(setting))
      throw new RangeError(`lip stride ${setting}: one of ${LIP_STRIDES.join(', ')} or 'auto'`);
    if (!known(start)) throw new RangeError(`lip stride start ${start}: one of ${LIP_STRIDES.join(', ')}`);
    this.current = start;
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
    const first = this.secondsPerWindow === null;
    this.secondsPerWindow = first
      ? perWindow
      : SMOOTHING * perWindow + (1 - SMOOTHING) * this.secondsPerWindow!;
    const load = (stride: number) => (this.secondsPerWindow! * GRID_FPS) / stride;
    const needed = LIP_STRIDES.find((s) => load(s) <= LIP_SHARE_OF_REAL_TIME) ?? LIP_STRIDES.at(-1)!;
    if (first || needed > this.current) this.current = needed;
    else if (needed < this.current && load(needed) <= STEP_DOWN_MARGIN * LIP_SHARE_OF_REAL_TIME)
      this.current = needed;
  }
}
