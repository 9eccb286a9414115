import { startTestApp, TestApp, waitFor } from '../support/app';
import { callbackBody, createOrder, eventsOf, inbox, orderOf, postCallback, sandboxWebhooks, simulate } from '../support/callbacks';
import { startDbProxy } from '../support/db-proxy';
import { serverDatabase, ServerDatabase } from '../support/shared-db';

const EXPECTED: Record<string, string> = { success: 'paid', fail: 'failed', expire: 'expired', cancel: 'canceled' };

async function inBatches<T, R>(items: T[], size: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((t, j) => fn(t, i + j)))));
  return out;
}

describe('two service instances on one database', () => {
  let db: ServerDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await serverDatabase();
    a = await startTestApp(db.env, db);
    b = await startTestApp(db.env, db);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await db?.drop();
  });

  it('share the callbacks of 200 orders, each delivered to both: every order right, no double transitions', async () => {
    await sandboxWebhooks(a.http, false);
    await sandboxWebhooks(b.http, false);
    const outcomes = ['success', 'fail', 'expire', 'cancel'];
    const orders = await inBatches(Array.from({ length: 200 }, (_, i) => i), 8, (i) => createOrder(i % 2 ? a.http : b.http, { customer_id: `replica-${i}` }));
    await inBatches(orders, 8, (o, i) => simulate(a.http, o.gateway_invoice_id, outcomes[i % 4]).expect(200));
    const replies = await inBatches(orders, 8, (o, i) => {
      const raw = callbackBody(o, outcomes[i % 4]);
      return Promise.all([postCallback(a.http, raw, { key: `r-${o.id}` }), postCallback(b.http, raw, { key: `r-${o.id}` })]);
    });
    expect(replies.flat().every((r) => r.status === 200)).toBe(true);
    expect(replies.filter(([x, y]) => x.body.duplicate === y.body.duplicate)).toHaveLength(0);
    await waitFor('every order settled', async () => {
      const rows = await inBatches(orders, 20, (o) => orderOf(a.http, o.id));
      return rows.every((o, i) => o.status === EXPECTED[outcomes[i % 4]]);
    }, 90_000, 500);
    const timelines = await inBatches(orders, 20, (o) => eventsOf(b.http, o.id));
    for (const [i, events] of timelines.entries()) {
      const changes = events.filter((e) => e.type === 'order.status_changed').map((e) => e.to_status);
      expect(changes).toEqual(['awaiting_payment', EXPECTED[outcomes[i % 4]]]);
    }
  });
});

describe('database down during a callback', () => {
  it('answers 5xx, writes nothing half, and the retry succeeds', async () => {
    const db = await serverDatabase();
    const proxy = await startDbProxy(db.url);
    const app = await startTestApp({ ...db.env, DATABASE_URL: proxy.url }, db);
    try {
      const order = await createOrder(app.http);
      await sandboxWebhooks(app.http, false);
      await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
      const key = `db-down-${order.id}`;
      const raw = callbackBody(order, 'success', { event_id: key });
      await proxy.down();
      const started = Date.now();
      const failed = await postCallback(app.http, raw, { key });
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(failed.body.error.code).toBe('STORAGE_UNAVAILABLE');
      expect(JSON.stringify(failed.body)).not.toMatch(/select|insert|ECONN|stack/i);
      expect(Date.now() - started).toBeLessThan(15_000);
      await proxy.up();
      await waitFor('database back', async () => (await app.http.get('/health/ready')).status === 200, 30_000, 200);
      expect((await inbox(app.http)).filter((e) => e.idempotency_key === key)).toHaveLength(0);
      expect((await orderOf(app.http, order.id)).status).toBe('awaiting_payment');
      const retry = await postCallback(app.http, raw, { key });
      expect(retry.status).toBe(200);
      expect(retry.body.duplicate).toBe(false);
      await waitFor('paid', async () => (await orderOf(app.http, order.id)).status === 'paid', 20_000, 100);
    } finally {
      await app.stop();
      await proxy.close();
      await db.drop();
    }
  });
});
