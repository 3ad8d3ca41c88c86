// Audio heard at a moment ↔ the media time on screen at that moment. The player keeps its
// sound and pictures in sync; requestVideoFrameCallback tells which media time is shown
// when (mediaTime, expectedDisplayTime), and the audio tap tells when a chunk is heard.
// So a chunk's media time = the last shown frame's media time + rate × (heard − shown).
// The anchor is dropped on a pause, seek, rate or source change until the next frame.
export class MediaClock {
  private anchor: { mediaTime: number; displayedAt: number; rate: number } | null = null;

  onFrame(mediaTime: number, expectedDisplayTime: number, rate: number): void {
    this.anchor = { mediaTime, displayedAt: expectedDisplayTime, rate };
  }

  invalidate(): void {
    this.anchor = null;
  }

  /** Media time of what is heard at performance time `heardAt` (ms), or null without an anchor. */
  mediaTimeAt(heardAt: number): number | null {
    if (!this.anchor) return null;
    return this.anchor.mediaTime + (this.anchor.rate * (heardAt - this.anchor.displayedAt)) / 1000;
  }
}
