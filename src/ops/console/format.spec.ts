import { errorInWords, eventName, money, parseRoute, paymentFigures, providerChoices, providerName, query, setGateways, statusName, when, whenShort } from './format';

describe('ops console formatting', () => {
  it('groups thousands and keeps every decimal the API gave, as strings', () => {
    expect(money('10000000.00')).toBe('10,000,000.00');
    expect(money('1537.5')).toBe('1,537.50');
    expect(money('999.99')).toBe('999.99');
    expect(money('0.01')).toBe('0.01');
    expect(money('1234567.12345678', 0)).toBe('1,234,567.12345678');
    expect(money('-1000')).toBe('-1,000.00');
    expect(money('not money')).toBe('not money');
    expect(money(null)).toBe('—');
  });

  it('names statuses in words', () => {
    expect(statusName('awaiting_payment')).toBe('Awaiting payment');
    expect(statusName('success')).not.toBe(statusName('completed'));
    expect(statusName('something_new')).toBe('something new');
  });

  it('shows times to the millisecond, so events a few ms apart differ', () => {
    expect(when('2026-11-30T04:22:30.123Z')).toBe('2026-11-30 04:22:30.123 UTC');
    expect(when('2026-11-30T04:22:30.123Z')).not.toBe(when('2026-11-30T04:22:30.456Z'));
    expect(whenShort('2026-11-30T04:22:30.123Z')).toEqual({ date: '2026-11-30', time: '04:22:30' });
  });

  it('puts a resend cooldown in words, without the internal message', () => {
    const text = errorInWords('Resend', { status: 429, code: 'WEBHOOK_RESEND_COOLDOWN', message: 'AcmeGatewayClient.resendInvoiceWebhook: 429', details: { retry_after_sec: 59.2 } });
    expect(text).toBe('Resend: the gateway allows this only once in a while; try again in 60 seconds.');
    expect(text).not.toMatch(/AcmeGatewayClient|resendInvoiceWebhook/);
  });

  it("names the payment's figures by their keys, whichever gateway reports them, fee and net apart", () => {
    const fiat = paymentFigures('UAH', { method_code: 'monobank', amount_fiat: '1537.50', conversion_rate: '41.50', merchant_usdt: '36.30', adjusted: false });
    expect(fiat.figures.map((f) => [f.label, f.value])).toEqual([
      ['Method', 'monobank'],
      ['Customer pays', '1,537.50 UAH'],
      ['Conversion rate', '41.50 UAH per USDT'],
      ['Credited to the merchant (net)', '36.30 USDT'],
    ]);
    const coins = paymentFigures('UAH', { method_code: 'USDT_TRC20', coin: 'USDT_TRC20', coin_amount: '36.5', coin_received: '36.5', coin_fee: '0.365', coin_net: '36.135', tx_hashes: ['abc'] });
    expect(coins.figures.find((f) => f.kind === 'fee')?.value).toBe('0.365 USDT_TRC20');
    expect(coins.figures.find((f) => f.kind === 'net')?.value).toBe('36.135 USDT_TRC20');
    expect(coins.figures.map((f) => f.label)).toContain('Coin amount received');
    expect(coins.other).toEqual([['tx hashes', 'abc']]);
    const credit = paymentFigures('UAH', { method_code: 'visamaster.uah', fee: '45.00', accrual_amount: '1455.00', accrual_currency: 'UAH', is_recalc: false });
    expect(credit.figures.filter((f) => f.kind === 'fee' || f.kind === 'net').map((f) => f.value)).toEqual(['45.00 UAH', '1,455.00 UAH']);
  });

  it('names gateways as GET /v1/gateways labels them, and offers those as the filter', () => {
    setGateways([]);
    expect(providerName('acme')).toBe('acme');
    expect(providerChoices()).toEqual([]);
    setGateways([{ provider: 'acme', label: 'Acme Pay' }, { provider: 'coinco', label: 'CoinCo' }]);
    expect(providerName('acme')).toBe('Acme Pay');
    expect(providerName('gone')).toBe('gone');
    expect(providerName(null)).toBe('—');
    expect(providerChoices()).toEqual(['acme', 'coinco']);
    // A filter already in the address stays choosable (a gateway turned off still has orders).
    expect(providerChoices('gone')).toEqual(['acme', 'coinco', 'gone']);
    expect(providerChoices('acme')).toEqual(['acme', 'coinco']);
    setGateways([]);
  });

  it('reads and writes hash routes', () => {
    expect(parseRoute('#/orders?q=a%20b&status=paid')).toEqual({ path: '/orders', params: { q: 'a b', status: 'paid' } });
    expect(parseRoute('')).toEqual({ path: '/orders', params: {} });
    expect(query({ a: '', b: 'x y', c: null })).toBe('?b=x+y');
    expect(eventName('order.status_changed')).toBe('Status changed');
  });
});
