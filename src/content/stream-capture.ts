// Video calls (issue 11 item 3): a <video> fed by a MediaStream (srcObject), usually muted,
// whose voice plays elsewhere — its own <audio srcObject>, or the page's Web Audio. The
// frames still come from the <video> (rVFC, as for files); the sound comes from the
// MediaStream audio tracks the page plays:
//   1. the tile's own stream, when it carries a live audio track;
//   2. else the tracks of the media elements showing the same MediaStream (same id) —
//      a page that plays one remote stream in a muted <video> and an <audio>;
//   3. else the whole call: every live audio track of every media element with a
//      MediaStream srcObject, mixed. Each tile of a gallery is then checked against the
//      same call audio, and the decision tells the speaker (lips that follow the voice)
//      from the listeners (no speaking face) — as for a file with several faces.
// Tracks are cloned and tapped with createMediaStreamSource, which takes nothing from the
// page: its elements keep playing as before. Nothing is connected to the speakers.
//
// A MediaStream has no media timeline to anchor (currentTime just counts up, nothing is
// ever seeked), so a call is timed on the performance.now() clock, in seconds, as the
// tab-capture path is: a frame at its rVFC expectedDisplayTime, a chunk of sound when
// the graph took it from the track. WebRTC's receiver already lines up playout of the
// two (its A/V sync), so displayed pictures and taken sound belong together.
import { STREAM_SRC_PREFIX, type PlaybackInfo } from '../shared/protocol';
import { tapAudio, type AudioTap, type TappedChunk } from './audio-tap';
import { findMediaElements } from './videos';

/** Seconds between looks for the call's audio tracks (participants come and go). */
const RESCAN_MS = 1500;

export function mediaStreamOf(element: HTMLMediaElement): MediaStream | null {
  const source = element.srcObject;
  return typeof MediaStream !== 'undefined' && source instanceof MediaStream ? source : null;
}

const liveAudio = (stream: MediaStream) => stream.getAudioTracks().filter((t) => t.readyState === 'live');

/** A <video> showing a MediaStream with live video: a call tile (or a camera preview). */
export function isStreamVideo(video: HTMLVideoElement): boolean {
  const stream = mediaStreamOf(video);
  return stream !== null && stream.getVideoTracks().some((t) => t.readyState === 'live');
}

/** A call's tiles among `videos`: the shown ones whose srcObject is a MediaStream with live video. */
export function callTiles(videos: readonly HTMLVideoElement[]): HTMLVideoElement[] {
  return videos.filter((v) => isStreamVideo(v) && v.getBoundingClientRect().width > 0);
}

/** The audio tracks that carry `video`'s voice (see the header for the order of preference), and how they were found. */
export function callAudioFor(video: HTMLVideoElement): {
  tracks: MediaStreamTrack[];
  how: 'own' | 'same-stream' | 'call-mix' | 'none';
} {
  const stream = mediaStreamOf(video);
  if (!stream) return { tracks: [], how: 'none' };
  const own = liveAudio(stream);
  if (own.length > 0) return { tracks: own, how: 'own' };
  const elements = findMediaElements().filter((e) => e !== video);
  const same = elements.flatMap((e) => {
    const other = mediaStreamOf(e);
    return other && other.id === stream.id ? liveAudio(other) : [];
  });
  if (same.length > 0) return { tracks: unique(same), how: 'same-stream' };
  const all = elements.flatMap((e) => {
    const other = mediaStreamOf(e);
    return other ? liveAudio(other) : [];
  });
  return all.length > 0 ? { tracks: unique(all), how: 'call-mix' } : { tracks: [], how: 'none' };
}

function unique(tracks: MediaStreamTrack[]): MediaStreamTrack[] {
  const seen = new Set<string>();
  return tracks.filter((t) => !seen.has(t.id) && seen.add(t.id));
}

/**
 * The call's sound for one tile: cloned tracks, each through createMediaStreamSource into
 * one mixing node, tapped by the capture worklet; re-found every RESCAN_MS (a track ends,
 * a participant joins). `onChunk` gets chunks with `takenAt` on the performance clock.
 */
export class CallSound {
  private readonly mix: GainNode;
  private tap: AudioTap | null = null;
  private sources: { track: MediaStreamTrack; clone: MediaStreamTrack; node: MediaStreamAudioSourceNode }[] =
    [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  how: ReturnType<typeof callAudioFor>['how'] = 'none';

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly context: AudioContext,
  ) {
    this.mix = context.createGain();
  }

  async start(workletUrl: string, onChunk: (chunk: TappedChunk) => void): Promise<void> {
    this.refresh();
    this.tap = await tapAudio(this.context, this.mix, workletUrl, onChunk);
    this.timer = setInterval(() => this.refresh(), RESCAN_MS);
  }

  /** Which tracks feed the tap and how they were found: a change is a new source (the evidence so far heard other voices). */
  get key(): string {
    return `${this.how}:${this.sources
      .map((s) => s.track.id)
      .sort()
      .join(',')}`;
  }

  /** True while some live track feeds the tap. */
  get hasAudio(): boolean {
    return this.sources.some((s) => s.track.readyState === 'live' && s.track.enabled);
  }

  private refresh(): void {
    if (this.stopped) return;
    const { tracks, how } = callAudioFor(this.video);
    this.how = how;
    const wanted = new Set(tracks.map((t) => t.id));
    for (const gone of this.sources.filter((s) => !wanted.has(s.track.id) || s.track.readyState !== 'live'))
      this.release(gone);
    this.sources = this.sources.filter((s) => wanted.has(s.track.id) && s.track.readyState === 'live');
    for (const track of tracks) {
      if (this.sources.some((s) => s.track.id === track.id)) continue;
      // A clone: stopping ours never stops the page's.
      const clone = track.clone();
      const node = this.context.createMediaStreamSource(new MediaStream([clone]));
      node.connect(this.mix);
      this.sources.push({ track, clone, node });
    }
  }

  private release(source: { clone: MediaStreamTrack; node: MediaStreamAudioSourceNode }): void {
    try {
      source.node.disconnect();
    } catch {
      // already disconnected
    }
    source.clone.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.tap?.stop();
    for (const source of this.sources) this.release(source);
    this.sources = [];
  }
}

/**
 * What differs in a call tile's playback report: the element is muted but the voice is
 * tapped elsewhere (so not silenced while a track plays), it has no decoded-audio count
 * of its own, a stream is identified by its id and the voice's tracks, and there is no
 * rate or seeking.
 */
export function streamPlayback(
  video: HTMLVideoElement,
  sound: CallSound | null,
  playingSeconds: number,
  noAudioAfter: number,
): Partial<PlaybackInfo> {
  const stream = mediaStreamOf(video);
  const hasAudio = sound?.hasAudio ?? callAudioFor(video).tracks.length > 0;
  return {
    silenced: false,
    seeking: false,
    rate: 1,
    // The voice's tracks are part of the source: when they change (the tile's own track
    // arrives, a participant joins the mix) the engine starts afresh on the new sound.
    src: stream ? `${STREAM_SRC_PREFIX}${stream.id}${sound ? `#${sound.key}` : ''}` : '',
    audioTrack: hasAudio ? true : playingSeconds >= noAudioAfter ? false : null,
  };
}

/** A call's clock (see the header): frames and sound on performance.now(), in seconds. */
export class StreamClock {
  frameTime(metadata: VideoFrameCallbackMetadata): number {
    return metadata.expectedDisplayTime / 1000;
  }

  mediaTimeAt(takenAt: number): number {
    return takenAt / 1000;
  }
}
