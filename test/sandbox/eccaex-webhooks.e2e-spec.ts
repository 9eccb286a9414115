import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../support/app';
import { API, CONTROL, Delivery, expectEnvelope, ext, invoiceBody, rawCall, Receiver, sleep, TS, verifyDelivery } from './helpers';

jest.setTimeout(60_000);

const PAYLOAD_KEYS = [
  'event_id',
  'order_id',
  'external_id',
  'status',
  'sub_status',
  'rate_usd',
  'is_adjusted',
  'reason',
  'amount',
  'currency',
  'amount_fiat',
  'merchant_usdt',
  'payment_method_code',
];

/** Webhook delivery (signed, retried, recorded), history and resend, and the fault controls. */
describe('EccaEx sandbox: webhooks and faults', () => {
  let app: TestApp;
  let key: Record<string, string>;
  const receiver = new Receiver();
  let path = 0;

  beforeAll(async () => {
    await receiver.start();
    // The sandbox reads SANDBOX_* from process.env when the app is built (loadSettings ignores
    // them). Retry schedule × 0.05: 2 s → 100 ms, 10 s → 500 ms, …
    process.env.SANDBOX_WEBHOOK_RETRY_SCALE = '0.05';
    try {
      app = await startTestApp();
    } finally {
      delete process.env.SANDBOX_WEBHOOK_RETRY_SCALE;
    }
    key = { 'X-Api-Key': app.settings.eccaex.apiKey };
  });
  afterAll(async () => {
    await app?.close();
    await receiver.stop();
  });
  afterEach(async () => {
    await app.http.delete(`${CONTROL}/faults`).expect(200);
    await app.http.delete(`${CONTROL}/webhooks`).expect(200);
    receiver.responder = () => ({ status: 200, body: 'received' });
  });

  /** A fresh receiver path per invoice, so deliveries are easy to tell apart. */
  const hook = () => `/hook/${++path}`;
  const create = async (over: Record<string, unknown> = {}) => {
    const r = await app.http.post(`${API}/create-invoice`).set(key).send(invoiceBody(over));
    expect(r.status).toBe(201);
    return r.body as Record<string, any>;
  };
  const simulate = (ref: string, body: Record<string, unknown>) => app.http.post(`${API}/sandbox/invoices/${ref}/simulate`).send(body).expect(200);
  const history = async (ref: string) => (await app.http.get(`${API}/invoices/${ref}/webhooks`).set(key).expect(200)).body;
  const waitHistory = async (ref: string, pred: (h: any) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await history(ref);
      if (pred(h)) return h;
      if (Date.now() > deadline) throw new Error(`history condition not met: ${JSON.stringify(h.events?.[0] ?? null)}`);
      await sleep(100);
    }
  };
  const payloadOf = (d: Delivery) => JSON.parse(d.raw.toString('utf8'));

  describe('delivery', () => {
    it('POSTs the exact payload, signed as the service verifies it, with X-Idempotency-Key = event_id', async () => {
      const p = hook();
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'success' });
      const [d] = await receiver.waitFor(p);
      expect(d!.headers['content-type']).toBe('application/json');
      expect(verifyDelivery(app.settings, d!)).toEqual({ ok: true, secretIndex: 0, timestamp: Number(d!.headers['x-signature-timestamp']) });
      expect(Math.abs(Number(d!.headers['x-signature-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
      const payload = payloadOf(d!);
      expect(Object.keys(payload)).toEqual(PAYLOAD_KEYS);
      expect(payload).toEqual({
        event_id: expect.stringMatching(new RegExp(`^${inv.invoice_id}:success:\\d{10}$`)),
        order_id: inv.invoice_id,
        external_id: inv.external_id,
        status: 'success',
        sub_status: 'paid',
        rate_usd: '41.32',
        is_adjusted: false,
        reason: null,
        amount: '1500.00',
        currency: 'UAH',
        amount_fiat: '1537.50',
        merchant_usdt: '36.30',
        payment_method_code: 'monobank',
      });
      expect(d!.headers['x-idempotency-key']).toBe(payload.event_id);
      // the history shows the same bytes and the attempt
      const h = await waitHistory(inv.invoice_id, (x) => x.events[0]?.status === 'success');
      expect(h).toMatchObject({ successful: true, invoice_id: inv.invoice_id, external_id: inv.external_id, events_count: 1 });
      const e = h.events[0];
      expect(e).toEqual({
        event_id: expect.any(Number),
        event_type: 'invoice.success',
        status: 'success',
        callback_url: receiver.url + p,
        auto_attempts: 1,
        manual_attempts: 0,
        total_attempts: 1,
        next_retry_at: null,
        locked_at: null,
        locked_by: null,
        request_payload: d!.raw.toString('utf8'),
        created_at: expect.stringMatching(TS),
        updated_at: expect.stringMatching(TS),
        attempts: [
          {
            attempt_id: expect.any(Number),
            try_number: 1,
            trigger: 'auto',
            attempt_status: 'success',
            http_status: 200,
            response_headers: expect.objectContaining({ 'x-receiver': 'test' }),
            response_body: 'received',
            error_message: null,
            duration_ms: expect.any(Number),
            created_at: expect.stringMatching(TS),
          },
        ],
      });
    });

    it('retries after a 500 with the same X-Idempotency-Key and body; every attempt is recorded', async () => {
      const p = hook();
      receiver.responder = (d, n) => (d.path === p && n === 1 ? { status: 500, body: 'x'.repeat(5000) } : { status: 200, body: 'ok' });
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'fail' });
      const [first, second] = await receiver.waitFor(p, 2);
      expect(second!.headers['x-idempotency-key']).toBe(first!.headers['x-idempotency-key']);
      expect(second!.raw.equals(first!.raw)).toBe(true);
      expect(verifyDelivery(app.settings, second!).ok).toBe(true);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(80); // 2 s × 0.05
      const h = await waitHistory(inv.invoice_id, (x) => x.events[0]?.status === 'success');
      const e = h.events[0];
      expect(e).toMatchObject({ event_type: 'invoice.fail', auto_attempts: 2, total_attempts: 2 });
      expect(e.attempts.map((a: any) => [a.try_number, a.trigger, a.attempt_status, a.http_status])).toEqual([
        [1, 'auto', 'failed', 500],
        [2, 'auto', 'success', 200],
      ]);
      expect(e.attempts[0].response_body).toHaveLength(2048);
      expect(e.attempts[0].error_message).toBe('HTTP 500');
      expect(payloadOf(first!)).toMatchObject({ status: 'fail', reason: 'payment_failed', sub_status: 'payment_failed', payment_method_code: 'monobank' });
    });

    it('a connection error is a failed attempt with an error_message and a next_retry_at', async () => {
      const inv = await create({ callback_url: 'http://127.0.0.1:9/closed' });
      await simulate(inv.invoice_id, { outcome: 'cancel' });
      const h = await waitHistory(inv.invoice_id, (x) => x.events[0]?.attempts.length >= 1);
      const a = h.events[0].attempts[0];
      expect(a).toMatchObject({ trigger: 'auto', attempt_status: 'failed', http_status: null, response_headers: null, response_body: null });
      expect(a.error_message).toMatch(/ECONNREFUSED/);
      expect(h.events[0].status).toBe('pending');
    });

    it('gives up after the schedule: the event is dead', async () => {
      await app.http.put(`${CONTROL}/webhooks`).send({ retry_scale: 0 }).expect(200);
      const p = hook();
      receiver.responder = () => ({ status: 503 });
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'success' });
      const h = await waitHistory(inv.invoice_id, (x) => x.events[0]?.status === 'dead', 20_000);
      expect(h.events[0]).toMatchObject({ auto_attempts: 9, total_attempts: 9, next_retry_at: null });
      expect(h.events[0].attempts.map((a: any) => a.try_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(receiver.to(p)).toHaveLength(9);
    });

    it('a cancel before a method was chosen: deal fields null, is_adjusted false, reason canceled_by_customer', async () => {
      const p = hook();
      const inv = await create({ callback_url: receiver.url + p });
      await app.http.post(`${API}/public/invoice/${inv.invoice_id}/cancel`).expect(200);
      const [d] = await receiver.waitFor(p);
      expect(payloadOf(d!)).toEqual({
        event_id: expect.stringMatching(new RegExp(`^${inv.invoice_id}:canceled:\\d+$`)),
        order_id: inv.invoice_id,
        external_id: inv.external_id,
        status: 'canceled',
        sub_status: null,
        rate_usd: null,
        is_adjusted: false,
        reason: 'canceled_by_customer',
        amount: '1500.00',
        currency: 'UAH',
        amount_fiat: null,
        merchant_usdt: null,
        payment_method_code: null,
      });
    });

    it('an adjustment is a new event (invoice.adjusted) with its own idempotency key', async () => {
      const p = hook();
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'success' });
      await receiver.waitFor(p, 1);
      await simulate(inv.invoice_id, { outcome: 'success', amount_fiat: '1600.00' });
      const [first, second] = await receiver.waitFor(p, 2);
      expect(second!.headers['x-idempotency-key']).not.toBe(first!.headers['x-idempotency-key']);
      expect(payloadOf(second!)).toMatchObject({ status: 'success', is_adjusted: true, amount_fiat: '1600.00', sub_status: 'amount_adjusted' });
      const h = await waitHistory(inv.invoice_id, (x) => x.events.every((e: any) => e.status === 'success'));
      expect(h.events.map((e: any) => e.event_type)).toEqual(['invoice.adjusted', 'invoice.success']);
      expect(h.events_count).toBe(2);
    });
  });

  describe('POST /invoices/{ref}/webhooks/resend', () => {
    it('delivers the latest event now (trigger manual, same idempotency key), then 429 inside the cooldown', async () => {
      const p = hook();
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'success' });
      await waitHistory(inv.invoice_id, (x) => x.events[0]?.status === 'success');
      const r = await app.http.post(`${API}/invoices/${inv.external_id}/webhooks/resend`).set(key).expect(200);
      expect(r.body).toEqual({
        successful: true,
        invoice_id: inv.invoice_id,
        event_id: expect.any(Number),
        resend: { ok: true, http_status: 200, duration_ms: expect.any(Number), attempt_id: expect.any(Number) },
      });
      const [auto, manual] = await receiver.waitFor(p, 2);
      expect(manual!.headers['x-idempotency-key']).toBe(auto!.headers['x-idempotency-key']);
      expect(manual!.raw.equals(auto!.raw)).toBe(true);
      expect(verifyDelivery(app.settings, manual!).ok).toBe(true);
      const h = await history(inv.invoice_id);
      expect(h.events[0]).toMatchObject({ event_id: r.body.event_id, auto_attempts: 1, manual_attempts: 1, total_attempts: 2, status: 'success' });
      expect(h.events[0].attempts.map((a: any) => [a.try_number, a.trigger])).toEqual([
        [1, 'auto'],
        [2, 'manual'],
      ]);
      expect(h.events[0].attempts[1].attempt_id).toBe(r.body.resend.attempt_id);

      const again = await app.http.post(`${API}/invoices/${inv.invoice_id}/webhooks/resend`).set(key);
      expect(again.status).toBe(429);
      expect(again.body).toMatchObject({ successful: false, request_id: expect.any(String), error: { code: 'WEBHOOK_RESEND_COOLDOWN' } });
      const { retry_after_sec, next_allowed_at } = again.body.error.details;
      expect(retry_after_sec).toBeGreaterThanOrEqual(1);
      expect(retry_after_sec).toBeLessThanOrEqual(15);
      expect(next_allowed_at).toMatch(TS);
      expect(again.body.error.meta).toEqual({ retry_after_sec, next_allowed_at });
      expect(again.headers['retry-after']).toBe(String(retry_after_sec));
    });

    it('a resend that fails is recorded and answered ok:false; the event stays pending', async () => {
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      const p = hook();
      receiver.responder = () => ({ status: 502 });
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'expire' });
      const r = await app.http.post(`${API}/invoices/${inv.invoice_id}/webhooks/resend`).set(key).expect(200);
      expect(r.body.resend).toMatchObject({ ok: false, http_status: 502 });
      const h = await history(inv.invoice_id);
      expect(h.events[0]).toMatchObject({ status: 'pending', auto_attempts: 0, manual_attempts: 1 });
      expect(h.events[0].attempts).toMatchObject([{ try_number: 1, trigger: 'manual', attempt_status: 'failed', http_status: 502 }]);
    });

    it('409 WEBHOOK_RESEND_CONFLICT while the worker holds the event', async () => {
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      const inv = await create({ callback_url: receiver.url + hook() });
      await simulate(inv.invoice_id, { outcome: 'success' });
      const lock = await app.http.post(`${CONTROL}/invoices/${inv.invoice_id}/lock-webhook`).expect(200);
      expect(lock.body.data).toMatchObject({ invoice_id: inv.invoice_id, event_id: expect.any(Number), locked_until: expect.stringMatching(TS) });
      const r = await app.http.post(`${API}/invoices/${inv.invoice_id}/webhooks/resend`).set(key);
      expect(r.status).toBe(409);
      expectEnvelope(r.body, 'WEBHOOK_RESEND_CONFLICT');
      const h = await history(inv.invoice_id);
      expect(h.events[0]).toMatchObject({ locked_by: 'sandbox-control', locked_at: expect.stringMatching(TS) });
    });

    it('404 when the invoice has no event or does not exist', async () => {
      const inv = await create();
      expectEnvelope((await app.http.post(`${API}/invoices/${inv.invoice_id}/webhooks/resend`).set(key).expect(404)).body, 'WEBHOOK_EVENT_NOT_FOUND');
      expectEnvelope((await app.http.post(`${API}/invoices/nope/webhooks/resend`).set(key).expect(404)).body, 'INVOICE_NOT_FOUND');
      // no callback_url at all (merchant has no default): no event is written
      const quiet = await app.http.post(`${API}/create-invoice`).set(key).send(invoiceBody({ callback_url: '' }));
      expectEnvelope(quiet.body, 'MISSING_REQUIRED_URLS');
    });
  });

  describe('webhook controls', () => {
    it('disabled: events are recorded but not delivered until enabled again', async () => {
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      const p = hook();
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'success' });
      await sleep(800);
      expect(receiver.to(p)).toHaveLength(0);
      const h = await history(inv.invoice_id);
      expect(h.events[0]).toMatchObject({ status: 'pending', total_attempts: 0, attempts: [] });
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: true }).expect(200);
      await receiver.waitFor(p);
    });

    it('duplicate: each delivery arrives twice, identical', async () => {
      const put = await app.http.put(`${CONTROL}/webhooks`).send({ duplicate: true }).expect(200);
      expect(put.body.data).toEqual({ enabled: true, delay_ms: 0, duplicate: true, reorder: false, retry_scale: null });
      const p = hook();
      const inv = await create({ callback_url: receiver.url + p });
      await simulate(inv.invoice_id, { outcome: 'success' });
      const [a, b] = await receiver.waitFor(p, 2);
      expect(b!.raw.equals(a!.raw)).toBe(true);
      expect(b!.headers['x-idempotency-key']).toBe(a!.headers['x-idempotency-key']);
      const h = await waitHistory(inv.invoice_id, (x) => x.events[0]?.status === 'success');
      expect(h.events[0].total_attempts).toBe(1);
    });

    it('reorder: deliveries are held until the oldest has waited 1 s, then the batch arrives newest first', async () => {
      // Paused while the three events are written, so they form one batch however long that takes.
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      const p = hook();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const inv = await create({ callback_url: receiver.url + p });
        await simulate(inv.invoice_id, { outcome: 'success' });
        ids.push(inv.invoice_id);
      }
      const [{ due }] = await app.app.get(DataSource).query(`SELECT min(next_retry_at) AS due FROM sandbox_webhook_events WHERE invoice_id = ANY($1::uuid[])`, [ids]);
      await app.http.put(`${CONTROL}/webhooks`).send({ enabled: true, reorder: true }).expect(200);
      const got = await receiver.waitFor(p, 3);
      expect(got.map((d) => payloadOf(d).order_id)).toEqual([...ids].reverse());
      // Held: the first delivery went out only once the oldest event had been due for 1 s (same
      // clock; a lower bound, which a slow machine cannot break).
      expect(got[0]!.at).toBeGreaterThanOrEqual(new Date(due).getTime() + 1000);
    });

    it('delay_ms: each delivery waits that long', async () => {
      await app.http.put(`${CONTROL}/webhooks`).send({ delay_ms: 700 }).expect(200);
      const p = hook();
      const inv = await create({ callback_url: receiver.url + p });
      const t0 = Date.now();
      await simulate(inv.invoice_id, { outcome: 'success' });
      const [d] = await receiver.waitFor(p);
      expect(d!.at - t0).toBeGreaterThanOrEqual(650);
    });

    it('refuses bad control bodies', async () => {
      expectEnvelope((await app.http.put(`${CONTROL}/webhooks`).send({ enabled: 'yes' }).expect(422)).body, 'VALIDATION_ERROR');
      expectEnvelope((await app.http.post(`${CONTROL}/faults`).send({ endpoint: 'everything', mode: 'error' }).expect(422)).body, 'VALIDATION_ERROR');
      expectEnvelope((await app.http.post(`${CONTROL}/faults`).send({ endpoint: '*', mode: 'error', status: 418 }).expect(422)).body, 'VALIDATION_ERROR');
      expectEnvelope((await app.http.post(`${CONTROL}/faults`).send({ endpoint: '*', mode: 'delay' }).expect(422)).body, 'VALIDATION_ERROR');
      expectEnvelope((await app.http.post(`${CONTROL}/faults`).send({ endpoint: '*', mode: 'error', probability: 2 }).expect(422)).body, 'VALIDATION_ERROR');
    });
  });

  describe('faults', () => {
    const fault = async (f: Record<string, unknown>) => (await app.http.post(`${CONTROL}/faults`).send(f).expect(201)).body.data;

    it.each([
      [500, 'payment-methods', '/payment-methods', 'INTERNAL_ERROR'],
      [502, 'list-invoices', '/invoices', 'BAD_GATEWAY'],
      [503, 'currencies', '/currencies', 'RATES_UNAVAILABLE'],
      [503, 'withdrawals', '/withdrawals', 'SERVICE_UNAVAILABLE'],
    ])('error %i on %s answers the EccaEx envelope, `times` times', async (status, endpoint, path, code) => {
      await fault({ endpoint, mode: 'error', status, times: 1 });
      const r = await app.http.get(`${API}${path}`).set(key);
      expect(r.status).toBe(status);
      expectEnvelope(r.body, code);
      expect((await app.http.get(`${API}${path}`).set(key)).status).toBe(200);
    });

    it('error 429 carries retry_after_sec (details and Retry-After)', async () => {
      const inv = await create();
      await fault({ endpoint: 'get-invoice', mode: 'error', status: 429, retry_after_sec: 7 });
      const r = await app.http.get(`${API}/invoices/${inv.invoice_id}`).set(key);
      expect(r.status).toBe(429);
      expectEnvelope(r.body, 'RATE_LIMITED');
      expect(r.body.error.details.retry_after_sec).toBe(7);
      expect(r.headers['retry-after']).toBe('7');
      // unlimited until cleared; other endpoints untouched
      expect((await app.http.get(`${API}/invoices/${inv.invoice_id}`).set(key)).status).toBe(429);
      expect((await app.http.get(`${API}/invoices/${inv.invoice_id}/webhooks`).set(key)).status).toBe(200);
      await app.http.delete(`${CONTROL}/faults`).expect(200);
      expect((await app.http.get(`${API}/invoices/${inv.invoice_id}`).set(key)).status).toBe(200);
    });

    it('"*" matches every endpoint, public ones included; probability 0 never fires', async () => {
      const inv = await create();
      await fault({ endpoint: 'withdrawal', mode: 'error', status: 500, probability: 0 });
      await fault({ endpoint: '*', mode: 'error', status: 502, times: 3 });
      expect((await app.http.get(`${API}/currencies`).set(key)).status).toBe(502);
      expect((await app.http.get(`${API}/public/invoice/${inv.invoice_id}/payment-methods`)).status).toBe(502);
      expect((await app.http.post(`${API}/invoices/${inv.invoice_id}/webhooks/resend`).set(key)).status).toBe(502);
      expect((await app.http.get(`${API}/currencies`).set(key)).status).toBe(200);
      expect((await app.http.get(`${API}/withdrawals/0b5f2f4e-0000-4000-8000-000000000000`).set(key)).status).toBe(404);
      const listed = (await app.http.get(`${CONTROL}/faults`).expect(200)).body.data;
      expect(listed).toMatchObject([{ endpoint: 'withdrawal', probability: 0, applied: 0 }]);
    });

    it('"public" applies to the customer-side endpoints only', async () => {
      const inv = await create();
      await fault({ endpoint: 'public', mode: 'error', status: 503 });
      expect((await app.http.post(`${API}/public/invoice/${inv.invoice_id}/select-method`).send({ method_code: 'monobank' })).status).toBe(503);
      expect((await app.http.get(`${API}/invoices/${inv.invoice_id}`).set(key)).status).toBe(200);
      expect((await app.http.get(`${API}/invoices/${inv.invoice_id}`).set(key)).body.data.method_selected).toBe(false);
    });

    it('delay: waits delay_ms, then answers normally', async () => {
      await fault({ endpoint: 'currencies', mode: 'delay', delay_ms: 600, times: 1 });
      const t0 = Date.now();
      const r = await app.http.get(`${API}/currencies`).set(key);
      expect(r.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(580);
    });

    it('drop: the connection is destroyed without an answer', async () => {
      await fault({ endpoint: 'withdrawals', mode: 'drop', times: 1 });
      const r = await rawCall(app.url, 'GET', `${API}/withdrawals`, { headers: key });
      expect(r.status).toBeUndefined();
      expect(r.error).toMatch(/ECONNRESET|socket hang up/);
      expect((await app.http.get(`${API}/withdrawals`).set(key)).status).toBe(200);
    });

    it('timeout: hangs without doing the work until the client gives up', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'timeout', times: 1 });
      const body = invoiceBody({ external_id: ext('timeout') });
      const r = await rawCall(app.url, 'POST', `${API}/create-invoice`, { headers: key, body, timeoutMs: 600 });
      expect(r.error).toBe('timeout');
      expect(r.ms).toBeGreaterThanOrEqual(550);
      expectEnvelope((await app.http.get(`${API}/invoices/${body.external_id}`).set(key).expect(404)).body, 'INVOICE_NOT_FOUND');
    });

    it('timeout_after_work: does the work, then hangs and never answers', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'timeout_after_work', times: 1 });
      const body = invoiceBody({ external_id: ext('after-work') });
      const r = await rawCall(app.url, 'POST', `${API}/create-invoice`, { headers: key, body, timeoutMs: 600 });
      expect(r.error).toBe('timeout');
      const found = await app.http.get(`${API}/invoices/${body.external_id}`).set(key).expect(200);
      expect(found.body.data.status).toBe('pending');
      // a retry of the create now meets the duplicate
      expectEnvelope((await app.http.post(`${API}/create-invoice`).set(key).send(body).expect(409)).body, 'DUPLICATE_EXTERNAL_ID');
    });

    it('a timeout is released when its hang_ms runs out (then the socket is destroyed)', async () => {
      await fault({ endpoint: 'currencies', mode: 'timeout', hang_ms: 300, times: 1 });
      const r = await rawCall(app.url, 'GET', `${API}/currencies`, { headers: key, timeoutMs: 3000 });
      expect(r.status).toBeUndefined();
      expect(r.error).toMatch(/ECONNRESET|socket hang up/);
      expect(r.ms).toBeLessThan(2500);
    });
  });
});
