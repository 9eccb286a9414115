import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Periodic } from './periodic';

const MAX_IN_FLIGHT = 20;

/**
 * A sandbox outbox worker: a Periodic poll every `pollMs` (or at once on kick()), one poll at a
 * time, and what a poll claims run in the background, at most 20 at once. On shutdown it stops
 * polling, aborts `abort.signal` (deliveries on the wire give up) and waits for what runs.
 */
export abstract class PollingWorker implements OnModuleInit, OnModuleDestroy {
  protected abstract readonly log: Logger;
  protected readonly abort = new AbortController();
  private loop: Periodic | null = null;
  private halted = false;
  private readonly inFlight = new Set<Promise<void>>();

  protected abstract pollMs(): number;
  /** Claims due work (at most `capacity` items) and starts each with run(). */
  protected abstract poll(capacity: number): Promise<void>;

  /** True once shutdown has begun: work in progress stops between its steps. */
  protected get stopped(): boolean {
    return this.halted;
  }

  /** Made on first use: pollMs() reads the subclass's configuration. */
  private get poller(): Periodic {
    this.loop ??= new Periodic(
      () => {
        const capacity = MAX_IN_FLIGHT - this.inFlight.size;
        return capacity > 0 ? this.poll(capacity) : Promise.resolve();
      },
      this.pollMs(),
      (err) => this.log.warn(`poll failed: ${err.message}`),
    );
    return this.loop;
  }

  onModuleInit(): void {
    this.poller.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.halted = true;
    const stopping = this.loop?.stop();
    this.abort.abort();
    await Promise.allSettled([stopping, ...this.inFlight]);
  }

  /** Polls now (a writer calls it after adding work). */
  kick(): void {
    if (!this.halted) this.poller.runNow();
  }

  /** Runs one claimed item in the background; a failure is logged, never thrown. */
  protected run(work: Promise<void>): void {
    const wrapped = work.catch((err: unknown) => {
      if (!this.halted) this.log.warn(`delivery failed: ${(err as Error).message}`);
    });
    this.inFlight.add(wrapped);
    void wrapped.finally(() => this.inFlight.delete(wrapped));
  }
}
