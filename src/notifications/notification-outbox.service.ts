import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { SqlPart } from '../database/sql';
import { AppliedChange, OrdersRepository } from '../orders/orders.repository';
import { toOrderOutput } from '../orders/outputs/order.output';
import { JobsService } from '../jobs/jobs.service';
import { NotificationType, notificationTypeOf } from './notification-policy';
import { NOTIFICATION_QUEUE, NotificationSender } from './notification-sender.service';
import { NotificationsRepository } from './notifications.repository';

/**
 * The outbox: every order change that merits a notification writes it, and the job that
 * delivers it, in the change's own transaction. A change that rolls back leaves nothing.
 */
@Injectable()
export class NotificationOutbox implements OnModuleInit {
  private readonly log = new Logger('Notifications');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly repo: NotificationsRepository,
    private readonly jobs: JobsService,
    private readonly sender: NotificationSender,
  ) {}

  onModuleInit(): void {
    if (!this.sender.enabled) return;
    this.orders.onChange(
      (m, change) => this.write(m, change),
      (change) => this.plan(change),
    );
  }

  /** The notifications a change merits: one per notifying event, its body frozen now. */
  private drafts(change: AppliedChange): Array<{ event_id: string; type: NotificationType; body: string }> {
    const out: Array<{ event_id: string; type: NotificationType; body: string }> = [];
    let data: ReturnType<typeof toOrderOutput> | undefined;
    for (const event of change.events) {
      const type = notificationTypeOf(event);
      if (!type) continue;
      data ??= toOrderOutput(change.order);
      out.push({ event_id: event.id, type, body: JSON.stringify({ type, timestamp: new Date(event.created_at).toISOString(), data }) });
    }
    return out;
  }

  /**
   * The same rows as `write`, as parts of the change's one statement (OrdersRepository.applyOptimistic):
   * each notification is inserted only if its event was, and its job only if the row was new.
   */
  async plan(change: AppliedChange): Promise<SqlPart[]> {
    const parts: SqlPart[] = [];
    for (const d of this.drafts(change)) {
      const id = randomUUID();
      const name = `notif${parts.length}`;
      parts.push({
        name,
        sql: `INSERT INTO notifications (id, order_id, event_id, type, payload, body, status, next_attempt_at, retry_until)
              SELECT $1::uuid, $2::uuid, $3::uuid, $4::varchar, $5::jsonb, $6::text, 'pending', now(), now() + make_interval(secs => $7::float8)
              WHERE EXISTS (SELECT 1 FROM ev WHERE ev.id = $3::uuid)
              ON CONFLICT (order_id, event_id) DO NOTHING RETURNING id`,
        values: [id, change.order.id, d.event_id, d.type, d.body, d.body, this.sender.retryWindowS],
      });
      // Before the queue exists (start-up), the start-up sweep sends the job instead.
      if (!this.sender.canEnqueue) continue;
      const job = await this.jobs.jobCte(NOTIFICATION_QUEUE, { id }, { when: `EXISTS (SELECT 1 FROM ${name})` });
      if (!job) throw new Error('pg-boss insert statement not of the expected shape; use the locking path');
      parts.push({ name: `${name}job`, sql: job.text, values: job.values });
    }
    return parts;
  }

  /** Runs inside the change's transaction (the locking path): only `m` may touch the database here. */
  async write(m: EntityManager, change: AppliedChange): Promise<void> {
    for (const d of this.drafts(change)) {
      const id = await this.repo.insert(m, { order_id: change.order.id, ...d, retryWindowS: this.sender.retryWindowS });
      if (!id) continue;
      // Before the queue exists (start-up), the start-up sweep sends the job instead.
      if (this.sender.canEnqueue) await this.jobs.send(NOTIFICATION_QUEUE, { id }, {}, m);
      this.log.debug(`order ${change.order.id}: ${d.type} notification ${id} queued`);
    }
  }
}
