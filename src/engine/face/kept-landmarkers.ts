// The landmarker pool a page keeps between checks: the file page (one file after another,
// the CLI's folders and the evaluation through it). Loading the pool — workers, MediaPipe's
// wasm and the face model — is most of an engine's start-up (docs/speed.md), so the page
// starts it when it opens and every check gets a new tracker on it: no tracks, shot 0, ids
// from the start, and each landmarker shown a blank picture before it first follows a
// face, as on a new pool (test/engine/check-cli.test.ts checks that a file's result does
// not depend on what was checked before it). A pool nobody has used for IDLE_RELEASE_MS is
// closed — its workers hold ~150 MiB (docs/reports-and-batches.md) — and the next check loads
// a new one.
import type { FaceTracker } from '../types';
import type { LandmarkerPool } from './landmarker-pool';

/** How long an unused pool is kept: long enough to pick the next file, not a page left open all day. */
export const IDLE_RELEASE_MS = 120_000;

export interface KeptLandmarkersParts {
  /** Loads a pool (face-tracker.ts: landmarkersFor). */
  load(): Promise<LandmarkerPool>;
  /** A new tracker on the pool; its close() leaves the pool open and calls onClose (face-tracker.ts: trackerOnPool). */
  trackerOn(pool: LandmarkerPool, onClose: () => void): FaceTracker;
}

export class KeptLandmarkers {
  private pool: Promise<LandmarkerPool> | null = null;
  /** Every pool this page loaded, closed ones included: their worker replacements are counted. */
  private readonly loadedPools: LandmarkerPool[] = [];
  private inUse = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly parts: KeptLandmarkersParts) {}

  /** Starts loading now; a failure shows at the next tracker(), which tries again. */
  preload(): void {
    this.load().catch(() => undefined);
    this.armIdleRelease();
  }

  /** A new tracker on the kept pool (loaded now if it is not yet, or anew if a worker failed). */
  async tracker(): Promise<FaceTracker> {
    this.inUse++;
    this.disarmIdleRelease();
    try {
      let pool = await this.load();
      if (pool.failed) {
        this.closePool();
        pool = await this.load();
      }
      return this.parts.trackerOn(pool, () => this.done());
    } catch (error) {
      this.done();
      throw error;
    }
  }

  /** Landmarker workers replaced by fresh ones in every pool this page loaded (tests: workers started = pools × size + this). */
  get renewals(): number {
    return this.loadedPools.reduce((sum, pool) => sum + pool.renewals, 0);
  }

  /** Whether a pool is loaded or loading (tests). */
  get holding(): boolean {
    return this.pool !== null;
  }

  private load(): Promise<LandmarkerPool> {
    if (this.pool) return this.pool;
    const loading: Promise<LandmarkerPool> = this.parts.load().then(
      (pool) => {
        this.loadedPools.push(pool);
        return pool;
      },
      (error: unknown) => {
        if (this.pool === loading) this.pool = null;
        throw error;
      },
    );
    this.pool = loading;
    return loading;
  }

  private done(): void {
    this.inUse--;
    if (this.inUse === 0) this.armIdleRelease();
  }

  private armIdleRelease(): void {
    this.disarmIdleRelease();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.closePool();
    }, IDLE_RELEASE_MS);
  }

  private disarmIdleRelease(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private closePool(): void {
    const pool = this.pool;
    this.pool = null;
    pool?.then((p) => p.close()).catch(() => undefined);
  }
}
