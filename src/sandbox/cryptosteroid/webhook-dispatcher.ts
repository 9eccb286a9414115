import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep } from '../../common/sleep';
import { PollingWorker } from '../common/polling-worker';
import { postBytes, PostResult, SandboxError } from '../common/toolkit';
import { CsSandboxControl } from './control-state';
import { CS_SANDBOX_CONFIG, CsSandboxConfig, retryGapMs } from './sandbox-config';
import { ClaimedWebhook, CsSandboxStore } from './store';

const MAX_RESPONSE_BODY = 2048;

/**
 * Delivers the PAID webhook: a POST of the Invoice object to `processingUrl` with the header
 * `Token: <the invoice's secret>`. Only HTTP 200 is success (the provider's rule); anything else
 * is retried on the schedule until the attempt cap, then the webhook is `dead`. Every attempt is
 * recorded. Replica-safe: due rows are leased with FOR UPDATE SKIP LOCKED, and no transaction is
 * held while a delivery is on the wire.
 */
@Injectable()
export class CsWebhookDispatcher extends PollingWorker {
  protected readonly log = new Logger('CryptosteroidSandboxWebhooks');
  private readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly store: CsSandboxStore,
    private readonly control: CsSandboxControl,
    @Inject(CS_SANDBOX_CONFIG) private readonly config: CsSandboxConfig,
  ) {
    super();
  }

  protected pollMs(): number {
    return this.config.webhookPollMs;
  }

  protected async poll(capacity: number): Promise<void> {
    if (!this.control.webhooks.enabled) return;
    // Long enough for the delivery, its duplicate and the configured delay.
    const leaseS = Math.ceil((2 * this.config.webhookTimeoutMs + this.control.webhooks.delay_ms) / 1000) + 10;
    for (const w of await this.store.claimDue(this.instanceId, leaseS, capacity)) this.run(this.deliverAuto(w));
  }

  private post(w: ClaimedWebhook): Promise<PostResult> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'CryptoSteroid-Sandbox/1.0' };
    if (w.token !== null) headers.Token = w.token;
    return postBytes(w.url, Buffer.from(w.payload, 'utf8'), headers, {
      timeoutMs: this.config.webhookTimeoutMs,
      maxBody: MAX_RESPONSE_BODY,
      signal: this.abort.signal,
    });
  }

  private async deliverAuto(w: ClaimedWebhook): Promise<void> {
    const wait = this.control.webhooks.delay_ms;
    if (wait > 0) await sleep(wait, this.abort.signal);
    if (this.stopped) return; // the lease runs out; the next start delivers it
    const r = await this.post(w);
    if (this.control.webhooks.duplicate && !this.stopped) await this.post(w);
    if (this.stopped) return;
    const ok = r.httpStatus === 200;
    const attempts = w.attempts + 1;
    const { webhookMaxAttempts, webhookRetryScale } = this.control.knobs;
    const status = ok ? 'success' : attempts >= webhookMaxAttempts ? 'dead' : 'pending';
    const nextMs = status === 'pending' ? retryGapMs(attempts, webhookRetryScale) : null;
    await this.store.recordAttempt(w.id, this.instanceId, { trigger: 'auto', ...outcome(r) }, status, nextMs);
  }

  /**
   * Control: delivers the invoice's webhook now, `times` times in a row, recorded as `manual`
   * (the automatic schedule is left as it is; a 200 marks the webhook delivered).
   */
  async deliverNow(invoiceId: string, times: number): Promise<Array<{ http_status: number | null; error: string | null }>> {
    const w = await this.store.webhookWithToken(invoiceId);
    if (!w) throw new SandboxError(404, 'WEBHOOK_NOT_FOUND', 'The invoice has no webhook (not PAID, or no processingUrl)', { invoiceId });
    const results: Array<{ http_status: number | null; error: string | null }> = [];
    for (let i = 0; i < times; i++) {
      const r = await this.post(w);
      await this.store.recordAttempt(w.id, null, { trigger: 'manual', ...outcome(r) }, r.httpStatus === 200 ? 'success' : null, null);
      results.push({ http_status: r.httpStatus, error: r.httpStatus === 200 ? null : (r.error ?? `HTTP ${r.httpStatus}`) });
    }
    return results;
  }
}

function outcome(r: PostResult) {
  return { httpStatus: r.httpStatus, body: r.body, error: r.httpStatus === 200 ? null : (r.error ?? `HTTP ${r.httpStatus}`), durationMs: r.durationMs };
}
