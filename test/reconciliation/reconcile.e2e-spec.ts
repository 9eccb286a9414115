import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';
import { callbackBody, createOrder, eventsOf, orderOf, postCallback, SANDBOX, sandboxWebhooks, simulate, waitForStatus } from '../support/callbacks';
import { DataSource } from 'typeorm';
import { ReconcilerService } from '../../src/reconciliation/reconciler.service';
import { gatewayCreates, outcomes, secondCreates } from '../support/gateway-requests';
import { createOrderFor, driversEnv, GATEWAY_DRIVERS, outcomesOf } from '../support/gateways';

describe('reconciliation: nothing stuck when callbacks are lost', () => {
  let app: TestApp;
  let reconciler: ReconcilerService;

  /**
   * Makes an order due for a read-back as if RECONCILE_AFTER_S had passed (created, and paid,
   * that long ago), instead of waiting: the scheduled sweep never sees the others, and no test
   * depends on how long a step took.
   */
  const age = async (id: string) => {
    await app.app.get(DataSource).query(
      `UPDATE orders SET created_at = created_at - interval '2 hours', paid_at = paid_at - interval '2 hours' WHERE id = $1`,
      [id],
    );
  };

  beforeAll(async () => {
    app = await startTestApp({ ...driversEnv(), RECONCILE_AFTER_S: '3600' });
    reconciler = app.app.get(ReconcilerService);
  });
  afterAll(async () => {
    await app?.close();
  });
  afterEach(async () => {
    await sandboxWebhooks(app.http, true);
    await app.http.delete(`${SANDBOX}/_control/faults`);
  });

  // Every gateway (test/support/gateways): a lost callback is made good by the read-back.
  describe.each(GATEWAY_DRIVERS.map((d) => [d.name, d] as const))('every gateway: %s', (_name, gw) => {
    afterEach(async () => {
      await gw.muteCallbacks(app.http, false);
      await gw.clearFaults(app.http);
    });

    it.each(([['success', 'paid'], ['expire', 'expired'], ['fail', 'failed']] as const).filter(([outcome]) => outcomesOf(gw).includes(outcome)))('callback lost, the gateway says %s: the reconciler makes the order %s', async (outcome, status) => {
      await gw.muteCallbacks(app.http, true);
      const order = await createOrderFor(app.http, gw);
      await gw.settle(app.http, order, outcome);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      await age(order.id);
      await reconciler.sweep();
      expect((await orderOf(app.http, order.id)).status).toBe(status);
      expect((await eventsOf(app.http, order.id)).find((e) => e.to_status === status)).toMatchObject({ source: 'reconcile' });
    });

    it('the read-back fails (5xx): the order stays as it was and the next sweep finishes it', async () => {
      await gw.muteCallbacks(app.http, true);
      const order = await createOrderFor(app.http, gw);
      await gw.settle(app.http, order, 'success');
      await age(order.id);
      await gw.failReadBack(app.http, 503);
      await reconciler.sweep();
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      await gw.clearFaults(app.http);
      // Checked a moment ago: due again only after a while, which the test does not wait for.
      await app.app.get(DataSource).query(`UPDATE orders SET last_checked_at = NULL WHERE id = $1`, [order.id]);
      await reconciler.sweep();
      expect((await orderOf(app.http, order.id)).status).toBe('paid');
    });
  });

  it('an order whose callback never arrives is paid after the reconciler runs', async () => {
    await sandboxWebhooks(app.http, false);
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
    await age(order.id);
    await reconciler.sweep();
    const paid = await orderOf(app.http, order.id);
    expect(paid.status).toBe('paid');
    expect((await eventsOf(app.http, order.id)).find((e) => e.to_status === 'paid')).toMatchObject({ source: 'reconcile' });
  });

  it('an order the gateway expired becomes expired', async () => {
    await sandboxWebhooks(app.http, false);
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'expire').expect(200);
    expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
    await age(order.id);
    await reconciler.sweep();
    expect((await orderOf(app.http, order.id)).status).toBe('expired');
  });

  it('an adjustment whose callback is lost is still seen (paid orders are re-read once)', async () => {
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, order.id, 'paid');
    await sandboxWebhooks(app.http, false);
    await simulate(app.http, order.gateway_invoice_id, 'success', '1499.00').expect(200);
    await age(order.id);
    await reconciler.sweep();
    const o = await orderOf(app.http, order.id);
    expect(o.status).toBe('paid');
    expect(o.payment).toMatchObject({ amount_fiat: '1499.00', adjusted: true });
    // Re-read once only: later sweeps leave it alone.
    const [row] = await app.app.get(DataSource).query('SELECT paid_rechecked_at FROM orders WHERE id=$1', [order.id]);
    expect(row.paid_rechecked_at).toBeTruthy();
  });

  it('a reconcile racing callbacks for the same order gives one transition', async () => {
    await sandboxWebhooks(app.http, false);
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops)),
      ...Array.from({ length: 5 }, (_, i) => postCallback(app.http, callbackBody(order, 'success', { event_id: `race-${order.id}-${i}` }))),
      reconciler.sweep().then(() => ({ status: 200 })),
    ]);
    expect(results.every((r) => r.status === 200)).toBe(true);
    await waitFor('callbacks processed', async () => {
      const rows = (await app.http.get(`/v1/webhook-events?order_id=${order.id}`).set(ops)).body.data;
      return rows.length === 5 && rows.every((r: { status: string }) => r.status === 'processed');
    });
    const paid = (await eventsOf(app.http, order.id)).filter((e) => e.type === 'order.status_changed' && e.to_status === 'paid');
    expect(paid).toHaveLength(1);
  });

  it('POST /v1/orders/{ref}/reconcile finishes an order left pending by gateway trouble', async () => {
    await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'create-invoice', mode: 'error', status: 503, times: 1 }).expect(201);
    const r = await app.http.post('/v1/orders').set(storefront).send({ amount: '10.00', currency: 'UAH', customer_id: 'pending-one' });
    expect(r.status).toBe(503);
    const id = r.body.error.details.order_id;
    const done = await app.http.post(`/v1/orders/${id}/reconcile`).set(ops).expect(200);
    expect(done.body.status).toBe('awaiting_payment');
    await app.http.post(`/v1/orders/${id}/reconcile`).set(storefront).expect(403);
    const creates = await gatewayCreates(app.http, done.body.external_id);
    expect([outcomes(creates), secondCreates(creates)]).toEqual([['refused 503', 'answered 201 invoice'], []]);
  });

  it('a pending order whose invoice the gateway did make: reconcile attaches it and creates nothing', async () => {
    // The create's answer is lost and the look-up after it fails: the order stays pending.
    await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'create-invoice', mode: 'timeout_after_work', times: 1 }).expect(201);
    // Until cleared (not `times`): the minute's scheduled sweep reads invoices too and would use up a count.
    await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'get-invoice', mode: 'error', status: 503 }).expect(201);
    const r = await app.http.post('/v1/orders').set(storefront).send({ amount: '10.00', currency: 'UAH', customer_id: 'pending-two', external_id: 'made-but-unheard' });
    expect([r.status, r.body.error?.code]).toEqual([503, 'GATEWAY_UNAVAILABLE']);
    expect((await orderOf(app.http, r.body.error.details.order_id)).status).toBe('pending');
    await app.http.delete(`${SANDBOX}/_control/faults`).expect(200);
    const done = await app.http.post(`/v1/orders/${r.body.error.details.order_id}/reconcile`).set(ops).expect(200);
    const creates = await gatewayCreates(app.http, 'made-but-unheard');
    expect(done.body).toMatchObject({ status: 'awaiting_payment', gateway_invoice_id: creates[0]?.invoice_id });
    expect([outcomes(creates), secondCreates(creates)]).toEqual([['no_answer - invoice'], []]);
  });

  it('a sweep stops early when the gateway says to slow down', async () => {
    await sandboxWebhooks(app.http, false);
    for (let i = 0; i < 3; i++) await age((await createOrder(app.http)).id);
    await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'get-invoice', mode: 'error', status: 429, retry_after_sec: 30 }).expect(201);
    const r = await reconciler.sweep();
    expect(r.throttled).toBe(true);
    expect(r.checked).toBe(1);
  });

  describe('gateway webhook tools', () => {
    it('shows the gateway history, resends, and passes its 429 and 409 through', async () => {
      const order = await createOrder(app.http);
      await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
      await waitForStatus(app.http, order.id, 'paid');
      const history = await waitFor('a delivered event', async () => {
        const h = await app.http.get(`/v1/orders/${order.id}/gateway-webhooks`).set(ops).expect(200);
        return h.body.events?.[0]?.status === 'success' ? h.body : null;
      });
      expect(history).toMatchObject({ invoice_id: order.gateway_invoice_id, external_id: order.external_id, events_count: 1 });
      expect(history.events[0].event_type).toBe('invoice.success');
      expect(history.events[0].attempts.length).toBeGreaterThanOrEqual(1);

      const resend = await app.http.post(`/v1/orders/${order.id}/gateway-webhooks/resend`).set(ops);
      expect(resend.status).toBe(200);
      expect(resend.body.resend).toMatchObject({ ok: true, http_status: 200 });

      const cooldown = await app.http.post(`/v1/orders/${order.id}/gateway-webhooks/resend`).set(ops);
      expect(cooldown.status).toBe(429);
      expect(cooldown.body.error.code).toBe('WEBHOOK_RESEND_COOLDOWN');
      expect(cooldown.body.error.details.retry_after_sec).toBeGreaterThan(0);
      expect(Number(cooldown.headers['retry-after'])).toBeGreaterThan(0);

      await app.http.post(`${SANDBOX}/_control/invoices/${order.gateway_invoice_id}/lock-webhook`).expect((r) => expect(r.status).toBeLessThan(300));
      const locked = await app.http.post(`/v1/orders/${order.id}/gateway-webhooks/resend`).set(ops);
      expect(locked.status).toBe(409);
      expect(locked.body.error.code).toBe('WEBHOOK_RESEND_CONFLICT');

      // The timeline still shows one payment, however many deliveries.
      expect((await eventsOf(app.http, order.id)).filter((e) => e.to_status === 'paid')).toHaveLength(1);
      await app.http.get(`/v1/orders/${order.id}/gateway-webhooks`).set(storefront).expect(403);
    });
  });
});
