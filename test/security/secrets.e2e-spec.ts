import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { logDestination } from '../../src/common/logging';
import { OPS_KEY, ops, startTestApp, STOREFRONT_KEY, storefront, TestApp, waitFor, WEBHOOK_SECRET } from '../support/app';
import { callbackBody, SANDBOX, signedHeaders, simulate, waitForStatus } from '../support/callbacks';

/**
 * No secret leaves the service: after a full flow (orders, callbacks good and bad, payment,
 * merchant notification, ops tools, every kind of error) at LOG_LEVEL=trace, none of the storefront
 * and ops keys, ECCAEX_WEBHOOK_SECRET, ECCAEX_API_KEY or MERCHANT_WEBHOOK_SECRET appears in a log
 * line, in any reply body or header, or in /metrics, even when a client puts a key where it
 * does not belong (a query string, a wrong header, a refused request body). (A key a client puts
 * in a URL path or in its own order data is that client's data: echoed and logged as such.)
 */

jest.setTimeout(120_000);

const GATEWAY_KEY = `ek_live_like_${randomBytes(12).toString('hex')}`;
const MERCHANT_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SECRETS: Array<[string, string]> = [
  ['storefront key', STOREFRONT_KEY],
  ['ops key', OPS_KEY],
  ['ECCAEX_WEBHOOK_SECRET', WEBHOOK_SECRET],
  ['ECCAEX_API_KEY', GATEWAY_KEY],
  ['MERCHANT_WEBHOOK_SECRET', MERCHANT_SECRET],
  ['MERCHANT_WEBHOOK_SECRET (key part)', MERCHANT_SECRET.slice('whsec_'.length)],
];

const logs: string[] = [];
const replies: Array<{ what: string; status: number; text: string; headers: string }> = [];
let app: TestApp;
let receiver: Server;
let delivered = 0;
const stdWrite = process.stdout.write.bind(process.stdout);
const errWrite = process.stderr.write.bind(process.stderr);

function record(what: string, r: { status: number; text: string; headers: Record<string, unknown> }) {
  replies.push({ what, status: r.status, text: r.text ?? '', headers: JSON.stringify(r.headers) });
  return r;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const addr = receiver.address();
  logDestination.stream = { write: (s: string) => void logs.push(s) };
  // Anything written straight to stdout/stderr by the service counts as a log line too.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return (stdWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logs.push(String(chunk));
    return (errWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  app = await startTestApp({
    LOG_LEVEL: 'trace',
    ECCAEX_MODE: 'sandbox',
    ECCAEX_API_KEY: GATEWAY_KEY,
    MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hooks`,
    MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
    RATE_LIMIT_PER_MIN: '0',
  });
});

afterAll(async () => {
  process.stdout.write = stdWrite;
  process.stderr.write = errWrite;
  await app?.close();
  logDestination.stream = undefined;
  await new Promise((r) => receiver?.close(r));
});

describe('a full flow leaks no secret', () => {
  beforeAll(async () => {
    const http = app.http;
    await http.put(`${SANDBOX}/_control/webhooks`).send({ enabled: true });

    // Orders: created, replayed, refused in every way.
    const created = record('create', await http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'sec-1').send({ amount: '1500.00', currency: 'UAH', customer_id: 'sec', external_id: 'sec-order-1' }));
    expect(created.status).toBe(201);
    const order = JSON.parse(created.text) as { id: string; external_id: string; gateway_invoice_id: string };
    record('replay', await http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'sec-1').send({ amount: '1500.00', currency: 'UAH', customer_id: 'sec', external_id: 'sec-order-1' }));
    record('key reused', await http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'sec-1').send({ amount: '1.00', currency: 'UAH', customer_id: 'sec' }));
    record('duplicate external id', await http.post('/v1/orders').set(storefront).send({ amount: '1.00', currency: 'UAH', customer_id: 'sec', external_id: 'sec-order-1' }));
    // Refused bodies carrying keys (a client's mistake): the error names the fields, never echoes the values.
    record('invalid', await http.post('/v1/orders').set(storefront).send({ amount: '1.001', currency: 'usd', customer_id: '', secret: WEBHOOK_SECRET, api_key: OPS_KEY }));
    record('invalid values', await http.post('/v1/orders').set(storefront).send({ amount: OPS_KEY, currency: MERCHANT_SECRET, customer_id: STOREFRONT_KEY, success_url: `http://x:${WEBHOOK_SECRET}@e.example/` }));
    record('bad json', await http.post('/v1/orders').set(storefront).set('Content-Type', 'application/json').send(`{"amount":"${STOREFRONT_KEY}`));
    record('wrong content type', await http.post('/v1/orders').set(storefront).set('Content-Type', 'text/plain').send(OPS_KEY));
    record('too large', await http.post('/v1/orders').set(storefront).set('Content-Type', 'application/json').send(`{"x":"${OPS_KEY}${'x'.repeat(1024 * 1024)}"}`));
    record('NUL', await http.post('/v1/orders').set(storefront).send({ amount: '1.00', currency: 'UAH', customer_id: `a\u0000${OPS_KEY}` }));

    // Keys where they do not belong.
    record('key in the query', await http.get(`/v1/orders/${order.id}?api_key=${OPS_KEY}&token=${STOREFRONT_KEY}&secret=${WEBHOOK_SECRET}`).set(storefront));
    record('unknown key', await http.get(`/v1/orders/${order.id}`).set('Authorization', `Bearer ${STOREFRONT_KEY}x`));
    record('secret as a key', await http.get(`/v1/orders/${order.id}`).set('Authorization', `Bearer ${WEBHOOK_SECRET}`));
    record('gateway key as a key', await http.get(`/v1/orders/${order.id}`).set('Authorization', `Bearer ${GATEWAY_KEY}`));
    record('storefront on ops', await http.get('/v1/orders').set(storefront));
    record('key in X-Api-Key', await http.get('/v1/orders').set('X-Api-Key', OPS_KEY));
    record('key in a cookie', await http.get('/v1/orders').set('Cookie', `session=${OPS_KEY}`));
    record('unknown route', await http.get('/v1/nope').set(ops));

    // Callbacks: bad ones, then the gateway's own after a payment.
    const raw = callbackBody(order, 'pending');
    record('forged callback', await http.post('/v1/webhooks/eccaex').set(signedHeaders(raw, { secret: OPS_KEY })).send(raw));
    record('stale callback', await http.post('/v1/webhooks/eccaex').set(signedHeaders(raw, { ts: Math.floor(Date.now() / 1000) - 999 })).send(raw));
    record('malformed callback', await http.post('/v1/webhooks/eccaex').set(signedHeaders('not json')).send('not json'));
    record('good callback', await http.post('/v1/webhooks/eccaex').set(signedHeaders(raw, { key: 'sec-cb-1' })).send(raw));
    expect((await simulate(http, order.gateway_invoice_id, 'success')).status).toBe(200);
    await waitForStatus(http, order.id, 'paid', 30_000);
    await waitFor('the merchant notification', async () => delivered > 0, 30_000);

    // Ops tools.
    record('list', await http.get('/v1/orders?limit=5').set(ops));
    record('events', await http.get(`/v1/orders/${order.id}/events`).set(ops));
    record('reconcile', await http.post(`/v1/orders/${order.id}/reconcile`).set(ops));
    record('gateway webhooks', await http.get(`/v1/orders/${order.id}/gateway-webhooks`).set(ops));
    record('resend', await http.post(`/v1/orders/${order.id}/gateway-webhooks/resend`).set(ops));
    record('resend again', await http.post(`/v1/orders/${order.id}/gateway-webhooks/resend`).set(ops));
    const inbox = record('webhook events', await http.get('/v1/webhook-events?limit=10').set(ops));
    const first = (JSON.parse(inbox.text) as { data: Array<{ id: string }> }).data[0];
    expect(first).toBeDefined(); // the good callback above, at least
    record('replay', await http.post(`/v1/webhook-events/${first!.id}/replay`).set(ops));
    const notes = record('notifications', await http.get('/v1/notifications').set(ops));
    const note = (JSON.parse(notes.text) as { data: Array<{ id: string }> }).data[0];
    expect(note).toBeDefined(); // the order.paid delivered above
    record('notification retry', await http.post(`/v1/notifications/${note!.id}/retry`).set(ops));
    record('withdrawals sync', await http.post('/v1/withdrawals/sync').set(ops));
    record('withdrawals', await http.get('/v1/withdrawals?limit=2').set(ops));
    record('cancel paid', await http.post(`/v1/orders/${order.id}/cancel`).set(storefront));
    record('currencies', await http.get('/v1/currencies').set(storefront));
    record('ready', await http.get('/health/ready'));
    record('docs', await http.get('/docs-json'));
    // The sandbox's own error replies (it knows the gateway key): a wrong key, no key.
    record('sandbox wrong key', await http.get(`${SANDBOX}/api/v1/currencies`).set('X-Api-Key', `${GATEWAY_KEY}x`));
    record('metrics', await http.get('/metrics'));
    await new Promise((r) => setTimeout(r, 300));
  });

  it('the flow happened and was logged at trace level', () => {
    expect(logs.length).toBeGreaterThan(50);
    expect(delivered).toBeGreaterThan(0);
    expect(replies.filter((r) => r.status >= 400).length).toBeGreaterThan(15);
  });

  it.each(SECRETS)('no log line contains the %s', (_what, secret) => {
    const hits = logs.filter((l) => l.includes(secret));
    expect(hits.map((l) => l.slice(0, 300))).toEqual([]);
  });

  it.each(SECRETS)('no reply body or header contains the %s', (_what, secret) => {
    const hits = replies.filter((r) => r.text.includes(secret) || r.headers.includes(secret));
    expect(hits.map((r) => `${r.what} ${r.status}`)).toEqual([]);
  });

  it('every error reply is the envelope (the sandbox gateway: its own), with no stack, SQL or internals', () => {
    for (const r of replies.filter((x) => x.status >= 400)) {
      const body = JSON.parse(r.text) as Record<string, unknown>;
      const envelope = r.what.startsWith('sandbox') ? ['error', 'request_id', 'successful'] : ['error', 'request_id'];
      expect([r.what, Object.keys(body).sort()]).toEqual([r.what, envelope]);
      expect([r.what, r.text]).not.toEqual([r.what, expect.stringMatching(/\bat \S+ \(|node_modules|\.ts:\d+|QueryFailed|syntax error|relation "|stack/i)]);
    }
  });

  it('/metrics names no secret, key, id or URL', () => {
    const metrics = replies.find((r) => r.what === 'metrics')!.text;
    expect(metrics).toContain('http_request_duration_seconds');
    for (const [, secret] of SECRETS) expect(metrics.includes(secret)).toBe(false);
    expect(metrics).not.toMatch(/sk_test_|whsk_|whsec_|ek_live_like_|Bearer/);
    expect(metrics).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(metrics).not.toMatch(/sec-order-1|127\.0\.0\.1:\d+/);
  });
});
