// The landmarker pool a page keeps between checks: the file page (one file after another,
// the CLI's folders and the evaluation through it). Loading the pool — workers, MediaPipe's
// wasm and the face model — is most of an engine's start-up (docs/speed.md), so the page
// starts it when it opens and every check gets a new tracker on it: no tracks, shot 0, ids
// from the start, and each landmarker shown a blank picture before it first follows a
// face, as on a new pool (test/engine/check-cli.test.ts checks that a file's result does
// not depend on what was checked before it).
import type { EngineAssets, FaceTracker } from '../types';
import { landmarkersFor, trackerOnPool, type FaceTrackerOptions } from '../face-tracker';
import type { LandmarkerAssets } from './landmarker';
import type { LandmarkerPool } from './landmarker-pool';

export class KeptLandmarkers {
  private pool: Promise<LandmarkerPool> | null = null;

  constructor(
    private readonly assets: LandmarkerAssets & Pick<EngineAssets, 'landmarkerWorkerUrl'>,
    private readonly options: FaceTrackerOptions = {},
  ) {}

  /** Starts loading now; a failure shows at the next tracker(), which tries again. */
  preload(): void {
    this.load().catch(() => undefined);
  }

  /** A new tracker on the kept pool (loaded now if it is not yet, or anew if a worker failed). */
  async tracker(): Promise<FaceTracker> {
    let pool = await this.load();
    if (pool.failed) {
      this.close();
      pool = await this.load();
    }
    return trackerOnPool(pool, this.options.maxFaces);
  }

  close(): void {
    const pool = this.pool;
    this.pool = null;
    pool?.then((p) => p.close()).catch(() => undefined);
  }

  private load(): Promise<LandmarkerPool> {
    this.pool ??= landmarkersFor(this.assets, this.options).catch((error: unknown) => {
      this.pool = null;
      throw error;
    });
    return this.pool;
  }
}
