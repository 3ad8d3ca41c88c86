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

export type WorkerRequest =
  | { type: 'init'; assets: LandmarkerAssets; settings: LandmarkerSettings }
  | { type: 'job'; id: number; job: LandmarkJob };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: LandmarkJobResult }
  | { type: 'failed'; id?: number; message: string };

export interface LandmarkerPool {
  /** Landmarker instances: jobs given to different instances run at the same time. */
  readonly size: number;
  /** In words: '2 workers', or 'this thread (…)' with the reason workers are not used. */
  readonly where: string;
  /** Runs `job` on instance `instance` (0 ≤ instance < size); jobs on one instance run in order. */
  run(instance: number, job: LandmarkJob): Promise<LandmarkJobResult>;
  close(): void;
}

/** A worker gets this long to load MediaPipe before the pool gives up on workers. */
const WORKER_START_TIMEOUT_MS = 30000;

/** min(2, cores): more instances would add frames of lag to the tracker's ROI plans for little gain. */
export function defaultWorkerCount(): number {
  const cores = typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
  return Math.max(1, Math.min(2, cores));
}

export async function createLandmarkerPool(
  assets: LandmarkerAssets,
  settings: LandmarkerSettings,
  workers: { url?: string; count: number },
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
    const started = await Promise.allSettled(
      Array.from({ length: workers.count }, () => LandmarkerWorker.start(workers.url!, assets, settings)),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (!failed) return new WorkerPool(running);
    running.forEach((w) => w.close());
    reason = `workers failed to start: ${failed.reason instanceof Error ? failed.reason.message : String(failed.reason)}`;
    console.warn(`face tracker: landmarking on this thread (${reason})`);
  }
  const runner = await LandmarkJobRunner.load(assets, settings);
  return {
    size: 1,
    where: `this thread (${reason})`,
    // Runs before run() returns: the in-thread tracker behaves as before workers existed.
    run: (_instance, job) => new Promise((resolve) => resolve(runner.run(job))),
    close: () => runner.close(),
  };
}

class WorkerPool implements LandmarkerPool {
  readonly where: string;
  constructor(private readonly workers: LandmarkerWorker[]) {
    this.where = `${workers.length} worker${workers.length > 1 ? 's' : ''}`;
  }
  get size(): number {
    return this.workers.length;
  }
  run(instance: number, job: LandmarkJob): Promise<LandmarkJobResult> {
    return this.workers[instance].run(job);
  }
  close(): void {
    this.workers.forEach((w) => w.close());
  }
}

class LandmarkerWorker {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: LandmarkJobResult) => void; reject: (e: Error) => void }
  >();
  private broken: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.type === 'ready') return;
      const waiting = reply.id !== undefined ? this.pending.get(reply.id) : undefined;
      if (reply.id === undefined || !waiting) return;
      this.pending.delete(reply.id);
      if (reply.type === 'result') waiting.resolve(reply.result);
      else waiting.reject(new Error(`face tracker: ${reply.message}`));
    };
    worker.onerror = (event) =>
      this.fail(new Error(`face tracker: landmarker worker error: ${event.message || 'unknown'}`));
  }

  static start(
    url: string,
    assets: LandmarkerAssets,
    settings: LandmarkerSettings,
  ): Promise<LandmarkerWorker> {
    // The asset URLs may be relative to this page; the worker resolves against its own URL.
    const absolute: LandmarkerAssets = {
      mediapipeWasmBase: new URL(assets.mediapipeWasmBase, location.href).href,
      faceLandmarkerUrl: new URL(assets.faceLandmarkerUrl, location.href).href,
    };
    const worker = new Worker(url);
    return new Promise<LandmarkerWorker>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`no answer within ${WORKER_START_TIMEOUT_MS / 1000} s`)),
        WORKER_START_TIMEOUT_MS,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        worker.terminate();
        reject(error);
      };
      worker.onerror = (event) => fail(new Error(event.message || `cannot load ${url}`));
      worker.onmessage = (event: MessageEvent<WorkerReply>) => {
        clearTimeout(timer);
        if (event.data.type === 'ready') resolve(new LandmarkerWorker(worker));
        else fail(new Error(event.data.type === 'failed' ? event.data.message : 'unexpected first message'));
      };
      worker.postMessage({ type: 'init', assets: absolute, settings } satisfies WorkerRequest);
    });
  }

  run(job: LandmarkJob): Promise<LandmarkJobResult> {
    if (this.broken) {
      jobPictures(job).forEach((p) => p.close());
      return Promise.reject(this.broken);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'job', id, job } satisfies WorkerRequest, jobPictures(job));
    });
  }

  close(): void {
    this.fail(new Error('face tracker: closed'));
  }

  private fail(error: Error): void {
    this.broken ??= error;
    this.worker.terminate();
    for (const waiting of this.pending.values()) waiting.reject(this.broken);
    this.pending.clear();
  }
}
