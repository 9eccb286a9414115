'use strict';
// EccaEx in the benchmark: how its standalone sandbox is keyed and checked, how the service is set
// to use it, the order the load sends, the SQL that seeds paid sandbox invoices and stored
// callbacks for the drain, and the two calls the ceilings make (create, read back).
// Every driver in bench/gateways/ exports the same shape (see README.md, "Gateway drivers").
const { randomBytes } = require('node:crypto');
const { json } = require('../lib/pool');

const API = '/sandbox/eccaex/api/v1';

/** The amount and currency of every benchmark order and seeded invoice (the read-back must match them). */
const ORDER = { provider: 'eccaex', amount: '1500.00', currency: 'UAH', payment_method: null };

module.exports = {
  name: 'eccaex',
  label: 'EccaEx',
  order: ORDER,

  /** This run's credentials, the same on both sides. */
  credentials: () => ({
    apiKey: `sbx_bench_${randomBytes(18).toString('base64url')}`,
    webhookSecret: `whsk_bench_${randomBytes(18).toString('base64url')}`,
  }),

  /** What the standalone sandbox needs to take this run's key and sign with this run's secret. */
  sandboxEnv: (c) => ({ ECCAEX_API_KEY: c.apiKey, ECCAEX_WEBHOOK_SECRET: c.webhookSecret }),

  /** The service, in sandbox mode, talking to the standalone sandbox at `origin`. */
  serviceEnv: (origin, c) => ({
    ECCAEX_MODE: 'sandbox',
    ECCAEX_BASE_URL: `${origin}${API}`,
    ECCAEX_API_KEY: c.apiKey,
    ECCAEX_WEBHOOK_SECRET: c.webhookSecret,
  }),

  async ready(http, c) {
    return (await http('GET', `${API}/currencies`, { headers: { 'x-api-key': c.apiKey } })).status === 200;
  },

  /** Deliveries from the sandbox would add callbacks of their own; the scenarios send theirs. */
  async quiet(http) {
    json(await http('PUT', '/sandbox/eccaex/_control/webhooks', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) }), 'eccaex webhooks off');
  },

  /** POST /v1/orders body. */
  orderBody: () => ({ amount: ORDER.amount, currency: ORDER.currency, customer_id: 'bench-user', description: 'Bench order', provider: 'eccaex' }),

  /** ceiling-order: the create call, as the service makes it. */
  async createInvoice(http, c, o) {
    const body = JSON.stringify({
      amount: o.amount,
      currency_code: o.currency,
      customer_id: o.customer_id,
      external_id: o.external_id,
      purpose: o.description,
      callback_url: `${o.callbackBase}/v1/webhooks/eccaex`,
      success_url: o.success_url,
      fail_url: o.fail_url,
    });
    const inv = json(await http('POST', `${API}/create-invoice`, { headers: { 'x-api-key': c.apiKey, 'content-type': 'application/json' }, body }), 'create-invoice');
    return { invoiceId: inv.invoice_id, link: inv.payment_link, expiresAt: inv.expires_at ?? null, credential: null };
  },

  /** ceiling-apply: the read-back, as the service makes it; the invoice's exact bytes. */
  async readInvoice(http, c, ref) {
    const res = await http('GET', `${API}/invoices/${encodeURIComponent(ref.invoiceId)}`, { headers: { 'x-api-key': c.apiKey } });
    json(res, 'get invoice');
    return res.raw;
  },

  /**
   * ceiling-apply's checks over the read-back answer `inv` (jsonb; the invoice is its `data`): paid,
   * and the order's own (money compared in SQL, never in JS).
   */
  invoiceSql: {
    paid: `inv->'data'->>'status' = 'success'`,
    amount: `(inv->'data'->>'amount')::numeric`,
    currency: `inv->'data'->>'currency'`,
    externalId: `inv->'data'->>'external_id'`,
  },

  /** The sandbox's id of seeded invoice i (SQL over `i`). */
  invoiceIdSql: (tag) => `md5('${tag}-' || i)::uuid::text`,

  /** `count` paid invoices in the sandbox's database, for orders '<orderTag>-<i>'. */
  async seedPaidInvoices(c, { invoiceTag, orderTag, count }) {
    await c.query(
      `INSERT INTO sandbox_invoices (id, merchant_id, external_id, customer_id, purpose, amount, currency, status, callback_url, success_url, fail_url,
                                     created_at, updated_at, expires_at, finished_at, deal_id, deal_status, deal_sub_status, method_code, method_name,
                                     client_commission, merchant_commission, amount_fiat, conversion_rate, merchant_usdt, is_adjusted,
                                     deal_created_at, deal_expires_at, deal_finished_at, mark_paid_at)
       SELECT md5('${invoiceTag}-' || i)::uuid, 'sandbox-merchant', '${orderTag}-' || i, 'customer-' || (i % 50000), 'Bench order ' || i,
              $2::numeric, $3, 'success', 'http://127.0.0.1/v1/webhooks/eccaex', 'http://127.0.0.1/success', 'http://127.0.0.1/fail',
              now() - interval '5 minutes', now(), now() + interval '15 minutes', now(), gen_random_uuid(), 'completed', 'paid', 'monobank', 'Monobank UA',
              2.50, 0.00, 1537.50, 41.32, 36.30, false,
              now() - interval '4 minutes', now() + interval '11 minutes', now(), now()
         FROM generate_series(1, $1::int) AS i`,
      [count, ORDER.amount, ORDER.currency],
    );
    await c.query(`ANALYZE sandbox_invoices`);
  },

  /** A stored callback for seeded invoice i, as the intake stores it (SQL over `i`). */
  storedCallbackSql: ({ invoiceTag, orderTag }) => {
    const inv = `md5('${invoiceTag}-' || i)::uuid::text`;
    return {
      key: `${inv} || ':success:1767268800'`,
      raw: `convert_to(json_build_object('event_id', ${inv} || ':success:1767268800', 'event_type', 'invoice.success', 'order_id', ${inv},
              'external_id', '${orderTag}-' || i, 'status', 'success', 'amount', '${ORDER.amount}', 'currency', '${ORDER.currency}')::text, 'UTF8')`,
      headers: { 'x-signature': '(seeded)', 'x-signature-timestamp': '1767268800', 'x-idempotency-key': '', 'content-type': 'application/json', 'user-agent': 'EccaEx-Webhook/1.0' },
    };
  },
};
