// The engine: timestamped frames and audio → face tracks → 25-fps windows → embeddings →
// the 31-offset search per face → SyncState. One implementation for live checking (the
// host pushes as the video plays and reads `state`), the file page and the CLI (push a
// whole file, then finish()).
//
// Work happens in small increments (every UPDATE_EVERY_FRAMES frames): windows whose five
// grid frames are final are embedded once and only their embeddings are kept, so memory
// stays bounded by the segments kept, not by the pixels seen. Live checking rolls its
// segment every LIVE_SEGMENT_SECONDS and keeps the last LIVE_HORIZON_SECONDS of evidence.
import { summariseEvidence, type EvidenceSummary } from '../core/decision/summary';
import {
  GridFrameFilter,
  GridBuilder,
  windowsForSegment,
  mfccRowOfSlot,
  GRID_FPS,
  WINDOW_FRAMES,
  WINDOW_MFCC_ROWS,
  type SyncWindow,
} from '../core/sync/windows';
import { mfccWindowValues } from '../core/score';
import { SPEECH_LOOKAHEAD_ROWS, speechProbabilitiesRange, windowSpeech } from '../core/audio/speech';
import { decide, type Decision, type DecisionPolicy } from '../core/decision/decide';
import type { DecisionCalibration } from '../core/decision/calibration';
import { onePerMoment, type ClipContext, type WindowEvidence } from '../core/decision/evidence';
import { RunEvidenceCache, type RunWindow, type TrackFrames } from '../core/decision/run-cache';
import { mouthOpening } from '../core/decision/lip-activity';
import { judgedEvidence, offsetWords, REASON_TEXT, verdictOf, type SyncState } from '../core/state';
import type { FaceObservation, FrameObservation } from '../core/features';
import { AudioSegment, type MfccKind } from './audio-segment';
import { FrameShots } from './frame-shots';
import {
  droppedFrameRatio,
  FrameDropCounter,
  isFrozenWindow,
  lostFrameRatio,
  SAMPLED_INTERVAL,
  STALL_SECONDS,
} from '../core/video/frame-drops';
import type { LipFrame, LipSampler, TrackCapture } from './lip-samplers';
import { autoStart, LipStride, type LipStrideSetting } from './lip-stride';
import { BackgroundTask } from './background-task';
import type { ModelStreams } from './model-streams';
import type {
  CheckResult,
  Engine,
  EngineAudio,
  EngineFrame,
  FaceSummary,
  FaceTracker,
  FrameStats,
  ModelChoice,
  SegmentReason,
} from './types';

/** Frames between incremental updates (embedding finished windows, refreshing the state). */
const UPDATE_EVERY_FRAMES = 25;
/**
 * Live: also update once this much media time has passed since the last update. A live
 * capture that skips frames (a busy machine, tab capture at its own rate) would otherwise
 * wait 25 frames = several seconds between verdicts, and a 25-fps video a whole second:
 * measured (npm run bench), firm verdicts came up to 2 s of evidence after the stabiliser's threshold.
 */
const LIVE_UPDATE_EVERY_SECONDS = 0.5;
/** Live: a segment is rolled over after this long, and evidence older than the horizon is dropped. */
const LIVE_SEGMENT_SECONDS = 20;
export const LIVE_HORIZON_SECONDS = 60;
/** Lip frames kept at most for windows still waiting for their sound (10 s at 25 fps). */
const MAX_WAITING_LIP_FRAMES = 250;

export interface EngineParts {
  /** The sync model's two streams, on this thread or in workers (model-streams.ts). */
  streams: ModelStreams;
  modelChoice: ModelChoice;
  sampler: LipSampler;
  tracker: FaceTracker;
  mfccKind: MfccKind;
  backend: string;
  policy: DecisionPolicy;
  /** The model's calibration (its manifest's `decision`, or a default from its threshold). */
  calibration: DecisionCalibration;
  /** 'live' rolls segments and bounds memory; 'file' keeps the whole file. */
  mode: 'live' | 'file';
  /** Lips embedded for every n-th window, or 'auto': as many as keep up with real time (lip-stride.ts). */
  lipStride: LipStrideSetting;
  /** Live: the media time an engine time came from, by which a moment seen again is known (onePerMoment); the engine time when absent. */
  mediaTimeOf?: (engineTime: number) => number;
  onState?: (state: SyncState) => void;
}

interface TrackInSegment {
  /** Captured lip input per frame index (freed once every window using it is embedded). */
  lip: Map<number, LipFrame>;
  capture: TrackCapture;
  /** Recent boxes (for the face summary). */
  boxes: FaceObservation['box'][];
  widths: number[];
  frames: number;
  /** Per frame index: mouth opening (lip activity) and face width; absent where the face is not seen. */
  openings: Map<number, number | null>;
  widthAt: Map<number, number>;
}

/** An embedded window; `speech` stays null until the audio reaches SPEECH_LOOKAHEAD_ROWS past it. */
interface WindowRecord extends RunWindow {
  mfccRowStart: number;
}

/** The embedded windows of one run of the 25-fps grid (resampleToGrid's GridSegment), in order. */
interface Run {
  records: WindowRecord[];
  /** Grid slot of the next window to embed: windows are embedded in order, once each. */
  nextSlot: number;
  /** Records before this index have their speech probability. */
  speechUpTo: number;
  evidence: RunEvidenceCache;
  /** Records before this index had their embeddings released (settleRuns). */
  released: number;
}

class Segment {
  /** Times of every frame pushed (duration, frame rate). */
  readonly sourceTimes: number[] = [];
  /** Times of the frames the 25-fps grid uses, the ones observed: frame indices count these. */
  readonly frameTimes: number[] = [];
  /**
   * The first this-many of frameTimes have their faces in (the tracker answers in call
   * order). Live, frames keep arriving while an update runs: windows, lip activity and the
   * decision only ever look at these, never at frames still being landmarked.
   */
  observedFrames = 0;
  /** Shot number of each observed frame (FrameObservation.shot). */
  readonly frameShots: number[] = [];
  readonly gridFilter = new GridFrameFilter(STALL_SECONDS);
  /**
   * The observed frames on the 25-fps grid, built as they come (constant work per frame);
   * split at a stall (frame-drops.ts), as the filter above is.
   */
  readonly grid = new GridBuilder({ maxGapSec: STALL_SECONDS });
  /** Frames lost before they reached the engine (a live source the machine cannot keep up with). */
  readonly drops = new FrameDropCounter();
  readonly tracks = new Map<number, TrackInSegment>();
  readonly audio = new AudioSegment();
  /** Embedded windows per grid run, keyed by the run's start time (stable while frames keep arriving). */
  readonly runs = new Map<number, Run>();
  /** MFCC row of the earliest window still to embed (0 until windows are made). */
  embedFromRow = 0;
  framesWithFace = 0;
  constructor(readonly id: number) {}
  get startTime(): number {
    return this.sourceTimes[0] ?? this.audio.startTime ?? 0;
  }
  get endTime(): number {
    return Math.max(this.sourceTimes.at(-1) ?? 0, this.audio.endTime);
  }
}

const median = (values: readonly number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};

export class SyncEngine implements Engine {
  private segments: Segment[] = [];
  private current: Segment;
  private nextSegmentId = 0;
  private framesSinceUpdate = 0;
  private lastUpdateAt: number | null = null;
  private hasAudioTrack: boolean | null = null;
  private protectedContent = false;
  /** The interval frames are counted against instead of their own: a tab capture's samples of the screen (setSampledFrames). */
  private assumedInterval: number | null = null;
  private lastState: SyncState = { status: 'waiting-for-speech', seconds: 0 };
  private disposed = false;
  /** Frames handed to the tracker whose faces are not absorbed yet, oldest first. */
  private inFlight: Promise<void>[] = [];
  /**
   * Live: the update runs beside the frames that keep arriving, so that a frame's answer
   * never waits for embeddings (a capture whose frames are not answered loses the next ones).
   */
  private readonly liveUpdate = new BackgroundTask(
    () => this.update(false),
    () => this.disposed,
  );
  /** Cut detection: a cut makes the tracker start new tracks (never one face across two shots). */
  private readonly shots: FrameShots;

  private readonly lipStride: LipStride;

  constructor(private readonly parts: EngineParts) {
    this.lipStride = new LipStride(parts.lipStride, autoStart(parts.modelChoice));
    this.current = this.openSegment();
    this.shots = new FrameShots(parts.tracker);
  }

  get state(): SyncState {
    return this.lastState;
  }

  /** One capture per face across segments: per-track state (smoothing, normalisation) survives a seek. */
  private readonly captures = new Map<number, TrackCapture>();
  private trackCapture(trackId: number): TrackCapture {
    let capture = this.captures.get(trackId);
    if (!capture) this.captures.set(trackId, (capture = this.parts.sampler.newTrack()));
    return capture;
  }

  private openSegment(): Segment {
    const segment = new Segment(this.nextSegmentId++);
    segment.drops.assumeInterval(this.assumedInterval);
    this.segments.push(segment);
    return segment;
  }

  /** The host knows there is no audio track (file without audio, muted live source). */
  setAudioTrackPresent(present: boolean): void {
    this.hasAudioTrack = present;
  }

  setSampledFrames(sampled: boolean): void {
    this.assumedInterval = sampled ? SAMPLED_INTERVAL : null;
    for (const segment of this.segments) segment.drops.assumeInterval(this.assumedInterval);
  }

  /** DRM/EME content: frames are black to us, nothing can be judged. */
  setProtectedContent(isProtected: boolean): void {
    this.protectedContent = isProtected;
    this.publish(false);
  }

  async pushFrame(frame: EngineFrame): Promise<void> {
    this.assertUsable();
    this.liveUpdate.rethrow();
    const segment = this.current;
    if (segment.sourceTimes.length > 0 && frame.mediaTime <= segment.sourceTimes.at(-1)!) {
      // Time went backwards without a newSegment() (a loop, an unannounced seek).
      this.newSegment('seek');
    }
    if (
      this.parts.mode === 'live' &&
      this.current.sourceTimes.length > 0 &&
      frame.mediaTime - this.current.startTime > LIVE_SEGMENT_SECONDS
    ) {
      this.newSegment('resume');
    }
    const target = this.current;
    target.sourceTimes.push(frame.mediaTime);
    target.drops.push(frame.mediaTime);
    // Faces only where the grid will look: above 25 fps, frames no slot shows are not observed.
    if (!target.gridFilter.keep(frame.mediaTime)) return;
    const frameIndex = target.frameTimes.length;
    target.frameTimes.push(frame.mediaTime);
    // Before observe(): the cut then applies to this frame even with earlier ones still in flight.
    this.shots.beforeObserve(frame);
    // A pixel sampler cuts the lips from the picture once the landmarks are back, after the
    // caller has released its picture: live, it cuts from a copy, so that frames overlap in
    // the landmarker workers as they do for landmark-only input.
    const held = await this.heldPicture(frame);
    const observed = this.parts.tracker
      .observe(frame, target.id)
      .then((observation) => this.absorb(target, frameIndex, held ?? frame, observation))
      .finally(() => held?.image.close());
    if (this.parts.sampler.usesPixels && !held) {
      await observed;
    } else {
      observed.catch(() => undefined); // awaited below or by drainObservations(); never unhandled
      this.inFlight.push(observed);
      while (this.inFlight.length >= this.parts.tracker.parallelFrames) await this.inFlight.shift();
    }
    this.lastUpdateAt ??= frame.mediaTime;
    const dueByTime =
      this.parts.mode === 'live' &&
      Math.abs(frame.mediaTime - this.lastUpdateAt) >= LIVE_UPDATE_EVERY_SECONDS;
    if (++this.framesSinceUpdate >= UPDATE_EVERY_FRAMES || dueByTime) {
      this.framesSinceUpdate = 0;
      this.lastUpdateAt = frame.mediaTime;
      if (this.parts.mode === 'live') this.liveUpdate.request();
      else await this.update(false);
    }
  }

  /** A copy of a live frame's picture for a pixel sampler with parallel landmarking; null otherwise. */
  private async heldPicture(frame: EngineFrame): Promise<(EngineFrame & { image: ImageBitmap }) | null> {
    if (
      this.parts.mode !== 'live' ||
      !this.parts.sampler.usesPixels ||
      this.parts.tracker.parallelFrames < 2 ||
      typeof ImageBitmap === 'undefined' ||
      !(frame.image instanceof ImageBitmap)
    )
      return null;
    return { ...frame, image: await createImageBitmap(frame.image) };
  }

  /** A frame's faces into its segment: lip input per track, boxes for the face summary. */
  private absorb(
    target: Segment,
    frameIndex: number,
    frame: EngineFrame,
    observation: FrameObservation,
  ): void {
    target.frameShots[frameIndex] = observation.shot;
    target.observedFrames = Math.max(target.observedFrames, frameIndex + 1);
    if (observation.faces.length > 0) target.framesWithFace++;
    for (const face of observation.faces) {
      let track = target.tracks.get(face.trackId);
      if (!track) {
        track = {
          lip: new Map(),
          capture: this.trackCapture(face.trackId),
          boxes: [],
          widths: [],
          frames: 0,
          openings: new Map(),
          widthAt: new Map(),
        };
        target.tracks.set(face.trackId, track);
      }
      const lip = track.capture(frame, face);
      if (lip) track.lip.set(frameIndex, lip);
      track.boxes.push(face.box);
      if (track.boxes.length > 250) track.boxes.shift();
      track.widths.push(face.box[2]);
      track.frames++;
      track.openings.set(frameIndex, mouthOpening(face));
      track.widthAt.set(frameIndex, face.box[2]);
    }
  }

  /**
   * Waits for every frame being landmarked when called (before windows are embedded or the
   * result is read); frames pushed meanwhile by a live capture are the next update's.
   */
  private async drainObservations(): Promise<void> {
    // Not removed here: the capture's own pacing (pushFrame) still counts them while they run.
    await Promise.all([...this.inFlight]);
  }

  pushAudio(audio: EngineAudio): void {
    this.assertUsable();
    if (this.hasAudioTrack === null) this.hasAudioTrack = true;
    this.current.audio.push(audio);
  }

  newSegment(_reason: SegmentReason): void {
    this.assertUsable();
    if (this.current.sourceTimes.length === 0 && this.current.audio.sampleCount === 0) return;
    this.current.audio.flush();
    this.parts.tracker.newSegment();
    this.shots.reset();
    this.current = this.openSegment();
    if (this.parts.mode === 'live') {
      // Keep only segments that still hold recent evidence (bounded memory).
      while (this.segments.length > Math.ceil(LIVE_HORIZON_SECONDS / LIVE_SEGMENT_SECONDS) + 1)
        this.segments.shift();
    }
  }

  resetEvidence(): void {
    this.assertUsable();
    this.parts.tracker.newSegment();
    this.segments = [];
    this.captures.clear();
    this.hasAudioTrack = null;
    this.current = this.openSegment();
    this.lastState = { status: 'waiting-for-speech', seconds: 0 };
  }

  evidenceSummary(): EvidenceSummary {
    return summariseEvidence(this.windowEvidence(false), this.parts.policy);
  }

  frameStats(): FrameStats {
    return {
      lipStride: this.lipStride.stride,
      modelOn: this.parts.streams.where,
      ...this.frameLoss(),
    };
  }

  suggestedRegion(): EngineFrame['region'] | null {
    return this.parts.tracker.suggestedRegion();
  }

  async finish(): Promise<CheckResult> {
    this.assertUsable();
    await this.liveUpdate.idle();
    this.liveUpdate.rethrow();
    this.current.audio.flush();
    await this.update(true);
    return this.result();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parts.tracker.close();
    this.parts.streams.dispose();
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('the engine was disposed');
  }

  /** Embeds every window whose frames and audio are final, then refreshes the state. */
  private async update(final: boolean): Promise<void> {
    await this.drainObservations();
    // A copy: a live capture may open a segment (and drop the oldest) while this one awaits embeddings.
    for (const segment of [...this.segments]) {
      await this.embedFinishedWindows(segment, final);
      fillSpeech(segment, final);
      segment.audio.discardBefore(audioNeededFrom(segment));
      settleRuns(segment, !final && this.parts.mode !== 'live');
    }
    // A file's state is read once, at the end: deciding over every window so far after every
    // 25 frames would make the work per frame grow with the file's length (docs/speed.md).
    if (final || this.parts.mode === 'live') this.publish(final);
  }

  /** The 25-fps grid of the segment's observed frames, extended by the frames observed since the last call. */
  private gridOf(segment: Segment) {
    const { grid } = segment;
    while (grid.frames < segment.observedFrames) grid.push(segment.frameTimes[grid.frames]);
    return grid.grids();
  }

  private async embedFinishedWindows(segment: Segment, final: boolean): Promise<void> {
    const observed = segment.observedFrames;
    if (observed < WINDOW_FRAMES || segment.audio.startTime === null) return;
    const lastFrameTime = segment.frameTimes[observed - 1];
    const pending: { window: SyncWindow; run: Run; key: number }[] = [];
    /** First frame of the earliest window still to embed (one waiting for its sound keeps its lips). */
    let firstUnembedded = Infinity;
    const grids = this.gridOf(segment);
    let embedFrom = Infinity;
    for (const grid of grids) {
      let run = segment.runs.get(grid.startTimeSec);
      if (!run)
        segment.runs.set(
          grid.startTimeSec,
          (run = { records: [], nextSlot: 0, speechUpTo: 0, evidence: new RunEvidenceCache(), released: 0 }),
        );
      for (const window of windowsForSegment(
        grid,
        segment.audio.startTime,
        segment.audio.completeRows(),
        run.nextSlot,
      )) {
        // The last slot's nearest frame is final once a frame half a grid period later exists.
        const lastSlotTime = window.startTimeSec + (WINDOW_FRAMES - 1) / GRID_FPS;
        if (!final && lastSlotTime + 0.5 / GRID_FPS > lastFrameTime) break;
        pending.push({ window, run, key: pending.length });
        run.nextSlot = window.gridStart + 1;
      }
      firstUnembedded = Math.min(firstUnembedded, grid.frameIndices[run.nextSlot] ?? Infinity);
      // The last run still grows; an earlier one has windows left only while they wait for sound.
      if (grid === grids.at(-1) || run.nextSlot + WINDOW_FRAMES <= grid.frameIndices.length)
        embedFrom = Math.min(embedFrom, mfccRowOfSlot(grid, segment.audio.startTime, run.nextSlot));
    }
    segment.embedFromRow = Number.isFinite(embedFrom) ? embedFrom : 0;
    if (pending.length === 0) return;

    const { streams, sampler, mfccKind } = this.parts;
    const firstRow = Math.min(...pending.map((p) => p.window.mfccRowStart));
    const lastRow = Math.max(...pending.map((p) => p.window.mfccRowStart)) + WINDOW_MFCC_ROWS;
    const mfcc = segment.audio.mfccRows(mfccKind, firstRow, lastRow);
    const audioRows = await streams.embedAudio(
      mfccWindowValues(
        mfcc,
        pending.map((p) => p.window.mfccRowStart - firstRow),
      ),
    );

    // A window over lost frames shows a frozen mouth (frame-drops.ts): its lips are not embedded, it never votes.
    const typicalInterval = segment.drops.typicalInterval();
    const frozen = (w: SyncWindow) =>
      isFrozenWindow(
        w.frameIndices.map((_, k) => w.startTimeSec + k / GRID_FPS),
        w.frameIndices.map((f) => segment.frameTimes[f]),
        typicalInterval,
      );
    // A slow lip stream embeds every stride-th window only (lip-stride.ts); the others do not vote either.
    const lipPending = pending.filter((p) => !frozen(p.window) && this.lipStride.embeds(p.window.gridStart));
    const lipByTrack = new Map<number, Map<number, Float32Array>>();
    for (const [trackId, track] of segment.tracks) {
      const complete = lipPending.filter((p) => p.window.frameIndices.every((f) => track.lip.has(f)));
      if (complete.length === 0) continue;
      const lipInput = sampler.windowValues(
        complete.map((p) => p.window.frameIndices.map((f) => track.lip.get(f)!)),
      );
      const started = performance.now();
      const rows = await streams.embedLip(lipInput);
      this.lipStride.record(complete.length, (performance.now() - started) / 1000);
      lipByTrack.set(trackId, new Map(complete.map((p, i) => [p.key, rows[i]])));
    }

    pending.forEach(({ window, run, key }, i) => {
      const lip = new Map<number, Float32Array | null>();
      for (const trackId of segment.tracks.keys())
        lip.set(trackId, lipByTrack.get(trackId)?.get(key) ?? null);
      const frames = window.frameIndices;
      const shot = segment.frameShots[frames[0]] ?? segment.id;
      run.records.push({
        t: window.startTimeSec,
        shot,
        speech: null,
        audio: audioRows[i],
        lip,
        frames,
        mfccRowStart: window.mfccRowStart,
      });
    });

    // Lip frames no unembedded window can use any more are released: those before the last
    // few frames and before the first window still waiting (its sound may come later: a
    // streamed file's next part, a live capture whose audio lags), but never more than
    // MAX_WAITING_LIP_FRAMES back (sound that never comes must not hold a segment's pixels).
    const frames = observed;
    const oldestNeeded = final
      ? Infinity
      : Math.max(
          0,
          frames - MAX_WAITING_LIP_FRAMES,
          Math.min(firstUnembedded, frames - 2 * WINDOW_FRAMES - 2),
        );
    for (const track of segment.tracks.values()) {
      for (const index of track.lip.keys()) if (index < oldestNeeded) track.lip.delete(index);
    }
  }

  /**
   * Every embedded window of every kept segment as the decision's evidence
   * (decision/build.ts through run-cache.ts: each window's calc_pdist row is computed once it is final).
   * Live, a moment seen again (a loop, a seek back) counts once (onePerMoment).
   */
  private windowEvidence(final: boolean): WindowEvidence[] {
    const out: WindowEvidence[] = [];
    for (const segment of this.segments) {
      const tracks = trackFrames(segment);
      for (const run of segment.runs.values()) {
        if (run.records.length > 0)
          out.push(...run.evidence.evidence(run.records, tracks, segment.observedFrames, final));
      }
    }
    return this.parts.mode === 'live' ? onePerMoment(out, this.parts.mediaTimeOf) : out;
  }

  private context(final: boolean): ClipContext {
    let framesSeen = 0;
    let framesWithFace = 0;
    let audioPeak = 0;
    let seconds = 0;
    const widths: number[] = [];
    for (const segment of this.segments) {
      framesSeen += segment.observedFrames;
      framesWithFace += segment.framesWithFace;
      audioPeak = Math.max(audioPeak, segment.audio.peak);
      seconds += Math.max(0, segment.endTime - segment.startTime);
      for (const track of segment.tracks.values()) widths.push(...track.widths);
    }
    return {
      hasAudioTrack: this.hasAudioTrack ?? (final ? false : null),
      audioPeak,
      framesSeen,
      framesWithFace,
      largestFaceWidth: median(widths),
      protectedContent: this.protectedContent,
      final,
      secondsSeen: seconds,
      ...this.frameLoss(),
    };
  }

  /**
   * The shares of frames lost (frame-drops.ts). A file's gaps are its own (a picture held in
   * a variable-rate file), so only a live check loses frames in stalls.
   */
  private frameLoss(): Pick<ClipContext, 'droppedFrameRatio' | 'lostFrameRatio'> {
    const drops = this.segments.map((s) => s.drops);
    const dropped = droppedFrameRatio(drops);
    return {
      droppedFrameRatio: dropped,
      lostFrameRatio: this.parts.mode === 'live' ? lostFrameRatio(drops) : dropped,
    };
  }

  private decideNow(final: boolean): Decision {
    return decide(this.windowEvidence(final), this.context(final), this.parts.calibration, this.parts.policy);
  }

  private publish(final: boolean): void {
    const { state } = this.decideNow(final);
    this.lastState = state;
    this.parts.onState?.(state);
  }

  private result(): CheckResult {
    const decision = this.decideNow(true);
    const { state, search, votesByTrack } = decision;
    this.lastState = state;
    const trackIds = new Set(this.segments.flatMap((s) => [...s.tracks.keys()]));
    const speaker = [...votesByTrack].sort((a, b) => b[1] - a[1])[0]?.[0];
    const faces: FaceSummary[] = [...trackIds].map((trackId) => {
      const boxes = this.segments.flatMap((s) => s.tracks.get(trackId)?.boxes ?? []);
      const widths = this.segments.flatMap((s) => s.tracks.get(trackId)?.widths ?? []);
      const frames = this.segments.reduce((n, s) => n + (s.tracks.get(trackId)?.frames ?? 0), 0);
      return {
        trackId,
        frames,
        medianWidth: median(widths),
        box: [0, 1, 2, 3].map((k) => median(boxes.map((b) => b[k]))) as FaceSummary['box'],
        speakingSeconds: (votesByTrack.get(trackId) ?? 0) * 0.04,
        chosen: trackId === speaker,
      };
    });
    const evidence =
      judgedEvidence(state) ?? (state.status === 'cannot-judge' ? state.evidence : undefined) ?? null;
    return {
      model: this.parts.modelChoice,
      backend: this.parts.backend,
      landmarking: this.parts.tracker.landmarkingOn,
      landmarkerRenewals: this.parts.tracker.workerRenewals,
      fps: estimateFps(this.segments),
      durationS: this.segments.some((s) => s.sourceTimes.length > 0)
        ? Math.max(...this.segments.map((s) => s.endTime)) -
          Math.min(...this.segments.map((s) => s.startTime))
        : 0,
      state,
      offsetFrames: search ? search.offsetFrames : null,
      offsetMs: search ? search.offsetFrames * (1000 / GRID_FPS) : null,
      minDist: search ? search.minDist : null,
      confidence: search ? search.confidence : null,
      threshold: this.parts.calibration.scale,
      pMismatch: evidence?.pMismatch ?? null,
      evidenceSeconds: evidence?.evidenceSeconds ?? 0,
      verdict: verdictOf(state) ?? 'cannot-judge',
      ...(state.status === 'cannot-judge' ? { reason: state.reason } : {}),
      dists: search ? Array.from(search.meanDists) : [],
      timeline: evidence?.timeline ?? [],
      segments: evidence?.segments ?? [],
      faces,
    };
  }
}

/** What the decision reads of the segment's face tracks, per observed frame. */
function trackFrames(segment: Segment): TrackFrames[] {
  return [...segment.tracks].map(([trackId, track]) => ({
    trackId,
    opening: (f) => track.openings.get(f) ?? null,
    width: (f) => track.widthAt.get(f) ?? null,
  }));
}

const RELEASED_AUDIO = new Float32Array(0);
const RELEASED_LIPS: ReadonlyMap<number, Float32Array | null> = new Map();

/**
 * What a run keeps per window is its record, not its embeddings too: those no record reads
 * any more are released, in every mode. `advance`: a file decides once, at the end, so its
 * records are computed here as they become final (run-cache.ts advance()) — live, each
 * publish does that — and the end computes only the last few.
 */
function settleRuns(segment: Segment, advance: boolean): void {
  const tracks = advance ? trackFrames(segment) : [];
  for (const run of segment.runs.values()) {
    if (advance) run.evidence.advance(run.records, tracks, segment.observedFrames);
    for (; run.released < run.evidence.unreadWindows; run.released++) {
      run.records[run.released].audio = RELEASED_AUDIO;
      run.records[run.released].lip = RELEASED_LIPS;
    }
  }
}

/**
 * The speech detector's probability for windows that lack one, once the audio reaches
 * SPEECH_LOOKAHEAD_ROWS past them (then it equals the whole-signal value); at the end, with
 * whatever audio there is. One detector call covers all of them (its ±0.5 s context is
 * computed once per call). Windows get theirs in order, so each run keeps where it is.
 */
function fillSpeech(segment: Segment, final: boolean): void {
  const rows = segment.audio.completeRows();
  if (rows === 0) return;
  const due: { run: Run; from: number; to: number }[] = [];
  for (const run of segment.runs.values()) {
    let to = run.speechUpTo;
    const ready = (r: WindowRecord) =>
      final || r.mfccRowStart + WINDOW_MFCC_ROWS + SPEECH_LOOKAHEAD_ROWS <= rows;
    while (to < run.records.length && ready(run.records[to])) to++;
    if (to > run.speechUpTo) due.push({ run, from: run.speechUpTo, to });
  }
  if (due.length === 0) return;
  const first = Math.min(...due.map((d) => d.run.records[d.from].mfccRowStart));
  const last = Math.min(
    rows,
    Math.max(...due.map((d) => d.run.records[d.to - 1].mfccRowStart)) + WINDOW_MFCC_ROWS,
  );
  // pcm() starts at discardedRows: the detector's rows are counted from there.
  const kept = segment.audio.discardedRows;
  const probs = speechProbabilitiesRange(segment.audio.pcm(), first - kept, last - kept);
  for (const { run, from, to } of due) {
    for (let i = from; i < to; i++)
      run.records[i].speech = windowSpeech(probs, run.records[i].mfccRowStart - first);
    run.speechUpTo = to;
  }
}

/**
 * The MFCC row before which the segment's sound is read no more: the earliest window still
 * to embed or still without its speech probability, less the speech detector's context
 * (±0.5 s, speech-features.ts) and the MFCC's pre-emphasis row, with room to spare.
 */
function audioNeededFrom(segment: Segment): number {
  let row = segment.embedFromRow;
  for (const run of segment.runs.values()) {
    const waiting = run.records[run.speechUpTo];
    if (waiting) row = Math.min(row, waiting.mfccRowStart);
  }
  return row - 2 * SPEECH_LOOKAHEAD_ROWS;
}

function estimateFps(segments: readonly Segment[]): number {
  const intervals: number[] = [];
  for (const s of segments)
    for (let i = 1; i < s.sourceTimes.length; i++) intervals.push(s.sourceTimes[i] - s.sourceTimes[i - 1]);
  const typical = median(intervals);
  return typical > 0 ? Math.round((1 / typical) * 1000) / 1000 : 0;
}

/** A plain-words line for a state (CLI output, overlay tooltip). */
export function describeState(state: SyncState): string {
  switch (state.status) {
    case 'in-sync':
      return `in sync (offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(2)})`;
    case 'shifted':
      return `shifted: ${offsetWords(state.evidence.offsetMs)} (confidence ${state.evidence.confidence.toFixed(2)})`;
    case 'mismatch':
      return `mismatch (offset ${state.evidence.offsetMs} ms, confidence ${state.evidence.confidence.toFixed(2)})`;
    case 'cannot-judge':
      return `cannot judge: ${REASON_TEXT[state.reason]}${state.detail ? ` (${state.detail})` : ''}`;
    case 'checking':
      return `checking (${Math.round(state.progress * 100)} %)`;
    case 'waiting-for-speech':
      return 'waiting for speech';
    case 'loading':
      return `loading ${state.what}`;
    case 'idle':
      return 'idle';
    case 'error':
      return `error: ${state.message}`;
  }
}
