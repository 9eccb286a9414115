import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index on notifications.event_id, the column of its foreign key to order_events. Deleting a
 * timeline event (the retention sweep) makes Postgres check that no notification still names it;
 * the only index that held event_id led with order_id, so each check read the whole notifications
 * table: a sweep batch of 5,000 orders' timelines outlived the 15 s query timeout with 20,000
 * notifications in the table. Building it holds off notification writes for as long as it takes.
 */
export class NotificationsEventIndex1763700006000 implements MigrationInterface {
  name = 'NotificationsEventIndex1763700006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX notifications_event_idx ON notifications (event_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notifications_event_idx`);
  }
}
