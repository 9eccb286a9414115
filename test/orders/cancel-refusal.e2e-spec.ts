import { ops, storefront, waitFor } from '../support/app';
import { eventsOf, orderOf, postCallback } from '../support/callbacks';
import { FakeEccaex, liveAgainstFake } from '../support/fake-eccaex';

jest.setTimeout(120_000);

/**
 * Cancel asks the gateway first and its word stands: a refusal of the invoice cancel (a customer
 * paying right now) keeps the order as it was and answers 409 ORDER_NOT_CANCELABLE; an unclear
 * answer (5xx, timeout) keeps it too and answers 503. Never order.canceled and then order.paid.
 */
describe('cancel: the gateway refuses or cannot say', () => {
  const live = liveAgainstFake();

  const newOrder = async () => (await live.app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'cancel' }).expect(201)).body;
  const statusChanges = async (id: string) => (await eventsOf(live.app.http, id)).filter((e) => e.type === 'order.status_changed').map((e) => e.to_status);
  const cancelAt = (invoiceId: string) => `/api/v1/public/invoice/${invoiceId}/cancel`;

  it('a 409 from the gateway (the customer is paying): 409 ORDER_NOT_CANCELABLE, the order unchanged, and the payment then lands as paid, never canceled', async () => {
    const order = await newOrder();
    live.fake.answer = (r) =>
      r.method === 'POST' && r.path === cancelAt(order.gateway_invoice_id)
        ? [409, { successful: false, request_id: 'fake', error: { code: 'INVOICE_NOT_CANCELABLE', message: 'A payment is in progress', details: {} } }]
        : undefined;
    const res = await live.app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront);
    expect([res.status, res.body.error?.code]).toEqual([409, 'ORDER_NOT_CANCELABLE']);
    expect(res.body.error.details).toMatchObject({ order_id: order.id, status: 'awaiting_payment', reason: 'gateway_refused', gateway_code: 'INVOICE_NOT_CANCELABLE' });
    expect(live.fake.of('POST', cancelAt(order.gateway_invoice_id))).toHaveLength(1);
    expect((await orderOf(live.app.http, order.id)).status).toBe('awaiting_payment');

    Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, { status: 'success', finished_at: new Date().toISOString() });
    await postCallback(live.app.http, JSON.stringify({ event_id: `${order.gateway_invoice_id}:success:1`, order_id: order.gateway_invoice_id, external_id: order.external_id, status: 'success' })).expect(200);
    await waitFor('paid', async () => (await orderOf(live.app.http, order.id)).status === 'paid');
    expect(await statusChanges(order.id)).toEqual(['awaiting_payment', 'paid']);
  });

  it.each([
    ['canceled', 200, 'canceled', ['awaiting_payment', 'canceled']],
    ['success', 409, 'paid', ['awaiting_payment', 'paid']],
  ] as const)(
    'a 409 because the invoice is already %s at the gateway (a concurrent cancel, a payment): the gateway\'s word decides, %i',
    async (gatewayStatus, httpStatus, orderStatus, changes) => {
      const order = await newOrder();
      live.fake.answer = (r) => {
        if (r.method !== 'POST' || r.path !== cancelAt(order.gateway_invoice_id)) return undefined;
        Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, { status: gatewayStatus, finished_at: new Date().toISOString() });
        return [409, { successful: false, request_id: 'fake', error: { code: 'INVOICE_NOT_PENDING', message: 'Invoice is not pending', details: {} } }];
      };
      const res = await live.app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront);
      expect(res.status).toBe(httpStatus);
      if (httpStatus === 200) expect(res.body.status).toBe('canceled');
      else expect(res.body.error).toMatchObject({ code: 'ORDER_NOT_CANCELABLE', details: { status: 'paid' } });
      expect((await orderOf(live.app.http, order.id)).status).toBe(orderStatus);
      expect(await statusChanges(order.id)).toEqual(changes);
      live.fake.answer = () => undefined;
    },
  );

  it.each([
    ['a 500 on the cancel', (invoiceId: string) => (r: { method: string; path: string }) => (r.method === 'POST' && r.path === cancelAt(invoiceId) ? [500, { successful: false, error: { code: 'INTERNAL', message: 'x' } }] : undefined)],
    ['a 503 on the read before it', (invoiceId: string) => (r: { method: string; path: string }) => (r.method === 'GET' && r.path.endsWith(invoiceId) ? [503, { successful: false, error: { code: 'INTERNAL', message: 'x' } }] : undefined)],
  ] as const)('%s: 503 GATEWAY_UNAVAILABLE and the order unchanged (the invoice may still be paid)', async (_name, answer) => {
    const order = await newOrder();
    live.fake.answer = answer(order.gateway_invoice_id) as FakeEccaex['answer'];
    const res = await live.app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront);
    expect([res.status, res.body.error?.code, res.body.error?.details?.order_id]).toEqual([503, 'GATEWAY_UNAVAILABLE', order.id]);
    expect((await orderOf(live.app.http, order.id)).status).toBe('awaiting_payment');
    expect(await statusChanges(order.id)).toEqual(['awaiting_payment']);
    // Once the gateway answers again, the cancel goes through.
    live.fake.answer = () => undefined;
    const again = await live.app.http.post(`/v1/orders/${order.id}/cancel`).set(ops).expect(200);
    expect(again.body.status).toBe('canceled');
    expect(live.fake.invoices.get(order.gateway_invoice_id)!.status).toBe('canceled');
  });
});
