import { MigrationInterface, QueryRunner } from 'typeorm';

export class Reconcile1763700000500 implements MigrationInterface {
  name = 'Reconcile1763700000500';

  async up(q: QueryRunner): Promise<void> {
    // Paid orders are read back once after payment, so a lost adjustment callback is still seen.
    await q.query(`ALTER TABLE orders ADD COLUMN paid_rechecked_at timestamptz`);
    await q.query(`CREATE INDEX orders_open_idx ON orders (created_at) WHERE status IN ('pending','awaiting_payment')`);
    await q.query(`CREATE INDEX orders_paid_recheck_idx ON orders (paid_at) WHERE status = 'paid' AND paid_rechecked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX orders_paid_recheck_idx`);
    await q.query(`DROP INDEX orders_open_idx`);
    await q.query(`ALTER TABLE orders DROP COLUMN paid_rechecked_at`);
  }
}
