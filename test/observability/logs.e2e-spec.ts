import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { logDestination } from '../../src/common/logging';
import { OPS_KEY, ops, startTestApp, STOREFRONT_KEY, storefront, TestApp, waitFor, WEBHOOK_SECRET } from '../support/app';
import { callbackBody, inbox, signedHeaders, simulate, waitForStatus } from '../support/callbacks';

// A full order-and-callback flow at LOG_LEVEL=trace, every line the service writes captured:
// no key, secret or signature anywhere; the request id on request lines and on the service lines
// logged inside a request; the gateway's request_id on gateway call lines.

const GATEWAY_KEY = `ek_test_gateway_${randomBytes(12).toString('hex')}`;
const MERCHANT_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Line {
  level: number;
  msg?: string;
  context?: string;
  request_id?: string;
  req?: { id: string; method: string; url: string };
  gateway_request_id?: string | null;
  gateway_endpoint?: string;
  [k: string]: unknown;
}

const raw: string[] = [];
const parsed = (): Line[] => raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

jest.setTimeout(120_000);

let app: TestApp;
let receiver: Server;
let receiverUrl: string;
const deliveredSignatures: string[] = [];
const sentSignatures: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const sig = req.headers['webhook-signature'];
    if (typeof sig === 'string') deliveredSignatures.push(sig);
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const addr = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hooks`;
  logDestination.stream = { write: (s: string) => void raw.push(s) };
  app = await startTestApp({
    LOG_LEVEL: 'trace',
    ECCAEX_MODE: 'sandbox',
    ECCAEX_API_KEY: GATEWAY_KEY,
    MERCHANT_WEBHOOK_URL: receiverUrl,
    MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
  });
});

afterAll(async () => {
  await app?.close();
  logDestination.stream = undefined;
  await new Promise((r) => receiver?.close(r));
});

describe('logs of a full order-and-callback flow', () => {
  const createId = `logs-create-${randomUUID()}`;
  const badSigId = `logs-badsig-${randomUUID()}`;
  const callbackId = `logs-callback-${randomUUID()}`;
  const currenciesId = `logs-currencies-${randomUUID()}`;
  let order: { id: string; external_id: string; gateway_invoice_id: string };

  beforeAll(async () => {
    const created = await app.http
      .post('/v1/orders')
      .set(storefront)
      .set('X-Request-Id', createId)
      .set('Idempotency-Key', `logs-${randomUUID()}`)
      .send({ amount: '1500.00', currency: 'UAH', customer_id: 'log-user', description: 'Premium subscription' })
      .expect(201);
    expect(created.headers['x-request-id']).toBe(createId);
    order = created.body;
    await app.http.get(`/v1/orders/${order.id}`).set(ops).expect(200);
    // a key passed in a query string is blanked in the logged URL
    await app.http.get(`/v1/currencies?api_key=${STOREFRONT_KEY}`).set(storefront).set('X-Request-Id', currenciesId).expect(200);
    // unknown key: 401, the Authorization header is never logged
    await app.http.get(`/v1/orders/${order.id}`).set('Authorization', `Bearer ${STOREFRONT_KEY}x`).expect(401);

    // a callback signed with the wrong secret, then a valid one posted by "the gateway"
    const body = callbackBody(order, 'pending');
    const bad = signedHeaders(body, { secret: 'not-the-secret', key: `k-${randomUUID()}` });
    sentSignatures.push(bad['X-Signature']);
    await app.http.post('/v1/webhooks/eccaex').set(bad).set('X-Request-Id', badSigId).send(body).expect(401);
    const good = signedHeaders(body, { key: `k-${randomUUID()}` });
    sentSignatures.push(good['X-Signature']);
    await app.http.post('/v1/webhooks/eccaex').set(good).set('X-Request-Id', callbackId).send(body).expect(200);

    // the sandbox pays, signs and delivers its callback; the order becomes paid; the merchant is notified
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, order.id, 'paid');
    await waitFor('the merchant notification', async () => deliveredSignatures.length > 0);

    // scrapes and probes stay out of the access log
    await app.http.get('/metrics').expect(200);
    await app.http.get('/health/live').expect(200);
    for (const row of await inbox(app.http)) {
      const sig = (row as unknown as { headers: Record<string, string> }).headers['x-signature'];
      if (sig) sentSignatures.push(sig);
    }
    await new Promise((r) => setTimeout(r, 200));
  }, 60_000);

  it('captured the flow as JSON lines, debug lines included', () => {
    const lines = parsed();
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.level === 30 && l.msg === 'request completed')).toBe(true);
    expect(lines.some((l) => l.level <= 20)).toBe(true);
  });

  it('no line contains a storefront key, an ops key, the webhook secret, the EccaEx API key or a signature', () => {
    const all = raw.join('');
    const secrets: Array<[string, string]> = [
      ['storefront key', STOREFRONT_KEY],
      ['ops key', OPS_KEY],
      ['webhook secret', WEBHOOK_SECRET],
      ['EccaEx API key', GATEWAY_KEY],
      ['merchant webhook secret', MERCHANT_SECRET],
      ['merchant webhook secret (key part)', MERCHANT_SECRET.slice('whsec_'.length)],
      ...sentSignatures.map((s, i) => [`X-Signature #${i}`, s] as [string, string]),
      ...deliveredSignatures.map((s, i) => [`webhook-signature #${i}`, s] as [string, string]),
    ];
    expect(sentSignatures.length).toBeGreaterThanOrEqual(3);
    expect(deliveredSignatures.length).toBeGreaterThanOrEqual(1);
    for (const [what, value] of secrets) {
      expect({ what, found: all.includes(value) }).toEqual({ what, found: false });
    }
    expect(all).not.toMatch(/bearer\s+sk_/i);
    expect(all).toContain('api_key=[redacted]');
  });

  it('every request line carries its request id', () => {
    const requestLines = parsed().filter((l) => l.req);
    expect(requestLines.length).toBeGreaterThan(5);
    for (const l of requestLines) {
      expect(typeof l.request_id).toBe('string');
      expect(l.request_id).toBe(l.req!.id);
    }
    const access = requestLines.filter((l) => l.msg === 'request completed');
    expect(access.find((l) => l.request_id === createId)).toMatchObject({ req: { method: 'POST', url: '/v1/orders' }, res: { statusCode: 201 } });
    expect(access.find((l) => l.request_id === badSigId)).toMatchObject({ res: { statusCode: 401 } });
    expect(access.find((l) => l.request_id === callbackId)).toMatchObject({ res: { statusCode: 200 } });
    expect(access.find((l) => l.request_id === currenciesId)?.req?.url).toBe('/v1/currencies?api_key=[redacted]');
  });

  it("service lines logged through Nest's Logger inside a request carry that request's id", () => {
    const lines = parsed();
    const gatewayLine = lines.find((l) => l.context === 'EccaexClient' && l.request_id === createId && l.gateway_endpoint === 'createInvoice');
    expect(gatewayLine).toBeDefined();
    expect(gatewayLine!.msg).toMatch(/createInvoice POST \/create-invoice -> 201 ok/);
    const rejection = lines.find((l) => l.context === 'EccaexWebhook' && /rejected EccaEx callback/.test(l.msg ?? ''));
    expect(rejection?.request_id).toBe(badSigId);
  });

  it("gateway call lines carry the gateway's own request_id", () => {
    const calls = parsed().filter((l) => l.context === 'EccaexClient' && l.gateway_endpoint);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const l of calls) {
      expect(typeof l.gateway_request_id).toBe('string');
      expect(l.gateway_request_id).not.toBe(l.request_id);
      expect(l.msg).toContain(`request_id=${l.gateway_request_id}`);
    }
    // the read-back of the invoice runs in a worker, outside any request
    expect(calls.some((l) => l.gateway_endpoint === 'getInvoice')).toBe(true);
  });

  it('/metrics and /health are not in the access log', () => {
    const urls = parsed()
      .filter((l) => l.msg === 'request completed')
      .map((l) => l.req?.url ?? '');
    expect(urls.filter((u) => u.startsWith('/metrics') || u.startsWith('/health'))).toEqual([]);
  });
});
