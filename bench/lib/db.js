'use strict';
// The benchmark's databases on the running Postgres, and the SQL that seeds them.
const { Client, Pool } = require('pg');

/**
 * A pool sized and configured like the service's (TypeORM's postgres driver hands `extra` to
 * pg.Pool, src/database/database.ts): DATABASE_POOL_SIZE, default 20.
 */
function servicePool(url, applicationName) {
  return new Pool({
    connectionString: url,
    max: Number(process.env.DATABASE_POOL_SIZE || 20),
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    query_timeout: 15_000,
    application_name: applicationName,
  });
}


function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withClient(url, work) {
  const client = new Client({ connectionString: url, application_name: 'bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const ident = (name) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  return `"${name}"`;
};

async function createDatabase(adminUrl, name) {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${ident(name)}`));
  return withDatabase(adminUrl, name);
}

async function dropDatabase(adminUrl, name) {
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
}

/** Every row the scenarios write, so each scenario starts from empty tables (the service is stopped). */
async function resetServiceData(url) {
  await withClient(url, async (c) => {
    await c.query(`TRUNCATE notification_attempts, notifications, order_events, webhook_inbox, idempotency_keys, orders CASCADE`);
    const { rows } = await c.query(`SELECT to_regclass('pgboss.job') AS job`);
    if (rows[0].job) await c.query(`TRUNCATE pgboss.job`);
    await c.query(`VACUUM ANALYZE`);
  });
}

/** A deterministic uuid per (tag, i): the load generator can name any seeded row without a list. */
const seededUuid = (tag) => `md5('${tag}-' || i)::uuid`;

/**
 * `count` orders (ids md5('<tag>-'||i)::uuid, i = from..from+count-1), in batches so one statement
 * does not hold everything. Without `status`, settled statuses spread like an old table (mostly
 * paid), none of them open and none due for the reconciler's paid re-check (paid_at is NULL), so
 * no background sweep runs during a read benchmark. `recent`: created now (else spread over the
 * last 11.6 days), so the reconciler leaves open ones alone for RECONCILE_AFTER_S.
 */
async function seedOrders(url, { tag, from = 1, count, status = null, invoiceTag = null, recent = false, batch = 200_000, onProgress }) {
  await withClient(url, async (c) => {
    for (let start = from; start < from + count; start += batch) {
      const end = Math.min(from + count - 1, start + batch - 1);
      await c.query(
        `INSERT INTO orders (id, external_id, provider, status, amount, currency, customer_id, description, metadata,
                             success_url, fail_url, payment_link, gateway_invoice_id, expires_at, paid_at, payment, created_at, updated_at)
         SELECT ${seededUuid(tag)}, '${tag}-' || i, 'eccaex',
                ${status ? `'${status}'` : `(ARRAY['paid','paid','paid','paid','expired','canceled','failed'])[1 + i % 7]`},
                (100 + i % 9000)::numeric(14,2), 'UAH', 'customer-' || (i % 50000), 'Bench order ' || i, '{"source":"bench"}'::jsonb,
                'http://127.0.0.1/success', 'http://127.0.0.1/fail',
                'http://127.0.0.1/sandbox/eccaex/pay/' || ${invoiceTag ? seededUuid(invoiceTag) : seededUuid(`${tag}-inv`)}::text,
                (${invoiceTag ? seededUuid(invoiceTag) : seededUuid(`${tag}-inv`)})::text,
                now() + interval '20 minutes', NULL, NULL,
                ${recent ? 'now()' : `now() - (i % 1000000) * interval '1 second'`}, now()
           FROM generate_series($1::int, $2::int) AS i`,
        [start, end],
      );
      if (onProgress) onProgress(end - from + 1);
    }
    await c.query(`ANALYZE orders`);
  });
}

/** Paid invoices in the sandbox's database, one per seeded order (ids md5('<invoiceTag>-'||i)::uuid). */
async function seedPaidInvoices(sandboxUrl, { invoiceTag, orderTag, count, callbackUrl }) {
  await withClient(sandboxUrl, async (c) => {
    await c.query(
      `INSERT INTO sandbox_invoices (id, merchant_id, external_id, customer_id, purpose, amount, currency, status, callback_url, success_url, fail_url,
                                     created_at, updated_at, expires_at, finished_at, deal_id, deal_status, deal_sub_status, method_code, method_name,
                                     client_commission, merchant_commission, amount_fiat, conversion_rate, merchant_usdt, is_adjusted,
                                     deal_created_at, deal_expires_at, deal_finished_at, mark_paid_at)
       SELECT ${seededUuid(invoiceTag)}, 'sandbox-merchant', '${orderTag}-' || i, 'customer-' || (i % 50000), 'Bench order ' || i,
              1500.00, 'UAH', 'success', $2, 'http://127.0.0.1/success', 'http://127.0.0.1/fail',
              now() - interval '5 minutes', now(), now() + interval '15 minutes', now(), gen_random_uuid(), 'completed', 'paid', 'monobank', 'Monobank UA',
              2.50, 0.00, 1537.50, 41.32, 36.30, false,
              now() - interval '4 minutes', now() + interval '11 minutes', now(), now()
         FROM generate_series(1, $1::int) AS i`,
      [count, callbackUrl],
    );
    await c.query(`ANALYZE sandbox_invoices`);
  });
}

/**
 * Stored callbacks, as the callback route stores them (a verified row in webhook_inbox and its
 * pg-boss job in the service's queue), for the seeded orders — without the HTTP front.
 */
async function seedStoredCallbacks(url, { invoiceTag, orderTag, count, queue, headers }) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `WITH b AS (
         SELECT i, ${seededUuid(invoiceTag)}::text AS inv,
                convert_to(json_build_object('event_id', (${seededUuid(invoiceTag)})::text || ':success:1767268800', 'event_type', 'invoice.success',
                  'order_id', (${seededUuid(invoiceTag)})::text, 'external_id', '${orderTag}-' || i, 'status', 'success',
                  'amount', '1500.00', 'currency', 'UAH')::text, 'UTF8') AS raw
           FROM generate_series(1, $1::int) AS i)
       INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
       SELECT 'eccaex', inv || ':success:1767268800', encode(sha256(raw), 'hex'), raw, $2::jsonb, inv, '${orderTag}-' || i, 'received' FROM b
       RETURNING id`,
      [count, JSON.stringify(headers)],
    );
    // pg-boss's own insert statement (plans.insertJobs), so the queue's policy and retry settings apply.
    const plans = require('pg-boss/dist/plans.js');
    const { rows: q } = await c.query(`SELECT table_name FROM pgboss.queue WHERE name = $1`, [queue]);
    const sql = plans.insertJobs('pgboss', { table: q[0].table_name, name: queue, returnId: false });
    for (let k = 0; k < rows.length; k += 5000) {
      const jobs = [];
      const chunk = rows.slice(k, k + 5000);
      // As the intake stores them under load: one job per group-committed batch of callbacks (32 here).
      for (let j = 0; j < chunk.length; j += 32) jobs.push({ data: { inboxIds: chunk.slice(j, j + 32).map((r) => r.id) } });
      await c.query(sql, [JSON.stringify(jobs)]);
    }
    const { rows: n } = await c.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE data ? 'inboxIds')::int AS batched, coalesce(sum(jsonb_array_length(data->'inboxIds')), 0)::int AS ids FROM pgboss.job WHERE name = $1 AND state = 'created'`, [queue]);
    await c.query(`ANALYZE`);
    return { inbox: rows.length, jobs: n[0].n, ids: n[0].ids };
  });
}

module.exports = { servicePool, withDatabase, withClient, createDatabase, dropDatabase, resetServiceData, seedOrders, seedPaidInvoices, seedStoredCallbacks };
