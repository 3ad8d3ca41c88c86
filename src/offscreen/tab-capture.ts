// The cross-origin fallback: a tab capture stream (its id minted by the worker from the
// user's click — activeTab), consumed here. The picture is the tab's viewport, cut to the
// video's rectangle that the content script reports; the sound is played back to the user
// (capturing a tab mutes it otherwise) and tapped by the same AudioWorklet as the page path.
// Both are stamped on this document's performance.now() clock, in seconds.
import { tapAudio, WORKLET_PATH, type AudioTap } from '../content/audio-tap';
import { clampRegion, cropPlan } from '../shared/capture-geometry';
import { SignatureReader } from '../shared/frame-signature';
import type { Region, ViewportRect } from '../shared/protocol';

export interface CapturedFrame {
  time: number;
  image: OffscreenCanvas;
  videoWidth: number;
  videoHeight: number;
  region: Region | null;
  /** The whole video rectangle's signature (cut detection), on every frame. */
  signature: number[];
}

export interface TabCaptureSink {
  /** Where to cut next inside the picture (video px), or null for the whole picture. */
  region(): Region | null;
  /** The picture's rectangle in the viewport (null: not on screen). */
  rect(): ViewportRect | null;
  /** Resolves when the frame was used; frames arriving meanwhile are skipped. */
  onFrame(frame: CapturedFrame): Promise<void>;
  onAudio(time: number, sampleRate: number, samples: Float32Array): void;
}

// Insertable streams (Chrome 94+), not in TypeScript's DOM lib yet.
declare class MediaStreamTrackProcessor<T> {
  constructor(init: { track: MediaStreamTrack });
  readonly readable: ReadableStream<T>;
}

interface ChromeTabConstraints {
  mandatory: {
    chromeMediaSource: 'tab';
    chromeMediaSourceId: string;
    maxWidth?: number;
    maxHeight?: number;
    maxFrameRate?: number;
  };
}

export class TabCapture {
  private stream: MediaStream | null = null;
  private context: AudioContext | null = null;
  private tap: AudioTap | null = null;
  private reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
  private readonly canvas = new OffscreenCanvas(2, 2);
  private readonly context2d = this.canvas.getContext('2d', { alpha: false })!;
  private readonly signatures = new SignatureReader();
  private busy = false;
  private stopped = false;

  private constructor(private readonly sink: TabCaptureSink) {}

  static async start(streamId: string, sink: TabCaptureSink): Promise<TabCapture> {
    const capture = new TabCapture(sink);
    const tab = (): ChromeTabConstraints => ({
      mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: streamId },
    });
    try {
      capture.stream = await navigator.mediaDevices.getUserMedia({
        audio: tab() as unknown as MediaTrackConstraints,
        video: {
          mandatory: { ...tab().mandatory, maxWidth: 1920, maxHeight: 1080, maxFrameRate: 30 },
        } as unknown as MediaTrackConstraints,
      });
    } catch (error) {
      throw new Error(
        `tab capture could not start: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      await capture.startAudio();
      await capture.startVideo();
    } catch (error) {
      capture.stop();
      throw error;
    }
    return capture;
  }

  private async startAudio(): Promise<void> {
    const stream = this.stream!;
    if (stream.getAudioTracks().length === 0) return;
    this.context = new AudioContext();
    const source = this.context.createMediaStreamSource(stream);
    // Capturing a tab silences it for the user: play it back from here.
    source.connect(this.context.destination);
    // Placed by when this graph took it from the captured stream, which is about when the
    // tab produced it and when its frame arrives here; never by when it is heard (the
    // output device's latency would enter the offset).
    // The page's own (static) origin, not runtime.getURL: with use_dynamic_url on the
    // worklet's web_accessible_resources entry, runtime.getURL returns the dynamic URL, which
    // an extension page's audioWorklet.addModule refuses (measured in Chromium 156).
    this.tap = await tapAudio(
      this.context,
      source,
      new URL(WORKLET_PATH, `${location.origin}/`).href,
      (chunk) => this.sink.onAudio(chunk.takenAt / 1000, chunk.sampleRate, chunk.samples),
    );
  }

  /**
   * Frames straight from the track: an offscreen document is never rendered, so a <video>
   * there gets no requestVideoFrameCallback (measured: not one callback).
   */
  private async startVideo(): Promise<void> {
    const [track] = this.stream!.getVideoTracks();
    if (!track) throw new Error('tab capture has no video track');
    this.reader = new MediaStreamTrackProcessor<VideoFrame>({ track }).readable.getReader();
    void (async () => {
      while (!this.stopped) {
        const { value: frame, done } = await this.reader!.read();
        if (done || !frame) break;
        // Stamped on arrival, the clock the sound is stamped on too.
        const time = performance.now() / 1000;
        if (this.busy) {
          frame.close();
          continue;
        }
        let cut: CapturedFrame | null;
        try {
          cut = this.cut(frame, time);
        } finally {
          frame.close();
        }
        if (!cut) continue;
        this.busy = true;
        void this.sink.onFrame(cut).finally(() => (this.busy = false));
      }
    })();
  }

  /** The video's rectangle of the captured viewport, cut around the engine's region. */
  private cut(source: VideoFrame, time: number): CapturedFrame | null {
    const rect = this.sink.rect();
    const width = source.displayWidth;
    const height = source.displayHeight;
    if (!rect || width === 0 || height === 0 || rect.viewportWidth <= 0) return null;
    // The capture is the viewport at device pixels (or scaled down to the max size).
    const sx = width / rect.viewportWidth;
    const sy = height / rect.viewportHeight;
    const picture = clampRegion(
      { x: rect.x * sx, y: rect.y * sy, width: rect.width * sx, height: rect.height * sy },
      width,
      height,
    );
    if (!picture) return null;
    const plan = cropPlan(this.sink.region(), picture.width, picture.height);
    if (this.canvas.width !== plan.out.width || this.canvas.height !== plan.out.height) {
      this.canvas.width = plan.out.width;
      this.canvas.height = plan.out.height;
    }
    this.context2d.drawImage(
      source,
      picture.x + plan.source.x,
      picture.y + plan.source.y,
      plan.source.width,
      plan.source.height,
      0,
      0,
      plan.out.width,
      plan.out.height,
    );
    // Every frame carries the whole picture's signature, read the same way: a crop cannot show a
    // cut elsewhere in the picture, and signatures read two ways (here from the captured frame,
    // in the engine from the scaled copy) differ enough between neighbours to look like cuts.
    return {
      time,
      image: this.canvas,
      videoWidth: picture.width,
      videoHeight: picture.height,
      region: plan.region,
      signature: this.signatures.read(source, picture),
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.tap?.stop();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    void this.context?.close();
    void this.reader?.cancel().catch(() => undefined);
  }
}
