import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep } from '../../common/sleep';
import { PollingWorker } from '../common/polling-worker';
import { SwmControl } from './control';
import { sendPing } from './ping-http';
import { PING_RETRY_SCHEDULE_MS, SMARTWM_SANDBOX_CONFIG, SmartwmSandboxConfig } from './sandbox-config';
import { SwmPingRow, SwmStore } from './store';

/**
 * Sends the status_url pings the invoices queue at their final status: an empty GET, retried on
 * the sandbox's schedule until a 2xx, every attempt recorded. Replica-safe: due rows are leased
 * with FOR UPDATE SKIP LOCKED, and nothing is held open while a ping is on the wire.
 */
@Injectable()
export class PingDispatcher extends PollingWorker {
  protected readonly log = new Logger('SmartwmSandboxPings');
  private readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly store: SwmStore,
    private readonly control: SwmControl,
    @Inject(SMARTWM_SANDBOX_CONFIG) private readonly config: SmartwmSandboxConfig,
  ) {
    super();
  }

  protected pollMs(): number {
    return this.config.pingPollMs;
  }

  /** Long enough for an attempt and its duplicate, plus the configured delay. */
  private leaseSeconds(): number {
    return Math.ceil((2 * this.config.pingTimeoutMs + this.control.pings.delay_ms) / 1000) + 10;
  }

  protected async poll(capacity: number): Promise<void> {
    if (!this.control.pings.enabled) return;
    for (const ping of await this.store.claimPings(this.instanceId, this.leaseSeconds(), capacity)) this.run(this.deliver(ping));
  }

  private async deliver(ping: SwmPingRow): Promise<void> {
    const { delay_ms: delay, duplicate } = this.control.pings;
    if (delay > 0) await sleep(delay, this.abort.signal);
    if (this.stopped) return; // the lease runs out; a later start sends it
    const once = () => sendPing(ping.url, { timeoutMs: this.config.pingTimeoutMs, signal: this.abort.signal });
    const result = await once();
    if (duplicate && !this.stopped) await once();
    if (this.stopped) return;
    let state: SwmPingRow['state'] = 'success';
    let nextMs: number | null = null;
    if (!result.ok) {
      const step = PING_RETRY_SCHEDULE_MS[ping.attempts];
      if (step === undefined) state = 'dead';
      else {
        state = 'pending';
        nextMs = Math.round(step * (this.control.pings.retry_scale ?? this.config.pingRetryScale));
      }
    }
    await this.store.recordPingAttempt(ping, state, nextMs, result);
  }
}
