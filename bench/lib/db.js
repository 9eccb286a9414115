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

/**
 * Every row the scenarios write, so each scenario starts from empty tables (the service is stopped).
 * The emptied tables are then left as a new install has them: never analyzed. Analyzed while empty,
 * a table is planned as holding no rows, and a plan cached on that (a prepared statement's, or a
 * foreign-key check's, which Postgres keeps per connection) scans the whole table on every use while
 * the scenario fills it: the timeline's key check made applying 20,000 callbacks read 28 million
 * rows. No production database is in that state (autovacuum analyzes a table once it has rows), so
 * the tables that keep rows are vacuumed and analyzed and the emptied ones truncated again after.
 */
async function resetServiceData(url) {
  await withClient(url, async (c) => {
    const { rows } = await c.query(`SELECT to_regclass('pgboss.job') AS job`);
    const empty = async () => {
      await c.query(`TRUNCATE notification_attempts, notifications, order_events, webhook_inbox, idempotency_keys, orders CASCADE`);
      if (rows[0].job) await c.query(`TRUNCATE pgboss.job`);
    };
    await empty();
    await c.query(`VACUUM ANALYZE`);
    await empty();
  });
}

/** A deterministic uuid per (tag, i): the load generator can name any seeded row without a list. */
const seededUuid = (tag) => `md5('${tag}-' || i)::uuid`;

/** What seeded orders are when no gateway driver says otherwise (order-read). */
const READ_ORDER = { provider: 'eccaex', amount: null, currency: 'UAH', payment_method: null };

/**
 * `count` orders (ids md5('<tag>-'||i)::uuid, i = from..from+count-1), in batches so one statement
 * does not hold everything. Without `status`, settled statuses spread like an old table (mostly
 * paid), none of them open and none due for the reconciler's paid re-check (paid_at is NULL), so
 * no background sweep runs during a read benchmark. `recent`: created now (else spread over the
 * last 11.6 days), so the reconciler leaves open ones alone for RECONCILE_AFTER_S. `order`: a
 * gateway driver's order (provider, amount, currency, payment method; amounts spread when null);
 * `invoiceIdSql`: the gateway's invoice id of order i (SQL over i).
 */
async function seedOrders(url, { tag, from = 1, count, status = null, order = READ_ORDER, invoiceIdSql = null, recent = false, batch = 200_000, onProgress }) {
  const invoice = invoiceIdSql ?? `${seededUuid(`${tag}-inv`)}::text`;
  await withClient(url, async (c) => {
    for (let start = from; start < from + count; start += batch) {
      const end = Math.min(from + count - 1, start + batch - 1);
      await c.query(
        `INSERT INTO orders (id, external_id, provider, status, amount, currency, customer_id, description, metadata,
                             success_url, fail_url, payment_method, payment_link, gateway_invoice_id, expires_at, paid_at, payment, created_at, updated_at)
         SELECT ${seededUuid(tag)}, '${tag}-' || i, $3::text,
                ${status ? `'${status}'` : `(ARRAY['paid','paid','paid','paid','expired','canceled','failed'])[1 + i % 7]`},
                COALESCE($4::numeric, (100 + i % 9000)::numeric(14,2)), $5::text, 'customer-' || (i % 50000), 'Bench order ' || i, '{"source":"bench"}'::jsonb,
                'http://127.0.0.1/success', 'http://127.0.0.1/fail', $6::text, 'http://127.0.0.1/pay/' || ${invoice}, ${invoice},
                now() + interval '20 minutes', NULL, NULL,
                ${recent ? 'now()' : `now() - (i % 1000000) * interval '1 second'`}, now()
           FROM generate_series($1::int, $2::int) AS i`,
        [start, end, order.provider, order.amount, order.currency, order.payment_method],
      );
      if (onProgress) onProgress(end - from + 1);
    }
    await c.query(`ANALYZE orders`);
  });
}

/** The queue the service's callback jobs go to: the gateway-neutral one when it is defined, else EccaEx's own (before the gateway port). */
async function callbackQueue(c) {
  const { rows } = await c.query(`SELECT name, table_name FROM pgboss.queue WHERE name = ANY($1::text[]) ORDER BY name = 'gateway-callback' DESC`, [['gateway-callback', 'eccaex-callback']]);
  if (!rows.length) throw new Error('no callback queue defined (start the service once first)');
  return rows[0];
}

/**
 * Stored callbacks for seeded orders, as the callback route stores them: a verified row in
 * webhook_inbox (the gateway driver says its body, duplicate key and kept headers) and, with
 * `jobs`, its pg-boss job in the service's queue — without the HTTP front.
 */
async function seedStoredCallbacks(url, { gw, creds, invoiceTag, orderTag, count, jobs = true }) {
  const cb = gw.storedCallbackSql({ invoiceTag, orderTag }, creds);
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, order_id, status)
       SELECT $2, b.key, encode(sha256(b.raw), 'hex'), b.raw, $3::jsonb, b.inv, '${orderTag}-' || b.i, b.order_id, 'received'
         FROM (SELECT i, ${cb.key} AS key, ${cb.raw} AS raw, ${gw.invoiceIdSql(invoiceTag)} AS inv,
                      ${cb.orderIdFromTag ? seededUuid(orderTag) : 'NULL::uuid'} AS order_id
                 FROM generate_series(1, $1::int) AS i) AS b
       RETURNING id`,
      [count, gw.name, JSON.stringify(cb.headers)],
    );
    if (!jobs) {
      await c.query(`ANALYZE webhook_inbox`);
      return { inbox: rows.length, jobs: 0, ids: 0 };
    }
    // pg-boss's own insert statement (plans.insertJobs), so the queue's policy and retry settings apply.
    const plans = require('pg-boss/dist/plans.js');
    const queue = await callbackQueue(c);
    const sql = plans.insertJobs('pgboss', { table: queue.table_name, name: queue.name, returnId: false });
    const queued = async () =>
      (
        await c.query(`SELECT count(*)::int AS n, coalesce(sum(jsonb_array_length(data->'inboxIds')), 0)::int AS ids FROM pgboss.job WHERE name = $1 AND state = 'created'`, [
          queue.name,
        ])
      ).rows[0];
    const before = await queued();
    for (let k = 0; k < rows.length; k += 5000) {
      const list = [];
      const chunk = rows.slice(k, k + 5000);
      // As the intake stores them under load: one job per group-committed batch of callbacks (32 here).
      for (let j = 0; j < chunk.length; j += 32) list.push({ data: { inboxIds: chunk.slice(j, j + 32).map((r) => r.id) } });
      await c.query(sql, [JSON.stringify(list)]);
    }
    const after = await queued();
    const n = [{ n: after.n - before.n, ids: after.ids - before.ids }];
    // Only what was filled: an empty table analyzed reads as holding no rows (see resetServiceData).
    await c.query(`ANALYZE webhook_inbox`);
    await c.query(`ANALYZE pgboss.job`);
    return { inbox: rows.length, jobs: n[0].n, ids: n[0].ids, queue: queue.name };
  });
}

/**
 * The cluster's write-ahead log and checkpoint counters (every database of the server): full-page
 * images, WAL bytes, checkpoints, and buffers backends had to write out themselves.
 */
async function walCounters(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT w.wal_fpi::bigint::text AS fpi, w.wal_bytes::bigint::text AS bytes,
              (b.checkpoints_req + b.checkpoints_timed)::int AS checkpoints, b.buffers_backend::bigint::text AS backend_writes
         FROM pg_stat_wal w, pg_stat_bgwriter b`,
    );
    return { at: Date.now(), fpi: Number(rows[0].fpi), bytes: Number(rows[0].bytes), checkpoints: rows[0].checkpoints, backendWrites: Number(rows[0].backend_writes) };
  });
}

/** What the log took per unit of work between two walCounters readings. */
function walPerUnit(a, b, units) {
  if (!a || !b || !(units > 0)) return null;
  const per = (v) => Math.round((v / units) * 100) / 100;
  return {
    fpi_per_unit: per(b.fpi - a.fpi),
    wal_kb_per_unit: per((b.bytes - a.bytes) / 1024),
    backend_writes_per_unit: per(b.backendWrites - a.backendWrites),
    checkpoints: b.checkpoints - a.checkpoints,
  };
}

module.exports = { walCounters, walPerUnit, servicePool, withDatabase, withClient, createDatabase, dropDatabase, resetServiceData, seedOrders, seedStoredCallbacks, seededUuid };
