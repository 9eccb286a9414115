import { ops, startTestApp, TestApp, waitFor } from '../support/app';
import {
  callbackBody, createOrder, eventsOf, inbox, orderOf, postCallback, sandboxWebhooks, signedHeaders, simulate, waitForStatus,
} from '../support/callbacks';
import { createOrderFor, deliver, driversEnv, GATEWAY_DRIVERS, notifies, outcomesOf } from '../support/gateways';

const statusChanges = <T extends { type: string }>(events: T[]) => events.filter((e) => e.type === 'order.status_changed');

describe('EccaEx callbacks: verified, stored, applied exactly once', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(driversEnv());
  });
  afterAll(async () => {
    await app?.close();
  });
  afterEach(async () => {
    await sandboxWebhooks(app.http, true);
  });

  describe('verification before anything is stored or looked up', () => {
    const raw = JSON.stringify({ event_id: 'x', order_id: '00000000-0000-4000-8000-000000000000', external_id: 'sig-test', status: 'success' });
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['no signature headers', () => ({ 'Content-Type': 'application/json' })],
      ['a wrong signature', () => ({ ...signedHeaders(raw), 'X-Signature': 'ab'.repeat(32) })],
      ['a signature made with another secret', () => signedHeaders(raw, { secret: 'someone-else' })],
      ['a truncated signature', () => ({ ...signedHeaders(raw), 'X-Signature': signedHeaders(raw)['X-Signature'].slice(0, 20) })],
      ['a timestamp 301 s old', () => signedHeaders(raw, { ts: now() - 301 })],
      ['a timestamp 301 s ahead', () => signedHeaders(raw, { ts: now() + 301 })],
      ['a replayed body with a fresh timestamp and the old signature', () => ({ ...signedHeaders(raw, { ts: now() - 600 }), 'X-Signature-Timestamp': String(now()) })],
    ])('%s → 401 INVALID_SIGNATURE and nothing stored', async (_n, headers) => {
      const before = (await inbox(app.http)).length;
      const r = await app.http.post('/v1/webhooks/eccaex').set(headers()).send(raw);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('INVALID_SIGNATURE');
      expect((await inbox(app.http)).length).toBe(before);
    });

    it('accepts a timestamp 299 s old; an unknown order is stored as unmatched with a 200', async () => {
      const body = JSON.stringify({ event_id: 'unknown-1', order_id: '11111111-1111-4111-8111-111111111111', external_id: 'not-ours', status: 'success' });
      const r = await postCallback(app.http, body, { ts: Math.floor(Date.now() / 1000) - 299, key: 'unknown-1' });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ received: true, duplicate: false });
      const row = await waitFor('unmatched row', async () => (await inbox(app.http, '&status=unmatched')).find((e) => e.idempotency_key === 'unknown-1'));
      expect(row.order_id).toBeNull();
    });

    it.each([
      ['not JSON', 'this is not json'],
      ['a JSON array', '[1,2]'],
      ['JSON naming neither order_id nor external_id', '{"status":"success"}'],
    ])('a signed body that is %s → 400 MALFORMED_PAYLOAD', async (_n, body) => {
      const r = await postCallback(app.http, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('MALFORMED_PAYLOAD');
    });
  });

  it('the same callback 50 times at once: one stored, one transition, one timeline event', async () => {
    const order = await createOrder(app.http);
    await sandboxWebhooks(app.http, false);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    const raw = callbackBody(order, 'success');
    const eventId = JSON.parse(raw).event_id as string;
    const replies = await Promise.all(Array.from({ length: 50 }, () => postCallback(app.http, raw, { key: `same-${order.id}` })));
    expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(replies.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    await waitForStatus(app.http, order.id, 'paid');
    const rows = (await inbox(app.http)).filter((e) => e.idempotency_key === eventId);
    expect(rows).toHaveLength(1);
    await waitFor('processed', async () => (await inbox(app.http)).find((e) => e.idempotency_key === eventId && e.status === 'processed'));
    const paid = statusChanges(await eventsOf(app.http, order.id)).filter((e) => e.to_status === 'paid');
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ from_status: 'awaiting_payment', source: 'webhook' });
  });

  it('50 different callbacks with the same news at once (new event ids): still one transition', async () => {
    const order = await createOrder(app.http);
    await sandboxWebhooks(app.http, false);
    await simulate(app.http, order.gateway_invoice_id, 'fail').expect(200);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postCallback(app.http, callbackBody(order, 'fail', { event_id: `${order.gateway_invoice_id}:fail:${i}` }), { key: `distinct-${order.id}-${i}` })),
    );
    expect(replies.every((r) => r.status === 200 && r.body.duplicate === false)).toBe(true);
    await waitFor('all 50 processed', async () => {
      const rows = (await inbox(app.http, `&order_id=${order.id}`)).filter((e) => e.status === 'processed');
      return rows.length === 50;
    }, 30_000);
    const events = statusChanges(await eventsOf(app.http, order.id));
    expect(events.map((e) => e.to_status)).toEqual(['awaiting_payment', 'failed']);
  });

  it('a body that claims success while the gateway says pending does not pay the order', async () => {
    const order = await createOrder(app.http);
    const r = await postCallback(app.http, callbackBody(order, 'success', { is_adjusted: false }), { key: `liar-${order.id}` });
    expect(r.status).toBe(200);
    const row = await waitFor('processed', async () => (await inbox(app.http, `&order_id=${order.id}`)).find((e) => e.status === 'processed'));
    expect(row.outcome).toMatchObject({ body_status: 'success', gateway_status: 'pending', to_status: 'awaiting_payment' });
    expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
  });

  it('a known event_id with a different body is acknowledged, not applied, and kept as a conflict', async () => {
    const order = await createOrder(app.http);
    const key = `conflict-${order.id}`;
    await postCallback(app.http, callbackBody(order, 'pending', { event_id: key })).expect(200);
    const different = callbackBody(order, 'success', { event_id: key, note: 'different' });
    const r = await postCallback(app.http, different);
    expect(r.body).toEqual({ received: true, duplicate: true });
    const conflicts = (await inbox(app.http, '&status=conflict')).filter((e) => e.idempotency_key === key);
    expect(conflicts).toHaveLength(1);
    // The same conflicting body again is not stored twice.
    await postCallback(app.http, different).expect(200);
    expect((await inbox(app.http, '&status=conflict')).filter((e) => e.idempotency_key === key)).toHaveLength(1);
    // Ops asking for the order's callbacks see the conflicting copy beside the one applied.
    await waitFor('processed', async () => (await inbox(app.http, `&order_id=${order.id}`)).find((e) => e.status === 'processed'));
    const ofOrder = (await inbox(app.http, `&order_id=${order.id}`)).filter((e) => e.idempotency_key === key);
    expect(ofOrder.map((e) => e.status).sort()).toEqual(['conflict', 'processed']);
    expect((await inbox(app.http, `&order_id=${order.id}&status=conflict`)).map((e) => e.idempotency_key)).toEqual([key]);
  });

  describe('the sandbox flow: deliveries from the sandbox gateway verify and apply with no other step', () => {
    it('pay → paid', async () => {
      const order = await createOrder(app.http);
      await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
      const paid = await waitForStatus(app.http, order.id, 'paid');
      expect(paid.paid_at).toBeTruthy();
      expect(paid.payment).toMatchObject({ adjusted: false });
      expect(paid.payment.amount_fiat).toMatch(/^\d+\.\d{2}$/);
    });

    it('fail → failed, expire → expired, cancel → canceled', async () => {
      for (const [outcome, status] of [['fail', 'failed'], ['expire', 'expired'], ['cancel', 'canceled']]) {
        const order = await createOrder(app.http);
        await simulate(app.http, order.gateway_invoice_id, outcome).expect(200);
        await waitForStatus(app.http, order.id, status);
      }
    });

    it('an adjustment after payment → payment updated, adjusted: true, one adjusted event', async () => {
      const order = await createOrder(app.http);
      await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
      await waitForStatus(app.http, order.id, 'paid');
      await simulate(app.http, order.gateway_invoice_id, 'success', '1490.00').expect(200);
      const adjusted = await waitFor('adjusted', async () => {
        const o = await orderOf(app.http, order.id);
        return o.payment?.adjusted ? o : null;
      });
      expect(adjusted.status).toBe('paid');
      expect(adjusted.payment.amount_fiat).toBe('1490.00');
      expect((await eventsOf(app.http, order.id)).filter((e) => e.type === 'order.adjusted')).toHaveLength(1);
    });

    it('a late success after expiry still pays, and the timeline says it was late', async () => {
      const order = await createOrder(app.http);
      await simulate(app.http, order.gateway_invoice_id, 'expire').expect(200);
      await waitForStatus(app.http, order.id, 'expired');
      await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
      await waitForStatus(app.http, order.id, 'paid');
      const late = (await eventsOf(app.http, order.id)).find((e) => e.to_status === 'paid');
      expect(late).toMatchObject({ from_status: 'expired', source: 'webhook', data: { late: true, late_after: 'expired' } });
    });

    it('paid never leaves paid: a later fail from the gateway history changes nothing', async () => {
      const order = await createOrder(app.http);
      await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
      await waitForStatus(app.http, order.id, 'paid');
      const r = await postCallback(app.http, callbackBody(order, 'fail', { event_id: `late-fail-${order.id}` })).expect(200);
      expect(r.body.duplicate).toBe(false);
      await waitFor('processed', async () => (await inbox(app.http, `&order_id=${order.id}`)).find((e) => e.idempotency_key === `late-fail-${order.id}` && e.status === 'processed'));
      expect((await orderOf(app.http, order.id)).status).toBe('paid');
    });
  });

  // Every gateway (test/support/gateways): the same rules, each with its own callbacks and sandbox.
  describe.each(GATEWAY_DRIVERS.map((d) => [d.name, d] as const))('every gateway: %s', (_name, gw) => {
    afterEach(async () => {
      await gw.muteCallbacks(app.http, false);
    });

    it('the same trusted callback 20 times at once: one stored (a ping-only gateway: one per read), one transition to paid', async () => {
      const order = await createOrderFor(app.http, gw);
      await gw.muteCallbacks(app.http, true);
      await gw.settle(app.http, order, 'success');
      const cb = gw.callback(order, 'success');
      const replies = await Promise.all(Array.from({ length: 20 }, () => deliver(app.http, cb)));
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
      const stored = replies.filter((r) => r.body.duplicate === false).length;
      if (gw.pingOnly) {
        // A ping carries nothing to tell two apart: pings coalesce while one waits to be read, and a
        // ping after a read reads again. Never more stored than reads made, every one of them read.
        expect(stored).toBeGreaterThanOrEqual(1);
        expect(stored).toBeLessThan(20);
      } else {
        expect(stored).toBe(1);
      }
      await waitForStatus(app.http, order.id, 'paid');
      await waitFor('every stored callback read', async () => (await inbox(app.http, `&order_id=${order.id}`)).every((e) => e.status !== 'received'));
      expect(await inbox(app.http, `&order_id=${order.id}`)).toHaveLength(stored);
      const paid = statusChanges(await eventsOf(app.http, order.id)).filter((e) => e.to_status === 'paid');
      expect(paid).toHaveLength(1);
      expect(paid[0]).toMatchObject({ from_status: 'awaiting_payment', source: 'webhook' });
    });

    it('a trusted callback claiming success too early: stored and read back, the order stays open; the next notice is read back again', async () => {
      await gw.muteCallbacks(app.http, true);
      const order = await createOrderFor(app.http, gw);
      const early = await deliver(app.http, gw.callback(order, 'success'));
      expect([early.status, early.body]).toEqual([200, { received: true, duplicate: false }]);
      await waitFor('the early callback processed', async () => (await inbox(app.http, `&order_id=${order.id}`)).some((e) => e.status === 'processed'));
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      await gw.settle(app.http, order, 'success');
      expect((await deliver(app.http, gw.callback(order, 'success'))).status).toBe(200);
      await waitForStatus(app.http, order.id, 'paid');
    });

    it(`an untrusted callback → 401 ${gw.rejectionCode}, nothing stored, the order unchanged`, async () => {
      const order = await createOrderFor(app.http, gw);
      await gw.muteCallbacks(app.http, true);
      await gw.settle(app.http, order, 'success');
      const before = (await inbox(app.http)).length;
      const r = await deliver(app.http, gw.forged(order, 'success'));
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe(gw.rejectionCode);
      expect((await inbox(app.http)).length).toBe(before);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
    });

    it('the sandbox flow: pay → paid, fail → failed, expire → expired, cancel → canceled (each the gateway has), with no other step than its callback or, where it sends none, one read-back', async () => {
      const flows = ([['success', 'paid'], ['fail', 'failed'], ['expire', 'expired'], ['cancel', 'canceled']] as const).filter(([outcome]) => outcomesOf(gw).includes(outcome));
      expect(flows.length).toBeGreaterThanOrEqual(3);
      for (const [outcome, status] of flows) {
        const order = await createOrderFor(app.http, gw);
        await gw.settle(app.http, order, outcome);
        if (!notifies(gw, outcome)) await app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops).expect(200);
        const o = await waitForStatus(app.http, order.id, status);
        expect(o.provider).toBe(gw.name);
      }
    });
  });

  it('ops replay processes a stored callback again, still exactly once on the order', async () => {
    const order = await createOrder(app.http);
    await sandboxWebhooks(app.http, false);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await postCallback(app.http, callbackBody(order, 'success'), { key: `replay-${order.id}` }).expect(200);
    await waitForStatus(app.http, order.id, 'paid');
    const row = await waitFor('processed', async () => (await inbox(app.http, `&order_id=${order.id}`)).find((e) => e.status === 'processed'));
    const replay = await app.http.post(`/v1/webhook-events/${row.id}/replay`).set(ops).expect(200);
    expect(replay.body.status).toBe('processed');
    expect(replay.body.attempts).toBeGreaterThanOrEqual(2);
    expect(statusChanges(await eventsOf(app.http, order.id)).filter((e) => e.to_status === 'paid')).toHaveLength(1);
    await app.http.post('/v1/webhook-events/00000000-0000-4000-8000-000000000000/replay').set(ops).expect(404);
  });
});
