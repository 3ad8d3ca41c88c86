// Presentation time → SyncNet's 25-fps grid → 5-frame / 20-MFCC-row windows.
//
// SyncNet only ever sees 25-fps video: syncnet_python's run_pipeline.py converts every
// input with `ffmpeg -r 25` before anything else, and SyncNetInstance.evaluate pairs
// video frames [i, i+5) with MFCC rows [4i, 4i+20) (MFCC at 100 rows/s, 4 rows per
// 40 ms frame). In the browser we get frames at whatever rate the page plays
// (23.976, 29.97, 60 fps, variable), each with a presentation time, so this module
// rebuilds that 25-fps grid from presentation times, never from frame counts.
//
// Resampling rule (how a grid slot picks its source frame). Two well-defined rules:
//  - 'fps-filter' reproduces ffmpeg's fps filter (libavfilter/vf_fps.c, round=near):
//    every input frame gets the output slot round(25·t) (halves away from zero), and
//    slot n shows the LAST input frame whose rounded slot is ≤ n; empty slots repeat
//    the previous frame, frames superseded inside one slot are dropped. Equivalently
//    slot n shows the last frame with 25·t < n + 0.5, which runs up to half a grid
//    period (20 ms) ahead of the slot time for high-rate input (60 fps: +11.7 ms
//    on average).
//  - 'nearest' (default) picks the frame whose presentation time is closest to the
//    slot time (ties go to the later frame, the same way 'fps-filter' rounds halves
//    up). Its timing error is at most half the input frame interval and unbiased.
// Both agree exactly on 25-fps input. We default to 'nearest' because a systematic
// video-timing bias shows up one-for-one in the measured A/V offset. Note that the
// ffmpeg CLI's *output* `-r 25` (what syncnet_python literally runs) uses neither:
// it goes through fftools' vsync-CFR logic (do_video_out / video_sync_process), which
// lets a frame drift up to 1.1 output frames (44 ms) before dropping or duplicating
// ("FIXME set to 0.5" in its source). We deliberately do not reproduce that drift.
//
// Grid origin: slot 0 of a segment is the segment's first frame's presentation time
// (ffmpeg's fps filter with start_time = first pts; for a file starting at pts 0
// this is exactly what the reference sees). The grid ends at the last frame's own
// slot: we do not extend the last frame to a stream end time we cannot know live.

export const GRID_FPS = 25;
export const MFCC_ROWS_PER_SEC = 100;
/** MFCC rows per grid frame: 100 rows/s ÷ 25 frames/s (SyncNetInstance: vframe*4). */
export const MFCC_ROWS_PER_FRAME = MFCC_ROWS_PER_SEC / GRID_FPS;
/** Frames per lip window (SyncNetInstance: imtv[:,:,vframe:vframe+5]). */
export const WINDOW_FRAMES = 5;
/** MFCC rows per audio window (SyncNetInstance: cct[..., vframe*4:vframe*4+20]). */
export const WINDOW_MFCC_ROWS = 20;
/** Default gap that starts a new segment: more than 3 grid periods without a frame. */
export const DEFAULT_MAX_GAP_SEC = 3 / GRID_FPS;

// Presentation times are doubles in seconds; products like 0.045 · 100 land a hair
// below an exact .5. Values within this many units (slots or MFCC rows) of a
// rounding boundary are treated as on it: 1e-6 slot = 40 ns, far below any clock.
const ROUNDING_TOLERANCE = 1e-6;

export type ResampleMode = 'nearest' | 'fps-filter';

export interface ResampleOptions {
  /** Default 'nearest'; see the module comment. */
  mode?: ResampleMode;
  /**
   * Input indices i where a seek or a source change happened just before frame i.
   * A segment always ends there, even if the timestamps look continuous.
   */
  breaksBefore?: Iterable<number>;
  /** A jump between consecutive frames larger than this starts a new segment. */
  maxGapSec?: number;
}

/** A run of the 25-fps grid with no seek, source change or long gap inside. */
export interface GridSegment {
  /** Presentation time (s) of grid slot 0 = the segment's first frame's time. */
  startTimeSec: number;
  /** Per grid slot, the index into the input frame-time list shown in that slot. */
  frameIndices: number[];
}

/** One SyncNet window: 5 grid frames and the 20 MFCC rows that cover the same 0.2 s. */
export interface SyncWindow {
  /** Grid slot of the window's first frame within its segment (window i ⇒ slots [i, i+5)). */
  gridStart: number;
  /** Presentation time (s) of that first grid slot. */
  startTimeSec: number;
  /** Input frame index per grid slot, length 5. */
  frameIndices: number[];
  /** First MFCC row, relative to the audio's first row; the window uses rows [start, start+20). */
  mfccRowStart: number;
}

/** Nearest grid slot or MFCC row, halves going up, tolerant to the float noise described above. */
export function nearestTimeIndex(value: number): number {
  return Math.floor(value + 0.5 + ROUNDING_TOLERANCE);
}

/** Time (s) of grid slot `slot` of a segment. */
export function gridSlotTime(segment: GridSegment, slot: number): number {
  return segment.startTimeSec + slot / GRID_FPS;
}

/**
 * Splits presentation times into segments and resamples each onto the 25-fps grid
 * (the `ffmpeg -r 25` step of run_pipeline.py / SyncNetInstance.evaluate's input).
 *
 * Segment boundaries: an index in `breaksBefore` (seek / source change), time going
 * backwards (an unannounced seek), or a forward jump > maxGapSec. Frames with the
 * same timestamp as their predecessor replace it (the later decode wins, as in the
 * fps filter). Every segment has at least one slot; callers may ignore segments
 * shorter than a window.
 */
export function resampleToGrid(frameTimesSec: readonly number[], opts: ResampleOptions = {}): GridSegment[] {
  const builder = new GridBuilder(opts);
  const breaks = new Set(opts.breaksBefore ?? []);
  for (let i = 0; i < frameTimesSec.length; i++) builder.push(frameTimesSec[i], breaks.has(i));
  return builder.grids();
}

/** The frames of the segment being built, and how far its grid is final. */
interface OpenRun {
  /**
   * Input index per frame from the first one a scan may still read (the run's earlier frames
   * are dropped, DROP_READ_FRAMES at least at a time), times strictly increasing (a
   * same-instant frame replaced its predecessor).
   */
  indices: number[];
  times: number[];
  grid: GridSegment;
  /** Slots [0, finalSlots) no later frame can change; the slot scan resumes at frame `resumeFrame`. */
  finalSlots: number;
  resumeFrame: number;
}

/** Frames before the scan's resume point are dropped once this many have gathered (a long run's times are kept once, by the caller). */
const DROP_READ_FRAMES = 1024;

/**
 * resampleToGrid for frames that arrive one at a time (a live capture, a long file):
 * grids() after any number of push() calls equals resampleToGrid over every time pushed so
 * far, but each call recomputes only the slots a later frame could still change — the
 * segment's last one or two — so the work per frame stays constant however long the video.
 */
export class GridBuilder {
  private readonly closed: GridSegment[] = [];
  private run: OpenRun | null = null;
  private pushed = 0;
  private readonly mode: ResampleMode;
  private readonly maxGapSec: number;

  constructor(opts: Pick<ResampleOptions, 'mode' | 'maxGapSec'> = {}) {
    this.mode = opts.mode ?? 'nearest';
    this.maxGapSec = opts.maxGapSec ?? DEFAULT_MAX_GAP_SEC;
  }

  /** Frames pushed so far (the next frame's input index). */
  get frames(): number {
    return this.pushed;
  }

  /** The next frame's presentation time; `breakBefore`: a seek or source change just before it. */
  push(t: number, breakBefore = false): void {
    const i = this.pushed++;
    if (!Number.isFinite(t)) throw new RangeError(`frame ${i} has a non-finite time ${t}`);
    let run = this.run;
    if (run) {
      const step = t - run.times[run.times.length - 1];
      const sameInstant = Math.abs(step) * GRID_FPS <= ROUNDING_TOLERANCE;
      if (breakBefore || (!sameInstant && step < 0) || step > this.maxGapSec) {
        this.close(run);
        run = null;
      } else if (sameInstant) {
        run.indices[run.indices.length - 1] = i;
        return;
      }
    }
    if (!run) {
      run = {
        indices: [],
        times: [],
        grid: { startTimeSec: t, frameIndices: [] },
        finalSlots: 0,
        resumeFrame: 0,
      };
      this.run = run;
    }
    run.indices.push(i);
    run.times.push(t);
  }

  /** Every segment so far; the last one's frameIndices is updated in place by later calls. */
  grids(): GridSegment[] {
    if (!this.run) return [...this.closed];
    this.extend(this.run);
    return [...this.closed, this.run.grid];
  }

  private close(run: OpenRun): void {
    this.extend(run);
    this.closed.push(run.grid);
    this.run = null;
  }

  /** Recomputes the run's slots from its first one that is not final to the last frame's own slot. */
  private extend(run: OpenRun): void {
    const { indices, times, grid } = run;
    const n = times.length;
    const position = (k: number) => (times[k] - grid.startTimeSec) * GRID_FPS;
    const lastSlot = nearestTimeIndex(position(n - 1));
    const slots = grid.frameIndices;
    slots.length = run.finalSlots;
    let f = run.resumeFrame; // candidate frame pointer, only moves forward
    for (let slot = run.finalSlots; slot <= lastSlot; slot++) {
      if (this.mode === 'fps-filter') {
        // Last frame whose rounded slot is ≤ this slot (vf_fps.c drops frames[0] when
        // frames[1]->pts <= next_pts).
        while (f + 1 < n && nearestTimeIndex(position(f + 1)) <= slot) f++;
      } else {
        // Last frame at or before the slot time, then move to the next one if it is at
        // least as close (ties → later frame, matching the half-up rounding above).
        while (f + 1 < n && position(f + 1) <= slot + ROUNDING_TOLERANCE) f++;
        if (f + 1 < n && position(f + 1) - slot <= slot - position(f) + ROUNDING_TOLERANCE) f++;
      }
      slots.push(indices[f]);
      // A frame after the pick bounds the slot, so later frames cannot change it; the pick
      // itself must not be the run's last frame, which a same-instant frame may replace.
      if (slot === run.finalSlots && f < n - 1) {
        run.finalSlots = slot + 1;
        run.resumeFrame = f;
      }
    }
    // Positions are measured from the grid's start time, so frames no scan reads again can go.
    if (run.resumeFrame >= DROP_READ_FRAMES) {
      indices.splice(0, run.resumeFrame);
      times.splice(0, run.resumeFrame);
      run.resumeFrame = 0;
    }
  }
}

/** Frame intervals that differ by less than this (s) count as a steady rate. */
const STEADY_INTERVAL_SEC = 0.5e-3;
/** Frames are skipped only after this many intervals in a row were steady. */
const STEADY_INTERVALS_NEEDED = 4;

/**
 * Says, as frames arrive, whether resampleToGrid ('nearest') will show a frame in some
 * grid slot, so that frames it never shows need no face landmarks: a 30-fps video needs
 * 25 of every 30 frames, a 60-fps one 25 of 60; 25-fps video needs all of them. The
 * next frame's time is predicted from the last interval (placed half a millisecond
 * later than that, which only keeps more); while intervals are not steady (jitter,
 * variable rate, the first frames of a run) every frame is kept.
 *
 * Given only the kept frames, resampleToGrid picks the same frame for every slot as
 * given all of them: the frame a slot picks is always kept, and any other frame is
 * farther from that slot. One difference: when a run's last frame is skipped, its grid
 * ends one slot earlier. Feed every frame in arrival order; `maxGapSec` must be the one
 * resampleToGrid gets. A frame whose time does not move forward starts over (a seek).
 */
export class GridFrameFilter {
  /** Time of slot 0 of the current run (its first frame). */
  private anchor: number | null = null;
  private lastKept = 0;
  private previous = 0;
  /** The run's frame interval so far, and for how many intervals in a row it held. */
  private interval = 0;
  private steadyIntervals = 0;

  constructor(private readonly maxGapSec = DEFAULT_MAX_GAP_SEC) {}

  keep(timeSec: number): boolean {
    const previous = this.previous;
    this.previous = timeSec;
    if (this.anchor === null || timeSec <= previous || timeSec - this.lastKept > this.maxGapSec) {
      // A new run: its first frame is slot 0.
      this.anchor = timeSec;
      this.steadyIntervals = -1;
      return this.kept(timeSec);
    }
    const interval = timeSec - previous;
    if (this.steadyIntervals >= 0 && Math.abs(interval - this.interval) <= STEADY_INTERVAL_SEC) {
      this.steadyIntervals++;
    } else {
      this.interval = interval;
      this.steadyIntervals = 0;
    }
    if (this.steadyIntervals < STEADY_INTERVALS_NEEDED) return this.kept(timeSec);
    const position = (timeSec - this.anchor) * GRID_FPS;
    const before = (previous - this.anchor) * GRID_FPS;
    const after = (timeSec + interval + STEADY_INTERVAL_SEC - this.anchor) * GRID_FPS;
    // resampleRun's rule for the slots between the neighbours: the last frame at or
    // before the slot, or the next one when it is at least as close.
    for (let slot = Math.max(0, Math.floor(before)); slot <= Math.ceil(after); slot++) {
      const lastAtOrBefore = position <= slot + ROUNDING_TOLERANCE && after > slot + ROUNDING_TOLERANCE;
      if (lastAtOrBefore && !(after - slot <= slot - position + ROUNDING_TOLERANCE))
        return this.kept(timeSec);
      const nextAfterPrevious = before <= slot + ROUNDING_TOLERANCE && position > slot + ROUNDING_TOLERANCE;
      if (nextAfterPrevious && position - slot <= slot - before + ROUNDING_TOLERANCE)
        return this.kept(timeSec);
    }
    return false;
  }

  private kept(timeSec: number): true {
    this.lastKept = timeSec;
    return true;
  }
}

/**
 * Cuts one grid segment into SyncNet windows: window i = grid slots [i, i+5) with MFCC
 * rows [r0 + 4i, r0 + 4i + 20), r0 = round((segment start − audio start) · 100), so
 * grid time t ↔ MFCC row round((t − audioStartSec)·100). Rows are counted from the
 * audio's own first row (MFCC row r covers audio from audioStartSec + r/100, as
 * python_speech_features frames it with a 10 ms step).
 *
 * Only windows fully inside both streams are returned, in grid order; when the audio
 * starts after the video the first windows are skipped (negative rows), when it ends
 * first the last ones are. This is syncnet_python's min_length logic
 * (min(len(images), floor(len(audio)/640))) expressed per window. One difference:
 * evaluate() loops range(0, min_length-5), i.e. one window fewer than the frames
 * allow; we keep every window i with i+5 ≤ frames. With audio as the limit the two
 * agree: F whole 40 ms audio frames give 4F−1 MFCC rows in python_speech_features,
 * and 4i+20 ≤ 4F−1 admits exactly F−5 windows, like range(0, F−5).
 */
export function windowsForSegment(
  segment: GridSegment,
  audioStartSec: number,
  mfccRowCount: number,
  /** Windows before this grid slot are left out (a caller that already has them). */
  fromSlot = 0,
): SyncWindow[] {
  const rowOfSlot0 = mfccRowOfSlot(segment, audioStartSec, 0);
  const slotCount = segment.frameIndices.length;
  // First window whose rows start at or after row 0; last one whose frames and rows fit.
  const first = Math.max(0, fromSlot, Math.ceil(-rowOfSlot0 / MFCC_ROWS_PER_FRAME));
  const lastByVideo = slotCount - WINDOW_FRAMES;
  const lastByAudio = Math.floor((mfccRowCount - WINDOW_MFCC_ROWS - rowOfSlot0) / MFCC_ROWS_PER_FRAME);
  const last = Math.min(lastByVideo, lastByAudio);

  const windows: SyncWindow[] = [];
  for (let i = first; i <= last; i++) {
    windows.push({
      gridStart: i,
      startTimeSec: gridSlotTime(segment, i),
      frameIndices: segment.frameIndices.slice(i, i + WINDOW_FRAMES),
      mfccRowStart: rowOfSlot0 + MFCC_ROWS_PER_FRAME * i,
    });
  }
  return windows;
}

/** The first MFCC row of the window at grid slot `slot` (negative where the audio starts later). */
export function mfccRowOfSlot(segment: GridSegment, audioStartSec: number, slot: number): number {
  return (
    nearestTimeIndex((segment.startTimeSec - audioStartSec) * MFCC_ROWS_PER_SEC) + MFCC_ROWS_PER_FRAME * slot
  );
}
