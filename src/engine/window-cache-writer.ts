// The browser half of the window caches (format: src/core/train/window-cache.ts). While
// `npm run features -- <dir> --model syncnet-v2|syncnet-v4` tracks the faces of a clip,
// this captures every face track's lip input with the engine's own sampler (v2: the
// 224×224 crop_video face crop, v4: the 112×112 gray mouth crop; src/engine/lip-samplers.ts)
// and runs the model's lip stream on each 5-frame window of the clip's 25-fps grid, keeping
// the embeddings (stage 'embedding', what `npm run eval` scores) and/or the conv tower's
// output (stage 'pre-fc', what `npm run finetune` trains the fc layers on).
//
// The grid is the feature cache's: clipGrid() over the same frame observations node reads
// back from <clip>.features.json, so (segment, gridStart) mean the same window on both
// sides. Windows are embedded while the clip plays (every EMBED_EVERY_FRAMES frames, those
// whose frames can no longer change) so only about a second of crops is held per track. A
// window's rows are keyed by its track and its 5 frame indices — all its content depends
// on — so the grid of the whole clip, computed at the end, decides what is written,
// whatever the incremental passes guessed; windows they missed are embedded then.
import * as tf from '@tensorflow/tfjs';
import type { ClipFeatures, FrameObservation } from '../core/features';
import type { SyncNetModel } from '../core/models/types';
import { clipGrid } from '../core/train/clip-score';
import {
  WINDOW_CACHE_FORMAT,
  WINDOW_CACHE_VERSION,
  type WindowCacheManifest,
  type WindowCacheStage,
  encodeWindowCache,
} from '../core/train/window-cache';
import { gridSlotTime, GRID_FPS, WINDOW_FRAMES, type GridSegment } from '../core/sync/windows';
import type { LipFrame, LipSampler, TrackCapture } from './lip-samplers';
import type { EngineFrame } from './types';

/** Frames between incremental passes. */
const EMBED_EVERY_FRAMES = 25;
/** Lip windows per forward (v2's 224×224 windows are 750 KB each as float32). */
const BATCH_SIZE = 8;
/**
 * Crops of frames older than this (s before the newest frame) are released. A window not
 * yet embedded ends within one grid period of the newest frame, and inside a grid segment
 * frames are at most 3 periods apart (clipGrid's gap rule), so its frames are < 0.3 s old.
 */
const KEEP_SECONDS = 0.5;

export interface WindowCacheFile {
  manifest: WindowCacheManifest;
  /** float32 little-endian, windows × dim (encodeWindowCache). */
  data: Uint8Array;
}

interface PendingWindow {
  key: string;
  trackId: number;
  frames: number[];
}

type Rows = Partial<Record<WindowCacheStage, Float32Array>>;

export class WindowCacheWriter {
  private readonly frames: Pick<FrameObservation, 't' | 'segment'>[] = [];
  /** One capture per track: the v2 sampler smooths each track's boxes over its last frames. */
  private readonly captures = new Map<number, TrackCapture>();
  /** Per track: the lip input of each frame index not yet released. */
  private readonly crops = new Map<number, Map<number, LipFrame>>();
  /** Per track: every frame index that had a lip input (released or not). */
  private readonly captured = new Map<number, Set<number>>();
  private readonly rows = new Map<string, Rows>();
  private disposed = false;

  constructor(
    private readonly model: SyncNetModel,
    private readonly sampler: LipSampler,
    readonly stages: readonly WindowCacheStage[],
  ) {
    if (stages.length === 0) throw new Error('window cache: no stage chosen');
  }

  /** Call for every frame, in order, with the tracker's observation of it. */
  async observe(frame: EngineFrame, observation: FrameObservation): Promise<void> {
    if (this.disposed) throw new Error('window cache writer: observe() after dispose()');
    const index = this.frames.length;
    this.frames.push({ t: observation.t, segment: observation.segment });
    for (const face of observation.faces) {
      let capture = this.captures.get(face.trackId);
      if (!capture) {
        this.captures.set(face.trackId, (capture = this.sampler.newTrack()));
        this.crops.set(face.trackId, new Map());
        this.captured.set(face.trackId, new Set());
      }
      const lip = capture(frame, face);
      if (!lip) continue;
      this.crops.get(face.trackId)!.set(index, lip);
      this.captured.get(face.trackId)!.add(index);
    }
    if ((index + 1) % EMBED_EVERY_FRAMES !== 0) return;
    const newest = observation.t;
    await this.embed(this.windowsOf(clipGrid({ frames: this.frames }), newest));
    for (const crops of this.crops.values()) {
      for (const f of crops.keys()) if (this.frames[f].t < newest - KEEP_SECONDS) crops.delete(f);
    }
  }

  /**
   * The caches of the whole clip. `features` are the observations this writer saw, as the
   * feature cache stores them (their frame times make the grid).
   */
  async finish(features: ClipFeatures): Promise<WindowCacheFile[]> {
    if (features.frames.length !== this.frames.length) {
      throw new Error(
        `window cache: ${features.frames.length} frames in the features, ${this.frames.length} observed`,
      );
    }
    const segments = clipGrid(features);
    const windows = this.windowsOf(segments, Infinity);
    await this.embed(windows);
    return this.stages.map((stage) => {
      const picked = windows.map((w) => ({ ...w, row: this.rows.get(w.key)![stage]! }));
      const dim = picked[0]?.row.length ?? this.dimOf(stage);
      const manifest: WindowCacheManifest = {
        format: WINDOW_CACHE_FORMAT,
        version: WINDOW_CACHE_VERSION,
        model: this.model.kind,
        stage,
        file: features.file,
        dim,
        segments: segments.map((s) => ({ startTimeSec: s.startTimeSec, slots: s.frameIndices.length })),
        windows: picked.map(({ trackId, segment, gridStart }) => ({ trackId, segment, gridStart })),
      };
      return {
        manifest,
        data: encodeWindowCache(
          manifest,
          picked.map((w) => w.row),
        ),
      };
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.crops.clear();
    this.model.dispose();
  }

  /** Values per window of a stage, for a clip with no window at all (the manifest still needs a dim). */
  private dimOf(stage: WindowCacheStage): number {
    const { frames, height, width, channels } = this.model.lipInput;
    return tf.tidy(() => {
      const preFc = this.model.lipPreFc(tf.zeros([1, frames, height, width, channels]) as tf.Tensor5D);
      return (stage === 'pre-fc' ? preFc : this.model.fc('lip', preFc)).shape[1];
    });
  }

  /**
   * Every window of the grid with a lip input in all 5 frames, per track, in grid order;
   * with a finite `settledBy` only those whose last slot can no longer change when later
   * frames arrive (its slot time at least one grid period before the newest frame).
   */
  private windowsOf(
    segments: readonly GridSegment[],
    settledBy: number,
  ): (PendingWindow & { segment: number; gridStart: number })[] {
    const out: (PendingWindow & { segment: number; gridStart: number })[] = [];
    segments.forEach((segment, s) => {
      for (let i = 0; i + WINDOW_FRAMES <= segment.frameIndices.length; i++) {
        if (gridSlotTime(segment, i + WINDOW_FRAMES - 1) + 1 / GRID_FPS > settledBy) break;
        const frames = segment.frameIndices.slice(i, i + WINDOW_FRAMES);
        for (const [trackId, captured] of this.captured) {
          if (frames.every((f) => captured.has(f)))
            out.push({ key: `${trackId}:${frames.join(',')}`, trackId, frames, segment: s, gridStart: i });
        }
      }
    });
    return out;
  }

  /** Runs the lip stream on the windows not embedded yet and keeps each stage's rows. */
  private async embed(windows: readonly PendingWindow[]): Promise<void> {
    const todo = [...new Map(windows.filter((w) => !this.rows.has(w.key)).map((w) => [w.key, w])).values()];
    for (let start = 0; start < todo.length; start += BATCH_SIZE) {
      const batch = todo.slice(start, start + BATCH_SIZE);
      const inputs = batch.map((w) =>
        w.frames.map((f) => {
          const crop = this.crops.get(w.trackId)!.get(f);
          // Cannot happen by KEEP_SECONDS' reasoning; a silent gap would misalign nothing but lose windows.
          if (!crop)
            throw new Error(
              `window cache: the crop of frame ${f} (track ${w.trackId}) was released before its window was embedded`,
            );
          return crop;
        }),
      );
      const input = this.sampler.windowTensor(inputs);
      // One forward per window: the embedding is the model's own fc layers on the pre-fc rows.
      const outputs = tf.tidy(() => {
        const preFc = this.model.lipPreFc(input);
        return this.stages.map((stage) => (stage === 'pre-fc' ? preFc : this.model.fc('lip', preFc)));
      });
      input.dispose();
      const values: Partial<Record<WindowCacheStage, Float32Array>> = {};
      for (const [k, stage] of this.stages.entries())
        values[stage] = (await outputs[k].data()) as Float32Array;
      tf.dispose(outputs);
      batch.forEach((w, n) => {
        const rows: Rows = {};
        for (const stage of this.stages) {
          const flat = values[stage]!;
          const dim = flat.length / batch.length;
          rows[stage] = flat.slice(n * dim, (n + 1) * dim);
        }
        this.rows.set(w.key, rows);
      });
    }
  }
}
