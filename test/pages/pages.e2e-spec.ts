import { freePort, startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

/** The pages as HTTP resources: who serves what in which mode, with which headers. */
describe('pages: ops console in every mode, demo shop in sandbox mode only', () => {
  describe('live mode', () => {
    let app: TestApp;
    beforeAll(async () => {
      // A gateway that is never reached: the pages need none.
      app = await startTestApp({ ECCAEX_API_KEY: 'live_key_for_tests_0123456789', ECCAEX_BASE_URL: `http://127.0.0.1:${await freePort()}/api/v1`, DATABASE_EMBEDDED_LIVE: 'true', SMARTWM_MODE: 'off', CRYPTOSTEROID_MODE: 'off' });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('serves the ops console shell without a key: no data and no key in it, the page CSP', async () => {
      const r = await app.http.get('/ops').expect(200);
      expect(r.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(r.text).toMatch(/^<!doctype html>/i);
      expect(r.text).toContain('<script src="/ops/assets/app.js" defer></script>');
      expect(r.text).toContain('<link rel="stylesheet" href="/ops/assets/app.css">');
      expect(r.text).not.toMatch(/<script[^>]+src="https?:|<link[^>]+href="https?:/);
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['content-security-policy']).toContain("connect-src 'self'");
    });

    it('serves its built bundle (script and styles) from /ops/assets/, revalidated on each load', async () => {
      const r = await app.http.get('/ops/assets/app.js').expect(200);
      expect(r.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['cache-control']).toMatch(/max-age=0/);
      expect(r.headers.etag).toEqual(expect.any(String));
      expect(r.text).toContain('sessionStorage');
      const css = await app.http.get('/ops/assets/app.css').expect(200);
      expect(css.headers['content-type']).toMatch(/^text\/css/);
      // Nothing else of the build folder or the disk: no listing, no way up.
      expect([403, 404]).toContain((await app.http.get('/ops/assets/')).status);
      expect([403, 404]).toContain((await app.http.get('/ops/assets/..%2F..%2Fpackage.json')).status);
      expect([403, 404]).toContain((await app.http.get('/ops/assets/app.js.map/../../../../package.json')).status);
      await app.http.get('/ops/app.js').expect(404);
    });

    it('has no demo shop and no sandbox gateway', async () => {
      await app.http.get('/sandbox/shop').expect(404);
      await app.http.get('/sandbox/eccaex/pay/00000000-0000-4000-8000-000000000000').expect(404);
      await app.http.get('/sandbox/smartwm/pay/0000-0000-0000-0000-0000-0000-0000-0000').expect(404);
    });

    it('keeps the pages out of the OpenAPI document', async () => {
      const doc = (await app.http.get('/docs-json').expect(200)).body as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ops') || p.startsWith('/sandbox'))).toEqual([]);
    });
  });

  describe('sandbox mode', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp();
    });
    afterAll(async () => {
      await app?.close();
    });

    it('the shop creates the order through POST /v1/orders and 303s to its payment_link', async () => {
      const page = await app.http.get('/sandbox/shop').expect(200);
      expect(page.text).toContain('action="/sandbox/shop/checkout"');
      const checkout = await app.http.get('/sandbox/shop/checkout?sku=premium-12m&customer_id=form_buyer').expect(200);
      expect(checkout.text).toContain('action="/sandbox/shop/buy"');
      expect(checkout.text).toContain('value="eccaex"');
      const r = await app.http.post('/sandbox/shop/buy').type('form').send({ sku: 'premium-12m', customer_id: 'form_buyer' }).expect(303);
      expect(r.headers.location).toMatch(new RegExp(`^${app.url}/sandbox/eccaex/pay/[0-9a-f-]{36}$`));
      const list = (await app.http.get('/v1/orders?customer_id=form_buyer').set({ Authorization: `Bearer ${app.settings.opsApiKeys[0]}` }).expect(200)).body.data;
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ amount: '12000.00', currency: 'UAH', status: 'awaiting_payment', metadata: { source: 'sandbox-shop', sku: 'premium-12m' } });
      // The storefront key stays on the server.
      expect(page.text).not.toContain(app.settings.storefrontApiKeys[0]!);

      const status = await app.http.get(`/sandbox/shop/orders/${list[0].external_id}`).expect(200);
      expect(status.body).toMatchObject({ order: list[0].external_id, status: 'awaiting_payment', terminal: false, payment_link: list[0].payment_link });
      expect(status.body).not.toHaveProperty('id');
      expect(status.body).not.toHaveProperty('customer_id');
    });

    it('the status endpoint answers for shop orders only, by their shop number', async () => {
      const order = (await app.http.post('/v1/orders').set({ Authorization: `Bearer ${app.settings.storefrontApiKeys[0]}` }).send({ amount: '1500.00', currency: 'UAH', customer_id: 'api_user' }).expect(201)).body;
      const r = await app.http.get(`/sandbox/shop/orders/${order.external_id}`).expect(404);
      expect(r.body.error.code).toBe('ORDER_NOT_FOUND');
      await app.http.get(`/sandbox/shop/orders/${order.id}`).expect(404);
      await app.http.get('/sandbox/shop/orders/%3Cscript%3E').expect(404);
    });

    it('an unknown product, and an order the API refuses, give an HTML error page naming the reason', async () => {
      const bad = await app.http.post('/sandbox/shop/buy').type('form').send({ sku: 'nope' }).expect(400);
      expect(bad.headers['content-type']).toMatch(/^text\/html/);
      expect(bad.text).toContain('Unknown product');
      const refused = await app.http.post('/sandbox/shop/buy').type('form').send({ sku: 'premium-1m', customer_id: 'x'.repeat(129) }).expect(400);
      expect(refused.text).toContain('VALIDATION_FAILED');
      expect(refused.text).toContain('customer_id');
    });

    it('escapes what it echoes', async () => {
      const r = await app.http.get('/sandbox/shop/success?order=%3Cimg%20src%3Dx%3E').expect(404);
      expect(r.text).not.toContain('<img src=x>');
      expect(r.text).toContain('&lt;img src=x&gt;');
    });
  });
});
