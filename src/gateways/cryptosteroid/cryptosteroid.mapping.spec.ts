import { CsShapeError, csStatus, csTimestamp, mapCsInvoice, readCsCancel, readCsInvoice } from './cryptosteroid.mapping';
import type { CsInvoice } from './cryptosteroid.types';

const INVOICE_ID = '0b6f3c1e-8a55-4a8e-9b0f-3f7c1d2e4a5b';
const MERCHANT_ID = '5d1f0e9c-2b7a-4c3d-8e6f-1a2b3c4d5e6f';

/** The Invoice object of the provider's create page, paid in USDT_TRC20. */
function invoice(over: Partial<Record<keyof CsInvoice, unknown>> = {}): Record<string, unknown> {
  return {
    merchantId: MERCHANT_ID,
    invoiceId: INVOICE_ID,
    fiatAmount: '25.00',
    fiatCurrency: 'USD',
    description: 'Order #1001',
    whoPayCommission: 'buyer',
    payment: {
      method: 'USDT_TRC20',
      address: 'TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE',
      amount: '25.250000',
      net: '25.000000',
      fee: '0.250000',
      paid: { hash: ['a'.repeat(64)], received: '25.250000', fiat: '25.00', finished: true },
    },
    externalId: '1001',
    invoiceUrl: `https://pay.example/invoice/${INVOICE_ID}`,
    returnUrl: 'https://merchant.example/pay/ok',
    failReturnUrl: 'https://merchant.example/pay/fail',
    timeoutSeconds: 1800,
    createdAt: 1767225600000,
    expiresAt: 1767227400000,
    updatedAt: 1767226000000,
    status: 'PAID',
    ...over,
  };
}

const shapeError = (body: unknown, field: string) => {
  let caught: unknown;
  try {
    mapCsInvoice(body);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CsShapeError);
  expect((caught as CsShapeError).field).toBe(field);
};

describe('csStatus', () => {
  it.each([
    ['NEW', 'pending'],
    ['WAITING', 'pending'],
    ['PAID', 'success'],
    ['EXPIRED', 'expired'],
    ['CANCELLED', 'canceled'],
  ])('%s → %s', (raw, expected) => {
    expect(csStatus(raw)).toBe(expected);
  });

  it.each(['paid', 'CANCELED', 'FAILED', 'PARTIALLY_PAID', '', 'toString', '__proto__'])('anything undocumented (%p) is unknown', (raw) => {
    expect(csStatus(raw)).toBe('unknown');
  });
});

describe('mapCsInvoice', () => {
  it('maps a paid invoice: fiat terms for ownership, coin figures in payment', () => {
    expect(mapCsInvoice(invoice())).toEqual({
      invoiceId: INVOICE_ID,
      externalId: '1001',
      status: 'success',
      rawStatus: 'PAID',
      amount: '25.00',
      currency: 'USD',
      paymentLink: `https://pay.example/invoice/${INVOICE_ID}`,
      expiresAt: '2026-01-01T00:30:00.000Z',
      finishedAt: '2026-01-01T00:06:40.000Z',
      payment: {
        method_code: 'USDT_TRC20',
        expected: { amount: '25.250000', unit: 'USDT_TRC20' },
        received: { amount: '25.250000', unit: 'USDT_TRC20' },
        credited: { amount: '25.000000', unit: 'USDT_TRC20' },
        fee: { amount: '0.250000', unit: 'USDT_TRC20' },
        adjusted: false,
        details: {
          coin: 'USDT_TRC20',
          address: 'TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE',
          coin_amount: '25.250000',
          coin_received: '25.250000',
          coin_fee: '0.250000',
          coin_net: '25.000000',
          fiat_received: '25.00',
          tx_hashes: ['a'.repeat(64)],
          payment_finished: true,
          commission_paid_by: 'buyer',
        },
      },
    });
  });

  it('an expired invoice that received less keeps both figures, untouched (the domain compares them)', () => {
    const body = invoice({ status: 'EXPIRED' });
    (body.payment as { paid: Record<string, unknown> }).paid = { hash: ['b'.repeat(64)], received: '10.000000', fiat: '9.90', finished: false };
    const inv = mapCsInvoice(body);
    expect(inv.status).toBe('expired');
    expect(inv.payment?.expected).toEqual({ amount: '25.250000', unit: 'USDT_TRC20' });
    expect(inv.payment?.received).toEqual({ amount: '10.000000', unit: 'USDT_TRC20' });
    expect(inv.payment?.details.payment_finished).toBe(false);
  });

  it.each([
    ['null', null],
    ['missing', undefined],
    ['an empty object', {}],
  ])('payment %s (no coin chosen yet) → payment null, status pending', (_name, payment) => {
    const body = invoice({ status: 'NEW', payment });
    if (payment === undefined) delete body.payment;
    const inv = mapCsInvoice(body);
    expect(inv.payment).toBeNull();
    expect(inv.status).toBe('pending');
    expect(inv.finishedAt).toBeNull();
  });

  it('a waiting invoice without `paid` yet: expected known, received null, no hashes', () => {
    const inv = mapCsInvoice(
      invoice({ status: 'WAITING', payment: { method: 'BTC', address: 'bc1qxyz', amount: '0.00038847', net: '0.00038462', fee: '0.00000385' } }),
    );
    expect(inv.payment).toMatchObject({
      method_code: 'BTC',
      expected: { amount: '0.00038847', unit: 'BTC' },
      received: null,
      details: { coin_received: null, tx_hashes: [], payment_finished: null },
    });
  });

  it('missing optional fields read as null; unknown extra fields are ignored', () => {
    const body: Record<string, unknown> = { invoiceId: INVOICE_ID, status: 'NEW', fiatAmount: '5.00', fiatCurrency: 'EUR', somethingNew: { a: 1 } };
    expect(mapCsInvoice(body)).toEqual({
      invoiceId: INVOICE_ID,
      externalId: null,
      status: 'pending',
      rawStatus: 'NEW',
      amount: '5.00',
      currency: 'EUR',
      paymentLink: null,
      expiresAt: null,
      finishedAt: null,
      payment: null,
    });
  });

  it('a coin amount without a coin has no unit, so no neutral figure (never a guess)', () => {
    const inv = mapCsInvoice(invoice({ payment: { amount: '1.5', paid: { received: '1.5' } } }));
    expect(inv.payment?.expected).toBeNull();
    expect(inv.payment?.received).toBeNull();
    expect(inv.payment?.details.coin_amount).toBe('1.5');
  });

  it.each([
    ['fiatAmount', { fiatAmount: 25 }],
    ['fiatAmount', { fiatAmount: 25.5 }],
    ['payment.amount', { payment: { method: 'BTC', amount: 0.001 } }],
    ['payment.net', { payment: { method: 'BTC', net: 1e-8 } }],
    ['payment.fee', { payment: { method: 'BTC', fee: 0 } }],
    ['payment.paid.received', { payment: { method: 'BTC', paid: { received: 0.5 } } }],
    ['payment.paid.fiat', { payment: { method: 'BTC', paid: { fiat: 12.3 } } }],
  ])('a JSON number in a money field (%s) is refused', (field, over) => {
    shapeError(invoice(over), field);
  });

  it.each([
    ['fiatAmount', { fiatAmount: '1e3' }],
    ['fiatAmount', { fiatAmount: '-5.00' }],
    ['fiatAmount', { fiatAmount: '5,00' }],
    ['fiatAmount', { fiatAmount: ' 5.00' }],
    ['fiatAmount', { fiatAmount: 'Infinity' }],
    ['payment.paid.received', { payment: { method: 'BTC', paid: { received: '0x10' } } }],
  ])('a money string that is not a plain non-negative decimal (%s) is refused', (field, over) => {
    shapeError(invoice(over), field);
  });

  it.each([
    ['body', []],
    ['body', 'PAID'],
    ['body', null],
    ['invoiceId', { invoiceId: undefined }],
    ['invoiceId', { invoiceId: '' }],
    ['invoiceId', { invoiceId: 42 }],
    ['status', { status: undefined }],
    ['status', { status: 3 }],
    ['fiatAmount', { fiatAmount: undefined }],
    ['fiatCurrency', { fiatCurrency: undefined }],
    ['externalId', { externalId: 1001 }],
    ['invoiceUrl', { invoiceUrl: { href: 'x' } }],
    ['payment', { payment: 'USDT_TRC20' }],
    ['payment', { payment: [] }],
    ['payment.method', { payment: { method: 5 } }],
    ['payment.paid', { payment: { method: 'BTC', paid: 'yes' } }],
    ['payment.paid.hash', { payment: { method: 'BTC', paid: { hash: 'abc' } } }],
    ['payment.paid.hash', { payment: { method: 'BTC', paid: { hash: [1, 2] } } }],
    ['payment.paid.finished', { payment: { method: 'BTC', paid: { finished: 'true' } } }],
    ['expiresAt', { expiresAt: true }],
    ['createdAt', { createdAt: { seconds: 1 } }],
  ])('a wrong shape at %s is an error, not a guess', (field, over) => {
    const body = Array.isArray(over) || typeof over !== 'object' || over === null ? over : invoice(over);
    if (body && typeof body === 'object' && !Array.isArray(body)) for (const [k, v] of Object.entries(over as object)) if (v === undefined) delete (body as Record<string, unknown>)[k];
    shapeError(body, field);
  });

  it('finishedAt is the last update of a final invoice only', () => {
    expect(mapCsInvoice(invoice({ status: 'CANCELLED' })).finishedAt).toBe('2026-01-01T00:06:40.000Z');
    expect(mapCsInvoice(invoice({ status: 'WAITING' })).finishedAt).toBeNull();
    expect(mapCsInvoice(invoice({ status: 'SOMETHING' })).finishedAt).toBeNull();
  });
});

describe('csTimestamp (format UNKNOWN at the provider)', () => {
  const at = (v: unknown) => csTimestamp({ t: v }, 't');

  it('reads seconds, milliseconds, digit strings and ISO-8601 alike', () => {
    const iso = '2026-01-01T00:00:00.000Z';
    expect(at(1767225600)).toBe(iso);
    expect(at(1767225600000)).toBe(iso);
    expect(at('1767225600')).toBe(iso);
    expect(at('1767225600000')).toBe(iso);
    expect(at('2026-01-01T00:00:00Z')).toBe(iso);
    expect(at('2026-01-01T03:00:00+03:00')).toBe(iso);
  });

  it('unreadable values are null; other JSON types are shape errors', () => {
    expect(at('soon')).toBeNull();
    expect(at(0)).toBeNull();
    expect(at(-5)).toBeNull();
    expect(at(null)).toBeNull();
    expect(at(undefined)).toBeNull();
    expect(() => at(false)).toThrow(CsShapeError);
    expect(() => at([1])).toThrow(CsShapeError);
  });
});

describe('readCsInvoice', () => {
  it('keeps merchantId and the return URLs for checks beyond the port', () => {
    const r = readCsInvoice(invoice());
    expect(r.merchantId).toBe(MERCHANT_ID);
    expect(r.returnUrl).toBe('https://merchant.example/pay/ok');
    expect(r.failReturnUrl).toBe('https://merchant.example/pay/fail');
  });
});

describe('readCsCancel', () => {
  it('reads the documented answer; invoiceId documented as Boolean reads as null', () => {
    expect(readCsCancel({ invoiceId: INVOICE_ID, merchantId: MERCHANT_ID, failUrl: null, status: 'CANCELLED' })).toEqual({
      invoiceId: INVOICE_ID,
      status: 'CANCELLED',
      failUrl: null,
    });
    expect(readCsCancel({ invoiceId: true, merchantId: MERCHANT_ID, failUrl: 'https://m.example/f', status: 'CANCELLED' })).toEqual({
      invoiceId: null,
      status: 'CANCELLED',
      failUrl: 'https://m.example/f',
    });
  });

  it('without a status it is a shape error', () => {
    expect(() => readCsCancel({ invoiceId: INVOICE_ID })).toThrow(CsShapeError);
    expect(() => readCsCancel('CANCELLED')).toThrow(CsShapeError);
  });
});
