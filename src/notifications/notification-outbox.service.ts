import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppliedChange, OrdersRepository, SqlPart } from '../orders/orders.repository';
import { toOrderOutput } from '../orders/outputs/order.output';
import { JobsService } from '../jobs/jobs.service';
import { notificationTypeOf } from './notification-policy';
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

  /**
   * The same rows as `write`, as parts of the change's one statement (OrdersRepository.applyOptimistic):
   * each notification is inserted only if its event was, and its job only if the row was new.
   */
  async plan(change: AppliedChange): Promise<SqlPart[]> {
    const parts: SqlPart[] = [];
    let data: ReturnType<typeof toOrderOutput> | undefined;
    for (const event of change.events) {
      const type = notificationTypeOf(event);
      if (!type) continue;
      data ??= toOrderOutput(change.order);
      const body = JSON.stringify({ type, timestamp: new Date(event.created_at).toISOString(), data });
      const id = randomUUID();
      const name = `notif${parts.length}`;
      parts.push({
        name,
        sql: `INSERT INTO notifications (id, order_id, event_id, type, payload, body, status, next_attempt_at, retry_until)
              SELECT $1::uuid, $2::uuid, $3::uuid, $4::varchar, $5::jsonb, $6::text, 'pending', now(), now() + make_interval(secs => $7::float8)
              WHERE EXISTS (SELECT 1 FROM ev WHERE ev.id = $3::uuid)
              ON CONFLICT (order_id, event_id) DO NOTHING RETURNING id`,
        values: [id, change.order.id, event.id, type, body, body, this.sender.retryWindowS],
      });
      // Before the queue exists (start-up), the start-up sweep sends the job instead.
      const job = this.sender.canEnqueue ? await this.jobs.jobCte(NOTIFICATION_QUEUE, { id }, { when: `EXISTS (SELECT 1 FROM ${name})` }) : null;
      if (this.sender.canEnqueue && !job) throw new Error('pg-boss insert statement not of the expected shape; use the locking path');
      if (job) parts.push({ name: `${name}job`, sql: job.text, values: job.values });
    }
    return parts;
  }

  /** Runs inside the change's transaction: only `m` may touch the database here. */
  async write(m: EntityManager, change: AppliedChange): Promise<void> {
    let data: ReturnType<typeof toOrderOutput> | undefined;
    for (const event of change.events) {
      const type = notificationTypeOf(event);
      if (!type) continue;
      data ??= toOrderOutput(change.order);
      const body = JSON.stringify({ type, timestamp: new Date(event.created_at).toISOString(), data });
      const fields = { order_id: change.order.id, event_id: event.id, type, body, retryWindowS: this.sender.retryWindowS };
      // Before the queue exists (start-up), the start-up sweep sends the job instead.
      if (this.sender.canEnqueue) {
        // The row and its job in one statement (one round trip inside the change's transaction).
        const newId = randomUUID();
        const job = await this.jobs.jobCte(NOTIFICATION_QUEUE, { id: newId }, { when: 'EXISTS (SELECT 1 FROM ins)' });
        if (job) {
          if (!(await this.repo.insertWithJob(m, fields, newId, job))) continue;
          this.log.debug(`order ${change.order.id}: ${type} notification ${newId} queued`);
          continue;
        }
      }
      const id = await this.repo.insert(m, fields);
      if (!id) continue;
      if (this.sender.canEnqueue) await this.jobs.send(NOTIFICATION_QUEUE, { id }, {}, m);
      this.log.debug(`order ${change.order.id}: ${type} notification ${id} queued`);
    }
  }
}
