import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { newId } from '../common/ids';
import { EntityManager } from 'typeorm';
import { SqlPart } from '../database/sql';
import { AppliedChange, OrdersRepository } from '../orders/orders.repository';
import { toOrderOutput } from '../orders/outputs/order.output';
import { NotificationType, notificationTypeOf } from './notification-policy';
import { NotificationSender } from './notification-sender.service';
import { NotificationsRepository } from './notifications.repository';

/**
 * The outbox: every order change that merits a notification writes it in the change's own
 * transaction (a change that rolls back leaves nothing); once committed, the sender delivers it.
 */
@Injectable()
export class NotificationOutbox implements OnModuleInit {
  private readonly log = new Logger('Notifications');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly repo: NotificationsRepository,
    private readonly sender: NotificationSender,
  ) {}

  onModuleInit(): void {
    if (!this.sender.enabled) return;
    this.orders.onChange(
      (m, change) => this.write(m, change),
      (change) => this.plan(change),
      (change) => this.committed(change),
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
   * each notification is inserted only if its event was. No job per row: once the change is
   * committed the sender's pump takes the due rows (`committed`), and the sweeper any row a
   * crash left behind.
   */
  async plan(change: AppliedChange): Promise<SqlPart[]> {
    return this.drafts(change).map((d, i) => ({
      name: `notif${i}`,
      sql: `INSERT INTO notifications (id, order_id, event_id, type, payload, body, status, next_attempt_at, retry_until)
            SELECT $1::uuid, $2::uuid, $3::uuid, $4::varchar, $5::jsonb, $6::text, 'pending', now(), now() + make_interval(secs => $7::float8)
            WHERE EXISTS (SELECT 1 FROM ev WHERE ev.id = $3::uuid)
            ON CONFLICT (order_id, event_id) DO NOTHING RETURNING id`,
      many: `INSERT INTO notifications (id, order_id, event_id, type, payload, body, status, next_attempt_at, retry_until)
            SELECT x.p1::uuid, x.p2::uuid, x.p3::uuid, x.p4::varchar, x.p5::jsonb, x.p6::text, 'pending', now(), now() + make_interval(secs => x.p7::float8)
              FROM {rows} WHERE x.p3::uuid = ANY(ARRAY(SELECT id FROM ev))
            ON CONFLICT (order_id, event_id) DO NOTHING RETURNING id`,
      values: [newId(), change.order.id, d.event_id, d.type, d.body, d.body, this.sender.retryWindowS],
    }));
  }

  /** Runs inside the change's transaction (the locking path): only `m` may touch the database here. */
  async write(m: EntityManager, change: AppliedChange): Promise<void> {
    for (const d of this.drafts(change)) {
      const id = await this.repo.insert(m, { order_id: change.order.id, ...d, retryWindowS: this.sender.retryWindowS });
      if (id) this.log.debug(`order ${change.order.id}: ${d.type} notification ${id} queued`);
    }
  }

  /** The change is committed: if it merited a notification, the sender delivers the due rows now. */
  private committed(change: AppliedChange): void {
    if (change.events.some((e) => notificationTypeOf(e))) this.sender.kick();
  }
}
