import { DataSource } from 'typeorm';
import { ops, startTestApp, storefront, TestApp } from '../support/app';
import { gatewayCreates, outcomes, secondCreates } from '../support/gateway-requests';
import { createOrderFor, driversEnv, GATEWAY_DRIVERS } from '../support/gateways';

const body = (over: Record<string, unknown> = {}) => ({ amount: '1500.00', currency: 'UAH', customer_id: 'user_12345', description: 'Premium subscription', ...over });
const CONTROL = '/sandbox/eccaex/_control';

describe('orders (storefront API against the sandbox gateway)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(driversEnv());
  });
  afterAll(async () => {
    await app?.close();
  });
  afterEach(async () => {
    await app.http.delete(`${CONTROL}/faults`);
    await app.http.delete(`${CONTROL}/webhooks`);
  });

  const create = (b: Record<string, unknown>, key?: string) => {
    const r = app.http.post('/v1/orders').set(storefront);
    return key ? r.set('Idempotency-Key', key).send(b) : r.send(b);
  };
  const fault = (f: Record<string, unknown>) => app.http.post(`${CONTROL}/faults`).send(f).expect((r) => expect(r.status).toBeLessThan(300));
  const sandboxInvoicesFor = async (externalId: string) => {
    const r = await app.http.get('/sandbox/eccaex/api/v1/invoices?per_page=500').set('X-Api-Key', app.settings.eccaex.apiKey);
    expect(r.status).toBe(200);
    return (r.body.data as Array<{ external_id: string }>).filter((i) => i.external_id === externalId);
  };
  /** What the service sent the gateway for the order: its invoice creates, and none after the invoice existed. */
  const createsSent = async (externalId: string) => {
    const creates = await gatewayCreates(app.http, externalId);
    expect(secondCreates(creates)).toEqual([]);
    return outcomes(creates);
  };
  const ONE_CREATE = ['answered 201 invoice'];
  const countOrders = async () => {
    const r = await app.http.get('/v1/orders?limit=200').set(ops).expect(200);
    return r.body.data.length as number;
  };

  // Every gateway (test/support/gateways): one order API whatever the gateway.
  describe.each(GATEWAY_DRIVERS.map((d) => [d.name, d] as const))('every gateway: %s', (_name, gw) => {
    it('create → 201 awaiting_payment with its link and invoice; the same by id and external_id; cancel → canceled', async () => {
      const order = await createOrderFor(app.http, gw, { external_id: `gw-${gw.name}-${Date.now()}` });
      expect(order).toMatchObject({ provider: gw.name, status: 'awaiting_payment' });
      expect(order.payment_link).toMatch(/^https?:\/\//);
      expect(order.gateway_invoice_id).toBeTruthy();
      const byId = (await app.http.get(`/v1/orders/${order.id}`).set(storefront).expect(200)).body;
      const byExternal = (await app.http.get(`/v1/orders/${order.external_id}`).set(storefront).expect(200)).body;
      expect(byExternal).toEqual(byId);
      const canceled = await app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront).expect(200);
      expect(canceled.body.status).toBe('canceled');
    });
  });

  it('a provider that is not a gateway of this service → 400 VALIDATION_FAILED naming provider, nothing saved', async () => {
    const before = await countOrders();
    for (const provider of ['paypal', 'ECCAEX', '']) {
      const r = await create(body({ provider }));
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { provider: expect.any(Array) } } });
    }
    expect(await countOrders()).toBe(before);
  });

  it('creates an order awaiting payment with a working payment link', async () => {
    const r = await create(body({ external_id: 'order-2026-0001', metadata: { cart: '42' } }), 'k-create-1');
    expect(r.status).toBe(201);
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(r.body).toMatchObject({
      external_id: 'order-2026-0001', provider: 'eccaex', status: 'awaiting_payment', amount: '1500.00', currency: 'UAH',
      customer_id: 'user_12345', description: 'Premium subscription', metadata: { cart: '42' }, payment: null, paid_at: null,
    });
    expect(r.body.gateway_invoice_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.expires_at).toMatch(/Z$/);
    const link = new URL(r.body.payment_link);
    const page = await app.http.get(link.pathname);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('1,500.00');
    const byExternal = await app.http.get('/v1/orders/order-2026-0001').set(storefront).expect(200);
    expect(byExternal.body.id).toBe(r.body.id);
    const byId = await app.http.get(`/v1/orders/${r.body.id}`).set(ops).expect(200);
    expect(byId.body).toEqual(byExternal.body);
    const events = await app.http.get(`/v1/orders/${r.body.id}/events`).set(ops).expect(200);
    expect(events.body.data.map((e: { to_status: string }) => e.to_status)).toEqual(['pending', 'awaiting_payment']);
    expect(events.body.data.every((e: { source: string }) => e.source === 'api')).toBe(true);
    expect(await createsSent('order-2026-0001')).toEqual(ONE_CREATE);
  });

  it('generates an external_id when none is given', async () => {
    const r = await create(body()).expect(201);
    expect(r.body.external_id).toMatch(/^ord_/);
    expect(await sandboxInvoicesFor(r.body.external_id)).toHaveLength(1);
    expect(await createsSent(r.body.external_id)).toEqual(ONE_CREATE);
  });

  describe('Idempotency-Key', () => {
    it('replays the first reply for the same key and body', async () => {
      const first = await create(body({ customer_id: 'idem-1' }), 'idem-replay').expect(201);
      const again = await create(body({ customer_id: 'idem-1' }), 'idem-replay');
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(await sandboxInvoicesFor(first.body.external_id)).toHaveLength(1);
      expect(await createsSent(first.body.external_id)).toEqual(ONE_CREATE);
    });

    it('treats the same body with keys in another order as the same request', async () => {
      const b = body({ customer_id: 'idem-order' });
      const first = await create(b, 'idem-keyorder').expect(201);
      const reversed = Object.fromEntries(Object.entries(b).reverse());
      const again = await create(reversed, 'idem-keyorder').expect(201);
      expect(again.body.id).toBe(first.body.id);
    });

    it('refuses the same key with another body (422)', async () => {
      await create(body({ customer_id: 'idem-2' }), 'idem-other').expect(201);
      const r = await create(body({ customer_id: 'idem-2', amount: '10.00' }), 'idem-other');
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(r.body.request_id).toBe(r.headers['x-request-id']);
    });

    it('answers 409 while the first call is still running', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'delay', delay_ms: 1200, times: 1 });
      const first = create(body({ customer_id: 'idem-3' }), 'idem-inflight').then((r) => r);
      await new Promise((r) => setTimeout(r, 400));
      const second = await create(body({ customer_id: 'idem-3' }), 'idem-inflight');
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
      const done = await first;
      expect(done.status).toBe(201);
      const third = await create(body({ customer_id: 'idem-3' }), 'idem-inflight').expect(201);
      expect(third.body.id).toBe(done.body.id);
      expect(await createsSent(done.body.external_id)).toEqual(ONE_CREATE);
    });

    it('scopes keys to the calling API key', async () => {
      const a = await create(body({ customer_id: 'scope' }), 'idem-scope').expect(201);
      const b = await app.http.post('/v1/orders').set(ops).set('Idempotency-Key', 'idem-scope').send(body({ customer_id: 'scope' })).expect(201);
      expect(b.body.id).not.toBe(a.body.id);
    });

    it('a new key whose external_id is taken: 409, replayed as 409, and the key names no order', async () => {
      const first = await create(body({ external_id: 'dup-idem' }), 'idem-dup-a').expect(201);
      const r = await create(body({ external_id: 'dup-idem', customer_id: 'other' }), 'idem-dup-b');
      expect([r.status, r.body.error.code, r.body.error.details.order_id]).toEqual([409, 'DUPLICATE_EXTERNAL_ID', first.body.id]);
      const again = await create(body({ external_id: 'dup-idem', customer_id: 'other' }), 'idem-dup-b');
      expect([again.status, again.body.error]).toEqual([409, r.body.error]);
      const keys = await app.app.get(DataSource).query(`SELECT key, state, order_id FROM idempotency_keys WHERE key IN ('idem-dup-a', 'idem-dup-b') ORDER BY key`);
      expect(keys).toEqual([
        { key: 'idem-dup-a', state: 'done', order_id: first.body.id },
        { key: 'idem-dup-b', state: 'done', order_id: null },
      ]);
      expect(await sandboxInvoicesFor('dup-idem')).toHaveLength(1);
      expect(await createsSent('dup-idem')).toEqual(ONE_CREATE);
    });

    it('ten concurrent calls with one new key make one order; the others are told it is in progress or get its reply', async () => {
      const replies = await Promise.all(Array.from({ length: 10 }, () => create(body({ customer_id: 'idem-race' }), 'idem-race')));
      const created = replies.filter((r) => r.status === 201);
      expect(replies.every((r) => r.status === 201 || (r.status === 409 && r.body.error.code === 'IDEMPOTENCY_IN_PROGRESS'))).toBe(true);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      const rows = await app.app.get(DataSource).query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = 'idem-race'`);
      expect(rows[0].n).toBe(1);
      expect(await createsSent(created[0]!.body.external_id)).toEqual(ONE_CREATE);
    });

    it('rejects an over-long key', async () => {
      const r = await create(body(), 'x'.repeat(256));
      expect(r.status).toBe(400);
      expect(r.body.error.details.fields).toHaveProperty('Idempotency-Key');
    });
  });

  it('refuses a duplicate external_id and names the existing order (409)', async () => {
    const first = await create(body({ external_id: 'dup-1' })).expect(201);
    const r = await create(body({ external_id: 'dup-1', amount: '20.00' }));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'DUPLICATE_EXTERNAL_ID', details: { order_id: first.body.id } });
    expect(await sandboxInvoicesFor('dup-1')).toHaveLength(1);
    expect(await createsSent('dup-1')).toEqual(ONE_CREATE);
  });

  describe('validation: each rule of the create body, and no row written', () => {
    const long = (n: number) => 'a'.repeat(n);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['amount missing', { amount: undefined }, 'amount'],
      ['amount as a number', { amount: 1500 }, 'amount'],
      ['amount without decimals', { amount: '1500' }, 'amount'],
      ['amount with three decimals', { amount: '1500.000' }, 'amount'],
      ['amount zero', { amount: '0.00' }, 'amount'],
      ['amount negative', { amount: '-1.00' }, 'amount'],
      ['amount over 12 integer digits', { amount: '1234567890123.00' }, 'amount'],
      ['currency lowercase', { currency: 'uah' }, 'currency'],
      ['currency two letters', { currency: 'UA' }, 'currency'],
      ['currency missing', { currency: undefined }, 'currency'],
      ['customer_id missing', { customer_id: undefined }, 'customer_id'],
      ['customer_id empty', { customer_id: '' }, 'customer_id'],
      ['customer_id too long', { customer_id: long(129) }, 'customer_id'],
      ['external_id with a space', { external_id: 'a b' }, 'external_id'],
      ['external_id too long', { external_id: long(129) }, 'external_id'],
      ['external_id empty', { external_id: '' }, 'external_id'],
      ['description too long', { description: long(513) }, 'description'],
      ['success_url not http', { success_url: 'ftp://shop.example/x' }, 'success_url'],
      ['success_url relative', { success_url: '/payment/success' }, 'success_url'],
      ['fail_url with credentials', { fail_url: 'https://user:pw@shop.example/f' }, 'fail_url'],
      ['metadata an array', { metadata: ['a'] }, 'metadata'],
      ['metadata with a number value', { metadata: { a: 1 } }, 'metadata'],
      ['metadata value too long', { metadata: { a: long(501) } }, 'metadata'],
      ['metadata with 51 keys', { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      ['unknown provider', { provider: 'paypal' }, 'provider'],
      ['unknown field', { colour: 'red' }, 'colour'],
      ['currency not enabled at the gateway', { currency: 'XYZ' }, 'currency'],
    ];
    it.each(cases)('%s → 400 VALIDATION_FAILED naming the field', async (_name, over, field) => {
      const before = await countOrders();
      const r = await create(body(over));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(r.body.error.details.fields)).toContain(field);
      expect(await countOrders()).toBe(before);
    });

    // Section 3 of the contract knows one 400 for a create, VALIDATION_FAILED; details.fields.body says what is wrong.
    it.each([
      ['an array', '[]'],
      ['a string', '"order"'],
      ['not JSON', '{"amount":'],
      ['empty', ''],
    ])('a body that is %s → 400 VALIDATION_FAILED naming the body, in the envelope', async (_n, raw) => {
      const before = await countOrders();
      const r = await app.http.post('/v1/orders').set(storefront).set('Content-Type', 'application/json').send(raw);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.details.fields.body).toEqual([expect.any(String)]);
      expect(typeof r.body.request_id).toBe('string');
      expect(await countOrders()).toBe(before);
    });
  });

  describe('authentication', () => {
    it('401 without a key or with an unknown key', async () => {
      for (const headers of [{}, { Authorization: 'Bearer nope-nope-nope-nope' }, { Authorization: 'Basic abc' }]) {
        const r = await app.http.post('/v1/orders').set(headers).send(body());
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('UNAUTHENTICATED');
      }
      await app.http.get('/v1/orders/whatever').expect(401);
      await app.http.get('/v1/currencies').expect(401);
    });

    it('403 for a storefront key on ops routes; ops keys may call storefront routes', async () => {
      for (const path of ['/v1/orders', '/v1/webhook-events']) {
        const r = await app.http.get(path).set(storefront);
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('FORBIDDEN');
      }
      await app.http.get('/v1/currencies').set(ops).expect(200);
    });
  });

  describe('gateway trouble on create', () => {
    it('gateway down: 503 with the pending order named; a retry with the same key finishes it, one invoice', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'error', status: 503, times: 1 });
      const b = body({ external_id: 'down-1' });
      const r = await create(b, 'down-key');
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('GATEWAY_UNAVAILABLE');
      const orderId = r.body.error.details.order_id;
      const pending = await app.http.get(`/v1/orders/${orderId}`).set(storefront).expect(200);
      expect(pending.body.status).toBe('pending');
      expect(await sandboxInvoicesFor('down-1')).toHaveLength(0);
      const retry = await create(b, 'down-key');
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({ id: orderId, status: 'awaiting_payment' });
      expect(await sandboxInvoicesFor('down-1')).toHaveLength(1);
      expect(await createsSent('down-1')).toEqual(['refused 503', 'answered 201 invoice']);
    });

    // A 5xx is unclear (the gateway may have done the work): unavailable, not a refusal.
    it('gateway 500: 503 GATEWAY_UNAVAILABLE, order kept pending; the retry looks first, then creates once', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'error', status: 500, times: 1 });
      const r = await create(body({ external_id: 'err-1' }), 'err-key');
      expect([r.status, r.body.error.code]).toEqual([503, 'GATEWAY_UNAVAILABLE']);
      const orderId = r.body.error.details.order_id;
      expect((await app.http.get(`/v1/orders/${orderId}`).set(storefront).expect(200)).body.status).toBe('pending');
      const retry = await create(body({ external_id: 'err-1' }), 'err-key').expect(201);
      expect(retry.body).toMatchObject({ id: orderId, status: 'awaiting_payment' });
      expect(await sandboxInvoicesFor('err-1')).toHaveLength(1);
      expect(await createsSent('err-1')).toEqual(['refused 500', 'answered 201 invoice']);
    });

    it.each([400, 422])('gateway refuses the create (%i): 502 GATEWAY_ERROR with its code, order kept pending, no invoice', async (status) => {
      const externalId = `refused-${status}`;
      await fault({ endpoint: 'create-invoice', mode: 'error', status, times: 1 });
      const r = await create(body({ external_id: externalId }), `refused-key-${status}`);
      expect([r.status, r.body.error.code]).toEqual([502, 'GATEWAY_ERROR']);
      expect(r.body.error.details).toMatchObject({ gateway: 'eccaex', gateway_code: status === 422 ? 'VALIDATION_ERROR' : 'BAD_REQUEST' });
      const orderId = r.body.error.details.order_id;
      expect((await app.http.get(`/v1/orders/${orderId}`).set(storefront).expect(200)).body).toMatchObject({ status: 'pending', gateway_invoice_id: null });
      expect(await sandboxInvoicesFor(externalId)).toHaveLength(0);
      expect(await createsSent(externalId)).toEqual([`refused ${status}`]);
    });

    it('gateway timeout after doing the work: order kept pending, the retry finds the invoice instead of making a second', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'timeout_after_work', times: 1 });
      await fault({ endpoint: 'get-invoice', mode: 'error', status: 503, times: 3 });
      const b = body({ external_id: 'timeout-1' });
      const r = await create(b, 'timeout-key');
      expect(r.status).toBe(503);
      const orderId = r.body.error.details.order_id;
      expect((await app.http.get(`/v1/orders/${orderId}`).set(storefront)).body.status).toBe('pending');
      expect(await sandboxInvoicesFor('timeout-1')).toHaveLength(1);
      const retry = await create(b, 'timeout-key').expect(201);
      expect(retry.body).toMatchObject({ id: orderId, status: 'awaiting_payment' });
      expect(await sandboxInvoicesFor('timeout-1')).toHaveLength(1);
      expect(await createsSent('timeout-1')).toEqual(['no_answer - invoice']);
    });

    it('a timeout whose lookup succeeds completes in the same call', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'timeout_after_work', times: 1 });
      const r = await create(body({ external_id: 'timeout-2' }));
      expect(r.status).toBe(201);
      expect(r.body.status).toBe('awaiting_payment');
      expect(await sandboxInvoicesFor('timeout-2')).toHaveLength(1);
      expect(await createsSent('timeout-2')).toEqual(['no_answer - invoice']);
    });
  });

  describe('cancel', () => {
    it('cancels an unpaid order, at the gateway too; a second cancel is 409', async () => {
      const o = await create(body({ external_id: 'cancel-1' })).expect(201);
      const r = await app.http.post(`/v1/orders/${o.body.id}/cancel`).set(storefront);
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('canceled');
      const inv = await app.http.get('/sandbox/eccaex/api/v1/invoices/cancel-1').set('X-Api-Key', app.settings.eccaex.apiKey).expect(200);
      expect(inv.body.data.status).toBe('canceled');
      const again = await app.http.post('/v1/orders/cancel-1/cancel').set(storefront);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('ORDER_NOT_CANCELABLE');
    });

    it('reads the gateway first: an invoice already paid there makes cancel 409 and the order paid', async () => {
      const o = await create(body({ external_id: 'cancel-paid' })).expect(201);
      // The customer paid, but the callback has not arrived yet.
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      await app.http.post(`/sandbox/eccaex/api/v1/sandbox/invoices/${o.body.gateway_invoice_id}/simulate`).send({ outcome: 'success' }).expect(200);
      expect((await app.http.get(`/v1/orders/${o.body.id}`).set(storefront).expect(200)).body.status).toBe('awaiting_payment');
      const r = await app.http.post(`/v1/orders/${o.body.id}/cancel`).set(storefront);
      expect([r.status, r.body.error?.code, r.body.error?.details.status]).toEqual([409, 'ORDER_NOT_CANCELABLE', 'paid']);
      expect((await app.http.get(`/v1/orders/${o.body.id}`).set(storefront).expect(200)).body).toMatchObject({ status: 'paid', paid_at: expect.any(String) });
      const events = (await app.http.get(`/v1/orders/${o.body.id}/events`).set(ops).expect(200)).body.data as Array<{ to_status: string }>;
      expect(events.map((e) => e.to_status)).toEqual(['pending', 'awaiting_payment', 'paid']);
      const inv = await app.http.get('/sandbox/eccaex/api/v1/invoices/cancel-paid').set('X-Api-Key', app.settings.eccaex.apiKey).expect(200);
      expect(inv.body.data.status).toBe('success');
    });

    it('a client that labels every POST as JSON: cancel and reconcile with an empty body work as without one', async () => {
      const o = await create(body({ external_id: 'cancel-empty-json' })).expect(201);
      const rec = await app.http.post(`/v1/orders/${o.body.id}/reconcile`).set(ops).set('Content-Type', 'application/json');
      expect([rec.status, rec.body.status]).toEqual([200, 'awaiting_payment']);
      const r = await app.http.post(`/v1/orders/${o.body.id}/cancel`).set(storefront).set('Content-Type', 'application/json');
      expect([r.status, r.body.status]).toEqual([200, 'canceled']);
    });

    it('404 for an unknown order', async () => {
      const r = await app.http.post('/v1/orders/no-such-order/cancel').set(storefront);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('ORDER_NOT_FOUND');
    });
  });

  describe('catalogue', () => {
    it('lists currencies with rates and payment methods with the commission split', async () => {
      const c = await app.http.get('/v1/currencies').set(storefront).expect(200);
      const uah = c.body.data.find((x: { currency: string }) => x.currency === 'UAH');
      expect(uah).toMatchObject({ currency: 'UAH', decimal: 2 });
      expect(uah.rate).toMatch(/^\d+\.\d{2}$/);
      const m = await app.http.get('/v1/payment-methods?currency=uah').set(storefront).expect(200);
      expect(m.body.data.length).toBeGreaterThan(0);
      for (const method of m.body.data) {
        expect(method.currency.code).toBe('UAH');
        expect(method).toHaveProperty('client_commission');
        expect(method).toHaveProperty('merchant_commission');
      }
      const bad = await app.http.get('/v1/payment-methods?currency=U1').set(storefront);
      expect(bad.status).toBe(400);
    });
  });

  it('lists orders for ops, newest first, with a cursor', async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) await create(body({ external_id: id, customer_id: 'lister' })).expect(201);
    const p1 = await app.http.get('/v1/orders?customer_id=lister&limit=2').set(ops).expect(200);
    expect(p1.body.data.map((o: { external_id: string }) => o.external_id)).toEqual(['list-c', 'list-b']);
    expect(p1.body.next_cursor).toBeTruthy();
    const p2 = await app.http.get(`/v1/orders?customer_id=lister&limit=2&cursor=${p1.body.next_cursor}`).set(ops).expect(200);
    expect(p2.body.data.map((o: { external_id: string }) => o.external_id)).toEqual(['list-a']);
    expect(p2.body.next_cursor).toBeNull();
    const awaiting = await app.http.get('/v1/orders?status=awaiting_payment&customer_id=lister').set(ops).expect(200);
    expect(awaiting.body.data).toHaveLength(3);
    await app.http.get('/v1/orders?status=nope').set(ops).expect(400);
    await app.http.get('/v1/orders?limit=201').set(ops).expect(400);
    await app.http.get('/v1/orders?cursor=garbage').set(ops).expect(400);
  });

  it('keeps orders across a restart of the service on the same database', async () => {
    const o = await create(body({ external_id: 'survivor-1' })).expect(201);
    const database = app.database;
    await app.stop();
    app = await startTestApp({}, database);
    const r = await app.http.get('/v1/orders/survivor-1').set(storefront).expect(200);
    expect(r.body).toMatchObject({ id: o.body.id, status: 'awaiting_payment', gateway_invoice_id: o.body.gateway_invoice_id });
  });
});
