// A task run beside its caller, one run at a time: asked for while it runs, it runs once
// more right after (however often it was asked); a failure is kept for the caller to take
// up at its next step. The live engine's update (engine.ts) runs this way so that a frame's
// answer never waits for embeddings.
export class BackgroundTask {
  private running: Promise<void> | null = null;
  private again = false;
  private failure: unknown = null;

  /** `stopped()`: the owner is gone; no more runs, and a failure then is not kept. */
  constructor(
    private readonly task: () => Promise<void>,
    private readonly stopped: () => boolean,
  ) {}

  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.task();
        } while (this.again && !this.stopped());
      } catch (error) {
        if (!this.stopped()) this.failure = error;
      } finally {
        this.running = null;
      }
    })();
  }

  /** Resolves once no run is going on (also one requested meanwhile). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Throws (once) what the last failed run threw. */
  rethrow(): void {
    const failure = this.failure;
    if (failure === null) return;
    this.failure = null;
    throw failure;
  }
}
