import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { ReconcilerService } from '../../src/reconciliation/reconciler.service';
import { captureLogs } from '../support/log-capture';
import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';
import { eventsOf, inbox, orderOf, waitForStatus } from '../support/callbacks';

jest.setTimeout(300_000);

const CS = '/sandbox/cryptosteroid';
const CONTROL = `${CS}/_control`;
const HOOK = '/v1/webhooks/cryptosteroid';
const MERCHANT_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** The merchant's endpoint: every notification, by type and order. */
async function merchantEndpoint(): Promise<{ url: string; got: Array<{ type: string; data: { id: string; exception: string | null } }>; stop(): Promise<void> }> {
  const got: Array<{ type: string; data: { id: string; exception: string | null } }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof got)[number]);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * CryptoSteroid through the whole service, against its sandbox mounted by CRYPTOSTEROID_MODE:
 * orders, the Token-checked callback route, underpayment and the reconciliation that finds it,
 * and the per-order secret kept out of every reply, log line and metric.
 */
describe('CryptoSteroid through the service', () => {
  let app: TestApp;
  let merchant: Awaited<ReturnType<typeof merchantEndpoint>>;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    logs = captureLogs();
    merchant = await merchantEndpoint();
    app = await startTestApp({ MERCHANT_WEBHOOK_URL: merchant.url, MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET, LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await app?.close();
    await merchant?.stop();
    logs?.restore();
  });
  afterEach(async () => {
    await app.http.post(`${CONTROL}/reset`).expect(200);
  });

  const create = async (over: Record<string, unknown> = {}) => {
    const r = await app.http.post('/v1/orders').set(storefront).send({ amount: '25.00', currency: 'USD', customer_id: 'cs-user', provider: 'cryptosteroid', ...over });
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string; external_id: string; gateway_invoice_id: string; status: string; payment_link: string; provider: string };
  };
  const simulate = (invoiceId: string, body: Record<string, unknown>) => app.http.post(`${CONTROL}/invoices/${invoiceId}/simulate`).send(body).expect(200);
  const sandboxInvoice = async (id: string) => (await app.http.get(`${CONTROL}/invoices/${id}`).expect(200)).body.data as Record<string, unknown>;
  const secretOf = async (externalId: string) => {
    const [row] = (await app.app.get(DataSource).query(`SELECT secret FROM sandbox_cs_invoices WHERE external_id = $1`, [externalId])) as Array<{ secret: string }>;
    return row!.secret;
  };
  const notificationsOf = (orderId: string, type?: string) => merchant.got.filter((n) => n.data.id === orderId && (!type || n.type === type));
  const stored = async () => (await inbox(app.http)).length;
  const queue = async () => ((await app.http.get('/v1/orders?exception=open&limit=200').set(ops).expect(200)).body.data as Array<{ id: string; exception: string }>).map((o) => [o.id, o.exception]);

  it('an order: the invoice at the sandbox, its hosted page as the payment link, a secret of 32+ characters sent and only its hash kept', async () => {
    const order = await create({ payment_method: 'USDT_TRC20' });
    expect(order).toMatchObject({ provider: 'cryptosteroid', status: 'awaiting_payment', payment_link: `${app.settings.publicBaseUrl}${CS}/pay/${order.gateway_invoice_id}` });
    const inv = await sandboxInvoice(order.gateway_invoice_id);
    expect(inv).toMatchObject({ externalId: order.external_id, fiatAmount: '25.00', fiatCurrency: 'USD', status: 'WAITING' });
    const secret = await secretOf(order.external_id);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const [row] = (await app.app.get(DataSource).query(`SELECT callback_credential_hash FROM orders WHERE id = $1`, [order.id])) as Array<{ callback_credential_hash: string }>;
    expect(row!.callback_credential_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.callback_credential_hash).not.toContain(secret);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a currency CryptoSteroid does not take', { currency: 'UAH' }, 'currency'],
    ['a method it does not offer', { payment_method: 'XRP' }, 'payment_method'],
  ])('%s: 400 naming the field, nothing sent', async (_name, over, field) => {
    const before = ((await app.http.get(`${CONTROL}/requests`).expect(200)).body.data as unknown[]).length;
    const r = await app.http.post('/v1/orders').set(storefront).send({ amount: '25.00', currency: 'USD', customer_id: 'cs-user', provider: 'cryptosteroid', ...over });
    expect([r.status, r.body.error?.code, Object.keys(r.body.error?.details?.fields ?? {})]).toEqual([400, 'VALIDATION_FAILED', [field]]);
    expect(((await app.http.get(`${CONTROL}/requests`).expect(200)).body.data as unknown[]).length).toBe(before);
  });

  it('paid in full: the PAID webhook with its Token makes it paid; ten deliveries: one transition, one notification', async () => {
    const order = await create({ payment_method: 'BTC' });
    await simulate(order.gateway_invoice_id, { outcome: 'paid' });
    const paid = await waitForStatus(app.http, order.id, 'paid');
    expect(paid.exception).toBeNull();
    expect(paid.payment).toMatchObject({ method_code: 'BTC' });
    await app.http.post(`${CONTROL}/invoices/${order.gateway_invoice_id}/webhook/deliver`).send({ times: 10 }).expect(200);
    const webhook = (await app.http.get(`${CONTROL}/invoices/${order.gateway_invoice_id}/webhook`).expect(200)).body.data as { history: Array<{ http_status: number }> };
    expect(webhook.history.length).toBeGreaterThanOrEqual(11);
    expect(webhook.history.every((a) => a.http_status === 200)).toBe(true);
    await waitFor('notification', async () => notificationsOf(order.id, 'order.paid').length >= 1);
    await new Promise((r) => setTimeout(r, 1500));
    const toPaid = (await eventsOf(app.http, order.id)).filter((e) => e.type === 'order.status_changed' && e.to_status === 'paid');
    expect(toPaid).toHaveLength(1);
    expect(notificationsOf(order.id, 'order.paid')).toHaveLength(1);
    expect((await inbox(app.http, `&order_id=${order.id}`)).length).toBe(1);
  });

  describe('a wrong, missing or other order\'s token moves nothing', () => {
    it.each<[string, (own: string, other: string) => Record<string, string>]>([
      ['missing', () => ({})],
      ['wrong', (own) => ({ Token: `${own.slice(0, -1)}x` })],
      ["another order's", (_own, other) => ({ Token: other })],
      ['empty', () => ({ Token: '' })],
    ])('%s: 401 INVALID_TOKEN, nothing stored, the order unchanged', async (_name, headers) => {
      const order = await create({ payment_method: 'ETH' });
      const other = await create({ payment_method: 'ETH' });
      // The sandbox holds the paid Invoice object; the webhook is kept from us while we forge.
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      await simulate(order.gateway_invoice_id, { outcome: 'paid' });
      const body = JSON.stringify((await app.http.get(`${CS}/merchants/${app.settings.cryptosteroid.merchantId}/invoices/${order.gateway_invoice_id}`).set('X-Api-Key', app.settings.cryptosteroid.apiKey).expect(200)).body);
      const before = await stored();
      const r = await app.http
        .post(HOOK)
        .set({ 'Content-Type': 'application/json', ...headers(await secretOf(order.external_id), await secretOf(other.external_id)) })
        .send(body);
      expect([r.status, r.body.error?.code]).toEqual([401, 'INVALID_TOKEN']);
      expect(await stored()).toBe(before);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      // The right token is taken.
      await app.http.post(HOOK).set({ 'Content-Type': 'application/json', Token: await secretOf(order.external_id) }).send(body).expect(200);
      await waitForStatus(app.http, order.id, 'paid');
    });

    it('a body naming no invoice: 400 MALFORMED_PAYLOAD', async () => {
      const r = await app.http.post(HOOK).set({ 'Content-Type': 'application/json', Token: 'x'.repeat(43) }).send('{"status":"PAID"}');
      expect([r.status, r.body.error?.code]).toEqual([400, 'MALFORMED_PAYLOAD']);
    });

    it('no Token and a body that is not JSON: 401 INVALID_TOKEN (missing_token), the credential checked before the body', async () => {
      const before = await stored();
      const r = await app.http.post(HOOK).set({ 'Content-Type': 'application/json' }).send('{not json');
      expect([r.status, r.body.error?.code, r.body.error?.details?.reason]).toEqual([401, 'INVALID_TOKEN', 'missing_token']);
      expect(await stored()).toBe(before);
    });

    it('an order that does not exist is answered as a wrong token: the reply does not tell which order numbers exist', async () => {
      const order = await create({ payment_method: 'ETH' });
      const forged = (externalId: string) => JSON.stringify({ invoiceId: '00000000-0000-4000-8000-000000000000', externalId, status: 'PAID' });
      const missing = await app.http.post(HOOK).set({ 'Content-Type': 'application/json', Token: 'x'.repeat(43) }).send(forged('no-such-order-1'));
      const wrong = await app.http.post(HOOK).set({ 'Content-Type': 'application/json', Token: 'x'.repeat(43) }).send(forged(order.external_id));
      expect([missing.status, missing.body.error?.code, missing.body.error?.details]).toEqual([401, 'INVALID_TOKEN', { reason: 'token_mismatch' }]);
      expect([wrong.status, wrong.body.error?.code, wrong.body.error?.details]).toEqual([401, 'INVALID_TOKEN', { reason: 'token_mismatch' }]);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
    });
  });

  it('a create whose outcome is unclear: 503 saying the invoice may exist and the order is held; a retry sends no second create', async () => {
    await app.http.post(`${CONTROL}/faults`).send({ endpoint: 'create-invoice', mode: 'timeout_after_work', hang_ms: 200, times: 1 }).expect((r) => expect(r.status).toBeLessThan(300));
    const body = { amount: '25.00', currency: 'USD', customer_id: 'cs-user', provider: 'cryptosteroid', external_id: 'cs-unclear-1' };
    const first = await app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'cs-unclear-key-1').send(body);
    expect([first.status, first.body.error?.code, first.body.error?.details?.reason]).toEqual([503, 'GATEWAY_UNAVAILABLE', 'invoice_may_exist']);
    expect(first.body.error.message).toMatch(/may have created the invoice/);
    const again = await app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'cs-unclear-key-1').send(body);
    expect([again.status, again.body.error?.details?.reason, again.body.error?.details?.order_id]).toEqual([503, 'invoice_may_exist', first.body.error.details.order_id]);
    const made = (await app.http.get(`${CONTROL}/invoices?externalId=cs-unclear-1`).expect(200)).body.data as Array<{ invoiceId: string }>;
    expect(made).toHaveLength(1);
    const orderId = first.body.error.details.order_id as string;
    expect((await orderOf(app.http, orderId)).status).toBe('pending');
    // The gateway's callback for that invoice (it carries the order's secret, sent with the lost create) settles it.
    await simulate(made[0]!.invoiceId, { outcome: 'paid' });
    await waitForStatus(app.http, orderId, 'paid');
    expect((await orderOf(app.http, orderId)).gateway_invoice_id).toBe(made[0]!.invoiceId);
  });

  describe('underpayment', () => {
    it('PAID with less received: never paid, exception underpaid, in the review queue, one order.exception', async () => {
      const order = await create({ payment_method: 'USDT_TRC20' });
      await simulate(order.gateway_invoice_id, { outcome: 'paid_short' });
      const flagged = await waitFor('underpaid', async () => {
        const o = await orderOf(app.http, order.id);
        return o.exception === 'underpaid' ? o : null;
      });
      expect(flagged.status).not.toBe('paid');
      expect(flagged.payment).toMatchObject({ method_code: 'USDT_TRC20' });
      expect(await queue()).toContainEqual([order.id, 'underpaid']);
      await waitFor('order.exception', async () => notificationsOf(order.id, 'order.exception').length === 1);
      expect(notificationsOf(order.id, 'order.paid')).toHaveLength(0);
    });

    it('cancel of an order the gateway has taken part of the money for: 409, the order and its exception unchanged', async () => {
      const order = await create({ payment_method: 'USDT_TRC20' });
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      await simulate(order.gateway_invoice_id, { outcome: 'paid_short' });
      const r = await app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront);
      expect([r.status, r.body.error?.code, r.body.error?.details]).toEqual([
        409,
        'ORDER_NOT_CANCELABLE',
        expect.objectContaining({ order_id: order.id, status: 'awaiting_payment', exception: 'underpaid', reason: 'payment_received' }),
      ]);
      const after = await orderOf(app.http, order.id);
      expect([after.status, after.exception]).toEqual(['awaiting_payment', 'underpaid']);
      expect(await queue()).toContainEqual([order.id, 'underpaid']);
      expect((await sandboxInvoice(order.gateway_invoice_id)).status).toBe('PAID');
    });

    it('part paid and expired (no webhook): reconciliation reads it back after expires_at; expired, underpaid, in the queue', async () => {
      await app.http.put(`${CONTROL}/settings`).send({ invoice_timeout_s: 2 }).expect(200);
      const order = await create({ payment_method: 'LTC' });
      await simulate(order.gateway_invoice_id, { outcome: 'underpaid' });
      await waitFor('sandbox expiry', async () => (await sandboxInvoice(order.gateway_invoice_id)).status === 'EXPIRED', 15_000);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      await app.app.get(ReconcilerService).sweep();
      const o = await orderOf(app.http, order.id);
      expect([o.status, o.exception]).toEqual(['expired', 'underpaid']);
      expect(await queue()).toContainEqual([order.id, 'underpaid']);
      const events = await eventsOf(app.http, order.id);
      expect(events.filter((e) => e.type === 'order.exception')).toEqual([expect.objectContaining({ source: 'reconcile', data: expect.objectContaining({ exception: 'underpaid' }) })]);
    });
  });

  it('overpaid: paid, exception overpaid', async () => {
    const order = await create({ payment_method: 'DOGE' });
    await simulate(order.gateway_invoice_id, { outcome: 'overpaid' });
    const o = await waitForStatus(app.http, order.id, 'paid');
    expect(o.exception).toBe('overpaid');
  });

  it('cancel: the invoice is CANCELLED at the provider', async () => {
    const order = await create();
    const r = await app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront).expect(200);
    expect(r.body.status).toBe('canceled');
    expect((await sandboxInvoice(order.gateway_invoice_id)).status).toBe('CANCELLED');
  });

  it('the secrets are in no reply, log line or metric', async () => {
    const order = await create({ payment_method: 'TRX' });
    await simulate(order.gateway_invoice_id, { outcome: 'paid' });
    await waitForStatus(app.http, order.id, 'paid');
    const secrets = [];
    for (const row of (await app.app.get(DataSource).query(`SELECT secret FROM sandbox_cs_invoices WHERE secret IS NOT NULL`)) as Array<{ secret: string }>) secrets.push(row.secret);
    expect(secrets.length).toBeGreaterThan(5);
    const replies = [
      (await app.http.get(`/v1/orders/${order.id}`).set(storefront).expect(200)).text,
      (await app.http.get(`/v1/orders/${order.id}/events`).set(ops).expect(200)).text,
      (await app.http.get('/v1/orders?limit=200').set(ops).expect(200)).text,
      (await app.http.get('/v1/webhook-events?limit=200').set(ops).expect(200)).text,
      (await app.http.get('/metrics').expect(200)).text,
      JSON.stringify(merchant.got),
      logs.lines.join('\n'),
    ];
    expect(logs.lines.length).toBeGreaterThan(20);
    for (const secret of secrets) for (const text of replies) expect(text.includes(secret)).toBe(false);
    for (const text of replies.slice(0, 4)) expect(text.includes(app.settings.cryptosteroid.apiKey)).toBe(false);
    expect(logs.lines.join('\n').includes(app.settings.cryptosteroid.apiKey)).toBe(false);
  });
});
