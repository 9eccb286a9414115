import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A gateway invoice belongs to one order at most: (provider, gateway_invoice_id) becomes unique.
 * Existing rows that break the rule are money someone must look at, so the migration stops and
 * names them rather than choosing an order.
 */
export class InvoiceUnique1763700000700 implements MigrationInterface {
  name = 'InvoiceUnique1763700000700';

  async up(q: QueryRunner): Promise<void> {
    const shared: Array<{ provider: string; gateway_invoice_id: string; orders: string }> = await q.query(
      `SELECT provider, gateway_invoice_id, string_agg(id::text, ', ' ORDER BY created_at) AS orders
         FROM orders WHERE gateway_invoice_id IS NOT NULL
        GROUP BY provider, gateway_invoice_id HAVING count(*) > 1 LIMIT 20`,
    );
    if (shared.length) {
      const list = shared.map((r) => `${r.provider} invoice ${r.gateway_invoice_id}: orders ${r.orders}`).join('; ');
      throw new Error(`gateway invoices attached to more than one order; resolve them by hand before upgrading: ${list}`);
    }
    await q.query(`CREATE UNIQUE INDEX orders_gateway_invoice_uq ON orders (provider, gateway_invoice_id) WHERE gateway_invoice_id IS NOT NULL`);
    await q.query(`DROP INDEX orders_gateway_invoice_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX orders_gateway_invoice_idx ON orders (provider, gateway_invoice_id)`);
    await q.query(`DROP INDEX orders_gateway_invoice_uq`);
  }
}
