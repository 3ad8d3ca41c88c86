// The engine's face tracker: MediaPipe FaceLandmarker plus wide-shot acquisition and
// several stable face tracks. The geometry and every tracking decision live in
// src/core/face/tracking.ts (see its header for the why); this file draws canvases, hands
// them to the landmarker instances and maps what they find back to the video:
//
// - the *follower* (VIDEO mode) runs once per frame on a mosaic canvas in which each
//   tracked face has its own slot, cropped from the frame around the face (its ROI).
//   In VIDEO mode MediaPipe follows each face from its previous landmarks and runs its
//   detector only while it follows fewer faces than it may, so a steady mosaic keeps
//   that cheap path valid. The mosaic has as many slots as there are tracks; when that
//   number changes, the follower is first shown a blank mosaic so it forgets faces whose
//   positions now mean something else;
// - the *finder* (IMAGE mode) looks for new faces on acquisition tiles, a few per frame
//   and only while faces are missing, and looks again, in the same frame, at the slot of
//   a track the follower just lost (a turned head it could not re-detect in the mosaic).
//   IMAGE mode because the tiles are unrelated pictures: VIDEO mode would carry one
//   tile's face into the next tile as a track.
//
// Each frame is *planned* when observe() is called — mosaic and tiles drawn from the
// frame, from the tracks as the last applied frame left them — and *applied* when its
// landmarks come back, in call order. The landmarker runs in a pool of workers
// (./face/landmarker-pool.ts): with two, frame N+1 is landmarked on the second core while
// frame N is on the first, and its ROIs come from frame N−1 (one frame older than with
// one instance; the ROI is twice the face and re-centred only on larger moves, so a
// frame's motion stays well inside it).
//
// Faces are reported in video pixels whether the frame came whole or as a crop (`region`).
//
// Shots: newShot() marks the next observed frame as the first of a new shot. Its tracks
// end when that frame is *applied* (frames before it, still in flight, keep theirs), and
// from its planning until then nothing is followed: the tracks' places belong to the old
// shot. That frame and the ones planned behind it are scanned from the whole frame instead,
// so the new shot's faces are found at once, with fresh ids.
import {
  AcquisitionSchedule,
  DEFAULT_TRACK_POLICY,
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
import type { EngineAssets, EngineFrame, FaceTracker } from './types';
import type { LandmarkedFace, LandmarkerAssets, LandmarkerDelegate } from './face/landmarker';
import type { LandmarkJob, LandmarkJobResult } from './face/landmark-jobs';
import { createLandmarkerPool, defaultWorkerCount, type LandmarkerPool } from './face/landmarker-pool';
import { KeptLandmarkers } from './face/kept-landmarkers';

export interface FaceTrackerOptions {
  /** Most faces tracked at once (default 3). */
  maxFaces?: number;
  /** 'CPU' by default (headless Chromium has only SwiftShader); 'GPU' where WebGL is real. */
  delegate?: LandmarkerDelegate;
  /** Landmarker workers (default min(2, cores)); 0 landmarks on this thread. Needs assets.landmarkerWorkerUrl. */
  workers?: number;
  /** Frames a landmarker worker runs before a fresh one replaces it (default RENEW_WORKER_AFTER_JOBS). */
  renewWorkersAfterJobs?: number;
}

/** Side of a mosaic slot: with the ROI at twice the face, the landmark model's 192-px input sees the face about 1:1. */
const SLOT_SIZE = 256;
/** Acquisition tiles are drawn no larger than this: the detector looks at 128×128 anyway. */
const TILE_CANVAS_MAX = 512;
/** Faces already followed are blacked out of acquisition tiles, boxes grown by this much. */
const KNOWN_FACE_MASK = 1.2;
/** suggestedRegion() grows the union of the ROIs by this much, for motion until the next crop. */
const SUGGESTED_REGION_MARGIN = 1.25;

export async function createFaceTracker(
  assets: LandmarkerAssets & Pick<EngineAssets, 'landmarkerWorkerUrl'>,
  options: FaceTrackerOptions = {},
): Promise<FaceTracker> {
  const maxFaces = options.maxFaces ?? DEFAULT_TRACK_POLICY.maxTracks;
  if (!Number.isInteger(maxFaces) || maxFaces < 1)
    throw new RangeError(`face tracker: maxFaces must be a positive integer, got ${maxFaces}`);
  const pool = await landmarkersFor(assets, options);
  return new MediaPipeFaceTracker(pool, maxFaces, () => pool.close());
}

/** The landmarker pool a tracker with these options runs on. */
export function landmarkersFor(
  assets: LandmarkerAssets & Pick<EngineAssets, 'landmarkerWorkerUrl'>,
  options: FaceTrackerOptions = {},
): Promise<LandmarkerPool> {
  const maxFaces = options.maxFaces ?? DEFAULT_TRACK_POLICY.maxTracks;
  return createLandmarkerPool(
    assets,
    { maxFaces, delegate: options.delegate ?? 'CPU' },
    {
      url: assets.landmarkerWorkerUrl,
      count: options.workers ?? defaultWorkerCount(),
      renewAfterJobs: options.renewWorkersAfterJobs,
    },
  );
}

/** Landmarkers a page keeps between its checks, each check with a new tracker on them. */
export function keptLandmarkers(
  assets: LandmarkerAssets & Pick<EngineAssets, 'landmarkerWorkerUrl'>,
  options: FaceTrackerOptions = {},
): KeptLandmarkers {
  return new KeptLandmarkers({
    load: () => landmarkersFor(assets, options),
    trackerOn: (pool, onClose) => trackerOnPool(pool, onClose, options.maxFaces),
  });
}

/**
 * A new tracker (no tracks, shot 0, ids from the start) on a pool its owner keeps: closing
 * the tracker leaves the pool running and calls `onClose` (./face/kept-landmarkers.ts).
 */
export function trackerOnPool(
  pool: LandmarkerPool,
  onClose: () => void,
  maxFaces = DEFAULT_TRACK_POLICY.maxTracks,
): FaceTracker {
  return new MediaPipeFaceTracker(pool, maxFaces, onClose);
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

/** A frame's job and what is needed to read its results: which track each slot showed, where each tile came from. */
interface FramePlan {
  t: number;
  segment: number;
  shot: number;
  layout: MosaicLayout | null;
  followed: { track: Track; slot: number; view: View }[];
  tiles: View[];
}

class MediaPipeFaceTracker implements FaceTracker {
  private readonly tracks: TrackSet;
  /** The pool's renewals when this tracker started: a kept pool counts every check's. */
  private readonly renewalsBefore: number;
  private readonly schedule = new AcquisitionSchedule();
  /** Per landmarker instance: the mosaic layout it last followed (none yet: a blank first). */
  private readonly followedLayout: (number | null)[];
  private layout: MosaicLayout | null = null;
  /** Bumped whenever the layout changes or slots are renumbered. */
  private layoutGeneration = 0;
  private readonly mosaic = new OffscreenCanvas(SLOT_SIZE, SLOT_SIZE);
  private readonly mosaicContext = context2d(this.mosaic);
  private readonly tileCanvas = new OffscreenCanvas(TILE_CANVAS_MAX, TILE_CANVAS_MAX);
  private readonly tileContext = context2d(this.tileCanvas);
  private videoSize = { width: 0, height: 0 };
  private acquisitionRects: Rect[] = [];
  private segment: number | null = null;
  /** Shot of the last planned frame; a cut was announced for the next frame; cuts planned but not yet applied. */
  private shot = 0;
  private cutNext = false;
  private cutsInFlight = 0;
  private nextInstance = 0;
  /** The last frame's apply step: the next frame's is chained after it (results in call order). */
  private lastApplied: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pool: LandmarkerPool,
    private readonly maxFaces: number,
    /** Called once at close(): closes the pool, or tells the page keeping it that this tracker is done. */
    private readonly onClose: () => void,
  ) {
    this.tracks = new TrackSet({ ...DEFAULT_TRACK_POLICY, maxTracks: maxFaces });
    this.followedLayout = new Array(pool.size).fill(null);
    this.renewalsBefore = pool.renewals;
  }

  get parallelFrames(): number {
    return this.pool.size;
  }

  get landmarkingOn(): string {
    return this.pool.where;
  }

  get workerRenewals(): number {
    return this.pool.renewals - this.renewalsBefore;
  }

  observe(frame: EngineFrame, segment: number): Promise<FrameObservation> {
    if (this.closed) return Promise.reject(new Error('face tracker: observe() after close()'));
    const newSegment = this.segment !== null && segment !== this.segment;
    if (newSegment) this.newSegment();
    this.segment = segment;
    const cut = this.cutNext;
    this.cutNext = false;
    if (cut || newSegment) this.shot++;
    if (cut) {
      this.cutsInFlight++;
      this.schedule.restart();
    }
    if (frame.videoWidth !== this.videoSize.width || frame.videoHeight !== this.videoSize.height) {
      // A new source: old places and sizes mean nothing.
      this.videoSize = { width: frame.videoWidth, height: frame.videoHeight };
      this.acquisitionRects = acquisitionTiles(frame.videoWidth, frame.videoHeight);
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
    const instance = this.nextInstance;
    this.nextInstance = (this.nextInstance + 1) % this.pool.size;
    const { plan, job } = this.plan(source, frame.mediaTime, segment, instance);
    const landmarked = this.pool.run(instance, job);
    // A cut takes effect once every frame before it is applied, whether or not this frame's landmarking succeeds.
    const applied = this.lastApplied
      .then(() => (cut ? this.endShot() : undefined))
      .then(() => landmarked)
      .then((result) => this.apply(plan, result));
    this.lastApplied = applied.catch(() => undefined);
    return applied;
  }

  newSegment(): void {
    this.tracks.expectDiscontinuity();
    this.schedule.restart();
  }

  newShot(): void {
    this.cutNext = true;
  }

  /** The cut before a frame, in apply order: the old shot's tracks end, the next mosaic is a new layout. */
  private endShot(): void {
    this.tracks.newShot();
    this.cutsInFlight--;
    // A new layout shows each landmarker instance a blank mosaic first, so MediaPipe does
    // not follow the old shot's faces into the new tracks' slots.
    this.layout = null;
  }

  /** The tracks the next frame may follow: none while a cut is planned but not applied (their places are the old shot's). */
  private get followable(): readonly Track[] {
    return this.cutsInFlight > 0 ? [] : this.tracks.tracks;
  }

  suggestedRegion(): EngineFrame['region'] | null {
    const live = this.followable;
    if (live.length === 0 || this.schedule.scansNextFrame(live.length, this.maxFaces)) return null;
    const union = unionRect(live.map((t) => t.roi));
    return (
      union &&
      pixelRectInFrame(scaleRect(union, SUGGESTED_REGION_MARGIN), this.videoSize.width, this.videoSize.height)
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  /** Draws the frame's mosaic and acquisition tiles from the tracks as they stand now. */
  private plan(
    source: FrameSource,
    t: number,
    segment: number,
    instance: number,
  ): { plan: FramePlan; job: LandmarkJob } {
    const plan: FramePlan = { t, segment, shot: this.shot, layout: null, followed: [], tiles: [] };
    const job: LandmarkJob = { follow: null, tiles: [] };
    const followable = this.followable;
    if (followable.length > 0) {
      const layout = this.mosaicFor(followable.length);
      const { width, height } = layout;
      this.mosaicContext.fillRect(0, 0, width, height);
      for (const track of followable) {
        const dest = slotRect(layout, track.slot);
        if (!this.draw(this.mosaicContext, source, track.roi, dest)) continue;
        plan.followed.push({
          track,
          slot: track.slot,
          view: { source: track.roi, dest, canvasWidth: width, canvasHeight: height },
        });
      }
      // Nothing of any track is in this picture (a crop elsewhere): keep MediaPipe's state as it was.
      if (plan.followed.length > 0) {
        plan.layout = layout;
        const clock = this.pool.clocks[instance];
        const blankTimestampMs =
          this.followedLayout[instance] !== this.layoutGeneration ? clock.next(t) : undefined;
        this.followedLayout[instance] = this.layoutGeneration;
        job.follow = {
          image: this.mosaic.transferToImageBitmap(),
          layout,
          occupied: plan.followed.map((f) => f.slot),
          timestampMs: clock.next(t),
          ...(blankTimestampMs !== undefined ? { blankTimestampMs } : {}),
        };
      }
    }
    for (const index of this.schedule.tilesForFrame(
      followable.length,
      this.maxFaces,
      this.acquisitionRects.length,
    )) {
      const tile = this.drawTile(source, this.acquisitionRects[index]);
      if (!tile) continue;
      plan.tiles.push(tile.view);
      job.tiles.push(tile.image);
    }
    return { plan, job };
  }

  /** Reads a frame's landmarks into the tracks, as the frame's plan laid them out. */
  private apply(plan: FramePlan, result: LandmarkJobResult): FrameObservation {
    const faces: FaceObservation[] = [];
    this.tracks.beginFrame();
    const live = new Set(this.tracks.tracks);
    if (plan.layout) {
      const { width, height } = plan.layout;
      const inSlot = new Map<number, LandmarkedFace[]>();
      for (const face of result.followed) {
        const slot = slotAt(plan.layout, ...canvasCentre(face.points, width, height));
        inSlot.set(slot, [...(inSlot.get(slot) ?? []), face]);
      }
      for (const { track, slot, view } of plan.followed) {
        // Dropped while this frame was being landmarked: its slot means nothing now.
        if (!live.has(track)) continue;
        // A slot may also show part of a neighbour's face: take the one nearest the track's.
        let best: { face: LandmarkedFace; mapped: MappedFace } | null = null;
        for (const face of inSlot.get(slot) ?? []) {
          const mapped = mapLandmarks(face.points, view, KEPT_LANDMARKS);
          if (!best || centreDistance(mapped.box, track.box) < centreDistance(best.mapped.box, track.box))
            best = { face, mapped };
        }
        if (best) {
          this.tracks.seen(track, best.mapped.box);
          faces.push(observation(track.id, best.mapped, best.face));
          continue;
        }
        // Lost in the mosaic: what the finder saw in its slot, mapped from the slot alone.
        const slotView: View = {
          source: view.source,
          dest: { x: 0, y: 0, width: view.dest.width, height: view.dest.height },
          canvasWidth: view.dest.width,
          canvasHeight: view.dest.height,
        };
        for (const face of result.retried.find((r) => r.slot === slot)?.faces ?? [])
          this.adopt(face, slotView, faces);
      }
    }
    const dropped = this.tracks.endFrame();
    if (dropped.length > 0) this.schedule.restart();
    const droppedIds = new Set(dropped.map((t) => t.id));
    const kept = faces.filter((f) => !droppedIds.has(f.trackId));
    plan.tiles.forEach((view, i) => {
      for (const face of result.tiles[i] ?? []) this.adopt(face, view, kept);
    });
    return { t: plan.t, segment: plan.segment, shot: plan.shot, faces: kept };
  }

  /** A face the finder found: a missing track seen again, or a new track; nothing if already seen this frame. */
  private adopt(face: LandmarkedFace, view: View, faces: FaceObservation[]): void {
    const mapped = mapLandmarks(face.points, view, KEPT_LANDMARKS);
    const owner = this.tracks.claim(mapped.box);
    if (owner) {
      // Already seen this frame (another tile, or the mosaic): nothing new.
      if (owner.missed === 0) return;
      this.tracks.seen(owner, mapped.box);
      faces.push(observation(owner.id, mapped, face));
      return;
    }
    const track = this.tracks.add(mapped.box);
    if (!track) return;
    this.schedule.found();
    faces.push(observation(track.id, mapped, face));
  }

  /**
   * The mosaic laid out for `slots` tracks. When its size changed or slots were
   * renumbered, the layout generation moves on: each landmarker instance is then shown a
   * blank mosaic once before it follows (see FollowJob.blankTimestampMs).
   */
  private mosaicFor(slots: number): MosaicLayout {
    const layout = mosaicLayout(slots, SLOT_SIZE);
    const renumbered = this.tracks.packSlots();
    if (
      this.layout &&
      !renumbered &&
      layout.width === this.layout.width &&
      layout.height === this.layout.height
    )
      return this.layout;
    this.layout = layout;
    this.layoutGeneration++;
    this.mosaic.width = layout.width;
    this.mosaic.height = layout.height;
    this.mosaicContext.fillStyle = '#000'; // resizing resets the context state
    return layout;
  }

  /** One acquisition tile drawn (known faces blacked out) as a picture for the finder, or null if the frame shows none of it. */
  private drawTile(source: FrameSource, tile: Rect): { image: ImageBitmap; view: View } | null {
    if (!intersect(tile, source.shown)) return null;
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
    if (!this.draw(this.tileContext, source, tile, dest)) return null;
    const view: View = { source: tile, dest, canvasWidth, canvasHeight };
    // Faces seen in the last frame need no finding: hidden, they cost the finder no landmark run.
    for (const track of this.followable) {
      if (track.missed > 0) continue;
      const mask = toCanvas(view, scaleRect(rectOfBox(track.box), KNOWN_FACE_MASK));
      this.tileContext.fillRect(mask.x, mask.y, mask.width, mask.height);
    }
    return { image: this.tileCanvas.transferToImageBitmap(), view };
  }

  /** Draws the video rectangle `want` into `dest`; false when the picture shows none of it. */
  private draw(
    context: OffscreenCanvasRenderingContext2D,
    source: FrameSource,
    want: Rect,
    dest: Rect,
  ): boolean {
    const plan = planDraw(want, source.shown, source.width, source.height, dest);
    if (!plan) return false;
    context.drawImage(source.image, plan.sx, plan.sy, plan.sw, plan.sh, plan.dx, plan.dy, plan.dw, plan.dh);
    return true;
  }
}

function observation(trackId: number, mapped: MappedFace, face: LandmarkedFace): FaceObservation {
  return {
    trackId,
    box: mapped.box,
    landmarks: mapped.landmarks,
    blendshapes: face.blendshapes,
    pose: face.pose,
  };
}
