import { SettingsError } from '../../config/settings';
import { coin, coinAmountProblem, depositAddress, fiatWorth, quote, suggestedPayments, txHash } from './coins';
import { csSandboxConfig, retryGapMs } from './sandbox-config';

describe('quote', () => {
  it('buyer: the fee on top; seller: the fee off the credit', () => {
    expect(quote('25.00', '1', 6, '1.00', 'buyer')).toEqual({ amount: '25.250000', net: '25.000000', fee: '0.250000' });
    expect(quote('25.00', '1', 6, '1.00', 'seller')).toEqual({ amount: '25.000000', net: '24.750000', fee: '0.250000' });
  });

  it('rounds the base and the fee UP to the coin decimals (the merchant is never short)', () => {
    // 1250 / 0.92 = 1358.6956521… → 1358.695653; fee 13.58695653 → 13.586957
    expect(quote('1250.00', '0.92', 6, '1.00', 'buyer')).toEqual({ amount: '1372.282610', net: '1358.695653', fee: '13.586957' });
    // 10 / 65000 = 0.000153846… → 0.00015385
    expect(quote('10.00', '65000', 8, '0', 'buyer')).toEqual({ amount: '0.00015385', net: '0.00015385', fee: '0.00000000' });
  });

  it('stays exact where a float would not (0.1 + 0.2)', () => {
    expect(quote('0.30', '0.1', 8, '0', 'buyer').amount).toBe('3.00000000');
  });
});

describe('coin arithmetic', () => {
  it('coin() pads to the coin decimals; fiatWorth rounds down to cents', () => {
    expect(coin('1.5', 8)).toBe('1.50000000');
    expect(coin('0.123456789', 6)).toBe('0.123456');
    expect(fiatWorth('0.00015385', '65000')).toBe('10.00');
    expect(fiatWorth('0.333333', '1')).toBe('0.33');
  });

  it.each([
    ['1', 6, null],
    ['0.000001', 6, null],
    ['0.0000001', 6, "has more than the coin's 6 decimal places"],
    ['0', 6, 'must be greater than 0'],
    ['-1', 6, 'must be a decimal string, e.g. "0.0015"'],
    ['1e-3', 8, 'must be a decimal string, e.g. "0.0015"'],
    ['', 8, 'must be a decimal string, e.g. "0.0015"'],
  ])('coinAmountProblem(%p, %i) → %p', (v, d, expected) => {
    expect(coinAmountProblem(v, d)).toBe(expected);
  });

  it('suggested payments: half of what is due (at least one unit), and due plus a tenth of the amount', () => {
    const s = suggestedPayments('25.250000', '10', 6);
    expect([s.due.toFixed(6), s.part.toFixed(6), s.over.toFixed(6)]).toEqual(['15.250000', '7.625000', '17.775000']);
    expect(suggestedPayments('0.000001', '0', 6).part.toFixed(6)).toBe('0.000001');
  });

  it.each([
    ['BTC', /^bc1q[a-z0-9]{38}$/],
    ['LTC', /^ltc1q[a-z0-9]{38}$/],
    ['BCH', /^bitcoincash:q[a-z0-9]{41}$/],
    ['DOGE', /^D[1-9A-HJ-NP-Za-km-z]{33}$/],
    ['TRX', /^T[1-9A-HJ-NP-Za-km-z]{33}$/],
    ['USDT_TRC20', /^T[1-9A-HJ-NP-Za-km-z]{33}$/],
    ['ETH', /^0x[0-9a-f]{40}$/],
    ['USDT_ERC20', /^0x[0-9a-f]{40}$/],
  ])('%s addresses look like the network’s', (method, shape) => {
    expect(depositAddress(method)).toMatch(shape);
    expect(depositAddress(method)).not.toBe(depositAddress(method));
  });

  it('transaction hashes: 0x-prefixed on Ethereum, plain hex elsewhere', () => {
    expect(txHash('USDT_ERC20')).toMatch(/^0x[0-9a-f]{64}$/);
    expect(txHash('BTC')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('sandbox config', () => {
  const base = { merchantId: '5d1f0e9c-2b7a-4c3d-8e6f-1a2b3c4d5e6f', apiKey: 'cs_test_key_1', publicBaseUrl: 'http://127.0.0.1:3000/' };

  it('fills the defaults: a 30-minute window, 10 attempts, milliseconds', () => {
    expect(csSandboxConfig(base)).toMatchObject({ publicBaseUrl: 'http://127.0.0.1:3000', invoiceTimeoutS: 1800, webhookMaxAttempts: 10, timestampFormat: 'ms', feePercent: '1.00' });
  });

  it.each([
    [{ merchantId: 'merchant-1' }, /merchantId/],
    [{ apiKey: 'short' }, /apiKey/],
    [{ publicBaseUrl: 'ftp://x' }, /publicBaseUrl/],
    [{ webhookMaxAttempts: 11 }, /webhookMaxAttempts/],
    [{ invoiceTimeoutS: 0 }, /invoiceTimeoutS/],
    [{ feePercent: '50' }, /feePercent/],
    [{ timestampFormat: 'rfc' as never }, /timestampFormat/],
  ])('refuses %j naming it', (over, name) => {
    expect(() => csSandboxConfig({ ...base, ...over })).toThrow(SettingsError);
    expect(() => csSandboxConfig({ ...base, ...over })).toThrow(name);
  });

  it('retry gaps: 10 s after the first failure, growing, the last repeated, scaled', () => {
    expect([1, 2, 9, 12].map((n) => retryGapMs(n, 1))).toEqual([10_000, 30_000, 3_600_000, 3_600_000]);
    expect(retryGapMs(1, 0.001)).toBe(10);
  });
});
