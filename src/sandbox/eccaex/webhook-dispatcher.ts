import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep } from '../../common/sleep';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { rowsOf } from '../../database/sql';
import { signEccaex } from '../../gateways/eccaex/eccaex-signature';
import { PollingWorker } from '../common/polling-worker';
import { SandboxError } from './errors';
import { SandboxControl } from './faults';
import { iso } from './format';
import { postBytes, PostResult } from '../common/http-post';
import { SANDBOX_CONFIG, SandboxConfig, WEBHOOK_RETRY_SCHEDULE_MS } from './sandbox-config';
import { InvoiceRow, SandboxStore, WebhookEventRow } from './store';

const MAX_RESPONSE_BODY = 2048;

export interface ResendOutcome {
  successful: true;
  invoice_id: string;
  event_id: number;
  resend: { ok: boolean; http_status: number | null; duration_ms: number; attempt_id: number | null };
}

/**
 * Delivers the webhook events the lifecycle writes (docs/gateways/eccaex.md, "Callbacks"): signed
 * as the service's callback route verifies them (docs/api.md section 6), retried on a schedule,
 * every attempt recorded. Safe with several replicas on one
 * database: due rows are claimed with FOR UPDATE SKIP LOCKED and leased (locked_until), and no
 * connection or transaction is held while a delivery is on the wire.
 */
@Injectable()
export class WebhookDispatcher extends PollingWorker {
  protected readonly log = new Logger('EccaexSandboxWebhooks');
  readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly store: SandboxStore,
    private readonly control: SandboxControl,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
  ) {
    super();
  }

  protected pollMs(): number {
    return this.config.webhookPollMs;
  }

  /** Lease long enough for a delivery (twice when duplicating) plus the configured delay. */
  private leaseSeconds(): number {
    return Math.ceil((2 * this.config.webhookTimeoutMs + this.control.webhooks.delay_ms) / 1000) + 10;
  }

  protected async poll(capacity: number): Promise<void> {
    if (!this.control.webhooks.enabled) return;
    if (this.control.webhooks.reorder) {
      // Hold deliveries until the oldest due one has waited ~1 s, then send the batch newest first.
      const [ripe] = (await this.store.ds.query(
        `SELECT (min(next_retry_at) <= now() - interval '1 second') AS ripe FROM sandbox_webhook_events
          WHERE status = 'pending' AND next_retry_at <= now() AND (locked_until IS NULL OR locked_until < now())`,
      )) as Array<{ ripe: boolean | null }>;
      if (!ripe?.ripe) return;
      const batch = await this.claim(capacity);
      batch.sort((a, b) => Number(b.id) - Number(a.id));
      this.run(
        (async () => {
          for (const e of batch) await this.deliverAuto(e);
        })(),
      );
      return;
    }
    for (const e of await this.claim(capacity)) this.run(this.deliverAuto(e));
  }

  private async claim(limit: number): Promise<WebhookEventRow[]> {
    return rowsOf<WebhookEventRow>(
      await this.store.ds.query(
        `UPDATE sandbox_webhook_events
            SET locked_at = now(), locked_by = $1, locked_until = now() + make_interval(secs => $2)
          WHERE id IN (
            SELECT id FROM sandbox_webhook_events
             WHERE status = 'pending' AND next_retry_at <= now() AND (locked_until IS NULL OR locked_until < now())
             ORDER BY next_retry_at, id
             LIMIT $3
             FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [this.instanceId, this.leaseSeconds(), limit],
      ),
    );
  }

  private async send(e: WebhookEventRow): Promise<PostResult> {
    const body = Buffer.from(e.request_payload, 'utf8');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const { signaturePayload, signatureAlgorithm, signatureEncoding, webhookSecrets } = this.settings.eccaex;
    const signature = signEccaex(webhookSecrets[0] ?? '', timestamp, body, {
      payload: signaturePayload,
      algorithm: signatureAlgorithm,
      encoding: signatureEncoding,
    });
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'EccaEx-Sandbox-Webhooks/1.0',
      'X-Signature': signature,
      'X-Signature-Timestamp': timestamp,
      // Same on every retry and manual resend of the event (inferred: EccaEx does not say; docs/gateways/eccaex.md, "The sandbox").
      'X-Idempotency-Key': e.idempotency_key,
    };
    const once = () => postBytes(e.callback_url, body, headers, { timeoutMs: this.config.webhookTimeoutMs, maxBody: MAX_RESPONSE_BODY, signal: this.abort.signal });
    const result = await once();
    if (this.control.webhooks.duplicate && !this.stopped) await once(); // the copy is not recorded
    return result;
  }

  private async deliverAuto(e: WebhookEventRow): Promise<void> {
    const delay = this.control.webhooks.delay_ms;
    if (delay > 0) await sleep(delay, this.abort.signal);
    if (this.stopped) return; // the lease runs out; another start picks it up
    const result = await this.send(e);
    if (this.stopped) return;
    const n = e.auto_attempts + 1;
    const scale = this.control.webhooks.retry_scale ?? this.config.webhookRetryScale;
    let status: 'success' | 'pending' | 'dead' = 'success';
    let nextMs: number | null = null;
    if (!result.ok) {
      const step = WEBHOOK_RETRY_SCHEDULE_MS[n - 1];
      if (step === undefined) status = 'dead';
      else {
        status = 'pending';
        nextMs = Math.round(step * scale);
      }
    }
    await this.record(e, 'auto', result, status, nextMs);
  }

  /** Updates the event and appends the attempt in one statement; try_number is computed under the row lock. */
  private async record(
    e: WebhookEventRow,
    trigger: 'auto' | 'manual',
    r: PostResult,
    status: 'success' | 'pending' | 'dead' | null,
    nextMs: number | null,
  ): Promise<{ attemptId: number; tryNumber: number } | null> {
    const rows: Array<{ id: string; try_number: number }> = await this.store.ds.query(
      `WITH e AS (
         UPDATE sandbox_webhook_events SET
           auto_attempts = auto_attempts + CASE WHEN $2 = 'auto' THEN 1 ELSE 0 END,
           manual_attempts = manual_attempts + CASE WHEN $2 = 'manual' THEN 1 ELSE 0 END,
           status = COALESCE($3, status),
           next_retry_at = CASE WHEN $2 = 'auto' THEN now() + make_interval(secs => $4::numeric / 1000.0)
                                WHEN $3 = 'success' THEN NULL ELSE next_retry_at END,
           locked_at = CASE WHEN locked_by = $5 THEN NULL ELSE locked_at END,
           locked_until = CASE WHEN locked_by = $5 THEN NULL ELSE locked_until END,
           locked_by = CASE WHEN locked_by = $5 THEN NULL ELSE locked_by END,
           updated_at = now()
         WHERE id = $1
         RETURNING id, auto_attempts + manual_attempts AS try_number)
       INSERT INTO sandbox_webhook_attempts (event_id, try_number, trigger, attempt_status, http_status, response_headers, response_body, error_message, duration_ms)
       SELECT e.id, e.try_number, $2, $6, $7, $8::jsonb, $9, $10, $11 FROM e
       RETURNING id, try_number`,
      [
        e.id,
        trigger,
        status,
        nextMs,
        e.locked_by,
        r.ok ? 'success' : 'failed',
        r.httpStatus,
        r.headers === null ? null : JSON.stringify(r.headers),
        r.body,
        r.error,
        r.durationMs,
      ],
    );
    const row = rows[0];
    return row ? { attemptId: Number(row.id), tryNumber: row.try_number } : null;
  }

  /**
   * POST /invoices/{ref}/webhooks/resend (docs/gateways/eccaex.md, "Webhook history and resend"): the latest event whatever its state,
   * delivered now, recorded as trigger `manual`; the automatic schedule is left untouched.
   * Sandbox choice: a successful manual delivery marks a pending or dead event `success`.
   */
  async resend(invoice: InvoiceRow): Promise<ResendOutcome> {
    const latest = await this.store.latestEvent(invoice.id);
    if (!latest) {
      // EccaEx's answer here is [UNKNOWN]; the sandbox says 404.
      throw new SandboxError(404, 'WEBHOOK_EVENT_NOT_FOUND', 'The invoice has no webhook event to resend', { invoice_id: invoice.id });
    }
    const by = `${this.instanceId}:manual:${randomBytes(3).toString('hex')}`;
    const cooldown = this.config.resendCooldownS;
    const claimed = rowsOf<WebhookEventRow>(
      await this.store.ds.query(
        `UPDATE sandbox_webhook_events
            SET locked_at = now(), locked_by = $2, locked_until = now() + make_interval(secs => $3), last_manual_at = now()
          WHERE id = $1
            AND (locked_until IS NULL OR locked_until <= now())
            AND (last_manual_at IS NULL OR last_manual_at <= now() - make_interval(secs => $4))
          RETURNING *`,
        [latest.id, by, this.leaseSeconds(), cooldown],
      ),
    )[0];
    if (!claimed) {
      const [state] = (await this.store.ds.query(
        `SELECT (locked_until IS NOT NULL AND locked_until > now()) AS locked,
                last_manual_at + make_interval(secs => $2) AS next_allowed_at,
                EXTRACT(EPOCH FROM (last_manual_at + make_interval(secs => $2) - now()))::float8 AS remaining
           FROM sandbox_webhook_events WHERE id = $1`,
        [latest.id, cooldown],
      )) as Array<{ locked: boolean; next_allowed_at: Date | null; remaining: number | null }>;
      if (!state || state.locked || state.remaining === null || state.remaining <= 0) {
        throw new SandboxError(409, 'WEBHOOK_RESEND_CONFLICT', 'The latest webhook event is being processed by the delivery worker; retry in a few seconds', {
          event_id: Number(latest.id),
        });
      }
      const meta = { retry_after_sec: Math.max(1, Math.ceil(state.remaining)), next_allowed_at: iso(state.next_allowed_at) };
      throw new SandboxError(
        429,
        'WEBHOOK_RESEND_COOLDOWN',
        `Manual resend is allowed once every ${cooldown} s per event`,
        { event_id: Number(latest.id), ...meta },
        { 'retry-after': String(meta.retry_after_sec) },
        meta,
      );
    }
    const result = await this.send(claimed);
    const recorded = await this.record(claimed, 'manual', result, result.ok ? 'success' : null, null);
    return {
      successful: true,
      invoice_id: invoice.id,
      event_id: Number(claimed.id),
      resend: { ok: result.ok, http_status: result.httpStatus, duration_ms: result.durationMs, attempt_id: recorded?.attemptId ?? null },
    };
  }
}
