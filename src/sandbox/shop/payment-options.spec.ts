import { groupThousands, utcTime } from '../../common/html';
import { productBySku } from './catalog';
import { ApiMethod, payOptions } from './payment-options';
import { paidFigures } from './shop.controller';
import { ApiOrder } from './storefront.client';

const m = (method_code: string, name: string, currency: string | null, min: string | null = null, max: string | null = null): ApiMethod => ({
  method_code, name, min_sum: min, max_sum: max, currency: currency ? { code: currency } : null,
});
const ECCAEX = [m('monobank', 'Monobank UA', 'UAH', '1.00', '10000.00'), m('privatbank', 'PrivatBank UA', 'UAH', '1.00', '15000.00'), m('sepa', 'SEPA', 'EUR', '10.00', '5000.00')];
const SMARTWM = [m('visamaster.uah', 'Visa / Mastercard (UAH)', 'UAH'), m('mpesa-congo.usd', 'M-Pesa Congo (USD)', 'USD'), m('visamaster.ngn', 'Visa / Mastercard (NGN)', 'NGN'), m('upi.inr', 'UPI India', null)];

describe('demo shop: ways to pay', () => {
  const month = productBySku('premium-1m')!;
  const year = productBySku('premium-12m')!;

  it('offers only the gateways that are on, each with what the buyer pays in which currency', () => {
    expect(payOptions(month, { eccaex: ECCAEX }).map((g) => g.provider)).toEqual(['eccaex']);
    const all = payOptions(month, { eccaex: ECCAEX, cryptosteroid: [m('USDT_TRC20', 'USDT (TRC-20)', null)], smartwm: SMARTWM });
    expect(all.flatMap((g) => g.options.map((o) => [o.value, o.amount, o.currency]))).toEqual([
      ['eccaex', '1500.00', 'UAH'],
      ['cryptosteroid:USDT_TRC20', '36.00', 'USD'],
      ['smartwm:visamaster.uah', '1500.00', 'UAH'],
      ['smartwm:mpesa-congo.usd', '36.00', 'USD'],
    ]);
  });

  it('EccaEx names the methods whose limits take the price; none → not offered', () => {
    expect(payOptions(year, { eccaex: ECCAEX })[0]!.options[0]!.detail).toBe('PrivatBank UA: you choose on the EccaEx page');
    expect(payOptions(year, { eccaex: ECCAEX.slice(0, 1) })).toEqual([]);
  });

  it('a CryptoSteroid that lists no coins is one option, the coin chosen on its page', () => {
    expect(payOptions(month, { cryptosteroid: null })[0]!.options).toEqual([
      expect.objectContaining({ value: 'cryptosteroid', method: null, amount: '36.00', currency: 'USD' }),
    ]);
  });
});

describe('demo shop: what the buyer paid', () => {
  const order = (payment: ApiOrder['payment']): ApiOrder => ({
    id: 'x', external_id: 'shop-1', provider: 'eccaex', status: 'paid', amount: '1500.00', currency: 'UAH', customer_id: 'c', description: null, metadata: {}, payment_link: null, payment, paid_at: null, updated_at: '',
  });

  it('EccaEx: amount_fiat, with the commission over the price', () => {
    expect(paidFigures(order({ method_code: 'monobank', amount_fiat: '1537.50' }))).toEqual({ paid: '1537.50', currency: 'UAH', commission: '37.50' });
    expect(paidFigures(order({ method_code: 'x', amount_fiat: '1500.00' }))).toEqual({ paid: '1500.00', currency: 'UAH', commission: null });
  });

  it('CryptoSteroid: the coin received; nothing reported → null', () => {
    expect(paidFigures(order({ method_code: 'USDT_TRC20', amount_fiat: null, coin: 'USDT_TRC20', coin_received: '36.12' }))).toEqual({ paid: '36.12', currency: 'USDT_TRC20', commission: null });
    expect(paidFigures(order({ method_code: 'visamaster.uah', amount_fiat: null }))).toBeNull();
    expect(paidFigures(order(null))).toBeNull();
  });

  it('money has thousands separators, times are UTC to the second', () => {
    expect(['0.01', '999.99', '1000.00', '1537.50', '10000000.00', '123456789012.34'].map(groupThousands)).toEqual([
      '0.01', '999.99', '1,000.00', '1,537.50', '10,000,000.00', '123,456,789,012.34',
    ]);
    expect(utcTime('2026-11-30T04:45:12.345Z')).toBe('2026-11-30 04:45:12 UTC');
  });
});
