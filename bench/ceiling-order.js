'use strict';
// ceiling-order: the order-create limit on this machine, per gateway. A bare Fastify POST that does
// the durable work an order needs before it may answer 201 and nothing more: insert the order row
// (`pending`), create the invoice at the same standalone sandbox the service uses (the gateway
// driver's call, over one undici keep-alive pool), and update the row with the invoice id, link and
// expiry (`awaiting_payment`). The table is a copy of `orders` (same columns, checks and indexes),
// through a `pg` pool sized and configured like the service's.
// PORT, DATABASE_URL, GATEWAY, SANDBOX_ORIGIN, GATEWAY_CREDENTIALS (JSON), STOREFRONT_API_KEYS (required);
// DATABASE_POOL_SIZE (default 20, as the service), CEILING_HTTP_CONNECTIONS (default 64).
const Fastify = require('fastify');
const { servicePool } = require('./lib/db');
const { createHash, randomUUID } = require('node:crypto');
const { DRIVERS } = require('./gateways');
const { pooled } = require('./lib/pool');
const { serve } = require('./lib/serve');

const TABLE = 'bench_ceiling_orders';

async function main() {
  const port = Number(process.env.PORT);
  const url = process.env.DATABASE_URL;
  const gw = DRIVERS[process.env.GATEWAY];
  const origin = process.env.SANDBOX_ORIGIN;
  const creds = JSON.parse(process.env.GATEWAY_CREDENTIALS || 'null');
  const keys = new Set((process.env.STOREFRONT_API_KEYS || '').split(',').map((s) => s.trim()).filter(Boolean));
  if (!port || !url || !gw || !origin || !creds || !keys.size) throw new Error('PORT, DATABASE_URL, GATEWAY, SANDBOX_ORIGIN, GATEWAY_CREDENTIALS and STOREFRONT_API_KEYS are required');
  const pool = servicePool(url, 'bench-ceiling-order');
  const http = pooled(origin, { connections: Number(process.env.CEILING_HTTP_CONNECTIONS || 64) });
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (LIKE orders INCLUDING ALL)`);
  await pool.query(`TRUNCATE ${TABLE}`);
  // Gateways with a per-order callback credential keep only its hash, where the schema has the column.
  const { rows: col } = await pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = 'callback_credential_hash'`, [TABLE]);
  const credentialSet = col.length ? ', callback_credential_hash = $5' : '';
  const insert = `INSERT INTO ${TABLE} (id, external_id, provider, status, amount, currency, customer_id, description, metadata, success_url, fail_url, payment_method)
                  VALUES ($1, $2, $3, 'pending', $4::numeric, $5, $6, $7, '{}'::jsonb, $8, $9, $10)`;
  const update = `UPDATE ${TABLE} SET status = 'awaiting_payment', gateway_invoice_id = $2, payment_link = $3, expires_at = $4::timestamptz, updated_at = now()${credentialSet}
                  WHERE id = $1 AND status = 'pending'`;
  const callbackBase = `http://127.0.0.1:${port}`;
  let n = 0;

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.post('/v1/orders', async (req, reply) => {
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || !keys.has(auth.replace(/^Bearer /, ''))) return reply.code(401).send({ error: { code: 'UNAUTHORIZED' } });
    const b = req.body || {};
    // Money stays a string from the body to the numeric column.
    if (typeof b.amount !== 'string' || typeof b.currency !== 'string' || typeof b.customer_id !== 'string') return reply.code(400).send({ error: { code: 'VALIDATION_FAILED' } });
    n += 1;
    const o = {
      id: randomUUID(),
      external_id: `ceil-${process.pid}-${n}`,
      amount: b.amount,
      currency: b.currency,
      customer_id: b.customer_id,
      description: typeof b.description === 'string' ? b.description : null,
      success_url: 'http://127.0.0.1/success',
      fail_url: 'http://127.0.0.1/fail',
      payment_method: typeof b.payment_method === 'string' ? b.payment_method : null,
      callbackBase,
    };
    try {
      await pool.query(insert, [o.id, o.external_id, gw.name, o.amount, o.currency, o.customer_id, o.description, o.success_url, o.fail_url, o.payment_method]);
    } catch {
      return reply.code(503).send({ error: { code: 'STORAGE_UNAVAILABLE' } });
    }
    let inv;
    try {
      inv = await gw.createInvoice(http, creds, o);
    } catch (err) {
      return reply.code(502).send({ error: { code: 'GATEWAY_ERROR', message: String(err.message).slice(0, 200) } });
    }
    const values = [o.id, inv.invoiceId, inv.link, inv.expiresAt];
    if (credentialSet) values.push(createHash('sha256').update(inv.credential ?? '').digest('hex'));
    try {
      await pool.query(update, values);
    } catch {
      return reply.code(503).send({ error: { code: 'STORAGE_UNAVAILABLE' } });
    }
    return reply.code(201).send({ id: o.id, external_id: o.external_id, status: 'awaiting_payment', amount: o.amount, currency: o.currency, payment_link: inv.link, gateway_invoice_id: inv.invoiceId });
  });
  await serve(app, port, `ceiling-order (${gw.name})`, () => Promise.all([pool.end(), http.close()]));
}

main().catch((err) => {
  process.stderr.write(`ceiling-order failed: ${err.stack || err}\n`);
  process.exit(1);
});
