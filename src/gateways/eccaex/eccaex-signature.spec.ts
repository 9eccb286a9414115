/**
 * EccaEx callback signature verifier. Cases adapted from the Standard Webhooks reference test list
 * (missing/empty headers, invalid/partial signature, old/new timestamp, prefix, rotation), plus
 * known-answer vectors computed outside this code with
 *   openssl dgst -<alg> -hmac <secret> -binary <signed bytes> | xxd -p   (or | base64)
 */
import fc from 'fast-check';
import {
  discoverScheme,
  signEccaex,
  SUPPORTED_SCHEMES,
  verifyEccaex,
  type RejectReason,
  type SchemeCombination,
  type SignatureScheme,
  type VerifyResult,
} from './eccaex-signature';

const SECRET = 'whsec_kat_secret_0123456789';
const OTHER_SECRET = 'another_secret_that_is_long_enough';
const TS = '1700000000';
const NOW = 1_700_000_000;
// {"order_id":"ord_123","status":"success","amount":"1500.00","note":"café"} — é as UTF-8 C3 A9.
const BODY = Buffer.concat([
  Buffer.from('{"order_id":"ord_123","status":"success","amount":"1500.00","note":"caf', 'latin1'),
  Buffer.from([0xc3, 0xa9]),
  Buffer.from('"}', 'latin1'),
]);

const DEFAULT: SignatureScheme = { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex', toleranceS: 300 };

/** Precomputed with openssl (see header), secret SECRET, timestamp TS, body BODY. */
const KAT: Array<SchemeCombination & { expected: string }> = [
  { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex', expected: '98d26184481278ae2df8d1e369dd3555b6c57b1fb64076551263ea18b5f3737b' },
  { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'base64', expected: 'mNJhhEgSeK4t+NHjad01VbbFex+2QHZVEmPqGLXzc3s=' },
  {
    payload: '{timestamp}.{body}',
    algorithm: 'sha512',
    encoding: 'hex',
    expected:
      'ee23e0e25f50531f4cf0e5936ca621466f9f8becdfc4c26d973a52e6d2250828351dd5b4e967699d70d304f3dbfeea93a57d86681b4f5a92f99818514a2022b1',
  },
  {
    payload: '{timestamp}.{body}',
    algorithm: 'sha512',
    encoding: 'base64',
    expected: '7iPg4l9QUx9M8OWTbKYhRm+fi+zfxMJtlzpS5tIlCCg1HdW06WdpnXDTBPPb/uqTpX2GaBtPWpL5mBhRSiAisQ==',
  },
  { payload: '{body}', algorithm: 'sha256', encoding: 'hex', expected: 'b847da9e8ed805740600e517ede554c9d0dd901c9013ed794cc97c2e749a7794' },
  { payload: '{body}', algorithm: 'sha256', encoding: 'base64', expected: 'uEfano7YBXQGAOUX7eVUydDdkByQE+15TMl8LnSad5Q=' },
  {
    payload: '{body}',
    algorithm: 'sha512',
    encoding: 'hex',
    expected:
      'ad8a4720670eb253a11f8a860c857c1e21d85d47f036e2b9d534efe1b8ee41378d01ee433fb282dbe9666e9f31670b323caaaa2fddbae604a43dfbb19fbe10e9',
  },
  {
    payload: '{body}',
    algorithm: 'sha512',
    encoding: 'base64',
    expected: 'rYpHIGcOslOhH4qGDIV8HiHYXUfwNuK51TTv4bjuQTeNAe5DP7KC2+lmbp8xZwsyPKqqL9265gSkPfuxn74Q6Q==',
  },
  { payload: '{timestamp}{body}', algorithm: 'sha256', encoding: 'hex', expected: 'cc5176c1fce9e08a6943ea4c088d856e83c0571251f2e34706f30a26172aae78' },
  { payload: '{timestamp}{body}', algorithm: 'sha256', encoding: 'base64', expected: 'zFF2wfzp4IppQ+pMCI2FboPAVxJR8uNHBvMKJhcqrng=' },
  {
    payload: '{timestamp}{body}',
    algorithm: 'sha512',
    encoding: 'hex',
    expected:
      'a32f4948eb6c61351a29a918a6cbc03186d1eb10ba7917019cc1d504fda99411e6f7b0ad9ba39822eb032179c0c9cfa5c58de491e19ed3f46fa019841706b85c',
  },
  {
    payload: '{timestamp}{body}',
    algorithm: 'sha512',
    encoding: 'base64',
    expected: 'oy9JSOtsYTUaKakYpsvAMYbR6xC6eRcBnMHVBP2plBHm97Ctm6OYIusDIXnAyc+lxY3kkeGe0/RvoBmEFwa4XA==',
  },
];

const KAT_DEFAULT = KAT[0]!.expected;

type Input = Parameters<typeof verifyEccaex>[0];

function verify(overrides: Partial<Input> = {}): VerifyResult {
  return verifyEccaex({
    rawBody: BODY,
    signature: KAT_DEFAULT,
    timestamp: TS,
    secrets: [SECRET],
    scheme: DEFAULT,
    nowSeconds: NOW,
    ...overrides,
  });
}

function rejected(reason: RejectReason): VerifyResult {
  return { ok: false, reason };
}

const ACCEPTED: VerifyResult = { ok: true, secretIndex: 0, timestamp: NOW };

describe('SUPPORTED_SCHEMES', () => {
  it('lists the 12 distinct payload × algorithm × encoding combinations', () => {
    expect(SUPPORTED_SCHEMES).toHaveLength(12);
    const keys = new Set(SUPPORTED_SCHEMES.map((s) => `${s.payload}|${s.algorithm}|${s.encoding}`));
    expect(keys.size).toBe(12);
    for (const k of KAT) expect(keys.has(`${k.payload}|${k.algorithm}|${k.encoding}`)).toBe(true);
  });
});

describe('signEccaex known-answer vectors', () => {
  it('matches RFC 4231 test case 2 for HMAC-SHA-256/512 with the {body} payload', () => {
    const data = Buffer.from('what do ya want for nothing?', 'latin1');
    expect(signEccaex('Jefe', 'ignored', data, { payload: '{body}', algorithm: 'sha256', encoding: 'hex' })).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(signEccaex('Jefe', 'ignored', data, { payload: '{body}', algorithm: 'sha512', encoding: 'hex' })).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });

  it.each(KAT)('$payload $algorithm $encoding signs to the precomputed value', ({ expected, ...combo }) => {
    expect(signEccaex(SECRET, TS, BODY, combo)).toBe(expected);
  });

  it.each(KAT)('$payload $algorithm $encoding verifies the precomputed value', ({ expected, ...combo }) => {
    expect(verify({ signature: expected, scheme: { ...combo, toleranceS: 300 } })).toEqual(ACCEPTED);
  });

  it.each(KAT)('$payload $algorithm $encoding rejects every other scheme’s value', ({ expected, ...combo }) => {
    for (const other of KAT) {
      if (other.expected === expected) continue;
      const result = verify({ signature: other.expected, scheme: { ...combo, toleranceS: 300 } });
      expect(result.ok).toBe(false);
    }
  });
});

describe('verifyEccaex headers', () => {
  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['whitespace', '   \t'],
    ['empty array', []],
    ['array with an empty first value', ['', KAT_DEFAULT]],
  ])('missing signature (%s)', (_name, signature) => {
    expect(verify({ signature })).toEqual(rejected('missing_signature'));
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['whitespace', '  '],
    ['empty array', []],
  ])('missing timestamp (%s)', (_name, timestamp) => {
    expect(verify({ timestamp })).toEqual(rejected('missing_timestamp'));
  });

  it('reports the missing signature before the missing timestamp', () => {
    expect(verify({ signature: undefined, timestamp: undefined })).toEqual(rejected('missing_signature'));
  });

  it('takes the first value of repeated headers', () => {
    expect(verify({ signature: [KAT_DEFAULT, 'garbage'], timestamp: [TS, '1'] })).toEqual(ACCEPTED);
    expect(verify({ signature: ['garbage', KAT_DEFAULT] })).toEqual(rejected('malformed_signature'));
  });

  it('trims surrounding whitespace of both headers', () => {
    expect(verify({ signature: `  ${KAT_DEFAULT} `, timestamp: ` ${TS}\t` })).toEqual(ACCEPTED);
  });
});

describe('verifyEccaex timestamp', () => {
  it.each([
    ['milliseconds (13 digits)', '1700000000000'],
    ['non-numeric', 'abc'],
    ['decimal', '1700000000.5'],
    ['negative', '-1700000000'],
    ['signed', '+1700000000'],
    ['exponent', '1.7e9'],
    ['hex', '0x6553f100'],
    ['ISO date', '2023-11-14T22:13:20Z'],
    ['inner space', '1700 000000'],
  ])('rejects %s as malformed', (_name, timestamp) => {
    expect(verify({ timestamp })).toEqual(rejected('malformed_timestamp'));
  });

  it('checks the timestamp format before the signature', () => {
    expect(verify({ timestamp: '1700000000000', signature: 'garbage' })).toEqual(rejected('malformed_timestamp'));
  });

  it.each([-299, -300, 299, 300, 0])('accepts a timestamp %i s from now (tolerance 300)', (offset) => {
    const ts = String(NOW + offset);
    const signature = signEccaex(SECRET, ts, BODY, DEFAULT);
    expect(verify({ timestamp: ts, signature })).toEqual({ ok: true, secretIndex: 0, timestamp: NOW + offset });
  });

  it('rejects a correctly signed timestamp 301 s old as stale', () => {
    const ts = String(NOW - 301);
    expect(verify({ timestamp: ts, signature: signEccaex(SECRET, ts, BODY, DEFAULT) })).toEqual(rejected('stale_timestamp'));
  });

  it('rejects a correctly signed timestamp 301 s ahead as future', () => {
    const ts = String(NOW + 301);
    expect(verify({ timestamp: ts, signature: signEccaex(SECRET, ts, BODY, DEFAULT) })).toEqual(rejected('future_timestamp'));
  });

  it('checks freshness before the signature', () => {
    expect(verify({ timestamp: String(NOW - 10_000), signature: 'garbage' })).toEqual(rejected('stale_timestamp'));
  });

  it('honours the configured tolerance', () => {
    const ts = String(NOW - 61);
    const signature = signEccaex(SECRET, ts, BODY, DEFAULT);
    expect(verify({ timestamp: ts, signature, scheme: { ...DEFAULT, toleranceS: 60 } })).toEqual(rejected('stale_timestamp'));
    expect(verify({ timestamp: ts, signature, scheme: { ...DEFAULT, toleranceS: 61 } }).ok).toBe(true);
  });

  it('rejects rather than accepts when the clock or tolerance is not a number', () => {
    expect(verify({ nowSeconds: Number.NaN }).ok).toBe(false);
    expect(verify({ scheme: { ...DEFAULT, toleranceS: Number.NaN } }).ok).toBe(false);
  });

  it('rejects a replay of a valid callback with a re-dated timestamp header', () => {
    expect(verify({ timestamp: String(NOW + 1) })).toEqual(rejected('signature_mismatch'));
  });
});

describe('verifyEccaex signature format', () => {
  it.each([
    ['truncated by one character', KAT_DEFAULT.slice(0, -1)],
    ['truncated to half (partial signature)', KAT_DEFAULT.slice(0, 32)],
    ['too long', `${KAT_DEFAULT}00`],
    ['a SHA-512 length hex', KAT[2]!.expected],
    ['non-hex garbage of the right length', 'z'.repeat(64)],
    ['garbage', 'not a signature'],
    ['only a prefix', 'sha256='],
    ['base64 for a hex scheme', KAT[1]!.expected],
    ['a prefix naming another algorithm', `sha512=${KAT_DEFAULT}`],
    ['a Standard Webhooks style v1, value', `v1,${KAT_DEFAULT}`],
    ['hex with inner whitespace', `${KAT_DEFAULT.slice(0, 10)} ${KAT_DEFAULT.slice(10)}`],
  ])('rejects a signature %s as malformed without throwing', (_name, signature) => {
    expect(() => verify({ signature })).not.toThrow();
    expect(verify({ signature })).toEqual(rejected('malformed_signature'));
  });

  it('rejects a right-length signature that differs in one digit as a mismatch', () => {
    const last = KAT_DEFAULT.at(-1) === '0' ? '1' : '0';
    expect(verify({ signature: KAT_DEFAULT.slice(0, -1) + last })).toEqual(rejected('signature_mismatch'));
  });

  it('tolerates the sha256= prefix (any case)', () => {
    expect(verify({ signature: `sha256=${KAT_DEFAULT}` })).toEqual(ACCEPTED);
    expect(verify({ signature: `SHA256=${KAT_DEFAULT}` })).toEqual(ACCEPTED);
  });

  it('tolerates the sha512= prefix on a SHA-512 scheme', () => {
    const { expected, ...combo } = KAT[2]!;
    expect(verify({ signature: `sha512=${expected}`, scheme: { ...combo, toleranceS: 300 } })).toEqual(ACCEPTED);
  });

  it('tolerates uppercase hex', () => {
    expect(verify({ signature: KAT_DEFAULT.toUpperCase() })).toEqual(ACCEPTED);
    expect(verify({ signature: `sha256=${KAT_DEFAULT.toUpperCase()}` })).toEqual(ACCEPTED);
  });

  describe('base64', () => {
    const { expected, ...combo } = KAT[1]!;
    const scheme: SignatureScheme = { ...combo, toleranceS: 300 };

    it('accepts the padded value, the unpadded value and a prefix', () => {
      expect(verify({ signature: expected, scheme })).toEqual(ACCEPTED);
      expect(verify({ signature: expected.replace(/=+$/, ''), scheme })).toEqual(ACCEPTED);
      expect(verify({ signature: `sha256=${expected}`, scheme })).toEqual(ACCEPTED);
    });

    it('is case-sensitive', () => {
      const swapped = [...expected].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
      expect(verify({ signature: swapped, scheme }).ok).toBe(false);
    });

    it.each([
      ['truncated', expected.slice(0, 20)],
      ['url-safe alphabet', expected.replace(/\+/g, '-').replace(/\//g, '_')],
      ['non-canonical trailing bits', expected.replace(/s=$/, 't=')],
      ['hex for a base64 scheme', KAT_DEFAULT],
      ['garbage', '!!!!'],
    ])('rejects %s as malformed', (_name, signature) => {
      expect(verify({ signature, scheme })).toEqual(rejected('malformed_signature'));
    });
  });

  it('never throws on hostile inputs outside the types', () => {
    const hostile: unknown[] = [null, 42, {}, [null], [42], Symbol('x'), Buffer.from(KAT_DEFAULT)];
    for (const value of hostile) {
      expect(() => verify({ signature: value as string })).not.toThrow();
      expect(() => verify({ timestamp: value as string })).not.toThrow();
      expect(() => verify({ secrets: value as string[] })).not.toThrow();
      expect(() => verify({ rawBody: value as Buffer })).not.toThrow();
      expect(verify({ signature: value as string }).ok).toBe(false);
    }
    expect(() => verify({ scheme: { ...DEFAULT, algorithm: 'md5' as 'sha256' } })).not.toThrow();
    expect(verify({ scheme: { ...DEFAULT, algorithm: 'md5' as 'sha256' } }).ok).toBe(false);
    expect(() => verify({ scheme: { ...DEFAULT, payload: '{ts}' as '{body}' } })).not.toThrow();
    expect(verify({ scheme: { ...DEFAULT, payload: '{ts}' as '{body}' } }).ok).toBe(false);
    expect(() => verify({ scheme: undefined as unknown as SignatureScheme })).not.toThrow();
  });
});

describe('verifyEccaex secrets', () => {
  it('rejects with no_secret when no secret is configured', () => {
    expect(verify({ secrets: [] })).toEqual(rejected('no_secret'));
    expect(verify({ secrets: [''] })).toEqual(rejected('no_secret'));
  });

  it('rejects a signature made with another secret', () => {
    expect(verify({ secrets: [OTHER_SECRET] })).toEqual(rejected('signature_mismatch'));
  });

  it('accepts a signature from the second of two secrets with index 1 (rotation)', () => {
    expect(verify({ secrets: [OTHER_SECRET, SECRET] })).toEqual({ ok: true, secretIndex: 1, timestamp: NOW });
    expect(verify({ secrets: [SECRET, OTHER_SECRET] })).toEqual({ ok: true, secretIndex: 0, timestamp: NOW });
  });

  it('never lets an empty secret in the list sign for anyone', () => {
    const forged = signEccaex('', TS, BODY, DEFAULT);
    expect(verify({ signature: forged, secrets: ['', SECRET] })).toEqual(rejected('signature_mismatch'));
  });

  it('keys the HMAC with the secret’s UTF-8 bytes', () => {
    const secret = 'clé_secrète_ünïcode_🔑';
    const signature = signEccaex(secret, TS, BODY, DEFAULT);
    expect(verify({ signature, secrets: [secret] }).ok).toBe(true);
    expect(verify({ signature, secrets: [Buffer.from(secret, 'utf8').toString('latin1')] }).ok).toBe(false);
  });
});

describe('verifyEccaex body bytes', () => {
  it('rejects the signature of another body', () => {
    const other = Buffer.from('{"order_id":"ord_124","status":"success","amount":"1500.00"}');
    expect(verify({ rawBody: other })).toEqual(rejected('signature_mismatch'));
    expect(verify({ rawBody: Buffer.alloc(0) })).toEqual(rejected('signature_mismatch'));
  });

  it('verifies the exact bytes, not a re-serialisation of the JSON', () => {
    // Extra whitespace, key order, 1.0 vs 1, \u00e9 escape vs raw é: all change the bytes, not the value.
    const original = Buffer.from('{ "status" : "success",\n  "amount": 1.0, "name": "caf\\u00e9", "city": "Orl\u00e9ans" }\n', 'utf8');
    const signature = signEccaex(SECRET, TS, original, DEFAULT);
    expect(verify({ rawBody: original, signature })).toEqual(ACCEPTED);

    const reserialised = Buffer.from(JSON.stringify(JSON.parse(original.toString('utf8'))), 'utf8');
    expect(reserialised.equals(original)).toBe(false);
    expect(verify({ rawBody: reserialised, signature })).toEqual(rejected('signature_mismatch'));

    const reordered = Buffer.from('{ "amount": 1.0, "status" : "success",\n  "name": "caf\\u00e9", "city": "Orl\u00e9ans" }\n', 'utf8');
    expect(verify({ rawBody: reordered, signature })).toEqual(rejected('signature_mismatch'));

    const unescaped = Buffer.from(original.toString('utf8').replace('\\u00e9', '\u00e9'), 'utf8');
    expect(verify({ rawBody: unescaped, signature })).toEqual(rejected('signature_mismatch'));
  });

  it('does not round-trip the body through a string (invalid UTF-8 bytes still verify)', () => {
    const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]);
    const signature = signEccaex(SECRET, TS, raw, DEFAULT);
    expect(verify({ rawBody: raw, signature })).toEqual(ACCEPTED);
    expect(verify({ rawBody: Buffer.from(raw.toString('utf8'), 'utf8'), signature })).toEqual(rejected('signature_mismatch'));
  });

  it('verifies a body over 100 kB', () => {
    const big = Buffer.from(JSON.stringify({ order_id: 'ord_big', items: 'x'.repeat(150_000) }), 'utf8');
    expect(big.length).toBeGreaterThan(100 * 1024);
    for (const { expected: _unused, ...combo } of KAT) {
      const signature = signEccaex(SECRET, TS, big, combo);
      expect(verify({ rawBody: big, signature, scheme: { ...combo, toleranceS: 300 } })).toEqual(ACCEPTED);
    }
    const tampered = Buffer.from(big);
    tampered[tampered.length - 3] ^= 1;
    expect(verify({ rawBody: tampered, signature: signEccaex(SECRET, TS, big, DEFAULT) })).toEqual(rejected('signature_mismatch'));
  });

  it('accepts a Buffer that is a view into a larger allocation', () => {
    const pool = Buffer.concat([Buffer.from('JUNK'), BODY, Buffer.from('MORE')]);
    const view = pool.subarray(4, 4 + BODY.length);
    expect(verify({ rawBody: view })).toEqual(ACCEPTED);
  });
});

describe('discoverScheme', () => {
  it.each(KAT)('finds exactly $payload $algorithm $encoding', ({ expected, ...combo }) => {
    expect(discoverScheme({ rawBody: BODY, signature: expected, timestamp: TS }, [SECRET])).toEqual([{ ...combo, secretIndex: 0 }]);
  });

  it('reports which candidate secret matched', () => {
    expect(discoverScheme({ rawBody: BODY, signature: KAT_DEFAULT, timestamp: TS }, [OTHER_SECRET, SECRET])).toEqual([
      { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex', secretIndex: 1 },
    ]);
  });

  it('ignores freshness and the timestamp unit (a captured millisecond timestamp is discovered)', () => {
    const ms = '1700000000123';
    const combo: SchemeCombination = { payload: '{timestamp}{body}', algorithm: 'sha512', encoding: 'base64' };
    const signature = signEccaex(SECRET, ms, BODY, combo);
    expect(discoverScheme({ rawBody: BODY, signature, timestamp: ms }, [SECRET])).toEqual([{ ...combo, secretIndex: 0 }]);
  });

  it('tolerates the prefix and uppercase hex in the captured signature', () => {
    expect(discoverScheme({ rawBody: BODY, signature: `sha256=${KAT_DEFAULT.toUpperCase()}`, timestamp: TS }, [SECRET])).toEqual([
      { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex', secretIndex: 0 },
    ]);
  });

  it('returns nothing for no match, no secrets, or garbage, without throwing', () => {
    expect(discoverScheme({ rawBody: BODY, signature: KAT_DEFAULT, timestamp: TS }, [OTHER_SECRET])).toEqual([]);
    expect(discoverScheme({ rawBody: BODY, signature: KAT_DEFAULT, timestamp: TS }, [])).toEqual([]);
    expect(discoverScheme({ rawBody: BODY, signature: '', timestamp: TS }, [SECRET])).toEqual([]);
    expect(discoverScheme({ rawBody: BODY, signature: 'zzzz', timestamp: '' }, [SECRET])).toEqual([]);
    expect(() => discoverScheme({ rawBody: null as unknown as Buffer, signature: KAT_DEFAULT, timestamp: TS }, [SECRET])).not.toThrow();
  });
});

describe('properties', () => {
  const arbScheme = fc.constantFrom(...SUPPORTED_SCHEMES);
  const arbSecret = fc.string({ minLength: 1, maxLength: 64 });
  const arbTimestamp = fc.integer({ min: 0, max: 999_999_999_999 });
  const arbOffset = fc.integer({ min: -300, max: 300 });

  it('sign-then-verify is ok for random bodies, secrets, timestamps and schemes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), arbSecret, arbTimestamp, arbOffset, arbScheme, (bytes, secret, ts, offset, combo) => {
        const rawBody = Buffer.from(bytes);
        const signature = signEccaex(secret, String(ts), rawBody, combo);
        const result = verifyEccaex({
          rawBody,
          signature,
          timestamp: String(ts),
          secrets: [secret],
          scheme: { ...combo, toleranceS: 300 },
          nowSeconds: ts + offset,
        });
        expect(result).toEqual({ ok: true, secretIndex: 0, timestamp: ts });
      }),
      { numRuns: 300 },
    );
  });

  it('flipping any single byte of the body makes verification fail', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2048 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        arbSecret,
        arbTimestamp,
        arbScheme,
        (bytes, position, mask, secret, ts, combo) => {
          const rawBody = Buffer.from(bytes);
          const signature = signEccaex(secret, String(ts), rawBody, combo);
          const flipped = Buffer.from(rawBody);
          const i = position % flipped.length;
          flipped[i] = flipped[i]! ^ mask;
          const result = verifyEccaex({
            rawBody: flipped,
            signature,
            timestamp: String(ts),
            secrets: [secret],
            scheme: { ...combo, toleranceS: 300 },
            nowSeconds: ts,
          });
          expect(result).toEqual({ ok: false, reason: 'signature_mismatch' });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary header strings', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), (signature, timestamp) => {
        expect(() =>
          verifyEccaex({
            rawBody: BODY,
            signature: signature ?? undefined,
            timestamp: timestamp ?? undefined,
            secrets: [SECRET],
            scheme: DEFAULT,
            nowSeconds: NOW,
          }),
        ).not.toThrow();
      }),
    );
  });
});
