// Evidence for a growing run of windows with constant work per new window: a window's
// record is computed once it can no longer change and kept, so an update only computes
// the run's last few windows. The records equal runEvidence() over the whole run
// (test/core/run-cache.test.ts checks that at every step).
//
// When can a window's record still change? Its calc_pdist row reads the audio windows
// i − vshift … i + vshift (syncnet_python calc_pdist pads past the run's end with zeros,
// so the row changes until window i + vshift exists); its lip activity reads the mouth
// openings ±ACTIVITY_HALF_SPAN_FRAMES frames around its frames; its speech probability
// comes later than its embedding (SPEECH_LOOKAHEAD_ROWS of audio past it).
import { runEvidence, type RunTrack } from './build';
import { EVIDENCE_VSHIFT, type WindowEvidence } from './evidence';
import { ACTIVITY_HALF_SPAN_FRAMES, lipActivity } from './lip-activity';

/** One embedded window of a run, as the engine keeps it. */
export interface RunWindow {
  /** Media time of the first frame (s). */
  t: number;
  shot: number;
  /** null until the speech detector has seen enough audio past the window. */
  speech: number | null;
  audio: Float32Array;
  /** Lip embedding per face track; a track absent here (or null) was not in all 5 frames. */
  lip: ReadonlyMap<number, Float32Array | null>;
  /** Indices (into the segment's observed frames) of the window's 5 grid frames. */
  frames: readonly number[];
}

/** What the segment knows per face track and observed frame. */
export interface TrackFrames {
  trackId: number;
  /** Mouth opening (lip-activity.ts), null where the face is absent or unusable. */
  opening(frame: number): number | null;
  /** Face box width (video px), null where absent. */
  width(frame: number): number | null;
}

export class RunEvidenceCache {
  /** Records of the run's first windows, final. */
  private readonly kept: WindowEvidence[] = [];

  constructor(private readonly vshift = EVIDENCE_VSHIFT) {}

  /** How many of the run's first windows are final (computed once, never again). */
  get finalWindows(): number {
    return this.kept.length;
  }

  /**
   * Evidence for every window of the run (`windows` grows at its end between calls).
   * `frameCount`: frames observed so far in the segment; `done`: nothing more will come.
   */
  evidence(
    windows: readonly RunWindow[],
    tracks: readonly TrackFrames[],
    frameCount: number,
    done: boolean,
  ): WindowEvidence[] {
    const pending = this.extend(windows, tracks, frameCount, done ? windows.length : null);
    return pending.length === 0 ? this.kept : [...this.kept, ...pending];
  }

  /**
   * Computes and keeps the records that became final, and only those (a file's engine
   * between updates: its decision at the end then computes only the last windows).
   */
  advance(windows: readonly RunWindow[], tracks: readonly TrackFrames[], frameCount: number): void {
    const finalEnd = this.finalCount(windows, this.kept.length, frameCount);
    if (finalEnd > this.kept.length) this.extend(windows, tracks, frameCount, finalEnd);
  }

  /**
   * Windows [0, n) are read no more, so their embeddings may be released: the calc_pdist
   * rows still to compute read the audio of the vshift windows before the first record not
   * final, nothing earlier.
   */
  get unreadWindows(): number {
    return Math.max(0, this.kept.length - this.vshift);
  }

  /**
   * Keeps the records that are final — up to `finalEnd`, or as far as finalCount() says
   * when null — and returns the ones after them (all the rest when null, none otherwise).
   */
  private extend(
    windows: readonly RunWindow[],
    tracks: readonly TrackFrames[],
    frameCount: number,
    finalEnd: number | null,
  ): WindowEvidence[] {
    const from = this.kept.length;
    if (from === windows.length) return [];
    // The vshift windows before `from` lend their audio to its calc_pdist rows, and the
    // vshift after the last final one to its row: no window past them when only finals are asked.
    const lo = Math.max(0, from - this.vshift);
    const hi = finalEnd === null ? windows.length : Math.min(windows.length, finalEnd + this.vshift);
    const slice = windows.slice(lo, hi);
    const fresh = runEvidence(
      {
        times: slice.map((w) => w.t),
        shots: slice.map((w) => w.shot),
        speech: slice.map((w) => w.speech ?? 0),
        audio: slice.map((w) => w.audio),
        tracks: tracks.map((track) => runTrack(track, slice, frameCount)),
      },
      this.vshift,
    ).slice(from - lo);
    const end = finalEnd ?? this.finalCount(windows, from, frameCount);
    this.kept.push(...fresh.slice(0, end - from));
    return finalEnd === null ? fresh.slice(end - from) : [];
  }

  /** Windows [0, n) whose records cannot change any more. */
  private finalCount(windows: readonly RunWindow[], from: number, frameCount: number): number {
    let n = from;
    while (
      n + this.vshift < windows.length &&
      windows[n].speech !== null &&
      windows[n].frames[windows[n].frames.length - 1] + ACTIVITY_HALF_SPAN_FRAMES < frameCount
    ) {
      n++;
    }
    return n;
  }
}

/** One track over the slice: lip rows, and activity and width averaged over each window's frames. */
function runTrack(track: TrackFrames, slice: readonly RunWindow[], frameCount: number): RunTrack {
  // Activity at frame f reads openings f ± halfSpan: computing it from `start` on is exact
  // for every frame from start + halfSpan, which covers the slice's frames.
  const first = slice[0].frames[0];
  const start = Math.max(0, first - ACTIVITY_HALF_SPAN_FRAMES);
  const openings: (number | null)[] = [];
  for (let f = start; f < frameCount; f++) openings.push(track.opening(f));
  const activity = lipActivity(openings);
  return {
    trackId: track.trackId,
    lip: slice.map((w) => w.lip.get(track.trackId) ?? null),
    activity: slice.map((w) => meanOver(w.frames, (f) => activity[f - start] ?? null)),
    width: slice.map((w) => meanOver(w.frames, track.width)),
  };
}

/** Mean of `value` over the frames; null when any frame lacks it. */
function meanOver(frames: readonly number[], value: (frame: number) => number | null): number | null {
  let sum = 0;
  for (const f of frames) {
    const v = value(f);
    if (v === null) return null;
    sum += v;
  }
  return frames.length ? sum / frames.length : null;
}
