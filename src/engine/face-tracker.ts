// The engine's face tracker: MediaPipe FaceLandmarker plus wide-shot acquisition and
// several stable face tracks. The geometry and every tracking decision live in
// src/core/face/tracking.ts (see its header for the why); this file draws canvases and
// runs the two landmarker instances:
//
// - the *follower* (VIDEO mode) runs once per frame on a mosaic canvas in which each
//   tracked face has its own slot, cropped from the frame around the face (its ROI).
//   In VIDEO mode MediaPipe follows each face from its previous landmarks and runs its
//   detector only while it follows fewer faces than it may, so a steady mosaic keeps
//   that cheap path valid. The mosaic has as many slots as there are tracks; when that
//   number changes, the follower is first shown a blank mosaic so it forgets faces whose
//   positions now mean something else;
// - the *finder* (IMAGE mode) looks for new faces on acquisition tiles, a few per frame
//   and only while faces are missing, and looks again, in the same frame, at the ROI of
//   a track the follower just lost (a turned head it could not re-detect in the mosaic).
//   IMAGE mode because the tiles are unrelated pictures: VIDEO mode would carry one
//   tile's face into the next tile as a track.
//
// Faces are reported in video pixels whether the frame came whole or as a crop (`region`).
import {
  AcquisitionSchedule,
  DEFAULT_TRACK_POLICY,
  MonotonicClock,
  TrackSet,
  acquisitionTiles,
  canvasCentre,
  centreDistance,
  intersect,
  mapLandmarks,
  mosaicLayout,
  pixelRectInFrame,
  planDraw,
  rectOfBox,
  scaleRect,
  slotAt,
  slotRect,
  toCanvas,
  unionRect,
  type MappedFace,
  type MosaicLayout,
  type Rect,
  type Track,
  type View,
} from '../core/face/tracking';
import { KEPT_LANDMARKS, type FaceObservation, type FrameObservation } from '../core/features';
import type { FaceLandmarker } from '@mediapipe/tasks-vision';
import type { EngineFrame, FaceTracker } from './types';
import {
  landmarkedFaces,
  loadFaceLandmarker,
  resolveWasm,
  type LandmarkedFace,
  type LandmarkerAssets,
  type LandmarkerDelegate,
} from './face/landmarker';

export interface FaceTrackerOptions {
  /** Most faces tracked at once (default 3). */
  maxFaces?: number;
  /** 'CPU' by default (headless Chromium has only SwiftShader); 'GPU' where WebGL is real. */
  delegate?: LandmarkerDelegate;
}

/** Side of a mosaic slot: with the ROI at twice the face, the landmark model's 192-px input sees the face about 1:1. */
const SLOT_SIZE = 256;
/** Acquisition tiles are drawn no larger than this: the detector looks at 128×128 anyway. */
const TILE_CANVAS_MAX = 512;
/** Faces already followed are blacked out of acquisition tiles, boxes grown by this much. */
const KNOWN_FACE_MASK = 1.2;
/** suggestedRegion() grows the union of the ROIs by this much, for motion until the next crop. */
const SUGGESTED_REGION_MARGIN = 1.25;

export async function createFaceTracker(assets: LandmarkerAssets, options: FaceTrackerOptions = {}): Promise<FaceTracker> {
  const maxFaces = options.maxFaces ?? DEFAULT_TRACK_POLICY.maxTracks;
  if (!Number.isInteger(maxFaces) || maxFaces < 1) throw new RangeError(`face tracker: maxFaces must be a positive integer, got ${maxFaces}`);
  const delegate = options.delegate ?? 'CPU';
  const fileset = await resolveWasm(assets);
  const [follower, finder] = await Promise.all([
    // At least 2: with numFaces 1, VIDEO mode switches on MediaPipe's one-euro landmark
    // smoothing, which would delay and flatten exactly the lip motion we measure.
    loadFaceLandmarker(fileset, assets, { mode: 'VIDEO', numFaces: Math.max(2, maxFaces), delegate }),
    loadFaceLandmarker(fileset, assets, { mode: 'IMAGE', numFaces: maxFaces, delegate }),
  ]);
  return new MediaPipeFaceTracker(follower, finder, maxFaces);
}

function imageSize(image: EngineFrame['image']): [number, number] {
  if ('displayWidth' in image) return [image.displayWidth, image.displayHeight];
  if ('videoWidth' in image) return [image.videoWidth, image.videoHeight];
  if ('naturalWidth' in image) return [image.naturalWidth, image.naturalHeight];
  return [image.width, image.height];
}

/** One frame's picture and what part of the video it shows. */
interface FrameSource {
  image: EngineFrame['image'];
  shown: Rect;
  width: number;
  height: number;
}

function context2d(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const context = canvas.getContext('2d', { alpha: false });
  if (!context) throw new Error('face tracker: no 2D canvas context');
  context.fillStyle = '#000';
  return context;
}

class MediaPipeFaceTracker implements FaceTracker {
  private readonly tracks: TrackSet;
  private readonly schedule = new AcquisitionSchedule();
  private readonly clock = new MonotonicClock();
  private layout: MosaicLayout | null = null;
  private readonly mosaic = new OffscreenCanvas(SLOT_SIZE, SLOT_SIZE);
  private readonly mosaicContext = context2d(this.mosaic);
  private readonly tileCanvas = new OffscreenCanvas(TILE_CANVAS_MAX, TILE_CANVAS_MAX);
  private readonly tileContext = context2d(this.tileCanvas);
  private videoSize = { width: 0, height: 0 };
  private tiles: Rect[] = [];
  private segment: number | null = null;
  private closed = false;

  constructor(
    private readonly follower: FaceLandmarker,
    private readonly finder: FaceLandmarker,
    private readonly maxFaces: number,
  ) {
    this.tracks = new TrackSet({ ...DEFAULT_TRACK_POLICY, maxTracks: maxFaces });
  }

  /** Reads `frame.image` before it returns (nothing is awaited), so a playing video element is read at the call. */
  async observe(frame: EngineFrame, segment: number): Promise<FrameObservation> {
    if (this.closed) throw new Error('face tracker: observe() after close()');
    if (this.segment !== null && segment !== this.segment) this.newSegment();
    this.segment = segment;
    if (frame.videoWidth !== this.videoSize.width || frame.videoHeight !== this.videoSize.height) {
      // A new source: old places and sizes mean nothing.
      this.videoSize = { width: frame.videoWidth, height: frame.videoHeight };
      this.tiles = acquisitionTiles(frame.videoWidth, frame.videoHeight);
      this.tracks.clear();
      this.schedule.restart();
    }
    const [width, height] = imageSize(frame.image);
    const source: FrameSource = {
      image: frame.image,
      shown: frame.region ?? { x: 0, y: 0, width: frame.videoWidth, height: frame.videoHeight },
      width,
      height,
    };
    const faces: FaceObservation[] = [];
    this.tracks.beginFrame();
    if (this.tracks.tracks.length > 0) this.follow(source, frame.mediaTime, faces);
    const dropped = this.tracks.endFrame();
    if (dropped.length > 0) this.schedule.restart();
    const droppedIds = new Set(dropped.map((t) => t.id));
    const kept = faces.filter((f) => !droppedIds.has(f.trackId));
    for (const index of this.schedule.tilesForFrame(this.tracks.tracks.length, this.maxFaces, this.tiles.length)) {
      this.acquire(source, this.tiles[index], kept);
    }
    return { t: frame.mediaTime, segment, faces: kept };
  }

  newSegment(): void {
    this.tracks.expectDiscontinuity();
    this.schedule.restart();
  }

  suggestedRegion(): EngineFrame['region'] | null {
    const live = this.tracks.tracks;
    if (live.length === 0 || this.schedule.scansNextFrame(live.length, this.maxFaces)) return null;
    const union = unionRect(live.map((t) => t.roi));
    return union && pixelRectInFrame(scaleRect(union, SUGGESTED_REGION_MARGIN), this.videoSize.width, this.videoSize.height);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.follower.close();
    this.finder.close();
  }

  /** Runs the follower on the mosaic of the tracks' ROIs and records who was seen. */
  private follow(source: FrameSource, mediaTime: number, faces: FaceObservation[]): void {
    const layout = this.mosaicFor(this.tracks.tracks.length, mediaTime);
    const { width, height } = layout;
    this.mosaicContext.fillRect(0, 0, width, height);
    const views = new Map<Track, View>();
    for (const track of this.tracks.tracks) {
      const dest = slotRect(layout, track.slot);
      if (!this.draw(this.mosaicContext, source, track.roi, dest)) continue;
      views.set(track, { source: track.roi, dest, canvasWidth: width, canvasHeight: height });
    }
    // Nothing of any track is in this picture (a crop elsewhere): keep MediaPipe's state as it was.
    if (views.size === 0) return;
    const found = landmarkedFaces(this.follower.detectForVideo(this.mosaic, this.clock.next(mediaTime)));
    const inSlot = new Map<number, LandmarkedFace[]>();
    for (const face of found) {
      const slot = slotAt(layout, ...canvasCentre(face.points, width, height));
      inSlot.set(slot, [...(inSlot.get(slot) ?? []), face]);
    }
    const lost: Track[] = [];
    for (const [track, view] of views) {
      // A slot may also show part of a neighbour's face: take the one nearest the track's.
      let best: { face: LandmarkedFace; mapped: MappedFace } | null = null;
      for (const face of inSlot.get(track.slot) ?? []) {
        const mapped = mapLandmarks(face.points, view, KEPT_LANDMARKS);
        if (!best || centreDistance(mapped.box, track.box) < centreDistance(best.mapped.box, track.box)) best = { face, mapped };
      }
      if (!best) {
        lost.push(track);
        continue;
      }
      this.tracks.seen(track, best.mapped.box);
      faces.push(observation(track.id, best.mapped, best.face));
    }
    for (const track of lost) this.acquire(source, track.roi, faces);
  }

  /**
   * The mosaic laid out for `slots` tracks. When its size changed or slots were
   * renumbered, the follower is shown a blank mosaic once: the faces it remembers are
   * positions in the old layout and would land across the new slots.
   */
  private mosaicFor(slots: number, mediaTime: number): MosaicLayout {
    const layout = mosaicLayout(slots, SLOT_SIZE);
    const renumbered = this.tracks.packSlots();
    if (this.layout && !renumbered && layout.width === this.layout.width && layout.height === this.layout.height) return this.layout;
    this.layout = layout;
    this.mosaic.width = this.layout.width;
    this.mosaic.height = this.layout.height;
    this.mosaicContext.fillStyle = '#000'; // resizing resets the context state
    this.mosaicContext.fillRect(0, 0, this.layout.width, this.layout.height);
    this.follower.detectForVideo(this.mosaic, this.clock.next(mediaTime));
    return this.layout;
  }

  /** Runs the finder on one acquisition tile; new faces become tracks, missing tracks are found again. */
  private acquire(source: FrameSource, tile: Rect, faces: FaceObservation[]): void {
    if (!intersect(tile, source.shown)) return;
    const scale = Math.min(1, TILE_CANVAS_MAX / Math.max(tile.width, tile.height));
    const canvasWidth = Math.max(1, Math.round(tile.width * scale));
    const canvasHeight = Math.max(1, Math.round(tile.height * scale));
    if (this.tileCanvas.width !== canvasWidth || this.tileCanvas.height !== canvasHeight) {
      this.tileCanvas.width = canvasWidth;
      this.tileCanvas.height = canvasHeight;
      this.tileContext.fillStyle = '#000'; // resizing resets the context state
    }
    this.tileContext.fillRect(0, 0, canvasWidth, canvasHeight);
    const dest = { x: 0, y: 0, width: canvasWidth, height: canvasHeight };
    if (!this.draw(this.tileContext, source, tile, dest)) return;
    const view: View = { source: tile, dest, canvasWidth, canvasHeight };
    // Faces seen in this frame need no finding: hidden, they cost the finder no landmark run.
    for (const track of this.tracks.tracks) {
      if (track.missed > 0) continue;
      const mask = toCanvas(view, scaleRect(rectOfBox(track.box), KNOWN_FACE_MASK));
      this.tileContext.fillRect(mask.x, mask.y, mask.width, mask.height);
    }
    for (const face of landmarkedFaces(this.finder.detect(this.tileCanvas))) {
      const mapped = mapLandmarks(face.points, view, KEPT_LANDMARKS);
      const owner = this.tracks.claim(mapped.box);
      if (owner) {
        // Already seen this frame (another tile, or the mosaic): nothing new.
        if (owner.missed === 0) continue;
        this.tracks.seen(owner, mapped.box);
        faces.push(observation(owner.id, mapped, face));
        continue;
      }
      const track = this.tracks.add(mapped.box);
      if (!track) continue;
      this.schedule.found();
      faces.push(observation(track.id, mapped, face));
    }
  }

  /** Draws the video rectangle `want` into `dest`; false when the picture shows none of it. */
  private draw(context: OffscreenCanvasRenderingContext2D, source: FrameSource, want: Rect, dest: Rect): boolean {
    const plan = planDraw(want, source.shown, source.width, source.height, dest);
    if (!plan) return false;
    context.drawImage(source.image, plan.sx, plan.sy, plan.sw, plan.sh, plan.dx, plan.dy, plan.dw, plan.dh);
    return true;
  }
}

function observation(trackId: number, mapped: MappedFace, face: LandmarkedFace): FaceObservation {
  return { trackId, box: mapped.box, landmarks: mapped.landmarks, blendshapes: face.blendshapes, pose: face.pose };
}
