import { ops, startTestApp, storefront, TestApp } from '../support/app';

// GET /v1/gateways (docs/api.md section 5): the gateways that are on, over the real HTTP stack,
// with the facts a storefront builds its checkout from.

jest.setTimeout(120_000);

describe('GET /v1/gateways', () => {
  describe('with the three gateways on (sandbox)', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ CRYPTOSTEROID_MODE: 'sandbox', SMARTWM_MODE: 'sandbox' });
    }, 60_000);
    afterAll(async () => {
      await app?.close();
    });

    it('lists each, in order of preference, with its label, mode, capabilities and checkout hints', async () => {
      const res = await app.http.get('/v1/gateways').set(storefront).expect(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body).toEqual({
        data: [
          {
            provider: 'eccaex',
            label: 'EccaEx',
            mode: 'sandbox',
            default: true,
            capabilities: { cancel: true, catalogue: true, webhook_history: true, withdrawals: true, payment_method_required: false },
            checkout: { title: 'Card or bank transfer', method_choice: 'gateway', methods_by_currency: true, order_currencies: null, option_label: 'Pay in hryvnia', method_noun: null },
          },
          {
            provider: 'cryptosteroid',
            label: 'CryptoSteroid',
            mode: 'sandbox',
            default: false,
            capabilities: { cancel: true, catalogue: false, webhook_history: false, withdrawals: false, payment_method_required: false },
            checkout: { title: 'Cryptocurrency', method_choice: 'storefront', methods_by_currency: false, order_currencies: ['USD', 'EUR', 'RUB'], option_label: 'Pay with a coin', method_noun: 'coin' },
          },
          {
            provider: 'smartwm',
            label: 'SmartWM',
            mode: 'sandbox',
            default: false,
            capabilities: { cancel: false, catalogue: true, webhook_history: false, withdrawals: false, payment_method_required: true },
            checkout: { title: 'Card or mobile money', method_choice: 'storefront', methods_by_currency: false, order_currencies: null, option_label: null, method_noun: null },
          },
        ],
      });
    });

    it('agrees with what the other routes do: a gateway without a catalogue is NOT_SUPPORTED there', async () => {
      const { body } = await app.http.get('/v1/gateways').set(storefront).expect(200);
      for (const g of body.data as Array<{ provider: string; capabilities: { catalogue: boolean } }>) {
        const r = await app.http.get(`/v1/payment-methods?provider=${g.provider}`).set(storefront);
        if (g.capabilities.catalogue) expect({ p: g.provider, status: r.status }).toEqual({ p: g.provider, status: 200 });
        else expect({ p: g.provider, status: r.status, code: r.body.error?.code }).toEqual({ p: g.provider, status: 400, code: 'NOT_SUPPORTED' });
      }
    });

    it('takes an ops key too; no key or a wrong one is 401 UNAUTHENTICATED', async () => {
      await app.http.get('/v1/gateways').set(ops).expect(200);
      const none = await app.http.get('/v1/gateways').expect(401);
      expect(none.body.error.code).toBe('UNAUTHENTICATED');
      const wrong = await app.http.get('/v1/gateways').set({ Authorization: 'Bearer nope' }).expect(401);
      expect(wrong.body.error.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('with one gateway on', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ ECCAEX_MODE: 'off', CRYPTOSTEROID_MODE: 'sandbox', SMARTWM_MODE: 'off' });
    }, 60_000);
    afterAll(async () => {
      await app?.close();
    });

    it('lists only that one, as the default; the gateways that are off are not listed', async () => {
      const res = await app.http.get('/v1/gateways').set(storefront).expect(200);
      expect(res.body.data.map((g: { provider: string; default: boolean }) => [g.provider, g.default])).toEqual([['cryptosteroid', true]]);
    });
  });
});
