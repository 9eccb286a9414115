import { DataSource } from 'typeorm';
import { OrdersRepository } from '../../src/orders/orders.repository';
import { WebhookInboxRepository } from '../../src/webhooks/webhook-inbox.repository';
import { Observation } from '../../src/orders/domain/decide';
import { startTestApp, TestApp } from '../support/app';
import { createOrder } from '../support/callbacks';

/**
 * The one-statement order change (applyOptimistic): it writes only when the row is still the
 * version that was read, and then writes everything or nothing; a stale read writes nothing and
 * says so (null), so the caller falls back to the locking path.
 */
let app: TestApp;
let ds: DataSource;
let repo: OrdersRepository;

beforeAll(async () => {
  app = await startTestApp();
  ds = app.app.get(DataSource);
  repo = app.app.get(OrdersRepository);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

/** The gateway's word that the order's invoice (as createOrder makes it: 1500.00 UAH) is paid. */
const paid = (order: { gateway_invoice_id: string; external_id: string }): Observation => ({
  kind: 'gateway_state',
  status: 'success',
  rawStatus: 'success',
  invoiceId: order.gateway_invoice_id,
  paymentLink: null,
  expiresAt: null,
  finishedAt: new Date().toISOString(),
  payment: null,
  terms: { external_id: order.external_id, amount: '1500.00', currency: 'UAH' },
});

async function versioned(orderId: string) {
  const found = await repo.findForCallbacks([{ key: 'k', provider: 'eccaex', invoiceId: null, externalId: (await ds.query(`SELECT external_id FROM orders WHERE id = $1`, [orderId]))[0].external_id }]);
  return found.get('k')!;
}

const counts = async (orderId: string) =>
  (
    await ds.query(
      `SELECT (SELECT status FROM orders WHERE id = $1) AS status,
              (SELECT count(*)::int FROM order_events WHERE order_id = $1) AS events,
              (SELECT count(*)::int FROM notifications WHERE order_id = $1) AS notifications,
              (SELECT count(*)::int FROM probe WHERE order_id = $1) AS extra`,
      [orderId],
    )
  )[0];

const extraPart = (orderId: string) => () => [{ name: 'probe_row', sql: `INSERT INTO probe (order_id) SELECT $1::uuid WHERE EXISTS (SELECT 1 FROM upd)`, values: [orderId] }];

describe('applyOptimistic', () => {
  beforeAll(async () => {
    await ds.query(`CREATE TABLE probe (order_id uuid NOT NULL)`);
  });

  it('writes the change, its events and the extra parts in one statement when the row is as read', async () => {
    const order = await createOrder(app.http);
    const before = await counts(order.id);
    const { order: read, version } = await versioned(order.id);
    const change = await repo.applyOptimistic(read, version, 'webhook', paid(order), extraPart(order.id));
    expect(change).not.toBeNull();
    expect(change!.order.status).toBe('paid');
    expect(change!.events.map((e) => e.type)).toContain('order.status_changed');
    const after = await counts(order.id);
    expect(after).toEqual({ status: 'paid', events: before.events + change!.events.length, notifications: before.notifications, extra: 1 });
  });

  it('writes nothing and answers null when the row changed since it was read; the locking path then applies it once', async () => {
    const order = await createOrder(app.http);
    const { order: read, version } = await versioned(order.id);
    await ds.query(`UPDATE orders SET last_checked_at = now() WHERE id = $1`, [order.id]); // another writer
    const before = await counts(order.id);
    expect(await repo.applyOptimistic(read, version, 'webhook', paid(order), extraPart(order.id))).toBeNull();
    expect(await counts(order.id)).toEqual(before);
    const change = await repo.apply(order.id, 'webhook', () => paid(order));
    expect(change.order.status).toBe('paid');
    // The same news again, on a fresh read: nothing changes, the extra part is still written (settled).
    const afterLock = await counts(order.id);
    const again = await versioned(order.id);
    const second = await repo.applyOptimistic(again.order, again.version, 'webhook', paid(order), extraPart(order.id));
    expect(second!.events).toEqual([]);
    expect(await counts(order.id)).toEqual({ ...afterLock, extra: afterLock.extra + 1 });
  });

  it('on a stale version writes none of the extra parts, even one that does not check the version itself', async () => {
    const inbox = app.app.get(WebhookInboxRepository);
    const order = await createOrder(app.http);
    // The news on an order awaiting payment (a change), then on the order once paid (no change).
    for (const step of ['change', 'no change'] as const) {
      if (step === 'no change') await repo.apply(order.id, 'webhook', () => paid(order));
      const { order: read, version } = await versioned(order.id);
      await ds.query(`UPDATE orders SET last_checked_at = now() WHERE id = $1`, [order.id]); // another writer
      const [row] = await ds.query(
        `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
         VALUES ('eccaex', $1, 'h', ''::bytea, '{}'::jsonb, $2, $3, 'received') RETURNING id`,
        [`stale-${step}-${order.id}`, order.gateway_invoice_id, order.external_id],
      );
      const before = await counts(order.id);
      // The callback processor's own part: a plain UPDATE of the callback row, no version check of its own.
      const settle = () => [inbox.finishPart(row.id, 'processed', { order_id: order.id, outcome: { to_status: 'paid' }, error: null })];
      expect([step, await repo.applyOptimistic(read, version, 'webhook', paid(order), settle)]).toEqual([step, null]);
      const [callback] = await ds.query(`SELECT status, processed_at, attempts, order_id FROM webhook_inbox WHERE id = $1`, [row.id]);
      expect([step, callback]).toEqual([step, { status: 'received', processed_at: null, attempts: 0, order_id: null }]);
      expect(await counts(order.id)).toEqual(before);
    }
  });

  it('of two writers holding the same read, exactly one applies', async () => {
    const order = await createOrder(app.http);
    const { order: read, version } = await versioned(order.id);
    const results = await Promise.all([1, 2, 3, 4].map(() => repo.applyOptimistic(read, version, 'webhook', paid(order), extraPart(order.id))));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const transitions = await ds.query(`SELECT count(*)::int AS n FROM order_events WHERE order_id = $1 AND to_status = 'paid'`, [order.id]);
    expect(transitions[0].n).toBe(1);
    expect((await counts(order.id)).extra).toBe(1);
  });

  it('a failing part rolls the whole statement back', async () => {
    const order = await createOrder(app.http);
    const { order: read, version } = await versioned(order.id);
    const before = await counts(order.id);
    const broken = () => [{ name: 'broken', sql: `INSERT INTO probe (order_id) SELECT NULL::uuid WHERE EXISTS (SELECT 1 FROM upd)`, values: [] }];
    await expect(repo.applyOptimistic(read, version, 'webhook', paid(order), broken)).rejects.toThrow(/null value/);
    expect(await counts(order.id)).toEqual(before);
  });

  it('changes of different orders made at the same time share a statement, each written as if alone', async () => {
    const orders = await Promise.all(Array.from({ length: 16 }, () => createOrder(app.http)));
    const reads = await Promise.all(orders.map((o) => versioned(o.id)));
    const before = await Promise.all(orders.map((o) => counts(o.id)));
    const spy = jest.spyOn(ds, 'query');
    try {
      const changes = await Promise.all(orders.map((o, i) => repo.applyOptimistic(reads[i]!.order, reads[i]!.version, 'webhook', paid(o), extraPart(o.id))));
      const statements = spy.mock.calls.filter(([sql]) => /^(\/\* unprepared \*\/ )?WITH (c\d+_)?upd AS/.test(String(sql)));
      // Group commit: fewer statements than orders (two go at once, the rest wait and go together).
      expect(statements.length).toBeLessThan(orders.length);
      for (const [i, change] of changes.entries()) {
        expect(change?.order.status).toBe('paid');
        expect(change!.events.map((e) => e.type)).toContain('order.status_changed');
        expect(change!.events.every((e) => e.order_id === orders[i]!.id)).toBe(true);
        expect(await counts(orders[i]!.id)).toEqual({ status: 'paid', events: before[i]!.events + change!.events.length, notifications: before[i]!.notifications, extra: 1 });
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('in a shared statement, an order that moved, an order named twice and a failing part stay their own', async () => {
    const orders = await Promise.all(Array.from({ length: 8 }, () => createOrder(app.http)));
    const reads = await Promise.all(orders.map((o) => versioned(o.id)));
    const before = await Promise.all(orders.map((o) => counts(o.id)));
    const [moved, twice, broken] = orders;
    await ds.query(`UPDATE orders SET last_checked_at = now() WHERE id = $1`, [moved!.id]); // another writer
    const brokenPart = () => [{ name: 'broken', sql: `INSERT INTO probe (order_id) SELECT NULL::uuid WHERE EXISTS (SELECT 1 FROM upd)`, values: [] }];
    const run = (i: number, extra = extraPart(orders[i]!.id)) => repo.applyOptimistic(reads[i]!.order, reads[i]!.version, 'webhook', paid(orders[i]!), extra);
    // Two first, to hold both statements in flight; the rest wait and are written together.
    const results = await Promise.allSettled([run(3), run(4), run(0), run(1), run(1), run(2, brokenPart), run(5), run(6), run(7)]);
    const [r3, r4, rMoved, rTwiceA, rTwiceB, rBroken, ...rest] = results;
    expect(rMoved).toEqual({ status: 'fulfilled', value: null });
    expect(await counts(moved!.id)).toEqual(before[0]);
    expect([rTwiceA, rTwiceB].filter((r) => r.status === 'fulfilled' && r.value !== null)).toHaveLength(1);
    expect(await counts(twice!.id)).toMatchObject({ status: 'paid', extra: 1 });
    expect(rBroken.status).toBe('rejected');
    expect(String((rBroken as PromiseRejectedResult).reason)).toMatch(/null value/);
    expect(await counts(broken!.id)).toEqual(before[2]);
    for (const [k, r] of [r3, r4, ...rest].entries()) {
      const i = [3, 4, 5, 6, 7][k]!;
      expect(r.status === 'fulfilled' && r.value?.order.status).toBe('paid');
      expect(await counts(orders[i]!.id)).toMatchObject({ status: 'paid', extra: 1 });
    }
  });

  describe('changes of one shape, as rows of one statement', () => {
    /** A stored callback for the order, as the intake keeps it (status received). */
    const storeCallback = async (order: { id: string; gateway_invoice_id: string; external_id: string }, tag: string) =>
      (
        await ds.query(
          `INSERT INTO webhook_inbox (provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
           VALUES ('eccaex', $1, 'h', ''::bytea, '{}'::jsonb, $2, $3, 'received') RETURNING id`,
          [`${tag}-${order.id}`, order.gateway_invoice_id, order.external_id],
        )
      )[0].id as string;
    const callback = async (id: string) => (await ds.query(`SELECT status, order_id, outcome, attempts, processed_at IS NOT NULL AS processed FROM webhook_inbox WHERE id = $1`, [id]))[0];
    /** The statement of rows (its text is the same for every batch of its shape). */
    const isRows = (sql: unknown) => /^WITH upd AS \(UPDATE orders o SET /.test(String(sql));
    const settle = (inboxId: string, orderId: string, i: number) => () => [
      app.app.get(WebhookInboxRepository).finishPart(inboxId, 'processed', { order_id: orderId, outcome: { n: i, note: `"quoted" \\ {braced}, [${i}]` }, error: null }),
    ];
    /** Paid with more than was asked: the change has two events (paid, then the exception), in that order. */
    const overpaid = (order: { gateway_invoice_id: string; external_id: string }): Observation => ({
      ...paid(order),
      figures: { expected: { amount: '1500.00', unit: 'UAH' }, received: { amount: '1600.00', unit: 'UAH' } },
    } as Observation);

    it('writes each order, its events in their order and each part row as if alone, in fewer statements than orders', async () => {
      const orders = await Promise.all(Array.from({ length: 16 }, () => createOrder(app.http)));
      const reads = await Promise.all(orders.map((o) => versioned(o.id)));
      const inbox = await Promise.all(orders.map((o) => storeCallback(o, 'rows')));
      const before = await Promise.all(orders.map((o) => counts(o.id)));
      const spy = jest.spyOn(ds, 'query');
      let changes;
      try {
        changes = await Promise.all(
          orders.map((o, i) => repo.applyOptimistic(reads[i]!.order, reads[i]!.version, 'webhook', i % 2 ? overpaid(o) : paid(o), settle(inbox[i]!, o.id, i))),
        );
        const rowStatements = spy.mock.calls.filter(([sql]) => isRows(sql));
        expect(rowStatements.length).toBeGreaterThan(0);
        expect(spy.mock.calls.filter(([sql]) => /^(\/\* unprepared \*\/ )?WITH (c\d+_)?upd AS/.test(String(sql))).length).toBeLessThan(orders.length);
        // One text for batches of any size: Postgres prepares it once per connection.
        expect(new Set(rowStatements.map(([sql]) => sql)).size).toBeLessThanOrEqual(2);
      } finally {
        spy.mockRestore();
      }
      expect(changes.filter((c) => (c?.events.length ?? 0) >= 2).length).toBeGreaterThan(0);
      for (const [i, change] of changes.entries()) {
        const order = orders[i]!;
        expect(change?.order.status).toBe('paid');
        expect(await counts(order.id)).toEqual({ ...before[i]!, status: 'paid', events: before[i]!.events + change!.events.length });
        const timeline = await ds.query(`SELECT id, type FROM order_events WHERE order_id = $1 ORDER BY seq`, [order.id]);
        expect(timeline.slice(-change!.events.length).map((e: { id: string }) => e.id)).toEqual(change!.events.map((e) => e.id));
        expect(await callback(inbox[i]!)).toEqual({ status: 'processed', order_id: order.id, outcome: { n: i, note: `"quoted" \\ {braced}, [${i}]` }, attempts: 1, processed: true });
        const [row] = await ds.query(`SELECT status, paid_at IS NOT NULL AS paid, exception, payment IS NOT NULL AS payment FROM orders WHERE id = $1`, [order.id]);
        expect(row).toEqual({ status: 'paid', paid: true, exception: change!.order.exception ?? null, payment: change!.order.payment !== null && change!.order.payment !== undefined });
      }
    });

    it('an order that moved makes the statement write nothing; each is then written alone, the moved one not at all', async () => {
      const orders = await Promise.all(Array.from({ length: 8 }, () => createOrder(app.http)));
      const reads = await Promise.all(orders.map((o) => versioned(o.id)));
      const inbox = await Promise.all(orders.map((o) => storeCallback(o, 'rows-moved')));
      const before = await Promise.all(orders.map((o) => counts(o.id)));
      const moved = 5;
      await ds.query(`UPDATE orders SET last_checked_at = now() WHERE id = $1`, [orders[moved]!.id]); // another writer
      const spy = jest.spyOn(ds, 'query');
      let results;
      try {
        // The first two go at once, each alone; the rest wait for them and go together, as rows.
        results = await Promise.all(orders.map((o, i) => repo.applyOptimistic(reads[i]!.order, reads[i]!.version, 'webhook', paid(o), settle(inbox[i]!, o.id, i))));
        const rows = spy.mock.results.filter((_r, k) => isRows(spy.mock.calls[k]![0]));
        expect(rows.length).toBeGreaterThan(0);
        await expect(Promise.all(rows.map((r) => r.value))).rejects.toThrow(/stale order version/);
      } finally {
        spy.mockRestore();
      }
      for (const [i, r] of results.entries()) {
        if (i === moved) {
          expect(r).toBeNull();
          expect(await counts(orders[i]!.id)).toEqual(before[i]);
          expect(await callback(inbox[i]!)).toEqual({ status: 'received', order_id: null, outcome: null, attempts: 0, processed: false });
        } else {
          expect(r?.order.status).toBe('paid');
          expect(await counts(orders[i]!.id)).toMatchObject({ status: 'paid', events: before[i]!.events + 1 });
          expect(await callback(inbox[i]!)).toMatchObject({ status: 'processed', order_id: orders[i]!.id, attempts: 1 });
        }
      }
    });

    it('news that changes nothing still settles each part once, and only where the row is as read', async () => {
      const orders = await Promise.all(Array.from({ length: 6 }, () => createOrder(app.http)));
      for (const o of orders) await repo.apply(o.id, 'webhook', () => paid(o));
      const reads = await Promise.all(orders.map((o) => versioned(o.id)));
      const inbox = await Promise.all(orders.map((o) => storeCallback(o, 'rows-same')));
      const before = await Promise.all(orders.map((o) => counts(o.id)));
      const results = await Promise.all(orders.map((o, i) => repo.applyOptimistic(reads[i]!.order, reads[i]!.version, 'webhook', paid(o), settle(inbox[i]!, o.id, i))));
      for (const [i, r] of results.entries()) {
        expect(r?.events).toEqual([]);
        expect(await counts(orders[i]!.id)).toEqual(before[i]);
        expect(await callback(inbox[i]!)).toMatchObject({ status: 'processed', attempts: 1 });
      }
    });
  });
});

