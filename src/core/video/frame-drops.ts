// Dropped frames: when the machine cannot keep up with a live video, frames never reach the
// engine, and the 25-fps grid (windows.ts) fills their slots with the nearest frame it has
// — a frozen mouth, which looks like lips that do not move with the voice. Such windows
// must not vote, and when many frames are lost the honest answer is "can't judge".
//
// A source's own rate is not a drop: 15-fps video repeats frames on the 25-fps grid exactly
// as syncnet_python's `ffmpeg -r 25` does. So both rules are relative to the source's frame
// interval: a low quantile of the recent intervals between frames that arrived (the median
// would take the lost frames' longer gaps for the rate once a third or more are lost). A
// source that loses every other frame or more, evenly, looks like a slower source here —
// down to 15 fps: a longer interval is taken as frames lost (a call that reaches the engine
// at 2–5 frames/s on a busy machine is such a case).
//
// One or two lost frames in a row leave a slot's nearest frame one interval away, as a
// 12.5-fps source does: tolerated. Three or more in a row freeze the mouth for a slot or
// more: the windows over them never vote. Over half the frames lost: can't judge (decide.ts).
//
// A stall is another thing: nothing for over STALL_SECONDS (the engine still loading while
// the video plays, a loop's seek, a busy second), after which frames come as before. The
// 25-fps grid splits there (engine.ts), so no window spans it and the windows on either side
// are whole: a stall costs evidence, not its quality. Counted apart, it does not make the
// frame rate "too low"; it counts when a check ends with too little evidence (decide.ts).

import { GRID_FPS } from '../sync/windows';

/**
 * Recent intervals the typical one is taken from, and the quantile taken. Few enough that a
 * capture that halves its rate (content/frame-pacer.ts) reads as the slower source within
 * about 1.5 s, so the switch costs few frames counted as lost.
 */
const RECENT_INTERVALS = 20;
const TYPICAL_QUANTILE = 0.2;
/** The longest interval taken as a source's own (s): 15 fps. */
const MAX_TYPICAL_INTERVAL = 1 / 15;
/** A gap longer than this many typical intervals lost frames. */
const GAP_FACTOR = 1.5;
/**
 * A grid slot whose nearest frame is farther than this many typical intervals is frozen:
 * on a steady source the nearest frame is at most half an interval away, after one or two
 * lost frames in a row one interval, after three or four two.
 */
const FROZEN_SLOT_FACTOR = 1;
/** Timing jitter tolerated on top (s). */
const JITTER_SEC = 0.002;
/** A gap longer than this (s) is a stall, not frames lost here and there; the grid splits there. */
export const STALL_SECONDS = 0.5;
/**
 * The slowest rate whose windows still follow the lips (frames/s): each frame shown twice on
 * the 25-fps grid. A page's capture falls back to it when the engine cannot keep up
 * (content/frame-pacer.ts).
 */
export const SLOWEST_RATE = GRID_FPS / 2;
/**
 * The interval a sampled capture is counted against (a tab capture: the screen as composited,
 * at the capture's own cadence, which says nothing of the video's rate): slower than
 * SLOWEST_RATE, a window over a gap of more than two such intervals is frozen, and frames
 * missing against it count as lost.
 */
export const SAMPLED_INTERVAL = 1 / SLOWEST_RATE;

/** The last `size` intervals between frames, and a quantile of them (the lower one of two). */
export class RecentIntervals {
  private readonly values: number[] = [];

  constructor(private readonly size: number) {}

  push(interval: number): void {
    this.values.push(interval);
    if (this.values.length > this.size) this.values.shift();
  }

  /** The `q`-quantile (0–1) of the intervals kept; 0 before the first. */
  quantile(q: number): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.floor(q * (sorted.length - 1))];
  }
}

/** Counts frames lost between arrivals, against the source's typical interval; feed every frame in order. */
export class FrameDropCounter {
  private readonly intervals = new RecentIntervals(RECENT_INTERVALS);
  private last: number | null = null;
  /** The interval taken as typical instead of the frames' own (sampled captures); null: their own. */
  private assumed: number | null = null;
  /** Frames that arrived. */
  received = 0;
  /** Frames that should have arrived between them and did not, in gaps up to STALL_SECONDS. */
  dropped = 0;
  /** Frames that should have arrived in stalls (longer gaps). */
  stalled = 0;

  /** `time` (s) of the next frame; a frame whose time does not move forward starts over (a seek). */
  push(time: number): void {
    this.received++;
    const last = this.last;
    this.last = time;
    if (last === null || time <= last) return;
    const gap = time - last;
    const typical = this.typicalInterval();
    if (gap > STALL_SECONDS) {
      // Not the source's rhythm: kept out of the typical interval too.
      if (typical > 0) this.stalled += Math.round(gap / typical) - 1;
      return;
    }
    if (typical > 0 && gap > GAP_FACTOR * typical) this.dropped += Math.round(gap / typical) - 1;
    this.intervals.push(gap);
  }

  /** The source's frame interval (s): TYPICAL_QUANTILE of the recent intervals, at most 1/15 s; 0 before two frames. */
  typicalInterval(): number {
    if (this.assumed !== null) return this.assumed;
    return Math.min(MAX_TYPICAL_INTERVAL, this.intervals.quantile(TYPICAL_QUANTILE));
  }

  /** Count against `interval` (s) from now on, not the frames' own (SAMPLED_INTERVAL); null: their own again. */
  assumeInterval(interval: number | null): void {
    this.assumed = interval;
  }

  /** Say a new run starts (a seek): the next frame has no predecessor. */
  restart(): void {
    this.last = null;
  }
}

/**
 * Whether a window shows a frozen mouth: some grid slot's frame is farther from the slot's
 * time than a frame of a steady source at `typicalInterval` could be.
 */
export function isFrozenWindow(
  slotTimes: readonly number[],
  frameTimes: readonly number[],
  typicalInterval: number,
): boolean {
  if (!(typicalInterval > 0)) return false;
  // The grid's last slot may lie up to half a grid period past the run's last frame (windows.ts).
  const limit = Math.max(FROZEN_SLOT_FACTOR * typicalInterval, 0.5 / GRID_FPS) + JITTER_SEC;
  return slotTimes.some((t, k) => Math.abs(frameTimes[k] - t) > limit);
}

type Counts = Pick<FrameDropCounter, 'received' | 'dropped' | 'stalled'>;

const sum = (counters: readonly Counts[], count: (c: Counts) => number) =>
  counters.reduce((n, c) => n + count(c), 0);

/** Share of frames lost here and there (stalls left out), 0–1: whether lips can be followed at all. */
export function droppedFrameRatio(counters: readonly Counts[]): number {
  const received = sum(counters, (c) => c.received);
  const dropped = sum(counters, (c) => c.dropped);
  return received + dropped > 0 ? dropped / (received + dropped) : 0;
}

/** Share of frames lost, stalls included, 0–1: how much of what was shown the engine never saw. */
export function lostFrameRatio(counters: readonly Counts[]): number {
  const received = sum(counters, (c) => c.received);
  const lost = sum(counters, (c) => c.dropped + c.stalled);
  return received + lost > 0 ? lost / (received + lost) : 0;
}
