import { createHash, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadSettings } from '../../src/config/settings';
import { openDatabase } from '../../src/database/database';
import { PGBOSS_10_SCHEMA } from '../../src/jobs/jobs.service';
import { startTestApp, TestApp, testEnv, waitFor } from '../support/app';
import { callbackBody, createOrder, inbox, sandboxWebhooks, simulate, waitForStatus } from '../support/callbacks';

/**
 * A database last run under pg-boss 10 (schema version 24, which pg-boss 11 and later cannot
 * migrate) with a callback stored and its processing job still queued: the upgraded service
 * starts, and that job still runs and pays the order.
 */
let app: TestApp | undefined;

afterAll(async () => {
  await app?.close();
});

it('starts on a pg-boss 10 schema and runs the callback job it had queued: the order is paid', async () => {
  const first = await startTestApp();
  app = first;
  const order = await createOrder(first.http);
  // The gateway has it paid, and its own callback does not come: only the stored one can tell.
  await sandboxWebhooks(first.http, false).expect(200);
  await simulate(first.http, order.gateway_invoice_id, 'success').expect(200);
  const port = Number(new URL(first.url).port);
  await first.stop();

  // As pg-boss 10 left the database: its schema (the columns read here) with the callback's job queued.
  const body = callbackBody(order, 'success');
  const inboxId = randomUUID();
  const db = await openDatabase(loadSettings(testEnv(port, first.database)));
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(`INSERT INTO webhook_inbox (id, provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
                   VALUES ($1, 'eccaex', $2, $3, $4, '{}'::jsonb, $5, $6, 'received')`,
      [inboxId, `upgrade-${inboxId}`, createHash('sha256').update(body).digest('hex'), Buffer.from(body), order.gateway_invoice_id, order.external_id]);
    await c.query(`DROP SCHEMA pgboss CASCADE`);
    await c.query(`CREATE SCHEMA pgboss`);
    await c.query(`CREATE TABLE pgboss.version (version int PRIMARY KEY)`);
    await c.query(`INSERT INTO pgboss.version VALUES (24)`);
    await c.query(`CREATE TABLE pgboss.job (id uuid PRIMARY KEY, name text NOT NULL, priority int NOT NULL DEFAULT 0, data jsonb, state text NOT NULL,
                   start_after timestamptz NOT NULL DEFAULT now(), singleton_key text)`);
    await c.query(`INSERT INTO pgboss.job (id, name, data, state) VALUES ($1, 'eccaex-callback', $2, 'created'), ($3, 'eccaex-callback', '{"inboxIds": []}', 'completed')`,
      [randomUUID(), JSON.stringify({ inboxIds: [inboxId] }), randomUUID()]);
  } finally {
    await c.end();
    await db.stop();
  }

  app = await startTestApp({ PORT: String(port) }, first.database);
  await waitForStatus(app.http, order.id, 'paid');
  const row = await waitFor('the stored callback to be processed', async () => (await inbox(app!.http)).find((r) => r.id === inboxId && r.status === 'processed'));
  expect(row.order_id).toBe(order.id);
  // Every job pg-boss 10 still had to run was moved: its schema is gone.
  const [left] = await app.app.get(DataSource).query(`SELECT to_regnamespace($1) AS ns`, [PGBOSS_10_SCHEMA]);
  expect(left.ns).toBeNull();
});
