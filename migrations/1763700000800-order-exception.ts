import { MigrationInterface, QueryRunner } from 'typeorm';

/** The order's `exception` (a person must look: underpaid, overpaid, paid_late, adjusted) and the review queue. */
export class OrderException1763700000800 implements MigrationInterface {
  name = 'OrderException1763700000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN exception varchar(16) CHECK (exception IN ('underpaid','overpaid','paid_late','adjusted'))`);
    await q.query(`ALTER TABLE orders ADD COLUMN exception_resolved_at timestamptz`);
    // The review queue: partial, so the orders that need nobody cost it nothing.
    await q.query(`CREATE INDEX orders_exception_open_idx ON orders (created_at DESC, id DESC) WHERE exception IS NOT NULL AND exception_resolved_at IS NULL`);
    // The merchant hears of each one (order.exception).
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_type_check`);
    await q.query(
      `ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN ('order.paid','order.failed','order.expired','order.canceled','order.adjusted','order.exception'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM notifications WHERE type = 'order.exception'`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_type_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN ('order.paid','order.failed','order.expired','order.canceled','order.adjusted'))`);
    await q.query(`DROP INDEX orders_exception_open_idx`);
    await q.query(`ALTER TABLE orders DROP COLUMN exception_resolved_at`);
    await q.query(`ALTER TABLE orders DROP COLUMN exception`);
  }
}
