import { SMARTWM_METHOD_CODES } from './smartwm.methods';
import { SmartwmClient } from './smartwm.client';
import { SmartwmGateway } from './smartwm.gateway';

/** The checks made before anything is sent (the client here points nowhere: nothing may be sent). */
describe('SmartwmGateway.checkOrder and the catalogue', () => {
  const gateway = (methods: string[] = ['visamaster.uah', 'mpesa-congo.usd', 'usdt_trc20']) =>
    new SmartwmGateway(new SmartwmClient({ baseUrl: 'http://127.0.0.1:1', clientId: '1', secret: 's', timeoutMs: 100 }), {
      settings: { paymentMethods: methods, timeoutMs: 100, utcOffset: 'Z' },
      publicBaseUrl: 'https://pay.shop.example',
    });

  it.each<[string, string | null, string, Record<string, unknown[]> | null]>([
    ['an enabled method in its own currency', 'visamaster.uah', 'UAH', null],
    ['mobile money in USD', 'mpesa-congo.usd', 'USD', null],
    ['no method', null, 'UAH', { payment_method: [expect.stringMatching(/required/)] }],
    ['a method the cash register has not enabled', 'visamaster.usd', 'USD', { payment_method: [expect.stringMatching(/not enabled/)] }],
    ['another currency than the method settles in', 'visamaster.uah', 'USD', { currency: ['payment method visamaster.uah takes UAH, not USD'] }],
    ['a crypto method (no ISO suffix)', 'usdt_trc20', 'USD', { payment_method: [expect.stringMatching(/no ISO currency/)] }],
  ])('%s', (_name, method, currency, expected) => {
    expect(gateway().checkOrder({ amount: '1000.00', currency, paymentMethod: method })).toEqual(expected);
  });

  it('payment methods: what is enabled and has an ISO currency, filtered by currency', async () => {
    const g = gateway();
    expect((await g.listPaymentMethods()).map((m) => [m.method_code, m.currency?.code, m.name])).toEqual([
      ['visamaster.uah', 'UAH', 'Visa / Mastercard (UAH)'],
      ['mpesa-congo.usd', 'USD', 'M-Pesa Congo (USD)'],
    ]);
    expect((await g.listPaymentMethods('USD')).map((m) => m.method_code)).toEqual(['mpesa-congo.usd']);
    expect((await g.listCurrencies()).map((c) => c.currency)).toEqual(['UAH', 'USD']);
    expect((await gateway([...SMARTWM_METHOD_CODES]).listPaymentMethods()).length).toBe(SMARTWM_METHOD_CODES.filter((c) => c.includes('.')).length);
  });

  it('capabilities: a method is required; no cancel, history or withdrawals', () => {
    expect(gateway().capabilities).toEqual({ cancel: false, webhookHistory: false, withdrawals: false, catalogue: true, paymentMethodRequired: true });
  });
});
