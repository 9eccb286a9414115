import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';
import { createOrder, eventsOf, orderOf, simulate, waitForStatus } from '../support/callbacks';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** The merchant's endpoint: keeps each delivery that verifies with the reference library. */
async function receiver(): Promise<{ url: string; verified: Array<{ type: string; data: { id: string; exception: string | null } }>; stop(): Promise<void> }> {
  const verified: Array<{ type: string; data: { id: string; exception: string | null } }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      verified.push(new Webhook(SECRET).verify(body, req.headers as Record<string, string>) as (typeof verified)[number]);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    verified,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('order exceptions and the review queue (docs/api.md sections 3.6 and 7)', () => {
  let app: TestApp;
  let merchant: Awaited<ReturnType<typeof receiver>>;

  const queue = async (query = 'exception=open') => (await app.http.get(`/v1/orders?${query}&limit=200`).set(ops).expect(200)).body.data as Array<{ id: string; exception: string }>;
  const resolve = (ref: string, body: unknown) => app.http.post(`/v1/orders/${ref}/exception/resolve`).set(ops).send(body as object);
  const exceptionNotifications = (orderId: string) => merchant.verified.filter((d) => d.type === 'order.exception' && d.data.id === orderId);

  beforeAll(async () => {
    merchant = await receiver();
    app = await startTestApp({ MERCHANT_WEBHOOK_URL: merchant.url, MERCHANT_WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    await app?.close();
    await merchant?.stop();
  });

  it('an adjustment after payment: exception adjusted, in the queue, one order.exception notification; resolved with a note, it leaves the queue', async () => {
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, order.id, 'paid');
    expect((await orderOf(app.http, order.id)).exception).toBeNull();
    expect((await queue()).map((o) => o.id)).not.toContain(order.id);

    await simulate(app.http, order.gateway_invoice_id, 'success', '1490.00').expect(200);
    const flagged = await waitFor('exception adjusted', async () => {
      const o = await orderOf(app.http, order.id);
      return o.exception === 'adjusted' ? o : null;
    });
    expect(flagged).toMatchObject({ status: 'paid', exception_resolved_at: null, payment: { adjusted: true } });
    expect((await queue()).filter((o) => o.id === order.id)).toEqual([expect.objectContaining({ exception: 'adjusted' })]);
    expect((await queue('exception=adjusted')).map((o) => o.id)).toContain(order.id);
    const raised = (await eventsOf(app.http, order.id)).filter((e) => e.type === 'order.exception');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ from_status: 'paid', to_status: 'paid', source: 'webhook', data: { exception: 'adjusted' } });
    await waitFor('order.exception delivered', async () => exceptionNotifications(order.id).length === 1);
    expect(exceptionNotifications(order.id)[0]!.data.exception).toBe('adjusted');

    const r = await resolve(order.external_id, { note: 'Gateway corrected the rate; customer informed.' }).expect(200);
    expect(r.body).toMatchObject({ id: order.id, status: 'paid', exception: 'adjusted' });
    expect(Date.parse(r.body.exception_resolved_at)).not.toBeNaN();
    expect((await queue()).map((o) => o.id)).not.toContain(order.id);
    expect((await queue('exception=resolved')).map((o) => o.id)).toContain(order.id);
    const resolved = (await eventsOf(app.http, order.id)).filter((e) => e.type === 'order.exception_resolved');
    expect(resolved).toEqual([
      expect.objectContaining({ source: 'ops', from_status: 'paid', to_status: 'paid', data: { exception: 'adjusted', note: 'Gateway corrected the rate; customer informed.' } }),
    ]);

    const again = await resolve(order.id, { note: 'twice' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'NO_OPEN_EXCEPTION', details: { order_id: order.id, exception: 'adjusted' } });
    expect(exceptionNotifications(order.id)).toHaveLength(1);
  });

  it('a success after the order expired: paid, exception paid_late, in the queue', async () => {
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'expire').expect(200);
    await waitForStatus(app.http, order.id, 'expired');
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    const late = await waitForStatus(app.http, order.id, 'paid');
    expect(late.exception).toBe('paid_late');
    expect((await queue()).filter((o) => o.id === order.id)).toEqual([expect.objectContaining({ exception: 'paid_late' })]);
    const raised = (await eventsOf(app.http, order.id)).filter((e) => e.type === 'order.exception');
    expect(raised).toEqual([expect.objectContaining({ data: expect.objectContaining({ exception: 'paid_late', late_after: 'expired' }) })]);
    await waitFor('order.exception delivered', async () => exceptionNotifications(order.id).length === 1);
  });

  it('an order paid on time has no exception, and resolving it is refused', async () => {
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    const paid = await waitForStatus(app.http, order.id, 'paid');
    expect(paid).toMatchObject({ exception: null, exception_resolved_at: null });
    const r = await resolve(order.id, { note: 'nothing to see' }).expect(409);
    expect(r.body.error.code).toBe('NO_OPEN_EXCEPTION');
    expect((await eventsOf(app.http, order.id)).map((e) => e.type)).not.toContain('order.exception_resolved');
  });

  it('refusals: storefront key 403, unknown order 404, blank or missing note 400, unknown filter 400', async () => {
    const order = await createOrder(app.http);
    expect((await app.http.post(`/v1/orders/${order.id}/exception/resolve`).set(storefront).send({ note: 'x' })).status).toBe(403);
    expect((await resolve('no-such-order', { note: 'x' }).expect(404)).body.error.code).toBe('ORDER_NOT_FOUND');
    for (const body of [{}, { note: '' }, { note: '   ' }, { note: 'x'.repeat(1001) }, { note: 7 }, { note: 'ok', extra: 1 }]) {
      const r = await resolve(order.id, body).expect(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    const bad = await app.http.get('/v1/orders?exception=maybe').set(ops).expect(400);
    expect(bad.body.error.details.fields.exception).toBeDefined();
  });
});
