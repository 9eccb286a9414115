import { errorInWords, eventName, money, parseRoute, paymentFigures, query, statusName, when, whenShort } from './format';

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
    const text = errorInWords('Resend', { status: 429, code: 'WEBHOOK_RESEND_COOLDOWN', message: 'EccaexClient.resendInvoiceWebhook: 429', details: { retry_after_sec: 59.2 } });
    expect(text).toBe('Resend: the gateway allows this only once in a while; try again in 60 seconds.');
    expect(text).not.toMatch(/Eccaex|resendInvoiceWebhook/);
  });

  it("names each gateway's figures, fee and net apart", () => {
    const ecca = paymentFigures('eccaex', 'UAH', { method_code: 'monobank', amount_fiat: '1537.50', conversion_rate: '41.50', merchant_usdt: '36.30', adjusted: false });
    expect(ecca.figures.map((f) => [f.label, f.value])).toEqual([
      ['Method', 'monobank'],
      ['Customer pays', '1,537.50 UAH'],
      ['Conversion rate', '41.50 UAH per USDT'],
      ['Credited to the merchant (net)', '36.30 USDT'],
    ]);
    const cs = paymentFigures('cryptosteroid', 'UAH', { method_code: 'USDT_TRC20', coin: 'USDT_TRC20', coin_amount: '36.5', coin_received: '36.5', coin_fee: '0.365', coin_net: '36.135', tx_hashes: ['abc'] });
    expect(cs.figures.find((f) => f.kind === 'fee')?.value).toBe('0.365 USDT_TRC20');
    expect(cs.figures.find((f) => f.kind === 'net')?.value).toBe('36.135 USDT_TRC20');
    expect(cs.figures.map((f) => f.label)).toContain('Coin amount received');
    expect(cs.other).toEqual([['tx hashes', 'abc']]);
    const swm = paymentFigures('smartwm', 'UAH', { method_code: 'visamaster.uah', fee: '45.00', accrual_amount: '1455.00', accrual_currency: 'UAH', is_recalc: false });
    expect(swm.figures.filter((f) => f.kind === 'fee' || f.kind === 'net').map((f) => f.value)).toEqual(['45.00 UAH', '1,455.00 UAH']);
  });

  it('reads and writes hash routes', () => {
    expect(parseRoute('#/orders?q=a%20b&status=paid')).toEqual({ path: '/orders', params: { q: 'a b', status: 'paid' } });
    expect(parseRoute('')).toEqual({ path: '/orders', params: {} });
    expect(query({ a: '', b: 'x y', c: null })).toBe('?b=x+y');
    expect(eventName('order.status_changed')).toBe('Status changed');
  });
});
