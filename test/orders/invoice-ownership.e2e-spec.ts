import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';
import { createOrder, eventsOf, inbox, orderOf, postCallback, SANDBOX, sandboxWebhooks, simulate, waitForStatus } from '../support/callbacks';
import { liveAgainstFake } from '../support/fake-eccaex';

jest.setTimeout(120_000);

/**
 * An invoice is attached to an order, or moves it, only if it is that order's: the gateway's
 * external_id, amount and currency are what the service sent. Whatever path read it (create, its
 * retry, reconcile, cancel, a callback), anything else is refused, never moves the order, and is
 * kept for ops: a timeline event, a metric and a log line.
 */

type Http = TestApp['http'];

const rejections = async (http: Http, ref: string) => (await eventsOf(http, ref)).filter((e) => e.type === 'order.invoice_rejected');

async function mismatchMetric(http: Http): Promise<number> {
  const text = (await http.get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith('payments_invoice_mismatch_total{gateway="eccaex"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Warnings logged while `fn` runs (the service's loggers, whatever they write to). */
async function warningsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const original = Logger.prototype.warn;
  const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown, ...rest: unknown[]) {
    warnings.push(typeof message === 'string' ? message : JSON.stringify(message));
    return original.call(this, message, ...(rest as []));
  });
  try {
    return { result: await fn(), warnings };
  } finally {
    spy.mockRestore();
  }
}

function expectRefused(res: { status: number; body: { error: { code: string; details: Record<string, unknown> } } }, orderId?: string) {
  expect([res.status, res.body.error?.code, res.body.error?.details?.reason]).toEqual([502, 'GATEWAY_ERROR', 'invoice_mismatch']);
  if (orderId) expect(res.body.error.details.order_id).toBe(orderId);
}

describe('invoice ownership, with the sandbox gateway', () => {
  let app: TestApp;
  let key: Record<string, string>;

  beforeAll(async () => {
    app = await startTestApp();
    key = { 'X-Api-Key': app.settings.eccaex.apiKey };
  });
  afterAll(async () => {
    await app?.close();
  });

  it('an external_id the gateway already used for a paid 1.00 UAH invoice: the 5,000.00 order stays pending, never 201 paid', async () => {
    const externalId = `reused-${Date.now()}`;
    // Somebody else's invoice under that external_id, made and paid at the gateway directly.
    const foreign = await app.http
      .post(`${SANDBOX}/api/v1/create-invoice`)
      .set(key)
      .send({ amount: '1.00', currency_code: 'UAH', customer_id: 'other', external_id: externalId, callback_url: 'https://elsewhere.example/cb', success_url: 'https://elsewhere.example/s', fail_url: 'https://elsewhere.example/f' })
      .expect(201);
    await simulate(app.http, foreign.body.invoice_id, 'success').expect(200);
    const metricBefore = await mismatchMetric(app.http);

    const { result: res, warnings } = await warningsDuring(() =>
      app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', `reuse-${externalId}`).send({ amount: '5000.00', currency: 'UAH', customer_id: 'c1', external_id: externalId }),
    );
    expectRefused(res);
    const orderId = res.body.error.details.order_id as string;
    const order = await orderOf(app.http, orderId);
    expect(order).toMatchObject({ status: 'pending', gateway_invoice_id: null, payment_link: null, paid_at: null });
    expect(warnings.some((w) => w.includes(orderId) && w.includes(foreign.body.invoice_id) && /amount \(order 5000\.00, invoice 1\.00\)/.test(w))).toBe(true);

    // The retry with the same key reads the same invoice again: refused again, one timeline entry.
    const retry = await app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', `reuse-${externalId}`).send({ amount: '5000.00', currency: 'UAH', customer_id: 'c1', external_id: externalId });
    expectRefused(retry, orderId);
    const rejected = await rejections(app.http, orderId);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ from_status: 'pending', to_status: 'pending', data: { gateway_invoice_id: foreign.body.invoice_id, mismatch: { amount: { order: '5000.00', invoice: '1.00' } } } });
    expect((await eventsOf(app.http, orderId)).filter((e) => e.type === 'order.status_changed')).toEqual([]);
    expect(await mismatchMetric(app.http)).toBeGreaterThanOrEqual(metricBefore + 2);
    expect((await orderOf(app.http, orderId)).status).toBe('pending');
  });

  it("an external_id shaped like another order's invoice id, after one gateway 500: not paid with that invoice, whose own order still works", async () => {
    await sandboxWebhooks(app.http, false);
    const first = await createOrder(app.http, { amount: '1500.00' });
    await simulate(app.http, first.gateway_invoice_id, 'success').expect(200);
    await app.http.post(`/v1/orders/${first.id}/reconcile`).set(ops).expect(200);
    await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'create-invoice', mode: 'error', status: 500, times: 1 }).expect(201);

    const res = await app.http.post('/v1/orders').set(storefront).send({ amount: '9999.00', currency: 'UAH', customer_id: 'c2', external_id: first.gateway_invoice_id });
    expectRefused(res);
    const second = res.body.error.details.order_id as string;
    expect(await orderOf(app.http, second)).toMatchObject({ status: 'pending', gateway_invoice_id: null });

    // Reconcile (finishPending) reads the same invoice again: refused, nothing moves.
    expectRefused(await app.http.post(`/v1/orders/${second}/reconcile`).set(ops), second);
    expect(await rejections(app.http, second)).toHaveLength(1);
    expect((await rejections(app.http, second))[0]!.data).toMatchObject({ mismatch: { external_id: { order: first.gateway_invoice_id, invoice: first.external_id }, amount: { order: '9999.00', invoice: '1500.00' } } });

    // Cancel: the pending order is canceled here; the other order's invoice is left alone.
    const canceled = await app.http.post(`/v1/orders/${second}/cancel`).set(storefront).expect(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', gateway_invoice_id: null });
    const theirs = await app.http.get(`${SANDBOX}/api/v1/invoices/${first.gateway_invoice_id}`).set(key).expect(200);
    expect(theirs.body.data.status).toBe('success');

    // The first order's own callbacks still reach it (an adjustment of its payment).
    await sandboxWebhooks(app.http, true);
    await simulate(app.http, first.gateway_invoice_id, 'success', '1490.00').expect(200);
    const adjusted = await waitFor('adjusted', async () => {
      const o = await orderOf(app.http, first.id);
      return o.payment?.adjusted ? o : null;
    });
    expect(adjusted).toMatchObject({ status: 'paid', gateway_invoice_id: first.gateway_invoice_id });
    expect(await rejections(app.http, first.id)).toEqual([]);
  });

  it('the database refuses one gateway invoice on two orders of a provider', async () => {
    const a = await createOrder(app.http);
    const b = await createOrder(app.http);
    const ds = app.app.get(DataSource);
    await expect(ds.query(`UPDATE orders SET gateway_invoice_id = $1 WHERE id = $2`, [a.gateway_invoice_id, b.id])).rejects.toThrow(/duplicate key|unique/i);
    await ds.query(`UPDATE orders SET gateway_invoice_id = $1, provider = 'other' WHERE id = $2`, [a.gateway_invoice_id, b.id]);
  });
});

describe('invoice ownership, with a gateway that answers what the test says', () => {
  const live = liveAgainstFake();

  const create = (over: Record<string, unknown> = {}) =>
    live.app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'f1', ...over });

  it("a create answered with an invoice the gateway already had for other terms: 502, pending, the key not completed with it", async () => {
    const existing = live.fake.put({ external_id: `dup-${Date.now()}`, amount: '1.00', status: 'success' });
    live.fake.answer = (r) => (r.method === 'POST' && r.path === '/api/v1/create-invoice' ? [200, { successful: true, ...existing }] : undefined);
    const res = await create({ external_id: existing.external_id }).set('Idempotency-Key', `dup-${existing.external_id}`);
    expectRefused(res);
    const orderId = res.body.error.details.order_id as string;
    expect(await orderOf(live.app.http, orderId)).toMatchObject({ status: 'pending', gateway_invoice_id: null, paid_at: null });
    expect(await rejections(live.app.http, orderId)).toHaveLength(1);
  });

  it.each([
    ['amount', { amount: '1.00' }],
    ['currency', { currency: 'USD' }],
    ['external_id', { external_id: 'somebody-else' }],
  ])("a callback whose invoice reads back with another %s: the callback is failed for ops, the order does not move", async (field, over) => {
    const order = (await create().expect(201)).body;
    Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, over, { status: 'success', finished_at: new Date().toISOString() });
    await postCallback(live.app.http, JSON.stringify({ event_id: `${order.gateway_invoice_id}:success:${field}`, order_id: order.gateway_invoice_id, external_id: order.external_id, status: 'success' })).expect(200);
    const row = await waitFor('callback settled', async () => (await inbox(live.app.http, `&order_id=${order.id}`)).find((e) => e.status !== 'received'));
    expect(row).toMatchObject({ status: 'failed', outcome: { mismatch: [field] } });
    expect(await orderOf(live.app.http, order.id)).toMatchObject({ status: 'awaiting_payment', paid_at: null });
    expect((await rejections(live.app.http, order.id))[0]!.data).toMatchObject({ mismatch: { [field]: { invoice: Object.values(over)[0] } } });
  });

  it('reconcile of an order whose invoice reads back with another amount: 502, the order stays as it was', async () => {
    const order = (await create().expect(201)).body;
    Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, { amount: '15.00', status: 'success' });
    expectRefused(await live.app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops), order.id);
    expect((await orderOf(live.app.http, order.id)).status).toBe('awaiting_payment');
  });

  it("cancel of an order whose invoice reads back with another amount: 502, the invoice is not canceled at the gateway", async () => {
    const order = (await create().expect(201)).body;
    Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, { amount: '15.00' });
    expectRefused(await live.app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront), order.id);
    expect((await orderOf(live.app.http, order.id)).status).toBe('awaiting_payment');
    expect(live.fake.of('POST', `/api/v1/public/invoice/${order.gateway_invoice_id}/cancel`)).toEqual([]);
    expect(live.fake.invoices.get(order.gateway_invoice_id)!.status).toBe('pending');
  });

  it('amounts compare as decimals: an invoice that says 1500.0 (or 1500) is the order of 1500.00', async () => {
    for (const amount of ['1500.0', '1500']) {
      live.fake.answer = (r) => {
        if (r.method !== 'POST' || r.path !== '/api/v1/create-invoice') return undefined;
        const b = r.body as Record<string, string>;
        return [201, { successful: true, ...live.fake.put({ external_id: b.external_id, amount, currency: b.currency_code }) }];
      };
      const res = await create();
      expect([amount, res.status, res.body.status]).toEqual([amount, 201, 'awaiting_payment']);
    }
  });
});
