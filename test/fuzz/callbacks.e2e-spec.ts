import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { signEccaex } from '../../src/gateways/eccaex/eccaex-signature';
import { startTestApp, STOREFRONT_KEY, TestApp, WEBHOOK_SECRET } from '../support/app';
import { SANDBOX } from '../support/callbacks';
import {
  answers, pathVariants, anyJson, authArb, brokenBody, cursorValue, Expect, extraHeaders, FuzzRequest, FuzzResponse, Fuzzer, headerValue, keyFor, limitValue,
  oversized, pathSegment, plain, printable, queryString, request, show, text,
} from './support';

/**
 * The gateway callback route and the stored-callback ops routes under generated input
 * (docs/api.md sections 6 and 7). The callback oracle: only a valid, fresh signature over the
 * exact bytes gets past 401; then 400 MALFORMED_PAYLOAD exactly when the body is not JSON or
 * names neither order_id nor external_id; every 200 duplicate:false is one stored row.
 */

jest.setTimeout(600_000);

const SCHEME = { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex' } as const;
const sign = (secret: string, ts: string, body: Buffer) => signEccaex(secret, ts, body, SCHEME);

let app: TestApp;
let fuzz: Fuzzer;
let orders: Array<{ id: string; external_id: string; gateway_invoice_id: string }> = [];
let inboxIds: string[] = [];

beforeAll(async () => {
  app = await startTestApp({ RATE_LIMIT_PER_MIN: '0' });
  fuzz = new Fuzzer(app);
  await app.http.put(`${SANDBOX}/_control/webhooks`).send({ enabled: false }).expect(200);
  for (let i = 0; i < 12; i++) {
    const r = await fuzz.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: { authorization: `Bearer ${STOREFRONT_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ amount: '250.00', currency: 'UAH', customer_id: `cb-fuzz-${i}`, external_id: `cb-fuzz-${i}` }),
      auth: 'storefront',
    });
    expect(r.status).toBe(201);
    orders.push(r.json as (typeof orders)[number]);
  }
  // A few stored callbacks, for the replay route to find.
  for (const o of orders.slice(0, 4)) {
    const raw = Buffer.from(JSON.stringify({ event_id: `seed-${o.id}`, order_id: o.gateway_invoice_id, external_id: o.external_id, status: 'pending' }));
    const ts = String(Math.floor(Date.now() / 1000));
    const r = await fuzz.inject({
      method: 'POST',
      url: '/v1/webhooks/eccaex',
      headers: { 'content-type': 'application/json', 'x-signature-timestamp': ts, 'x-signature': sign(WEBHOOK_SECRET, ts, raw) },
      payload: raw,
      auth: 'none',
    });
    expect(r.status).toBe(200);
  }
  inboxIds = ((await fuzz.ds.query(`SELECT id::text AS id FROM webhook_inbox`)) as Array<{ id: string }>).map((r) => r.id);
}, 120_000);

afterAll(async () => {
  await fuzz?.drain();
  await app?.close();
}, 90_000);

// ---------------------------------------------------------------------- callback requests

type SigMode = 'valid' | 'wrong-secret' | 'stale' | 'future' | 'garbage' | 'no-sig' | 'no-ts' | 'bad-ts' | 'replayed' | 'tampered';

const sigMode: fc.Arbitrary<SigMode> = fc.oneof(
  // Valid ones are stored and processed (a gateway read-back each): a tenth, so the run stays short.
  { weight: 10, arbitrary: fc.constant('valid' as const) },
  { weight: 90, arbitrary: fc.constantFrom<SigMode>('wrong-secret', 'stale', 'future', 'garbage', 'no-sig', 'no-ts', 'bad-ts', 'replayed', 'tampered') },
);

const callbackBody = () => {
  const invoiceId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...orders.map((o) => o.gateway_invoice_id)) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: text },
    { weight: 1, arbitrary: anyJson.map((j) => JSON.parse(j) as unknown) },
  );
  const externalId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...orders.map((o) => o.external_id)) },
    { weight: 2, arbitrary: text },
    { weight: 1, arbitrary: anyJson.map((j) => JSON.parse(j) as unknown) },
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record(
          {
            event_id: fc.oneof(fc.uuid(), text),
            order_id: invoiceId,
            external_id: externalId,
            status: fc.oneof(fc.constantFrom('success', 'fail', 'expired', 'canceled', 'pending', 'paid'), text),
            amount_fiat: fc.oneof(fc.constantFrom('1537.50', '-1.00', '1e309'), text),
            extra: anyJson.map((j) => JSON.parse(j) as unknown),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    },
    { weight: 1, arbitrary: fc.constantFrom(...orders.map((o) => `{"order_id":"${o.gateway_invoice_id}","order_id":"nope","external_id":"${o.external_id}"}`)) },
    { weight: 2, arbitrary: anyJson },
    { weight: 2, arbitrary: brokenBody },
    { weight: 1, arbitrary: fc.constantFrom('', '{}', '{"order_id":null,"external_id":null}', `{"external_id":"${'x'.repeat(129)}"}`, '{"external_id":"a\\u0000b"}', '{"order_id":"\\u0000"}', '{"event_id":"\\u0000","external_id":"cb-fuzz-1"}') },
  );
};

interface CallbackCase extends FuzzRequest {
  mode: SigMode;
}

const callbackRequest = (): fc.Arbitrary<CallbackCase> =>
  fc
    .record({
      body: fc.oneof({ weight: 60, arbitrary: callbackBody() as fc.Arbitrary<string | Buffer> }, { weight: 1, arbitrary: oversized }),
      mode: sigMode,
      skew: fc.integer({ min: -250, max: 250 }),
      far: fc.oneof(fc.integer({ min: 305, max: 10_000 }), fc.constantFrom(3600, 86_400, 1e6, 1e9)),
      key: fc.option(fc.oneof(fc.constantFrom('k-1', 'k-2', 'dup-key'), headerValue, fc.uuid()), { freq: 2 }),
      ct: fc.oneof({ weight: 12, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream') }),
      garbage: fc.oneof(headerValue, fc.constantFrom('', '0'.repeat(64), 'g'.repeat(64), 'sha256=', 'sha256=' + 'a'.repeat(64), 'a'.repeat(128), 'A'.repeat(64))),
      badTs: fc.constantFrom('', 'abc', '1e3', ' 1', '-1', '0', '99999999999999', '1.5', 'NaN'),
      extra: extraHeaders,
      bearer: fc.boolean(),
    })
    .map((r) => {
      const raw = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
      const headers: Record<string, string> = { ...r.extra };
      if (r.ct !== undefined) headers['content-type'] = r.ct;
      if (r.key !== null) headers['x-idempotency-key'] = r.key;
      // A bearer key means nothing here: the route trusts only the signature.
      if (r.bearer) headers.authorization = `Bearer ${STOREFRONT_KEY}`;
      const req: CallbackCase = { method: 'POST', url: '/v1/webhooks/eccaex', headers, payload: raw, auth: 'none', mode: r.mode };
      // Signed when sent (cases are generated a batch ahead): "fresh" and "stale" are about now.
      req.prepare = () => {
        const now = Math.floor(Date.now() / 1000);
        let ts = String(now + r.skew);
        let sig: string;
        switch (r.mode) {
          case 'valid':
            sig = sign(WEBHOOK_SECRET, ts, raw);
            break;
          case 'wrong-secret':
            sig = sign(`${WEBHOOK_SECRET}x`, ts, raw);
            break;
          case 'stale':
            ts = String(now - r.far);
            sig = sign(WEBHOOK_SECRET, ts, raw);
            break;
          case 'future':
            ts = String(now + r.far);
            sig = sign(WEBHOOK_SECRET, ts, raw);
            break;
          case 'garbage':
            sig = r.garbage;
            break;
          case 'replayed':
            // Same body, fresh timestamp, the signature an earlier delivery carried.
            sig = sign(WEBHOOK_SECRET, String(now - r.far), raw);
            break;
          case 'tampered':
            sig = sign(WEBHOOK_SECRET, ts, Buffer.concat([raw, Buffer.from(' ')]));
            break;
          case 'bad-ts':
            ts = r.badTs;
            sig = sign(WEBHOOK_SECRET, ts, raw);
            break;
          default:
            sig = sign(WEBHOOK_SECRET, ts, raw);
        }
        if (r.mode !== 'no-sig') headers['x-signature'] = sig;
        if (r.mode !== 'no-ts') headers['x-signature-timestamp'] = ts;
      };
      return printable(req);
    });

/** Whether a verified body must be refused as MALFORMED_PAYLOAD. */
function malformed(raw: Buffer): boolean {
  let p: unknown;
  try {
    p = JSON.parse(raw.toString('utf8'));
  } catch {
    return true;
  }
  const o = p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
  const ok = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 128 && !v.includes('\u0000');
  return !ok(o.order_id) && !ok(o.external_id);
}

/** The key the service stores a callback under: what the signature covers, the body's event_id, else the body's hash (never X-Idempotency-Key). */
function serviceKey(c: CallbackCase): string {
  const ok = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 255 && !v.includes('\u0000');
  let p: unknown;
  try {
    p = JSON.parse((c.payload as Buffer).toString('utf8'));
  } catch {
    p = null;
  }
  const eventId = p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>).event_id : undefined;
  if (ok(eventId)) return eventId;
  return `sha256:${createHash('sha256').update(c.payload as Buffer).digest('hex')}`;
}

function checkCallback(req: FuzzRequest, res: FuzzResponse, expect: Expect): string | null {
  const c = req as CallbackCase;
  if (c.mode === 'valid') {
    const k = serviceKey(c);
    fuzz.lastReplies.set(k, [...(fuzz.lastReplies.get(k) ?? []), `${res.status} ${res.text.slice(0, 120)} ← ${show(req).slice(0, 300)}`]);
  }
  const raw = c.payload as Buffer;
  const body = res.json as { received?: boolean; duplicate?: boolean; error?: { code: string } };
  // The content type is not signed: whatever it says, the route reads the bytes.
  if (raw.length > 1024 * 1024) return res.status === 413 ? null : `oversized callback answered ${res.status}`;
  if (c.mode !== 'valid') {
    if (res.status === 200) return `200 for a callback without a valid fresh signature (${c.mode}, ${c.headers['content-type']})`;
    if (res.status !== 401 || body.error?.code !== 'INVALID_SIGNATURE') return `expected 401 INVALID_SIGNATURE for ${c.mode}, got ${res.status}`;
    return null;
  }
  if (malformed(raw)) return res.status === 400 && body.error?.code === 'MALFORMED_PAYLOAD' ? null : `expected 400 MALFORMED_PAYLOAD, got ${res.status} ${res.text.slice(0, 200)}`;
  if (res.status !== 200 || body.received !== true || typeof body.duplicate !== 'boolean') return `expected 200 received, got ${res.status} ${res.text.slice(0, 200)}`;
  if (body.duplicate) expect.duplicates++;
  else {
    expect.stored++;
    expect.storedKeys.add(serviceKey(c));
  }
  return null;
}

/** A fresh valid signature over a JSON body naming an order: received (stored, or a duplicate). */
function validCallback(req: FuzzRequest) {
  const c = req as CallbackCase;
  const raw = c.payload as Buffer;
  if (c.mode !== 'valid' || !/^application\/json(;|$)/.test(c.headers['content-type'] ?? '') || raw.length > 1024 * 1024 || malformed(raw)) return null;
  return answers([200], (res) => ((res.json as { received?: unknown }).received === true ? null : `200 without received: ${res.text.slice(0, 200)}`));
}

describe('fuzz: gateway callbacks and stored callbacks', () => {
  it('GET /v1/webhook-events', async () => {
    await fuzz.run({
      name: 'GET /v1/webhook-events',
      path: '/v1/webhook-events',
      valid: (req) => (keyFor('ops', req) && plain(req, '/v1/webhook-events') ? answers([200]) : null),
      role: 'ops',
      arb: request({
        method: fc.constant('GET'),
        path: pathVariants('/v1/webhook-events'),
        query: queryString({
          status: fc.oneof(fc.constantFrom('received', 'processed', 'failed', 'unmatched', 'conflict', 'PROCESSED', ''), text),
          order_id: fc.oneof(fc.constantFrom(...orders.map((o) => o.id)), fc.uuid(), text),
          limit: limitValue,
          cursor: cursorValue,
        }),
        auth: authArb({ ops: 50, storefront: 15, none: 15, junk: 20 }),
      }),
      check: (_req, res) => {
        if (res.status !== 200) return null;
        const b = res.json as { data?: unknown[]; next_cursor?: unknown };
        return Array.isArray(b.data) && b.data.length <= 200 ? null : 'list reply shape';
      },
    });
  });

  it('POST /v1/webhook-events/{id}/replay', async () => {
    await fuzz.run({
      name: 'POST /v1/webhook-events/{id}/replay',
      valid: (req) => (keyFor('ops', req) && inboxIds.some((id) => plain(req, `/v1/webhook-events/${id}/replay`)) ? answers([200]) : null),
      role: 'ops',
      arb: request({
        method: fc.constant('POST'),
        path: fc
          .oneof({ weight: 1, arbitrary: fc.constantFrom(...inboxIds) }, { weight: 4, arbitrary: fc.uuid() }, { weight: 15, arbitrary: pathSegment })
          .map((id) => `/v1/webhook-events/${id}/replay`),
        auth: authArb({ ops: 45, storefront: 15, none: 15, junk: 25 }),
        body: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: brokenBody }),
      }),
      check: (req, res) => {
        if (res.status !== 200) return null;
        const id = decodeURIComponent(req.url.split('/')[3]!);
        return (res.json as { id?: string }).id === id ? null : `replay of ${id} answered another event`;
      },
    });
  });

  it('POST /v1/webhooks/eccaex', async () => {
    await fuzz.run({ name: 'POST /v1/webhooks/eccaex', role: 'none', arb: callbackRequest(), check: checkCallback, valid: validCallback });
  });
});

