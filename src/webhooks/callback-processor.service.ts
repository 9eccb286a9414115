import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
import { GatewayError } from '../gateways/gateway.errors';
import { GatewaysService } from '../gateways/gateways.service';
import { OrderEntity } from '../orders/order.entity';
import { OrdersRepository } from '../orders/orders.repository';
import { gatewayStateOf } from '../orders/orders.service';
import { JobsService } from '../jobs/jobs.service';
import { MetricsService } from '../metrics/metrics.service';
import { InboxRow, InboxStatus, WebhookInboxRepository } from './webhook-inbox.repository';

export const CALLBACK_QUEUE = 'eccaex-callback';
export const CALLBACK_QUEUE_SPEC = { name: CALLBACK_QUEUE, retryLimit: 8, retryDelay: 2, retryBackoff: true, expireInSeconds: 120 };

/**
 * How long a callback job may stay `active`. A job whose process died (SIGKILL, OOM, a lost node)
 * is retried only once this has passed (then pg-boss maintenance, every 15 s, hands it to a live
 * replica), so it is kept as short as a batch can honestly take: a gateway read is at most 3
 * attempts of ECCAEX_TIMEOUT_MS plus backoff. A job that does outlive it runs twice, which
 * processing tolerates (exactly once on the order). The fault suite measured 120 s here as a
 * ~2-minute stall of every callback caught in a crash.
 */
export function callbackJobExpirySeconds(settings: Settings): number {
  return Math.max(30, Math.ceil((3 * settings.eccaex.timeoutMs + 10_000) / 1000) + 15);
}

export interface ProcessResult {
  status: InboxStatus;
  order_id: string | null;
  outcome: Record<string, unknown>;
}

/** Thrown for a failure worth retrying (gateway unreachable, database hiccup). */
class RetryableError extends Error {}

/**
 * Applies a stored callback: find our order, read the invoice back from the gateway (the body
 * is never trusted), and move the order through the one locking point. Safe to run any number
 * of times, on any replica.
 */
@Injectable()
export class CallbackProcessor implements OnApplicationBootstrap {
  private readonly log = new Logger('Callbacks');

  constructor(
    private readonly inbox: WebhookInboxRepository,
    private readonly orders: OrdersRepository,
    private readonly gateways: GatewaysService,
    private readonly jobs: JobsService,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.defineQueue({ ...CALLBACK_QUEUE_SPEC, expireInSeconds: callbackJobExpirySeconds(this.settings) });
    // Batches of 16: pg-boss's fetch sorts every queued job of the queue, so small batches make a
    // backlog cost O(backlog) per job in Postgres (bench/: 4 → 16 cut its CPU per callback ~3x).
    await this.jobs.work<{ inboxId: string }>(CALLBACK_QUEUE, { batchSize: 16, workers: 2 }, async (jobs) => {
      // A failure fails the batch and pg-boss retries it; rows already processed are skipped then.
      const results = await Promise.allSettled(jobs.map((job) => this.processStored(job.data.inboxId, job.retryCount >= job.retryLimit)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }

  /** The pg-boss path: skips rows already settled; throws to have pg-boss retry. */
  async processStored(inboxId: string, finalAttempt: boolean): Promise<void> {
    const row = await this.inbox.get(inboxId);
    if (!row || row.status === 'processed' || row.status === 'unmatched') return;
    try {
      await this.process(row);
    } catch (err) {
      const message = (err as Error).message;
      await this.inbox.finish(row.id, finalAttempt ? 'failed' : 'received', { error: message }).catch(() => undefined);
      this.metrics?.callbackFailed(row.provider);
      this.log.warn(`callback ${row.id}: processing failed${finalAttempt ? ' for the last time; left failed for ops' : ', will retry'}: ${message}`);
      throw err;
    }
  }

  /** Processes one stored callback now and records the outcome (also used by ops replay). */
  async process(row: InboxRow): Promise<ProcessResult> {
    const payload = parsePayload(row.raw_body);
    const order = await this.findOrder(row);
    if (!order) {
      const outcome = { reason: 'no order of ours matches this callback', gateway_order_id: row.gateway_order_id, external_id: row.external_id };
      await this.inbox.finish(row.id, 'unmatched', { outcome });
      this.metrics?.callbackUnmatched(row.provider);
      this.log.warn(`callback ${row.id}: unmatched (gateway order ${row.gateway_order_id ?? '-'}, external_id ${row.external_id ?? '-'})`);
      return { status: 'unmatched', order_id: null, outcome };
    }
    const gateway = this.gateways.get(order.provider);
    let invoice;
    try {
      invoice = await gateway.getInvoice(row.gateway_order_id ?? order.gateway_invoice_id ?? order.external_id);
    } catch (err) {
      if (err instanceof GatewayError && (err.unclear || err.kind === 'rate_limited')) throw new RetryableError(`gateway read-back: ${err.message}`);
      throw err;
    }
    if (!invoice || invoice.externalId !== order.external_id) {
      const outcome = { reason: invoice ? 'the gateway invoice belongs to another order' : 'the gateway has no such invoice', body_status: payload?.status ?? null };
      await this.inbox.finish(row.id, 'failed', { order_id: order.id, outcome, error: outcome.reason });
      this.metrics?.callbackFailed(row.provider);
      this.log.warn(`callback ${row.id} for order ${order.id}: ${outcome.reason}; nothing applied`);
      return { status: 'failed', order_id: order.id, outcome };
    }
    const before = order.status;
    const change = await this.orders.apply(order.id, 'webhook', () => gatewayStateOf(invoice));
    const outcome = {
      gateway_status: invoice.rawStatus,
      body_status: payload?.status ?? null,
      from_status: before,
      to_status: change.order.status,
      events: change.events.map((e) => e.type),
      ...(change.decision.ignored ? { note: change.decision.ignored } : {}),
    };
    await this.inbox.finish(row.id, 'processed', { order_id: order.id, outcome, error: null });
    this.metrics?.callbackProcessed(row.provider);
    if (change.events.length) this.log.log(`callback ${row.id}: order ${order.id} ${before} -> ${change.order.status}`);
    return { status: 'processed', order_id: order.id, outcome };
  }

  private async findOrder(row: InboxRow): Promise<OrderEntity | null> {
    if (row.gateway_order_id) {
      const byInvoice = await this.orders.findByInvoice(row.provider, row.gateway_order_id);
      if (byInvoice) return byInvoice;
    }
    return row.external_id ? this.orders.findByExternalId(row.external_id) : null;
  }
}

function parsePayload(raw: Buffer): Record<string, unknown> | null {
  try {
    const v = JSON.parse(raw.toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
