// Sound taken from the element at a moment ↔ the media time on screen at that moment.
// requestVideoFrameCallback tells which media time is shown when (mediaTime,
// expectedDisplayTime), and the audio tap tells when the graph took a chunk from the
// element. The element's pictures follow the sound it hands to Web Audio, not the sound
// heard: once routed through createMediaElementSource, Chromium's player renders into the
// graph with zero delay (WebAudioSourceProviderImpl::ProvideInput passes an empty
// TimeDelta), so the output device's latency (Bluetooth: 150–300 ms) is after both and
// must not enter the offset (issue 10). So a chunk's media time = the last shown frame's
// media time + rate × (taken − shown). The anchor is dropped on a pause, seek, rate or
// source change until the next frame.
export class MediaClock {
  private anchor: { mediaTime: number; displayedAt: number; rate: number } | null = null;

  onFrame(mediaTime: number, expectedDisplayTime: number, rate: number): void {
    this.anchor = { mediaTime, displayedAt: expectedDisplayTime, rate };
  }

  invalidate(): void {
    this.anchor = null;
  }

  /** Media time of the sound the graph took from the element at performance time `takenAt` (ms), or null without an anchor. */
  mediaTimeAt(takenAt: number): number | null {
    if (!this.anchor) return null;
    return this.anchor.mediaTime + (this.anchor.rate * (takenAt - this.anchor.displayedAt)) / 1000;
  }
}

/** Shorter videos are not unwrapped: currentTime may run a frame or two ahead of the frame shown. */
const MIN_LOOP_SECONDS = 1;

/**
 * requestVideoFrameCallback's mediaTime on the element's own timeline. Firefox goes on
 * counting across a loop (a 3-s loop's second pass reports 3.00, 3.04, … while currentTime
 * reads 0.02, 0.06, …); Chromium starts again from zero, as currentTime does. A time past
 * the end, whole durations ahead of currentTime, is laps of a loop, which come off, so
 * that a moment seen again has its own time (the engine counts it once) and the views seek
 * to it. A last frame drawn as the loop seeks (before the end, currentTime already near 0)
 * keeps its time.
 */
export function loopedMediaTime(mediaTime: number, currentTime: number, duration: number): number {
  if (!Number.isFinite(duration) || duration < MIN_LOOP_SECONDS || mediaTime < duration - 1e-3)
    return mediaTime;
  const laps = Math.round((mediaTime - currentTime) / duration);
  return laps >= 1 ? mediaTime - laps * duration : mediaTime;
}
