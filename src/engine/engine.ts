// The engine: timestamped frames and audio → face tracks → 25-fps windows → embeddings →
// the 31-offset search per face → SyncState. One implementation for live checking (the
// host pushes as the video plays and reads `state`), the file page and the CLI (push a
// whole file, then finish()).
//
// Work happens in small increments (every UPDATE_EVERY_FRAMES frames): windows whose five
// grid frames are final are embedded once and only their embeddings are kept, so memory
// stays bounded by the segments kept, not by the pixels seen. Live checking rolls its
// segment every LIVE_SEGMENT_SECONDS and keeps the last LIVE_HORIZON_SECONDS of evidence.
import { GridFrameFilter, resampleToGrid, windowsForSegment, GRID_FPS, WINDOW_FRAMES, WINDOW_MFCC_ROWS, type SyncWindow } from '../core/sync/windows';
import { combineSearches, searchOffset, type CombinedOffset, type OffsetResult } from '../core/sync/offset-search';
import { mfccWindowTensor, embedInBatches } from '../core/score';
import { DEFAULT_POLICY, decide, chooseSpeaker, type EvidenceSummary, type TrackEvidence, type VerdictPolicy } from '../core/verdict';
import { offsetWords, REASON_TEXT, verdictOf, type SyncState } from '../core/state';
import type { FaceObservation, FrameObservation } from '../core/features';
import type { SyncModel } from '../core/models/types';
import { AudioSegment, type MfccKind } from './audio-segment';
import { FrameShots } from './frame-shots';
import type { LipFrame, LipSampler, TrackCapture } from './lip-samplers';
import type { CheckResult, Engine, EngineAudio, EngineFrame, FaceSummary, FaceTracker, ModelChoice, SegmentReason } from './types';

/** Frames between incremental updates (embedding finished windows, refreshing the state). */
const UPDATE_EVERY_FRAMES = 25;
/** Live: a segment is rolled over after this long, and evidence older than the horizon is dropped. */
const LIVE_SEGMENT_SECONDS = 20;
const LIVE_HORIZON_SECONDS = 60;
/** A window holds speech when its 0.2 s of audio is louder than this (dBFS). */
const SPEECH_LEVEL_DB = -45;
/** Frame gap (s) that splits the 25-fps grid inside a segment (dropped frames, a stall). */
const MAX_GRID_GAP_SEC = 0.5;
/** Timeline resolution (s). */
const TIMELINE_STEP = 1;

export interface EngineParts {
  model: SyncModel;
  modelChoice: ModelChoice;
  sampler: LipSampler;
  tracker: FaceTracker;
  mfccKind: MfccKind;
  backend: string;
  policy: VerdictPolicy;
  /** 'live' rolls segments and bounds memory; 'file' keeps the whole file. */
  mode: 'live' | 'file';
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
}

interface WindowRecord {
  window: SyncWindow;
  gridStart: number;
  audio: Float32Array;
  speech: boolean;
  lip: Map<number, Float32Array | null>;
}

class Segment {
  /** Times of every frame pushed (duration, frame rate). */
  readonly sourceTimes: number[] = [];
  /** Times of the frames the 25-fps grid uses, the ones observed: frame indices count these. */
  readonly frameTimes: number[] = [];
  readonly gridFilter = new GridFrameFilter(MAX_GRID_GAP_SEC);
  readonly tracks = new Map<number, TrackInSegment>();
  readonly audio = new AudioSegment();
  /** Embedded windows keyed by start time (ms): stable while frames keep arriving. */
  readonly windows = new Map<number, WindowRecord>();
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
  private hasAudioTrack: boolean | null = null;
  private protectedContent = false;
  private lastState: SyncState = { status: 'waiting-for-speech', seconds: 0 };
  private disposed = false;
  /** Frames handed to the tracker whose faces are not absorbed yet, oldest first. */
  private inFlight: Promise<void>[] = [];
  /** Cut detection: a cut makes the tracker start new tracks (never one face across two shots). */
  private readonly shots: FrameShots;

  constructor(private readonly parts: EngineParts) {
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
    this.segments.push(segment);
    return segment;
  }

  /** The host knows there is no audio track (file without audio, muted live source). */
  setAudioTrackPresent(present: boolean): void {
    this.hasAudioTrack = present;
  }

  /** DRM/EME content: frames are black to us, nothing can be judged. */
  setProtectedContent(isProtected: boolean): void {
    this.protectedContent = isProtected;
    this.publish(this.summarize(false));
  }

  async pushFrame(frame: EngineFrame): Promise<void> {
    this.assertUsable();
    const segment = this.current;
    if (segment.sourceTimes.length > 0 && frame.mediaTime <= segment.sourceTimes.at(-1)!) {
      // Time went backwards without a newSegment() (a loop, an unannounced seek).
      this.newSegment('seek');
    }
    if (this.parts.mode === 'live' && this.current.sourceTimes.length > 0 && frame.mediaTime - this.current.startTime > LIVE_SEGMENT_SECONDS) {
      this.newSegment('resume');
    }
    const target = this.current;
    target.sourceTimes.push(frame.mediaTime);
    // Faces only where the grid will look: above 25 fps, frames no slot shows are not observed.
    if (!target.gridFilter.keep(frame.mediaTime)) return;
    const frameIndex = target.frameTimes.length;
    target.frameTimes.push(frame.mediaTime);
    // Before observe(): the cut then applies to this frame even with earlier ones still in flight.
    this.shots.beforeObserve(frame);
    const observed = this.parts.tracker.observe(frame, target.id).then((observation) => this.absorb(target, frameIndex, frame, observation));
    if (this.parts.sampler.usesPixels) {
      // The lip input is cut from the frame's pixels, which the caller releases when this returns.
      await observed;
    } else {
      // Landmark-only lip input: the tracker has read the picture, so the next frame may be
      // landmarked while this one still is (parallel landmarker workers).
      observed.catch(() => undefined); // awaited below or by drainObservations(); never unhandled
      this.inFlight.push(observed);
      while (this.inFlight.length >= this.parts.tracker.parallelFrames) await this.inFlight.shift();
    }
    if (++this.framesSinceUpdate >= UPDATE_EVERY_FRAMES) {
      this.framesSinceUpdate = 0;
      await this.update(false);
    }
  }

  /** A frame's faces into its segment: lip input per track, boxes for the face summary. */
  private absorb(target: Segment, frameIndex: number, frame: EngineFrame, observation: FrameObservation): void {
    if (observation.faces.length > 0) target.framesWithFace++;
    for (const face of observation.faces) {
      let track = target.tracks.get(face.trackId);
      if (!track) {
        track = { lip: new Map(), capture: this.trackCapture(face.trackId), boxes: [], widths: [], frames: 0 };
        target.tracks.set(face.trackId, track);
      }
      const lip = track.capture(frame, face);
      if (lip) track.lip.set(frameIndex, lip);
      track.boxes.push(face.box);
      if (track.boxes.length > 250) track.boxes.shift();
      track.widths.push(face.box[2]);
      track.frames++;
    }
  }

  /** Waits for every frame still being landmarked (before windows are embedded or the result is read). */
  private async drainObservations(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
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
      while (this.segments.length > Math.ceil(LIVE_HORIZON_SECONDS / LIVE_SEGMENT_SECONDS) + 1) this.segments.shift();
    }
  }

  suggestedRegion(): EngineFrame['region'] | null {
    return this.parts.tracker.suggestedRegion();
  }

  async finish(): Promise<CheckResult> {
    this.assertUsable();
    this.current.audio.flush();
    await this.update(true);
    return this.result();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parts.tracker.close();
    this.parts.model.dispose();
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('the engine was disposed');
  }

  /** Embeds every window whose frames and audio are final, then refreshes the state. */
  private async update(final: boolean): Promise<void> {
    await this.drainObservations();
    for (const segment of this.segments) await this.embedFinishedWindows(segment, final);
    this.publish(this.summarize(final));
  }

  private gridOf(segment: Segment) {
    return resampleToGrid(segment.frameTimes, { maxGapSec: MAX_GRID_GAP_SEC });
  }

  private async embedFinishedWindows(segment: Segment, final: boolean): Promise<void> {
    if (segment.frameTimes.length < WINDOW_FRAMES || segment.audio.startTime === null) return;
    const lastFrameTime = segment.frameTimes.at(-1)!;
    const pending: { window: SyncWindow; gridStart: number; key: number }[] = [];
    for (const grid of this.gridOf(segment)) {
      const windows = windowsForSegment(grid, segment.audio.startTime, segment.audio.completeRows());
      for (const window of windows) {
        const key = Math.round(window.startTimeSec * 1000);
        if (segment.windows.has(key)) continue;
        // The last slot's nearest frame is final once a frame half a grid period later exists.
        const lastSlotTime = window.startTimeSec + (WINDOW_FRAMES - 1) / GRID_FPS;
        if (!final && lastSlotTime + 0.5 / GRID_FPS > lastFrameTime) continue;
        pending.push({ window, gridStart: grid.startTimeSec, key });
      }
    }
    if (pending.length === 0) return;

    const { model, sampler, mfccKind } = this.parts;
    const firstRow = Math.min(...pending.map((p) => p.window.mfccRowStart));
    const lastRow = Math.max(...pending.map((p) => p.window.mfccRowStart)) + WINDOW_MFCC_ROWS;
    const mfcc = segment.audio.mfccRows(mfccKind, firstRow, lastRow);
    const audioInput = mfccWindowTensor(mfcc, pending.map((p) => p.window.mfccRowStart - firstRow));
    const audioRows = await embedInBatches(audioInput, (batch) => model.embedAudio(batch), 32);
    audioInput.dispose();

    const lipByTrack = new Map<number, Map<number, Float32Array>>();
    for (const [trackId, track] of segment.tracks) {
      const complete = pending.filter((p) => p.window.frameIndices.every((f) => track.lip.has(f)));
      if (complete.length === 0) continue;
      const lipInput = sampler.windowTensor(complete.map((p) => p.window.frameIndices.map((f) => track.lip.get(f)!)));
      const rows = await embedInBatches(lipInput, (batch) => model.embedLip(batch), 16);
      lipInput.dispose();
      lipByTrack.set(trackId, new Map(complete.map((p, i) => [p.key, rows[i]])));
    }

    pending.forEach((p, i) => {
      const speech = segment.audio.levelDb(p.window.mfccRowStart * 160, WINDOW_MFCC_ROWS * 160) > SPEECH_LEVEL_DB;
      const lip = new Map<number, Float32Array | null>();
      for (const trackId of segment.tracks.keys()) lip.set(trackId, lipByTrack.get(trackId)?.get(p.key) ?? null);
      segment.windows.set(p.key, { window: p.window, gridStart: p.gridStart, audio: audioRows[i], speech, lip });
    });

    // Lip frames no unembedded window can use any more are released.
    const oldestNeeded = final ? Infinity : Math.max(0, segment.frameTimes.length - 2 * WINDOW_FRAMES - 2);
    for (const track of segment.tracks.values()) {
      for (const index of track.lip.keys()) if (index < oldestNeeded) track.lip.delete(index);
    }
  }

  /** Per face: the offset search over its windows in every kept segment, combined. */
  private trackEvidence(): TrackEvidence[] {
    const perTrack = new Map<number, { searches: OffsetResult[]; evidence: number; widths: number[]; timeline: { t: number; c: number }[] }>();
    for (const segment of this.segments) {
      for (const [trackId, track] of segment.tracks) {
        const entry = perTrack.get(trackId) ?? { searches: [], evidence: 0, widths: [], timeline: [] };
        entry.widths.push(...track.widths);
        perTrack.set(trackId, entry);
      }
      // Windows grouped by grid run, in time order: index i ↔ audio window i.
      const runs = new Map<number, WindowRecord[]>();
      for (const record of segment.windows.values()) {
        const run = runs.get(record.gridStart) ?? [];
        run.push(record);
        runs.set(record.gridStart, run);
      }
      for (const run of runs.values()) {
        run.sort((a, b) => a.window.startTimeSec - b.window.startTimeSec);
        for (const [trackId, entry] of perTrack) {
          const lip = run.map((r) => r.lip.get(trackId) ?? null);
          if (lip.every((row) => row === null)) continue;
          const search = searchOffset(lip, run.map((r) => r.audio));
          entry.searches.push(search);
          entry.evidence += run.filter((r, i) => r.speech && lip[i] !== null).length;
          search.timelineWindows!.forEach((w, row) => entry.timeline.push({ t: run[w].window.startTimeSec, c: search.windowConfidence[row] }));
        }
      }
    }
    return [...perTrack].map(([trackId, entry]) => ({
      trackId,
      evidenceWindows: entry.evidence,
      medianFaceWidth: median(entry.widths),
      search: entry.searches.length > 0 ? combineSearches(entry.searches) : null,
      timeline: bucketTimeline(entry.timeline),
    }));
  }

  private summarize(final: boolean): EvidenceSummary {
    let speechWindows = 0;
    let framesSeen = 0;
    let framesWithFace = 0;
    let audioPeak = 0;
    let seconds = 0;
    for (const segment of this.segments) {
      for (const record of segment.windows.values()) if (record.speech) speechWindows++;
      framesSeen += segment.frameTimes.length;
      framesWithFace += segment.framesWithFace;
      audioPeak = Math.max(audioPeak, segment.audio.peak);
      seconds += Math.max(0, segment.endTime - segment.startTime);
    }
    return {
      hasAudioTrack: this.hasAudioTrack ?? (final ? false : null),
      audioPeak,
      speechWindows,
      framesSeen,
      framesWithFace,
      protectedContent: this.protectedContent,
      tracks: this.trackEvidence(),
      final,
      secondsSeen: seconds,
    };
  }

  private publish(summary: EvidenceSummary): void {
    const state = decide(summary, this.parts.policy);
    this.lastState = state;
    this.parts.onState?.(state);
  }

  private result(): CheckResult {
    const summary = this.summarize(true);
    const state = decide(summary, this.parts.policy);
    this.lastState = state;
    const { chosen } = chooseSpeaker(summary.tracks, this.parts.policy);
    const faces: FaceSummary[] = summary.tracks.map((track) => {
      const boxes = this.segments.flatMap((s) => s.tracks.get(track.trackId)?.boxes ?? []);
      const frames = this.segments.reduce((n, s) => n + (s.tracks.get(track.trackId)?.frames ?? 0), 0);
      return {
        trackId: track.trackId,
        frames,
        medianWidth: track.medianFaceWidth,
        box: [0, 1, 2, 3].map((k) => median(boxes.map((b) => b[k]))) as FaceSummary['box'],
        ...(track.search ? { confidence: track.search.confidence, offsetFrames: track.search.offsetFrames } : {}),
        chosen: chosen?.trackId === track.trackId,
      };
    });
    const evidence = state.status === 'in-sync' || state.status === 'mismatch' ? state.evidence : null;
    const search: CombinedOffset | null = chosen?.search ?? null;
    const verdict = verdictOf(state) ?? 'cannot-judge';
    return {
      model: this.parts.modelChoice,
      backend: this.parts.backend,
      landmarking: this.parts.tracker.landmarkingOn,
      fps: estimateFps(this.segments),
      durationS: this.segments.some((s) => s.sourceTimes.length > 0) ? Math.max(...this.segments.map((s) => s.endTime)) - Math.min(...this.segments.map((s) => s.startTime)) : 0,
      state,
      offsetFrames: search ? search.offsetFrames : null,
      offsetMs: search ? search.offsetFrames * (1000 / GRID_FPS) : null,
      minDist: search ? search.minDist : null,
      confidence: search ? search.confidence : null,
      threshold: this.parts.policy.threshold,
      verdict,
      ...(state.status === 'cannot-judge' ? { reason: state.reason } : {}),
      dists: search ? Array.from(search.meanDists) : [],
      timeline: evidence?.timeline ?? chosen?.timeline ?? [],
      faces,
    };
  }
}

function bucketTimeline(points: { t: number; c: number }[]): { t: number; confidence: number }[] {
  const buckets = new Map<number, { sum: number; n: number }>();
  for (const { t, c } of points) {
    const key = Math.floor(t / TIMELINE_STEP) * TIMELINE_STEP;
    const bucket = buckets.get(key) ?? { sum: 0, n: 0 };
    bucket.sum += c;
    bucket.n++;
    buckets.set(key, bucket);
  }
  return [...buckets].sort(([a], [b]) => a - b).map(([t, { sum, n }]) => ({ t, confidence: sum / n }));
}

function estimateFps(segments: readonly Segment[]): number {
  const intervals: number[] = [];
  for (const s of segments) for (let i = 1; i < s.sourceTimes.length; i++) intervals.push(s.sourceTimes[i] - s.sourceTimes[i - 1]);
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

