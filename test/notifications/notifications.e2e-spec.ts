import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { NOTIFICATION_QUEUE, NotificationSender } from '../../src/notifications/notification-sender.service';
import { PGBOSS_SCHEMA } from '../../src/jobs/jobs.service';
import { OrdersRepository } from '../../src/orders/orders.repository';
import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';
import { createOrder, eventsOf, orderOf, SANDBOX, sandboxWebhooks, simulate, waitForStatus } from '../support/callbacks';
import { serverDatabase, ServerDatabase } from '../support/shared-db';
import { sleep } from '../../src/common/sleep';

jest.setTimeout(120_000);

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Delivery {
  id: string;
  timestamp: string;
  signature: string;
  contentType: string | undefined;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, any> };
  verified: boolean;
  answered: number;
}

/** The merchant's endpoint: verifies every delivery with the reference library; answers per plan. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  /** order id → statuses to answer in turn (200 once the plan is used up). */
  readonly plans = new Map<string, number[]>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = req.headers as IncomingHttpHeaders & Record<string, string>;
        let verified = false;
        try {
          new Webhook(SECRET).verify(body, headers);
          verified = true;
        } catch {
          verified = false;
        }
        const payload = JSON.parse(body);
        const answered = this.plans.get(payload.data.id)?.shift() ?? 200;
        this.deliveries.push({
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          contentType: headers['content-type'],
          body,
          payload,
          verified,
          answered,
        });
        res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : `nope ${answered}`);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  of(orderId: string, type?: string): Delivery[] {
    return this.deliveries.filter((d) => d.payload.data.id === orderId && (!type || d.payload.type === type));
  }
}

interface Notification {
  id: string;
  order_id: string;
  type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
  payload: { type: string; timestamp: string; data: Record<string, any> };
}

describe('outbound merchant notifications (Standard Webhooks, outbox, retries)', () => {
  const receiver = new Receiver();
  let app: TestApp;
  let failFor: string | null = null;

  const notificationsOf = async (orderId: string): Promise<Notification[]> =>
    (await app.http.get(`/v1/notifications?order_id=${orderId}&limit=200`).set(ops).expect(200)).body.data;
  const waitNotification = (orderId: string, type: string, status: string, timeoutMs = 20_000) =>
    waitFor(`${type} notification of ${orderId} to be ${status}`, async () => (await notificationsOf(orderId)).find((n) => n.type === type && n.status === status), timeoutMs, 50);
  const attemptsOf = async (id: string) => (await app.http.get(`/v1/notifications/${id}/attempts`).set(ops).expect(200)).body.data as Array<{ try_number: number; http_status: number | null; error: string | null }>;
  const paidOrder = async () => {
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitForStatus(app.http, order.id, 'paid');
    return order;
  };

  beforeAll(async () => {
    await receiver.start();
    process.env.NOTIFICATION_RETRY_SCALE = '0.01'; // 50 ms, 300 ms, 1.2 s, 6 s ...; 24 h window → 14.4 min
    app = await startTestApp({ MERCHANT_WEBHOOK_URL: receiver.url, MERCHANT_WEBHOOK_SECRET: SECRET });
    // A listener after the outbox's that fails one chosen order's change: the whole change must roll back.
    // Both paths of a change: the locking transaction (write) and the one-statement path (plan).
    app.app.get(OrdersRepository).onChange(
      async (_m, change) => {
        if (change.order.id === failFor) throw new Error('injected failure after the outbox wrote its row');
      },
      async (change) => {
        if (change.order.id === failFor) throw new Error('injected failure after the outbox planned its row');
        return [];
      },
    );
  });
  afterAll(async () => {
    delete process.env.NOTIFICATION_RETRY_SCALE;
    await app?.close();
    await receiver.stop();
  });
  afterEach(() => {
    // Every delivery so far carried a valid Standard Webhooks signature and a JSON body.
    expect(receiver.deliveries.filter((d) => !d.verified)).toEqual([]);
    expect(receiver.deliveries.every((d) => d.contentType === 'application/json')).toBe(true);
  });

  it('a paid order: exactly one order.paid, signed, its data the Order, none for the creation or awaiting_payment', async () => {
    const order = await paidOrder();
    const n = await waitNotification(order.id, 'order.paid', 'delivered');
    await sleep(500);
    const all = await notificationsOf(order.id);
    expect(all.map((x) => x.type)).toEqual(['order.paid']);
    expect(n).toMatchObject({ order_id: order.id, attempts: 1, last_status_code: 200, last_error: null, next_attempt_at: null });
    expect(n.delivered_at).not.toBeNull();
    const got = receiver.of(order.id);
    expect(got).toHaveLength(1);
    expect(got[0].id).toBe(n.id);
    expect(got[0].payload.type).toBe('order.paid');
    expect(Math.abs(Number(got[0].timestamp) - Date.now() / 1000)).toBeLessThan(30);
    expect(new Date(got[0].payload.timestamp).toISOString()).toBe(got[0].payload.timestamp);
    // data = the Order as the API shows it, frozen at the change; the route shows the body sent, byte for byte equal.
    expect(got[0].payload.data).toEqual(await orderOf(app.http, order.id));
    expect(got[0].payload.data).toMatchObject({ status: 'paid', amount: '1500.00', currency: 'UAH' });
    expect(n.payload).toEqual(JSON.parse(got[0].body));
  });

  it('a new notification goes out from the pump of the replica that committed it, with no queue job of its own', async () => {
    const order = await paidOrder();
    const n = await waitNotification(order.id, 'order.paid', 'delivered');
    // One queue job per notification was one insert, one fetch and one completion each on pg-boss's table.
    const [{ jobs }] = await app.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS jobs FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND data->>'id' = $2`, [NOTIFICATION_QUEUE, n.id]);
    expect(jobs).toBe(0);
    expect(await attemptsOf(n.id)).toEqual([expect.objectContaining({ try_number: 1, http_status: 200, error: null })]);
  });

  it.each([
    ['fail', 'failed'],
    ['expire', 'expired'],
  ])('an order the gateway says %s: exactly one order.%s', async (outcome, status) => {
    const order = await createOrder(app.http);
    await simulate(app.http, order.gateway_invoice_id, outcome).expect(200);
    await waitForStatus(app.http, order.id, status);
    await waitNotification(order.id, `order.${status}`, 'delivered');
    await sleep(500);
    expect((await notificationsOf(order.id)).map((x) => x.type)).toEqual([`order.${status}`]);
    expect(receiver.of(order.id).map((d) => [d.payload.type, d.payload.data.status])).toEqual([[`order.${status}`, status]]);
  });

  it('a canceled order: exactly one order.canceled', async () => {
    const order = await createOrder(app.http);
    await app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront).expect(200);
    await waitNotification(order.id, 'order.canceled', 'delivered');
    await sleep(500);
    expect((await notificationsOf(order.id)).map((x) => x.type)).toEqual(['order.canceled']);
    expect(receiver.of(order.id)).toHaveLength(1);
  });

  it('an adjustment of a paid order: one order.adjusted with the new amounts', async () => {
    const order = await paidOrder();
    await waitNotification(order.id, 'order.paid', 'delivered');
    await simulate(app.http, order.gateway_invoice_id, 'success', '1612.34').expect(200);
    const n = await waitNotification(order.id, 'order.adjusted', 'delivered');
    expect(n.payload.data.payment).toMatchObject({ amount_fiat: '1612.34', adjusted: true });
    await sleep(500);
    expect((await notificationsOf(order.id)).map((x) => x.type).sort()).toEqual(['order.adjusted', 'order.exception', 'order.paid']);
    expect(receiver.of(order.id, 'order.adjusted')).toHaveLength(1);
    expect(receiver.of(order.id, 'order.adjusted')[0].payload.data).toEqual(await orderOf(app.http, order.id));
  });

  // The outbox row is written with the change itself: once the reconcile has answered, a
  // notification for it would already be listed.
  it('a customer picking a method: one order.payment_updated in the timeline, no notification', async () => {
    const order = await createOrder(app.http);
    await app.http.post(`${SANDBOX}/api/v1/public/invoice/${order.gateway_invoice_id}/select-method`).send({ method_code: 'monobank' }).expect(200);
    const seen = await app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops).expect(200);
    expect(seen.body).toMatchObject({ status: 'awaiting_payment', payment: { method_code: 'monobank', adjusted: false } });
    const events = await eventsOf(app.http, order.id);
    expect(events.map((e) => [e.type, e.to_status])).toEqual([
      ['order.created', 'pending'],
      ['order.status_changed', 'awaiting_payment'],
      ['order.payment_updated', 'awaiting_payment'],
    ]);
    expect(events[2]).toMatchObject({ from_status: 'awaiting_payment', source: 'ops', data: { payment: { method_code: 'monobank', adjusted: false } } });
    expect(await notificationsOf(order.id)).toEqual([]);
    // Paid afterwards: the merchant hears of the payment, once, and of nothing before it.
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    await waitNotification(order.id, 'order.paid', 'delivered');
    expect((await notificationsOf(order.id)).map((x) => x.type)).toEqual(['order.paid']);
  });

  it('an invoice found after the order was canceled: order.invoice_attached in the timeline, no notification', async () => {
    // The create failed (503): the order is pending with no invoice, and is canceled as such.
    await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'create-invoice', mode: 'error', status: 503, times: 1 }).expect(201);
    const r = await app.http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'attach-late', external_id: 'attach-late' });
    expect([r.status, r.body.error?.code]).toEqual([503, 'GATEWAY_UNAVAILABLE']);
    const id = r.body.error.details.order_id as string;
    await app.http.post(`/v1/orders/${id}/cancel`).set(storefront).expect(200);
    await waitNotification(id, 'order.canceled', 'delivered');
    // Then the gateway turns out to hold an invoice for it after all (the same order: external_id, amount, currency).
    const made = await app.http
      .post(`${SANDBOX}/api/v1/create-invoice`)
      .set('X-Api-Key', app.settings.eccaex.apiKey)
      .send({ amount: '1500.00', currency_code: 'UAH', customer_id: 'attach-late', external_id: 'attach-late', callback_url: `${app.url}/v1/webhooks/eccaex`, success_url: 'https://shop.example/ok', fail_url: 'https://shop.example/fail' })
      .expect(201);
    const seen = await app.http.post(`/v1/orders/${id}/reconcile`).set(ops).expect(200);
    expect(seen.body).toMatchObject({ status: 'canceled', gateway_invoice_id: made.body.invoice_id });
    const events = await eventsOf(app.http, id);
    expect(events.map((e) => [e.type, e.to_status])).toEqual([
      ['order.created', 'pending'],
      ['order.status_changed', 'canceled'],
      ['order.invoice_attached', 'canceled'],
    ]);
    expect(events[2]).toMatchObject({ from_status: 'canceled', source: 'ops', data: { gateway_invoice_id: made.body.invoice_id } });
    expect((await notificationsOf(id)).map((x) => x.type)).toEqual(['order.canceled']);
  });

  it('a receiver failing three times (500) gets it on the 4th attempt, with the same webhook-id each time', async () => {
    const order = await createOrder(app.http);
    receiver.plans.set(order.id, [500, 500, 500]);
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    const n = await waitNotification(order.id, 'order.paid', 'delivered');
    const got = receiver.of(order.id);
    expect(got.map((d) => d.answered)).toEqual([500, 500, 500, 200]);
    expect(new Set(got.map((d) => d.id))).toEqual(new Set([n.id]));
    expect(new Set(got.map((d) => d.body)).size).toBe(1); // the frozen bytes, every time
    expect(n).toMatchObject({ attempts: 4, last_status_code: 200, last_error: null });
    const attempts = await attemptsOf(n.id);
    expect(attempts.map((a) => [a.try_number, a.http_status])).toEqual([[1, 500], [2, 500], [3, 500], [4, 200]]);
    expect(attempts[0].error).toMatch(/HTTP 500/);
    expect(attempts[3].error).toBeNull();
  });

  it('a receiver answering 410 Gone: no more attempts; ops retry re-delivers it with the same webhook-id', async () => {
    const order = await createOrder(app.http);
    receiver.plans.set(order.id, [410]);
    await simulate(app.http, order.gateway_invoice_id, 'fail').expect(200);
    const n = await waitNotification(order.id, 'order.failed', 'abandoned');
    expect(n).toMatchObject({ attempts: 1, last_status_code: 410, next_attempt_at: null, delivered_at: null });
    expect(n.last_error).toMatch(/410/);
    await sleep(2500); // at this scale the retries would have been at +50 ms, +350 ms, +1.55 s
    expect(receiver.of(order.id)).toHaveLength(1);
    expect((await notificationsOf(order.id))[0]).toMatchObject({ status: 'abandoned', attempts: 1 });

    const r = await app.http.post(`/v1/notifications/${n.id}/retry`).set(ops).expect(200);
    expect(r.body.id).toBe(n.id);
    expect(['pending', 'delivering', 'delivered']).toContain(r.body.status);
    const done = await waitNotification(order.id, 'order.failed', 'delivered');
    expect(done).toMatchObject({ attempts: 2, last_status_code: 200, last_error: null });
    expect(receiver.of(order.id).map((d) => [d.id, d.answered])).toEqual([[n.id, 410], [n.id, 200]]);
    expect(receiver.of(order.id)[1].body).toBe(receiver.of(order.id)[0].body);
    // A delivered notification is not re-armed.
    const again = await app.http.post(`/v1/notifications/${n.id}/retry`).set(ops).expect(409);
    expect(again.body.error).toMatchObject({ code: 'NOTIFICATION_NOT_RETRYABLE', details: { status: 'delivered' } });
  });

  it('a receiver that keeps failing: retried on the schedule, then failed once the retry window is over', async () => {
    const order = await createOrder(app.http);
    receiver.plans.set(order.id, Array(50).fill(503));
    await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
    const first = await waitFor('a failed first attempt', async () => (await notificationsOf(order.id)).find((x) => x.attempts >= 1 && x.status === 'pending'), 20_000, 50);
    expect(first.last_status_code).toBe(503);
    expect(first.next_attempt_at).not.toBeNull();
    // Close the window (at this scale it would be 14.4 min): the next failure is the last.
    await app.app.get(DataSource).query(`UPDATE notifications SET retry_until = now() WHERE id = $1`, [first.id]);
    const failed = await waitNotification(order.id, 'order.paid', 'failed');
    expect(failed.next_attempt_at).toBeNull();
    const tries = failed.attempts;
    expect(tries).toBeGreaterThanOrEqual(2);
    await sleep(1500);
    expect(receiver.of(order.id)).toHaveLength(tries);
    // Ops retry arms a fresh schedule: it is delivered once the receiver recovers.
    receiver.plans.set(order.id, []);
    await app.http.post(`/v1/notifications/${first.id}/retry`).set(ops).expect(200);
    await waitNotification(order.id, 'order.paid', 'delivered');
    expect(receiver.of(order.id)).toHaveLength(tries + 1);
  });

  it('a change that rolls back writes no notification (outbox in the same transaction)', async () => {
    const order = await createOrder(app.http);
    await sandboxWebhooks(app.http, false);
    try {
      failFor = order.id;
      const r = await app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront);
      expect(r.status).toBe(500);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      await sleep(500);
      expect(await notificationsOf(order.id)).toEqual([]);
      const rows = await app.app.get(DataSource).query(`SELECT id FROM notifications WHERE order_id = $1`, [order.id]);
      expect(rows).toEqual([]);
      expect(receiver.of(order.id)).toEqual([]);

      failFor = null;
      await app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront).expect(200);
      await waitNotification(order.id, 'order.canceled', 'delivered');
      await sleep(500);
      expect((await notificationsOf(order.id)).map((x) => x.type)).toEqual(['order.canceled']);
      expect(receiver.of(order.id)).toHaveLength(1);
    } finally {
      failFor = null;
      await sandboxWebhooks(app.http, true);
    }
  });

  it('an attempt whose replica died (stuck delivering past its lease) is picked up again by the sweeper', async () => {
    const order = await createOrder(app.http);
    await app.http.post(`/v1/orders/${order.id}/cancel`).set(storefront).expect(200);
    const n = await waitNotification(order.id, 'order.canceled', 'delivered');
    const ds = app.app.get(DataSource);
    const sender = app.app.get(NotificationSender);
    // A claim still within its lease is left alone...
    await ds.query(`UPDATE notifications SET status = 'delivering', attempts = attempts + 1, delivered_at = NULL, next_attempt_at = now() + interval '1 minute' WHERE id = $1`, [n.id]);
    await sender.sweep(0);
    await sleep(1500);
    expect(receiver.of(order.id)).toHaveLength(1);
    expect((await notificationsOf(order.id))[0].status).toBe('delivering');
    // ...one past it is taken over.
    await ds.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, [n.id]);
    expect(await sender.sweep(0)).toBeGreaterThanOrEqual(1);
    const again = await waitNotification(order.id, 'order.canceled', 'delivered');
    expect(again.attempts).toBe(3);
    expect(receiver.of(order.id).map((d) => d.id)).toEqual([n.id, n.id]);
  });

  describe('ops routes', () => {
    it('401 without a key, 403 with a storefront key', async () => {
      for (const [method, path] of [['get', '/v1/notifications'], ['post', `/v1/notifications/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/retry`]] as const) {
        const none = await app.http[method](path);
        expect(none.status).toBe(401);
        expect(none.body.error.code).toBe('UNAUTHENTICATED');
        const sf = await app.http[method](path).set(storefront);
        expect(sf.status).toBe(403);
        expect(sf.body.error.code).toBe('FORBIDDEN');
      }
    });

    it('lists newest first, filters by status, pages with a cursor', async () => {
      const all: Notification[] = (await app.http.get('/v1/notifications?limit=200').set(ops).expect(200)).body.data;
      expect(all.length).toBeGreaterThanOrEqual(8);
      for (let i = 1; i < all.length; i++) expect(all[i - 1].created_at >= all[i].created_at).toBe(true);
      for (const key of ['id', 'order_id', 'type', 'status', 'attempts', 'last_status_code', 'last_error', 'next_attempt_at', 'delivered_at', 'created_at', 'payload']) {
        expect(all[0]).toHaveProperty(key);
      }
      const delivered = (await app.http.get('/v1/notifications?status=delivered&limit=200').set(ops).expect(200)).body;
      expect(delivered.data.length).toBeGreaterThan(0);
      expect(delivered.data.every((x: Notification) => x.status === 'delivered')).toBe(true);
      expect(delivered.next_cursor).toBeNull();

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Notification[]; next_cursor: string | null } = (
          await app.http.get(`/v1/notifications?limit=3${cursor ? `&cursor=${cursor}` : ''}`).set(ops).expect(200)
        ).body;
        expect(page.data.length).toBeLessThanOrEqual(3);
        seen.push(...page.data.map((x) => x.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all.map((x) => x.id));

      const bad = await app.http.get('/v1/notifications?status=sent').set(ops).expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      await app.http.get('/v1/notifications?cursor=nonsense').set(ops).expect(400);
      await app.http.get('/v1/notifications?limit=0').set(ops).expect(400);
    });

    it('retry of an unknown notification: 404 NOTIFICATION_NOT_FOUND', async () => {
      for (const id of ['6f1d2c3b-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const r = await app.http.post(`/v1/notifications/${id}/retry`).set(ops).expect(404);
        expect(r.body.error.code).toBe('NOTIFICATION_NOT_FOUND');
      }
    });

    it('the routes are in the OpenAPI document', async () => {
      const doc = (await app.http.get('/docs-json').expect(200)).body;
      expect(doc.paths['/v1/notifications']).toHaveProperty('get');
      expect(doc.paths['/v1/notifications/{id}/retry']).toHaveProperty('post');
    });
  });
});

describe('outbound notifications with two service instances on one database', () => {
  const receiver = new Receiver();
  let db: ServerDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    await receiver.start();
    process.env.NOTIFICATION_RETRY_SCALE = '0.01';
    db = await serverDatabase();
    const env = { ...db.env, MERCHANT_WEBHOOK_URL: receiver.url, MERCHANT_WEBHOOK_SECRET: SECRET };
    a = await startTestApp(env, db);
    b = await startTestApp(env, db);
  });
  afterAll(async () => {
    delete process.env.NOTIFICATION_RETRY_SCALE;
    await b?.stop();
    await a?.stop();
    await db?.drop();
    await receiver.stop();
  });

  it('each notification is attempted once per scheduled try, by one instance: no double deliveries', async () => {
    const orders: Array<Awaited<ReturnType<typeof createOrder>>> = [];
    for (let i = 0; i < 16; i++) orders.push(await createOrder(i % 2 ? a.http : b.http, { customer_id: `notify-replica-${i}` }));
    // Half the orders: the receiver fails the first attempt, so the retry is scheduled and claimed too.
    orders.forEach((o, i) => i % 2 === 0 && receiver.plans.set(o.id, [500]));
    for (const [i, o] of orders.entries()) await simulate(i % 2 ? b.http : a.http, o.gateway_invoice_id, 'success').expect(200);
    const notificationsOf = async (http: TestApp['http'], orderId: string): Promise<Notification[]> =>
      (await http.get(`/v1/notifications?order_id=${orderId}`).set(ops).expect(200)).body.data;
    await waitFor('every notification delivered', async () => {
      for (const o of orders) {
        const ns = await notificationsOf(a.http, o.id);
        if (ns.length !== 1 || ns[0].status !== 'delivered') return false;
      }
      return true;
    }, 60_000, 250);
    await sleep(1500);
    expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
    for (const [i, o] of orders.entries()) {
      const [n] = await notificationsOf(b.http, o.id);
      expect(receiver.of(o.id).map((d) => [d.id, d.answered])).toEqual(i % 2 === 0 ? [[n.id, 500], [n.id, 200]] : [[n.id, 200]]);
      expect(n.attempts).toBe(i % 2 === 0 ? 2 : 1);
    }
  });
});
