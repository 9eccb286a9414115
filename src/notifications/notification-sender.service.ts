import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { SETTINGS } from '../config/settings.module';
import { Settings } from '../config/settings';
import { JobsService } from '../jobs/jobs.service';
import { MetricsService } from '../metrics/metrics.service';
import {
  DELIVERY_LEASE_S, DELIVERY_TIMEOUT_MS, RETRY_WINDOW_S, retryDelaySeconds, retryScaleFrom, signStandardWebhook,
} from './notification-policy';
import { AttemptOutcome, ClaimedNotification, NotificationRow, NotificationsRepository } from './notifications.repository';

export const NOTIFICATION_QUEUE = 'merchant-notification';
export const NOTIFICATION_SWEEP_QUEUE = 'merchant-notification-sweep';
/**
 * pg-boss retries only a handler that crashed (database trouble); the delivery schedule itself is
 * ours: each failed attempt sends the next job with its own startAfter.
 */
const NOTIFICATION_QUEUE_SPEC = { name: NOTIFICATION_QUEUE, retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 60 };
const SWEEP_QUEUE_SPEC = { name: NOTIFICATION_SWEEP_QUEUE, retryLimit: 0, retryDelay: 0, retryBackoff: false, expireInSeconds: 300 };
/** A pending notification this late past its time has lost its job; the sweeper sends another. */
const SWEEP_GRACE_S = 30;
const SWEEP_BATCH = 500;
const ERROR_SNIPPET = 200;

interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Delivers outbox rows to MERCHANT_WEBHOOK_URL, signed per Standard Webhooks, at least once:
 * a pg-boss job per attempt (sent in the transaction that makes it due), a claim on the row so
 * one replica makes each attempt, and a once-a-minute sweeper for lost jobs and dead claimers.
 */
@Injectable()
export class NotificationSender implements OnApplicationBootstrap {
  private readonly log = new Logger('Notifications');
  /** Multiplier of every retry delay and of the retry window (NOTIFICATION_RETRY_SCALE). */
  readonly scale = retryScaleFrom();
  readonly enabled: boolean;
  private queueReady = false;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: NotificationsRepository,
    private readonly jobs: JobsService,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.enabled = !!settings.merchantWebhookUrl && !!settings.merchantWebhookSecret;
  }

  get retryWindowS(): number {
    return RETRY_WINDOW_S * this.scale;
  }

  /** False until the queue exists: rows written before are picked up by the start-up sweep. */
  get canEnqueue(): boolean {
    return this.queueReady;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.defineQueue(NOTIFICATION_QUEUE_SPEC);
    await this.jobs.defineQueue(SWEEP_QUEUE_SPEC);
    this.queueReady = true;
    if (!this.enabled) return;
    // Batches of 16, as the callback queue: pg-boss's fetch sorts the whole backlog each time.
    // The batch's rows are claimed in one statement; each attempt is settled in one statement.
    await this.jobs.work<{ id: string }>(NOTIFICATION_QUEUE, { batchSize: 16, workers: 2 }, async (jobs) => {
      const claimed = await this.repo.claimMany([...new Set(jobs.map((j) => j.data.id))], DELIVERY_LEASE_S);
      const results = await Promise.allSettled(claimed.map((c) => this.attempt(c)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    await this.jobs.work(NOTIFICATION_SWEEP_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
      await this.sweep();
    });
    await this.jobs.schedule(NOTIFICATION_SWEEP_QUEUE, '* * * * *');
    await this.sweep(0).catch((err: Error) => this.log.warn(`start-up sweep failed: ${err.message}`));
  }

  /** Sends a fresh job for every notification whose job got lost or whose claimer died. */
  async sweep(graceS = SWEEP_GRACE_S): Promise<number> {
    const ids = await this.repo.overdue(graceS, SWEEP_BATCH);
    for (const id of ids) await this.jobs.send(NOTIFICATION_QUEUE, { id });
    if (ids.length) this.log.log(`sweep: re-queued ${ids.length} notification(s)`);
    return ids.length;
  }

  /** One attempt of a row this worker claimed (claimMany: due, and no one else holds it): POST, then record and settle it (and arm the next try) in one statement. */
  private async attempt(claimed: ClaimedNotification): Promise<void> {
    const id = claimed.id;
    const result = await this.post(claimed);
    const retryInS = retryDelaySeconds(claimed.attempts - claimed.armed_attempts, this.scale);
    const job = await this.jobs.jobCte(NOTIFICATION_QUEUE, { id }, { when: `EXISTS (SELECT 1 FROM f WHERE f.status = 'pending')`, send: { startAfter: `${retryInS.toFixed(3)} seconds` } });
    const attempt = { id, tryNumber: claimed.attempts, outcome: result.outcome, retryInS, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs };
    const settled = job ? await this.repo.settle(attempt, job) : await this.ds.transaction(async (m) => {
      await this.repo.recordAttempt(m, {
        id,
        try_number: claimed.attempts,
        http_status: result.statusCode,
        error: result.error,
        duration_ms: result.durationMs,
      });
      const row = await this.repo.finish(m, { id, tryNumber: claimed.attempts, outcome: result.outcome, retryInS, statusCode: result.statusCode, error: result.error });
      if (row?.status === 'pending') await this.jobs.send(NOTIFICATION_QUEUE, { id }, { startAfter: `${retryInS.toFixed(3)} seconds` }, m);
      return row;
    });
    if (result.outcome === 'delivered') this.metrics?.notificationSent();
    else this.metrics?.notificationFailed();
    const what = `notification ${id} try ${claimed.attempts}`;
    if (!settled) this.log.warn(`${what}: ${result.outcome}, but its claim had expired; left to the current claimer`);
    else if (settled.status === 'delivered') this.log.log(`${what}: delivered (HTTP ${result.statusCode}, ${result.durationMs} ms)`);
    else if (settled.status === 'pending') this.log.warn(`${what} failed (${result.error}); next try in ${Number(retryInS.toFixed(3))} s`);
    else this.log.warn(`${what} failed (${result.error}); ${settled.status === 'abandoned' ? 'the receiver is gone, no more retries' : 'retry window over, left failed'}`);
  }

  /** POSTs the frozen bytes. The secret, the signature and the URL (it may carry a token) are never logged. */
  private async post(n: ClaimedNotification): Promise<AttemptResult> {
    const started = Date.now();
    const timestamp = Math.floor(started / 1000);
    const done = (outcome: AttemptOutcome, statusCode: number | null, error: string | null): AttemptResult => ({
      outcome,
      statusCode,
      error,
      durationMs: Date.now() - started,
    });
    try {
      const res = await fetch(this.settings.merchantWebhookUrl!, {
        method: 'POST',
        body: n.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'merchant-payments-notifier/1',
          'webhook-id': n.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signStandardWebhook(this.settings.merchantWebhookSecret!, n.id, timestamp, n.body),
        },
      });
      const text = await readSnippet(res);
      if (res.status >= 200 && res.status < 300) return done('delivered', res.status, null);
      if (res.status === 410) return done('gone', 410, 'receiver answered 410 Gone; retries stopped');
      return done('retry', res.status, `receiver answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
    } catch (err) {
      return done('retry', null, describeFetchError(err));
    }
  }

  /** Ops: a new schedule and an immediate attempt for a failed, abandoned or pending notification. */
  async retry(id: string): Promise<NotificationRow> {
    const row = await this.repo.get(id);
    if (!row) throw ApiError.notFound('NOTIFICATION_NOT_FOUND', 'Notification');
    if (!this.enabled) throw new ApiError(409, 'NOTIFICATIONS_DISABLED', 'MERCHANT_WEBHOOK_URL is not set; nothing would deliver it.', { notification_id: id });
    const armed = await this.ds.transaction(async (m) => {
      const r = await this.repo.rearm(m, id, this.retryWindowS);
      if (r) await this.jobs.send(NOTIFICATION_QUEUE, { id }, {}, m);
      return r;
    });
    if (armed) return armed;
    const now = (await this.repo.get(id)) ?? row;
    throw new ApiError(409, 'NOTIFICATION_NOT_RETRYABLE', `The notification is ${now.status}; only failed, abandoned or pending ones can be retried.`, {
      notification_id: id,
      status: now.status,
    });
  }
}

/** Up to a few hundred characters of the reply (for ops), then the rest is dropped unread. */
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_SNIPPET * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    /* a broken reply body does not change the status it came with */
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, ERROR_SNIPPET);
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no reply within ${DELIVERY_TIMEOUT_MS / 1000} s`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `request failed: ${cause ?? e?.message ?? String(err)}`;
}
