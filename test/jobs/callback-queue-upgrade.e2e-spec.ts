import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { JobsService } from '../../src/jobs/jobs.service';
import { CALLBACK_QUEUE, legacyCallbackQueue } from '../../src/webhooks/callback-processor.service';
import { startTestApp, TestApp, waitFor } from '../support/app';
import { callbackBody, createOrder, inbox, sandboxWebhooks, simulate, waitForStatus } from '../support/callbacks';

/**
 * Callback jobs went to a queue per gateway (`<gateway>-callback`) before the queue was shared
 * (`gateway-callback`). A job an older version left on its gateway's queue is still worked after
 * the upgrade: the stored callback it names is processed and the order moves.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

it("a job left on the gateway's queue of before is still processed: the order is paid", async () => {
  const order = await createOrder(app.http);
  await sandboxWebhooks(app.http, false).expect(200);
  await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
  const body = callbackBody(order, 'success');
  const inboxId = randomUUID();
  const ds = app.app.get(DataSource);
  await ds.query(
    `INSERT INTO webhook_inbox (id, provider, idempotency_key, payload_hash, raw_body, headers, gateway_order_id, external_id, status)
     VALUES ($1, 'eccaex', $2, $3, $4, '{}'::jsonb, $5, $6, 'received')`,
    [inboxId, `legacy-${inboxId}`, createHash('sha256').update(body).digest('hex'), Buffer.from(body), order.gateway_invoice_id, order.external_id],
  );
  const legacy = legacyCallbackQueue('eccaex');
  expect(legacy).not.toBe(CALLBACK_QUEUE);
  await app.app.get(JobsService).send(legacy, { inboxIds: [inboxId] });
  await waitForStatus(app.http, order.id, 'paid');
  const row = await waitFor('the stored callback to be processed', async () => (await inbox(app.http)).find((r) => r.id === inboxId && r.status === 'processed'));
  expect(row.order_id).toBe(order.id);
});
