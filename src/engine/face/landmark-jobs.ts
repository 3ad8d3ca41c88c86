// One frame's MediaPipe work for the face tracker, as a job a landmarker instance runs:
// the follower on the mosaic of tracked faces, the finder on each slot the follower left
// empty (a turned head it could not re-detect there) and on the acquisition tiles. The
// tracker (src/engine/face-tracker.ts) plans the job on its own thread — every picture
// drawn before observe() returns — and maps the results back to video pixels when they
// come in; this file only runs the landmarkers, so the same code serves a worker
// (./landmarker-worker.ts) and the tracker's own thread (./landmarker-pool.ts).
import type { FaceLandmarker } from '@mediapipe/tasks-vision';
import { canvasCentre, slotAt, slotRect, type MosaicLayout } from '../../core/face/tracking';
import {
  landmarkedFaces,
  loadFaceLandmarker,
  resolveWasm,
  type LandmarkedFace,
  type LandmarkerAssets,
  type LandmarkerDelegate,
} from './landmarker';

export interface LandmarkerSettings {
  /** Most faces tracked at once. */
  maxFaces: number;
  delegate: LandmarkerDelegate;
}

export interface FollowJob {
  /** The mosaic: each tracked face's ROI in its slot. */
  image: ImageBitmap;
  layout: MosaicLayout;
  /** Slots that show a track; one without a face afterwards is searched again by the finder. */
  occupied: number[];
  /** VIDEO-mode timestamp of this instance (strictly increasing per instance). */
  timestampMs: number;
  /**
   * Set when the layout changed since this instance last followed: it is first shown a
   * blank mosaic at this earlier timestamp, so the faces it remembers (positions in the
   * old layout) do not land across the new slots.
   */
  blankTimestampMs?: number;
}

export interface LandmarkJob {
  follow: FollowJob | null;
  /** Acquisition tiles, each already masked where known faces are. */
  tiles: ImageBitmap[];
}

export interface LandmarkJobResult {
  /** Faces the follower found, normalised to the mosaic. */
  followed: LandmarkedFace[];
  /** Per empty slot, what the finder found there, normalised to the slot. */
  retried: { slot: number; faces: LandmarkedFace[] }[];
  /** Per tile, the faces found, normalised to the tile. */
  tiles: LandmarkedFace[][];
}

/** The two landmarker instances one thread owns, and the job they run. */
export class LandmarkJobRunner {
  private slotCanvas: OffscreenCanvas | null = null;

  private constructor(
    /** VIDEO mode: follows each slot's face from its previous landmarks. */
    private readonly follower: FaceLandmarker,
    /** IMAGE mode: tiles are unrelated pictures, VIDEO mode would carry one tile's face into the next. */
    private readonly finder: FaceLandmarker,
  ) {}

  static async load(assets: LandmarkerAssets, settings: LandmarkerSettings): Promise<LandmarkJobRunner> {
    const fileset = await resolveWasm(assets);
    const [follower, finder] = await Promise.all([
      // At least 2: with numFaces 1, VIDEO mode switches on MediaPipe's one-euro landmark
      // smoothing, which would delay and flatten exactly the lip motion we measure.
      loadFaceLandmarker(fileset, assets, {
        mode: 'VIDEO',
        numFaces: Math.max(2, settings.maxFaces),
        delegate: settings.delegate,
      }),
      loadFaceLandmarker(fileset, assets, {
        mode: 'IMAGE',
        numFaces: settings.maxFaces,
        delegate: settings.delegate,
      }),
    ]);
    return new LandmarkJobRunner(follower, finder);
  }

  /** Runs the job and closes its pictures. */
  run(job: LandmarkJob): LandmarkJobResult {
    try {
      const result: LandmarkJobResult = { followed: [], retried: [], tiles: [] };
      if (job.follow) this.follow(job.follow, result);
      for (const tile of job.tiles) result.tiles.push(landmarkedFaces(this.finder.detect(tile)));
      return result;
    } finally {
      job.follow?.image.close();
      for (const tile of job.tiles) tile.close();
    }
  }

  close(): void {
    this.follower.close();
    this.finder.close();
  }

  private follow(job: FollowJob, result: LandmarkJobResult): void {
    const { layout } = job;
    if (job.blankTimestampMs !== undefined) {
      const blank = new OffscreenCanvas(layout.width, layout.height);
      const context = blank.getContext('2d', { alpha: false })!;
      context.fillStyle = '#000';
      context.fillRect(0, 0, layout.width, layout.height);
      this.follower.detectForVideo(blank, job.blankTimestampMs);
    }
    result.followed = landmarkedFaces(this.follower.detectForVideo(job.image, job.timestampMs));
    const filled = new Set(
      result.followed.map((face) =>
        slotAt(layout, ...canvasCentre(face.points, layout.width, layout.height)),
      ),
    );
    for (const slot of job.occupied) {
      if (filled.has(slot)) continue;
      const rect = slotRect(layout, slot);
      this.slotCanvas ??= new OffscreenCanvas(rect.width, rect.height);
      const context = this.slotCanvas.getContext('2d', { alpha: false })!;
      context.drawImage(job.image, rect.x, rect.y, rect.width, rect.height, 0, 0, rect.width, rect.height);
      result.retried.push({ slot, faces: landmarkedFaces(this.finder.detect(this.slotCanvas)) });
    }
  }
}

/** Every picture a job holds, for postMessage's transfer list. */
export function jobPictures(job: LandmarkJob): ImageBitmap[] {
  return [...(job.follow ? [job.follow.image] : []), ...job.tiles];
}
