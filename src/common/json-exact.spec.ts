import fc from 'fast-check';
import { decimalOf, isJsonObject, JsonNumber, parseExactJson, stringifyExactJson } from './json-exact';

const num = (v: unknown) => (v as JsonNumber).source;

describe('parseExactJson', () => {
  it('keeps every number as written: the documented status response', () => {
    const doc = parseExactJson('{"status":"PAYED","amount":5000.00,"fee":100.00,"accrual_amount":4900.00,"is_recalc":false,"n":[0,-1.50,1e3,2E-2]}');
    expect(isJsonObject(doc)).toBe(true);
    const o = doc as Record<string, unknown>;
    expect(o.amount).toBeInstanceOf(JsonNumber);
    expect(num(o.amount)).toBe('5000.00');
    expect(num(o.fee)).toBe('100.00');
    expect(num(o.accrual_amount)).toBe('4900.00');
    expect(o.status).toBe('PAYED');
    expect(o.is_recalc).toBe(false);
    expect((o.n as unknown[]).map(num)).toEqual(['0', '-1.50', '1e3', '2E-2']);
  });

  it('reads digits a double cannot hold', () => {
    const o = parseExactJson('{"a":0.1000000000000000055511151231257827,"b":12345678901234567890.12}') as Record<string, unknown>;
    expect(num(o.a)).toBe('0.1000000000000000055511151231257827');
    expect(num(o.b)).toBe('12345678901234567890.12');
  });

  it('parses bytes as UTF-8 and refuses invalid UTF-8', () => {
    const bytes = Buffer.from('{"d":"Оплата №7 — café","a":1.10}', 'utf8');
    expect(parseExactJson(bytes)).toEqual({ d: 'Оплата №7 — café', a: new JsonNumber('1.10') });
    expect(() => parseExactJson(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toThrow(SyntaxError);
  });

  it('is JSON.parse otherwise: bad JSON throws a SyntaxError, a root number is a JsonNumber, __proto__ is an own key', () => {
    expect(() => parseExactJson('{"amount":')).toThrow(SyntaxError);
    expect(() => parseExactJson('{"amount":01}')).toThrow(SyntaxError);
    expect(() => parseExactJson('')).toThrow(SyntaxError);
    expect(num(parseExactJson(' 42.0 '))).toBe('42.0');
    const o = parseExactJson('{"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });
});

describe('stringifyExactJson', () => {
  it('writes a JsonNumber as its text, so money keeps its two decimals', () => {
    expect(stringifyExactJson({ amount: new JsonNumber('5000.00'), fee: new JsonNumber('0.00'), s: '5000.00', list: [new JsonNumber('-1.10')] })).toBe(
      '{"amount":5000.00,"fee":0.00,"s":"5000.00","list":[-1.10]}',
    );
  });

  it('a JsonNumber is only made from JSON number text', () => {
    for (const bad of ['', '1.', '.5', '+1', '01', 'NaN', '1,5', '0x10', '1 ']) expect(() => new JsonNumber(bad)).toThrow(SyntaxError);
  });
});

describe('round trips', () => {
  const decimal = fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }))
    .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);

  it('random decimals come back exactly, as JsonNumber text and through decimalOf', () => {
    fc.assert(
      fc.property(decimal, (d) => {
        const o = parseExactJson(`{"amount":${d}}`) as Record<string, unknown>;
        expect(num(o.amount)).toBe(d);
        expect(decimalOf(o.amount)).toBe(d);
        expect(stringifyExactJson(o)).toBe(`{"amount":${d}}`);
      }),
    );
  });

  it('any JSON text parses and writes back byte for byte (compact form)', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(stringifyExactJson(parseExactJson(text))).toBe(text);
      }),
    );
  });
});

describe('decimalOf', () => {
  it.each<[unknown, string | null]>([
    [new JsonNumber('5000.00'), '5000.00'],
    [new JsonNumber('5e3'), '5000'],
    [new JsonNumber('1.5E-2'), '0.015'],
    [new JsonNumber('1e400'), null],
    ['4900.00', '4900.00'],
    ['-0.10', '-0.10'],
    ['1e3', null],
    ['12,5', null],
    [' 1.00', null],
    [5000, null],
    [null, null],
    [undefined, null],
    [true, null],
  ])('%p → %p', (value, expected) => {
    expect(decimalOf(value)).toBe(expected);
  });
});

describe('on a runtime without JSON.parse source text access (Node.js 20)', () => {
  it('refuses with a message naming what is missing, rather than reading a number through a double', () => {
    const real = JSON.parse;
    // The reviver of Node.js 20 gets (key, value) only.
    JSON.parse = ((text: string, reviver?: (k: string, v: unknown) => unknown) =>
      real(text, reviver ? (k: string, v: unknown) => reviver(k, v) : undefined)) as typeof JSON.parse;
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const m = require('./json-exact') as typeof import('./json-exact');
        expect(() => m.parseExactJson('{"amount":5000.00}')).toThrow(/source text access.*Node\.js 22 or later/);
        expect(() => m.stringifyExactJson({})).toThrow(/Node\.js 22 or later/);
      });
    } finally {
      JSON.parse = real;
    }
  });
});
