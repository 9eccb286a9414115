import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { DataSource } from 'typeorm';
import { ReconcilerService } from '../../src/reconciliation/reconciler.service';
import { OPS_KEY, ops, startTestApp, STOREFRONT_KEY, TestApp, waitFor, WEBHOOK_SECRET } from '../support/app';
import { callbackBody, createOrder, inbox, postCallback, SANDBOX, sandboxWebhooks, signedHeaders, simulate, waitForStatus } from '../support/callbacks';

// A flow (orders paid and failed through sandbox callbacks, rejected / malformed / duplicate /
// unmatched callbacks, a gateway outage during processing, a reconciliation, merchant
// notifications), then one scrape of GET /metrics: the counters moved, with the right labels,
// and nothing secret is in it.

const GATEWAY_KEY = `ek_test_gateway_${randomBytes(12).toString('hex')}`;
const MERCHANT_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of every sample of `name` whose labels include `match`. */
function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

jest.setTimeout(120_000);

let app: TestApp;
let receiver: Server;
const failExternalId = `m-fail-${randomUUID()}`;
const sentSignatures: string[] = [];

async function scrape(): Promise<Sample[]> {
  return parse((await app.http.get('/metrics').expect(200)).text);
}

beforeAll(async () => {
  // The merchant's endpoint: refuses notifications about the failing order, takes the rest.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.writeHead(body.includes(failExternalId) ? 500 : 200).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const addr = receiver.address();
  app = await startTestApp({
    ECCAEX_MODE: 'sandbox',
    ECCAEX_API_KEY: GATEWAY_KEY,
    MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hooks`,
    MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
  });
});

afterAll(async () => {
  await app?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('GET /metrics after a flow', () => {
  let paid: { id: string; external_id: string; gateway_invoice_id: string };
  let failed: { id: string; external_id: string; gateway_invoice_id: string };
  let reconciled: { id: string; external_id: string; gateway_invoice_id: string };
  let samples: Sample[];
  let text: string;
  let contentType: string;

  beforeAll(async () => {
    // 0. requests that matched no route, or a route with an id that is not ours
    await app.http.get(`/no/such/route/${STOREFRONT_KEY}`).expect(404);
    await app.http.get(`/v1/orders/${randomUUID()}`).set(ops).expect(404);

    // 1. an order paid through the sandbox's signed callback
    paid = await createOrder(app.http, { external_id: `m-ok-${randomUUID()}` });
    await simulate(app.http, paid.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, paid.id, 'paid');

    // 2. rejected callbacks: wrong secret, stale timestamp; then a malformed (validly signed) one
    const body = callbackBody(paid, 'success');
    const wrong = signedHeaders(body, { secret: 'not-the-secret' });
    sentSignatures.push(wrong['X-Signature']);
    await app.http.post('/v1/webhooks/eccaex').set(wrong).send(body).expect(401);
    await postCallback(app.http, body, { ts: Math.floor(Date.now() / 1000) - 3600 }).expect(401);
    await postCallback(app.http, 'this is not json').expect(400);

    // 3. the same delivery twice: stored once, then a duplicate (its own event_id: duplicates are
    // recognised by the signed event_id, and the sandbox's delivery of step 1 may share its second)
    const key = `m-dup-${randomUUID()}`;
    const delivery = callbackBody(paid, 'success', { event_id: key });
    const first = signedHeaders(delivery, { key });
    sentSignatures.push(first['X-Signature']);
    expect((await app.http.post('/v1/webhooks/eccaex').set(first).send(delivery).expect(200)).body).toEqual({ received: true, duplicate: false });
    expect((await postCallback(app.http, delivery, { key }).expect(200)).body).toEqual({ received: true, duplicate: true });

    // 4. a valid callback about no order of ours
    const stranger = JSON.stringify({ event_id: `m-stranger-${randomUUID()}`, order_id: randomUUID(), external_id: `m-nobody-${randomUUID()}`, status: 'success' });
    await postCallback(app.http, stranger).expect(200);
    await waitFor('the stranger to be unmatched', async () => (await inbox(app.http, '&status=unmatched')).length === 1);

    // 5. the gateway is down while a callback is processed: the job fails, then succeeds on retry
    failed = await createOrder(app.http, { external_id: failExternalId });
    await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'get-invoice', mode: 'error', status: 503 }).expect(201);
    await simulate(app.http, failed.gateway_invoice_id, 'fail').expect(200);
    await waitFor('a failed callback job', async () => sum(await scrape(), 'payments_job_failures_total', { queue: 'gateway-callback' }) >= 1, 20_000);
    await app.http.delete(`${SANDBOX}/_control/faults`).expect(200);
    await waitForStatus(app.http, failed.id, 'failed', 30_000);

    // 6. a payment whose callback never comes: the reconciliation sweep finds it
    await sandboxWebhooks(app.http, false).expect(200);
    reconciled = await createOrder(app.http, { external_id: `m-rec-${randomUUID()}` });
    await simulate(app.http, reconciled.gateway_invoice_id, 'success').expect(200);
    await app.app.get(DataSource).query(`UPDATE orders SET created_at = now() - interval '2 hours' WHERE id = $1`, [reconciled.id]);
    await app.app.get(ReconcilerService).sweep();
    await waitForStatus(app.http, reconciled.id, 'paid', 5_000);
    await sandboxWebhooks(app.http, true).expect(200);

    // 7. merchant notifications: delivered for the paid orders, refused for the failed one
    await waitFor(
      'notifications sent and failed',
      async () => {
        const s = await scrape();
        return sum(s, 'payments_notifications_sent_total') >= 2 && sum(s, 'payments_notifications_failed_total') >= 1;
      },
      20_000,
    );

    for (const row of await inbox(app.http)) {
      const sig = (row as unknown as { headers: Record<string, string> }).headers['x-signature'];
      if (sig) sentSignatures.push(sig);
    }
    const res = await app.http.get('/metrics').expect(200); // no Authorization header: no auth
    text = res.text;
    contentType = String(res.headers['content-type']);
    samples = parse(text);
  }, 120_000);

  it('is Prometheus text, with the default process metrics', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(sum(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('http_request_duration_seconds by method, route pattern and status', () => {
    const count = 'http_request_duration_seconds_count';
    expect(sum(samples, count, { method: 'POST', route: '/v1/orders', status: '201' })).toBeGreaterThanOrEqual(3);
    expect(sum(samples, count, { method: 'GET', route: '/v1/orders/:ref', status: '200' })).toBeGreaterThanOrEqual(3);
    expect(sum(samples, count, { method: 'POST', route: '/v1/webhooks/eccaex', status: '401' })).toBe(2);
    expect(sum(samples, count, { method: 'POST', route: '/v1/webhooks/eccaex', status: '400' })).toBe(1);
    expect(sum(samples, count, { method: 'POST', route: '/v1/webhooks/eccaex', status: '200' })).toBeGreaterThanOrEqual(5);
    expect(sum(samples, count, { method: 'GET', route: '/v1/orders/:ref', status: '404' })).toBe(1);
    expect(sum(samples, count, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(samples.some((s) => s.name === 'http_request_duration_seconds_bucket' && s.labels.le === '0.1' && s.labels.route === '/v1/orders')).toBe(true);
    // route patterns only: no id ever becomes a label
    const routes = new Set(samples.filter((s) => s.name === count).map((s) => s.labels.route));
    for (const route of routes) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('callbacks: received, verified, rejected by reason, duplicate, unmatched, processed, failed', () => {
    const g = { gateway: 'eccaex' };
    expect(sum(samples, 'payments_callbacks_rejected_total', { ...g, reason: 'signature_mismatch' })).toBe(1);
    expect(sum(samples, 'payments_callbacks_rejected_total', { ...g, reason: 'stale_timestamp' })).toBe(1);
    expect(sum(samples, 'payments_callbacks_rejected_total', { ...g, reason: 'malformed_payload' })).toBe(1);
    expect(sum(samples, 'payments_callbacks_rejected_total')).toBe(3);
    expect(sum(samples, 'payments_callbacks_duplicate_total', g)).toBe(1);
    expect(sum(samples, 'payments_callbacks_unmatched_total', g)).toBe(1);
    // sandbox deliveries (paid, failed) + ours (first of the pair, duplicate, stranger) + the three refused
    const received = sum(samples, 'payments_callbacks_received_total', g);
    const verified = sum(samples, 'payments_callbacks_verified_total', g);
    expect(received).toBeGreaterThanOrEqual(8);
    expect(verified).toBe(received - 2); // the wrong secret and the stale timestamp
    expect(sum(samples, 'payments_callbacks_processed_total', g)).toBeGreaterThanOrEqual(3);
    expect(sum(samples, 'payments_callbacks_failed_total', g)).toBeGreaterThanOrEqual(1);
  });

  it('order transitions by from, to and source (committed ones)', () => {
    const t = 'payments_order_transitions_total';
    expect(sum(samples, t, { from: 'none', to: 'pending', source: 'api' })).toBe(3);
    expect(sum(samples, t, { from: 'pending', to: 'awaiting_payment', source: 'api' })).toBe(3);
    expect(sum(samples, t, { from: 'awaiting_payment', to: 'paid', source: 'webhook' })).toBe(1);
    expect(sum(samples, t, { from: 'awaiting_payment', to: 'failed' })).toBe(1);
    expect(sum(samples, t, { from: 'awaiting_payment', to: 'paid', source: 'reconcile' })).toBe(1);
    expect(sum(samples, t)).toBe(9);
  });

  it('gateway calls by endpoint and outcome, with latency', () => {
    const c = 'payments_gateway_calls_total';
    expect(sum(samples, c, { gateway: 'eccaex', endpoint: 'createInvoice', outcome: 'ok' })).toBe(3);
    expect(sum(samples, c, { gateway: 'eccaex', endpoint: 'getInvoice', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(sum(samples, c, { gateway: 'eccaex', endpoint: 'getInvoice', outcome: 'unavailable' })).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'payments_gateway_call_duration_seconds_count', { gateway: 'eccaex', endpoint: 'createInvoice' })).toBe(3);
    expect(sum(samples, 'payments_gateway_call_duration_seconds_sum', { gateway: 'eccaex', endpoint: 'createInvoice' })).toBeGreaterThan(0);
  });

  it('queue depth per queue, and job failures', () => {
    const queues = samples.filter((s) => s.name === 'payments_queue_depth').map((s) => s.labels.queue);
    expect(queues).toEqual(expect.arrayContaining(['gateway-callback', 'merchant-notification', 'reconcile-sweep']));
    expect(sum(samples, 'payments_job_failures_total', { queue: 'gateway-callback' })).toBeGreaterThanOrEqual(1);
  });

  it('reconciliation checked and fixed; notifications sent and failed', () => {
    expect(sum(samples, 'payments_reconcile_checked_total')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'payments_reconcile_fixed_total')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'payments_notifications_sent_total')).toBeGreaterThanOrEqual(2);
    expect(sum(samples, 'payments_notifications_failed_total')).toBeGreaterThanOrEqual(1);
  });

  it('no key, secret, signature or id in the scrape', () => {
    const secrets: Array<[string, string]> = [
      ['storefront key', STOREFRONT_KEY],
      ['ops key', OPS_KEY],
      ['webhook secret', WEBHOOK_SECRET],
      ['EccaEx API key', GATEWAY_KEY],
      ['merchant webhook secret', MERCHANT_SECRET.slice('whsec_'.length)],
      ['an order id', paid.id],
      ['an external id', failed.external_id],
      ['an invoice id', reconciled.gateway_invoice_id],
      ...sentSignatures.map((s, i) => [`X-Signature #${i}`, s] as [string, string]),
    ];
    expect(sentSignatures.length).toBeGreaterThanOrEqual(3);
    for (const [what, value] of secrets) expect({ what, found: text.includes(value) }).toEqual({ what, found: false });
    expect(text).not.toMatch(/sk_test_|whsk_|whsec_|Bearer/);
  });

  it('the scrape needs no key, and an ops key does no harm', async () => {
    await app.http.get('/metrics').set(ops).expect(200);
  });
});
