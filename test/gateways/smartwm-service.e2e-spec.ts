import { randomUUID } from 'node:crypto';
import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';
import { createOrderFor, deliver, GATEWAY_DRIVERS } from '../support/gateways';

jest.setTimeout(120_000);

const CONTROL = '/sandbox/smartwm/_control';

/**
 * SmartWM through the whole service: the order API with payment_method, the emulator mounted by
 * SMARTWM_MODE, the status_url ping at /v1/webhooks/smartwm/{order_id}?token=... (a trigger for a
 * signed status read, never more), the customer page for a pay_form, reconciliation.
 */
describe('SmartWM through the service (sandbox mode)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ SMARTWM_MODE: 'sandbox', SMARTWM_PAYMENT_METHODS: 'visamaster.uah,mpesa-congo.usd,orange_money-ci.xof,usdt_trc20' });
  }, 180_000);
  afterAll(() => app?.close());
  beforeEach(async () => {
    await app.http.delete(`${CONTROL}/faults`).expect(200);
    await app.http.put(`${CONTROL}/pings`).send({ enabled: true, delay_ms: 0, duplicate: false, retry_scale: 0.01 }).expect(200);
  });

  let seq = 0;
  const externalId = () => `swm-${Date.now().toString(36)}-${seq++}`;
  const order = (over: Record<string, unknown> = {}) =>
    app.http
      .post('/v1/orders')
      .set(storefront)
      .send({ amount: '5000.00', currency: 'UAH', customer_id: 'user_1', provider: 'smartwm', payment_method: 'visamaster.uah', external_id: externalId(), ...over });
  const requests = async (q: Record<string, string>) => (await app.http.get(`${CONTROL}/requests`).query(q).expect(200)).body.requests as Array<Record<string, any>>;
  const simulate = (tracking: string, body: Record<string, unknown>) => app.http.post(`${CONTROL}/invoices/${tracking}/simulate`).send(body).expect(200);
  const get = async (id: string) => (await app.http.get(`/v1/orders/${id}`).set(storefront).expect(200)).body;
  const events = async (id: string) => (await app.http.get(`/v1/orders/${id}/events`).set(ops).expect(200)).body.data as Array<Record<string, any>>;
  const statusUrlOf = async (extId: string) => JSON.parse((await requests({ endpoint: 'create', payment_id: extId }))[0]!.request).status_url as string;

  it('a card order: 201 with the customer page as payment_link; create carries payment_id = external_id and the order status_url with its token', async () => {
    const ext = externalId();
    const res = await order({ external_id: ext }).expect(201);
    expect(res.body).toMatchObject({ provider: 'smartwm', status: 'awaiting_payment', payment_method: 'visamaster.uah', currency: 'UAH', amount: '5000.00' });
    expect(res.body.payment_link).toBe(`${app.url}/pay/${res.body.id}`);
    expect(res.body.gateway_invoice_id).toMatch(/^[0-9A-F]{4}(-[0-9A-F]{4}){7}$/);
    const [create] = await requests({ endpoint: 'create', payment_id: ext });
    expect(create).toMatchObject({ signature_ok: true, http_status: 200 });
    const statusUrl = new URL(JSON.parse(create!.request).status_url);
    expect(`${statusUrl.origin}${statusUrl.pathname}`).toBe(`${app.url}/v1/webhooks/smartwm/${res.body.id}`);
    expect(statusUrl.searchParams.get('token')!.length).toBeGreaterThanOrEqual(32);
    // The token is stored only as a hash.
    expect(JSON.stringify(await get(res.body.id))).not.toContain(statusUrl.searchParams.get('token'));

    // The customer page submits the platform's signed form to its hosted page.
    const page = await app.http.get(`/pay/${res.body.id}`).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain(`action="${app.url}/sandbox/smartwm/pay/${res.body.gateway_invoice_id}"`);
    expect(page.text).toMatch(/name="SIGN" value="[A-Za-z0-9+/]{22}=="/);
    expect(page.text).toContain('document.getElementById(\'pay\').submit()');
  });

  it('mobile money: the platform pay_link is the payment_link', async () => {
    const res = await order({ currency: 'USD', amount: '25.00', payment_method: 'mpesa-congo.usd' }).expect(201);
    expect(res.body.payment_link).toBe(`${app.url}/sandbox/smartwm/pay/${res.body.gateway_invoice_id}`);
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['no payment_method', 'payment_method', { payment_method: undefined }],
    ['a method not enabled', 'payment_method', { payment_method: 'visamaster.usd', currency: 'USD' }],
    ['a currency other than the method settles in', 'currency', { currency: 'USD' }],
    ['a crypto method', 'payment_method', { payment_method: 'usdt_trc20', currency: 'USD' }],
  ])('%s: 400 naming %s, and nothing sent', async (_name, fieldName, over) => {
    const ext = externalId();
    const res = await order({ ...over, external_id: ext }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.body.error.details.fields)).toEqual([fieldName]);
    expect(await requests({ payment_id: ext })).toEqual([]);
  });

  it('GET /v1/payment-methods?provider=smartwm lists what is enabled (with an ISO currency); ?currency= filters', async () => {
    const all = (await app.http.get('/v1/payment-methods').query({ provider: 'smartwm' }).set(storefront).expect(200)).body.data;
    expect(all.map((m: { method_code: string }) => m.method_code)).toEqual(['visamaster.uah', 'mpesa-congo.usd', 'orange_money-ci.xof']);
    const usd = (await app.http.get('/v1/payment-methods').query({ provider: 'smartwm', currency: 'usd' }).set(storefront).expect(200)).body.data;
    expect(usd).toEqual([expect.objectContaining({ method_code: 'mpesa-congo.usd', name: 'M-Pesa Congo (USD)', currency: expect.objectContaining({ code: 'USD' }) })]);
    await app.http.get('/v1/payment-methods').query({ provider: 'nope' }).set(storefront).expect(400);
  });

  it('the ping is a trigger: PAYED at the platform → ping → signed status read → paid, with fee, accrual and the method used', async () => {
    const res = await order().expect(201);
    await simulate(res.body.gateway_invoice_id, { status: 'PAYED', method: 'visamaster.uah' });
    const paid = await waitFor('paid', async () => {
      const o = await get(res.body.id);
      return o.status === 'paid' ? o : null;
    });
    expect(paid.payment).toMatchObject({ method_code: 'visamaster.uah', fee: '100.00', accrual_amount: '4900.00', accrual_currency: 'UAH', adjusted: false });
    expect(paid.exception).toBeNull();
    const statusReads = await requests({ endpoint: 'status', tracking: res.body.gateway_invoice_id });
    expect(statusReads.length).toBeGreaterThanOrEqual(1);
    expect(statusReads.every((r) => r.signature_ok)).toBe(true);
    expect((await events(res.body.id)).map((e) => e.source)).toContain('webhook');
  });

  it('PAYED_RECALC: paid, exception adjusted, credited the recalculated accrual_amount', async () => {
    const res = await order().expect(201);
    await simulate(res.body.gateway_invoice_id, { status: 'PAYED_RECALC', accrual_amount: '3920.00', fee: '80.00' });
    const paid = await waitFor('paid', async () => {
      const o = await get(res.body.id);
      return o.status === 'paid' && o.exception ? o : null;
    });
    expect(paid).toMatchObject({ status: 'paid', exception: 'adjusted' });
    expect(paid.payment).toMatchObject({ accrual_amount: '3920.00', fee: '80.00', is_recalc: true, adjusted: true });
  });

  it('FAILED → failed; the test amount 2000 fails on the hosted page too', async () => {
    const res = await order({ amount: '2000.00', currency: 'USD', payment_method: 'mpesa-congo.usd' }).expect(201);
    const page = `/sandbox/smartwm/pay/${res.body.gateway_invoice_id}`;
    await app.http.post(`${page}/phone`).type('form').send({ phone: '+243810000000' });
    await app.http.post(`${page}/confirm`).type('form').send({});
    await waitFor('failed', async () => (await get(res.body.id)).status === 'failed');
  });

  it('a ping with a wrong token, without one, or for an unknown order: 401 INVALID_TOKEN and no status read at all', async () => {
    await app.http.put(`${CONTROL}/pings`).send({ enabled: false }).expect(200);
    const res = await order().expect(201);
    const statusUrl = new URL(await statusUrlOf(res.body.external_id));
    await simulate(res.body.gateway_invoice_id, { status: 'PAYED' });
    const before = (await requests({ endpoint: 'status' })).length;

    const wrong = await app.http.get(`/v1/webhooks/smartwm/${res.body.id}`).query({ token: 'not-the-token-0123456789abcdef0123456789' }).expect(401);
    expect(wrong.body.error.code).toBe('INVALID_TOKEN');
    await app.http.get(`/v1/webhooks/smartwm/${res.body.id}`).expect(401);
    await app.http.post(`/v1/webhooks/smartwm/${res.body.id}`).query({ token: 'x' }).expect(401);
    // The right token, another order's id: refused too.
    const other = await order().expect(201);
    await app.http.get(`/v1/webhooks/smartwm/${other.body.id}`).query({ token: statusUrl.searchParams.get('token') }).expect(401);
    await app.http.get(`/v1/webhooks/smartwm/${randomUUID()}`).query({ token: statusUrl.searchParams.get('token') }).expect(401);
    await app.http.get('/v1/webhooks/smartwm/not-an-order').query({ token: 'x' }).expect((r) => expect([400, 401]).toContain(r.status));

    await new Promise((r) => setTimeout(r, 1500));
    expect((await requests({ endpoint: 'status' })).length).toBe(before);
    expect((await get(res.body.id)).status).toBe('awaiting_payment');

    // The right one (any method) moves it, through a status read.
    await app.http.head(`${statusUrl.pathname}${statusUrl.search}`).expect(200);
    await waitFor('paid', async () => (await get(res.body.id)).status === 'paid');
    expect((await requests({ endpoint: 'status' })).length).toBeGreaterThan(before);
  });

  it('a tampered status answer leaves the order as it was (counted); a later read settles it', async () => {
    await app.http.put(`${CONTROL}/pings`).send({ enabled: false }).expect(200);
    const res = await order().expect(201);
    await simulate(res.body.gateway_invoice_id, { status: 'FAILED', error: 'Card declined' });
    const eventsBefore = (await events(res.body.id)).length;
    for (const tamper of ['body', 'signature', 'missing']) {
      await app.http.post(`${CONTROL}/faults`).send({ endpoint: 'status', mode: 'bad_signature', tamper, times: 1 }).expect(201);
      const r = await app.http.post(`/v1/orders/${res.body.id}/reconcile`).set(ops);
      expect([502, 503]).toContain(r.status);
      const o = await get(res.body.id);
      expect(o).toMatchObject({ status: 'awaiting_payment', payment: null });
      expect((await events(res.body.id)).length).toBe(eventsBefore);
    }
    const metrics = (await app.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/payments_gateway_calls_total\{gateway="smartwm",endpoint="status",outcome="invalid_signature"\} [3-9]/);
    const settled = await app.http.post(`/v1/orders/${res.body.id}/reconcile`).set(ops).expect(200);
    expect(settled.body.status).toBe('failed');
  });

  it('the ping answered with a tampered read: nothing moves until a read verifies', async () => {
    const res = await order().expect(201);
    await app.http.post(`${CONTROL}/faults`).send({ endpoint: 'status', mode: 'bad_signature', tamper: 'body' }).expect(201);
    await simulate(res.body.gateway_invoice_id, { status: 'CANCELED' });
    await waitFor('a tampered read', async () => (await requests({ endpoint: 'status', tracking: res.body.gateway_invoice_id })).some((r) => r.fault?.startsWith('bad_signature')));
    expect((await get(res.body.id)).status).toBe('awaiting_payment');
    await app.http.delete(`${CONTROL}/faults`).expect(200);
    await app.http.post(`/v1/orders/${res.body.id}/reconcile`).set(ops).expect(200);
    expect((await get(res.body.id)).status).toBe('canceled');
  });

  it('reconcile reads an open SmartWM order back (the ping may never come)', async () => {
    await app.http.put(`${CONTROL}/pings`).send({ enabled: false }).expect(200);
    const res = await order().expect(201);
    await simulate(res.body.gateway_invoice_id, { status: 'FINISHED' });
    const r = await app.http.post(`/v1/orders/${res.body.id}/reconcile`).set(ops).expect(200);
    expect(r.body).toMatchObject({ status: 'paid', payment: { method_code: 'visamaster.uah', accrual_amount: '4900.00' } });
  });

  it('the same external_id again is the same order (no second invoice at the platform)', async () => {
    const ext = externalId();
    const first = await order({ external_id: ext }).set('Idempotency-Key', `k-${ext}`).expect(201);
    const again = await order({ external_id: ext }).set('Idempotency-Key', `k-${ext}`).expect(201);
    expect(again.body.id).toBe(first.body.id);
    expect((await requests({ endpoint: 'create', payment_id: ext })).length).toBe(1);
  });

  it('the customer page of a final or unknown order says so', async () => {
    await app.http.get(`/pay/${randomUUID()}`).expect(404);
    await app.http.get('/pay/not-a-uuid').expect(404);
    const res = await order().expect(201);
    await simulate(res.body.gateway_invoice_id, { status: 'CANCELED' });
    await waitFor('canceled', async () => (await get(res.body.id)).status === 'canceled');
    await app.http.get(`/pay/${res.body.id}`).expect(409);
  });

  describe('its test driver (test/support/gateways/smartwm.ts), as the shared suites use it', () => {
    const driver = GATEWAY_DRIVERS.find((d) => d.name === 'smartwm')!;

    it('settle with pings muted, then the trusted ping: paid; the forged one: 401 INVALID_TOKEN', async () => {
      await driver.muteCallbacks(app.http, true);
      const o = await createOrderFor(app.http, driver);
      await driver.settle(app.http, o, 'success');
      const forged = await deliver(app.http, driver.forged(o, 'success')).expect(401);
      expect(forged.body.error.code).toBe(driver.rejectionCode);
      expect((await deliver(app.http, driver.callback(o, 'success')).expect(200)).body).toEqual({ received: true, duplicate: false });
      await waitFor('paid', async () => (await get(o.id)).status === 'paid');
      // Duplicates are one per order status: the order is paid now, so one more read, then duplicates.
      expect((await deliver(app.http, driver.callback(o, 'success')).expect(200)).body).toEqual({ received: true, duplicate: false });
      expect((await deliver(app.http, driver.callback(o, 'success')).expect(200)).body).toEqual({ received: true, duplicate: true });
    });

    it.each(['fail', 'cancel', 'expire'] as const)('settle %s', async (outcome) => {
      const o = await createOrderFor(app.http, driver);
      await driver.settle(app.http, o, outcome);
      await waitFor(outcome, async () => ['failed', 'canceled'].includes((await get(o.id)).status));
      expect((await get(o.id)).status).toBe(outcome === 'fail' ? 'failed' : 'canceled');
    });

    it('failReadBack makes the read-back fail until clearFaults', async () => {
      await driver.muteCallbacks(app.http, true);
      const o = await createOrderFor(app.http, driver);
      await driver.settle(app.http, o, 'success');
      await driver.failReadBack(app.http, 503);
      expect((await app.http.post(`/v1/orders/${o.id}/reconcile`).set(ops)).status).toBe(503);
      await driver.clearFaults(app.http);
      expect((await app.http.post(`/v1/orders/${o.id}/reconcile`).set(ops).expect(200)).body.status).toBe('paid');
    });
  });
});
