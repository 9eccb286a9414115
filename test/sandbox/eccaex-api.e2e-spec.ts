import Decimal from 'decimal.js';
import { startTestApp, TestApp } from '../support/app';
import { API, CONTROL, DOC_EXAMPLE, expectEnvelope, invoiceBody, PAY, TS, UUID } from './helpers';

jest.setTimeout(60_000);

/** The emulated EccaEx merchant and public API, simulate, and the hosted payment page. */
describe('EccaEx sandbox: merchant API, public endpoints, simulate, hosted page', () => {
  let app: TestApp;
  let key: Record<string, string>;

  beforeAll(async () => {
    app = await startTestApp();
    key = { 'X-Api-Key': app.settings.eccaex.apiKey };
  });
  afterAll(async () => {
    await app?.close();
  });

  const create = async (over: Record<string, unknown> = {}) => {
    const r = await app.http.post(`${API}/create-invoice`).set(key).send(invoiceBody(over));
    expect(r.status).toBe(201);
    return r.body as Record<string, any>;
  };
  const get = async (ref: string) => (await app.http.get(`${API}/invoices/${encodeURIComponent(ref)}`).set(key).expect(200)).body.data as Record<string, any>;
  const simulate = (ref: string, body: Record<string, unknown>) => app.http.post(`${API}/sandbox/invoices/${encodeURIComponent(ref)}/simulate`).send(body);

  describe('authentication (X-Api-Key)', () => {
    const routes = ['/invoices', '/invoices/x', '/invoices/x/webhooks', '/payment-methods', '/currencies', '/withdrawals', '/withdrawals/x'];

    it.each(routes)('GET %s without a key → 401 API_KEY_MISSING in the EccaEx envelope', async (path) => {
      const r = await app.http.get(`${API}${path}`);
      expect(r.status).toBe(401);
      expectEnvelope(r.body, 'API_KEY_MISSING');
      expect(r.body.request_id).toBe(r.headers['x-request-id']);
    });

    it('an empty key is missing; POST routes are guarded too', async () => {
      expectEnvelope((await app.http.get(`${API}/currencies`).set('X-Api-Key', '').expect(401)).body, 'API_KEY_MISSING');
      expectEnvelope((await app.http.post(`${API}/create-invoice`).send(invoiceBody()).expect(401)).body, 'API_KEY_MISSING');
      expectEnvelope((await app.http.post(`${API}/invoices/x/webhooks/resend`).expect(401)).body, 'API_KEY_MISSING');
    });

    it('another key → 403 API_KEY_INVALID', async () => {
      const r = await app.http.get(`${API}/currencies`).set('X-Api-Key', 'not-the-key');
      expect(r.status).toBe(403);
      expectEnvelope(r.body, 'API_KEY_INVALID');
      expect(r.body.error.message).toBe('Invalid or inactive API key');
      expect((await app.http.post(`${API}/create-invoice`).set('X-Api-Key', 'nope').send(invoiceBody())).status).toBe(403);
    });

    it('framework errors under the prefix keep the EccaEx envelope (bad JSON, unknown route)', async () => {
      const bad = await app.http.post(`${API}/create-invoice`).set(key).set('Content-Type', 'application/json').send('{"amount":');
      expect(bad.status).toBe(400);
      expectEnvelope(bad.body, 'BAD_REQUEST');
      const unknown = await app.http.get(`${API}/no-such-endpoint`).set(key);
      expect(unknown.status).toBe(404);
      expectEnvelope(unknown.body, 'NOT_FOUND');
    });
  });

  describe('POST /create-invoice', () => {
    it('answers the documented example request (the create-invoice example, sent as is) with the documented fields', async () => {
      const before = Date.now();
      const r = await app.http.post(`${API}/create-invoice`).set(key).set('Content-Type', 'application/json').send(DOC_EXAMPLE);
      expect(r.status).toBe(201);
      const inv = r.body;
      expect(inv).toMatchObject({
        successful: true,
        external_id: 'order-2026-0001',
        amount: '1500.00',
        currency: 'UAH',
        status: 'pending',
        customer_id: 'user_12345',
        purpose: 'Premium subscription',
        callback_url: 'https://yoursite.com/webhooks/payment',
        success_url: 'https://yoursite.com/payment/success',
        fail_url: 'https://yoursite.com/payment/failed',
        finished_at: null,
        method_selected: false,
        deal: null,
      });
      expect(inv.invoice_id).toMatch(UUID);
      expect(inv.payment_link).toBe(`${app.settings.publicBaseUrl}/sandbox/eccaex/pay/${inv.invoice_id}`);
      expect(inv.created_at).toMatch(TS);
      expect(inv.expires_at).toMatch(TS);
      // default TTL: 20 min, as in the docs' example
      expect(Date.parse(inv.expires_at) - Date.parse(inv.created_at)).toBe(1200_000);
      expect(Date.parse(inv.created_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      // the same invoice reads back (data wrapper on GET)
      const back = await get(inv.invoice_id);
      const { successful: _s, ...fields } = inv;
      expect(back).toEqual(fields);
    });

    it.each([
      ['amount missing', { amount: undefined }, 'amount'],
      ['amount as a JSON number', { amount: 1500 }, 'amount'],
      ['amount with 3 decimals', { amount: '1500.001' }, 'amount'],
      ['negative amount', { amount: '-5.00' }, 'amount'],
      ['zero amount', { amount: '0.00' }, 'amount'],
      ['amount not a number', { amount: 'abc' }, 'amount'],
      ['amount too large', { amount: '1234567890123.00' }, 'amount'],
      ['currency_code missing', { currency_code: undefined }, 'currency_code'],
      ['currency_code lowercase', { currency_code: 'uah' }, 'currency_code'],
      ['currency_code 4 letters', { currency_code: 'UAHX' }, 'currency_code'],
      ['currency_code not enabled', { currency_code: 'XYZ' }, 'currency_code'],
      ['customer_id missing', { customer_id: undefined }, 'customer_id'],
      ['customer_id over 128', { customer_id: 'c'.repeat(129) }, 'customer_id'],
      ['external_id missing', { external_id: undefined }, 'external_id'],
      ['external_id over 128', { external_id: 'e'.repeat(129) }, 'external_id'],
      ['external_id not a string', { external_id: 42 }, 'external_id'],
      ['purpose over 512', { purpose: 'p'.repeat(513) }, 'purpose'],
      ['callback_url not http(s)', { callback_url: 'ftp://yoursite.com/hook' }, 'callback_url'],
      ['success_url not a URL', { success_url: 'payment/success' }, 'success_url'],
      ['fail_url with credentials', { fail_url: 'https://u:p@yoursite.com/f' }, 'fail_url'],
    ])('%s → 422 VALIDATION_ERROR naming the field', async (_name, over, field) => {
      const body = invoiceBody(over);
      for (const [k, v] of Object.entries(over)) if (v === undefined) delete body[k];
      const r = await app.http.post(`${API}/create-invoice`).set(key).send(body);
      expect(r.status).toBe(422);
      expectEnvelope(r.body, 'VALIDATION_ERROR');
      expect(Object.keys(r.body.error.details.fields)).toEqual([field]);
    });

    it('lists every bad field at once; a non-object body is refused', async () => {
      const r = await app.http.post(`${API}/create-invoice`).set(key).send({ amount: '1.001', currency_code: 'x' });
      expect(r.status).toBe(422);
      expect(Object.keys(r.body.error.details.fields).sort()).toEqual(['amount', 'currency_code', 'customer_id', 'external_id']);
      const arr = await app.http.post(`${API}/create-invoice`).set(key).send([1, 2]);
      expect(arr.status).toBe(422);
      expectEnvelope(arr.body, 'VALIDATION_ERROR');
    });

    it('accepts 0–2 decimals and answers with two; boundaries 128 / 512 pass', async () => {
      const a = await create({ amount: '1500', external_id: 'x'.repeat(128), customer_id: 'c'.repeat(128), purpose: 'p'.repeat(512) });
      expect(a.amount).toBe('1500.00');
      expect((await create({ amount: '99.5' })).amount).toBe('99.50');
    });

    it('URLs missing without merchant defaults → 422 MISSING_REQUIRED_URLS', async () => {
      const body = invoiceBody();
      delete body.callback_url;
      delete body.fail_url;
      const r = await app.http.post(`${API}/create-invoice`).set(key).send(body);
      expect(r.status).toBe(422);
      expectEnvelope(r.body, 'MISSING_REQUIRED_URLS');
      expect(r.body.error.details.missing).toEqual(['callback_url', 'fail_url']);
    });

    it('a duplicate external_id → 409 DUPLICATE_EXTERNAL_ID naming the existing invoice', async () => {
      const first = await create({ external_id: 'dup-1' });
      const r = await app.http.post(`${API}/create-invoice`).set(key).send(invoiceBody({ external_id: 'dup-1', amount: '10.00' }));
      expect(r.status).toBe(409);
      expectEnvelope(r.body, 'DUPLICATE_EXTERNAL_ID');
      expect(r.body.error.details.invoice_id).toBe(first.invoice_id);
      expect((await get('dup-1')).amount).toBe('1500.00');
    });
  });

  describe('GET /invoices and /invoices/{invoice_ref}', () => {
    it('finds by order_id (UUID) first, then by external_id', async () => {
      const a = await create();
      const b = await create({ external_id: a.invoice_id });
      expect((await get(a.invoice_id)).invoice_id).toBe(a.invoice_id);
      expect((await get(a.external_id)).invoice_id).toBe(a.invoice_id);
      expect(b.external_id).toBe(a.invoice_id);
    });

    it('an unknown ref → 404 INVOICE_NOT_FOUND', async () => {
      for (const ref of ['7d0c7e9e-55a1-4f0e-9a58-2b1a3c4d5e6f', 'no-such-order']) {
        const r = await app.http.get(`${API}/invoices/${ref}`).set(key);
        expect(r.status).toBe(404);
        expectEnvelope(r.body, 'INVOICE_NOT_FOUND');
      }
    });

    it('paginates with page / per_page / total / total_pages, filters by status and currency, orders by created_at', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await create({ currency_code: 'KZT', amount: `${2000 + i}.00` })).invoice_id);
        await new Promise((r) => setTimeout(r, 5));
      }
      await simulate(ids[1]!, { outcome: 'fail' }).expect(200);
      const page1 = await app.http.get(`${API}/invoices?currency=kzt&per_page=2&page=1`).set(key).expect(200);
      expect(page1.body).toMatchObject({ successful: true, page: 1, per_page: 2, total: 5, total_pages: 3 });
      expect(page1.body.data.map((i: any) => i.invoice_id)).toEqual([ids[4], ids[3]]);
      const page3 = await app.http.get(`${API}/invoices?currency=KZT&per_page=2&page=3`).set(key).expect(200);
      expect(page3.body.data.map((i: any) => i.invoice_id)).toEqual([ids[0]]);
      const asc = await app.http.get(`${API}/invoices?currency=KZT&order=asc`).set(key).expect(200);
      expect(asc.body.per_page).toBe(20);
      expect(asc.body.data.map((i: any) => i.invoice_id)).toEqual(ids);
      const failed = await app.http.get(`${API}/invoices?currency=KZT&status=fail`).set(key).expect(200);
      expect(failed.body.total).toBe(1);
      expect(failed.body.data[0]).toMatchObject({ invoice_id: ids[1], status: 'fail', method_selected: true });
      const beyond = await app.http.get(`${API}/invoices?currency=KZT&page=9`).set(key).expect(200);
      expect(beyond.body).toMatchObject({ data: [], page: 9, total: 5, total_pages: 1 });
      const pending = await app.http.get(`${API}/invoices?status=pending&per_page=500`).set(key).expect(200);
      expect(pending.body.data.every((i: any) => i.status === 'pending' && i.deal === null)).toBe(true);
    });

    it.each(['page=0', 'page=x', 'per_page=0', 'per_page=501', 'order=newest', 'status=paid', 'currency=EURO'])('invalid query %s → 422 VALIDATION_ERROR', async (q) => {
      const r = await app.http.get(`${API}/invoices?${q}`).set(key);
      expect(r.status).toBe(422);
      expectEnvelope(r.body, 'VALIDATION_ERROR');
      expect(Object.keys(r.body.error.details.fields)).toEqual([q.split('=')[0]]);
    });

    it('the webhook history of an invoice without events is empty, not 404', async () => {
      const inv = await create();
      const r = await app.http.get(`${API}/invoices/${inv.external_id}/webhooks`).set(key).expect(200);
      expect(r.body).toEqual({ successful: true, invoice_id: inv.invoice_id, external_id: inv.external_id, events_count: 0, events: [] });
      expectEnvelope((await app.http.get(`${API}/invoices/nope/webhooks`).set(key).expect(404)).body, 'INVOICE_NOT_FOUND');
    });
  });

  describe('catalogue', () => {
    it('GET /payment-methods: the documented fields; currency filter is case-insensitive', async () => {
      const uah = await app.http.get(`${API}/payment-methods?currency=uah`).set(key).expect(200);
      expect(uah.body).toEqual({
        successful: true,
        data: [
          {
            name: 'Monobank UA',
            method_code: 'monobank',
            min_sum: '1.00',
            max_sum: '10000.00',
            logo_url: null,
            payment_time: 15,
            currency: { code: 'UAH', name: 'Ukrainian Hryvnia', symbol: '₴' },
            max_commission: '2.50',
            client_commission: '2.50',
            merchant_commission: '0.00',
          },
          {
            name: 'PrivatBank UA',
            method_code: 'privatbank',
            min_sum: '1.00',
            max_sum: '15000.00',
            logo_url: null,
            payment_time: 15,
            currency: { code: 'UAH', name: 'Ukrainian Hryvnia', symbol: '₴' },
            max_commission: '2.50',
            client_commission: '1.00',
            merchant_commission: '1.50',
          },
        ],
      });
      const all = await app.http.get(`${API}/payment-methods`).set(key).expect(200);
      expect(all.body.data.map((m: any) => m.method_code)).toEqual(['monobank', 'privatbank', 'kaspi', 'sepa']);
      expect((await app.http.get(`${API}/payment-methods?currency=KzT`).set(key).expect(200)).body.data).toMatchObject([
        { method_code: 'kaspi', min_sum: '1000.00', max_sum: '500000.00', currency: { code: 'KZT' } },
      ]);
      expect((await app.http.get(`${API}/payment-methods?currency=EUR`).set(key).expect(200)).body.data).toMatchObject([
        { method_code: 'sepa', min_sum: '10.00', max_sum: '5000.00' },
      ]);
      expect((await app.http.get(`${API}/payment-methods?currency=USD`).set(key).expect(200)).body.data).toEqual([]);
      expectEnvelope((await app.http.get(`${API}/payment-methods?currency=12`).set(key).expect(422)).body, 'VALIDATION_ERROR');
    });

    it('GET /currencies: rates as strings rounded down to 2 dp, decimal 2', async () => {
      const r = await app.http.get(`${API}/currencies`).set(key).expect(200);
      expect(r.body.successful).toBe(true);
      expect(r.body.data.slice(0, 2)).toEqual([
        { currency: 'UAH', decimal: 2, symbol: '₴', name: 'Ukrainian Hryvnia', rate: '41.32' },
        { currency: 'KZT', decimal: 2, symbol: '₸', name: 'Kazakhstani Tenge', rate: '489.50' },
      ]);
      expect(r.body.data.map((c: any) => c.currency)).toEqual(['UAH', 'KZT', 'EUR', 'USD']);
      for (const c of r.body.data) expect(c.rate).toMatch(/^\d+\.\d{2}$/);
    });
  });

  describe('withdrawals', () => {
    it('seeds ~45 rows; paginates newest first by default; amount_to_receive = amount − network_fee', async () => {
      const r = await app.http.get(`${API}/withdrawals`).set(key).expect(200);
      expect(r.body).toMatchObject({ successful: true, page: 1, per_page: 20, total: 45, total_pages: 3 });
      expect(r.body.data).toHaveLength(20);
      const all = (await app.http.get(`${API}/withdrawals?per_page=500`).set(key).expect(200)).body.data as any[];
      expect(all).toHaveLength(45);
      const created = all.map((w) => Date.parse(w.created_at));
      expect([...created].sort((a, b) => b - a)).toEqual(created);
      const asc = (await app.http.get(`${API}/withdrawals?per_page=500&order=asc`).set(key).expect(200)).body.data as any[];
      expect(asc.map((w) => w.withdraw_uuid)).toEqual(all.map((w) => w.withdraw_uuid).reverse());
      const statuses = new Set(all.map((w) => w.status));
      for (const s of ['success', 'completed', 'pending', 'failed', 'cancelled']) expect(statuses.has(s)).toBe(true);
      for (const w of all) {
        expect(w.withdraw_uuid).toMatch(UUID);
        expect(new Decimal(w.amount).minus(w.network_fee).toFixed(2)).toBe(w.amount_to_receive);
        for (const m of ['amount', 'network_fee', 'amount_to_receive']) expect(w[m]).toMatch(/^\d+\.\d{2}$/);
      }
      const optional = ['address_memo', 'substatus', 'external_tx_id', 'processed_at'];
      expect(all.some((w) => optional.every((f) => !(f in w)))).toBe(true);
      expect(all.some((w) => optional.every((f) => f in w))).toBe(true);
      expect(all.some((w) => 'address_memo' in w && w.address_memo === null)).toBe(true);
      const page3 = await app.http.get(`${API}/withdrawals?page=3&per_page=20`).set(key).expect(200);
      expect(page3.body.data).toHaveLength(5);
    });

    it('filters by status; GET one; unknown → 404 WITHDRAWAL_NOT_FOUND; bad query → 422', async () => {
      const failed = (await app.http.get(`${API}/withdrawals?status=failed&per_page=500`).set(key).expect(200)).body;
      expect(failed.total).toBeGreaterThan(0);
      expect(failed.data.every((w: any) => w.status === 'failed')).toBe(true);
      const one = failed.data[0];
      expect((await app.http.get(`${API}/withdrawals/${one.withdraw_uuid}`).set(key).expect(200)).body).toEqual({ successful: true, data: one });
      for (const id of ['0b5f2f4e-0000-4000-8000-000000000000', 'nope']) {
        expectEnvelope((await app.http.get(`${API}/withdrawals/${id}`).set(key).expect(404)).body, 'WITHDRAWAL_NOT_FOUND');
      }
      for (const q of ['per_page=0', 'per_page=501', 'status=done', 'page=0', 'order=up']) {
        expectEnvelope((await app.http.get(`${API}/withdrawals?${q}`).set(key).expect(422)).body, 'VALIDATION_ERROR');
      }
    });

    it('control: add one (optional fields absent when not given) and change its status', async () => {
      const added = await app.http.post(`${CONTROL}/withdrawals`).send({ amount: '150.00', network_fee: '1.00' }).expect(201);
      const w = added.body.data;
      expect(w).toMatchObject({ amount: '150.00', network_fee: '1.00', amount_to_receive: '149.00', status: 'pending' });
      expect('processed_at' in w || 'substatus' in w || 'external_tx_id' in w || 'address_memo' in w).toBe(false);
      const newest = (await app.http.get(`${API}/withdrawals?per_page=1`).set(key).expect(200)).body;
      expect(newest.total).toBe(46);
      expect(newest.data[0].withdraw_uuid).toBe(w.withdraw_uuid);
      const done = await app.http.patch(`${CONTROL}/withdrawals/${w.withdraw_uuid}`).send({ status: 'completed', substatus: 'confirmed' }).expect(200);
      expect(done.body.data).toMatchObject({ status: 'completed', substatus: 'confirmed', processed_at: expect.stringMatching(TS), external_tx_id: expect.any(String) });
      expect((await app.http.get(`${API}/withdrawals/${w.withdraw_uuid}`).set(key).expect(200)).body.data.status).toBe('completed');
      expectEnvelope((await app.http.patch(`${CONTROL}/withdrawals/${w.withdraw_uuid}`).send({ status: 'done' }).expect(422)).body, 'VALIDATION_ERROR');
      expectEnvelope((await app.http.post(`${CONTROL}/withdrawals`).send({ amount: '1.00', network_fee: '2.00' }).expect(422)).body, 'VALIDATION_ERROR');
    });
  });

  describe('public endpoints (no API key)', () => {
    it('lists the methods for the invoice currency and amount, with the amount to pay', async () => {
      const inv = await create({ amount: '1500.00' });
      const r = await app.http.get(`${API}/public/invoice/${inv.invoice_id}/payment-methods`).expect(200);
      expect(r.body.data.map((m: any) => [m.method_code, m.amount_to_pay])).toEqual([
        ['monobank', '1537.50'],
        ['privatbank', '1515.00'],
      ]);
      expect(r.body.data[0]).toMatchObject({ name: 'Monobank UA', client_commission: '2.50', amount: '1500.00', client_commission_amount: '37.50' });
      const big = await create({ amount: '12000.00' });
      const onlyPrivat = await app.http.get(`${API}/public/invoice/${big.invoice_id}/payment-methods`).expect(200);
      expect(onlyPrivat.body.data.map((m: any) => m.method_code)).toEqual(['privatbank']);
      const small = await create({ amount: '0.50' });
      expect((await app.http.get(`${API}/public/invoice/${small.invoice_id}/payment-methods`).expect(200)).body.data).toEqual([]);
    });

    it('select-method creates the deal: commission added half-up, rate, merchant_usdt rounded down', async () => {
      const inv = await create({ amount: '1500.00' });
      expectEnvelope((await app.http.post(`${API}/public/invoice/${inv.invoice_id}/select-method`).send({}).expect(422)).body, 'VALIDATION_ERROR');
      const wrong = await app.http.post(`${API}/public/invoice/${inv.invoice_id}/select-method`).send({ method_code: 'kaspi' }).expect(422);
      expectEnvelope(wrong.body, 'PAYMENT_METHOD_NOT_AVAILABLE');
      const before = Date.now();
      const r = await app.http.post(`${API}/public/invoice/${inv.invoice_id}/select-method`).send({ method_code: 'privatbank' }).expect(200);
      expect(r.body.data).toMatchObject({
        invoice_id: inv.invoice_id,
        method_selected: true,
        amount_to_pay: '1515.00',
        deal_id: expect.stringMatching(UUID),
        status: 'pending',
        payment_method_code: 'privatbank',
        payment_method_name: 'PrivatBank UA',
        amount_fiat: '1515.00',
        conversion_rate: '41.32',
        // 1500 / 41.32 × (1 − 0.015) = 35.7575… → 35.75
        merchant_usdt: '35.75',
        is_adjusted: false,
        mark_paid_at: null,
        finished_at: null,
      });
      const dealTtl = Date.parse(r.body.data.expires_at) - before;
      expect(dealTtl).toBeGreaterThan(14 * 60_000);
      expect(dealTtl).toBeLessThanOrEqual(15 * 60_000 + 1000);
      const back = await get(inv.invoice_id);
      expect(back.status).toBe('pending');
      expect(back.method_selected).toBe(true);
      expect(back.deal).toMatchObject({ payment_method_code: 'privatbank', amount_fiat: '1515.00', status: 'pending', sub_status: 'awaiting_payment' });
      // picking again while pending replaces the deal
      const again = await app.http.post(`${API}/public/invoice/${inv.invoice_id}/select-method`).send({ method_code: 'monobank' }).expect(200);
      expect(again.body.data).toMatchObject({ amount_fiat: '1537.50', merchant_usdt: '36.30' });
      expect(again.body.data.deal_id).not.toBe(r.body.data.deal_id);
    });

    it('cancel: pending → canceled; any later public call → 409 INVOICE_NOT_PENDING; unknown → 404', async () => {
      const inv = await create();
      const r = await app.http.post(`${API}/public/invoice/${inv.invoice_id}/cancel`).expect(200);
      expect(r.body).toEqual({ successful: true, data: { invoice_id: inv.invoice_id, status: 'canceled', reason: 'canceled_by_customer' } });
      const back = await get(inv.invoice_id);
      expect(back).toMatchObject({ status: 'canceled', deal: null, method_selected: false, finished_at: expect.stringMatching(TS) });
      for (const [method, path] of [
        ['post', 'cancel'],
        ['post', 'select-method'],
        ['get', 'payment-methods'],
      ] as const) {
        const res = await app.http[method](`${API}/public/invoice/${inv.invoice_id}/${path}`).send({ method_code: 'monobank' });
        expect(res.status).toBe(409);
        expectEnvelope(res.body, 'INVOICE_NOT_PENDING');
      }
      for (const id of ['7d0c7e9e-55a1-4f0e-9a58-2b1a3c4d5e6f', inv.external_id]) {
        expectEnvelope((await app.http.get(`${API}/public/invoice/${id}/payment-methods`).expect(404)).body, 'INVOICE_NOT_FOUND');
      }
    });
  });

  describe('POST /sandbox/invoices/{ref}/simulate', () => {
    it('refuses a bad body with VALIDATION_ERROR and an unknown invoice with 404', async () => {
      const inv = await create();
      for (const body of [{}, { outcome: 'paid' }, { outcome: 'success', amount_fiat: '1.234' }, { outcome: 'fail', amount_fiat: '10.00' }]) {
        const r = await simulate(inv.invoice_id, body);
        expect(r.status).toBe(422);
        expectEnvelope(r.body, 'VALIDATION_ERROR');
      }
      expectEnvelope((await simulate('no-such', { outcome: 'success' }).expect(404)).body, 'INVOICE_NOT_FOUND');
    });

    it('success on a pending invoice picks the first eligible method and completes the deal', async () => {
      const inv = await create();
      const r = await simulate(inv.external_id, { outcome: 'success' }).expect(200);
      const data = r.body.data;
      expect(data).toMatchObject({ invoice_id: inv.invoice_id, status: 'success', method_selected: true, finished_at: expect.stringMatching(TS) });
      expect(data.deal).toEqual({
        deal_id: expect.stringMatching(UUID),
        status: 'completed',
        sub_status: 'paid',
        payment_method_code: 'monobank',
        payment_method_name: 'Monobank UA',
        amount_fiat: '1537.50',
        conversion_rate: '41.32',
        merchant_usdt: '36.30',
        expires_at: expect.stringMatching(TS),
        finished_at: expect.stringMatching(TS),
        mark_paid_at: expect.stringMatching(TS),
        is_adjusted: false,
      });
      expect(await get(inv.invoice_id)).toEqual(data);
    });

    it('success with another amount_fiat marks the deal adjusted and recomputes merchant_usdt', async () => {
      const inv = await create();
      const r = await simulate(inv.invoice_id, { outcome: 'success', amount_fiat: '1025.00' }).expect(200);
      // 1025.00 paid = 1000.00 + 2.5 %; 1000 / 41.32 = 24.2013… → 24.20
      expect(r.body.data.deal).toMatchObject({ amount_fiat: '1025.00', merchant_usdt: '24.20', is_adjusted: true, status: 'completed', sub_status: 'amount_adjusted' });
      expect(r.body.data.amount).toBe('1500.00');
      const same = await create();
      const s = await simulate(same.invoice_id, { outcome: 'success', amount_fiat: '1537.50' }).expect(200);
      expect(s.body.data.deal.is_adjusted).toBe(false);
    });

    it.each([
      ['fail', 'fail'],
      ['expire', 'expired'],
      ['cancel', 'canceled'],
    ])('%s moves pending → %s, only from pending', async (outcome, status) => {
      const inv = await create();
      const r = await simulate(inv.invoice_id, { outcome }).expect(200);
      expect(r.body.data).toMatchObject({ status, finished_at: expect.stringMatching(TS) });
      if (outcome === 'fail') expect(r.body.data.deal).toMatchObject({ status: 'failed', payment_method_code: 'monobank' });
      else expect(r.body.data.deal).toBeNull();
      for (const again of ['fail', 'expire', 'cancel']) {
        const res = await simulate(inv.invoice_id, { outcome: again });
        expect(res.status).toBe(409);
        expectEnvelope(res.body, 'INVOICE_NOT_PENDING');
      }
    });

    it.each(['fail', 'expire', 'cancel'])('a late success after %s makes the invoice success (the money arrived)', async (first) => {
      const inv = await create();
      await simulate(inv.invoice_id, { outcome: first }).expect(200);
      const r = await simulate(inv.invoice_id, { outcome: 'success' }).expect(200);
      expect(r.body.data).toMatchObject({ status: 'success', deal: { status: 'completed', amount_fiat: '1537.50' } });
      const history = await app.http.get(`${API}/invoices/${inv.invoice_id}/webhooks`).set(key).expect(200);
      const firstType = { fail: 'invoice.fail', expire: 'invoice.expired', cancel: 'invoice.canceled' }[first];
      expect(history.body.events.map((e: any) => e.event_type)).toEqual(['invoice.success', firstType]);
    });

    it('an adjustment of a paid invoice needs a different amount_fiat and records invoice.adjusted', async () => {
      const inv = await create();
      await simulate(inv.invoice_id, { outcome: 'success' }).expect(200);
      expectEnvelope((await simulate(inv.invoice_id, { outcome: 'success' }).expect(409)).body, 'INVOICE_NOT_PENDING');
      expectEnvelope((await simulate(inv.invoice_id, { outcome: 'success', amount_fiat: '1537.50' }).expect(409)).body, 'INVOICE_NOT_PENDING');
      const r = await simulate(inv.invoice_id, { outcome: 'success', amount_fiat: '2050.00' }).expect(200);
      // 2050 / 1.025 = 2000; 2000 / 41.32 = 48.4027… → 48.40
      expect(r.body.data).toMatchObject({ status: 'success', deal: { amount_fiat: '2050.00', merchant_usdt: '48.40', is_adjusted: true } });
      const history = await app.http.get(`${API}/invoices/${inv.invoice_id}/webhooks`).set(key).expect(200);
      expect(history.body.events.map((e: any) => e.event_type)).toEqual(['invoice.adjusted', 'invoice.success']);
      const payload = JSON.parse(history.body.events[0].request_payload);
      expect(payload).toMatchObject({ status: 'success', is_adjusted: true, amount_fiat: '2050.00', merchant_usdt: '48.40' });
      expect(payload.event_id).toMatch(new RegExp(`^${inv.invoice_id}:adjusted:\\d+$`));
    });

    it('an invoice in a currency without methods can still be paid (sandbox fallback method)', async () => {
      const inv = await create({ currency_code: 'USD', amount: '25.00' });
      const r = await simulate(inv.invoice_id, { outcome: 'success' }).expect(200);
      expect(r.body.data.deal).toMatchObject({ payment_method_code: 'sandbox_manual', amount_fiat: '25.00', conversion_rate: '1.00', merchant_usdt: '25.00' });
    });
  });

  describe('hosted payment page', () => {
    const page = (id: string) => app.http.get(`${PAY}/${id}`);
    const form = (id: string, action: string, body: Record<string, string> = {}) =>
      app.http.post(`${PAY}/${id}/${action}`).type('form').send(body);

    it('renders an accessible page with the invoice and the eligible methods, without external assets', async () => {
      const inv = await create({ purpose: 'Premium <b>subscription</b> & more' });
      const r = await page(inv.invoice_id).expect(200);
      expect(r.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      const html = r.text;
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(html).toContain('<h1 id="h-invoice">Premium &lt;b&gt;subscription&lt;/b&gt; &amp; more</h1>');
      expect(html).toContain('1,500.00 UAH');
      expect(html).toMatch(/data-expires="[^"]+"/);
      expect(html).toContain('<legend>Choose a payment method</legend>');
      expect(html).toContain('<label class="method" for="m-monobank">');
      expect(html).toContain('<input type="radio" id="m-monobank" name="method_code" value="monobank" checked required>');
      expect(html).toContain('<input type="radio" id="m-privatbank" name="method_code" value="privatbank" required>');
      expect(html).toContain('Client commission 2.50 %');
      expect(html).toContain('1,537.50 UAH');
      expect(html).toContain('1,515.00 UAH');
      expect(html).toContain(`action="${PAY}/${inv.invoice_id}/select"`);
      expect(html).toContain('>Continue</button>');
      expect(html).toContain('>Cancel</button>');
      // No external assets: the one link is the service's own icon.
      expect(html).not.toMatch(/<link(?! rel="icon" href="\/favicon\.ico">)|<script[^>]+src=|<img|https?:\/\/(?!shop\.example)/);
    });

    it('select → the deal with the commission added; Pay → 303 to success_url', async () => {
      const inv = await create();
      const sel = await form(inv.invoice_id, 'select', { method_code: 'monobank' }).expect(303);
      expect(sel.headers.location).toBe(`${PAY}/${inv.invoice_id}`);
      const html = (await page(inv.invoice_id).expect(200)).text;
      expect(html).toContain('Pay with Monobank UA');
      expect(html).toContain('<dt>Invoice amount</dt><dd>1,500.00 UAH</dd>');
      expect(html).toContain('<dt>Client commission (2.50 %)</dt><dd>37.50 UAH</dd>');
      expect(html).toContain('<dt>Total to pay</dt><dd>1,537.50 UAH</dd>');
      expect(html).toContain('>Pay 1,537.50 UAH</button>');
      expect(html).toContain('>Payment fails</button>');
      expect(html).toContain('>Cancel</button>');
      const pay = await form(inv.invoice_id, 'pay').expect(303);
      expect(pay.headers.location).toBe('https://shop.example/payment/success');
      expect(await get(inv.invoice_id)).toMatchObject({ status: 'success', deal: { status: 'completed', amount_fiat: '1537.50' } });
      const done = (await page(inv.invoice_id).expect(200)).text;
      expect(done).toContain('Payment received');
      expect(done).toContain('href="https://shop.example/payment/success"');
      expect(done).not.toMatch(/<button[\s>]/);
      // acting on a finished invoice shows the page again with the reason
      const again = await form(inv.invoice_id, 'pay').expect(409);
      expect(again.text).toContain('role="alert"');
    });

    it('"Payment fails" → 303 to fail_url; the invoice is fail', async () => {
      const inv = await create();
      await form(inv.invoice_id, 'select', { method_code: 'privatbank' }).expect(303);
      const r = await form(inv.invoice_id, 'fail').expect(303);
      expect(r.headers.location).toBe('https://shop.example/payment/failed');
      expect((await get(inv.invoice_id)).status).toBe('fail');
      const html = (await page(inv.invoice_id).expect(200)).text;
      expect(html).toContain('Payment failed');
      expect(html).not.toMatch(/<button[\s>]/);
    });

    it('"Cancel" (before choosing) → 303 to fail_url; the invoice is canceled', async () => {
      const inv = await create();
      const r = await form(inv.invoice_id, 'cancel').expect(303);
      expect(r.headers.location).toBe('https://shop.example/payment/failed');
      expect((await get(inv.invoice_id)).status).toBe('canceled');
    });

    it('refuses Pay before a method is chosen, an unknown method, and shows expired invoices without buttons', async () => {
      const inv = await create();
      const early = await form(inv.invoice_id, 'pay').expect(409);
      expect(early.text).toContain('Choose a payment method first');
      const unknown = await form(inv.invoice_id, 'select', { method_code: 'kaspi' }).expect(422);
      expect(unknown.text).toContain('not available');
      await simulate(inv.invoice_id, { outcome: 'expire' }).expect(200);
      const html = (await page(inv.invoice_id).expect(200)).text;
      expect(html).toContain('Invoice expired');
      expect(html).toContain('href="https://shop.example/payment/failed"');
      expect(html).not.toMatch(/<button[\s>]/);
      expect(html).not.toMatch(/<form[\s>]/);
      const missing = await page('7d0c7e9e-55a1-4f0e-9a58-2b1a3c4d5e6f').expect(404);
      expect(missing.text).toContain('Invoice not found');
      expect(missing.headers['content-type']).toMatch(/text\/html/);
    });
  });
});
