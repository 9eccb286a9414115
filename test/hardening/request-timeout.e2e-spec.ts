import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';
import { SANDBOX } from '../support/callbacks';
import { gatewayCreates } from '../support/gateway-requests';

describe('request timeout (REQUEST_TIMEOUT_MS)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The gateway client would wait 20 s; the request gives up after 1 s.
    t = await startTestApp({ REQUEST_TIMEOUT_MS: '1000', ECCAEX_TIMEOUT_MS: '20000' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers a hanging handler with 503 REQUEST_TIMEOUT in the envelope, not a hung socket', async () => {
    await t.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'create-invoice', mode: 'delay', delay_ms: 8000, times: 1 }).expect(201);
    const t0 = Date.now();
    const res = await t.http
      .post('/v1/orders')
      .set(storefront)
      .set('Idempotency-Key', 'timeout-0001')
      .send({ amount: '10.00', currency: 'UAH', customer_id: 'slow', external_id: 'slow-0001' })
      .timeout(10_000);
    const took = Date.now() - t0;
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('REQUEST_TIMEOUT');
    expect(res.body.request_id).toBe(res.headers['x-request-id']);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(took).toBeGreaterThanOrEqual(900);
    // Answered before the gateway was: its create is still being worked on.
    expect((await gatewayCreates(t.http, 'slow-0001')).map((c) => c.outcome)).toEqual(['in_progress']);

    // The work was not lost: the order finishes once the slow gateway answers, and a retry with
    // the same key gives the first (completed) reply.
    const order = await waitFor('the slow order to be created', async () => {
      const r = await t.http.get('/v1/orders/slow-0001').set(ops);
      return r.status === 200 && r.body.status === 'awaiting_payment' ? r.body : null;
    }, 30_000);
    const retry = await waitFor('the idempotent retry to replay', async () => {
      const r = await t.http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'timeout-0001').send({ amount: '10.00', currency: 'UAH', customer_id: 'slow', external_id: 'slow-0001' });
      return r.status === 201 ? r : null;
    }, 10_000);
    expect(retry.body.id).toBe(order.id);
    const all = await t.http.get('/v1/orders?customer_id=slow').set(ops).expect(200);
    expect(all.body.data).toHaveLength(1);
  });

  it('leaves fast requests alone', async () => {
    const res = await t.http.post('/v1/orders').set(storefront).send({ amount: '10.00', currency: 'UAH', customer_id: 'fast' });
    expect(res.status).toBe(201);
  });
});
