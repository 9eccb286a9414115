import { isoOf, METHOD_CODE_RE, methodFamily, methodName, SMARTWM_METHOD_CODES, SMARTWM_METHODS } from './smartwm.methods';

describe('SmartWM method codes', () => {
  it.each([
    ['visamaster.uah', 'UAH'],
    ['visamaster.usd', 'USD'],
    ['mpesa-congo.usd', 'USD'],
    ['mpesa-congo.cdf', 'CDF'],
    ['orange_money-ci.xof', 'XOF'],
    ['orange_money-burkina-faso.xof', 'XOF'],
    ['mtn-guinea.gnf', 'GNF'],
    ['upi.inr', 'INR'],
    ['bank.ngn', 'NGN'],
    ['some_new-rail.kes', 'KES'],
  ])('isoOf(%s) = %s', (code, iso) => {
    expect(isoOf(code)).toBe(iso);
  });

  it.each(['bitcoin', 'usdt_trc20', 'usdc_trc20', 'link', '', 'visamaster.', 'visamaster.uahx', 'VISAMASTER.UAH', 'visamaster.u1h', '.uah', 'a..uah'])(
    'isoOf(%p) = null (crypto codes and malformed ones)',
    (code) => {
      expect(isoOf(code)).toBeNull();
    },
  );

  it('every listed code is well formed, listed once, and a fiat code has its ISO suffix', () => {
    expect(new Set(SMARTWM_METHOD_CODES).size).toBe(SMARTWM_METHOD_CODES.length);
    for (const m of SMARTWM_METHODS) {
      expect(m.code).toMatch(METHOD_CODE_RE);
      expect(isoOf(m.code) === null).toBe(m.family === 'crypto');
    }
    expect(SMARTWM_METHOD_CODES).toEqual(expect.arrayContaining(['visamaster.uah', 'visamaster.usd', 'mpesa-congo.usd', 'orange_money-ci.xof', 'usdt_trc20']));
  });

  it.each([
    ['visamaster.uah', 'card'],
    ['verve.ngn', 'card'],
    ['mpesa-congo.usd', 'mobile_money'],
    ['orange_money-ci.xof', 'mobile_money'],
    ['mtn-benin.xof', 'mobile_money'],
    ['airtel.mga', 'mobile_money'],
    ['moov-togo.xof', 'mobile_money'],
    ['mvola.mga', 'mobile_money'],
    ['upi.inr', 'bank'],
    ['paytm.inr', 'wallet'],
    ['usdt_trc20', 'crypto'],
    // unlisted codes, by their prefix
    ['visamaster.eur', 'card'],
    ['mtn-ghana.ghs', 'mobile_money'],
    ['orange_money-mali.xof', 'mobile_money'],
    ['mtnx.xof', 'bank'],
    ['dogecoin', 'crypto'],
    ['Not A Code', null],
  ])('methodFamily(%s) = %s', (code, family) => {
    expect(methodFamily(code)).toBe(family);
  });

  it('names listed methods and falls back to the code', () => {
    expect(methodName('mpesa-congo.usd')).toBe('M-Pesa Congo (USD)');
    expect(methodName('unknown.xyz')).toBe('unknown.xyz');
  });
});
