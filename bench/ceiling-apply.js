'use strict';
// ceiling-apply: the callback-processing limit on this machine, per gateway. A bare loop over the
// stored callbacks (seeded as callback-drain seeds them) that does the durable work a callback
// needs and nothing more: claim a batch of `received` rows, read each invoice back from the same
// standalone sandbox the service uses (the gateway driver's call, over one undici keep-alive pool),
// then one statement (one transaction) that moves the paid orders that are the invoice's own
// (external id, amount and currency compared in SQL), writes their timeline events and outbox rows,
// and settles the callbacks. When no `received` row is left it prints one JSON line of counts and
// waits for SIGTERM (so its CPU can still be read at the end of the measured window).
// DATABASE_URL, GATEWAY, SANDBOX_ORIGIN, GATEWAY_CREDENTIALS (JSON) (required);
// CEILING_APPLY_BATCH (64 callbacks per batch), CEILING_APPLY_LANES (4 batches at a time),
// CEILING_HTTP_CONNECTIONS (64).
const { Pool } = require('pg');
const { DRIVERS } = require('./gateways');
const { pooled } = require('./lib/pool');

async function main() {
  const url = process.env.DATABASE_URL;
  const gw = DRIVERS[process.env.GATEWAY];
  const origin = process.env.SANDBOX_ORIGIN;
  const creds = JSON.parse(process.env.GATEWAY_CREDENTIALS || 'null');
  if (!url || !gw || !origin || !creds) throw new Error('DATABASE_URL, GATEWAY, SANDBOX_ORIGIN and GATEWAY_CREDENTIALS are required');
  const batch = Number(process.env.CEILING_APPLY_BATCH || 64);
  const lanes = Number(process.env.CEILING_APPLY_LANES || 4);
  const pool = new Pool({ connectionString: url, max: lanes, idleTimeoutMillis: 0, application_name: 'bench-ceiling-apply' });
  const http = pooled(origin, { connections: Number(process.env.CEILING_HTTP_CONNECTIONS || 64) });
  const s = gw.invoiceSql;

  // A claim marks the rows (attempts 0 -> 1) so two lanes never take the same callback.
  const claim = `WITH c AS (
      UPDATE webhook_inbox SET attempts = attempts + 1
       WHERE id IN (SELECT id FROM webhook_inbox WHERE status = 'received' AND attempts = 0 AND provider = $2
                     ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING id, gateway_order_id, external_id)
    SELECT c.id AS inbox_id, c.gateway_order_id AS invoice_id, c.external_id, o.id AS order_id
      FROM c LEFT JOIN orders o ON o.provider = $2 AND o.gateway_invoice_id = c.gateway_order_id`;
  const apply = `WITH v AS (
      SELECT inbox_id, order_id, inv_text::jsonb AS inv FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS v(inbox_id, order_id, inv_text)
    ), upd AS (
      UPDATE orders o SET status = 'paid', paid_at = now(), payment = v.inv, updated_at = now()
        FROM v
       WHERE o.id = v.order_id AND o.status = 'awaiting_payment' AND v.inv IS NOT NULL
         AND ${s.paid} AND o.amount = ${s.amount} AND o.currency = ${s.currency} AND o.external_id = ${s.externalId}
      RETURNING o.*
    ), ev AS (
      INSERT INTO order_events (order_id, type, from_status, to_status, source, dedupe_key, data)
      SELECT id, 'order.status_changed', 'awaiting_payment', 'paid', 'webhook', 'status:paid', '{}'::jsonb FROM upd
      ON CONFLICT (order_id, dedupe_key) DO NOTHING
      RETURNING id, order_id, created_at
    ), nt AS (
      INSERT INTO notifications (order_id, event_id, type, payload, body, status, next_attempt_at, retry_until)
      SELECT ev.order_id, ev.id, 'order.paid', b.body::jsonb, b.body, 'pending', now(), now() + interval '24 hours'
        FROM ev JOIN upd ON upd.id = ev.order_id
       CROSS JOIN LATERAL (SELECT json_build_object('type', 'order.paid', 'timestamp', ev.created_at, 'data', to_jsonb(upd))::text AS body) b
      RETURNING id
    ), inb AS (
      UPDATE webhook_inbox w
         SET status = CASE WHEN v.order_id IS NULL THEN 'unmatched' WHEN upd.id IS NULL THEN 'failed' ELSE 'processed' END,
             order_id = v.order_id, processed_at = now()
        FROM v LEFT JOIN upd ON upd.id = v.order_id
       WHERE w.id = v.inbox_id
      RETURNING w.status
    )
    SELECT count(*) FILTER (WHERE status = 'processed')::int AS processed, count(*) FILTER (WHERE status <> 'processed')::int AS other,
           (SELECT count(*) FROM nt)::int AS notified
      FROM inb`;

  const totals = { batches: 0, processed: 0, other: 0, notified: 0, read_errors: 0 };
  const lane = async () => {
    for (;;) {
      const { rows } = await pool.query(claim, [batch, gw.name]);
      if (!rows.length) return;
      const bodies = await Promise.all(
        rows.map((r) =>
          r.order_id
            ? gw.readInvoice(http, creds, { invoiceId: r.invoice_id, externalId: r.external_id }).then(
                (raw) => raw.toString('utf8'),
                () => {
                  totals.read_errors += 1;
                  return null;
                },
              )
            : null,
        ),
      );
      const { rows: r } = await pool.query(apply, [rows.map((x) => x.inbox_id), rows.map((x) => x.order_id), bodies]);
      totals.batches += 1;
      totals.processed += r[0].processed;
      totals.other += r[0].other;
      totals.notified += r[0].notified;
    }
  };
  process.stdout.write(`ceiling-apply (${gw.name}) started\n`);
  await Promise.all(Array.from({ length: lanes }, lane));
  process.stdout.write(`${JSON.stringify(totals)}\n`);
  // The connections stay open until the end: a Postgres backend that has exited can no longer be
  // read in /proc, and its CPU would be missing from the measured window (it was, before).
  const exit = () => Promise.allSettled([pool.end(), http.close()]).then(() => process.exit(0));
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  setInterval(() => undefined, 60_000);
}

main().catch((err) => {
  process.stderr.write(`ceiling-apply failed: ${err.stack || err}\n`);
  process.exit(1);
});
