// A worker that is replaced by a fresh one after a number of jobs. A landmarker worker's
// heaps grow with the frames it has seen (V8 widens the room between collections of a busy
// heap; a wasm memory never shrinks): over 20 minutes of video the extension's renderer grew
// by ~110 MiB that the check does not hold, and more over an hour (docs/speed.md, "Scaling
// with file length"). Terminating the worker is the only way a page can give that back.
//
// The old worker answers its last job and is closed *before* the fresh one loads: loading
// beside it put ~130 MiB on top for a moment, a higher peak than the growth it removes. Jobs
// given meanwhile wait and go to the fresh worker in order (a pause of about a second, once
// per RENEW_WORKER_AFTER_JOBS). A fresh worker that fails to load is tried once more; then
// the slot fails its jobs, as a worker that broke would, and the check says so.

/** What a renewing slot needs of the worker it holds. */
export interface RenewableWorker<Job, Result> {
  run(job: Job): Promise<Result>;
  readonly failed: boolean;
  close(): void;
}

/** Loads of a fresh worker tried before the slot gives up. */
const START_TRIES = 2;

/** Remembers that a job failed. */
export class FailureLatch {
  failed = false;
  watch<T>(job: Promise<T>): Promise<T> {
    return job.catch((error: unknown) => {
      this.failed = true;
      throw error;
    });
  }
}

export class RenewingWorker<Job, Result> {
  private jobs = 0;
  private closed = false;
  // A failed job marks the slot failed even once its worker is replaced: a MediaPipe graph
  // that failed once says something about the frames, not only about that worker.
  private readonly failures = new FailureLatch();
  /** While a replacement loads: the jobs given meanwhile, in order. */
  private waiting: { job: Job; resolve: (result: Promise<Result>) => void }[] | null = null;
  /** Set when no fresh worker could be loaded: every later job fails with it. */
  private broken: Error | null = null;
  /** Replacements that took over (tests, stats). */
  renewals = 0;

  constructor(
    private worker: RenewableWorker<Job, Result>,
    private readonly start: () => Promise<RenewableWorker<Job, Result>>,
    /** Jobs a worker runs before it is replaced; Infinity never replaces it. */
    private readonly renewAfterJobs: number,
  ) {}

  run(job: Job): Promise<Result> {
    const waiting = this.waiting;
    const result = this.failures.watch(
      this.broken
        ? Promise.reject(this.broken)
        : waiting
          ? new Promise<Result>((resolve) => waiting.push({ job, resolve }))
          : this.worker.run(job),
    );
    // This job is the old worker's last: it is closed once the job has answered.
    if (++this.jobs >= this.renewAfterJobs && !waiting && !this.closed && !this.failed) this.renew(result);
    return result;
  }

  get failed(): boolean {
    return this.failures.failed || this.broken !== null || this.worker.failed;
  }

  close(): void {
    this.closed = true;
    this.worker.close();
  }

  private renew(lastJob: Promise<Result>): void {
    const old = this.worker;
    const waiting: NonNullable<typeof this.waiting> = [];
    this.waiting = waiting;
    void lastJob
      .catch(() => undefined)
      .then(async () => {
        old.close();
        let fresh: RenewableWorker<Job, Result> | null = null;
        try {
          fresh = await this.startFresh();
        } catch (error) {
          this.broken = error instanceof Error ? error : new Error(String(error));
        }
        // From here to the end in one go: the waiting jobs reach the fresh worker before any
        // later one does (a VIDEO-mode landmarker wants its frames in time order).
        this.waiting = null;
        if (!fresh) {
          for (const { resolve } of waiting) resolve(Promise.reject(this.broken!));
          return;
        }
        if (this.closed) fresh.close();
        else {
          this.worker = fresh;
          this.jobs = 0;
          this.renewals++;
        }
        for (const { job, resolve } of waiting) resolve(fresh.run(job));
      });
  }

  private async startFresh(): Promise<RenewableWorker<Job, Result>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.start();
      } catch (error) {
        if (attempt >= START_TRIES) throw error;
      }
    }
  }
}
