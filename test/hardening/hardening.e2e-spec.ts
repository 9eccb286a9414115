import { DataSource } from 'typeorm';
import { loadSettings, SettingsError } from '../../src/config/settings';
import { ops, startTestApp, storefront, TestApp } from '../support/app';
import { SANDBOX } from '../support/callbacks';

const API_CSP = "default-src 'none'";
const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'strict-transport-security', 'cross-origin-opener-policy', 'cross-origin-resource-policy'];

function expectSecurityHeaders(headers: Record<string, string>) {
  for (const h of SECURITY_HEADERS) expect([h, headers[h]]).toEqual([h, expect.any(String)]);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-powered-by']).toBeUndefined();
}

/** A 5xx body: the envelope, and nothing that looks like a stack, SQL or a secret. */
function expectClean5xx(res: { status: number; body: unknown; text: string }) {
  expect(res.status).toBeGreaterThanOrEqual(500);
  const body = res.body as { error: { code: string; message: string; details: object }; request_id: string };
  expect(Object.keys(body).sort()).toEqual(['error', 'request_id']);
  expect(typeof body.error.code).toBe('string');
  expect(res.text).not.toMatch(/\bat \S+ \(|\.ts:\d+|\.js:\d+|node_modules|stack/i);
  expect(res.text).not.toMatch(/\b(select|insert|update|delete)\b.*\b(from|into|set)\b|relation "|syntax error|QueryFailed/i);
  expect(res.text).not.toMatch(/sk_test_|whsk_test_|Bearer/);
}

describe('hardening', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  describe('security headers', () => {
    it('are on API replies, errors and unknown routes, with a CSP that allows nothing', async () => {
      for (const res of [
        await t.http.get('/health/live'),
        await t.http.get('/v1/orders/nope'),
        await t.http.get('/v1/orders/nope').set(storefront),
        await t.http.get('/no-such-route'),
        await t.http.get('/docs-json'),
      ]) {
        expectSecurityHeaders(res.headers as Record<string, string>);
        expect(res.headers['content-security-policy']).toContain(API_CSP);
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.headers['x-request-id']).toEqual(expect.any(String));
      }
    });

    it('give HTML pages (/docs, the hosted payment page) a CSP for their own and inline scripts and styles', async () => {
      const docs = await t.http.get('/docs');
      expect(docs.status).toBe(200);
      expect(docs.headers['content-type']).toMatch(/text\/html/);
      expectSecurityHeaders(docs.headers as Record<string, string>);
      const csp = docs.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self' 'unsafe-inline'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).not.toContain("'unsafe-eval'");
      // The UI's own assets still load.
      const asset = docs.text.match(/src="\.\/(docs\/[^"]+\.js)"/)?.[1] ?? 'docs/swagger-ui-bundle.js';
      expect((await t.http.get(`/${asset}`)).status).toBe(200);

      const order = await t.http.post('/v1/orders').set(ops).send({ amount: '10.00', currency: 'UAH', customer_id: 'csp' }).expect(201);
      const page = await t.http.get(new URL(order.body.payment_link).pathname);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
      expect(page.headers['content-security-policy']).toContain("form-action 'self'");
    });
  });

  describe('body limit', () => {
    it('answers 413 PAYLOAD_TOO_LARGE in the envelope past 1 MiB', async () => {
      const big = JSON.stringify({ amount: '10.00', currency: 'UAH', customer_id: 'big', description: 'x'.repeat(1024 * 1024) });
      const res = await t.http.post('/v1/orders').set(ops).set('Content-Type', 'application/json').send(big);
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(res.body.request_id).toBe(res.headers['x-request-id']);
      expectSecurityHeaders(res.headers as Record<string, string>);
    });

    it('takes a body just under 1 MiB (refused by validation, not by size)', async () => {
      const body = JSON.stringify({ amount: '10.00', currency: 'UAH', customer_id: 'big', description: 'x'.repeat(1000 * 1000) });
      const res = await t.http.post('/v1/orders').set(ops).set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.fields.description).toBeDefined();
    });
  });

  describe('content type', () => {
    it.each([
      ['text/plain', '{"amount":"10.00","currency":"UAH","customer_id":"ct"}'],
      ['application/x-www-form-urlencoded', 'amount=10.00&currency=UAH&customer_id=ct'],
      ['application/xml', '<order/>'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'],
    ])('refuses %s on the /v1 API with 415 UNSUPPORTED_MEDIA_TYPE', async (type, body) => {
      const res = await t.http.post('/v1/orders').set(storefront).set('Content-Type', type).send(body);
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.request_id).toBe(res.headers['x-request-id']);
      expectSecurityHeaders(res.headers as Record<string, string>);
    });

    it('refuses a body without a content type, and on ops routes too', async () => {
      const raw = await t.http.post('/v1/orders').set(storefront).set('Content-Type', '').send(Buffer.from('{"a":1}'));
      expect(raw.status).toBe(415);
      const opsRoute = await t.http.post('/v1/withdrawals/sync').set(ops).set('Content-Type', 'text/plain').send('x');
      expect(opsRoute.status).toBe(415);
    });

    it('accepts application/json with a charset, and body-less POSTs', async () => {
      const res = await t.http
        .post('/v1/orders')
        .set(storefront)
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ amount: '10.00', currency: 'UAH', customer_id: 'ct' }));
      expect(res.status).toBe(201);
      const cancel = await t.http.post(`/v1/orders/${res.body.id}/cancel`).set(storefront);
      expect(cancel.status).toBe(200);
      expect(cancel.body.status).toBe('canceled');
    });

    it('keeps the HTML form posts of the sandbox pages working', async () => {
      const order = await t.http.post('/v1/orders').set(ops).send({ amount: '10.00', currency: 'UAH', customer_id: 'form', fail_url: 'https://shop.example/failed' }).expect(201);
      const path = new URL(order.body.payment_link).pathname;
      const res = await t.http.post(`${path}/cancel`).set('Content-Type', 'application/x-www-form-urlencoded').send('confirm=1');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('https://shop.example/failed');
    });
  });

  describe('input limits', () => {
    it('checks metadata and string sizes', async () => {
      const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
      for (const over of [{ metadata: tooMany }, { metadata: { k: 'v'.repeat(501) } }, { metadata: { k: 1 } }, { description: 'd'.repeat(513) }, { customer_id: 'c'.repeat(129) }, { external_id: 'bad id' }]) {
        const res = await t.http.post('/v1/orders').set(storefront).send({ amount: '10.00', currency: 'UAH', customer_id: 'lim', ...over });
        expect([Object.keys(over)[0], res.status, res.body.error.code]).toEqual([Object.keys(over)[0], 400, 'VALIDATION_FAILED']);
        expect(res.body.error.details.fields[Object.keys(over)[0]!]).toBeDefined();
      }
    });

    it('takes success_url / fail_url only as absolute http(s) URLs without credentials', async () => {
      for (const bad of ['/relative', 'ftp://shop.example/x', 'javascript:alert(1)', 'https://user:pass@shop.example/x', 'https://token@shop.example/x', 'not a url']) {
        const res = await t.http.post('/v1/orders').set(storefront).send({ amount: '10.00', currency: 'UAH', customer_id: 'url', success_url: bad, fail_url: bad });
        expect([bad, res.status]).toEqual([bad, 400]);
        expect(Object.keys(res.body.error.details.fields).sort()).toEqual(['fail_url', 'success_url']);
        expect(JSON.stringify(res.body)).not.toContain('pass@');
      }
      const ok = await t.http.post('/v1/orders').set(storefront).send({ amount: '10.00', currency: 'UAH', customer_id: 'url', success_url: 'http://shop.example/ok', fail_url: 'https://shop.example/fail?x=1' });
      expect(ok.status).toBe(201);
    });

    it('lets operators point MERCHANT_WEBHOOK_URL at their own network, never with credentials', () => {
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      for (const url of ['http://127.0.0.1:8080/hooks', 'http://localhost/hooks', 'http://10.1.2.3/hooks', 'http://192.168.0.10:9000/x', 'http://[::1]:3000/h', 'https://shop.internal/hooks']) {
        expect(loadSettings({ MERCHANT_WEBHOOK_URL: url, MERCHANT_WEBHOOK_SECRET: secret }).merchantWebhookUrl).toBe(url.replace(/\/+$/, ''));
      }
      for (const url of ['http://user:pw@10.1.2.3/hooks', 'ftp://10.1.2.3/x', '/hooks']) {
        let err: unknown;
        try {
          loadSettings({ MERCHANT_WEBHOOK_URL: url, MERCHANT_WEBHOOK_SECRET: secret });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(SettingsError);
        expect((err as Error).message).toMatch(/^Invalid setting MERCHANT_WEBHOOK_URL: /);
        expect((err as Error).message).not.toContain('pw@');
      }
    });
  });

  describe('5xx bodies', () => {
    it('carry no stack, SQL or secret when the database fails under a request', async () => {
      const order = await t.http.post('/v1/orders').set(ops).send({ amount: '10.00', currency: 'UAH', customer_id: 'x5' }).expect(201);
      const ds = t.app.get(DataSource);
      await ds.query('ALTER TABLE orders RENAME TO orders_hidden');
      try {
        const read = await t.http.get(`/v1/orders/${order.body.id}`).set(ops);
        expectClean5xx(read);
        expect(read.body.error.code).toBe('INTERNAL_ERROR');
        const list = await t.http.get('/v1/orders?limit=5').set(ops);
        expectClean5xx(list);
      } finally {
        await ds.query('ALTER TABLE orders_hidden RENAME TO orders');
      }
      expect((await t.http.get(`/v1/orders/${order.body.id}`).set(ops)).status).toBe(200);
    });

    it('carry no gateway internals when the gateway fails', async () => {
      await t.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'create-invoice', mode: 'error', status: 500, times: 10 }).expect(201);
      try {
        const res = await t.http.post('/v1/orders').set(ops).send({ amount: '10.00', currency: 'UAH', customer_id: 'gw5' });
        expectClean5xx(res);
        expect(['GATEWAY_ERROR', 'GATEWAY_UNAVAILABLE']).toContain(res.body.error.code);
        expect(res.text).not.toContain(t.settings.eccaex.apiKey);
      } finally {
        await t.http.delete(`${SANDBOX}/_control/faults`);
      }
    });
  });
});
