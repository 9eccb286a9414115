import { accrualCurrencyOf, dpayTime, feeOf, moneyNumber, newTracking, scaleOf, TRACKING_RE } from './format';

describe('sandbox money and ids', () => {
  it('fees by family, rounded half-up at the method scale; the docs\' example is 2 % on a card', () => {
    expect(feeOf('5000.00', 'visamaster.uah', 2)).toBe('100.00');
    expect(feeOf('25.00', 'mpesa-congo.usd', 2)).toBe('0.75');
    expect(feeOf('0.50', 'mtn-ci.xof', 2)).toBe('0.02'); // 0.015 → 0.02
    expect(feeOf('100.00', 'upi.inr', 2)).toBe('1.50');
    expect(feeOf('100.00', 'paytm.inr', 2)).toBe('2.50');
    expect(feeOf('12.12345678', 'usdt_trc20', 8)).toBe('0.12123457');
  });

  it('scale: 2 for fiat methods, 8 for crypto; JSON numbers keep the scale', () => {
    expect(scaleOf('visamaster.uah')).toBe(2);
    expect(scaleOf('bitcoin')).toBe(8);
    expect(moneyNumber('5000', 2).source).toBe('5000.00');
    expect(moneyNumber('0.1', 8).source).toBe('0.10000000');
  });

  it('accrual currency: the ISO suffix, or the crypto code', () => {
    expect(accrualCurrencyOf('orange_money-ci.xof')).toBe('XOF');
    expect(accrualCurrencyOf('usdt_trc20')).toBe('USDT_TRC20');
  });

  it('tracking: 8 groups of 4 upper-case hex digits, fresh each time', () => {
    const a = newTracking();
    expect(a).toMatch(TRACKING_RE);
    expect(newTracking()).not.toBe(a);
  });

  it('times as Y-m-d H:i:s in UTC', () => {
    expect(dpayTime(new Date('2017-03-14T21:14:05.999Z'))).toBe('2017-03-14 21:14:05');
    expect(dpayTime(null)).toBeNull();
  });
});
