import { Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { GatewayError } from '../gateways/gateway.errors';
import type { PaymentGateway } from '../gateways/gateway.port';
import { GatewayRegistry } from '../gateways/gateway-registry.service';
import { gatewayStateOf } from '../orders/domain/gateway-state';
import { OrderEntity } from '../orders/order.entity';
import { AppliedChange, OrdersRepository } from '../orders/orders.repository';
import { JobsService } from '../jobs/jobs.service';
import { MetricsService } from '../metrics/metrics.service';
import { InboxRow, InboxStatus, WebhookInboxRepository } from './webhook-inbox.repository';

/** One queue for every gateway's callbacks (per purpose, not per gateway). */
export const CALLBACK_QUEUE = 'gateway-callback';
export const CALLBACK_QUEUE_SPEC = { name: CALLBACK_QUEUE, retryLimit: 8, retryDelay: 2, retryBackoff: true, expireInSeconds: 120 };
/**
 * The queue a gateway's callbacks went to before the queue was shared (`<gateway>-callback`):
 * still defined and drained, so jobs left there by an older version are processed after an upgrade.
 */
export const legacyCallbackQueue = (gateway: string): string => `${gateway}-callback`;

/**
 * How long a callback job may stay `active`. A job whose process died (SIGKILL, OOM, a lost node)
 * is retried only once this has passed (then pg-boss maintenance, every 15 s, hands it to a live
 * replica), so it is kept as short as a batch can honestly take: a gateway read is at most 3
 * attempts of the slowest gateway's deadline (its timeoutMs) plus backoff. A job that does outlive it runs twice, which
 * processing tolerates (exactly once on the order). The fault suite measured 120 s here as a
 * ~2-minute stall of every callback caught in a crash.
 */
export function callbackJobExpirySeconds(gateways: Array<{ timeoutMs: number }>): number {
  const timeoutMs = Math.max(0, ...gateways.map((g) => g.timeoutMs));
  return Math.max(30, Math.ceil((3 * timeoutMs + 10_000) / 1000) + 15);
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
    private readonly gateways: GatewayRegistry,
    private readonly jobs: JobsService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const expireInSeconds = callbackJobExpirySeconds(this.gateways.all());
    await this.jobs.defineQueue({ ...CALLBACK_QUEUE_SPEC, expireInSeconds });
    await this.drain(CALLBACK_QUEUE, { batchSize: 8, workers: 2 });
    for (const name of this.gateways.names()) {
      const legacy = legacyCallbackQueue(name);
      await this.jobs.defineQueue({ ...CALLBACK_QUEUE_SPEC, name: legacy, expireInSeconds });
      await this.drain(legacy, { batchSize: 8, workers: 1 });
    }
  }

  /** Works a callback queue (the shared one, or a gateway's queue of before). */
  private async drain(queue: string, opts: { batchSize: number; workers: number }): Promise<void> {
    // A job names the callbacks one intake statement stored (`inboxIds`; `inboxId` from earlier
    // versions). Each worker takes up to 8 jobs, reads their rows in one query and processes them
    // 32 at a time. A job whose callbacks all settled completes; a job with a callback worth
    // retrying fails alone (pg-boss retries it later; rows already settled are skipped then).
    await this.jobs.work<CallbackJobData>(queue, opts, async (jobs) => {
      const ids = [...new Set(jobs.flatMap(inboxIdsOf))];
      const rows = new Map((await this.inbox.getMany(ids)).map((r) => [r.id, r]));
      const open = [...rows.values()].filter((r) => r.status !== 'processed' && r.status !== 'unmatched');
      const orders = await this.orders.findForCallbacks(open.map((r) => ({ key: r.id, provider: r.provider, orderId: r.order_id, invoiceId: r.gateway_order_id, externalId: r.external_id })));
      const finalIds = new Set(jobs.filter((j) => j.retryCount >= j.retryLimit).flatMap(inboxIdsOf));
      // Callbacks naming no order of ours are settled together: one statement, one log line.
      const unmatched = open.filter((r) => !orders.has(r.id));
      if (unmatched.length) await this.settleUnmatched(unmatched);
      const failures = new Map<string, Error>();
      await forEachLimit(ids, 32, async (id) => {
        const row = rows.get(id);
        if (!row || !orders.has(id)) return; // settled before, or unmatched (above)
        try {
          await this.processStored(row, finalIds.has(id), orders.get(id) ?? null);
        } catch (err) {
          failures.set(id, err as Error);
        }
      });
      if (!failures.size) return;
      if (jobs.length === 1) throw failures.values().next().value;
      for (const job of jobs) {
        const failed = inboxIdsOf(job).find((id) => failures.has(id));
        if (failed) await this.jobs.fail(queue, job.id, failures.get(failed)!);
      }
    });
  }

  private async settleUnmatched(rows: InboxRow[]): Promise<void> {
    await this.inbox.finishMany(rows.map((r) => ({ id: r.id, outcome: unmatchedOutcome(r) })), 'unmatched');
    for (const r of rows) this.metrics?.callbackUnmatched(r.provider);
    const shown = rows.slice(0, 5).map((r) => `${r.id} (gateway order ${r.gateway_order_id ?? '-'}, external_id ${r.external_id ?? '-'})`);
    this.log.warn(`${rows.length} callback(s) unmatched, no order of ours: ${shown.join(', ')}${rows.length > 5 ? `, and ${rows.length - 5} more (GET /v1/webhook-events?status=unmatched)` : ''}`);
  }

  /** The pg-boss path: skips rows already settled; throws to have pg-boss retry. */
  async processStored(row: InboxRow, finalAttempt: boolean, order?: { order: OrderEntity; version: string } | null): Promise<void> {
    if (row.status === 'processed' || row.status === 'unmatched') return;
    try {
      await this.process(row, order);
    } catch (err) {
      const message = (err as Error).message;
      await this.inbox.finish(row.id, finalAttempt ? 'failed' : 'received', { error: message }).catch(() => undefined);
      this.metrics?.callbackFailed(row.provider);
      this.log.warn(`callback ${row.id}: processing failed${finalAttempt ? ' for the last time; left failed for ops' : ', will retry'}: ${message}`);
      throw err;
    }
  }

  /** Processes one stored callback now and records the outcome (also used by ops replay). */
  async process(row: InboxRow, known?: { order: OrderEntity; version: string } | null): Promise<ProcessResult> {
    // `known`: looked up with the rest of its batch (null = no order of ours); else looked up here.
    const order = known !== undefined ? (known?.order ?? null) : await this.findOrder(row);
    if (!order) {
      const outcome = unmatchedOutcome(row);
      await this.inbox.finish(row.id, 'unmatched', { outcome });
      this.metrics?.callbackUnmatched(row.provider);
      this.log.warn(`callback ${row.id}: unmatched (gateway order ${row.gateway_order_id ?? '-'}, external_id ${row.external_id ?? '-'})`);
      return { status: 'unmatched', order_id: null, outcome };
    }
    const gateway = this.gateways.forOrder(order);
    const bodyStatus = claimedStatusOf(gateway, row);
    let invoice;
    try {
      invoice = await gateway.getInvoice({ invoiceId: row.gateway_order_id ?? order.gateway_invoice_id, externalId: order.external_id, orderId: order.id });
    } catch (err) {
      if (err instanceof GatewayError && (err.unclear || err.kind === 'rate_limited')) throw new RetryableError(`gateway read-back: ${err.message}`);
      throw err;
    }
    if (!invoice) {
      const outcome = { reason: 'the gateway has no such invoice', body_status: bodyStatus };
      await this.inbox.finish(row.id, 'failed', { order_id: order.id, outcome, error: outcome.reason });
      this.metrics?.callbackFailed(row.provider);
      this.log.warn(`callback ${row.id} for order ${order.id}: ${outcome.reason}; nothing applied`);
      return { status: 'failed', order_id: order.id, outcome };
    }
    const before = order.status;
    const observation = gatewayStateOf(invoice);
    // An invoice that is not the order's (decide refuses it) leaves the callback failed, for ops.
    const settled = (applied: AppliedChange): { status: InboxStatus; outcome: Record<string, unknown>; error: string | null } => {
      const rejected = applied.decision.rejected;
      const outcome = {
        gateway_status: invoice.rawStatus,
        body_status: bodyStatus,
        from_status: before,
        to_status: applied.order.status,
        events: applied.events.map((e) => e.type),
        ...(rejected ? { reason: "the gateway invoice is not this order's", mismatch: rejected.mismatch } : {}),
        ...(applied.decision.ignored ? { note: applied.decision.ignored } : {}),
      };
      return rejected ? { status: 'failed', outcome, error: outcome.reason ?? null } : { status: 'processed', outcome, error: null };
    };
    // The row is settled with the order change, in the same statement or transaction: both or neither.
    // One statement when the order is as it was read with its batch; else the locking path.
    const fast = known
      ? await this.orders.applyOptimistic(order, known.version, 'webhook', observation, (applied) => {
          const s = settled(applied);
          return [this.inbox.finishPart(row.id, s.status, { order_id: order.id, outcome: s.outcome, error: s.error })];
        })
      : null;
    const change =
      fast ??
      (await this.orders.apply(
        order.id,
        'webhook',
        () => observation,
        (m, applied) => {
          const s = settled(applied);
          return this.inbox.finish(row.id, s.status, { order_id: order.id, outcome: s.outcome, error: s.error }, m);
        },
      ));
    const { status, outcome } = settled(change);
    if (status === 'failed') this.metrics?.callbackFailed(row.provider);
    else this.metrics?.callbackProcessed(row.provider);
    if (change.events.length) this.log.log(`callback ${row.id}: order ${order.id} ${before} -> ${change.order.status}`);
    return { status, order_id: order.id, outcome };
  }

  private findOrder(row: InboxRow): Promise<OrderEntity | null> {
    return this.orders.findForCallback(row.provider, { orderId: row.order_id, invoiceId: row.gateway_order_id, externalId: row.external_id });
  }
}

const unmatchedOutcome = (row: InboxRow) => ({ reason: 'no order of ours matches this callback', gateway_order_id: row.gateway_order_id, external_id: row.external_id });

interface CallbackJobData {
  inboxIds?: string[];
  inboxId?: string;
}

const inboxIdsOf = (job: { data: CallbackJobData }): string[] =>
  Array.isArray(job.data?.inboxIds) ? job.data.inboxIds : typeof job.data?.inboxId === 'string' ? [job.data.inboxId] : [];

/** Runs fn over items, at most `limit` at a time. */
async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

/** The status the stored body claims (for the outcome text only; never trusted), as its gateway reads it. */
function claimedStatusOf(gateway: PaymentGateway, row: InboxRow): string | null {
  try {
    const parsed = gateway.callbacks.parse({ method: 'POST', rawBody: row.raw_body, headers: row.headers ?? {}, params: {}, query: {}, ip: '' });
    return typeof parsed === 'string' ? null : parsed.claimedStatus;
  } catch {
    return null;
  }
}
