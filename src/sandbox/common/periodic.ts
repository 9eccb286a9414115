/**
 * A background loop of an emulator (expiry sweeper, delivery poller): `work` every `everyMs`,
 * never two runs at once; `stop()` waits for the run in flight, and errors after it are quiet.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly everyMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.timer = setInterval(() => this.runNow(), this.everyMs);
    this.timer.unref();
  }

  /** Runs now, unless a run is in flight or the loop is stopped. */
  runNow(): void {
    if (this.stopped || this.running) return;
    this.running = this.work()
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!this.stopped) this.onError(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.running = null;
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
