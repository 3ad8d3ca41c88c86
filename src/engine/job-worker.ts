// A worker that runs jobs in order, one message protocol for every engine worker (the face
// landmarker pool, a slow model's streams): `init` once, then numbered jobs, each answered
// by its result or a failure. A worker that errors or is closed fails every job still
// waiting and every later one, so the caller can fall back or report, never hang.

export type JobRequest<Init, Job> = { type: 'init'; init: Init } | { type: 'job'; id: number; job: Job };

export type JobReply<Result> =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: Result }
  | { type: 'failed'; id?: number; message: string };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class JobWorker<Init, Job, Result> {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private broken: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly name: string,
  ) {
    worker.onmessage = (event: MessageEvent<JobReply<Result>>) => {
      const reply = event.data;
      if (reply.type === 'ready' || reply.id === undefined) return;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.type === 'result') waiting.resolve(reply.result);
      else waiting.reject(new Error(`${name}: ${reply.message}`));
    };
    worker.onerror = (event) => this.fail(new Error(`${name}: worker error: ${event.message || 'unknown'}`));
  }

  /** Starts the worker at `url` and waits (at most `timeoutMs`) until `init` has loaded. */
  static start<Init, Job, Result>(
    url: string,
    init: Init,
    options: { name: string; timeoutMs: number; transfer?: Transferable[] },
  ): Promise<JobWorker<Init, Job, Result>> {
    const worker = new Worker(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`no answer within ${options.timeoutMs / 1000} s`)),
        options.timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        worker.terminate();
        reject(error);
      };
      worker.onerror = (event) => fail(new Error(event.message || `cannot load ${url}`));
      worker.onmessage = (event: MessageEvent<JobReply<Result>>) => {
        clearTimeout(timer);
        if (event.data.type === 'ready') resolve(new JobWorker<Init, Job, Result>(worker, options.name));
        else fail(new Error(event.data.type === 'failed' ? event.data.message : 'unexpected first message'));
      };
      worker.postMessage({ type: 'init', init } satisfies JobRequest<Init, Job>, options.transfer ?? []);
    });
  }

  /** Jobs run in the order given; `transfer` moves buffers into the worker (they are gone here). */
  run(job: Job, transfer: Transferable[] = []): Promise<Result> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'job', id, job } satisfies JobRequest<Init, Job>, transfer);
    });
  }

  get failed(): boolean {
    return this.broken !== null;
  }

  close(): void {
    this.fail(new Error(`${this.name}: closed`));
  }

  private fail(error: Error): void {
    this.broken ??= error;
    this.worker.terminate();
    for (const waiting of this.pending.values()) waiting.reject(this.broken);
    this.pending.clear();
  }
}

/**
 * The worker's side: `load` turns the init message into a job runner; jobs are answered in
 * order, results' `transfer` buffers moved back to the caller.
 */
export function serveJobs<Init, Job, Result>(
  load: (init: Init) => Promise<(job: Job) => Result | Promise<Result>>,
  transfer: (result: Result) => Transferable[] = () => [],
): void {
  const scope = self as unknown as Worker;
  const reply = (message: JobReply<Result>, moved: Transferable[] = []) => scope.postMessage(message, moved);
  let run: ((job: Job) => Result | Promise<Result>) | null = null;
  // Jobs are chained: an async runner still answers them in the order they came.
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (event: MessageEvent<JobRequest<Init, Job>>) => {
    const request = event.data;
    if (request.type === 'init') {
      queue = queue.then(async () => {
        try {
          run = await load(request.init);
          reply({ type: 'ready' });
        } catch (error) {
          reply({ type: 'failed', message: messageOf(error) });
        }
      });
      return;
    }
    queue = queue.then(async () => {
      try {
        if (!run) throw new Error('job before init');
        const result = await run(request.job);
        reply({ type: 'result', id: request.id, result }, transfer(result));
      } catch (error) {
        reply({ type: 'failed', id: request.id, message: messageOf(error) });
      }
    });
  };
}
