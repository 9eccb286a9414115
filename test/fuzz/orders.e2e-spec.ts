import fc from 'fast-check';
import { OPS_KEY, startTestApp, STOREFRONT_KEY, TestApp } from '../support/app';
import { SANDBOX } from '../support/callbacks';
import {
  answers, pathVariants, anyJson, authArb, brokenBody, contentType, cursorValue, dateValue, enc, Expect, extraHeaders, FuzzRequest, FuzzResponse, Fuzzer,
  headerValue, keyFor, limitValue, nasty, oversized, pathOf, pathSegment, plain, queryOf, queryString, request, text,
} from './support';

/**
 * Orders and catalogue routes under generated input (docs/api.md sections 3, 5 and 7): no 5xx,
 * every error in the envelope, nothing written for a refused request, and a 201 only for a body
 * the contract accepts. Routes that reach the gateway get mostly invalid input (valid cases
 * still occur), so the normal run stays fast.
 */

jest.setTimeout(600_000);

const ENABLED_CURRENCIES = ['UAH', 'KZT', 'EUR', 'USD'];
/** The sandbox's EccaEx methods per currency, [code, min_sum, max_sum] in cents (USD has none): docs/api.md section 3.1 refuses an amount none takes. */
const METHOD_LIMITS: Record<string, Array<[string, number, number]>> = {
  UAH: [['monobank', 100, 1_000_000], ['privatbank', 100, 1_500_000]],
  KZT: [['kaspi', 100_000, 50_000_000]],
  EUR: [['sepa', 1_000, 500_000]],
  USD: [],
};
const FIELDS = ['amount', 'currency', 'customer_id', 'external_id', 'description', 'success_url', 'fail_url', 'metadata', 'provider', 'payment_method'];

let app: TestApp;
let fuzz: Fuzzer;
let seeded: Array<{ id: string; external_id: string }> = [];
let serial = 0;

beforeAll(async () => {
  // The oracle below is EccaEx's (its currencies and method limits): the other gateways stay off here.
  app = await startTestApp({ RATE_LIMIT_PER_MIN: '0', CRYPTOSTEROID_MODE: 'off', SMARTWM_MODE: 'off' });
  fuzz = new Fuzzer(app);
  // No automatic gateway webhooks: the only callbacks are the ones a route asks for (resend).
  await app.http.put(`${SANDBOX}/_control/webhooks`).send({ enabled: false }).expect(200);
  for (let i = 0; i < 24; i++) {
    const res = await fuzz.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { authorization: `Bearer ${STOREFRONT_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ amount: '100.00', currency: 'UAH', customer_id: `fuzz-seed-${i}`, external_id: `fuzz-seed-${i}`, metadata: { i: String(i) } }),
      auth: 'storefront',
    });
    expect(res.status).toBe(201);
    seeded.push(res.json as { id: string; external_id: string });
  }
}, 120_000);

afterAll(async () => {
  await fuzz?.drain();
  await app?.close();
}, 90_000);

// ------------------------------------------------------------------- create-order bodies

const validAmount = fc.tuple(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 99 })).map(([u, c]) => `${u}.${String(c).padStart(2, '0')}`).filter((a) => a !== '0.00');

const amountRaw = fc.oneof(
  { weight: 6, arbitrary: validAmount.map((a) => JSON.stringify(a)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '"0.00"', '"-1.00"', '"-0.01"', '"1.001"', '"0.005"', '"1.0"', '"1"', '"999999999999.99"', '"1000000000000.00"', '"99999999999999999999.99"',
      '"1e3"', '" 1.00"', '"1.00 "', '"１.００"', '"1,00"', '".50"', '"+1.00"', '"0x1.00"', '"Infinity"', '"NaN"', '"-0.00"', '"000000000001.00"',
      '"1.00\\u0000"', '"\\u0661.00"', '"1.00\\n"',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('1.5', '100', '-1', '0', '1e309', '-1e309', '123456789012345678901234567890.12', '1.001', '-0', 'null', 'true', '[]', '{}', '["1.00"]', '{"value":"1.00"}') },
  { weight: 1, arbitrary: anyJson },
);

const currencyRaw = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ENABLED_CURRENCIES).map((c) => JSON.stringify(c)) },
  { weight: 2, arbitrary: fc.constantFrom('"uah"', '"GBP"', '"XXX"', '"UA"', '"UAHH"', '"U A"', '"ÜAH"', '""', '840', 'null', '["UAH"]') },
  { weight: 1, arbitrary: anyJson },
);

const stringRaw = (valid: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 6, arbitrary: valid.map((s) => JSON.stringify(s)) }, { weight: 2, arbitrary: text.map((s) => JSON.stringify(s)) }, { weight: 1, arbitrary: anyJson });

const idChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-'.split(''));
const urlRaw = fc.oneof(
  { weight: 3, arbitrary: fc.webUrl().map((u) => JSON.stringify(u)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '"javascript:alert(1)"', '"ftp://x/y"', '"//evil.example"', '"http://user:pass@evil.example/"', '"http://"', '"/relative"', '"http://a b"',
      '"data:text/html,<script>1</script>"', `"https://x.example/${'a'.repeat(3000)}"`, '"http://[::1]/"', '"http://127.0.0.1:1/"', '"file:///etc/passwd"',
    ),
  },
  { weight: 1, arbitrary: anyJson },
);

const metadataRaw = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 5 }).map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.dictionary(text, text, { maxKeys: 60 }).map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.constantFrom(`{${Array.from({ length: 51 }, (_, i) => `"k${i}":"v"`).join(',')}}`, `{"a":"${'x'.repeat(501)}"}`, '{"a":1}', '{"a":{"b":"c"}}', '[]', '"meta"', 'null', '{"":"x"}') },
  { weight: 1, arbitrary: anyJson },
);

const fieldRaw: Record<string, fc.Arbitrary<string>> = {
  amount: amountRaw,
  currency: currencyRaw,
  customer_id: stringRaw(fc.string({ minLength: 1, maxLength: 20 })),
  external_id: stringRaw(fc.string({ unit: idChars, minLength: 1, maxLength: 40 })),
  description: stringRaw(fc.string({ maxLength: 80 })),
  success_url: urlRaw,
  fail_url: urlRaw,
  metadata: metadataRaw,
  provider: fc.oneof(fc.constantFrom('"eccaex"', '"cryptosteroid"', '"smartwm"', '"ECCAEX"', '"paypal"', '""', 'null', '1'), anyJson),
  payment_method: stringRaw(fc.constantFrom('visamaster.uah', 'USDT_TRC20', 'privatbank')),
};

/** An object body as raw JSON: chosen fields (maybe repeated: duplicate keys), maybe unknown ones. */
const objectBody = fc
  .tuple(
    fc.subarray(FIELDS, { minLength: 0 }),
    fc.array(fc.tuple(fc.oneof(text, fc.constantFrom('__proto__', 'constructor', 'status', 'id', 'paid_at', 'Amount')), anyJson), { maxLength: 2 }),
    fc.array(fc.constantFrom(...FIELDS), { maxLength: 2 }),
  )
  .chain(([fields, unknown, repeated]) =>
    fc
      .tuple(...[...fields, ...repeated].map((f) => fieldRaw[f].map((v) => [f, v] as const)), ...unknown.map(([k, v]) => fc.constant([k, v] as const)))
      .chain((entries) => fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })),
  )
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** A body the contract accepts (a fresh external_id or none), so valid cases do reach the gateway. */
const validBody = fc
  .record(
    {
      // Mostly amounts some method takes (10.00-5,000.00 fits UAH and EUR), some anywhere in the format's range.
      amount: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1_000, max: 500_000 }).map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`) }, { weight: 1, arbitrary: validAmount }),
      currency: fc.constantFrom(...ENABLED_CURRENCIES),
      customer_id: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\u0000')),
      external_id: fc.constant('fresh'),
      description: fc.string({ maxLength: 100 }).filter((s) => !s.includes('\u0000')),
      metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\u0000')), fc.string({ maxLength: 20 }).filter((s) => !s.includes('\u0000')), { maxKeys: 3 }),
      success_url: fc.constant('https://shop.example/ok'),
    },
    { requiredKeys: ['amount', 'currency', 'customer_id'] },
  )
  .map((b) => JSON.stringify(b.external_id ? { ...b, external_id: `fz-${Date.now().toString(36)}-${serial++}` } : b));

const createBody: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 4, arbitrary: validBody },
  { weight: 60, arbitrary: objectBody },
  { weight: 12, arbitrary: brokenBody },
  { weight: 4, arbitrary: anyJson },
  { weight: 1, arbitrary: oversized },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const idempotencyKeyPool = fc.constantFrom('k-1', 'k-2', 'k-3', 'same-key', '0', ' ', 'a'.repeat(255), 'a'.repeat(256));
const createHeaders = fc
  .tuple(extraHeaders, fc.option(fc.oneof(idempotencyKeyPool, headerValue, fc.uuid()), { freq: 2 }))
  .map(([h, key]) => (key === null ? h : { ...h, 'idempotency-key': key }));

/** What the contract says a 201 needs; null when the body qualifies. */
function whyNotAcceptable(payload: FuzzRequest['payload']): string | null {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.isBuffer(payload) ? payload.toString('utf8') : (payload ?? ''));
  } catch {
    return 'not JSON';
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return 'not an object';
  const b = o as Record<string, unknown>;
  const present = (k: string) => b[k] !== undefined && b[k] !== null;
  const str = (k: string) => typeof b[k] === 'string';
  for (const k of Object.keys(b)) if (!FIELDS.includes(k)) return `unknown field ${k}`;
  if (!str('amount') || !/^\d{1,12}\.\d{2}$/.test(b.amount as string) || !/[1-9]/.test(b.amount as string)) return `amount ${JSON.stringify(b.amount)}`;
  if (!str('currency') || !ENABLED_CURRENCIES.includes(b.currency as string)) return `currency ${JSON.stringify(b.currency)}`;
  if (!str('customer_id') || (b.customer_id as string).length < 1 || (b.customer_id as string).length > 128) return 'customer_id';
  if (present('external_id') && (!str('external_id') || !/^[A-Za-z0-9._:-]{1,128}$/.test(b.external_id as string))) return 'external_id';
  if (present('description') && (!str('description') || (b.description as string).length > 512)) return 'description';
  for (const u of ['success_url', 'fail_url']) {
    if (!present(u)) continue;
    if (!str(u)) return u;
    try {
      const url = new URL(b[u] as string);
      if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || (b[u] as string).length > 2048) return u;
    } catch {
      return u;
    }
  }
  if (present('metadata')) {
    const m = b.metadata;
    if (typeof m !== 'object' || Array.isArray(m)) return 'metadata';
    const e = Object.entries(m as Record<string, unknown>);
    if (e.length > 50 || !e.every(([k, v]) => k.length >= 1 && k.length <= 64 && typeof v === 'string' && v.length <= 500)) return 'metadata';
  }
  if (present('provider') && b.provider !== 'eccaex') return 'provider';
  if (present('payment_method') && (!str('payment_method') || (b.payment_method as string).length < 1 || (b.payment_method as string).length > 64)) return 'payment_method';
  // Some method of the currency (the named one, when the catalogue lists it) must take the amount.
  const methods = METHOD_LIMITS[b.currency as string]!;
  const named = methods.filter(([code]) => code === b.payment_method);
  const cents = Number((b.amount as string).replace('.', ''));
  if (!(named.length ? named : methods).some(([, min, max]) => cents >= min && cents <= max)) return `amount ${b.amount as string} outside every ${b.currency as string} method's limits`;
  const all = JSON.stringify(b);
  if (all.includes('\\u0000')) return 'NUL character';
  return null;
}

function checkCreate(req: FuzzRequest, res: FuzzResponse, expect: Expect): string | null {
  const key = req.headers['idempotency-key'];
  const body = res.json as { id?: string; status?: string; amount?: string; error?: { code: string; details: { order_id?: string } } };
  if (res.status === 201) {
    const why = whyNotAcceptable(req.payload);
    if (why) return `201 for a body the contract refuses (${why})`;
    const sent = JSON.parse(String(req.payload)) as { amount: string };
    // The same amount, in its canonical form ("000000000001.00" is echoed as "1.00").
    if (body.status !== 'awaiting_payment' || body.amount !== sent.amount.replace(/^0+(?=\d)/, '')) return `201 with status ${body.status}, amount ${body.amount} (sent ${sent.amount})`;
    if (req.auth !== 'storefront' && req.auth !== 'ops') return '201 without a key';
    expect.orders.add(body.id!);
    if (key !== undefined && fuzz.firstUseOfKey(req.auth, key)) expect.idempotency++;
    return null;
  }
  if (res.status === 409 && body.error?.code === 'DUPLICATE_EXTERNAL_ID' && key !== undefined && fuzz.firstUseOfKey(req.auth, key)) expect.idempotency++;
  if ((res.status === 502 || res.status === 503) && body.error?.details.order_id) {
    expect.orders.add(body.error.details.order_id);
    if (key !== undefined && fuzz.firstUseOfKey(req.auth, key)) expect.idempotency++;
  }
  return null;
}

// ------------------------------------------------------------------------ refs and paths

const refArb = () =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...seeded.map((o) => o.id)) },
    { weight: 1, arbitrary: fc.constantFrom(...seeded.map((o) => o.external_id)) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 15, arbitrary: pathSegment },
  );

/** Mostly refs that are not ours (no gateway call), some real ones. */
const rareRealRef = () =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...seeded.map((o) => o.id), ...seeded.map((o) => o.external_id)) },
    { weight: 4, arbitrary: fc.uuid() },
    { weight: 15, arbitrary: pathSegment },
  );

const junkQuery = queryString({ expand: text, x: text });
const noBodyOrJunk = fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: brokenBody }, { weight: 1, arbitrary: anyJson });

function refOf(url: string): string {
  const seg = url.split('?')[0]!.split('/')[3] ?? '';
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function checkOrderReply(req: FuzzRequest, res: FuzzResponse): string | null {
  if (res.status !== 200) return null;
  const o = res.json as { id?: string; external_id?: string };
  const ref = refOf(req.url);
  if (o.id !== ref && o.external_id !== ref) return `200 for ref ${JSON.stringify(ref)} names order ${o.id}/${o.external_id}`;
  return null;
}

/** A seeded order's own route (`/v1/orders/{id or external_id}` + suffix), asked plainly with a key the route takes. */
function seededRoute(req: FuzzRequest, role: 'storefront' | 'ops', suffix = ''): boolean {
  const ref = refOf(req.url);
  return keyFor(role, req) && seeded.some((o) => o.id === ref || o.external_id === ref) && plain(req, `/v1/orders/${encodeURIComponent(ref)}${suffix}`);
}

/** Whether the sandbox gateway recorded a webhook event for a seeded order's invoice. */
async function gatewayHasEvents(ref: string): Promise<boolean> {
  const order = seeded.find((o) => o.id === ref || o.external_id === ref)!;
  const rows = await fuzz.ds.query(
    `SELECT 1 FROM sandbox_webhook_events e JOIN sandbox_invoices i ON i.id = e.invoice_id WHERE i.external_id = $1 LIMIT 1`,
    [order.external_id],
  );
  return rows.length > 0;
}

/** A body the contract accepts, sent plainly as JSON with a key and no Idempotency-Key: 201 (409 if its external_id is taken). */
function validCreate(req: FuzzRequest) {
  const ct = req.headers['content-type'];
  if (!keyFor('storefront', req) || pathOf(req) !== '/v1/orders' || queryOf(req) !== '' || req.headers['idempotency-key'] !== undefined) return null;
  if ((ct !== 'application/json' && ct !== 'application/json; charset=utf-8') || whyNotAcceptable(req.payload) !== null) return null;
  const hasExternalId = (JSON.parse(String(req.payload)) as { external_id?: unknown }).external_id != null;
  return answers(hasExternalId ? [201, 409] : [201], (res) =>
    res.status === 409 && (res.json as { error?: { code?: string } }).error?.code !== 'DUPLICATE_EXTERNAL_ID' ? `409 ${res.text.slice(0, 200)}` : null,
  );
}

describe('regressions the fuzz found', () => {
  it('an external_id of 128 characters (the contract maximum) works as an order ref (was 414, outside the envelope)', async () => {
    const ext = `x${'0123456789'.repeat(12)}abcdefg`;
    expect(ext).toHaveLength(128);
    const headers = { authorization: `Bearer ${STOREFRONT_KEY}`, 'content-type': 'application/json' };
    const created = await fuzz.inject({ method: 'POST', url: '/v1/orders', headers, payload: JSON.stringify({ amount: '5.00', currency: 'UAH', customer_id: 'long-ref', external_id: ext }), auth: 'storefront' });
    expect(created.status).toBe(201);
    const read = await fuzz.inject({ method: 'GET', url: `/v1/orders/${ext}`, headers, auth: 'storefront' });
    expect([read.status, (read.json as { id: string }).id]).toEqual([200, (created.json as { id: string }).id]);
    const tooLong = await fuzz.inject({ method: 'GET', url: `/v1/orders/${'a'.repeat(2000)}`, headers, auth: 'storefront' });
    expect([tooLong.status, (tooLong.json as { error: { code: string } }).error.code]).toEqual([414, 'URI_TOO_LONG']);
  });

  it('NUL characters, deep nesting, out-of-range dates and foreign cursors are 400s, not 500s', async () => {
    const headers = { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json' };
    const cases: Array<[string, string, string?]> = [
      ['GET', '/v1/orders/%00'],
      ['GET', '/v1/orders?customer_id=a%00b'],
      ['GET', '/v1/withdrawals/%00'],
      ['GET', '/v1/orders?created_from=-271821-04-20T00:00:00Z'],
      ['GET', `/v1/orders?cursor=${Buffer.from(JSON.stringify(['2020-01-01T00:00:00Z', 'not-a-uuid'])).toString('base64url')}`],
      ['GET', `/v1/webhook-events?cursor=${Buffer.from(JSON.stringify(['2020-01-01T00:00:00Z', 'x'])).toString('base64url')}`],
      ['GET', '/v1/orders/%E0%A4%A'],
      ['POST', '/v1/orders', JSON.stringify({ amount: '1.00', currency: 'UAH', customer_id: 'a\u0000b' })],
      ['POST', '/v1/orders', JSON.stringify({ amount: '1.00', currency: 'UAH', customer_id: 'a', metadata: { k: 'v\u0000' } })],
      ['POST', '/v1/orders', `{"amount":"1.00","currency":"UAH","customer_id":"a","metadata":${'{"a":'.repeat(6000)}"x"${'}'.repeat(6000)}}`],
    ];
    for (const [method, url, payload] of cases) {
      const r = await fuzz.inject({ method, url, headers, payload, auth: 'ops' });
      expect([method, url.slice(0, 60), r.status, (r.json as { error?: { code: string } }).error?.code]).toEqual([method, url.slice(0, 60), 400, expect.stringMatching(/^(VALIDATION_FAILED|BAD_REQUEST)$/)]);
    }
  });
});

describe('fuzz: orders and catalogue', () => {
  // Lists first, while the table is small; then the routes that add orders.
  it('GET /v1/orders (list)', async () => {
    await fuzz.run({
      name: 'GET /v1/orders',
      path: '/v1/orders',
      valid: (req) => (keyFor('ops', req) && plain(req, '/v1/orders') ? answers([200]) : null),
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: pathVariants('/v1/orders'),
        query: queryString({
          status: fc.oneof(fc.constantFrom('pending', 'awaiting_payment', 'paid', 'failed', 'expired', 'canceled', 'PAID', ''), text),
          customer_id: fc.oneof(fc.constantFrom('fuzz-seed-1', 'fuzz-seed-2'), text),
          created_from: dateValue,
          created_to: dateValue,
          limit: limitValue,
          cursor: cursorValue,
        }),
        auth: authArb({ ops: 50, storefront: 15, none: 15, junk: 20 }),
      }),
      check: (_req, res) => {
        if (res.status !== 200) return null;
        const b = res.json as { data?: unknown[]; next_cursor?: unknown };
        if (!Array.isArray(b.data) || b.data.length > 200 || (b.next_cursor !== null && typeof b.next_cursor !== 'string')) return 'list reply shape';
        return null;
      },
    });
  });

  it('POST /v1/orders', async () => {
    await fuzz.run({
      name: 'POST /v1/orders',
      path: '/v1/orders',
      valid: validCreate,
      role: 'storefront',
      arb: request({
        method: fc.constant('POST'),
        path: pathVariants('/v1/orders'),
        query: fc.oneof({ weight: 9, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ storefront: 70, ops: 10, none: 8, junk: 12 }),
        body: createBody,
        headers: createHeaders,
      }),
      check: checkCreate,
    });
  });

  it('GET /v1/orders/{ref}', async () => {
    await fuzz.run({
      name: 'GET /v1/orders/{ref}',
      valid: (req) => (seededRoute(req, 'storefront') ? answers([200]) : null),
      role: 'storefront',
      arb: request({
        method: fc.constant('GET'),
        path: refArb().map((r) => `/v1/orders/${r}`),
        query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ storefront: 35, ops: 15, none: 20, junk: 30 }),
        body: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyJson }),
      }),
      check: checkOrderReply,
    });
  });

  it('POST /v1/orders/{ref}/cancel', async () => {
    await fuzz.run({
      name: 'POST /v1/orders/{ref}/cancel',
      // Canceled, or already final (an earlier case canceled it): 409 naming the final status.
      valid: (req) =>
        seededRoute(req, 'storefront', '/cancel')
          ? answers([200, 409], (res) => {
              const b = res.json as { status?: string; error?: { code?: string; details?: { status?: string } } };
              if (res.status === 200) return b.status === 'canceled' ? null : `cancel answered 200 with status ${b.status}`;
              return b.error?.code === 'ORDER_NOT_CANCELABLE' && ['paid', 'failed', 'expired', 'canceled'].includes(b.error.details?.status ?? '') ? null : `409 ${res.text.slice(0, 200)}`;
            })
          : null,
      role: 'storefront',
      arb: request({
        method: fc.constant('POST'),
        path: rareRealRef().map((r) => `/v1/orders/${r}/cancel`),
        query: fc.oneof({ weight: 9, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ storefront: 35, ops: 15, none: 20, junk: 30 }),
        body: noBodyOrJunk,
      }),
      check: checkOrderReply,
    });
  });

  it('GET /v1/orders/{ref}/events', async () => {
    await fuzz.run({
      name: 'GET /v1/orders/{ref}/events',
      valid: (req) => (seededRoute(req, 'ops', '/events') ? answers([200]) : null),
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: refArb().map((r) => `/v1/orders/${r}/events`),
        query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ ops: 50, storefront: 15, none: 15, junk: 20 }),
      }),
      check: (_req, res) => (res.status === 200 && !Array.isArray((res.json as { data?: unknown }).data) ? 'events reply shape' : null),
    });
  });

  it('POST /v1/orders/{ref}/reconcile', async () => {
    await fuzz.run({
      name: 'POST /v1/orders/{ref}/reconcile',
      valid: (req) => (seededRoute(req, 'ops', '/reconcile') ? answers([200]) : null),
      role: 'ops',
      arb: request({
        method: fc.constant('POST'),
        path: rareRealRef().map((r) => `/v1/orders/${r}/reconcile`),
        auth: authArb({ ops: 45, storefront: 15, none: 15, junk: 25 }),
        body: noBodyOrJunk,
      }),
      check: checkOrderReply,
    });
  });

  it('GET /v1/orders/{ref}/gateway-webhooks', async () => {
    await fuzz.run({
      name: 'GET /v1/orders/{ref}/gateway-webhooks',
      valid: (req) =>
        seededRoute(req, 'ops', '/gateway-webhooks')
          ? answers([200], (res) => (Array.isArray((res.json as { events?: unknown }).events) ? null : 'gateway-webhooks reply shape'))
          : null,
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: rareRealRef().map((r) => `/v1/orders/${r}/gateway-webhooks`),
        query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: junkQuery }),
        auth: authArb({ ops: 45, storefront: 15, none: 15, junk: 25 }),
      }),
    });
  });

  it('POST /v1/orders/{ref}/gateway-webhooks/resend', async () => {
    await fuzz.run({
      name: 'POST /v1/orders/{ref}/gateway-webhooks/resend',
      // Resent, or the gateway's own refusal passed through: its cooldown (429), its lock (409), or
      // (only for an invoice that has had no webhook event yet) nothing to resend (404).
      valid: (req) =>
        seededRoute(req, 'ops', '/gateway-webhooks/resend')
          ? answers([200, 404, 409, 429], async (res) => {
              const code = (res.json as { error?: { code?: string } }).error?.code;
              if (res.status === 200 || code === 'WEBHOOK_RESEND_COOLDOWN' || code === 'WEBHOOK_RESEND_CONFLICT') return null;
              if (code === 'WEBHOOK_EVENT_NOT_FOUND' && !(await gatewayHasEvents(refOf(req.url)))) return null;
              return `${res.status} ${res.text.slice(0, 200)}`;
            })
          : null,
      role: 'ops',
      allowInbox: true,
      arb: request({
        method: fc.constant('POST'),
        path: rareRealRef().map((r) => `/v1/orders/${r}/gateway-webhooks/resend`),
        auth: authArb({ ops: 45, storefront: 15, none: 15, junk: 25 }),
        body: noBodyOrJunk,
      }),
    });
  });

  it('GET /v1/currencies', async () => {
    await fuzz.run({
      name: 'GET /v1/currencies',
      path: '/v1/currencies',
      valid: (req) => (keyFor('storefront', req) && plain(req, '/v1/currencies') ? answers([200]) : null),
      role: 'storefront',
      arb: request({
        method: fc.constant('GET'),
        path: pathVariants('/v1/currencies'),
        query: junkQuery,
        auth: authArb({ storefront: 60, ops: 10, none: 15, junk: 15 }),
        body: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: brokenBody }),
      }),
      check: (_req, res) => (res.status === 200 && !Array.isArray((res.json as { data?: unknown }).data) ? 'currencies reply shape' : null),
    });
  });

  it('GET /v1/payment-methods', async () => {
    await fuzz.run({
      name: 'GET /v1/payment-methods',
      valid: (req) =>
        keyFor('storefront', req) && pathOf(req) === '/v1/payment-methods' && /^(\?currency=(UAH|uah|KZT|EUR|USD))?$/.test(queryOf(req)) && req.payload === undefined
          ? answers([200], (res) => (Array.isArray((res.json as { data?: unknown }).data) ? null : 'payment-methods reply shape'))
          : null,
      role: 'storefront',
      arb: request({
        method: fc.constant('GET'),
        path: fc.constant('/v1/payment-methods'),
        // Mostly currencies already cached or refused before the gateway; a new valid one now and then.
        query: fc.oneof(
          { weight: 6, arbitrary: queryString({ currency: fc.oneof(fc.constantFrom('UAH', 'uah', 'KZT', 'EUR', 'USD', 'XXX'), text, nasty) }) },
          { weight: 1, arbitrary: fc.constantFrom('', '?currency=', '?currency=UAH&currency=EUR', '?currency[]=UAH') },
          { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{3}$/).map((c) => `?currency=${enc(c)}`) },
        ),
        auth: authArb({ storefront: 60, ops: 10, none: 15, junk: 15 }),
        contentType,
      }),
    });
  });
});
