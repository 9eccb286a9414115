'use strict';
// The growth scenario's history: what months of traffic leave in the tables, seeded with
// set-based SQL (generate_series, in batches) while the service is stopped. For each history
// order k: the order (paid, weeks old), its two timeline events (order.created, the paid
// transition) and two stored callbacks (its own, processed, and one naming no order of ours,
// unmatched), so `rows` callbacks and `rows` events come with rows / 2 orders.
const db = require('./db');

const BATCH_ORDERS = 100_000;
const TABLES = ['orders', 'order_events', 'webhook_inbox'];

/**
 * Runs `load` with the tables' secondary indexes (those backing no constraint) dropped, then builds
 * them again from their own definitions: one sorted build instead of millions of random inserts
 * into indexes far larger than shared_buffers. The rebuilt indexes are denser than ones grown
 * row by row; primary keys and unique constraints stay in place throughout.
 */
async function withIndexesDeferred(url, load) {
  const defs = await db.withClient(url, async (c) =>
    (
      await c.query(
        `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
           FROM pg_index i LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid
          WHERE i.indrelid = ANY($1::regclass[]) AND k.oid IS NULL`,
        [TABLES],
      )
    ).rows,
  );
  await db.withClient(url, async (c) => {
    for (const d of defs) await c.query(`DROP INDEX ${d.name}`);
  });
  try {
    await load();
  } finally {
    await db.withClient(url, async (c) => {
      await c.query(`SET maintenance_work_mem = '256MB'`);
      for (const d of defs) await c.query(d.def);
    });
  }
}

/** Timeline and orders on one connection (events reference orders), callbacks on another, side by side. */
async function seedHistory(url, { tag, fromOrder = 1, orders, onProgress }) {
  const last = fromOrder + orders - 1;
  const ranges = [];
  for (let a = fromOrder; a <= last; a += BATCH_ORDERS) ranges.push([a, Math.min(last, a + BATCH_ORDERS - 1)]);
  let done = 0;
  const step = (n) => {
    done += n;
    if (onProgress) onProgress(done);
  };
  // Bulk loading: a crash loses the seed, never anything of the service's.
  const fast = (c) => c.query(`SET synchronous_commit = off`);
  await withIndexesDeferred(url, () => Promise.all([
    db.withClient(url, async (c) => {
      await fast(c);
      for (const [a, b] of ranges) {
        await c.query(
          `INSERT INTO orders (id, external_id, provider, status, amount, currency, customer_id, description, metadata, success_url, fail_url,
                               payment_link, gateway_invoice_id, expires_at, paid_at, payment, created_at, updated_at)
           SELECT ${db.seededUuid(tag)}, '${tag}-' || i, 'eccaex', 'paid', (100 + i % 9000)::numeric(14,2), 'UAH', 'customer-' || (i % 50000),
                  'History order ' || i, '{"source":"bench-history"}'::jsonb, 'http://127.0.0.1/success', 'http://127.0.0.1/fail',
                  'http://127.0.0.1/pay/' || ${db.seededUuid(`${tag}-inv`)}::text, ${db.seededUuid(`${tag}-inv`)}::text,
                  t.at + interval '20 minutes', NULL, NULL, t.at, t.at + interval '3 minutes'
             FROM generate_series($1::int, $2::int) AS i, LATERAL (SELECT now() - interval '30 days' - (i % 2000000) * interval '1 second' AS at) AS t`,
          [a, b],
        );
        await c.query(
          `INSERT INTO order_events (order_id, type, from_status, to_status, source, dedupe_key, data, created_at)
           SELECT ${db.seededUuid(tag)}, e.type, e.from_status, e.to_status, e.source, e.dedupe_key, '{}'::jsonb,
                  now() - interval '30 days' - (i % 2000000) * interval '1 second' + e.after
             FROM generate_series($1::int, $2::int) AS i,
                  (VALUES ('order.created', NULL, 'pending', 'api', 'created', interval '0'),
                          ('order.status_changed', 'awaiting_payment', 'paid', 'webhook', 'status:paid', interval '3 minutes')) AS e(type, from_status, to_status, source, dedupe_key, after)`,
          [a, b],
        );
        step(b - a + 1);
      }
    }),
    db.withClient(url, async (c) => {
      await fast(c);
      for (const [a, b] of ranges) {
        await c.query(
          `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, order_id, status,
                                      attempts, outcome, received_at, processed_at)
           SELECT 'eccaex', x.inv || ':success:1767268800', encode(sha256(x.raw), 'hex'), x.raw,
                  '{"content-type":"application/json","user-agent":"EccaEx-Webhook/1.0"}'::jsonb, x.inv, x.ext, x.order_id,
                  x.status, 1, x.outcome, x.at, x.at + interval '50 milliseconds'
             FROM generate_series($1::int, $2::int) AS i,
                  LATERAL (SELECT now() - interval '30 days' - (i % 2000000) * interval '1 second' + interval '3 minutes' AS at) AS t,
                  LATERAL (VALUES (${db.seededUuid(`${tag}-inv`)}::text, '${tag}-' || i, ${db.seededUuid(tag)}, 'processed',
                                   '{"from_status":"awaiting_payment","to_status":"paid","events":["order.status_changed"]}'::jsonb, t.at),
                                  (${db.seededUuid(`${tag}-stray`)}::text, '${tag}-stray-' || i, NULL::uuid, 'unmatched',
                                   '{"reason":"no order of ours matches this callback"}'::jsonb, t.at + interval '1 second')
                  ) AS v(inv, ext, order_id, status, outcome, at),
                  LATERAL (SELECT v.inv, v.ext, v.order_id, v.status, v.outcome, v.at,
                                  convert_to(json_build_object('event_id', v.inv || ':success:1767268800', 'event_type', 'invoice.success', 'order_id', v.inv,
                                    'external_id', v.ext, 'status', 'success', 'amount', '1500.00', 'currency', 'UAH')::text, 'UTF8') AS raw) AS x`,
          [a, b],
        );
      }
    }),
  ]));
}

/**
 * After a bulk load, as a service in steady state has its old rows: autovacuum's work done
 * (visibility map set, statistics fresh) and the load's writes checkpointed, so the measurement
 * does not pay for flushing gigabytes the seeding left dirty.
 */
async function settle(url) {
  await db.withClient(url, async (c) => {
    for (const t of TABLES) await c.query(`VACUUM ANALYZE ${t}`);
    await c.query('CHECKPOINT');
  });
}

module.exports = { seedHistory, settle };
