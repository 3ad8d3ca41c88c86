// One live check of one video, inside the engine host. Whatever brings the pixels and
// sound (the content script's JPEG crops and worklet chunks, or a tab capture here), the
// playback rules live only here: what starts a new segment (seek, source change, rate
// change, resume after a pause / hidden tab / mute), what is dropped (frames and sound
// while paused, seeking, hidden or muted), and what the video's state is: the engine's
// decision through the live stabiliser (provisional, then firm, with hysteresis).
import type { EvidenceSummary } from '../core/decision/summary';
import { mapStateTimes, whyText, type CannotJudgeWhy, type SyncState } from '../core/state';
import { VerdictStabiliser } from '../core/decision/stabilise';
import { createEngine, type CreateEngineOptions } from '../engine/create';
import { LIVE_HORIZON_SECONDS, type SyncEngine } from '../engine/engine';
import type { EngineAssets, EngineFrame, FrameStats, ModelChoice, SegmentReason } from '../engine/types';
import type { WeightsBundle } from '../core/convert/weights-bundle';
import {
  STREAM_SRC_PREFIX,
  type CaptureKind,
  type LoopPass,
  type PlaybackInfo,
  type Region,
} from '../shared/protocol';
import { SeenWhole } from './seen-whole';
import { Timebase } from './timebase';

const MUTED: CannotJudgeWhy = { kind: 'muted' };
const CALL_SOUND: CannotJudgeWhy = { kind: 'call-sound-unreachable' };

export interface SessionConfig {
  sessionId: string;
  tabId: number;
  frameId: number;
  capture: CaptureKind;
  model: ModelChoice;
  threshold: number | null;
  assets: EngineAssets;
  /** Loads the official weights for model syncnet-v2 / syncnet-v4. */
  loadWeights: (model: ModelChoice) => Promise<WeightsBundle | undefined>;
  /** final: no more evidence will change the state (see `settle`). */
  onState: (state: SyncState, final: boolean) => void;
  /** Seconds of playback (sound analysed) after which a check still without a verdict settles; default SETTLE_AFTER_SECONDS. */
  settleAfterSeconds?: number;
  /** Milliseconds of pause after which a check without a verdict settles; default SETTLE_AFTER_PAUSE_MS. */
  settleAfterPauseMs?: number;
  /** Seconds on a monotonic clock, read at each engine update; performance.now() unless a test steps it. */
  now?: () => number;
  /** Builds the engine; createEngine unless a test stands in for it. */
  makeEngine?: (assets: EngineAssets, options: CreateEngineOptions) => Promise<SyncEngine>;
}

/** Played faster or slower with the pitch moved along: the voice heard is not the speaker's (PlaybackInfo.pitchKept). */
const pitchMoved = (playback: PlaybackInfo) => playback.rate !== 1 && !playback.pitchKept;

/** The element gives nothing to analyse now: still, hidden, silent, or another voice. */
const withoutEvidence = (p: PlaybackInfo) =>
  p.paused || p.hidden || p.silenced || p.seeking || p.ended || pitchMoved(p);

const stateKey = (state: SyncState, final: boolean) => JSON.stringify([state, final]);

/**
 * A live video may never end (a loop, a stream): a check that still has no verdict after
 * this much analysed sound — the engine's evidence window, LIVE_HORIZON_SECONDS — settles:
 * the decision is made final on what was seen ("several speakers", "too short", "no
 * speech", "uncertain" with its reason) instead of "Checking 99 %" for good (issue 11).
 */
export const SETTLE_AFTER_SECONDS = 60;
/** A pause this long settles a check without a verdict the same way (the user may have stopped watching). */
export const SETTLE_AFTER_PAUSE_MS = 15_000;

/**
 * A loop's second pass, its evidence started afresh (seen-whole.ts), is the same check
 * nearly done: not "waiting for speech" again, nor progress going back.
 */
const checkingAgain = (state: SyncState): SyncState => {
  if (state.status === 'checking') return { ...state, progress: 0.99 };
  return state.status === 'waiting-for-speech' ? { status: 'checking', progress: 0.99 } : state;
};

const judged = (state: SyncState) =>
  state.status === 'in-sync' ||
  state.status === 'shifted' ||
  state.status === 'mismatch' ||
  state.status === 'cannot-judge';

export class LiveSession {
  readonly sessionId: string;
  readonly tabId: number;
  readonly frameId: number;
  readonly capture: CaptureKind;
  readonly model: ModelChoice;
  framesAnalysed = 0;
  audioSeconds = 0;
  private engine: SyncEngine | null = null;
  /** Where the evidence so far went (test builds' engine stats). */
  evidenceSummary(): EvidenceSummary | null {
    return this.engine?.evidenceSummary() ?? null;
  }

  /** How the frames kept up (test builds' engine stats). */
  frameStats(): FrameStats | null {
    return this.engine?.frameStats() ?? null;
  }

  private loadFailed = false;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private playback: PlaybackInfo | null = null;
  private readonly timebase: Timebase;
  private engineState: SyncState = { status: 'loading', what: 'the engine' };
  /** Between the engine's per-update decision and the views: no flip-flop on a steady video. */
  private readonly stabiliser = new VerdictStabiliser();
  /** The stabiliser's clock (seconds): performance.now() unless a test steps it. */
  private readonly now: () => number;
  private lastReported = '';
  private finishedForEnd = false;
  /** The state was made final (video ended or settled); work-in-progress states from the engine do not replace it. */
  private final = false;
  /** Sound analysed since the last verdict or source change, seconds. */
  private secondsWithoutVerdict = 0;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;
  /** A looping video's moments seen so far: seen whole, it is judged as if it ended. */
  private readonly seen = new SeenWhole();
  /** The loop was settled once seen whole: final until the source changes. */
  private loopSettled = false;
  private readonly ready: Promise<void>;

  constructor(
    private readonly config: SessionConfig,
    playback: PlaybackInfo,
  ) {
    this.sessionId = config.sessionId;
    this.now = config.now ?? (() => performance.now() / 1000);
    this.tabId = config.tabId;
    this.frameId = config.frameId;
    this.capture = config.capture;
    this.model = config.model;
    // A check may start on a video already playing faster or slower: its first rate counts.
    this.timebase = new Timebase(config.capture === 'tab-capture');
    this.timebase.reset(playback.rate);
    this.report();
    this.ready = this.load();
    this.updatePlayback(playback);
  }

  /** The picture's place in the viewport (tab capture cuts it out). */
  get playbackRect() {
    return this.playback?.rect ?? null;
  }

  get state(): SyncState {
    return this.inMediaTime(this.effectiveState(this.engineWords()));
  }

  /** The engine judges in play time; the views show and seek in media time. */
  private inMediaTime(state: SyncState): SyncState {
    return this.timebase.identity ? state : mapStateTimes(state, (t) => this.timebase.toMedia(t));
  }

  /** Frames are wanted now (the capture may skip drawing and encoding otherwise). */
  get accepting(): boolean {
    return !this.closed && !this.loadFailed;
  }

  private get blocked(): boolean {
    const p = this.playback;
    return !p || p.protected || withoutEvidence(p);
  }

  private async load(): Promise<void> {
    try {
      const weights = await this.config.loadWeights(this.config.model);
      const engine = await (this.config.makeEngine ?? createEngine)(this.config.assets, {
        model: this.config.model,
        weights,
        mode: 'live',
        ...(this.config.threshold !== null ? { threshold: this.config.threshold } : {}),
        // A tab capture stamps on the wall clock, where a loop's second pass has new times:
        // the page's media clock tells the moments seen again. An element's own times are media time.
        ...(this.capture === 'tab-capture' ? { mediaTimeOf: (t: number) => this.timebase.toMedia(t) } : {}),
        onState: (state) => this.fromEngine(this.stabilised(state)),
      });
      if (this.closed) {
        engine.dispose();
        return;
      }
      this.engine = engine;
      this.fromEngine(this.stabilised(engine.state));
      if (this.playback?.protected) engine.setProtectedContent(true);
      if (this.capture === 'tab-capture') engine.setSampledFrames(true);
      this.report();
    } catch (error) {
      this.loadFailed = true;
      const message = error instanceof Error ? error.message : String(error);
      const detail =
        this.config.model === 'embedded' ? `the built-in model could not be loaded: ${message}` : message;
      this.engineState = { status: 'cannot-judge', reason: 'model-unavailable', detail };
      this.report();
    }
  }

  /** Runs `step` after everything queued before it: frames, sound and segment changes stay in order. */
  private enqueue<T>(step: (engine: SyncEngine) => Promise<T> | T, fallback: T): Promise<T> {
    const run = this.queue.then(async () => {
      await this.ready;
      if (this.closed || !this.engine) return fallback;
      return step(this.engine);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A frame (an image of `region` of the video, or the whole frame); returns where to crop next. */
  frame(frame: EngineFrame): Promise<Region | null> {
    // Sent while the engine still loads, it is seconds old once the engine is ready: the
    // frames shown meanwhile were never sent, and the gap before the next would read as a
    // stall (core/video/frame-drops.ts). Only its answer (where to crop) is given.
    const stale = !this.engine;
    return this.enqueue(async (engine) => {
      if (!this.blocked && !stale) {
        await engine.pushFrame({ ...frame, mediaTime: this.timebase.map(frame.mediaTime) });
        this.framesAnalysed++;
        await this.settleOnceSeenWhole(engine, frame.mediaTime);
      }
      return engine.suggestedRegion() ?? null;
    }, null);
  }

  audio(mediaTime: number, sampleRate: number, samples: Float32Array): Promise<void> {
    return this.enqueue(async (engine) => {
      if (this.blocked) return;
      engine.pushAudio({ mediaTime: this.timebase.map(mediaTime), sampleRate, samples });
      this.audioSeconds += samples.length / sampleRate;
      if (judged(this.engineState)) this.secondsWithoutVerdict = 0;
      else this.secondsWithoutVerdict += samples.length / sampleRate;
      if (
        !this.final &&
        this.secondsWithoutVerdict >= (this.config.settleAfterSeconds ?? SETTLE_AFTER_SECONDS)
      )
        await this.settle(engine);
    }, undefined);
  }

  /** A state from the engine (stabilised): shown, unless it is work in progress after a final state. */
  private fromEngine(state: SyncState): void {
    if (this.final) {
      // A loop settled once seen whole: every pass after it shows moments already judged.
      if (this.loopSettled) return;
      // The final state stands until the evidence gives another outcome (the video went on).
      if (!judged(state) || state.status === this.engineState.status) return;
      this.final = false;
    }
    this.engineState = this.seen.secondPass ? checkingAgain(state) : state;
    this.report();
  }

  /** The decision made final on what was seen: the last provisional state ends with its reason. */
  private async settle(engine: SyncEngine): Promise<void> {
    this.settleOn(this.seen.settledEarly((await engine.finish()).state));
  }

  private settleOn(state: SyncState): void {
    this.engineState = this.stabilised(state, true);
    this.final = true;
    this.report();
  }

  /**
   * A looping video started over after every moment of it was analysed: nothing new can
   * come (a moment seen again counts once), so it is judged as a video that ended is —
   * a first pass that is not a matching voice once more, on a second pass's own evidence
   * (core/decision/loop-passes.ts): one pass read badly is not a FAKE.
   */
  private async settleOnceSeenWhole(engine: SyncEngine, captureTime: number): Promise<void> {
    const loopDuration = this.playback?.loopDuration;
    if (!loopDuration) return; // most videos: nothing to do per frame
    // A tab capture stamps on the wall clock; the page's media clock says which moment it was.
    const mediaTime = this.capture === 'tab-capture' ? this.timebase.toMedia(captureTime) : captureTime;
    if (!this.seen.frame(mediaTime, loopDuration, LIVE_HORIZON_SECONDS) || this.final) return;
    const fakeShown = this.engineState.status === 'mismatch';
    const settled = this.seen.judged((await engine.finish()).state, fakeShown, mediaTime);
    if (!settled) return engine.resetEvidence();
    this.loopSettled = true;
    this.settleOn(settled);
  }

  /** A looping video's passes judged so far (engine stats). */
  get loopPasses(): readonly LoopPass[] {
    return this.seen.passes;
  }

  /** After a long pause, settle a check that has no verdict yet. */
  private armPauseSettle(): void {
    clearTimeout(this.pauseTimer);
    const p = this.playback;
    if (!p?.paused || p.ended || this.closed) return;
    this.pauseTimer = setTimeout(() => {
      void this.enqueue(async (engine) => {
        if (this.playback?.paused && !this.final && !judged(this.engineState)) await this.settle(engine);
      }, undefined);
    }, this.config.settleAfterPauseMs ?? SETTLE_AFTER_PAUSE_MS);
  }

  /** The element's state changed: decide segments and what is dropped. */
  updatePlayback(next: PlaybackInfo): Promise<void> {
    const previous = this.playback;
    this.playback = next;
    if (next.clock) {
      const playing = !(next.paused || next.seeking || next.ended);
      const at = (next.clock.at - performance.timeOrigin) / 1000;
      this.timebase.wallAnchor(at, next.clock.mediaTime, playing ? next.rate : 0);
    }
    this.report();
    this.armPauseSettle();
    return this.enqueue(async (engine) => {
      if (next.protected !== (previous?.protected ?? false)) engine.setProtectedContent(next.protected);
      if (next.audioTrack === false && previous?.audioTrack !== false) engine.setAudioTrackPresent(false);
      const reason = segmentReason(previous, next);
      if (reason === 'source-change') {
        // An ad, the next video: fresh evidence and a fresh verdict, nothing carried over.
        this.timebase.reset(next.rate);
        engine.resetEvidence();
        this.stabiliser.reset();
        this.seen.reset();
        this.loopSettled = false;
        this.final = false;
        this.secondsWithoutVerdict = 0;
        this.engineState = engine.state;
        this.report();
      } else if (reason) {
        if (reason === 'rate-change') this.timebase.reset(next.rate);
        engine.newSegment(reason);
      }
      if (next.ended && !this.finishedForEnd) {
        // The video ended: judge what was seen (a faceless clip becomes "can't judge" here).
        this.finishedForEnd = true;
        await this.settle(engine);
      } else if (!next.ended && this.finishedForEnd) {
        // Played again (a loop, a replay): the check goes on, its states no longer final.
        this.finishedForEnd = false;
        this.final = false;
      }
    }, undefined);
  }

  /** The engine's state as live views show it; `final`: the video ended, no more evidence comes. */
  private stabilised(state: SyncState, final = false): SyncState {
    return this.stabiliser.update(state, this.now(), { final });
  }

  /**
   * Muted players feed zeros, and a voice played faster or slower without pitch correction
   * is not the speaker's: say so (nothing is analysed meanwhile) instead of waiting for
   * speech that cannot come or judging another voice. The engine's own state returns with 1×.
   */
  private effectiveState(engineState: SyncState): SyncState {
    const playback = this.playback;
    if (!playback || playback.protected || engineState.status === 'cannot-judge' || this.loadFailed)
      return engineState;
    if (playback.silenced)
      return { status: 'cannot-judge', reason: 'silent', detail: whyText(MUTED), why: MUTED };
    if (pitchMoved(playback)) {
      const why: CannotJudgeWhy = { kind: 'pitch-changed', rate: playback.rate };
      return { status: 'cannot-judge', reason: 'pitch-changed', detail: whyText(why), why };
    }
    return engineState;
  }

  /**
   * The engine's state, in this source's words: a call tile whose voice no element of the
   * page holds has "no audio" as far as the check can hear, though the call is not silent —
   * the site plays it some other way (Web Audio); say so.
   */
  private engineWords(): SyncState {
    const state = this.engineState;
    const call = this.playback?.src.startsWith(STREAM_SRC_PREFIX) ?? false;
    if (!call || state.status !== 'cannot-judge' || state.reason !== 'no-audio' || state.why) return state;
    return { ...state, detail: whyText(CALL_SOUND), why: CALL_SOUND };
  }

  private report(): void {
    const engineState = this.engineWords();
    const state = this.effectiveState(engineState);
    const final = this.final && state === engineState;
    const shown = this.inMediaTime(state);
    const key = stateKey(shown, final);
    if (key === this.lastReported) return;
    this.lastReported = key;
    this.config.onState(shown, final);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.pauseTimer);
    await this.enqueue(() => undefined, undefined).catch(() => undefined);
    this.closed = true;
    this.engine?.dispose();
    this.engine = null;
  }
}

/** What a playback change means for the engine's segments (null: nothing). */
export function segmentReason(previous: PlaybackInfo | null, next: PlaybackInfo): SegmentReason | null {
  if (!previous) return null;
  if (next.src !== previous.src) return 'source-change';
  if (next.seeking && !previous.seeking) return 'seek';
  if (next.rate !== previous.rate) return 'rate-change';
  if (withoutEvidence(previous) && !withoutEvidence(next)) return 'resume';
  return null;
}
