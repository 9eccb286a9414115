import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How long a queue-depth reading is reused across scrapes (pg-boss counts rows). */
export const QUEUE_DEPTH_CACHE_MS = 5_000;
/** A scrape never waits longer than this for queue depths; the last reading is used instead. */
const QUEUE_DEPTH_TIMEOUT_MS = 2_000;

/** Reads the depth of every queue, by name. */
export type QueueDepthSource = () => Promise<Record<string, number>>;

/**
 * The service's Prometheus registry and every instrument in it. Other modules inject this and
 * call its small methods; each one is a counter bump, so the hot paths stay cheap. Label values
 * come only from fixed sets (route patterns, endpoint names, reasons, statuses): never a URL,
 * an id, a key or a secret.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly log = new Logger('Metrics');

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly callbacksReceived = this.counter('payments_callbacks_received_total', 'Gateway callbacks that reached the callback route.', ['gateway']);
  private readonly callbacksVerified = this.counter('payments_callbacks_verified_total', 'Gateway callbacks whose signature (or token) checked out.', ['gateway']);
  private readonly callbacksRejected = this.counter(
    'payments_callbacks_rejected_total',
    'Gateway callbacks refused, by reason (a signature failure such as signature_mismatch or stale_timestamp, or malformed_payload).',
    ['gateway', 'reason'],
  );
  private readonly callbacksDuplicate = this.counter('payments_callbacks_duplicate_total', 'Verified callbacks whose idempotency key was already stored (not applied again).', ['gateway']);
  private readonly callbacksUnmatched = this.counter('payments_callbacks_unmatched_total', 'Stored callbacks about no order of ours.', ['gateway']);
  private readonly callbacksProcessed = this.counter('payments_callbacks_processed_total', 'Stored callbacks processed (the invoice read back and applied).', ['gateway']);
  private readonly callbacksFailed = this.counter('payments_callbacks_failed_total', 'Stored callback processing attempts that failed (retried by the queue unless final).', ['gateway']);

  private readonly orderTransitions = this.counter(
    'payments_order_transitions_total',
    'Committed order status changes, by from status (none for a new order), to status and source (api, webhook, reconcile, ops).',
    ['from', 'to', 'source'],
  );

  private readonly invoiceMismatches = this.counter(
    'payments_invoice_mismatch_total',
    "Gateway invoices refused because they are not the order's (external_id, amount or currency differ from what the service sent); nothing moved.",
    ['gateway'],
  );

  private readonly gatewayCalls = this.counter('payments_gateway_calls_total', 'HTTP calls to a payment gateway (one per attempt), by endpoint and outcome (ok or the error kind).', [
    'gateway',
    'endpoint',
    'outcome',
  ]);
  private readonly gatewayCallDuration = new Histogram({
    name: 'payments_gateway_call_duration_seconds',
    help: 'Duration of HTTP calls to a payment gateway (one per attempt).',
    labelNames: ['gateway', 'endpoint'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly jobFailures = this.counter('payments_job_failures_total', 'Background jobs whose handler failed (pg-boss retries them, or fails them after the last retry).', ['queue']);

  private readonly reconcileChecked = this.counter('payments_reconcile_checked_total', 'Orders read back from the gateway by the reconciliation sweep or an ops reconcile.', []);
  private readonly reconcileFixed = this.counter('payments_reconcile_fixed_total', 'Orders the reconciliation sweep or an ops reconcile changed (callbacks were lost, late or never sent).', []);

  private readonly notificationsSent = this.counter('payments_notifications_sent_total', 'Merchant notifications delivered (a 2xx from MERCHANT_WEBHOOK_URL).', []);
  private readonly notificationsFailed = this.counter('payments_notifications_failed_total', 'Merchant notification delivery attempts that failed (retried on schedule unless given up).', []);

  private queueDepthSource: QueueDepthSource | undefined;
  private queueDepthAt = 0;
  private queueDepthInFlight: Promise<void> | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const self = this;
    new Gauge({
      name: 'payments_queue_depth',
      help: `Jobs waiting in each background queue (read on scrape, cached ${QUEUE_DEPTH_CACHE_MS / 1000} s).`,
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        await self.refreshQueueDepth(this);
      },
    });
  }

  /** Prometheus text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // ------------------------------------------------------------------------------------ HTTP

  /** `route` is the route pattern (e.g. /v1/orders/:ref) or `unmatched`; never the raw URL. */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  // ------------------------------------------------------------------------------- callbacks

  callbackReceived(gateway: string): void {
    this.callbacksReceived.inc({ gateway });
  }

  callbackVerified(gateway: string): void {
    this.callbacksVerified.inc({ gateway });
  }

  callbackRejected(gateway: string, reason: string): void {
    this.callbacksRejected.inc({ gateway, reason });
  }

  callbackDuplicate(gateway: string): void {
    this.callbacksDuplicate.inc({ gateway });
  }

  callbackUnmatched(gateway: string): void {
    this.callbacksUnmatched.inc({ gateway });
  }

  callbackProcessed(gateway: string): void {
    this.callbacksProcessed.inc({ gateway });
  }

  callbackFailed(gateway: string): void {
    this.callbacksFailed.inc({ gateway });
  }

  // ---------------------------------------------------------------------------------- orders

  /** Call only once the change is committed. `from` null = a new order. */
  orderTransition(from: string | null, to: string, source: string): void {
    this.orderTransitions.inc({ from: from ?? 'none', to, source });
  }

  /** An invoice read from the gateway was refused as not the order's (committed to the timeline). */
  invoiceMismatch(gateway: string): void {
    this.invoiceMismatches.inc({ gateway });
  }

  // -------------------------------------------------------------------------------- gateways

  gatewayCall(gateway: string, endpoint: string, outcome: string, durationMs: number): void {
    this.gatewayCalls.inc({ gateway, endpoint, outcome });
    this.gatewayCallDuration.observe({ gateway, endpoint }, durationMs / 1000);
  }

  // ------------------------------------------------------------------------------------ jobs

  jobFailed(queue: string, jobs = 1): void {
    this.jobFailures.inc({ queue }, jobs);
  }

  /** The jobs service registers how to read queue depths; read on scrape, cached. */
  setQueueDepthSource(source: QueueDepthSource): void {
    this.queueDepthSource = source;
    this.queueDepthAt = 0;
  }

  private async refreshQueueDepth(gauge: Gauge<'queue'>): Promise<void> {
    if (!this.queueDepthSource || Date.now() - this.queueDepthAt < QUEUE_DEPTH_CACHE_MS) return;
    const source = this.queueDepthSource;
    this.queueDepthInFlight ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const depths = await Promise.race([
          source(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${QUEUE_DEPTH_TIMEOUT_MS} ms`)), QUEUE_DEPTH_TIMEOUT_MS);
          }),
        ]);
        for (const [queue, depth] of Object.entries(depths)) gauge.set({ queue }, depth);
        this.queueDepthAt = Date.now();
      } catch (err) {
        // Keep the last reading; a scrape must not fail because the database is slow.
        this.log.warn(`queue depth not refreshed: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
        this.queueDepthInFlight = undefined;
      }
    })();
    await this.queueDepthInFlight;
  }

  // ---------------------------------------------------------------------------- reconciling

  reconciled(changed: boolean): void {
    this.reconcileChecked.inc();
    if (changed) this.reconcileFixed.inc();
  }

  // -------------------------------------------------------------------------- notifications

  notificationSent(): void {
    this.notificationsSent.inc();
  }

  notificationFailed(): void {
    this.notificationsFailed.inc();
  }

  // ------------------------------------------------------------------------------ retention

  private readonly retentionDeletedRows = this.counter(
    'payments_retention_deleted_total',
    'Rows the retention sweep deleted, by table (settled rows past RETENTION_DAYS; idempotency keys after 48 h).',
    ['table'],
  );

  retentionDeleted(table: string, rows: number): void {
    if (rows > 0) this.retentionDeletedRows.inc({ table }, rows);
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
