import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
import { rowsOf } from '../database/sql';
import { JobsService } from '../jobs/jobs.service';
import { MetricsService } from '../metrics/metrics.service';
import { TERMINAL_STATUSES } from '../orders/domain/order-status';

export const RETENTION_QUEUE = 'retention-sweep';

/** Batches one run takes per table at most; a backlog (a window just switched on) is worked off over the next runs. */
export const MAX_BATCHES_PER_RUN = 100;

/** Stored callbacks that are settled; `received` ones are still to process, and `conflict` ones (with the callback they conflict with) are evidence, kept. */
const SETTLED_CALLBACKS = ['processed', 'unmatched', 'failed'] as const;
/** Notifications that will not be sent again by themselves; `pending` and `delivering` ones are still on their way. */
const FINISHED_NOTIFICATIONS = ['delivered', 'failed', 'abandoned'] as const;

/** The walk over old orders for their timelines (retention_cursors.name). */
const TIMELINE_CURSOR = 'order_events';
/**
 * Where a walk starts: before every order. Cursor times travel as Postgres' own text, never as a
 * JavaScript Date: a Date drops the microseconds, and a walk through orders that share a time to
 * the millisecond would then start over the same page again and again.
 */
const START = { created_at: '-infinity', id: '00000000-0000-0000-0000-000000000000' };

export interface RetentionRun {
  /** Rows deleted, by table. */
  deleted: Record<'webhook_inbox' | 'order_events' | 'notifications' | 'notification_attempts', number>;
  /** Orders whose timelines were looked at this run. */
  ordersExamined: number;
  /** A table still had rows past the window when the run's batches ran out. */
  more: boolean;
  ms: number;
}

/**
 * Deletes what nothing needs any more, oldest first, in bounded batches (one statement each, so no
 * long lock and no huge transaction), on a pg-boss schedule (hourly, one replica at a time). With
 * RETENTION_DAYS set, rows older than that many days go when they are settled:
 * - stored callbacks that are processed, unmatched or failed (never `received`, never a conflict
 *   or the callback a conflict names);
 * - notifications that are delivered, failed or abandoned (their attempts with them);
 * - the timeline events of orders that are final, unchanged for the window, with no open
 *   exception and no pending paid re-check, except an event a notification still names.
 * Orders themselves are never deleted. Idempotency keys have their own hourly sweep (IdempotencyService).
 * pg-boss deletes its own finished jobs (each queue's deleteAfterSeconds, 7 days by default).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('Retention');
  /** Set at shutdown: a run stops before its next statement (what is left waits for the next run). */
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly jobs: JobsService,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.defineQueue({ name: RETENTION_QUEUE, retryLimit: 0, retryDelay: 0, retryBackoff: false, expireInSeconds: 3600, policy: 'singleton' });
    await this.jobs.work(RETENTION_QUEUE, { pollingIntervalSeconds: 30 }, async () => {
      await this.run();
    });
    await this.jobs.schedule(RETENTION_QUEUE, '23 * * * *');
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  /** One sweep of every table; one log line. */
  async run(): Promise<RetentionRun> {
    const started = Date.now();
    const { days, batchSize } = this.settings.retention;
    const deleted: RetentionRun['deleted'] = { webhook_inbox: 0, order_events: 0, notifications: 0, notification_attempts: 0 };
    let more = false;
    let ordersExamined = 0;
    const batches = async (work: () => Promise<number>, table: keyof RetentionRun['deleted']): Promise<void> => {
      for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
        if (this.stopping) return;
        const n = await work();
        deleted[table] += n;
        if (n < batchSize) return;
      }
      more = true;
    };
    if (days > 0) {
      for (const status of SETTLED_CALLBACKS) await batches(() => this.deleteCallbacks(status, days, batchSize), 'webhook_inbox');
      for (const status of FINISHED_NOTIFICATIONS) {
        await batches(async () => {
          const r = await this.deleteNotifications(status, days, batchSize);
          deleted.notification_attempts += r.attempts;
          return r.notifications;
        }, 'notifications');
      }
      // After the notifications: an event a kept notification names stays.
      const timeline = await this.deleteTimelines(days, batchSize);
      deleted.order_events += timeline.deleted;
      ordersExamined = timeline.examined;
      more ||= timeline.more;
    }
    for (const [table, n] of Object.entries(deleted)) this.metrics?.retentionDeleted(table, n);
    const ms = Date.now() - started;
    this.log.log(
      `retention run: deleted ${Object.entries(deleted)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}; ${ordersExamined} order(s) examined for their timelines; ` +
        `${days > 0 ? `window ${days} days` : 'RETENTION_DAYS=0: settled rows kept forever'}` +
        `${more ? '; more left for the next run' : ''} (${ms} ms)`,
    );
    return { deleted, ordersExamined, more, ms };
  }

  /** One status at a time: each is one range of webhook_inbox_status_idx, read oldest first. */
  private async deleteCallbacks(status: string, days: number, limit: number): Promise<number> {
    return this.count(
      `WITH gone AS (
         DELETE FROM webhook_inbox WHERE id IN (
           SELECT w.id FROM webhook_inbox w
            WHERE w.status = $1 AND w.received_at < now() - make_interval(days => $2)
              AND NOT EXISTS (SELECT 1 FROM webhook_inbox c WHERE c.conflict_of = w.id)
            ORDER BY w.received_at LIMIT $3)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [status, days, limit],
    );
  }

  private async deleteNotifications(status: string, days: number, limit: number): Promise<{ notifications: number; attempts: number }> {
    const [row] = rowsOf<{ notifications: number; attempts: number }>(
      await this.ds.query(
        `WITH doomed AS (
           SELECT id FROM notifications
            WHERE status = $1 AND created_at < now() - make_interval(days => $2)
            ORDER BY created_at LIMIT $3
         ), attempts AS (
           DELETE FROM notification_attempts WHERE notification_id IN (SELECT id FROM doomed) RETURNING 1
         ), gone AS (
           DELETE FROM notifications WHERE id IN (SELECT id FROM doomed) RETURNING 1
         )
         SELECT (SELECT count(*) FROM gone)::int AS notifications, (SELECT count(*) FROM attempts)::int AS attempts`,
        [status, days, limit],
      ),
    );
    return row ?? { notifications: 0, attempts: 0 };
  }

  /**
   * Walks the orders older than the window, oldest first, `limit` a statement, from where the last
   * run stopped (retention_cursors), and deletes the timeline events of the ones that no longer
   * need them. At the end of the old orders the walk starts again from the oldest, so an order that
   * became final (or had its exception resolved) after the walk passed it is seen the next time
   * round.
   */
  private async deleteTimelines(days: number, limit: number): Promise<{ deleted: number; examined: number; more: boolean }> {
    const [saved] = rowsOf<{ created_at: string; id: string }>(await this.ds.query(`SELECT created_at::text, id FROM retention_cursors WHERE name = $1`, [TIMELINE_CURSOR]));
    let cursor = saved ?? START;
    let deleted = 0;
    let examined = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN && !this.stopping; i++) {
      const [page] = rowsOf<{ deleted: number; examined: number; last_at: string | null; last_id: string | null }>(
        await this.ds.query(
          `WITH page AS (
             SELECT id, created_at, status, updated_at, exception, exception_resolved_at, paid_at, paid_rechecked_at FROM orders
              WHERE created_at < now() - make_interval(days => $1) AND (created_at, id) > ($2::timestamptz, $3::uuid)
              ORDER BY created_at, id LIMIT $4
           ), done AS (
             SELECT id FROM page
              WHERE status = ANY($5::text[]) AND updated_at < now() - make_interval(days => $1)
                AND NOT (exception IS NOT NULL AND exception_resolved_at IS NULL)
                AND NOT (status = 'paid' AND paid_at IS NOT NULL AND paid_rechecked_at IS NULL)
           ), gone AS (
             DELETE FROM order_events e USING done
              WHERE e.order_id = done.id AND e.created_at < now() - make_interval(days => $1)
                AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.order_id = e.order_id AND n.event_id = e.id)
             RETURNING 1
           ), last AS (
             SELECT created_at, id FROM page ORDER BY created_at DESC, id DESC LIMIT 1
           )
           SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM page)::int AS examined,
                  (SELECT created_at::text FROM last) AS last_at, (SELECT id FROM last) AS last_id`,
          [days, cursor.created_at, cursor.id, limit, TERMINAL_STATUSES],
        ),
      );
      deleted += page?.deleted ?? 0;
      examined += page?.examined ?? 0;
      // Past the last old order: the next walk starts again from the oldest.
      cursor = page?.last_id && page.last_at && page.examined >= limit ? { created_at: page.last_at, id: page.last_id } : START;
      await this.ds.query(
        `INSERT INTO retention_cursors (name, created_at, id) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET created_at = EXCLUDED.created_at, id = EXCLUDED.id, updated_at = now()`,
        [TIMELINE_CURSOR, cursor.created_at, cursor.id],
      );
      if (cursor === START) return { deleted, examined, more: false };
    }
    return { deleted, examined, more: true };
  }

  private async count(sql: string, values: unknown[]): Promise<number> {
    const [row] = rowsOf<{ n: number }>(await this.ds.query(sql, values));
    return row?.n ?? 0;
  }
}
