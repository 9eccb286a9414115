import { groupThousands, utcTime } from '../../common/html';
import { productBySku } from './catalog';
import { ApiGateway, ApiMethod, defaultOption, GatewayOffer, payOptions } from './payment-options';
import { paidFigures } from './shop.controller';
import { ApiOrder } from './storefront.client';

const m = (method_code: string, name: string, currency: string | null, min: string | null = null, max: string | null = null): ApiMethod => ({
  method_code, name, min_sum: min, max_sum: max, currency: currency ? { code: currency } : null,
});

// Made-up gateways: the shop's rules are driven by GET /v1/gateways facts, not by names.
const gw = (provider: string, label: string, checkout: Partial<ApiGateway['checkout']>, required = false, isDefault = false): ApiGateway => ({
  provider,
  label,
  default: isDefault,
  capabilities: { payment_method_required: required },
  checkout: { title: 'Pay', method_choice: 'storefront', methods_by_currency: false, order_currencies: null, option_label: null, method_noun: null, ...checkout },
});
/** The bank is picked on the gateway's page; banks listed by currency, with limits. */
const BANKS = gw('bankpage', 'BankPage', { title: 'Card or bank transfer', method_choice: 'gateway', methods_by_currency: true, option_label: 'Pay in hryvnia' }, false, true);
/** A coin may be named here; orders priced in the first of its currencies the shop sells. */
const COINS = gw('coinhub', 'CoinHub', { title: 'Cryptocurrency', order_currencies: ['EUR', 'USD'], option_label: 'Pay with a coin', method_noun: 'coin' });
/** Each method named here (required), in its own currency. */
const CARDS = gw('cardwall', 'CardWall', { title: 'Card or mobile money' }, true);

const BANK_LIST = [m('monobank', 'Monobank UA', 'UAH', '1.00', '10000.00'), m('privatbank', 'PrivatBank UA', 'UAH', '1.00', '15000.00'), m('sepa', 'SEPA', 'EUR', '10.00', '5000.00')];
const CARD_LIST = [m('visamaster.uah', 'Visa / Mastercard (UAH)', 'UAH'), m('mpesa-congo.usd', 'M-Pesa Congo (USD)', 'USD'), m('visamaster.ngn', 'Visa / Mastercard (NGN)', 'NGN'), m('upi.inr', 'UPI India', null)];
const offer = (gateway: ApiGateway, methods: ApiMethod[] | null): GatewayOffer => ({ gateway, methods });

describe('demo shop: ways to pay', () => {
  const month = productBySku('premium-1m')!;
  const year = productBySku('premium-12m')!;

  it('offers only the gateways that are on, in their order, each with what the buyer pays in which currency', () => {
    expect(payOptions(month, [offer(BANKS, BANK_LIST)]).map((g) => g.provider)).toEqual(['bankpage']);
    const all = payOptions(month, [offer(BANKS, BANK_LIST), offer(COINS, [m('USDT_TRC20', 'USDT (TRC-20)', null)]), offer(CARDS, CARD_LIST)]);
    expect(all.map((g) => g.title)).toEqual(['Card or bank transfer (BankPage)', 'Cryptocurrency (CoinHub)', 'Card or mobile money (CardWall)']);
    expect(all.flatMap((g) => g.options.map((o) => [o.value, o.method, o.amount, o.currency]))).toEqual([
      ['bankpage', null, '1500.00', 'UAH'],
      ['coinhub:USDT_TRC20', 'USDT_TRC20', '36.00', 'USD'],
      ['cardwall:visamaster.uah', 'visamaster.uah', '1500.00', 'UAH'],
      ['cardwall:mpesa-congo.usd', 'mpesa-congo.usd', '36.00', 'USD'],
    ]);
    expect(all[1]!.options[0]!.detail).toBe('the coin amount is shown on the CoinHub page');
    expect(all[2]!.options[0]!.detail).toBe('paid in UAH on the CardWall page');
  });

  it('method picked on the gateway page: one choice naming the methods whose limits take the price; none → not offered', () => {
    expect(payOptions(month, [offer(BANKS, BANK_LIST)])[0]!.options[0]).toEqual(
      expect.objectContaining({ label: 'Pay in hryvnia', detail: 'Monobank UA, PrivatBank UA: you choose on the BankPage page' }),
    );
    expect(payOptions(year, [offer(BANKS, BANK_LIST)])[0]!.options[0]!.detail).toBe('PrivatBank UA: you choose on the BankPage page');
    expect(payOptions(year, [offer(BANKS, BANK_LIST.slice(0, 1))])).toEqual([]);
    // No option label from the gateway: the currency says it.
    expect(payOptions(month, [offer({ ...BANKS, checkout: { ...BANKS.checkout, option_label: null } }, BANK_LIST)])[0]!.options[0]!.label).toBe('Pay in UAH');
  });

  it('a gateway that lists no methods is one choice, the method chosen on its page; none when the order must name one', () => {
    expect(payOptions(month, [offer(COINS, null)])[0]!.options).toEqual([
      expect.objectContaining({ value: 'coinhub', method: null, label: 'Pay with a coin', detail: 'you choose the coin on the CoinHub page', amount: '36.00', currency: 'USD' }),
    ]);
    expect(payOptions(month, [offer(CARDS, null)])).toEqual([]);
    expect(payOptions(month, [offer(COINS, [])])).toEqual([]);
  });

  it('methods picked here: in their own currency when the shop sells in it, else in the gateway order currencies; limits apply', () => {
    // A method without a currency, at a gateway that names no order currency: the shop cannot price it.
    expect(payOptions(month, [offer(CARDS, [m('upi.inr', 'UPI India', null)])])).toEqual([]);
    // A gateway whose order currencies the shop sells in none of.
    expect(payOptions(month, [offer({ ...COINS, checkout: { ...COINS.checkout, order_currencies: ['RUB'] } }, null)])).toEqual([]);
    expect(payOptions(year, [offer(CARDS, [m('small.uah', 'Small', 'UAH', null, '5000.00'), m('big.usd', 'Big', 'USD', '100.00')])])[0]!.options.map((o) => o.value)).toEqual(['cardwall:big.usd']);
  });

  it('a form that names no way to pay gets the default gateway first choice, none when it offers none', () => {
    const offers = [offer(COINS, null), offer(BANKS, BANK_LIST)];
    expect(defaultOption(payOptions(month, offers), offers)?.value).toBe('bankpage');
    const without = [offer(COINS, null), offer(BANKS, [])];
    expect(defaultOption(payOptions(month, without), without)).toBeUndefined();
  });
});

describe('demo shop: what the buyer paid', () => {
  const order = (payment: ApiOrder['payment']): ApiOrder => ({
    id: 'x', external_id: 'shop-1', provider: 'bankpage', status: 'paid', amount: '1500.00', currency: 'UAH', customer_id: 'c', description: null, metadata: {}, payment_link: null, payment, paid_at: null, updated_at: '',
  });

  it('payment.amount_fiat (the contract figure), with the commission over the price', () => {
    expect(paidFigures(order({ method_code: 'monobank', amount_fiat: '1537.50' }))).toEqual({ paid: '1537.50', currency: 'UAH', commission: '37.50' });
    expect(paidFigures(order({ method_code: 'x', amount_fiat: '1500.00' }))).toEqual({ paid: '1500.00', currency: 'UAH', commission: null });
  });

  it('else the coin received, in the coin; nothing reported → null', () => {
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
