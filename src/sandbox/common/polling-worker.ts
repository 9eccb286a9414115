import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';

const MAX_IN_FLIGHT = 20;

/**
 * A sandbox outbox worker: polls every `pollMs` (or at once on kick()), one poll at a time, and
 * runs what a poll claims in the background, at most 20 at once. On shutdown it stops polling,
 * aborts `abort.signal` (deliveries on the wire give up) and waits for what runs.
 */
export abstract class PollingWorker implements OnModuleInit, OnModuleDestroy {
  protected abstract readonly log: Logger;
  protected stopped = false;
  protected readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  protected abstract pollMs(): number;
  /** Claims due work (at most `capacity` items) and starts each with run(). */
  protected abstract poll(capacity: number): Promise<void>;

  onModuleInit(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs());
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([this.polling, ...this.inFlight]);
  }

  /** Polls now (a writer calls it after adding work). */
  kick(): void {
    if (this.stopped || this.polling) return;
    const capacity = MAX_IN_FLIGHT - this.inFlight.size;
    if (capacity <= 0) return;
    this.polling = this.poll(capacity)
      .catch((err: unknown) => {
        if (!this.stopped) this.log.warn(`poll failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.polling = null;
      });
  }

  /** Runs one claimed item in the background; a failure is logged, never thrown. */
  protected run(work: Promise<void>): void {
    const wrapped = work.catch((err: unknown) => {
      if (!this.stopped) this.log.warn(`delivery failed: ${(err as Error).message}`);
    });
    this.inFlight.add(wrapped);
    void wrapped.finally(() => this.inFlight.delete(wrapped));
  }
}
