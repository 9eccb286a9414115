import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RetentionService } from '../../src/retention/retention.service';
import { startTestApp, TestApp } from '../support/app';

// Retention: rows are aged in the database, one sweep runs, and exactly the eligible ones are gone
// (RETENTION_DAYS=30 here; a second app with the default 0 keeps everything). Idempotency keys have
// their own sweep (test/orders).

jest.setTimeout(120_000);

const OLD = `now() - interval '40 days'`;
const RECENT = `now() - interval '1 day'`;

/** The value of one counter sample, 0 when absent. */
async function deletedTotal(app: TestApp, table: string): Promise<number> {
  const text = (await app.http.get('/metrics').expect(200)).text;
  const m = new RegExp(`^payments_retention_deleted_total\\{table="${table}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The rows of the world the sweep looks at, each named so the test can say which must stay. */
async function seed(ds: DataSource) {
  const q = (sql: string, values: unknown[] = []) => ds.query(sql, values);
  const order = async (name: string, o: { status: string; created?: string; updated?: string; exception?: string; resolved?: boolean; recheckDue?: boolean }) => {
    const id = randomUUID();
    const created = o.created ?? OLD;
    await q(
      `INSERT INTO orders (id, external_id, provider, status, amount, currency, customer_id, created_at, updated_at, exception, exception_resolved_at, paid_at, paid_rechecked_at)
       VALUES ($1, $2, 'eccaex', $3, 1500.00, 'UAH', 'c1', ${created}, ${o.updated ?? created}, $4, ${o.resolved ? RECENT : 'NULL'},
               ${o.status === 'paid' ? created : 'NULL'}, ${o.status === 'paid' && !o.recheckDue ? created : 'NULL'})`,
      [id, `ret-${name}-${id.slice(0, 8)}`, o.status, o.exception ?? null],
    );
    // Two timeline events, as old as the order.
    const events: string[] = [];
    for (const [type, to, key] of [
      ['order.created', 'pending', 'created'],
      ['order.status_changed', o.status, `status:${o.status}`],
    ]) {
      const [e] = await q(`INSERT INTO order_events (order_id, type, to_status, source, dedupe_key, created_at) VALUES ($1, $2, $3, 'api', $4, ${created}) RETURNING id`, [id, type, to, key]);
      events.push(e.id);
    }
    return { id, events };
  };
  const notification = async (name: string, orderId: string, eventId: string, status: string, created: string, attempts = 0) => {
    const [n] = await q(
      `INSERT INTO notifications (order_id, event_id, type, payload, body, status, retry_until, created_at) VALUES ($1, $2, 'order.paid', '{}', '{}', $3, now(), ${created}) RETURNING id`,
      [orderId, eventId, status],
    );
    for (let t = 1; t <= attempts; t++) await q(`INSERT INTO notification_attempts (notification_id, try_number, http_status, duration_ms, created_at) VALUES ($1, $2, 500, 5, ${created})`, [n.id, t]);
    return n.id as string;
  };
  const callback = async (name: string, status: string, received: string, conflictOf: string | null = null) => {
    const [r] = await q(
      `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, status, conflict_of, received_at)
       VALUES ('eccaex', $1, repeat('a', 64), '\\x7b7d', $2, $3, ${received}) RETURNING id`,
      [`ret-${name}-${randomUUID()}`, status, conflictOf],
    );
    return r.id as string;
  };

  const orders = {
    finalOld: await order('final-old', { status: 'paid' }),
    failedOld: await order('failed-old', { status: 'failed' }),
    finalRecentlyChanged: await order('final-recent-change', { status: 'paid', updated: RECENT }),
    young: await order('young', { status: 'paid', created: RECENT }),
    open: await order('open', { status: 'awaiting_payment' }),
    exceptionOpen: await order('exception-open', { status: 'paid', exception: 'overpaid' }),
    exceptionResolved: await order('exception-resolved', { status: 'paid', exception: 'overpaid', resolved: true }),
    recheckDue: await order('recheck-due', { status: 'paid', recheckDue: true }),
    notified: await order('notified', { status: 'expired' }),
  };
  const n = orders.notified;
  const notifications = {
    deliveredOld: await notification('delivered-old', n.id, n.events[1]!, 'delivered', OLD, 2),
    failedOld: await notification('failed-old', orders.failedOld.id, orders.failedOld.events[1]!, 'failed', OLD, 1),
    abandonedOld: await notification('abandoned-old', orders.finalOld.id, orders.finalOld.events[1]!, 'abandoned', OLD),
    // Still on its way: it and the event it names stay, however old.
    pendingOld: await notification('pending-old', n.id, n.events[0]!, 'pending', OLD, 3),
    deliveringOld: await notification('delivering-old', orders.open.id, orders.open.events[1]!, 'delivering', OLD),
    deliveredRecent: await notification('delivered-recent', orders.young.id, orders.young.events[1]!, 'delivered', RECENT),
  };
  const original = await callback('conflicted', 'processed', OLD);
  const callbacks = {
    processedOld: await callback('processed-old', 'processed', OLD),
    unmatchedOld: await callback('unmatched-old', 'unmatched', OLD),
    failedOld: await callback('failed-old', 'failed', OLD),
    receivedOld: await callback('received-old', 'received', OLD),
    processedRecent: await callback('processed-recent', 'processed', RECENT),
    conflictedOriginal: original,
    conflict: await callback('conflict', 'conflict', OLD, original),
  };
  // More than one batch (RETENTION_BATCH_SIZE=100).
  await q(
    `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, status, received_at)
     SELECT 'eccaex', 'ret-bulk-' || i, repeat('c', 64), '\\x7b7d', 'processed', now() - interval '40 days' - i * interval '1 minute' FROM generate_series(1, 250) AS i`,
  );
  return { orders, notifications, callbacks };
}

type World = Awaited<ReturnType<typeof seed>>;

async function present(ds: DataSource, table: string, column: string, ids: string[]): Promise<Set<string>> {
  const rows: Array<{ v: string }> = await ds.query(`SELECT ${column}::text AS v FROM ${table} WHERE ${column}::text = ANY($1::text[])`, [ids]);
  return new Set(rows.map((r) => r.v));
}

describe('retention with RETENTION_DAYS=30', () => {
  let app: TestApp;
  let ds: DataSource;
  let world: World;

  beforeAll(async () => {
    app = await startTestApp({ RETENTION_DAYS: '30', RETENTION_BATCH_SIZE: '100' });
    ds = app.app.get(DataSource);
    world = await seed(ds);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('deletes exactly the settled rows past the window, oldest first in bounded batches, and counts them', async () => {
    const before = {
      inbox: await deletedTotal(app, 'webhook_inbox'),
      events: await deletedTotal(app, 'order_events'),
      notifications: await deletedTotal(app, 'notifications'),
      attempts: await deletedTotal(app, 'notification_attempts'),
    };
    await app.app.get(RetentionService).run();
    const { orders: o, notifications: n, callbacks: c } = world;

    // Stored callbacks: settled and old go (the 250 bulk rows too); received, recent and the conflict pair stay.
    const inbox = await present(ds, 'webhook_inbox', 'id', Object.values(c));
    expect(inbox).toEqual(new Set([c.receivedOld, c.processedRecent, c.conflictedOriginal, c.conflict]));
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM webhook_inbox WHERE idempotency_key LIKE 'ret-bulk-%'`))[0].n)).toBe(0);

    // Notifications: finished and old go, with their attempts; on their way or recent stay.
    expect(await present(ds, 'notifications', 'id', Object.values(n))).toEqual(new Set([n.pendingOld, n.deliveringOld, n.deliveredRecent]));
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM notification_attempts WHERE notification_id = ANY($1::uuid[])`, [[n.deliveredOld, n.failedOld]]))[0].n)).toBe(0);
    expect(Number((await ds.query(`SELECT count(*)::int AS n FROM notification_attempts WHERE notification_id = $1`, [n.pendingOld]))[0].n)).toBe(3);

    // Timelines: only final orders unchanged for the window, without an open exception or a due re-check;
    // an event a kept notification names stays.
    const events = (x: { events: string[] }) => x.events;
    const kept = await present(ds, 'order_events', 'id', Object.values(o).flatMap(events));
    const expected = new Set([
      ...events(o.finalRecentlyChanged),
      ...events(o.young),
      ...events(o.open),
      ...events(o.exceptionOpen),
      ...events(o.recheckDue),
      o.notified.events[0]!, // named by the pending notification
    ]);
    expect(kept).toEqual(expected);
    // Orders themselves are never deleted.
    expect((await present(ds, 'orders', 'id', Object.values(o).map((x) => x.id))).size).toBe(Object.keys(o).length);

    // The metric counts every deleted row by table (a scheduled run meanwhile would only share the work).
    expect((await deletedTotal(app, 'webhook_inbox')) - before.inbox).toBe(3 + 250);
    expect((await deletedTotal(app, 'notifications')) - before.notifications).toBe(3);
    expect((await deletedTotal(app, 'notification_attempts')) - before.attempts).toBe(3);
    expect((await deletedTotal(app, 'order_events')) - before.events).toBe(2 + 2 + 2 + 1);
  });

  it('a second run finds nothing more, and its walk over old orders starts again from the oldest', async () => {
    const r = await app.app.get(RetentionService).run();
    expect(r.deleted).toEqual({ webhook_inbox: 0, order_events: 0, notifications: 0, notification_attempts: 0 });
    expect(r.ordersExamined).toBeGreaterThanOrEqual(8);
    expect(r.more).toBe(false);
    const [cursor] = await ds.query(`SELECT created_at::text AS at FROM retention_cursors WHERE name = 'order_events'`);
    expect(cursor.at).toBe('-infinity');
  });

  it('an order whose exception is resolved later loses its timeline on a later run', async () => {
    const id = world.orders.exceptionOpen.id;
    await ds.query(`UPDATE orders SET exception_resolved_at = now() WHERE id = $1`, [id]);
    await app.app.get(RetentionService).run();
    expect((await present(ds, 'order_events', 'id', world.orders.exceptionOpen.events)).size).toBe(0);
  });

  it('walks past more orders than a batch that share one creation time (to the microsecond)', async () => {
    // One statement: one now(), so 150 orders (RETENTION_BATCH_SIZE=100) with the very same created_at.
    await ds.query(
      `WITH o AS (
         INSERT INTO orders (id, external_id, provider, status, amount, currency, customer_id, created_at, updated_at)
         SELECT gen_random_uuid(), 'ret-same-' || i, 'eccaex', 'canceled', 10.00, 'UAH', 'c2', now() - interval '40 days', now() - interval '40 days'
           FROM generate_series(1, 150) AS i RETURNING id, created_at)
       INSERT INTO order_events (order_id, type, to_status, source, dedupe_key, created_at) SELECT id, 'order.created', 'pending', 'api', 'created', created_at FROM o`,
    );
    await app.app.get(RetentionService).run();
    const [left] = await ds.query(`SELECT count(*)::int AS n FROM order_events e JOIN orders o ON o.id = e.order_id WHERE o.external_id LIKE 'ret-same-%'`);
    expect(left.n).toBe(0);
  });
});

describe('retention with the default RETENTION_DAYS=0', () => {
  let app: TestApp;
  let ds: DataSource;
  let world: World;

  beforeAll(async () => {
    app = await startTestApp();
    ds = app.app.get(DataSource);
    world = await seed(ds);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('keeps every callback, timeline event and notification', async () => {
    await app.app.get(RetentionService).run();
    const { orders: o, notifications: n, callbacks: c } = world;
    expect((await present(ds, 'webhook_inbox', 'id', Object.values(c))).size).toBe(Object.keys(c).length);
    expect((await present(ds, 'notifications', 'id', Object.values(n))).size).toBe(Object.keys(n).length);
    expect((await present(ds, 'order_events', 'id', Object.values(o).flatMap((x) => x.events))).size).toBe(Object.keys(o).length * 2);
  });
});
