// The times a capture stamps → the engine's time, in which sound and pictures must run at the
// speed they were heard and seen, and back to media time for what the views show.
//
// A `<video>`'s own frames and sound come in media time; at rate r ≠ 1 the sound is
// time-stretched (pitch kept), so sound and pictures line up in wall-clock time: a segment
// runs at 1/r of media time, anchored where the rate was set. At rate 1 the engine sees media
// time itself. A tab capture stamps on the wall clock already (src/offscreen/tab-capture.ts):
// its times pass unchanged at any rate. Within a segment the rate is constant.
//
// The engine's spans, timeline and checked span are in its own time; the views seek the
// video with them, so they are mapped back (toMedia) by the piece of the mapping that covered
// that engine time — the newest one where rates changed back and forth over one stretch. A
// tab capture's wall-clock times are mapped by the media times the page reported at wall
// instants (wallAnchor), each good until the next.

interface Piece {
  anchor: number;
  rate: number;
  /** Engine times this piece mapped to, lowest and highest. */
  from: number;
  to: number;
}

/** Engine times this close past a piece's ends still belong to it (a 1-s timeline bucket, a window's length). */
const EDGE_SECONDS = 1;
/** A wall anchor is kept only where the last one's prediction is off by more than this (s): a seek, a stall. */
const ANCHOR_DRIFT_SECONDS = 0.15;

interface WallAnchor {
  /** Seconds on this document's performance clock (the tab capture's stamps). */
  wall: number;
  media: number;
  /** Media seconds per wall second: the playback rate, 0 while paused or seeking. */
  rate: number;
}

export class Timebase {
  private rate = 1;
  private piece: Piece | null = null;
  private readonly pieces: Piece[] = [];
  private readonly anchors: WallAnchor[] = [];

  constructor(private readonly wallClock: boolean) {}

  /** A new segment at `rate` (a rate change, or the check's first playback). */
  reset(rate: number): void {
    this.rate = this.wallClock || !(rate > 0) ? 1 : rate;
    this.piece = null;
  }

  /** A capture time → engine time. */
  map(time: number): number {
    if (this.wallClock) return time;
    if (!this.piece) {
      this.piece = { anchor: time, rate: this.rate, from: Infinity, to: -Infinity };
      this.pieces.push(this.piece);
    }
    const piece = this.piece;
    const engineTime = piece.rate === 1 ? time : piece.anchor + (time - piece.anchor) / piece.rate;
    piece.from = Math.min(piece.from, engineTime);
    piece.to = Math.max(piece.to, engineTime);
    return engineTime;
  }

  /** Tab capture: the page showed `media` at wall time `wall` (this document's seconds), playing at `rate` (0: still). */
  wallAnchor(wall: number, media: number, rate: number): void {
    const last = this.anchors.at(-1);
    if (last && wall < last.wall) return;
    if (last && last.rate === rate && Math.abs(this.fromAnchor(last, wall) - media) <= ANCHOR_DRIFT_SECONDS)
      return;
    this.anchors.push({ wall, media, rate });
  }

  private fromAnchor(anchor: WallAnchor, wall: number): number {
    return anchor.media + (wall - anchor.wall) * anchor.rate;
  }

  /** An engine time → the media time it came from (unchanged at rate 1, and for a tab capture before the page told its clock). */
  toMedia(engineTime: number): number {
    if (this.wallClock) {
      let anchor = this.anchors[0];
      if (!anchor) return engineTime;
      for (const a of this.anchors) if (a.wall <= engineTime) anchor = a;
      return this.fromAnchor(anchor, engineTime);
    }
    for (let i = this.pieces.length - 1; i >= 0; i--) {
      const p = this.pieces[i];
      if (engineTime >= p.from - EDGE_SECONDS && engineTime <= p.to + EDGE_SECONDS)
        return p.rate === 1 ? engineTime : p.anchor + (engineTime - p.anchor) * p.rate;
    }
    return engineTime;
  }

  /** Whether every engine time so far is its media time. */
  get identity(): boolean {
    return this.wallClock ? this.anchors.length === 0 : this.pieces.every((p) => p.rate === 1);
  }
}
