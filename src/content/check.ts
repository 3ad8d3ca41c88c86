// One checked video in the page: decides how its pixels and sound can be read, opens a
// session in the engine host (through the background), streams frames (JPEG crops around
// the face the engine tracks, timed by requestVideoFrameCallback's mediaTime) and sound
// (AudioWorklet chunks placed in media time by when they leave the element), reports every playback change, and draws the
// overlay. stop() is the one teardown path. Where the sound comes from is chosen in
// element-capture.ts (captureStream, else createMediaElementSource); a call tile
// (srcObject MediaStream) takes its voice from the call's tracks (stream-capture.ts).
import type { SyncState } from '../core/state';
import { cropPlan, pictureRect } from '../shared/capture-geometry';
import { SignatureReader } from '../shared/frame-signature';
import { isVideoUnreadable, unreadableReason } from '../shared/errors';
import {
  send,
  type CaptureKind,
  type CheckEndReason,
  type PlaybackInfo,
  type Region,
} from '../shared/protocol';
import { LIFECYCLE_TEXT } from '../shared/state-look';
import { floatsToBase64, tapAudio, WORKLET_PATH, type AudioTap, type TappedChunk } from './audio-tap';
import { elementSound, type ElementSound } from './element-capture';
import { FramePacer } from './frame-pacer';
import { loopedMediaTime, MediaClock } from './media-clock';
import { CallSound, isStreamVideo, StreamClock, streamPlayback } from './stream-capture';
import { Overlay } from './overlay';
import { videoKey } from './videos';

/** Frames sent and not yet answered: one being analysed, one waiting behind it. */
const MAX_FRAMES_IN_FLIGHT = 2;
const JPEG_QUALITY = 0.85;
/** Seconds of playback after which a video that decoded no audio bytes has no sound track. */
const NO_AUDIO_AFTER_SECONDS = 4;

/** One AudioContext for the page's checks; null when autoplay policy keeps it suspended. */
let sharedContext: Promise<AudioContext | null> | null = null;

function runningAudioContext(): Promise<AudioContext | null> {
  sharedContext ??= (async () => {
    const context = new AudioContext();
    // Up to 1 s for the output to open: Firefox (PulseAudio) took longer than 300 ms on a
    // loaded machine, and the check then fell back from the element for no reason.
    if (context.state !== 'running')
      await Promise.race([context.resume(), new Promise((r) => setTimeout(r, 1000))]);
    if (context.state === 'running') return context;
    // Without a user gesture the context stays suspended, and routing the element through
    // it would silence the video for the user: leave the element alone.
    void context.close();
    sharedContext = null;
    return null;
  })();
  return sharedContext;
}

/** True when the page's script may read the video's pixels (same origin or CORS-approved). */
function pixelsReadable(video: HTMLVideoElement): boolean {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const context = canvas.getContext('2d')!;
  try {
    context.drawImage(video, 0, 0, 1, 1);
    context.getImageData(0, 0, 1, 1);
    return true;
  } catch {
    return false;
  }
}

/**
 * True unless the source is another origin fetched without CORS. The page's Web Audio gets
 * only zeros from such an element, whatever this script may read: Firefox lets a content
 * script read pixels of origins the extension has host access to, while the page's
 * AudioContext still hears silence (and the element, routed through it, goes quiet).
 * blob:, data: and mediastream: sources belong to the page.
 */
function sourceOriginReadable(video: HTMLVideoElement): boolean {
  try {
    const source = new URL(video.currentSrc, location.href);
    if (source.protocol !== 'http:' && source.protocol !== 'https:') return true;
    return source.origin === location.origin || video.crossOrigin !== null;
  } catch {
    return false;
  }
}

function waitForData(video: HTMLVideoElement, signal: AbortSignal): Promise<void> {
  if (video.readyState >= 2) return Promise.resolve();
  return new Promise((resolve, reject) => {
    video.addEventListener('loadeddata', () => resolve(), { once: true, signal });
    signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
  });
}

export type CheckEnd = CheckEndReason;

export class VideoCheck {
  readonly videoKey: string;
  sessionId: string | null = null;
  private readonly abort = new AbortController();
  private readonly overlay: Overlay | null;
  private readonly clock = new MediaClock();
  /** A call tile (srcObject MediaStream): timed on the performance clock, its voice from the call's audio tracks. */
  private readonly streamClock: StreamClock | null;
  private callSound: CallSound | null = null;
  private elementSound: ElementSound | null = null;
  private readonly canvas = document.createElement('canvas');
  /** The whole frame's signature goes with every frame: the engine's shot detector cannot see cuts in a crop. */
  private signatures: SignatureReader | null = null;
  private audioTap: AudioTap | null = null;
  private capture: CaptureKind = 'element';
  /** Tab capture was chosen only because the page's AudioContext would not start. */
  private soundBlocked = false;
  private region: Region | null = null;
  private inFlight = 0;
  /** Frames go at the grid's 25 per second, or evenly at half that when the engine falls behind. */
  private readonly pacer = new FramePacer();
  private accepting = true;
  private lastPlayback = '';
  private playingSeconds = 0;
  private lastTimeUpdate = 0;
  /** A send failed and the background is asked whether the engine restarted (nothing is sent meanwhile). */
  private recovering = false;

  constructor(
    readonly video: HTMLVideoElement,
    private readonly options: { showOverlay: boolean; onEnd: (check: VideoCheck, why: CheckEnd) => void },
  ) {
    this.videoKey = videoKey(video);
    this.streamClock = isStreamVideo(video) ? new StreamClock() : null;
    this.overlay = options.showOverlay ? new Overlay(video) : null;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  async start(): Promise<void> {
    try {
      await waitForData(this.video, this.signal);
      const isProtected = this.video.mediaKeys !== null;
      let readable = !isProtected && sourceOriginReadable(this.video) && pixelsReadable(this.video);
      let context: AudioContext | null = null;
      if (readable) {
        context = await runningAudioContext();
        // Readable, but its sound cannot be hooked before the user interacts with the page.
        this.soundBlocked = !context;
        if (!context) readable = false;
      }
      // Encrypted media reads black by any path: the engine is told and says so.
      this.capture = readable || isProtected ? 'element' : 'tab-capture';
      const { sessionId } = await send('content→bg:open-session', {
        videoKey: this.videoKey,
        capture: this.capture,
        playback: this.playback(),
        ...(this.soundBlocked ? { soundBlocked: true } : {}),
      });
      if (this.signal.aborted)
        void send('content→bg:close-session', { sessionId, why: 'stopped' }).catch(() => undefined);
      if (this.signal.aborted) return;
      this.sessionId = sessionId;
      this.watchPlayback();
      if (this.capture === 'element' && !isProtected) {
        await this.tapSound(context!);
        this.captureFrames();
      }
    } catch (error) {
      if (this.signal.aborted) return;
      this.fail(error);
    }
  }

  /** State from the engine (via the background). */
  show(state: SyncState): void {
    this.overlay?.update(state);
  }

  seek(time: number): void {
    this.video.currentTime = Math.max(0, time);
  }

  stop(why: CheckEnd = 'stopped'): void {
    if (this.signal.aborted) return;
    this.abort.abort();
    this.stopSound();
    this.overlay?.remove();
    if (this.sessionId)
      void send('content→bg:close-session', { sessionId: this.sessionId, why }).catch(() => undefined);
    this.options.onEnd(this, why);
  }

  /** Ends the check with a message the popup, badge and overlay show. */
  private fail(error: unknown): void {
    if (this.signal.aborted) return;
    const message = error instanceof Error ? error.message : String(error);
    // A video this browser does not let extensions read is "can't judge", not a failure.
    this.overlay?.update(
      isVideoUnreadable(error)
        ? { status: 'cannot-judge', reason: unreadableReason(this.soundBlocked) }
        : { status: 'error', message },
    );
    setTimeout(() => this.overlay?.remove(), 10_000);
    this.abort.abort();
    this.stopSound();
    if (this.sessionId)
      void send('content→bg:close-session', { sessionId: this.sessionId, why: 'failed', message }).catch(
        () => undefined,
      );
    this.options.onEnd(this, 'failed');
  }

  private stopSound(): void {
    this.audioTap?.stop();
    this.callSound?.stop();
    this.elementSound?.release();
  }

  /**
   * A frame, chunk or playback report failed. The background knows whether the engine host
   * still holds the session: if it does, the check fails with the error; if the host died
   * (Chrome closed the offscreen document), the check re-attaches to a new session.
   */
  private onSendError(error: unknown): void {
    if (this.recovering || this.signal.aborted || !this.sessionId) return;
    this.recovering = true;
    const lost = this.sessionId;
    const message = error instanceof Error ? error.message : String(error);
    void send('content→bg:session-error', { sessionId: lost, message })
      .then(async ({ resume }) => {
        if (!resume) {
          this.sessionId = null; // the background ended it already
          this.fail(error);
          return;
        }
        const { sessionId } = await send('content→bg:open-session', {
          videoKey: this.videoKey,
          capture: this.capture,
          playback: this.playback(),
          reattach: lost,
        });
        if (this.signal.aborted) {
          void send('content→bg:close-session', { sessionId, why: 'stopped' }).catch(() => undefined);
          return;
        }
        this.sessionId = sessionId;
        this.region = null;
        this.accepting = true;
        this.lastPlayback = '';
        this.recovering = false;
        this.reportPlayback();
      })
      .catch((reason: unknown) => {
        this.sessionId = null;
        this.fail(reason);
      });
  }

  private playback(): PlaybackInfo {
    const video = this.video;
    const box = video.getBoundingClientRect();
    const picture = pictureRect(
      { x: box.left, y: box.top, width: box.width, height: box.height },
      getComputedStyle(video).objectFit,
      video.videoWidth,
      video.videoHeight,
    );
    const decoded = (video as HTMLVideoElement & { webkitAudioDecodedByteCount?: number })
      .webkitAudioDecodedByteCount;
    return {
      paused: video.paused,
      ended: video.ended,
      seeking: video.seeking,
      silenced: video.muted || video.volume === 0,
      rate: video.playbackRate,
      pitchKept: video.preservesPitch !== false,
      src: video.currentSrc,
      ...(video.loop && Number.isFinite(video.duration) && video.duration > 0
        ? { loopDuration: video.duration }
        : {}),
      protected: video.mediaKeys !== null,
      hidden: document.visibilityState === 'hidden',
      // Chrome counts decoded audio bytes; a video that played a while without any has no sound track.
      audioTrack:
        decoded === undefined
          ? null
          : decoded > 0
            ? true
            : this.playingSeconds >= NO_AUDIO_AFTER_SECONDS
              ? false
              : null,
      rect: {
        x: picture.x,
        y: picture.y,
        width: picture.width,
        height: picture.height,
        viewportWidth: innerWidth,
        viewportHeight: innerHeight,
      },
      ...(this.streamClock
        ? streamPlayback(video, this.callSound, this.playingSeconds, NO_AUDIO_AFTER_SECONDS)
        : {}),
      ...(this.capture === 'tab-capture'
        ? { clock: { mediaTime: video.currentTime, at: performance.timeOrigin + performance.now() } }
        : {}),
    };
  }

  /** Sends the playback state when it changed (rect changes only matter to tab capture). */
  private reportPlayback(): void {
    if (!this.sessionId || this.signal.aborted) return;
    const playback = this.playback();
    // A tab capture's clock changes the key at every timeupdate (about 4 a second): a stall
    // (`waiting` → `playing`) moves media time against the wall clock with no field of its
    // own, and the session keeps only anchors that are off (Timebase.wallAnchor).
    const { rect, ...rest } = playback;
    const key = JSON.stringify(this.capture === 'tab-capture' ? playback : rest);
    if (key === this.lastPlayback) return;
    this.lastPlayback = key;
    // Stale media-time anchors: a seek, pause or change of rate or source.
    if (playback.seeking || playback.paused || playback.ended) this.clock.invalidate();
    if (this.recovering) return;
    void send('content→engine:playback', { sessionId: this.sessionId, playback }).catch((error) =>
      this.onSendError(error),
    );
  }

  private watchPlayback(): void {
    const options = { signal: this.signal };
    const report = () => this.reportPlayback();
    for (const type of [
      'play',
      'playing',
      'pause',
      'seeking',
      'seeked',
      'ratechange',
      'volumechange',
      'loadstart',
      'emptied',
      'ended',
      'durationchange',
      'encrypted',
      'waiting',
    ]) {
      this.video.addEventListener(
        type,
        () => {
          if (type === 'ratechange' || type === 'loadstart' || type === 'emptied') this.clock.invalidate();
          report();
        },
        options,
      );
    }
    // A new source of another site without CORS cannot be read (canvas tainted, Web Audio
    // fed zeros): end now with a readable state rather than at the next frame.
    this.video.addEventListener(
      'loadeddata',
      () => {
        if (this.capture === 'element' && this.video.mediaKeys === null && !pixelsReadable(this.video))
          this.fail(new Error(LIFECYCLE_TEXT.unreadableSource()));
      },
      options,
    );
    this.video.addEventListener(
      'timeupdate',
      () => {
        const now = performance.now();
        if (this.lastTimeUpdate && !this.video.paused)
          this.playingSeconds += Math.min(1, (now - this.lastTimeUpdate) / 1000);
        this.lastTimeUpdate = now;
        report();
      },
      options,
    );
    document.addEventListener('visibilitychange', report, options);
    addEventListener('scroll', report, { ...options, passive: true, capture: true });
    addEventListener('resize', report, options);
    const watchRemoval = setInterval(() => {
      if (!this.video.isConnected) this.stop('video-removed');
    }, 1000);
    this.signal.addEventListener('abort', () => clearInterval(watchRemoval));
    this.lastPlayback = '';
    report();
  }

  private async tapSound(context: AudioContext): Promise<void> {
    const onChunk = (chunk: TappedChunk) => {
      const video = this.video;
      // A call tile is muted by design: its voice is tapped from the call's tracks.
      const silenced = this.streamClock ? false : video.muted;
      if (
        !this.sessionId ||
        this.recovering ||
        this.signal.aborted ||
        video.paused ||
        video.seeking ||
        silenced ||
        document.visibilityState === 'hidden'
      )
        return;
      const mediaTime = (this.streamClock ?? this.clock).mediaTimeAt(chunk.takenAt);
      if (mediaTime === null) return;
      void send('content→engine:audio', {
        sessionId: this.sessionId,
        mediaTime,
        sampleRate: chunk.sampleRate,
        pcm: floatsToBase64(chunk.samples),
      }).catch((error) => this.onSendError(error));
    };
    const workletUrl = chrome.runtime.getURL(WORKLET_PATH);
    if (this.streamClock) {
      this.callSound = new CallSound(this.video, context);
      await this.callSound.start(workletUrl, onChunk);
      return;
    }
    this.elementSound = elementSound(this.video, context);
    this.audioTap = await tapAudio(context, this.elementSound.node, workletUrl, onChunk);
  }

  private captureFrames(): void {
    const video = this.video;
    const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
      if (this.signal.aborted) return;
      video.requestVideoFrameCallback(onFrame);
      const shown = loopedMediaTime(metadata.mediaTime, video.currentTime, video.duration);
      this.clock.onFrame(shown, metadata.expectedDisplayTime, video.playbackRate);
      if (!this.accepting || this.recovering || !this.sessionId || video.seeking) return;
      const time = this.streamClock ? this.streamClock.frameTime(metadata) : shown;
      // Spaced as played: at 2× a 25-fps video shows 50 frames a second, of which the
      // engine's 25-fps grid (in play time, src/offscreen/session.ts) needs every other.
      const played = this.streamClock ? time : time / (video.playbackRate || 1);
      if (!this.pacer.due(played)) return;
      if (this.inFlight >= MAX_FRAMES_IN_FLIGHT) {
        this.pacer.lost();
        return;
      }
      try {
        this.sendFrame(time, video.videoWidth, video.videoHeight);
        this.pacer.sent(played);
      } catch (error) {
        // A mid-check switch to a source of another site without CORS taints the canvas:
        // every read throws from here on. End with a state the user can read (the element's
        // sound is routed through this page's graph for good, see docs/live-lifecycle.md).
        this.fail(
          error instanceof DOMException && error.name === 'SecurityError'
            ? new Error(LIFECYCLE_TEXT.unreadableSource())
            : error,
        );
      }
    };
    video.requestVideoFrameCallback(onFrame);
  }

  /** The whole frame's signature for cut detection; none if it cannot be read (the check goes on without cuts). */
  private wholeFrameSignature(): number[] | null {
    try {
      this.signatures ??= new SignatureReader();
      return this.signatures.read(this.video);
    } catch {
      return null;
    }
  }

  private sendFrame(mediaTime: number, videoWidth: number, videoHeight: number): void {
    const plan = cropPlan(this.region, videoWidth, videoHeight);
    if (this.canvas.width !== plan.out.width || this.canvas.height !== plan.out.height) {
      this.canvas.width = plan.out.width;
      this.canvas.height = plan.out.height;
    }
    const context = this.canvas.getContext('2d', { alpha: false })!;
    // drawImage's source rectangle is in the video's intrinsic pixels.
    context.drawImage(
      this.video,
      plan.source.x,
      plan.source.y,
      plan.source.width,
      plan.source.height,
      0,
      0,
      plan.out.width,
      plan.out.height,
    );
    const jpeg = this.canvas.toDataURL('image/jpeg', JPEG_QUALITY);
    const signature = this.wholeFrameSignature();
    this.inFlight++;
    send('content→engine:frame', {
      sessionId: this.sessionId!,
      mediaTime,
      jpeg,
      videoWidth,
      videoHeight,
      region: plan.region,
      ...(signature ? { signature } : {}),
    })
      .then((reply) => {
        this.region = reply.region;
        this.accepting = reply.accepting;
      })
      .catch((error) => this.onSendError(error))
      .finally(() => this.inFlight--);
  }
}
