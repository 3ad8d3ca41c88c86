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
