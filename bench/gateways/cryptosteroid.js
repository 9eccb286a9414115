'use strict';
// CryptoSteroid in the benchmark (same shape as eccaex.js). Its sandbox: src/sandbox/cryptosteroid
// (tables sandbox_cs_*). Runs once the service has the CryptoSteroid adapter and `npm run sandbox`
// serves its emulator (BENCH_GATEWAYS=cryptosteroid); the setting names are the service's.
const { randomBytes, randomUUID } = require('node:crypto');
const { json } = require('../lib/pool');

const BASE = '/sandbox/cryptosteroid';
const COIN = 'USDT_TRC20';

/**
 * With a coin named at creation the invoice is WAITING at once, so load never meets the sandbox's
 * cap on unpaid NEW invoices (100 per merchant).
 */
const ORDER = { provider: 'cryptosteroid', amount: '100.00', currency: 'USD', payment_method: COIN };

module.exports = {
  name: 'cryptosteroid',
  label: 'CryptoSteroid',
  order: ORDER,

  credentials: () => ({ apiKey: `cs_bench_${randomBytes(18).toString('base64url')}`, merchantId: randomUUID() }),

  sandboxEnv: (c) => ({ CRYPTOSTEROID_API_KEY: c.apiKey, CRYPTOSTEROID_MERCHANT_ID: c.merchantId }),

  serviceEnv: (origin, c) => ({
    CRYPTOSTEROID_MODE: 'sandbox',
    CRYPTOSTEROID_BASE_URL: `${origin}${BASE}`,
    CRYPTOSTEROID_API_KEY: c.apiKey,
    CRYPTOSTEROID_MERCHANT_ID: c.merchantId,
  }),

  async ready(http) {
    return (await http('GET', `${BASE}/_control/settings`)).status === 200;
  },

  /** The PAID webhook would add callbacks of its own; the scenarios send theirs. */
  async quiet(http) {
    json(await http('PUT', `${BASE}/_control/webhooks`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) }), 'cryptosteroid webhooks off');
  },

  orderBody: () => ({
    amount: ORDER.amount,
    currency: ORDER.currency,
    customer_id: 'bench-user',
    description: 'Bench order',
    provider: 'cryptosteroid',
    payment_method: COIN,
  }),

  /** ceiling-order: the create call, with the order's own fresh secret (the webhook's Token). */
  async createInvoice(http, c, o) {
    const credential = randomBytes(32).toString('base64url');
    const body = JSON.stringify({
      fiatCurrency: o.currency,
      fiatAmount: o.amount,
      description: o.description,
      whoPayCommission: 'buyer',
      externalId: o.external_id,
      paymentMethod: o.payment_method,
      secret: credential,
      processingUrl: `${o.callbackBase}/v1/webhooks/cryptosteroid`,
      returnUrl: o.success_url,
      failReturnUrl: o.fail_url,
    });
    const inv = json(
      await http('POST', `${BASE}/merchants/${c.merchantId}/invoices`, { headers: { 'x-api-key': c.apiKey, 'content-type': 'application/json' }, body }),
      'create invoice',
    );
    return { invoiceId: inv.invoiceId, link: inv.invoiceUrl, expiresAt: typeof inv.expiresAt === 'number' ? new Date(inv.expiresAt).toISOString() : inv.expiresAt, credential };
  },

  async readInvoice(http, c, ref) {
    const res = await http('GET', `${BASE}/merchants/${c.merchantId}/invoices/${encodeURIComponent(ref.invoiceId)}`, { headers: { 'x-api-key': c.apiKey } });
    json(res, 'get invoice');
    return res.raw;
  },

  /** Paid = PAID with what arrived at least what was asked (less is never paid). */
  invoiceSql: {
    paid: `inv->>'status' = 'PAID' AND (inv#>>'{payment,paid,received}')::numeric >= (inv#>>'{payment,amount}')::numeric`,
    amount: `(inv->>'fiatAmount')::numeric`,
    currency: `inv->>'fiatCurrency'`,
    externalId: `inv->>'externalId'`,
  },

  invoiceIdSql: (tag) => `md5('${tag}-' || i)::uuid::text`,

  /**
   * Before each order-create scenario: the invoices earlier scenarios left open expire, as they
   * would at the gateway once their time ran out. The emulator counts a merchant's unpaid
   * invoices on every create, under a per-merchant lock (its cap of unpaid invoices), reading every
   * open one, so without this each scenario paid for the ones before it: order-create, run after
   * ceiling-order, spent 3.9-4.2 ms of the sandbox's Postgres per order against the ceiling's
   * 2.3-2.7; with it, 2.4 against 2.5.
   */
  async expireOpenInvoices(c) {
    await c.query(`UPDATE sandbox_cs_invoices SET status = 'EXPIRED', updated_at = now() WHERE status IN ('NEW','WAITING')`);
    await c.query(`VACUUM ANALYZE sandbox_cs_invoices`);
  },

  /** Paid in full in USDT_TRC20 at the sandbox's 1.00 rate: 100.000000 + 1 % fee, all of it received. */
  async seedPaidInvoices(c, { invoiceTag, orderTag, count, creds }) {
    await c.query(
      `INSERT INTO sandbox_cs_invoices (id, merchant_id, external_id, description, fiat_amount, fiat_currency, who_pay_commission, secret, processing_url,
                                        return_url, fail_return_url, status, timeout_seconds, created_at, updated_at, expires_at, method, coin_decimals,
                                        address, coin_price, coin_amount, coin_net, coin_fee, received, tx_hashes, paid_at)
       SELECT md5('${invoiceTag}-' || i)::uuid, $2::uuid, '${orderTag}-' || i, 'Bench order ' || i, $3::numeric, $4, 'buyer', NULL,
              'http://127.0.0.1/v1/webhooks/cryptosteroid', 'http://127.0.0.1/success', 'http://127.0.0.1/fail', 'PAID', 1800,
              now() - interval '5 minutes', now(), now() + interval '25 minutes', '${COIN}', 6,
              'T' || substr(md5('${invoiceTag}-addr-' || i), 1, 33), 1, 101.000000, 100.000000, 1.000000, 101.000000,
              ARRAY[md5('${invoiceTag}-tx-' || i)], now()
         FROM generate_series(1, $1::int) AS i`,
      [count, creds.merchantId, ORDER.amount, ORDER.currency],
    );
    await c.query(`ANALYZE sandbox_cs_invoices`);
  },

  /** The PAID webhook's body (the Invoice object) and its duplicate key `invoiceId:PAID`; the Token header is never kept. */
  storedCallbackSql: ({ invoiceTag, orderTag }, creds) => {
    const inv = `md5('${invoiceTag}-' || i)::uuid::text`;
    return {
      key: `${inv} || ':PAID'`,
      raw: `convert_to(json_build_object('merchantId', '${creds.merchantId}', 'invoiceId', ${inv}, 'fiatAmount', '${ORDER.amount}', 'fiatCurrency', '${ORDER.currency}',
              'description', 'Bench order ' || i, 'whoPayCommission', 'buyer',
              'payment', json_build_object('method', '${COIN}', 'address', 'T' || substr(md5('${invoiceTag}-addr-' || i), 1, 33), 'amount', '101.000000',
                'net', '100.000000', 'fee', '1.000000', 'paid', json_build_object('hash', json_build_array(md5('${invoiceTag}-tx-' || i)), 'received', '101.000000',
                'fiat', '101.00', 'finished', true)),
              'externalId', '${orderTag}-' || i, 'invoiceUrl', 'http://127.0.0.1${BASE}/pay/' || ${inv}, 'returnUrl', 'http://127.0.0.1/success',
              'failReturnUrl', 'http://127.0.0.1/fail', 'timeoutSeconds', 1800, 'createdAt', 1767268500000, 'expiresAt', 1767270300000,
              'updatedAt', 1767268800000, 'status', 'PAID')::text, 'UTF8')`,
      headers: { 'content-type': 'application/json', 'user-agent': 'CryptoSteroid-Webhook' },
    };
  },
};
