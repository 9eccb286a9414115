import fc from 'fast-check';
import { parseExactJson } from '../../common/json-exact';
import {
  dpayErrorOf,
  dpayTimeToIso,
  isProblem,
  mapStatus,
  moneyText,
  parseCreated,
  parseInvoiceState,
  parseProcessed,
  parseStatement,
  toGatewayInvoice,
  WireProblem,
} from './smartwm.mapping';
import type { DpayInvoiceState } from './smartwm.types';

const j = (text: string) => parseExactJson(text);

/** The status response of the docs, byte for byte. */
const DOC_STATUS =
  '{ "tracking": "0527-7AB2-D140-5DA6-5D78-27AA-96AC-118F", "payment_id": "6623237", "currency": "visamaster.uah", "created": "2017-03-14 20:36:09", "processed": "2017-03-14 21:14:05", "status": "PAYED", "amount": 5000.00, "fee": 100.00, "accrual_amount": 4900.00, "accrual_currency": "UAH", "is_recalc": false }';

const state = (over: Record<string, unknown> = {}): DpayInvoiceState => {
  const s = parseInvoiceState(j(DOC_STATUS));
  if (isProblem(s)) throw new Error(s.reason);
  return { ...s, ...over };
};

const reason = (v: unknown) => (v instanceof WireProblem ? v.reason : `not a problem: ${JSON.stringify(v)}`);

describe('dpayErrorOf', () => {
  it('reads the documented envelopes, code kept as text', () => {
    expect(dpayErrorOf(j('{"error":{"code":0,"message":"Transaction already exists"}}'))).toEqual({ code: '0', message: 'Transaction already exists' });
    expect(dpayErrorOf(j('{"error":{"code":401,"message":"Payment not found"}}'))).toEqual({ code: '401', message: 'Payment not found' });
    expect(dpayErrorOf(j('{"error":{"code":"E1"}}'))).toEqual({ code: 'E1', message: '' });
  });

  it('an error string alone is an error; beside a status it is a failure description, not an error', () => {
    expect(dpayErrorOf(j('{"error":"Bad request"}'))).toEqual({ code: '', message: 'Bad request' });
    expect(dpayErrorOf(j('{"status":"FAILED","error":"Card declined","tracking":"T"}'))).toBeNull();
    expect(dpayErrorOf(j('{"status":"PAYED","error":""}'))).toBeNull();
    expect(dpayErrorOf(j('{"status":"PAYED","error":null}'))).toBeNull();
  });

  it('an object error wins even beside a status', () => {
    expect(dpayErrorOf(j('{"status":"PAYED","error":{"code":1,"message":"x"}}'))).toEqual({ code: '1', message: 'x' });
  });

  it('non-objects are not envelopes', () => {
    expect(dpayErrorOf(j('[]'))).toBeNull();
    expect(dpayErrorOf(j('"error"'))).toBeNull();
    expect(dpayErrorOf(j('null'))).toBeNull();
  });
});

describe('parseCreated', () => {
  it('reads the documented success, payment_id as a number or a string', () => {
    expect(parseCreated(j('{"tracking": "79DF-60B0-17F6", "payment_id": 2}'))).toEqual({ tracking: '79DF-60B0-17F6', payment_id: '2' });
    expect(parseCreated(j('{"tracking":"T-1","payment_id":"order-7","extra":[1]}'))).toEqual({ tracking: 'T-1', payment_id: 'order-7' });
    expect(parseCreated(j('{"tracking":"T-1"}'))).toEqual({ tracking: 'T-1', payment_id: null });
  });

  it('an error envelope, a missing tracking or a non-object is a problem', () => {
    expect(reason(parseCreated(j('{"error":{"code":0,"message":"Transaction already exists"}}')))).toMatch(/error \(0: Transaction already exists\)/);
    expect(reason(parseCreated(j('{"payment_id":2}')))).toBe('tracking is missing');
    expect(reason(parseCreated(j('{"tracking":1.5}')))).toBe('tracking is missing');
    expect(reason(parseCreated(j('[]')))).toMatch(/not a JSON object/);
  });
});

describe('parseProcessed', () => {
  it('reads pay_link, pay_form and crypto', () => {
    expect(parseProcessed(j('{"payment_id":"o-1","tracking":"T","status":"PAYIN","pay_link":"https://pay.example/x"}'))).toEqual({
      tracking: 'T',
      payment_id: 'o-1',
      status: 'PAYIN',
      pay_link: 'https://pay.example/x',
      pay_form: null,
      crypto: null,
    });
    const form = parseProcessed(j('{"tracking":"T","status":"PAYIN","pay_form":"<form method=\\"post\\"></form>","pay_link":"https://a.example"}'));
    expect(form).toMatchObject({ pay_form: '<form method="post"></form>', pay_link: 'https://a.example' });
    expect(parseProcessed(j('{"tracking":"T","crypto":{"address":"TXa","current_confirmations":"1","success_confirmations":4}}'))).toMatchObject({
      crypto: { address: 'TXa', current_confirmations: '1', success_confirmations: '4' },
    });
  });

  it('nothing to pay with, or a pay_link that is not http(s), is a problem', () => {
    expect(reason(parseProcessed(j('{"tracking":"T","status":"PAYIN"}')))).toMatch(/neither pay_link/);
    expect(reason(parseProcessed(j('{"tracking":"T","pay_link":"javascript:alert(1)"}')))).toMatch(/not an http/);
    expect(reason(parseProcessed(j('{"error":{"code":401,"message":"Payment not found"}}')))).toMatch(/401: Payment not found/);
  });
});

describe('parseInvoiceState', () => {
  it('reads the documented status response exactly (amounts as written)', () => {
    expect(parseInvoiceState(j(DOC_STATUS))).toEqual({
      tracking: '0527-7AB2-D140-5DA6-5D78-27AA-96AC-118F',
      payment_id: '6623237',
      currency: 'visamaster.uah',
      created: '2017-03-14 20:36:09',
      processed: '2017-03-14 21:14:05',
      status: 'PAYED',
      amount: '5000.00',
      fee: '100.00',
      accrual_amount: '4900.00',
      accrual_currency: 'UAH',
      is_recalc: false,
      error: null,
    });
  });

  it('is tolerant: unknown fields ignored, amounts as strings, `payment` for payment_id, is_recalc as 1, absent figures null', () => {
    const s = parseInvoiceState(
      j('{"tracking":"T","payment":123,"currency":"mpesa-congo.usd","status":"PAYIN","amount":"10.5","is_recalc":1,"h2h_allow":true,"fee":null}'),
    );
    expect(s).toEqual({
      tracking: 'T',
      payment_id: '123',
      currency: 'mpesa-congo.usd',
      created: null,
      processed: null,
      status: 'PAYIN',
      amount: '10.5',
      fee: null,
      accrual_amount: null,
      accrual_currency: null,
      is_recalc: true,
      error: null,
    });
  });

  it('keeps a failure description', () => {
    const s = parseInvoiceState(j('{"tracking":"T","currency":"visamaster.uah","status":"FAILED","amount":2000.00,"error":"Card declined"}'));
    expect(s).toMatchObject({ status: 'FAILED', error: 'Card declined' });
  });

  it('digits a double would lose are kept', () => {
    const s = parseInvoiceState(j('{"tracking":"T","currency":"usdt_trc20","status":"PAYED","amount":12345678901234567.12345678,"accrual_amount":0.1000000000000000055}'));
    expect(s).toMatchObject({ amount: '12345678901234567.12345678', accrual_amount: '0.1000000000000000055' });
  });

  it.each([
    ['no tracking', '{"currency":"visamaster.uah","status":"PAYED","amount":1.00}', 'tracking is missing'],
    ['no status', '{"tracking":"T","currency":"visamaster.uah","amount":1.00}', 'status is missing'],
    ['no currency', '{"tracking":"T","status":"PAYED","amount":1.00}', 'currency (the method) is missing'],
    ['no amount', '{"tracking":"T","currency":"visamaster.uah","status":"PAYED"}', 'amount is missing'],
    ['a negative amount', '{"tracking":"T","currency":"visamaster.uah","status":"PAYED","amount":-1.00}', 'amount is not a non-negative decimal'],
    ['an amount in words', '{"tracking":"T","currency":"visamaster.uah","status":"PAYED","amount":"ten"}', 'amount is not a non-negative decimal'],
    ['a fee as an object', '{"tracking":"T","currency":"visamaster.uah","status":"PAYED","amount":1.00,"fee":{}}', 'fee is not a non-negative decimal'],
    ['is_recalc as "maybe"', '{"tracking":"T","currency":"visamaster.uah","status":"PAYED","amount":1.00,"is_recalc":"maybe"}', 'is_recalc is not a boolean'],
    [
      'PAYED_RECALC without accrual_amount',
      '{"tracking":"T","currency":"visamaster.uah","status":"PAYED_RECALC","amount":1.00}',
      'a recalculated payment (PAYED_RECALC) without accrual_amount: the credited amount is unknown',
    ],
    [
      'is_recalc on a success without accrual_amount',
      '{"tracking":"T","currency":"visamaster.uah","status":"FINISHED","amount":1.00,"is_recalc":true}',
      'a recalculated payment (FINISHED) without accrual_amount: the credited amount is unknown',
    ],
    ['the error envelope', '{"error":{"code":401,"message":"Payment not found"}}', 'the status answer is an error (401: Payment not found)'],
  ])('%s is a problem', (_name, text, why) => {
    expect(reason(parseInvoiceState(j(text)))).toBe(why);
  });

  it('is_recalc on a failure without accrual_amount is still readable (nothing is credited)', () => {
    expect(parseInvoiceState(j('{"tracking":"T","currency":"visamaster.uah","status":"FAILED","amount":1.00,"is_recalc":true}'))).toMatchObject({
      is_recalc: true,
    });
  });
});

describe('parseStatement', () => {
  it('reads each element; an unreadable one is set aside with its index and reason, the rest count', () => {
    const s = parseStatement(j(`{"list":[${DOC_STATUS},{"tracking":"X","status":"PAYED"},${DOC_STATUS.replace('PAYED', 'CANCELED')}]}`));
    if (isProblem(s)) throw new Error(s.reason);
    expect(s.list.map((x) => x.status)).toEqual(['PAYED', 'CANCELED']);
    expect(s.rejected).toEqual([{ index: 1, reason: 'currency (the method) is missing' }]);
  });

  it('an empty list is fine; no list is a problem', () => {
    expect(parseStatement(j('{"list":[]}'))).toEqual({ list: [], rejected: [] });
    expect(reason(parseStatement(j('{"items":[]}')))).toBe('list is missing');
  });
});

describe('mapStatus', () => {
  it.each<[string, boolean, string, boolean]>([
    ['CREATED', false, 'pending', false],
    ['PAYIN', false, 'pending', false],
    ['PAYED', false, 'success', false],
    ['FINISHED', false, 'success', false],
    ['PAYED_RECALC', false, 'success', true],
    ['PAYED', true, 'success', true],
    ['FINISHED', true, 'success', true],
    ['FAILED', false, 'fail', false],
    ['FAILED', true, 'fail', false],
    ['PAYIN_ERROR', false, 'fail', false],
    ['CANCELED', false, 'canceled', false],
    ['CANCELLED', false, 'unknown', false],
    ['payed', false, 'unknown', false],
    ['REFUNDED', false, 'unknown', false],
    ['toString', false, 'unknown', false],
    ['__proto__', false, 'unknown', false],
  ])('%s (is_recalc %s) → %s, adjusted %s', (raw, recalc, status, adjusted) => {
    expect(mapStatus(raw, recalc)).toEqual({ status, adjusted });
  });
});

describe('toGatewayInvoice', () => {
  const ctx = { paymentLink: 'https://pay.example/T', utcOffset: '+03:00' };

  it('maps the documented paid invoice: amounts as invoiced, credited = accrual_amount, the fee, the method used', () => {
    expect(toGatewayInvoice(state(), ctx)).toEqual({
      invoiceId: '0527-7AB2-D140-5DA6-5D78-27AA-96AC-118F',
      externalId: '6623237',
      status: 'success',
      rawStatus: 'PAYED',
      amount: '5000.00',
      currency: 'UAH',
      paymentLink: 'https://pay.example/T',
      expiresAt: null,
      finishedAt: '2017-03-14T21:14:05+03:00',
      payment: {
        method_code: 'visamaster.uah',
        expected: { amount: '5000.00', unit: 'UAH' },
        received: { amount: '5000.00', unit: 'UAH' },
        credited: { amount: '4900.00', unit: 'UAH' },
        fee: { amount: '100.00', unit: 'UAH' },
        adjusted: false,
        details: { tracking: '0527-7AB2-D140-5DA6-5D78-27AA-96AC-118F', fee: '100.00', accrual_amount: '4900.00', accrual_currency: 'UAH', is_recalc: false },
      },
    });
  });

  it('PAYED_RECALC: a success, adjusted, credited the accrual amount and never the invoiced one; what arrived is not claimed', () => {
    const inv = toGatewayInvoice(state({ status: 'PAYED_RECALC', is_recalc: true, accrual_amount: '3920.00', fee: '80.00' }), ctx);
    expect(inv.status).toBe('success');
    expect(inv.amount).toBe('5000.00');
    expect(inv.payment).toMatchObject({
      adjusted: true,
      credited: { amount: '3920.00', unit: 'UAH' },
      fee: { amount: '80.00', unit: 'UAH' },
      received: null,
      expected: { amount: '5000.00', unit: 'UAH' },
      details: { is_recalc: true, accrual_amount: '3920.00' },
    });
  });

  it('is_recalc on PAYED is adjusted too', () => {
    expect(toGatewayInvoice(state({ is_recalc: true, accrual_amount: '4000.00' }), ctx).payment).toMatchObject({ adjusted: true, credited: { amount: '4000.00' } });
  });

  it('pending: no finish time, no figures yet', () => {
    const inv = toGatewayInvoice(state({ status: 'PAYIN', processed: null, fee: null, accrual_amount: null, accrual_currency: null }), ctx);
    expect(inv).toMatchObject({ status: 'pending', finishedAt: null });
    expect(inv.payment).toMatchObject({ method_code: 'visamaster.uah', credited: null, fee: null, received: null, adjusted: false });
  });

  it('an unknown status stays unknown, with no finish time', () => {
    expect(toGatewayInvoice(state({ status: 'REVERSED' }), ctx)).toMatchObject({ status: 'unknown', rawStatus: 'REVERSED', finishedAt: null });
  });

  it('a failure keeps its time and no received amount', () => {
    expect(toGatewayInvoice(state({ status: 'PAYIN_ERROR', fee: null, accrual_amount: null }), ctx)).toMatchObject({
      status: 'fail',
      finishedAt: '2017-03-14T21:14:05+03:00',
      payment: { received: null, credited: null },
    });
  });

  it('currency is the ISO suffix of the method used; the credit is in accrual_currency; amounts get two decimals without rounding', () => {
    const inv = toGatewayInvoice(state({ currency: 'mpesa-congo.usd', amount: '10', accrual_amount: '9.7', accrual_currency: 'EUR', fee: '0.3' }), ctx);
    expect(inv).toMatchObject({ amount: '10.00', currency: 'USD' });
    expect(inv.payment).toMatchObject({
      method_code: 'mpesa-congo.usd',
      credited: { amount: '9.70', unit: 'EUR' },
      fee: { amount: '0.30', unit: 'EUR' },
      details: { accrual_amount: '9.7', fee: '0.3' },
    });
  });

  it('a crypto method has no ISO suffix: the unit is the code', () => {
    expect(toGatewayInvoice(state({ currency: 'usdt_trc20', amount: '12.12345678', accrual_currency: null }), ctx)).toMatchObject({
      currency: 'USDT_TRC20',
      amount: '12.12345678',
    });
  });
});

describe('dpayTimeToIso and moneyText', () => {
  it.each<[string | null, string, string | null]>([
    ['2017-03-14 21:14:05', '+03:00', '2017-03-14T21:14:05+03:00'],
    ['2017-03-14 21:14:05', 'Z', '2017-03-14T21:14:05Z'],
    ['2017-03-14 21:14:05', '-05:30', '2017-03-14T21:14:05-05:30'],
    ['2017-02-30 10:00:00', 'Z', null],
    ['2017-03-14 24:00:00', 'Z', null],
    ['2017-03-14T21:14:05', 'Z', null],
    ['14.03.2017 21:14', 'Z', null],
    [null, 'Z', null],
    ['2017-03-14 21:14:05', 'Europe/Kyiv', null],
    ['2017-03-14 21:14:05', '+3', null],
  ])('%p at %p → %p', (value, offset, expected) => {
    expect(dpayTimeToIso(value, offset)).toBe(expected);
  });

  it('moneyText pads to two decimals and never rounds', () => {
    expect(['5000', '5000.5', '5000.50', '0.123', '0'].map(moneyText)).toEqual(['5000.00', '5000.50', '5000.50', '0.123', '0.00']);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.stringMatching(/^\d{0,10}$/), (int, frac) => {
        const d = frac === '' ? `${int}` : `${int}.${frac}`;
        const out = moneyText(d);
        expect(out.startsWith(d.includes('.') ? d : `${d}.`)).toBe(true);
        expect(out.split('.')[1]!.length).toBe(Math.max(2, frac.length));
      }),
    );
  });
});
