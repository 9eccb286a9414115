import { DataSource } from 'typeorm';
import { OPS_KEY, ops, startTestApp, STOREFRONT_KEY, storefront, TestApp, waitFor, WEBHOOK_SECRET } from '../support/app';
import { createOrder, orderOf, postCallback, sandboxWebhooks, signedHeaders, simulate } from '../support/callbacks';

/**
 * Who may do what (docs/api.md sections 2 and 6): every ops route refuses a storefront key (403)
 * and no or an unknown key (401), whatever the route is asked; and a gateway callback that is
 * forged, replayed with a fresh timestamp, stale or from the future moves nothing: the order keeps
 * its status, nothing is stored, no job is queued.
 */

jest.setTimeout(60_000);

let app: TestApp;
let ds: DataSource;

beforeAll(async () => {
  app = await startTestApp({ RATE_LIMIT_PER_MIN: '0' });
  ds = app.app.get(DataSource);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

interface Operation {
  method: string;
  path: string;
  role: 'ops' | 'storefront' | 'public';
}

/** Every operation of the OpenAPI document, with the role its security says. */
async function operations(): Promise<Operation[]> {
  const doc = (await app.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>> };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const role = schemes.length === 0 ? 'public' : schemes.includes('storefront') ? 'storefront' : 'ops';
      out.push({ method: method.toUpperCase(), path, role });
    }
  }
  return out;
}

describe('ops routes refuse storefront keys and missing keys', () => {
  let order: { id: string; external_id: string; gateway_invoice_id: string };
  let refs: Record<string, string>;

  beforeAll(async () => {
    order = await createOrder(app.http, { customer_id: 'sec-user' });
    const [inbox] = (await ds.query(`SELECT id::text AS id FROM webhook_inbox LIMIT 1`)) as Array<{ id: string }>;
    refs = {
      ref: order.id,
      id: inbox?.id ?? '00000000-0000-0000-0000-000000000000',
    };
  });

  const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => refs[name] ?? refs.id!);

  it('the document names the ops routes of docs/api.md section 7 as ops-only', async () => {
    const opsRoutes = (await operations()).filter((o) => o.role === 'ops').map((o) => `${o.method} ${o.path}`);
    for (const r of [
      'GET /v1/orders',
      'GET /v1/orders/{ref}/events',
      'POST /v1/orders/{ref}/reconcile',
      'GET /v1/orders/{ref}/gateway-webhooks',
      'POST /v1/orders/{ref}/gateway-webhooks/resend',
      'GET /v1/webhook-events',
      'POST /v1/webhook-events/{id}/replay',
      'GET /v1/withdrawals',
      'GET /v1/withdrawals/{id}',
      'POST /v1/withdrawals/sync',
      'GET /v1/notifications',
      'POST /v1/notifications/{id}/retry',
    ]) {
      expect(opsRoutes).toContain(r);
    }
  });

  it('every ops route: 403 FORBIDDEN with a storefront key, 401 UNAUTHENTICATED without a key or with a wrong one, and the ops key gets past', async () => {
    const opsRoutes = (await operations()).filter((o) => o.role === 'ops');
    expect(opsRoutes.length).toBeGreaterThanOrEqual(12);
    const before = await ds.query(`SELECT status, updated_at FROM orders WHERE id = $1`, [order.id]);
    for (const op of opsRoutes) {
      const url = fill(op.path);
      const send = (headers: Record<string, string>) => {
        const r = op.method === 'GET' ? app.http.get(url) : app.http.post(url).send({});
        return r.set(headers);
      };
      const asStorefront = await send(storefront);
      expect([op.method, op.path, asStorefront.status, asStorefront.body.error?.code]).toEqual([op.method, op.path, 403, 'FORBIDDEN']);
      const refused: Array<Record<string, string>> = [
        {},
        { Authorization: `Bearer ${STOREFRONT_KEY}x` },
        { Authorization: `Bearer ${WEBHOOK_SECRET}` },
        { Authorization: OPS_KEY },
        { Authorization: `Basic ${Buffer.from(`${OPS_KEY}:`).toString('base64')}` },
      ];
      for (const headers of refused) {
        const r = await send(headers);
        expect([op.method, op.path, r.status, r.body.error?.code]).toEqual([op.method, op.path, 401, 'UNAUTHENTICATED']);
      }
      const asOps = await send(ops);
      expect([op.method, op.path, [401, 403].includes(asOps.status)]).toEqual([op.method, op.path, false]);
    }
    // Refused calls changed nothing (the ops reconcile above may have read the gateway: same status).
    const after = await ds.query(`SELECT status FROM orders WHERE id = $1`, [order.id]);
    expect(after[0].status).toBe(before[0].status);
  });

  it('storefront routes refuse a missing or unknown key (401) and take a storefront or ops key', async () => {
    const routes = (await operations()).filter((o) => o.role === 'storefront');
    expect(routes.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['POST /v1/orders', 'GET /v1/orders/{ref}', 'POST /v1/orders/{ref}/cancel', 'GET /v1/currencies', 'GET /v1/payment-methods', 'GET /v1/gateways']));
    const orders = Number((await ds.query(`SELECT count(*)::int AS n FROM orders`))[0].n);
    for (const op of routes) {
      const url = fill(op.path);
      const refused: Array<Record<string, string>> = [{}, { Authorization: `Bearer ${OPS_KEY}0` }, { Authorization: `Bearer ${WEBHOOK_SECRET}` }];
      for (const headers of refused) {
        const r = op.method === 'GET' ? await app.http.get(url).set(headers) : await app.http.post(url).set(headers).send({ amount: '1.00', currency: 'UAH', customer_id: 'x' });
        expect([op.method, op.path, r.status, r.body.error?.code]).toEqual([op.method, op.path, 401, 'UNAUTHENTICATED']);
      }
    }
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM orders`))[0].n)).toBe(orders);
    await app.http.get(`/v1/orders/${order.id}`).set(storefront).expect(200);
    await app.http.get(`/v1/orders/${order.id}`).set(ops).expect(200);
  });
});

describe('callbacks that must move nothing', () => {
  let order: { id: string; external_id: string; gateway_invoice_id: string };
  let raw: string;

  const snapshot = async () => {
    const [o] = await ds.query(`SELECT status, updated_at FROM orders WHERE id = $1`, [order.id]);
    const [inbox] = await ds.query(`SELECT count(*)::int AS n FROM webhook_inbox`);
    const [events] = await ds.query(`SELECT count(*)::int AS n FROM order_events WHERE order_id = $1`, [order.id]);
    const [jobs] = await ds.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'gateway-callback'`);
    const [captures] = await ds.query(`SELECT count(*)::int AS n FROM signature_captures`);
    return { status: o.status, updated_at: new Date(o.updated_at).toISOString(), inbox: inbox.n, events: events.n, jobs: jobs.n, captures: captures.n };
  };

  beforeAll(async () => {
    await sandboxWebhooks(app.http, false);
    order = await createOrder(app.http, { customer_id: 'sec-callbacks' });
    // The gateway says paid: a callback that got through would pay the order.
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    raw = JSON.stringify({ event_id: `${order.gateway_invoice_id}:success`, order_id: order.gateway_invoice_id, external_id: order.external_id, status: 'success' });
  });

  const now = () => Math.floor(Date.now() / 1000);

  const cases: Array<[string, () => Record<string, string>, () => string]> = [
    ['forged (another secret)', () => signedHeaders(raw, { secret: 'whsk_attacker_guess_000000' }), () => raw],
    ['forged (no signature)', () => ({ 'Content-Type': 'application/json', 'X-Signature-Timestamp': String(now()) }), () => raw],
    ['forged (no timestamp)', () => { const h = signedHeaders(raw); delete h['X-Signature-Timestamp']; return h; }, () => raw],
    ['forged (signature of another body)', () => signedHeaders(raw.replace('success', 'pending')), () => raw],
    ['forged (body changed after signing)', () => signedHeaders(raw), () => raw.replace('"status":"success"', '"status":"success","x":1')],
    ['forged (the right secret as the signature)', () => ({ ...signedHeaders(raw), 'X-Signature': WEBHOOK_SECRET }), () => raw],
    [
      'replayed: same body, fresh timestamp, the signature of an earlier delivery',
      () => ({ ...signedHeaders(raw, { ts: now() - 3600 }), 'X-Signature-Timestamp': String(now()) }),
      () => raw,
    ],
    ['stale (signed 301 s ago)', () => signedHeaders(raw, { ts: now() - 301 }), () => raw],
    ['stale (signed a day ago)', () => signedHeaders(raw, { ts: now() - 86_400 }), () => raw],
    ['from the future (301 s ahead)', () => signedHeaders(raw, { ts: now() + 301 }), () => raw],
    ['from the future (a year ahead)', () => signedHeaders(raw, { ts: now() + 365 * 86_400 }), () => raw],
    ['timestamp in milliseconds', () => signedHeaders(raw, { ts: Date.now() }), () => raw],
  ];

  it.each(cases)('%s: 401 INVALID_SIGNATURE, order unchanged, nothing stored or queued', async (_name, headers, body) => {
    const before = await snapshot();
    const r = await app.http.post('/v1/webhooks/eccaex').set(headers()).send(body());
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_SIGNATURE');
    await new Promise((res) => setTimeout(res, 300));
    expect(await snapshot()).toEqual(before);
    expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
  });

  it('an exact copy of a delivered callback is a duplicate: acknowledged, not applied again', async () => {
    const headers = signedHeaders(raw, { key: `sec-${order.id}` });
    const first = await app.http.post('/v1/webhooks/eccaex').set(headers).send(raw).expect(200);
    expect(first.body).toEqual({ received: true, duplicate: false });
    await waitFor('paid', async () => (await orderOf(app.http, order.id)).status === 'paid', 20_000, 100);
    const before = await snapshot();
    const copy = await app.http.post('/v1/webhooks/eccaex').set(headers).send(raw).expect(200);
    expect(copy.body).toEqual({ received: true, duplicate: true });
    await new Promise((res) => setTimeout(res, 300));
    expect(await snapshot()).toEqual(before);
    const changes = (await ds.query(`SELECT to_status FROM order_events WHERE order_id = $1 AND type = 'order.status_changed'`, [order.id])) as Array<{ to_status: string }>;
    expect(changes.map((c) => c.to_status)).toEqual(['awaiting_payment', 'paid']);
  });

  it('a valid signature does not make a lie true: the body says paid, the gateway says pending, nothing moves', async () => {
    const other = await createOrder(app.http, { customer_id: 'sec-lie' });
    const lie = JSON.stringify({ event_id: `lie-${other.id}`, order_id: other.gateway_invoice_id, external_id: other.external_id, status: 'success' });
    await postCallback(app.http, lie, { key: `lie-${other.id}` }).expect(200);
    await waitFor('processed', async () => {
      const [row] = await ds.query(`SELECT status FROM webhook_inbox WHERE idempotency_key = $1`, [`lie-${other.id}`]);
      return row?.status === 'processed';
    }, 20_000, 100);
    expect((await orderOf(app.http, other.id)).status).toBe('awaiting_payment');
  });
});
