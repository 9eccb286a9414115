'use strict';
// SmartWM (DPAY acquiring) in the benchmark (same shape as eccaex.js). Its sandbox:
// src/sandbox/smartwm (tables sandbox_swm_*). Signing on both sides: every request carries
// DPAY_SECURE over its exact bytes, and every answer's DPAY_SECURE is verified before it is believed.
// Runs once the service has the SmartWM adapter and `npm run sandbox` serves its emulator
// (BENCH_GATEWAYS=smartwm); the setting names are the service's.
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { json } = require('../lib/pool');

const { signDpay, verifyDpay } = require(path.join(__dirname, '..', '..', 'dist', 'src', 'gateways', 'smartwm', 'smartwm-signature.js'));

const BASE = '/sandbox/smartwm';
/** A wallet method: answered with a pay_link (cards get a pay_form). */
const METHOD = 'paytm.inr';
/** 1000 is the platform's always-succeeds test amount. */
const ORDER = { provider: 'smartwm', amount: '1000.00', currency: 'INR', payment_method: METHOD };

/** One signed DPAY call; the answer's signature checked before anything in it is read. */
async function dpay(http, c, endpoint, payload) {
  const body = Buffer.from(JSON.stringify(payload));
  const res = await http('POST', `${BASE}/api/einvoice/${endpoint}`, {
    headers: { 'content-type': 'application/json', DPAY_CLIENT: c.clientId, DPAY_SECURE: signDpay(c.secret, body) },
    body,
  });
  if (!verifyDpay(c.secret, res.raw, res.headers['dpay_secure'])) throw new Error(`smartwm ${endpoint}: the answer's DPAY_SECURE does not verify (HTTP ${res.status})`);
  const out = json(res, `smartwm ${endpoint}`);
  // Business errors come at HTTP 200 with an error object.
  if (out && out.error) throw new Error(`smartwm ${endpoint}: ${JSON.stringify(out.error)}`);
  return { out, raw: res.raw };
}

module.exports = {
  name: 'smartwm',
  label: 'SmartWM',
  order: ORDER,

  credentials: () => ({ clientId: `bench-${randomBytes(6).toString('hex')}`, secret: `swm_bench_${randomBytes(18).toString('base64url')}` }),

  sandboxEnv: (c) => ({ SMARTWM_CLIENT_ID: c.clientId, SMARTWM_SECRET: c.secret }),

  serviceEnv: (origin, c) => ({
    SMARTWM_MODE: 'sandbox',
    SMARTWM_BASE_URL: `${origin}${BASE}`,
    SMARTWM_CLIENT_ID: c.clientId,
    SMARTWM_SECRET: c.secret,
  }),

  async ready(http) {
    return (await http('GET', `${BASE}/_control/pings`)).status === 200;
  },

  /** status_url pings would add callbacks of their own; the scenarios send theirs. */
  async quiet(http) {
    json(await http('PUT', `${BASE}/_control/pings`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) }), 'smartwm pings off');
  },

  orderBody: () => ({ amount: ORDER.amount, currency: ORDER.currency, customer_id: 'bench-user', description: 'Bench order', provider: 'smartwm', payment_method: METHOD }),

  /** ceiling-order: create, then process for the pay_link (two signed calls, as the service makes them). */
  async createInvoice(http, c, o) {
    const credential = randomBytes(32).toString('base64url');
    const statusUrl = `${o.callbackBase}/v1/webhooks/smartwm/${o.id}?token=${credential}`;
    const { out: created } = await dpay(http, c, 'create', {
      payment_id: o.external_id,
      currency: o.payment_method,
      amount: o.amount,
      description: o.description,
      success_url: o.success_url,
      fail_url: o.fail_url,
      status_url: statusUrl,
    });
    const { out: processed } = await dpay(http, c, 'process', { tracking: created.tracking });
    return { invoiceId: created.tracking, link: processed.pay_link ?? null, expiresAt: null, credential };
  },

  /** The signed status read; its exact (verified) bytes. */
  async readInvoice(http, c, ref) {
    return (await dpay(http, c, 'status', { tracking: ref.invoiceId })).raw;
  },

  /** Amounts are JSON numbers: compared as jsonb numerics in SQL, exactly. */
  invoiceSql: {
    paid: `inv->>'status' IN ('PAYED','FINISHED') AND NOT coalesce((inv->>'is_recalc')::boolean, false)`,
    amount: `(inv->>'amount')::numeric`,
    currency: `upper(split_part(inv->>'currency', '.', 2))`,
    externalId: `inv->>'payment_id'`,
  },

  /** The sandbox's tracking of seeded invoice i: 8 groups of 4 upper-case hex digits. */
  invoiceIdSql: (tag) => `upper(regexp_replace(md5('${tag}-' || i), '(....)(?!$)', '\\1-', 'g'))`,

  /** PAYED through the link flow, 2.5 % wallet fee withheld. */
  async seedPaidInvoices(c, { invoiceTag, orderTag, count, creds }) {
    await c.query(
      `INSERT INTO sandbox_swm_invoices (tracking, client_id, payment_id, method, method_used, amount, scale, status, flow, description,
                                         success_url, fail_url, status_url, fee, accrual_amount, accrual_currency, is_recalc, created_at, processed_at, updated_at)
       SELECT upper(regexp_replace(md5('${invoiceTag}-' || i), '(....)(?!$)', '\\1-', 'g')), $2, '${orderTag}-' || i, '${METHOD}', '${METHOD}',
              $3::numeric, 2, 'PAYED', 'link', 'Bench order ' || i, 'http://127.0.0.1/success', 'http://127.0.0.1/fail',
              'http://127.0.0.1/v1/webhooks/smartwm/seeded', 25.00, 975.00, 'INR', false, now() - interval '5 minutes', now(), now()
         FROM generate_series(1, $1::int) AS i`,
      [count, creds.clientId, ORDER.amount],
    );
    await c.query(`ANALYZE sandbox_swm_invoices`);
  },

  /**
   * A ping stores an empty body; the order is named by the URL (order_id, set by the seeding) and
   * the duplicate key is `ping:<order id>:<order status>`.
   */
  storedCallbackSql: ({ orderTag }) => ({
    key: `'ping:' || md5('${orderTag}-' || i)::uuid::text || ':awaiting_payment'`,
    raw: `''::bytea`,
    headers: {},
    orderIdFromTag: true,
  }),
};
