import { MigrationInterface, QueryRunner } from 'typeorm';

/** The order's `exception` (a person must look: underpaid, overpaid, paid_late, adjusted) and the review queue. */
export class OrderException1763700000800 implements MigrationInterface {
  name = 'OrderException1763700000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN exception varchar(16) CHECK (exception IN ('underpaid','overpaid','paid_late','adjusted'))`);
    await q.query(`ALTER TABLE orders ADD COLUMN exception_resolved_at timestamptz`);
    // The review queue: partial, so the orders that need nobody cost it nothing.
    await q.query(`CREATE INDEX orders_exception_open_idx ON orders (created_at DESC, id DESC) WHERE exception IS NOT NULL AND exception_resolved_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX orders_exception_open_idx`);
    await q.query(`ALTER TABLE orders DROP COLUMN exception_resolved_at`);
    await q.query(`ALTER TABLE orders DROP COLUMN exception`);
  }
}
