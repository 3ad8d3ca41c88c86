// Where the face tracker's landmarker jobs run: in workers, one LandmarkJobRunner each, or
// on the tracker's own thread. MediaPipe's FaceLandmarker is single-threaded wasm and
// costs ~22 ms a frame here; two workers landmark alternate frames on two cores (measured:
// 43.8 → 74.7 frames/s for 256×256 mosaics, landmarks bit-identical to one instance). The
// tracker keeps as many frames in flight as the pool has instances (`size`).
//
// In-thread is the fallback where workers cannot start (no worker URL, no Worker, a
// worker that fails to load): the same runner, one instance, no parallelism.
import {
  LandmarkJobRunner,
  jobPictures,
  type LandmarkJob,
  type LandmarkJobResult,
  type LandmarkerSettings,
} from './landmark-jobs';
import type { LandmarkerAssets } from './landmarker';
import { MonotonicClock } from '../../core/face/tracking';
import { JobWorker } from '../job-worker';
import { FailureLatch, RenewingWorker } from '../renewing-worker';

/** What a landmarker worker loads (./landmarker-worker.ts). */
export interface LandmarkerInit {
  assets: LandmarkerAssets;
  settings: LandmarkerSettings;
}

export interface LandmarkerPool {
  /** Landmarker instances: jobs given to different instances run at the same time. */
  readonly size: number;
  /** In words: '2 workers', or 'this thread (…)' with the reason workers are not used. */
  readonly where: string;
  /**
   * Per instance, its VIDEO-mode clock: MediaPipe wants increasing timestamps for the life of
   * a landmarker, whichever tracker (file, check) is using it now.
   */
  readonly clocks: readonly MonotonicClock[];
  /**
   * A worker stopped answering or a landmarker failed a job: the pool cannot be trusted with
   * more (a MediaPipe graph that failed once fails every later frame: "Graph has errors").
   */
  readonly failed: boolean;
  /** Workers replaced by fresh ones so far (../renewing-worker.ts); 0 on this thread. */
  readonly renewals: number;
  /** Runs `job` on instance `instance` (0 ≤ instance < size); jobs on one instance run in order. */
  run(instance: number, job: LandmarkJob): Promise<LandmarkJobResult>;
  close(): void;
}

/** A worker gets this long to load MediaPipe before the pool gives up on workers. */
const WORKER_START_TIMEOUT_MS = 30000;

/**
 * Jobs (frames) a landmarker worker runs before a fresh one replaces it (../renewing-worker.ts):
 * with two workers, every 4 minutes of 25-fps video. Each worker's heaps are given back; the
 * pause while the fresh one loads is about a second.
 */
export const RENEW_WORKER_AFTER_JOBS = 3000;

/** min(2, cores): more instances would add frames of lag to the tracker's ROI plans for little gain. */
export function defaultWorkerCount(): number {
  const cores = typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
  return Math.max(1, Math.min(2, cores));
}

export async function createLandmarkerPool(
  assets: LandmarkerAssets,
  settings: LandmarkerSettings,
  workers: { url?: string; count: number; renewAfterJobs?: number },
): Promise<LandmarkerPool> {
  let reason =
    workers.count < 1
      ? 'no workers asked for'
      : !workers.url
        ? 'no worker URL'
        : typeof Worker === 'undefined'
          ? 'no Worker here'
          : '';
  if (!reason) {
    const start = () => LandmarkerWorker.start(workers.url!, assets, settings);
    const started = await Promise.allSettled(Array.from({ length: workers.count }, start));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (!failed) {
      const renewAfter = workers.renewAfterJobs ?? RENEW_WORKER_AFTER_JOBS;
      return new WorkerPool(running.map((w) => new RenewingWorker(w, start, renewAfter)));
    }
    running.forEach((w) => w.close());
    reason = `workers failed to start: ${failed.reason instanceof Error ? failed.reason.message : String(failed.reason)}`;
    console.warn(`face tracker: landmarking on this thread (${reason})`);
  }
  const runner = await LandmarkJobRunner.load(assets, settings);
  const failures = new FailureLatch();
  return {
    size: 1,
    where: `this thread (${reason})`,
    clocks: [new MonotonicClock()],
    get failed() {
      return failures.failed;
    },
    renewals: 0,
    // Runs before run() returns: the in-thread tracker behaves as before workers existed.
    run: (_instance, job) => failures.watch(new Promise((resolve) => resolve(runner.run(job)))),
    close: () => runner.close(),
  };
}

class WorkerPool implements LandmarkerPool {
  readonly where: string;
  readonly clocks: readonly MonotonicClock[];
  constructor(private readonly workers: RenewingWorker<LandmarkJob, LandmarkJobResult>[]) {
    this.where = `${workers.length} worker${workers.length > 1 ? 's' : ''}`;
    this.clocks = workers.map(() => new MonotonicClock());
  }
  get size(): number {
    return this.workers.length;
  }
  get failed(): boolean {
    return this.workers.some((w) => w.failed);
  }
  get renewals(): number {
    return this.workers.reduce((sum, w) => sum + w.renewals, 0);
  }
  run(instance: number, job: LandmarkJob): Promise<LandmarkJobResult> {
    return this.workers[instance].run(job);
  }
  close(): void {
    this.workers.forEach((w) => w.close());
  }
}

/** One landmarker worker; pictures are transferred, and closed here if the worker is gone. */
class LandmarkerWorker {
  private constructor(private readonly worker: JobWorker<LandmarkerInit, LandmarkJob, LandmarkJobResult>) {}

  static async start(
    url: string,
    assets: LandmarkerAssets,
    settings: LandmarkerSettings,
  ): Promise<LandmarkerWorker> {
    // The asset URLs may be relative to this page; the worker resolves against its own URL.
    const absolute: LandmarkerAssets = {
      mediapipeWasmBase: new URL(assets.mediapipeWasmBase, location.href).href,
      faceLandmarkerUrl: new URL(assets.faceLandmarkerUrl, location.href).href,
    };
    return new LandmarkerWorker(
      await JobWorker.start<LandmarkerInit, LandmarkJob, LandmarkJobResult>(
        url,
        { assets: absolute, settings },
        { name: 'face tracker', timeoutMs: WORKER_START_TIMEOUT_MS },
      ),
    );
  }

  run(job: LandmarkJob): Promise<LandmarkJobResult> {
    const pictures = jobPictures(job);
    if (this.worker.failed) pictures.forEach((p) => p.close());
    return this.worker.run(job, pictures);
  }

  get failed(): boolean {
    return this.worker.failed;
  }

  close(): void {
    this.worker.close();
  }
}
