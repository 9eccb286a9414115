import { storefront, waitFor } from '../support/app';
import { callbackBody, inbox, orderOf, postCallback } from '../support/callbacks';
import { liveAgainstFake } from '../support/fake-eccaex';

jest.setTimeout(120_000);

/**
 * Money from the gateway is read as decimal strings only. A JSON number has already been through
 * a float when it is parsed, so an answer with one is refused: nothing moves, the order keeps
 * what it had, and the refusal is in the logs for ops.
 */
describe('a JSON number in a gateway money field', () => {
  const live = liveAgainstFake();

  it('in the created invoice: 502, the order kept pending without that invoice', async () => {
    live.fake.answer = (r) => {
      if (r.method !== 'POST' || r.path !== '/api/v1/create-invoice') return undefined;
      const b = r.body as Record<string, string>;
      // The same invoice for the lookup by external_id that follows a refused create.
      return [201, { successful: true, ...live.fake.put({ external_id: b.external_id, amount: 1500 }) }];
    };
    const res = await live.app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'money' });
    expect([res.status, res.body.error?.code]).toEqual([502, 'GATEWAY_ERROR']);
    expect(await orderOf(live.app.http, res.body.error.details.order_id)).toMatchObject({ status: 'pending', gateway_invoice_id: null });
  });

  it('in the invoice read back for a callback: the order does not move, the callback is not settled', async () => {
    const order = (await live.app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'money' }).expect(201)).body;
    Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, {
      status: 'success',
      finished_at: new Date().toISOString(),
      deal: { deal_id: 'd-1', status: 'completed', amount_fiat: 1537.5, conversion_rate: '41.50', merchant_usdt: '35.42' },
    });
    const raw = callbackBody(order, 'success');
    await postCallback(live.app.http, raw).expect(200);
    const key = JSON.parse(raw).event_id as string;
    const row = await waitFor('the read-back refused', async () => (await inbox(live.app.http)).find((e) => e.idempotency_key === key && (e as unknown as { last_error: string | null }).last_error));
    expect((row as unknown as { last_error: string }).last_error).toMatch(/deal\.amount_fiat is a JSON number/);
    expect(row.status).not.toBe('processed');
    expect(await orderOf(live.app.http, order.id)).toMatchObject({ status: 'awaiting_payment', paid_at: null, payment: null });
  });
});
