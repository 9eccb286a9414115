import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { storefront, waitFor } from '../support/app';
import { callbackBody, inbox, orderOf, postCallback, signedHeaders } from '../support/callbacks';
import { liveAgainstFake } from '../support/fake-eccaex';

jest.setTimeout(120_000);

/**
 * What a callback is, is what its signature covers: the raw bytes (whatever the Content-Type
 * header claims), and duplicates are told by the body's event_id, else by the signed body; the
 * unsigned X-Idempotency-Key is kept as information only.
 */
const live = liveAgainstFake({ ECCAEX_SIGNATURE_CAPTURE: 'true' });

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function paidOrder() {
  const order = (await live.app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'cb-identity' }).expect(201)).body;
  Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, { status: 'success', finished_at: new Date().toISOString() });
  return order as { id: string; external_id: string; gateway_invoice_id: string };
}

const readsOf = (invoiceId: string) => live.fake.of('GET', `/api/v1/invoices/${invoiceId}`).length;

describe('duplicates are recognised by what the signature covers', () => {
  it('the same signed callback sent again with new X-Idempotency-Key values: 200 duplicate, stored once, read back once', async () => {
    const order = await paidOrder();
    const raw = callbackBody(order, 'success');
    const eventId = JSON.parse(raw).event_id as string;
    expect((await postCallback(live.app.http, raw, { key: `first-${order.id}` }).expect(200)).body).toEqual({ received: true, duplicate: false });
    await waitFor('processed', async () => (await orderOf(live.app.http, order.id)).status === 'paid');
    const reads = readsOf(order.gateway_invoice_id);
    for (let i = 0; i < 5; i++) {
      const r = await postCallback(live.app.http, raw, { key: `again-${i}-${order.id}` }).expect(200);
      expect(r.body).toEqual({ received: true, duplicate: true });
    }
    const rows = await inbox(live.app.http, `&order_id=${order.id}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ idempotency_key: eventId, status: 'processed' });
    expect((rows[0] as unknown as { headers: Record<string, string> }).headers['x-idempotency-key']).toBe(`first-${order.id}`);
    // A later, different callback is processed (one read); the duplicates before it caused none.
    await postCallback(live.app.http, callbackBody(order, 'success', { event_id: `${order.gateway_invoice_id}:after` })).expect(200);
    await waitFor('the later callback processed', async () => (await inbox(live.app.http, `&order_id=${order.id}`)).length === 2 && (await inbox(live.app.http, `&order_id=${order.id}`)).every((e) => e.status === 'processed'));
    expect(readsOf(order.gateway_invoice_id)).toBe(reads + 1);
  });

  it('without an event_id, the signed body is the identity: the same body again is a duplicate, another body is not', async () => {
    const order = await paidOrder();
    const raw = JSON.stringify({ order_id: order.gateway_invoice_id, external_id: order.external_id, status: 'success' });
    expect((await postCallback(live.app.http, raw, { key: 'no-event-1' }).expect(200)).body.duplicate).toBe(false);
    expect((await postCallback(live.app.http, raw, { key: 'no-event-2' }).expect(200)).body.duplicate).toBe(true);
    const other = JSON.stringify({ order_id: order.gateway_invoice_id, external_id: order.external_id, status: 'success', note: 'resent' });
    expect((await postCallback(live.app.http, other, { key: 'no-event-1' }).expect(200)).body.duplicate).toBe(false);
    expect((await inbox(live.app.http)).filter((e) => e.idempotency_key === `sha256:${sha256(raw)}`)).toHaveLength(1);
  });

  it('an X-Idempotency-Key taken first by another callback does not pre-empt the real one', async () => {
    const order = (await live.app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'cb-identity' }).expect(201)).body;
    const predicted = `${order.gateway_invoice_id}:success:next`;
    // Sent ahead with the key the gateway will use next: the invoice is still pending then.
    await postCallback(live.app.http, callbackBody(order, 'pending', { event_id: `${order.gateway_invoice_id}:early` }), { key: predicted }).expect(200);
    Object.assign(live.fake.invoices.get(order.gateway_invoice_id)!, { status: 'success', finished_at: new Date().toISOString() });
    const real = await postCallback(live.app.http, callbackBody(order, 'success', { event_id: predicted }), { key: predicted }).expect(200);
    expect(real.body).toEqual({ received: true, duplicate: false });
    await waitFor('paid', async () => (await orderOf(live.app.http, order.id)).status === 'paid');
  });

  it('a known event_id with another body: acknowledged as a duplicate, not applied, kept once as a conflict', async () => {
    const order = (await live.app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'cb-identity' }).expect(201)).body;
    const eventId = `${order.gateway_invoice_id}:conflict`;
    await postCallback(live.app.http, callbackBody(order, 'pending', { event_id: eventId })).expect(200);
    const different = callbackBody(order, 'success', { event_id: eventId, note: 'different' });
    expect((await postCallback(live.app.http, different, { key: 'whatever-1' }).expect(200)).body).toEqual({ received: true, duplicate: true });
    await postCallback(live.app.http, different, { key: 'whatever-2' }).expect(200);
    expect((await inbox(live.app.http, '&status=conflict')).filter((e) => e.idempotency_key === eventId)).toHaveLength(1);
  });
});

describe('the signature is checked on the raw bytes whatever the Content-Type says', () => {
  /** POSTs exactly `raw` with these headers (no Content-Type unless given). */
  const send = (raw: Buffer, headers: Record<string, string>) =>
    fetch(`${live.app.url}/v1/webhooks/eccaex`, { method: 'POST', headers, body: raw }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/octet-stream'], ['application/xml'], ['application/json; charset=utf-8'], [null]])(
    'a correctly signed callback sent as %s: 200, stored with its bytes and the type it declared, applied',
    async (type) => {
      const order = await paidOrder();
      const raw = Buffer.from(callbackBody(order, 'success', { note: `sent as ${type}` }));
      const { 'Content-Type': _json, ...signature } = signedHeaders(raw.toString('utf8'), { key: `ct-${order.id}` });
      const r = await send(raw, type === null ? signature : { ...signature, 'Content-Type': type });
      expect([type, r.status, r.body]).toEqual([type, 200, { received: true, duplicate: false }]);
      await waitFor('paid', async () => (await orderOf(live.app.http, order.id)).status === 'paid');
      const [row] = await inbox(live.app.http, `&order_id=${order.id}`).then((rows) => rows as unknown as Array<{ payload_hash: string; headers: Record<string, string> }>);
      expect(row).toMatchObject({ payload_hash: sha256(raw), headers: { 'content-type': type ?? '' } });
    },
  );

  it('a badly signed text/plain callback: 401, and the signature capture keeps the body as sent', async () => {
    const raw = Buffer.from(JSON.stringify({ event_id: `capture-${Date.now()}`, order_id: '00000000-0000-4000-8000-000000000000', status: 'success' }));
    const { 'Content-Type': _json, ...signature } = signedHeaders(raw.toString('utf8'), { secret: 'not-the-gateway-secret' });
    const r = await send(raw, { ...signature, 'Content-Type': 'text/plain' });
    expect([r.status, (r.body as { error: { code: string } }).error.code]).toEqual([401, 'INVALID_SIGNATURE']);
    const ds = live.app.app.get(DataSource);
    const [capture] = await waitFor('capture', async () => {
      const rows = await ds.query(`SELECT raw_body, body_bytes, content_type FROM signature_captures WHERE x_signature = $1`, [signature['X-Signature']]);
      return rows.length ? rows : null;
    });
    expect(Buffer.compare(capture.raw_body, raw)).toBe(0);
    expect(capture).toMatchObject({ body_bytes: raw.length, content_type: 'text/plain' });
  });
});
