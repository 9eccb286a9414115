import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { SETTINGS } from '../config/settings.module';
import { Settings } from '../config/settings';
import { rowsOf } from '../database/sql';
import { GatewayError } from '../gateways/gateway.errors';
import { JobsService } from '../jobs/jobs.service';
import { MetricsService } from '../metrics/metrics.service';
import { OrdersService } from '../orders/orders.service';

export const RECONCILE_QUEUE = 'reconcile-sweep';

export interface SweepResult {
  checked: number;
  changed: number;
  errors: number;
  /** The gateway asked us to slow down; the sweep stopped early. */
  throttled: boolean;
}

/**
 * Converges on the gateway's truth when callbacks are lost, late or never sent: every open order
 * past its expires_at or older than RECONCILE_AFTER_S, and every paid order once after payment,
 * is read back and applied through the same state machine and lock as callbacks.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap {
  private readonly log = new Logger('Reconciler');
  private readonly batch = 200;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly orders: OrdersService,
    private readonly jobs: JobsService,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.defineQueue({ name: RECONCILE_QUEUE, retryLimit: 0, retryDelay: 0, retryBackoff: false, expireInSeconds: 900, policy: 'singleton' });
    await this.jobs.work(RECONCILE_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
      const r = await this.sweep();
      if (r.checked) this.log.log(`sweep: checked ${r.checked}, changed ${r.changed}, errors ${r.errors}${r.throttled ? ', throttled by the gateway' : ''}`);
    });
    await this.jobs.schedule(RECONCILE_QUEUE, '* * * * *');
  }

  /** Orders due for a read-back, least recently checked first. */
  private async due(): Promise<Array<{ id: string; status: string }>> {
    const after = this.settings.reconcileAfterS;
    return rowsOf(
      await this.ds.query(
        `(SELECT id, status, last_checked_at FROM orders
           WHERE status IN ('pending','awaiting_payment')
             AND (expires_at < now() OR created_at < now() - make_interval(secs => $1))
             AND (last_checked_at IS NULL OR last_checked_at < now() - make_interval(secs => LEAST($1, 60)))
           ORDER BY last_checked_at NULLS FIRST LIMIT $2)
         UNION ALL
         (SELECT id, status, last_checked_at FROM orders
           WHERE status = 'paid' AND paid_rechecked_at IS NULL AND paid_at < now() - make_interval(secs => $1)
           ORDER BY paid_at LIMIT $2)`,
        [after, this.batch],
      ),
    );
  }

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { checked: 0, changed: 0, errors: 0, throttled: false };
    for (const row of await this.due()) {
      const started = Date.now();
      const outcome = await this.reconcileOne(row.id);
      result.checked++;
      this.metrics?.reconciled(outcome === 'changed');
      if (outcome === 'changed') result.changed++;
      if (outcome === 'error') result.errors++;
      if (typeof outcome === 'object') {
        result.throttled = true;
        this.log.warn(`gateway rate limit; sweep paused for ${outcome.retryAfterSec} s`);
        break;
      }
      const wait = this.settings.reconcilePaceMs - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return result;
  }

  private async reconcileOne(orderId: string): Promise<'changed' | 'same' | 'error' | { retryAfterSec: number }> {
    const [before] = await this.ds.query(`SELECT status, updated_at FROM orders WHERE id=$1`, [orderId]);
    try {
      const after = await this.orders.reconcile(orderId, 'reconcile');
      const changed = after.updated_at.getTime() !== new Date(before.updated_at).getTime();
      await this.ds.query(
        `UPDATE orders SET last_checked_at = now(), paid_rechecked_at = CASE WHEN status = 'paid' AND paid_at < now() - make_interval(secs => $2) THEN now() ELSE paid_rechecked_at END WHERE id=$1`,
        [orderId, this.settings.reconcileAfterS],
      );
      return changed ? 'changed' : 'same';
    } catch (err) {
      await this.ds.query(`UPDATE orders SET last_checked_at = now() WHERE id=$1`, [orderId]);
      const cause = err instanceof ApiError ? err : null;
      const retryAfter = Number(cause?.details.retry_after_sec ?? (err instanceof GatewayError ? err.info.retryAfterSec : NaN));
      if ((err instanceof GatewayError && err.kind === 'rate_limited') || Number.isFinite(retryAfter)) return { retryAfterSec: Number.isFinite(retryAfter) ? retryAfter : 60 };
      this.log.warn(`order ${orderId}: reconcile failed: ${(err as Error).message}`);
      return 'error';
    }
  }
}
