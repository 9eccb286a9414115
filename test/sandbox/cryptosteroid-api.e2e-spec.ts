import Decimal from 'decimal.js';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { mapCsInvoice } from '../../src/gateways/cryptosteroid/cryptosteroid.mapping';
import { CS_PAYMENT_METHODS } from '../../src/gateways/cryptosteroid/cryptosteroid.types';
import { CsSandboxStore } from '../../src/sandbox/cryptosteroid/store';
import { CS_CONTROL, CsSandboxApp, startCsSandbox } from '../support/cryptosteroid-sandbox';
import { ext, rawCall } from './helpers';

jest.setTimeout(60_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectError(body: unknown, code: string): void {
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) }, request_id: expect.any(String) });
}

/** The CryptoSteroid merchant invoice API of the emulator, its key checks, faults and request record. */
describe('CryptoSteroid sandbox: merchant API', () => {
  let cs: CsSandboxApp;
  let key: Record<string, string>;

  beforeAll(async () => {
    cs = await startCsSandbox();
    key = { 'X-Api-Key': cs.apiKey };
  });
  afterAll(async () => {
    await cs?.close();
  });
  afterEach(async () => {
    await cs.http.post(`${CS_CONTROL}/reset`).expect(200);
  });

  const body = (over: Record<string, unknown> = {}) => ({
    fiatCurrency: 'USD',
    fiatAmount: '25.00',
    description: 'Order #1001',
    externalId: ext('cs'),
    ...over,
  });
  const create = async (over: Record<string, unknown> = {}) => {
    const r = await cs.http.post(cs.invoices).set(key).send(body(over));
    expect(r.status).toBe(201);
    return r.body as Record<string, any>;
  };
  const get = async (id: string) => (await cs.http.get(`${cs.invoices}/${id}`).set(key).expect(200)).body as Record<string, any>;
  const requests = async (query: Record<string, string>) => (await cs.http.get(`${CS_CONTROL}/requests`).query(query).expect(200)).body.data as Array<Record<string, any>>;

  describe('create', () => {
    it('answers the provider example with the Invoice object: NEW, no payment yet, 30-minute window', async () => {
      const before = Date.now();
      const inv = await create({
        whoPayCommission: 'buyer',
        externalId: '1001',
        secret: '3f1c9a-random-per-order',
        processingUrl: 'https://merchant.example/webhooks/cryptosteroid',
        returnUrl: 'https://merchant.example/pay/ok',
        failReturnUrl: 'https://merchant.example/pay/fail',
      });
      expect(inv).toEqual({
        merchantId: cs.merchantId,
        invoiceId: expect.stringMatching(UUID),
        fiatAmount: '25.00',
        fiatCurrency: 'USD',
        description: 'Order #1001',
        whoPayCommission: 'buyer',
        payment: null,
        externalId: '1001',
        invoiceUrl: `${cs.url}/sandbox/cryptosteroid/pay/${inv.invoiceId}`,
        returnUrl: 'https://merchant.example/pay/ok',
        failReturnUrl: 'https://merchant.example/pay/fail',
        timeoutSeconds: 1800,
        createdAt: expect.any(Number),
        expiresAt: expect.any(Number),
        updatedAt: expect.any(Number),
        status: 'NEW',
      });
      expect(inv.createdAt).toBeGreaterThanOrEqual(before - 1000);
      expect(inv.expiresAt - inv.createdAt).toBe(1800_000);
      expect(JSON.stringify(inv)).not.toContain('3f1c9a');
      expect(await get(inv.invoiceId)).toEqual(inv);
      // the gateway's own mapping reads it
      expect(mapCsInvoice(inv)).toMatchObject({ status: 'pending', rawStatus: 'NEW', amount: '25.00', currency: 'USD', externalId: '1001', payment: null });
    });

    it('whoPayCommission defaults to buyer; optional fields absent read as null', async () => {
      const r = await cs.http.post(cs.invoices).set(key).send({ fiatCurrency: 'EUR', fiatAmount: '5', description: 'x' }).expect(201);
      expect(r.body).toMatchObject({ fiatAmount: '5.00', fiatCurrency: 'EUR', whoPayCommission: 'buyer', externalId: null, returnUrl: null, failReturnUrl: null });
    });

    it.each(CS_PAYMENT_METHODS)('with paymentMethod %s: WAITING at once, coin amount and address, fee on top (buyer)', async (method) => {
      const inv = await create({ paymentMethod: method, fiatCurrency: 'EUR', fiatAmount: '100.00' });
      expect(inv.status).toBe('WAITING');
      const p = inv.payment;
      expect(p).toEqual({
        method,
        address: expect.any(String),
        amount: expect.stringMatching(/^\d+\.\d+$/),
        net: expect.stringMatching(/^\d+\.\d+$/),
        fee: expect.stringMatching(/^\d+\.\d+$/),
        paid: { hash: [], received: expect.stringMatching(/^0\.0+$/), fiat: '0.00', finished: false },
      });
      expect(p.address.length).toBeGreaterThan(25);
      expect(new Decimal(p.amount).eq(new Decimal(p.net).plus(p.fee))).toBe(true);
      expect(new Decimal(p.fee).gt(0)).toBe(true);
      const g = mapCsInvoice(inv);
      expect(g.payment).toMatchObject({ method_code: method, expected: { amount: p.amount, unit: method }, received: { unit: method }, credited: { amount: p.net } });
    });

    it('USDT_TRC20 at the sandbox rates: 25.00 USD = 25 USDT, 1 % fee; seller pays it off the credit', async () => {
      const buyer = await create({ paymentMethod: 'USDT_TRC20' });
      expect(buyer.payment).toMatchObject({ amount: '25.250000', net: '25.000000', fee: '0.250000' });
      const seller = await create({ paymentMethod: 'USDT_TRC20', whoPayCommission: 'seller' });
      expect(seller.payment).toMatchObject({ amount: '25.000000', net: '24.750000', fee: '0.250000' });
      const btc = await create({ paymentMethod: 'BTC', fiatAmount: '65000.00' });
      expect(btc.payment).toMatchObject({ amount: '1.01000000', net: '1.00000000', fee: '0.01000000' });
    });

    it.each([
      ['fiatCurrency missing', { fiatCurrency: undefined }, 'fiatCurrency'],
      ['fiatCurrency UAH', { fiatCurrency: 'UAH' }, 'fiatCurrency'],
      ['fiatCurrency lowercase', { fiatCurrency: 'usd' }, 'fiatCurrency'],
      ['fiatAmount missing', { fiatAmount: undefined }, 'fiatAmount'],
      ['fiatAmount a JSON number', { fiatAmount: 25 }, 'fiatAmount'],
      ['fiatAmount with 3 decimals', { fiatAmount: '25.001' }, 'fiatAmount'],
      ['fiatAmount zero', { fiatAmount: '0.00' }, 'fiatAmount'],
      ['fiatAmount negative', { fiatAmount: '-1.00' }, 'fiatAmount'],
      ['description missing', { description: undefined }, 'description'],
      ['whoPayCommission other', { whoPayCommission: 'merchant' }, 'whoPayCommission'],
      ['paymentMethod unknown', { paymentMethod: 'XRP' }, 'paymentMethod'],
      ['paymentMethod USDT without network', { paymentMethod: 'USDT' }, 'paymentMethod'],
      ['processingUrl without secret', { processingUrl: 'https://m.example/hook' }, 'secret'],
      ['processingUrl not http(s)', { processingUrl: 'ftp://m.example/hook', secret: 's' }, 'processingUrl'],
      ['returnUrl not absolute', { returnUrl: '/ok' }, 'returnUrl'],
      ['externalId not a string', { externalId: 1001 }, 'externalId'],
    ])('%s → 422 VALIDATION_ERROR naming %s, nothing created', async (_name, over, field) => {
      const b: Record<string, unknown> = body(over);
      for (const [k, v] of Object.entries(over)) if (v === undefined) delete b[k];
      const r = await cs.http.post(cs.invoices).set(key).send(b);
      expect(r.status).toBe(422);
      expectError(r.body, 'VALIDATION_ERROR');
      expect(Object.keys(r.body.error.details.fields)).toContain(field);
      if (typeof b.externalId === 'string') {
        expect((await cs.http.get(`${CS_CONTROL}/invoices`).query({ externalId: b.externalId }).expect(200)).body.data).toEqual([]);
      }
    });

    it('the same externalId twice makes two invoices (the provider documents no refusal); the control lists both', async () => {
      const externalId = ext('dup');
      const a = await create({ externalId });
      const b = await create({ externalId });
      expect(a.invoiceId).not.toBe(b.invoiceId);
      const listed = (await cs.http.get(`${CS_CONTROL}/invoices`).query({ externalId }).expect(200)).body.data;
      expect(listed.map((i: { invoiceId: string }) => i.invoiceId).sort()).toEqual([a.invoiceId, b.invoiceId].sort());
    });

    it('the cap on unpaid NEW invoices refuses one more with 409 UNPAID_INVOICE_LIMIT; WAITING ones do not count', async () => {
      const fresh = await startCsSandbox({ maxUnpaidNew: 2 });
      try {
        const k = { 'X-Api-Key': fresh.apiKey };
        await fresh.http.post(fresh.invoices).set(k).send(body()).expect(201);
        const second = await fresh.http.post(fresh.invoices).set(k).send(body()).expect(201);
        const third = await fresh.http.post(fresh.invoices).set(k).send(body());
        expect(third.status).toBe(409);
        expectError(third.body, 'UNPAID_INVOICE_LIMIT');
        expect(third.body.error.details).toEqual({ limit: 2 });
        // a NEW invoice that gets a method no longer counts
        await fresh.http.patch(`${fresh.invoices}/${second.body.invoiceId}`).set(k).send({ paymentMethod: 'LTC' }).expect(200);
        await fresh.http.post(fresh.invoices).set(k).send(body()).expect(201);
        // the cap is a setting tests can change while it runs
        await fresh.http.put(`${CS_CONTROL}/settings`).send({ max_unpaid_new: 5 }).expect(200);
        await fresh.http.post(fresh.invoices).set(k).send(body()).expect(201);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('creates side by side', () => {
    it('the cap holds when NEW creates arrive together: of 8 at once with a cap of 3, exactly 3 are made', async () => {
      const fresh = await startCsSandbox({ maxUnpaidNew: 3 });
      try {
        const k = { 'X-Api-Key': fresh.apiKey };
        const answers = await Promise.all(Array.from({ length: 8 }, () => fresh.http.post(fresh.invoices).set(k).send(body())));
        expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
        const made = (await fresh.http.get(`${CS_CONTROL}/invoices`).expect(200)).body.data as Array<{ status: string }>;
        expect(made.map((i) => i.status)).toEqual(['NEW', 'NEW', 'NEW']);
      } finally {
        await fresh.close();
      }
    });

    // Needs a second session beside the sandbox's own: a server database (the embedded one is a
    // single session, where every create waits its turn anyway).
    if (process.env.DATABASE_URL) {
      it('a create with a payment method does not wait for the creates that stay NEW (the merchant lock held elsewhere)', async () => {
        const other = new Client({ connectionString: cs.database.url });
        await other.connect();
        try {
          await other.query('BEGIN');
          // The very lock the sandbox's creates take, held by this other session.
          await cs.app.get(CsSandboxStore).lockMerchant({ query: async <T,>(sql: string, params?: unknown[]) => (await other.query(sql, params)).rows as T }, cs.merchantId);
          const inv = await create({ paymentMethod: 'LTC' });
          expect(inv.status).toBe('WAITING');
        } finally {
          await other.query('ROLLBACK').catch(() => undefined);
          await other.end();
        }
      }, 20_000);
    }
  });

  describe('authentication and the merchant in the path', () => {
    it('no X-Api-Key → 401 API_KEY_MISSING on create, read and cancel', async () => {
      const inv = await create();
      expectError((await cs.http.post(cs.invoices).send(body()).expect(401)).body, 'API_KEY_MISSING');
      expectError((await cs.http.get(`${cs.invoices}/${inv.invoiceId}`).expect(401)).body, 'API_KEY_MISSING');
      expectError((await cs.http.delete(`${cs.invoices}/${inv.invoiceId}`).expect(401)).body, 'API_KEY_MISSING');
      expectError((await cs.http.get(`${cs.invoices}/${inv.invoiceId}`).set('X-Api-Key', '').expect(401)).body, 'API_KEY_MISSING');
      expect((await get(inv.invoiceId)).status).toBe('NEW');
    });

    it('another key → 403 API_KEY_INVALID, nothing created', async () => {
      const externalId = ext('badkey');
      const r = await cs.http.post(cs.invoices).set('X-Api-Key', `${cs.apiKey}x`).send(body({ externalId }));
      expect(r.status).toBe(403);
      expectError(r.body, 'API_KEY_INVALID');
      expect((await cs.http.get(`${CS_CONTROL}/invoices`).query({ externalId }).expect(200)).body.data).toEqual([]);
    });

    it("another merchant's UUID with the right key → 404 MERCHANT_NOT_FOUND; the path's merchant must be the sandbox's", async () => {
      const inv = await create();
      const other = `/sandbox/cryptosteroid/merchants/${randomUUID()}/invoices`;
      expectError((await cs.http.post(other).set(key).send(body()).expect(404)).body, 'MERCHANT_NOT_FOUND');
      expectError((await cs.http.get(`${other}/${inv.invoiceId}`).set(key).expect(404)).body, 'MERCHANT_NOT_FOUND');
      expectError((await cs.http.get(`/sandbox/cryptosteroid/merchants/not-a-uuid/invoices/${inv.invoiceId}`).set(key).expect(404)).body, 'MERCHANT_NOT_FOUND');
      // upper-case UUID is the same merchant
      await cs.http.get(`/sandbox/cryptosteroid/merchants/${cs.merchantId.toUpperCase()}/invoices/${inv.invoiceId}`).set(key).expect(200);
    });

    it('PATCH works without a key (the docs: "currently" no authorization), but a wrong key is refused', async () => {
      const inv = await create();
      expectError((await cs.http.patch(`${cs.invoices}/${inv.invoiceId}`).set('X-Api-Key', 'wrong-key').send({ paymentMethod: 'BTC' }).expect(403)).body, 'API_KEY_INVALID');
      const r = await cs.http.patch(`${cs.invoices}/${inv.invoiceId}`).send({ paymentMethod: 'BTC' }).expect(200);
      expect(r.body.status).toBe('WAITING');
    });
  });

  describe('read, set the method, cancel', () => {
    it('GET an unknown or malformed id → 404 INVOICE_NOT_FOUND', async () => {
      expectError((await cs.http.get(`${cs.invoices}/${randomUUID()}`).set(key).expect(404)).body, 'INVOICE_NOT_FOUND');
      expectError((await cs.http.get(`${cs.invoices}/nope`).set(key).expect(404)).body, 'INVOICE_NOT_FOUND');
    });

    it('PATCH a NEW invoice → WAITING with address and coin amount; a second PATCH → 409 INVOICE_NOT_NEW', async () => {
      const inv = await create({ fiatAmount: '50.00' });
      const r = await cs.http.patch(`${cs.invoices}/${inv.invoiceId}`).set(key).send({ paymentMethod: 'USDT_ERC20' }).expect(200);
      expect(r.body).toMatchObject({ invoiceId: inv.invoiceId, status: 'WAITING', payment: { method: 'USDT_ERC20', amount: '50.500000', address: expect.stringMatching(/^0x[0-9a-f]{40}$/) } });
      expect(r.body.updatedAt).toBeGreaterThanOrEqual(inv.updatedAt);
      expect(await get(inv.invoiceId)).toEqual(r.body);
      const again = await cs.http.patch(`${cs.invoices}/${inv.invoiceId}`).set(key).send({ paymentMethod: 'BTC' });
      expect(again.status).toBe(409);
      expectError(again.body, 'INVOICE_NOT_NEW');
      expect((await get(inv.invoiceId)).payment.method).toBe('USDT_ERC20');
    });

    it.each([
      ['missing', {}],
      ['unknown', { paymentMethod: 'XRP' }],
      ['a number', { paymentMethod: 1 }],
    ])('PATCH with paymentMethod %s → 422 naming paymentMethod, still NEW', async (_name, b) => {
      const inv = await create();
      const r = await cs.http.patch(`${cs.invoices}/${inv.invoiceId}`).set(key).send(b).expect(422);
      expect(Object.keys(r.body.error.details.fields)).toEqual(['paymentMethod']);
      expect((await get(inv.invoiceId)).status).toBe('NEW');
    });

    it('DELETE → the documented answer, CANCELLED; again → the same; a PAID one → 409 INVOICE_NOT_CANCELLABLE', async () => {
      const inv = await create({ failReturnUrl: 'https://merchant.example/pay/fail' });
      const r = await cs.http.delete(`${cs.invoices}/${inv.invoiceId}`).set(key).expect(200);
      expect(r.body).toEqual({ invoiceId: inv.invoiceId, merchantId: cs.merchantId, failUrl: 'https://merchant.example/pay/fail', status: 'CANCELLED' });
      expect((await cs.http.delete(`${cs.invoices}/${inv.invoiceId}`).set(key).expect(200)).body.status).toBe('CANCELLED');
      expect((await get(inv.invoiceId)).status).toBe('CANCELLED');
      expectError((await cs.http.patch(`${cs.invoices}/${inv.invoiceId}`).set(key).send({ paymentMethod: 'BTC' }).expect(409)).body, 'INVOICE_NOT_NEW');

      const paid = await create({ paymentMethod: 'TRX' });
      await cs.http.post(`${CS_CONTROL}/invoices/${paid.invoiceId}/simulate`).send({ outcome: 'paid' }).expect(200);
      const refused = await cs.http.delete(`${cs.invoices}/${paid.invoiceId}`).set(key);
      expect(refused.status).toBe(409);
      expectError(refused.body, 'INVOICE_NOT_CANCELLABLE');
      expect((await get(paid.invoiceId)).status).toBe('PAID');
    });

    it('framework errors under the prefix are in the same envelope (bad JSON, unknown route)', async () => {
      const bad = await cs.http.post(cs.invoices).set(key).set('Content-Type', 'application/json').send('{"fiatAmount":');
      expect(bad.status).toBe(400);
      expectError(bad.body, 'VALIDATION_FAILED');
      expectError((await cs.http.get(`/sandbox/cryptosteroid/merchants/${cs.merchantId}/wallets`).set(key).expect(404)).body, 'NOT_FOUND');
    });
  });

  describe('timestamps (format UNKNOWN at the provider: a setting)', () => {
    it.each([
      ['s', (v: unknown) => typeof v === 'number' && v < 1e11],
      ['iso', (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v as string))],
      ['ms', (v: unknown) => typeof v === 'number' && v > 1e11],
    ] as const)('timestamp_format %s', async (format, check) => {
      await cs.http.put(`${CS_CONTROL}/settings`).send({ timestamp_format: format }).expect(200);
      const inv = await create();
      for (const k of ['createdAt', 'expiresAt', 'updatedAt']) expect(check(inv[k])).toBe(true);
      // the mapping reads every format to the same instant
      expect(Date.parse(mapCsInvoice(inv).expiresAt!) - Date.parse(mapCsInvoice(inv).expiresAt!)).toBe(0);
      expect(Math.abs(Date.parse(mapCsInvoice(inv).expiresAt!) - Date.now() - 1800_000)).toBeLessThan(60_000);
    });
  });

  describe('request record', () => {
    it('every merchant-API request: endpoint, externalId, invoice, status answered — refusals included', async () => {
      const externalId = ext('rec');
      await cs.http.post(cs.invoices).send(body({ externalId })).expect(401);
      await cs.http.post(cs.invoices).set(key).send(body({ externalId, fiatCurrency: 'GBP' })).expect(422);
      const inv = await create({ externalId });
      await get(inv.invoiceId);
      await cs.http.patch(`${cs.invoices}/${inv.invoiceId}`).send({ paymentMethod: 'DOGE' }).expect(200);
      await cs.http.delete(`${cs.invoices}/${inv.invoiceId}`).set(key).expect(200);
      const rows = await requests({ externalId });
      expect(rows.map((r) => [r.endpoint, r.method, r.http_status, r.outcome])).toEqual([
        ['cancel-invoice', 'DELETE', 200, 'answered'],
        ['update-invoice', 'PATCH', 200, 'answered'],
        ['get-invoice', 'GET', 200, 'answered'],
        ['create-invoice', 'POST', 201, 'answered'],
        ['create-invoice', 'POST', 422, 'answered'],
        ['create-invoice', 'POST', 401, 'refused'],
      ]);
      expect(rows[3]!.invoice_id).toBe(inv.invoiceId);
      expect(rows[5]!.invoice_id).toBeNull();
      const creates = await requests({ externalId, endpoint: 'create-invoice' });
      expect(creates.filter((r) => r.http_status === 201)).toHaveLength(1);
      expect((await requests({ invoiceId: inv.invoiceId })).map((r) => r.endpoint)).toEqual(['cancel-invoice', 'update-invoice', 'get-invoice', 'create-invoice']);
    });

    it('bad filters → 422; DELETE clears', async () => {
      expect((await cs.http.get(`${CS_CONTROL}/requests`).query({ invoiceId: 'x' })).status).toBe(422);
      expect((await cs.http.get(`${CS_CONTROL}/requests`).query({ endpoint: 'list' })).status).toBe(422);
      expect((await cs.http.get(`${CS_CONTROL}/requests`).query({ limit: '0' })).status).toBe(422);
      await create();
      expect((await cs.http.delete(`${CS_CONTROL}/requests`).expect(200)).body.data.cleared).toBeGreaterThan(0);
      expect(await requests({})).toEqual([]);
    });
  });

  describe('faults', () => {
    const fault = (b: Record<string, unknown>) => cs.http.post(`${CS_CONTROL}/faults`).send(b).expect(201);

    it.each([500, 502, 503, 504, 429, 400, 403, 409, 422])('error %i on create: answered in the envelope, nothing created, recorded', async (status) => {
      await fault({ endpoint: 'create-invoice', mode: 'error', status, times: 1 });
      const externalId = ext('fault');
      const r = await cs.http.post(cs.invoices).set(key).send(body({ externalId }));
      expect(r.status).toBe(status);
      expect(r.body.error.details.sandbox_fault_id).toEqual(expect.any(Number));
      if (status === 429) expect(r.headers['retry-after']).toBe('1');
      expect((await cs.http.get(`${CS_CONTROL}/invoices`).query({ externalId }).expect(200)).body.data).toEqual([]);
      expect((await requests({ externalId })).map((x) => [x.http_status, x.outcome])).toEqual([[status, 'fault']]);
      // times: 1 — the next one goes through
      await create({ externalId });
    });

    it('a fault never skips the key check; `code` overrides the error code; `*` matches every endpoint', async () => {
      await fault({ endpoint: '*', mode: 'error', status: 400, code: 'REFUSED_BY_RISK' });
      expect((await cs.http.post(cs.invoices).send(body())).status).toBe(401);
      const r = await cs.http.post(cs.invoices).set(key).send(body());
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('REFUSED_BY_RISK');
      expect((await cs.http.get(`${cs.invoices}/${randomUUID()}`).set(key)).status).toBe(400);
    });

    it('drop: the connection is cut, nothing created; recorded with no status', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'drop', times: 1 });
      const externalId = ext('drop');
      const r = await rawCall(cs.url, 'POST', cs.invoices, { headers: key, body: body({ externalId }) });
      expect(r.status).toBeUndefined();
      expect(r.error).toBeDefined();
      expect((await cs.http.get(`${CS_CONTROL}/invoices`).query({ externalId }).expect(200)).body.data).toEqual([]);
      expect((await requests({ externalId })).map((x) => [x.http_status, x.outcome])).toEqual([[null, 'dropped']]);
    });

    it('timeout: held without an answer until the client gives up, nothing created', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'timeout', times: 1 });
      const externalId = ext('timeout');
      const r = await rawCall(cs.url, 'POST', cs.invoices, { headers: key, body: body({ externalId }), timeoutMs: 500 });
      expect(r.error).toBe('timeout');
      expect((await cs.http.get(`${CS_CONTROL}/invoices`).query({ externalId }).expect(200)).body.data).toEqual([]);
      expect((await requests({ externalId })).map((x) => x.outcome)).toEqual(['timeout']);
    });

    it('timeout_after_work: the invoice IS created, the client never hears it (the double-create trap)', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'timeout_after_work', times: 1, hang_ms: 300 });
      const externalId = ext('taw');
      const r = await rawCall(cs.url, 'POST', cs.invoices, { headers: key, body: body({ externalId }), timeoutMs: 5000 });
      expect(r.status).toBeUndefined();
      const made = (await cs.http.get(`${CS_CONTROL}/invoices`).query({ externalId }).expect(200)).body.data;
      expect(made).toHaveLength(1);
      const rec = await requests({ externalId });
      expect(rec.map((x) => [x.http_status, x.outcome, x.invoice_id])).toEqual([[null, 'timeout_after_work', made[0].invoiceId]]);
    });

    it('delay on get-invoice, then a normal answer; faults list and clear', async () => {
      const inv = await create();
      await fault({ endpoint: 'get-invoice', mode: 'delay', delay_ms: 50, times: 1 });
      expect((await cs.http.get(`${CS_CONTROL}/faults`).expect(200)).body.data).toHaveLength(1);
      expect((await get(inv.invoiceId)).invoiceId).toBe(inv.invoiceId);
      expect((await cs.http.get(`${CS_CONTROL}/faults`).expect(200)).body.data).toEqual([]);
      await fault({ endpoint: 'cancel-invoice', mode: 'error', status: 503 });
      expect((await cs.http.delete(`${CS_CONTROL}/faults`).expect(200)).body.data.cleared).toBe(1);
      await cs.http.delete(`${cs.invoices}/${inv.invoiceId}`).set(key).expect(200);
    });

    it.each([
      [{ endpoint: 'list-invoices', mode: 'error' }, 'endpoint'],
      [{ endpoint: 'create-invoice', mode: 'explode' }, 'mode'],
      [{ endpoint: 'create-invoice', mode: 'error', status: 418 }, 'status'],
      [{ endpoint: 'create-invoice', mode: 'delay' }, 'delay_ms'],
      [{ endpoint: 'create-invoice', mode: 'error', probability: 2 }, 'probability'],
    ])('a bad fault rule %j → 422 naming %s', async (b, field) => {
      const r = await cs.http.post(`${CS_CONTROL}/faults`).send(b).expect(422);
      expect(Object.keys(r.body.error.details.fields)).toContain(field);
    });
  });

  describe('settings', () => {
    it('read, change, refuse bad values naming them, reset', async () => {
      const start = (await cs.http.get(`${CS_CONTROL}/settings`).expect(200)).body.data;
      expect(start).toEqual({
        invoice_timeout_s: 1800,
        max_unpaid_new: 100,
        fee_percent: '1.00',
        webhook_max_attempts: 10,
        webhook_retry_scale: 1,
        timestamp_format: 'ms',
      });
      const bad = await cs.http.put(`${CS_CONTROL}/settings`).send({ invoice_timeout_s: 0, fee_percent: 2, webhook_max_attempts: 11 }).expect(422);
      expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['fee_percent', 'invoice_timeout_s', 'webhook_max_attempts']);
      await cs.http.put(`${CS_CONTROL}/settings`).send({ invoice_timeout_s: 600, fee_percent: '0' }).expect(200);
      const inv = await create({ paymentMethod: 'USDT_TRC20' });
      expect(inv.timeoutSeconds).toBe(600);
      expect(inv.payment).toMatchObject({ amount: '25.000000', fee: '0.000000' });
      expect((await cs.http.delete(`${CS_CONTROL}/settings`).expect(200)).body.data).toEqual(start);
    });

    it('a coin price can be set; the next quote uses it', async () => {
      await cs.http.put(`${CS_CONTROL}/rates/LTC/RUB`).send({ price: '10000' }).expect(200);
      const inv = await create({ paymentMethod: 'LTC', fiatCurrency: 'RUB', fiatAmount: '5000.00' });
      expect(inv.payment).toMatchObject({ net: '0.50000000', fee: '0.00500000', amount: '0.50500000' });
      expect((await cs.http.put(`${CS_CONTROL}/rates/LTC/RUB`).send({ price: 10000 })).status).toBe(422);
      expect((await cs.http.put(`${CS_CONTROL}/rates/XRP/RUB`).send({ price: '1' })).status).toBe(422);
    });
  });
});
