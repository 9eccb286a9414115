/**
 * Known-answer vectors computed outside this code, in bash, with
 *   s1=$(printf '%s' "$BODY" | openssl dgst -sha1 -binary | base64)
 *   printf '%s%s%s' "$SECRET" "$s1" "$SECRET" | openssl dgst -md5 -binary | base64
 * (printf '%s' writes the bytes as given, UTF-8 for the non-ASCII ones; the empty body is ''). The
 * form vector used the same two commands over the concatenated field values.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { dpayFormBytes, signDpay, signDpayForm, verifyDpay, verifyDpayForm } from './smartwm-signature';

const SECRET = 'dpay_kat_secret_0123456789';
const utf8 = (s: string) => Buffer.from(s, 'utf8');

const CREATE = '{"payment_id":"order-1","currency":"visamaster.uah","amount":100.00}';
const STATUS =
  '{"tracking":"0527-7AB2-D140-5DA6-5D78-27AA-96AC-118F","payment_id":"6623237","currency":"visamaster.uah","created":"2017-03-14 20:36:09",' +
  '"processed":"2017-03-14 21:14:05","status":"PAYED","amount":5000.00,"fee":100.00,"accrual_amount":4900.00,"accrual_currency":"UAH","is_recalc":false}';
// Cyrillic, "№", an em dash and "é": 2- and 3-byte UTF-8 sequences.
const NON_ASCII = '{"payment_id":"6623237","description":"Оплата заказа №7 — café"}';

const KAT: Array<[string, Buffer, string]> = [
  ['a create request', utf8(CREATE), 'XwNjh1selQVi7PSfbLUyXA=='],
  ['the documented status response', utf8(STATUS), '8obECOVkC1HggKWIgQmwzA=='],
  ['a non-ASCII body', utf8(NON_ASCII), 'WLqhbD2bXyBAyQsKaO4syg=='],
  ['an empty body', Buffer.alloc(0), 'DJPGkH3rumBWBA9WgmJ/fg=='],
];

describe('DPAY_SECURE', () => {
  it.each(KAT)('signs %s as openssl does', (_name, body, expected) => {
    expect(signDpay(SECRET, body)).toBe(expected);
    expect(verifyDpay(SECRET, body, expected)).toBe(true);
  });

  it('checks the intermediate step: base64(sha1("")) is the well-known 2jmj7l5rSw0yVb/vlWAYkK/YBwk=', () => {
    expect(createHash('sha1').update('').digest('base64')).toBe('2jmj7l5rSw0yVb/vlWAYkK/YBwk=');
  });

  it('takes the secret as UTF-8 (openssl with SECRET=секрет-кассы-01)', () => {
    expect(signDpay('секрет-кассы-01', utf8(CREATE))).toBe('CRX1DJIc5tHNN7cIJu+Bvw==');
  });

  it('signs bytes, not a JSON value: the same object written as 100 instead of 100.00 has another signature (openssl: i93rf9oy8ilMIQW1sGcooQ==)', () => {
    const reserialised = utf8('{"payment_id":"order-1","currency":"visamaster.uah","amount":100}');
    expect(signDpay(SECRET, reserialised)).toBe('i93rf9oy8ilMIQW1sGcooQ==');
    expect(verifyDpay(SECRET, reserialised, 'XwNjh1selQVi7PSfbLUyXA==')).toBe(false);
  });

  it('accepts a Uint8Array view as well as a Buffer', () => {
    const backing = new Uint8Array(Buffer.concat([Buffer.from('xx'), utf8(CREATE), Buffer.from('yy')]));
    const view = backing.subarray(2, backing.length - 2);
    expect(signDpay(SECRET, view)).toBe('XwNjh1selQVi7PSfbLUyXA==');
  });

  describe('verify refuses', () => {
    const body = utf8(CREATE);
    const good = 'XwNjh1selQVi7PSfbLUyXA==';
    it.each<[string, string | string[] | undefined]>([
      ['a missing header', undefined],
      ['an empty header', ''],
      ['a repeated header', [good, good]],
      ['another signature', 'WLqhbD2bXyBAyQsKaO4syg=='],
      ['the signature without padding', good.slice(0, -2)],
      ['a hex digest', createHash('md5').update('x').digest('hex')],
      ['one character changed', `Y${good.slice(1)}`],
    ])('%s', (_name, signature) => {
      expect(verifyDpay(SECRET, body, signature)).toBe(false);
    });

    it('a signature made with another secret, and an empty secret', () => {
      expect(verifyDpay('another_secret_0123456789', body, good)).toBe(false);
      expect(verifyDpay('', body, signDpay('', body))).toBe(false);
    });

    it('url-safe base64 (the standard alphabet only)', () => {
      expect(verifyDpay(SECRET, Buffer.alloc(0), 'DJPGkH3rumBWBA9WgmJ_fg==')).toBe(false);
    });

    it('one byte more or less in the body', () => {
      expect(verifyDpay(SECRET, Buffer.concat([body, Buffer.from(' ')]), good)).toBe(false);
      expect(verifyDpay(SECRET, body.subarray(0, body.length - 1), good)).toBe(false);
    });

    it('tolerates surrounding whitespace in the header only', () => {
      expect(verifyDpay(SECRET, body, ` ${good} `)).toBe(true);
    });
  });

  it('round-trips for random bytes and secrets; any flipped bit is refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), (bytes, secret, at) => {
        const body = Buffer.from(bytes);
        const sig = signDpay(secret, body);
        expect(verifyDpay(secret, body, sig)).toBe(true);
        if (body.length > 0) {
          const flipped = Buffer.from(body);
          flipped[at % body.length]! ^= 1;
          expect(verifyDpay(secret, flipped, sig)).toBe(false);
        }
      }),
    );
  });
});

describe('hosted-form SIGN', () => {
  const fields = {
    CLIENT_ID: '1234',
    INVOICE_ID: 'order-1',
    AMOUNT: '100.00',
    CURRENCY: 'UAH',
    SUCCESS_URL: 'https://shop.example/success',
    FAIL_URL: 'https://shop.example/fail',
    STATUS_URL: 'https://shop.example/status/order-1',
    DESCRIPTION: 'not signed',
  };
  const ORDER = 'CLIENT_ID;INVOICE_ID;AMOUNT;CURRENCY;SUCCESS_URL;FAIL_URL;STATUS_URL';

  it('concatenates the SIGN_ORDER values without a separator, in that order', () => {
    expect(dpayFormBytes(fields, ORDER).toString('utf8')).toBe(
      '1234order-1100.00UAHhttps://shop.example/successhttps://shop.example/failhttps://shop.example/status/order-1',
    );
  });

  it('signs them as openssl does', () => {
    expect(signDpayForm(SECRET, fields, ORDER)).toBe('/TCtgv5qtQ5qQYvQnCcNWw==');
    expect(verifyDpayForm(SECRET, fields, ORDER, '/TCtgv5qtQ5qQYvQnCcNWw==')).toBe(true);
  });

  it('a changed signed value, another order, or a missing SIGN is refused; unsigned fields do not matter', () => {
    const sign = signDpayForm(SECRET, fields, ORDER);
    expect(verifyDpayForm(SECRET, { ...fields, AMOUNT: '1.00' }, ORDER, sign)).toBe(false);
    expect(verifyDpayForm(SECRET, fields, 'INVOICE_ID;CLIENT_ID;AMOUNT;CURRENCY;SUCCESS_URL;FAIL_URL;STATUS_URL', sign)).toBe(false);
    expect(verifyDpayForm(SECRET, fields, ORDER, undefined)).toBe(false);
    expect(verifyDpayForm(SECRET, { ...fields, DESCRIPTION: 'changed' }, ORDER, sign)).toBe(true);
  });

  it('a field named but absent counts as empty; a trailing separator adds nothing', () => {
    expect(dpayFormBytes({ A: 'x' }, 'A;B;').toString()).toBe('x');
  });
});
