import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
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
/** The pump: rows claimed per round, and rounds at most in flight at once in this process. */
const PUMP_BATCH = 16;
const PUMP_LANES = 2;

interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Delivers outbox rows to MERCHANT_WEBHOOK_URL, signed per Standard Webhooks, at least once. A
 * new row is delivered by the pump of the process that committed it (`kick`: it claims the due
 * rows, oldest first, a batch at a time, and settles the delivered ones in one statement); a
 * retry is a pg-boss job with its own start time; a claim on the row makes one replica make each
 * attempt; a once-a-minute sweeper sends a job for a row nobody took (the writer crashed before
 * its pump ran) and for a dead claimer's row.
 */
@Injectable()
export class NotificationSender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('Notifications');
  /** Multiplier of every retry delay and of the retry window (NOTIFICATION_RETRY_SCALE). */
  readonly scale = retryScaleFrom();
  readonly enabled: boolean;
  /** Keep-alive connections to the merchant's endpoint. */
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: PUMP_BATCH * PUMP_LANES });
  private pumping = false;
  private readonly lanes = new Set<Promise<void>>();
  private kicked = false;
  private stopping = false;

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

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.defineQueue(NOTIFICATION_QUEUE_SPEC);
    await this.jobs.defineQueue(SWEEP_QUEUE_SPEC);
    if (!this.enabled) return;
    this.pumping = true;
    // Batches of 16, as the callback queue: pg-boss's fetch sorts the whole backlog each time.
    // The batch's rows are claimed in one statement; each attempt is settled in one statement.
    await this.jobs.work<{ id: string }>(NOTIFICATION_QUEUE, { batchSize: 16, workers: 2 }, async (jobs) => {
      await this.deliver(await this.repo.claimMany([...new Set(jobs.map((j) => j.data.id))], DELIVERY_LEASE_S));
    });
    await this.jobs.work(NOTIFICATION_SWEEP_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
      await this.sweep();
    });
    await this.jobs.schedule(NOTIFICATION_SWEEP_QUEUE, '* * * * *');
    await this.sweep(0).catch((err: Error) => this.log.warn(`start-up sweep failed: ${err.message}`));
    this.kick();
  }

  /** Lets the rounds in flight finish (each attempt has its deadline), then closes the connections. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.lanes]);
    await this.agent.close().catch(() => undefined);
  }

  /**
   * Rows are due now (a change that merits a notification was committed): the pump delivers them.
   * A kick while every lane is busy is not lost: a lane goes round again until a claim comes back
   * empty with no kick since it began.
   */
  kick(): void {
    if (!this.pumping || this.stopping) return;
    this.kicked = true;
    if (this.lanes.size >= PUMP_LANES) return;
    const lane = this.pump().finally(() => this.lanes.delete(lane));
    this.lanes.add(lane);
  }

  private async pump(): Promise<void> {
    try {
      while (!this.stopping) {
        this.kicked = false;
        const claimed = await this.repo.claimDue(PUMP_BATCH, DELIVERY_LEASE_S);
        if (claimed.length) await this.deliver(claimed);
        else if (!this.kicked) return;
      }
    } catch (err) {
      this.log.warn(`delivery round failed: ${(err as Error).message}; the rows it held are retried once their lease is over (sweeper)`);
    }
  }

  /**
   * One attempt of each row this worker claimed (due, and no one else holds it): POST them
   * together, settle the delivered ones in one statement and each other one with its next try.
   */
  private async deliver(claimed: ClaimedNotification[]): Promise<void> {
    if (!claimed.length) return;
    const results = await Promise.all(claimed.map(async (c) => ({ c, r: await this.post(c) })));
    const delivered = results.filter((x) => x.r.outcome === 'delivered');
    if (delivered.length) {
      const settled = await this.repo.settleDelivered(
        delivered.map(({ c, r }) => ({ id: c.id, tryNumber: c.attempts, statusCode: r.statusCode ?? 200, durationMs: r.durationMs })),
      );
      for (const { c, r } of delivered) {
        this.metrics?.notificationSent();
        if (settled.has(c.id)) this.log.log(`notification ${c.id} try ${c.attempts}: delivered (HTTP ${r.statusCode}, ${r.durationMs} ms)`);
        else this.log.warn(`notification ${c.id} try ${c.attempts}: delivered, but someone else had settled it meanwhile`);
      }
    }
    const others = await Promise.allSettled(results.filter((x) => x.r.outcome !== 'delivered').map(({ c, r }) => this.settleFailed(c, r)));
    const failed = others.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Sends a fresh job for every notification whose job got lost or whose claimer died. */
  async sweep(graceS = SWEEP_GRACE_S): Promise<number> {
    const ids = await this.repo.overdue(graceS, SWEEP_BATCH);
    for (const id of ids) await this.jobs.send(NOTIFICATION_QUEUE, { id });
    if (ids.length) this.log.log(`sweep: re-queued ${ids.length} notification(s)`);
    return ids.length;
  }

  /** A failed attempt (not a 2xx): record and settle it, and arm the next try, in one statement. */
  private async settleFailed(claimed: ClaimedNotification, result: AttemptResult): Promise<void> {
    const id = claimed.id;
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
    this.metrics?.notificationFailed();
    const what = `notification ${id} try ${claimed.attempts}`;
    if (!settled) this.log.warn(`${what}: ${result.outcome}, but its claim had expired; left to the current claimer`);
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
      const res = await request(this.settings.merchantWebhookUrl!, {
        method: 'POST',
        body: n.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'merchant-payments-notifier/1',
          'webhook-id': n.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signStandardWebhook(this.settings.merchantWebhookSecret!, n.id, timestamp, n.body),
        },
      });
      const text = await readSnippet(res.body);
      if (res.statusCode >= 200 && res.statusCode < 300) return done('delivered', res.statusCode, null);
      if (res.statusCode === 410) return done('gone', 410, 'receiver answered 410 Gone; retries stopped');
      return done('retry', res.statusCode, `receiver answered HTTP ${res.statusCode}${text ? `: ${text}` : ''}`);
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
async function readSnippet(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_SNIPPET * 4) break; // leaving the loop destroys the stream
    }
  } catch {
    /* a broken reply body does not change the status it came with */
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, ERROR_SNIPPET);
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { code?: unknown; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no reply within ${DELIVERY_TIMEOUT_MS / 1000} s`;
  const own = typeof e?.code === 'string' && !e.code.startsWith('UND_ERR') ? e.code : undefined;
  const cause = e?.cause?.code ?? own ?? e?.cause?.message;
  return `request failed: ${cause ?? e?.message ?? String(err)}`;
}
