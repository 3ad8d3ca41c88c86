// The <video> loop of a file check (src/engine/file-source.ts), for what WebCodecs does not
// decode: the video is paused on every frame while the engine works and resumed after: MediaPipe
// and TF.js run on this thread, and a video that kept playing would skip frames (measured:
// playing on at 1× with 20 ms of work per frame lost a third of a 720p clip's frames;
// pausing per frame lost none).
//
// Pause-per-frame costs one frame of media time plus one or two rendering steps of waiting
// per frame (about 40–45 ms at 25 fps), and playing faster does not buy it back: the frame
// callback reaches this thread a rendering step or two after the compositor picked the
// frame, and the clock runs on until it pauses, so a next frame due sooner than ~33 ms of
// wall clock is often picked before the pause and the one between is never seen (measured
// on a 2-core machine, 1278×720 25 fps, face tracking per frame: 1.25× lost 10 of 272
// frames, 1.5× 40, 2× 70; a 450×450 clip likewise; 60 fps at 1× lost 40 %, 50 fps 27 %;
// even 25 fps at 1× lost 1 of 500 once under load). So the rate is chosen from the frame
// interval to stay under that bound (1× up to 30 fps, slower above), and every gap of more
// than 1.5 frame intervals is checked by stepping back to the last frame and replaying it
// slower: a skipped frame is fetched then, and a real gap (variable frame rate) comes again.
// A seek costs a decode from the last keyframe (up to ~0.3 s at 720p), so this is for the
// rare skip, not a way to step every frame.
import type { DecodeOptions, FrameSink } from './webcodecs-source';

/** Seconds without a new frame before playback counts as stalled. */
const STALL_SECONDS = 15;
/**
 * The least wall-clock time a frame may take to come due after play(), in seconds. The
 * frame callback runs one or two rendering steps (16.7 ms each) after the compositor picked
 * the frame, and the clock runs on until the callback pauses it: when the next frame comes
 * due sooner than this the compositor can pick it first, and the callback only ever sees
 * the latest frame. 25 and 29.97/30 fps sources step at 1× under this bound, 50 and 60 fps
 * ones at about 0.6× and 0.5× (measured: 60 fps at 1× lost 40 % of its frames).
 */
const MIN_WALL_PER_FRAME_S = 0.033;
/**
 * The rate while the frame interval is still unknown (a frame every 40 ms of wall clock up
 * to 100 fps), for this many intervals.
 */
const PROBE_RATE = 0.25;
const PROBE_INTERVALS = 2;
/** A gap of more than this many frame intervals means a frame may have been skipped. */
const GAP_FACTOR = 1.5;
/** Chromium plays no slower than this. */
const MIN_RATE = 0.0625;
/**
 * Each skip found slows the rest of the file by this factor (the machine is busier than
 * the bound assumes); the replay after a suspected skip runs at half the rate.
 */
const SLOWDOWN_PER_SKIP = 0.75;
/** How long a seek may take to present the first frame again before its time is taken from currentTime. */
const FIRST_FRAME_WAIT_MS = 1000;

/**
 * The media time of the frame on screen before playback. currentTime is where playback would
 * start, not that frame's time: a picture that starts late (an MP4 empty edit, a WebM whose
 * first frame is at 7 ms, a timeline that starts at 5 s with its sound first) shows its first
 * frame from time 0 or the sound's start on. A seek to where it is presents that frame again,
 * with its time (requestVideoFrameCallback reports frames presented after a seek).
 */
function firstFrameTime(video: HTMLVideoElement): Promise<number> {
  return new Promise((resolve) => {
    const fallback = setTimeout(() => resolve(video.currentTime), FIRST_FRAME_WAIT_MS);
    video.requestVideoFrameCallback((_now, metadata) => {
      clearTimeout(fallback);
      resolve(metadata.mediaTime);
    });
    const at = video.currentTime;
    video.currentTime = at;
  });
}

/**
 * Feeds every frame of `video` to `onFrame`, once each and in order, pausing the element
 * while each frame is processed and checking that none was skipped between two callbacks
 * (a skipped frame is fetched again by stepping back to the last frame and replaying slower).
 */
export async function forEachPlayedFrame(
  video: HTMLVideoElement,
  onFrame: FrameSink,
  { signal, cancelled, failed }: Pick<DecodeOptions, 'signal' | 'cancelled' | 'failed'>,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    let lastMediaTime = -1;
    /** Shortest gap between two delivered frames: the source's frame interval. */
    let frameInterval = Infinity;
    let intervals = 0;
    /** SLOWDOWN_PER_SKIP to the power of the skips found so far. */
    let slowdown = 1;
    /** The frame that came after a suspected skip: seen again after replaying, its gap is real. */
    let suspect: number | null = null;
    const rate = () => {
      if (intervals < PROBE_INTERVALS) return PROBE_RATE;
      const safe =
        Math.min(1, frameInterval / MIN_WALL_PER_FRAME_S) * slowdown * (suspect === null ? 1 : 0.5);
      return Math.max(MIN_RATE, safe);
    };
    const armStallTimer = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        // 'ended' can fire without a last frame callback; a true stall has neither.
        if (video.ended) finish();
        else fail(failed(`playback stalled at ${video.currentTime.toFixed(2)} s`));
      }, STALL_SECONDS * 1000);
    };
    const finish = () => {
      clearTimeout(stallTimer);
      resolve();
    };
    const fail = (error: unknown) => {
      clearTimeout(stallTimer);
      video.pause();
      reject(error);
    };
    const deliver = async (mediaTime: number) => {
      if (lastMediaTime >= 0) {
        frameInterval = Math.min(frameInterval, mediaTime - lastMediaTime);
        intervals++;
      }
      lastMediaTime = mediaTime;
      // The element is paused while the frame is processed (and waits for its sound): not a stall.
      clearTimeout(stallTimer);
      const bitmap = await createImageBitmap(video);
      try {
        await onFrame(mediaTime, bitmap);
      } finally {
        bitmap.close();
      }
    };
    const playOn = async () => {
      video.playbackRate = rate();
      video.requestVideoFrameCallback(onVideoFrame);
      armStallTimer();
      await video.play();
    };
    /** Back to the last delivered frame (a quarter interval in, so rounding cannot land on the one before). */
    const stepBack = async () => {
      armStallTimer();
      const seeked = new Promise<void>((done) =>
        video.addEventListener('seeked', () => done(), { once: true }),
      );
      video.currentTime = lastMediaTime + frameInterval / 4;
      await seeked;
    };
    const onVideoFrame = async (_now: number, metadata: VideoFrameCallbackMetadata) => {
      video.pause();
      try {
        if (signal?.aborted) throw cancelled();
        const mediaTime = metadata.mediaTime;
        if (mediaTime > lastMediaTime) {
          const gap = mediaTime - lastMediaTime;
          if (intervals >= PROBE_INTERVALS && gap > GAP_FACTOR * frameInterval && suspect !== mediaTime) {
            if (suspect !== null) slowdown *= SLOWDOWN_PER_SKIP; // the slower replay skipped too
            suspect = mediaTime;
            await stepBack();
            await playOn();
            return;
          }
          if (suspect !== null) {
            // Replayed slower: an earlier frame than the suspect means one had been skipped.
            if (mediaTime < suspect) slowdown *= SLOWDOWN_PER_SKIP;
            suspect = null;
          }
          await deliver(mediaTime);
        }
        if (video.ended || video.currentTime >= video.duration) {
          finish();
          return;
        }
        await playOn();
      } catch (error) {
        fail(error);
      }
    };
    video.onended = () => setTimeout(() => (video.ended ? finish() : undefined), 50);
    // The first frame is on screen before playback starts, and requestVideoFrameCallback
    // only reports frames presented after it is called: take that frame now, at its own time.
    firstFrameTime(video).then(deliver).then(playOn).catch(fail);
  });
}
