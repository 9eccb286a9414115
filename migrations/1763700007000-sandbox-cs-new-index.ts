import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CryptoSteroid sandbox counts a merchant's NEW invoices at every create (its cap of unpaid
 * NEW invoices). The only index naming the merchant led to every invoice of it, so the count read
 * them all: 2,461 buffers a create after 5,000 invoices, and growing. This one holds the NEW ones
 * alone (at most the cap, 100 by default, per merchant).
 */
export class SandboxCsNewIndex1763700007000 implements MigrationInterface {
  name = 'SandboxCsNewIndex1763700007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX sandbox_cs_invoices_new_idx ON sandbox_cs_invoices (merchant_id) WHERE status = 'NEW'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sandbox_cs_invoices_new_idx`);
  }
}
