// Geometry and bookkeeping behind the engine's face tracker (src/engine/face-tracker.ts):
// where to look for faces in a frame, how a landmarker's normalised output maps back to
// video pixels, and which face in this frame continues which track. Pure and DOM-free,
// so node tests cover every decision; the engine only draws canvases and runs MediaPipe.
//
// Why the tracker needs any of this: MediaPipe's FaceLandmarker finds faces with the
// BlazeFace *short-range* detector, which letterboxes the whole input to 128×128 and so
// misses faces smaller than about a tenth of the input's long side (a TED-stage wide shot,
// a person standing in a portrait 1080×1920 frame). We therefore
//   1. acquire faces on overlapping square tiles of the frame (acquisitionTiles), a few
//      tiles per frame and only while faces are missing (AcquisitionSchedule);
//   2. track each found face by cropping a square region of interest around it (roiAround,
//      followFace) into one slot of a small mosaic canvas (mosaicLayout), so every later
//      frame runs the landmarker once, on a small image in which each face is large;
//   3. map results back to video pixels (planDraw, View, mapLandmarks) and keep stable ids
//      (TrackSet: association by overlap or centre distance, a few missed frames tolerated,
//      recently lost ids re-used when the face is acquired again).

/** A rectangle in pixels (the same shape as EngineFrame['region']). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A face box [x, y, width, height] in video pixels (FaceObservation['box']). */
export type Box = [number, number, number, number];

export const rectOfBox = (box: Box): Rect => ({ x: box[0], y: box[1], width: box[2], height: box[3] });

export function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

export function unionRect(rects: readonly Rect[]): Rect | null {
  if (rects.length === 0) return null;
  let x = Infinity,
    y = Infinity,
    right = -Infinity,
    bottom = -Infinity;
  for (const r of rects) {
    x = Math.min(x, r.x);
    y = Math.min(y, r.y);
    right = Math.max(right, r.x + r.width);
    bottom = Math.max(bottom, r.y + r.height);
  }
  return { x, y, width: right - x, height: bottom - y };
}

/** Grows (factor > 1) a rectangle about its centre. */
export function scaleRect(r: Rect, factor: number): Rect {
  const width = r.width * factor;
  const height = r.height * factor;
  return { x: r.x + (r.width - width) / 2, y: r.y + (r.height - height) / 2, width, height };
}

/** Whole pixels covering `r`, inside a width×height frame; null when it lies outside. */
export function pixelRectInFrame(r: Rect, width: number, height: number): Rect | null {
  const inside = intersect(r, { x: 0, y: 0, width, height });
  if (!inside) return null;
  const x = Math.floor(inside.x);
  const y = Math.floor(inside.y);
  return {
    x,
    y,
    width: Math.min(width, Math.ceil(inside.x + inside.width)) - x,
    height: Math.min(height, Math.ceil(inside.y + inside.height)) - y,
  };
}

export function iou(a: Box, b: Box): number {
  const overlap = intersect(rectOfBox(a), rectOfBox(b));
  if (!overlap) return 0;
  const shared = overlap.width * overlap.height;
  return shared / (a[2] * a[3] + b[2] * b[3] - shared);
}

export function centreDistance(a: Box, b: Box): number {
  return Math.hypot(a[0] + a[2] / 2 - (b[0] + b[2] / 2), a[1] + a[3] / 2 - (b[1] + b[3] / 2));
}

/** Boxes overlapping at least this much (IoU) are the same face. */
export const SAME_FACE_MIN_IOU = 0.3;
/** …and so are boxes whose centres lie within this fraction of the face size. */
export const SAME_FACE_CENTRE_FRACTION = 0.5;

/**
 * Whether two boxes show the same face: they overlap (IoU), or their centres are close
 * for their size — the second test catches a box found on a tile that cut the face, or a
 * fast move, where the IoU test alone would start a duplicate track.
 */
export function isSameFace(a: Box, b: Box): boolean {
  if (iou(a, b) >= SAME_FACE_MIN_IOU) return true;
  const size = (Math.max(a[2], a[3]) + Math.max(b[2], b[3])) / 2;
  return centreDistance(a, b) <= SAME_FACE_CENTRE_FRACTION * size;
}

// ---------------------------------------------------------------------------------------
// Regions of interest

export interface RoiPolicy {
  /** ROI side as a multiple of the face box's longer side. */
  scale: number;
  /** Re-centre when the face centre is further than this fraction of the ROI side from its centre. */
  recentre: number;
  /** Re-size when the face size differs from the ROI's by more than this fraction. */
  rescale: number;
}

/**
 * Twice the face: MediaPipe's own tracking crop is 1.5× the landmark extent, so this
 * leaves room for the motion between two frames, and in a 256-px slot the landmark
 * model's 192-px input then sees the face at about its own resolution.
 */
export const DEFAULT_ROI_POLICY: RoiPolicy = { scale: 2, recentre: 0.12, rescale: 0.2 };

/** The square ROI centred on a face box. */
export function roiAround(box: Box, scale = DEFAULT_ROI_POLICY.scale): Rect {
  const side = Math.max(box[2], box[3]) * scale;
  return { x: box[0] + box[2] / 2 - side / 2, y: box[1] + box[3] / 2 - side / 2, width: side, height: side };
}

/**
 * The ROI for the next frame. It moves only when the face has drifted or changed size
 * noticeably: MediaPipe tracks the face from its previous landmarks *inside the picture
 * it is given*, so a crop that stays put keeps that tracking valid, and a still crop
 * also avoids re-sampling jitter in the landmarks.
 */
export function followFace(roi: Rect, box: Box, policy: RoiPolicy = DEFAULT_ROI_POLICY): Rect {
  const side = roi.width;
  const faceSize = Math.max(box[2], box[3]);
  const expectedSize = side / policy.scale;
  const dx = box[0] + box[2] / 2 - (roi.x + side / 2);
  const dy = box[1] + box[3] / 2 - (roi.y + roi.height / 2);
  const drifted = Math.hypot(dx, dy) > policy.recentre * side;
  const resized = Math.abs(faceSize - expectedSize) > policy.rescale * expectedSize;
  return drifted || resized ? roiAround(box, policy.scale) : roi;
}

// ---------------------------------------------------------------------------------------
// Acquisition tiles

export interface TilePolicy {
  /** Finest tile side, pixels; faces below ~1/10 of it stay undetected. */
  minTileSide: number;
  /** …and never finer than this fraction of the frame's shorter side. */
  minTileFraction: number;
  /** Neighbouring tiles step by at most this fraction of their side (the rest overlaps). */
  maxStride: number;
  /** Upper bound on the tiles of one scan cycle (coarse tiles are kept first). */
  maxTiles: number;
}

/**
 * From this project's clips: the short-range detector finds faces down to about a tenth
 * of the picture's longer side (the TED wide shot's 27-px face is found in a 256-px tile,
 * never in the whole 454×256 frame), and it needs the whole face inside the picture.
 * Halving the side per level keeps the detectable size ranges of neighbouring levels
 * overlapping; a stride of 2/3 of the side puts every face up to a third of the
 * side wholly inside some tile.
 */
export const DEFAULT_TILE_POLICY: TilePolicy = {
  minTileSide: 192,
  minTileFraction: 1 / 3,
  maxStride: 2 / 3,
  maxTiles: 24,
};

/** Evenly spread starts of `count` spans of `span` over [0, length]. */
function spreadStarts(length: number, span: number, maxStride: number): number[] {
  if (span >= length) return [0];
  const count = Math.ceil((length - span) / (span * maxStride)) + 1;
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - span)) / (count - 1)));
}

/**
 * The rectangles of one acquisition scan of a width×height frame, in the order to try
 * them: the whole frame first (it alone finds close-ups), then square tiles, coarse
 * levels before fine ones and, within a level, central tiles first (where speakers
 * usually are).
 */
export function acquisitionTiles(
  width: number,
  height: number,
  policy: TilePolicy = DEFAULT_TILE_POLICY,
): Rect[] {
  const tiles: Rect[] = [{ x: 0, y: 0, width, height }];
  const shorter = Math.min(width, height);
  const finest = Math.max(policy.minTileSide, shorter * policy.minTileFraction);
  for (let side = shorter; side >= finest && tiles.length < policy.maxTiles; side = Math.floor(side / 2)) {
    const level: Rect[] = [];
    for (const y of spreadStarts(height, side, policy.maxStride)) {
      for (const x of spreadStarts(width, side, policy.maxStride))
        level.push({ x, y, width: side, height: side });
    }
    if (level.length === 1 && level[0].width === width && level[0].height === height) continue;
    const centreOffset = (r: Rect) =>
      Math.hypot(r.x + r.width / 2 - width / 2, r.y + r.height / 2 - height / 2);
    level.sort((a, b) => centreOffset(a) - centreOffset(b));
    tiles.push(...level.slice(0, policy.maxTiles - tiles.length));
  }
  return tiles;
}

// ---------------------------------------------------------------------------------------
// Drawing a video rectangle into a canvas, and mapping results back

/** Arguments for CanvasRenderingContext2D.drawImage(image, sx, sy, sw, sh, dx, dy, dw, dh). */
export interface DrawPlan {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  dx: number;
  dy: number;
  dw: number;
  dh: number;
}

/**
 * How to draw the video rectangle `want` into `dest` (canvas pixels) from an image of
 * imageWidth×imageHeight pixels that shows the video rectangle `shown` (the whole frame,
 * or the crop the live capture sent). Only the part of `want` the image shows is drawn,
 * at the place it takes within `dest`, so the rest of `dest` keeps whatever it was
 * cleared to and `dest` always maps linearly onto `want`. Null when none of it is shown.
 */
export function planDraw(
  want: Rect,
  shown: Rect,
  imageWidth: number,
  imageHeight: number,
  dest: Rect,
): DrawPlan | null {
  const visible = intersect(want, shown);
  if (!visible) return null;
  const imageScaleX = imageWidth / shown.width;
  const imageScaleY = imageHeight / shown.height;
  const destScaleX = dest.width / want.width;
  const destScaleY = dest.height / want.height;
  return {
    sx: (visible.x - shown.x) * imageScaleX,
    sy: (visible.y - shown.y) * imageScaleY,
    sw: visible.width * imageScaleX,
    sh: visible.height * imageScaleY,
    dx: dest.x + (visible.x - want.x) * destScaleX,
    dy: dest.y + (visible.y - want.y) * destScaleY,
    dw: visible.width * destScaleX,
    dh: visible.height * destScaleY,
  };
}

/** A part of a canvas the landmarker ran on: `dest` (canvas pixels) shows `source` (video pixels). */
export interface View {
  source: Rect;
  dest: Rect;
  canvasWidth: number;
  canvasHeight: number;
}

export interface NormalizedPoint {
  x: number;
  y: number;
  z: number;
}

/** A landmarker's normalised point (fractions of the canvas) in video pixels. */
export function toVideo(view: View, point: NormalizedPoint): [number, number, number] {
  const scale = view.source.width / view.dest.width;
  return [
    view.source.x + (point.x * view.canvasWidth - view.dest.x) * scale,
    view.source.y + (point.y * view.canvasHeight - view.dest.y) * (view.source.height / view.dest.height),
    // MediaPipe's z has the scale of x (a fraction of the canvas width).
    point.z * view.canvasWidth * scale,
  ];
}

/** A video rectangle in the canvas pixels of a view (the inverse of toVideo). */
export function toCanvas(view: View, r: Rect): Rect {
  const scaleX = view.dest.width / view.source.width;
  const scaleY = view.dest.height / view.source.height;
  return {
    x: view.dest.x + (r.x - view.source.x) * scaleX,
    y: view.dest.y + (r.y - view.source.y) * scaleY,
    width: r.width * scaleX,
    height: r.height * scaleY,
  };
}

export interface MappedFace {
  /** Extent of all landmarks, video pixels. */
  box: Box;
  /** The `keep` mesh indices as x, y, z triplets in video pixels. */
  landmarks: number[];
}

/** Maps one face's normalised landmarks to video pixels: their extent, and the kept points. */
export function mapLandmarks(
  points: readonly NormalizedPoint[],
  view: View,
  keep: readonly number[],
): MappedFace {
  let left = Infinity,
    top = Infinity,
    right = -Infinity,
    bottom = -Infinity;
  for (const p of points) {
    const [x, y] = toVideo(view, p);
    left = Math.min(left, x);
    top = Math.min(top, y);
    right = Math.max(right, x);
    bottom = Math.max(bottom, y);
  }
  const landmarks: number[] = [];
  for (const index of keep) landmarks.push(...toVideo(view, points[index]));
  return { box: [left, top, right - left, bottom - top], landmarks };
}

/** Centre of a face's normalised landmarks, in canvas pixels (to tell which slot it is in). */
export function canvasCentre(
  points: readonly NormalizedPoint[],
  canvasWidth: number,
  canvasHeight: number,
): [number, number] {
  let left = Infinity,
    top = Infinity,
    right = -Infinity,
    bottom = -Infinity;
  for (const p of points) {
    left = Math.min(left, p.x);
    top = Math.min(top, p.y);
    right = Math.max(right, p.x);
    bottom = Math.max(bottom, p.y);
  }
  return [((left + right) / 2) * canvasWidth, ((top + bottom) / 2) * canvasHeight];
}

// ---------------------------------------------------------------------------------------
// The tracking mosaic

export interface MosaicLayout {
  slotSize: number;
  columns: number;
  rows: number;
  width: number;
  height: number;
}

/**
 * A near-square grid of `slots` square slots. Near-square because the detector that
 * MediaPipe runs on the whole mosaic (whenever it tracks fewer faces than it may) shrinks
 * the longer side to 128 px: a 2×2 grid keeps each face twice as large there as a 4×1 row.
 * The tracker sizes it to the tracks it has, not to the most it may have, for the same
 * reason: one face alone fills a quarter of the detector's input, not a sixteenth.
 */
export function mosaicLayout(slots: number, slotSize: number): MosaicLayout {
  const columns = Math.ceil(Math.sqrt(slots));
  const rows = Math.ceil(slots / columns);
  return { slotSize, columns, rows, width: columns * slotSize, height: rows * slotSize };
}

export function slotRect(layout: MosaicLayout, slot: number): Rect {
  const { slotSize, columns } = layout;
  return {
    x: (slot % columns) * slotSize,
    y: Math.floor(slot / columns) * slotSize,
    width: slotSize,
    height: slotSize,
  };
}

/** The slot containing canvas point (x, y), or -1. */
export function slotAt(layout: MosaicLayout, x: number, y: number): number {
  if (x < 0 || y < 0 || x >= layout.width || y >= layout.height) return -1;
  return Math.floor(y / layout.slotSize) * layout.columns + Math.floor(x / layout.slotSize);
}

// ---------------------------------------------------------------------------------------
// Time

/**
 * Strictly increasing timestamps (ms) for one MediaPipe VIDEO-mode instance, which
 * rejects a timestamp that is not greater than the previous one. Media time follows the
 * video until it stalls or jumps back (a seek, a loop, a new source); from then on an
 * offset keeps the stream 1 ms past the last timestamp and moving with the media again.
 * Steps are at least 1 ms: MediaPipe keeps whole microseconds (and some of its streams
 * whole milliseconds), so a rounding error's worth past the last timestamp — the same
 * media time asked for again right after an offset was added — would be the same packet
 * time to it, which kills the landmarker's graph.
 */
export class MonotonicClock {
  private offsetMs = 0;
  private lastMs = -Infinity;

  next(mediaTimeS: number): number {
    let ms = mediaTimeS * 1000 + this.offsetMs;
    if (!(ms >= this.lastMs + 1)) {
      this.offsetMs += this.lastMs + 1 - ms;
      ms = this.lastMs + 1;
    }
    this.lastMs = ms;
    return ms;
  }
}

// ---------------------------------------------------------------------------------------
// When to scan tiles

export interface SchedulePolicy {
  /** Tiles per frame while nothing is tracked (nothing else costs anything then). */
  idleTilesPerFrame: number;
  /** Frames to pause after a whole scan found nothing and nothing is tracked. */
  idleRestFrames: number;
  /** While some faces are tracked: one tile every this many frames… */
  trackingFramesPerTile: number;
  /** …and this pause after a whole scan found no new face. */
  trackingRestFrames: number;
}

export const DEFAULT_SCHEDULE_POLICY: SchedulePolicy = {
  idleTilesPerFrame: 2,
  idleRestFrames: 10,
  trackingFramesPerTile: 4,
  trackingRestFrames: 100,
};

/**
 * Decides, frame by frame, which acquisition tiles to scan. Scanning costs a landmarker
 * run per tile, so it is spread over frames and rests between fruitless cycles; it stops
 * while every track slot is taken and restarts from the whole frame when a track is lost
 * or the segment changes.
 */
export class AcquisitionSchedule {
  private cursor = 0;
  private restFrames = 0;
  private framesSinceTile = Infinity;
  /** The last tile of a cycle was handed out; whether to rest is decided once its result is in. */
  private cycleDone = false;
  private foundThisCycle = false;

  constructor(readonly policy: SchedulePolicy = DEFAULT_SCHEDULE_POLICY) {}

  /** Indices into the tile list (of length tileCount) to scan in this frame. */
  tilesForFrame(trackCount: number, maxTracks: number, tileCount: number): number[] {
    if (trackCount >= maxTracks || tileCount === 0) return [];
    this.settleCycle(trackCount);
    if (this.restFrames > 0) {
      this.restFrames--;
      return [];
    }
    let count: number;
    if (trackCount === 0) {
      count = this.policy.idleTilesPerFrame;
    } else {
      this.framesSinceTile++;
      if (this.framesSinceTile < this.policy.trackingFramesPerTile) return [];
      count = 1;
    }
    this.framesSinceTile = 0;
    const picked: number[] = [];
    while (picked.length < count && !this.cycleDone) {
      picked.push(this.cursor);
      this.cursor++;
      if (this.cursor >= tileCount) {
        this.cursor = 0;
        this.cycleDone = true;
      }
    }
    return picked;
  }

  /** Whether tilesForFrame will scan something in the next frame (the live capture then sends the whole frame). */
  scansNextFrame(trackCount: number, maxTracks: number): boolean {
    if (trackCount >= maxTracks) return false;
    const resting = this.restFrames > 0 || (this.cycleDone && !this.foundThisCycle);
    if (resting) return false;
    return trackCount === 0 || this.framesSinceTile + 1 >= this.policy.trackingFramesPerTile;
  }

  /** A scanned tile gave a new face: the cycle was worth it, no rest after it. */
  found(): void {
    this.foundThisCycle = true;
  }

  /** Start over from the whole frame, now. */
  restart(): void {
    this.cursor = 0;
    this.restFrames = 0;
    this.framesSinceTile = Infinity;
    this.cycleDone = false;
    this.foundThisCycle = false;
  }

  private settleCycle(trackCount: number): void {
    if (!this.cycleDone) return;
    if (!this.foundThisCycle) {
      this.restFrames = trackCount === 0 ? this.policy.idleRestFrames : this.policy.trackingRestFrames;
    }
    this.cycleDone = false;
    this.foundThisCycle = false;
  }
}

// ---------------------------------------------------------------------------------------
// Tracks

export interface TrackPolicy {
  maxTracks: number;
  /** A track missing for more than this many frames in a row is dropped. */
  maxMissedFrames: number;
  /** A dropped track's id is given back to a face acquired at its place within this many frames. */
  reidentifyFrames: number;
  /** Faces smaller than this (longer box side, video pixels) are not tracked: too small to read lips. */
  minFaceSize: number;
  roi: RoiPolicy;
}

export const DEFAULT_TRACK_POLICY: TrackPolicy = {
  maxTracks: 3,
  maxMissedFrames: 5,
  reidentifyFrames: 75,
  minFaceSize: 24,
  roi: DEFAULT_ROI_POLICY,
};

export interface Track {
  readonly id: number;
  /** Last seen face box, video pixels. */
  box: Box;
  /** Where to crop next frame, video pixels. */
  roi: Rect;
  /** Mosaic slot, unique among live tracks, < maxTracks (packSlots() renumbers them 0…n−1). */
  slot: number;
  /** Frames in a row without a sighting (0 = seen in the current frame). */
  missed: number;
  /** Frame number the track was (re)created at; the older of two duplicates wins. */
  readonly since: number;
}

interface LostTrack {
  id: number;
  box: Box;
  lostAt: number;
}

/**
 * The live tracks and their ids. Per frame: beginFrame(), seen() for each face the
 * tracker followed, endFrame() (drops tracks missed too long and duplicates), then
 * claim()/add() for faces an acquisition scan found.
 */
export class TrackSet {
  private live: Track[] = [];
  private lost: LostTrack[] = [];
  private frame = 0;
  private nextId = 1;

  constructor(readonly policy: TrackPolicy = DEFAULT_TRACK_POLICY) {}

  get tracks(): readonly Track[] {
    return this.live;
  }

  get full(): boolean {
    return this.live.length >= this.policy.maxTracks;
  }

  beginFrame(): void {
    this.frame++;
    for (const track of this.live) track.missed++;
    this.lost = this.lost.filter((t) => this.frame - t.lostAt <= this.policy.reidentifyFrames);
  }

  seen(track: Track, box: Box): void {
    track.box = box;
    track.missed = 0;
    track.roi = followFace(track.roi, box, this.policy.roi);
  }

  /** Drops tracks missed too long, and the younger of two tracks that found the same face; returns the dropped. */
  endFrame(): Track[] {
    const dropped = new Set<Track>();
    for (const track of this.live) if (track.missed > this.policy.maxMissedFrames) dropped.add(track);
    const seenNow = this.live.filter((t) => t.missed === 0).sort((a, b) => a.since - b.since || a.id - b.id);
    for (let i = 0; i < seenNow.length; i++) {
      for (let j = i + 1; j < seenNow.length; j++) {
        if (!dropped.has(seenNow[i]) && isSameFace(seenNow[i].box, seenNow[j].box)) dropped.add(seenNow[j]);
      }
    }
    if (dropped.size === 0) return [];
    this.live = this.live.filter((t) => !dropped.has(t));
    for (const t of dropped) this.lost.push({ id: t.id, box: t.box, lostAt: this.frame });
    return [...dropped];
  }

  /** The live track that already follows the face in `box`, if any. */
  claim(box: Box): Track | undefined {
    let best: Track | undefined;
    for (const track of this.live) {
      if (isSameFace(track.box, box) && (!best || iou(track.box, box) > iou(best.box, box))) best = track;
    }
    return best;
  }

  /**
   * Starts a track for a newly acquired face, re-using the id of a recently lost track at
   * the same place; null when the face is too small or every slot is taken.
   */
  add(box: Box): Track | null {
    if (this.full || Math.max(box[2], box[3]) < this.policy.minFaceSize) return null;
    const previous = this.lost
      .filter((t) => isSameFace(t.box, box))
      .sort((a, b) => iou(b.box, box) - iou(a.box, box) || b.lostAt - a.lostAt)[0];
    if (previous) this.lost = this.lost.filter((t) => t !== previous);
    const slots = new Set(this.live.map((t) => t.slot));
    let slot = 0;
    while (slots.has(slot)) slot++;
    const track: Track = {
      id: previous?.id ?? this.nextId++,
      box,
      roi: roiAround(box, this.policy.roi.scale),
      slot,
      missed: 0,
      since: this.frame,
    };
    this.live.push(track);
    return track;
  }

  /** Renumbers the slots 0…n−1 in their current order (the mosaic shrinks with the track count); true if any changed. */
  packSlots(): boolean {
    let changed = false;
    [...this.live]
      .sort((a, b) => a.slot - b.slot)
      .forEach((track, slot) => {
        changed ||= track.slot !== slot;
        track.slot = slot;
      });
    return changed;
  }

  /**
   * After a seek: motion history means nothing any more. Live tracks are kept (a talking
   * head usually stays where it was) but must be seen in the next frame to survive;
   * the lost ones stay available for re-identification.
   */
  expectDiscontinuity(): void {
    for (const track of this.live) track.missed = Math.max(track.missed, this.policy.maxMissedFrames);
  }

  /**
   * A cut: every live track ends, and the lost ones are forgotten too, so faces found
   * after it get fresh ids. Re-identification by place would be wrong here: the next
   * shot's person often sits where the last one did. Returns the tracks that ended.
   */
  newShot(): Track[] {
    const ended = this.live;
    this.live = [];
    this.lost = [];
    return ended;
  }

  /** Forgets every track and every lost one (a new source: old places mean nothing); ids keep counting up. */
  clear(): void {
    this.live = [];
    this.lost = [];
  }
}
