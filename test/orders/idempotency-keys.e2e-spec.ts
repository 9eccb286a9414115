import { DataSource } from 'typeorm';
import { JobsService } from '../../src/jobs/jobs.service';
import { IDEMPOTENCY_SWEEP_QUEUE } from '../../src/orders/idempotency.service';
import { startTestApp, storefront, TestApp, waitFor } from '../support/app';

const body = (customer: string, amount = '10.00') => ({ amount, currency: 'UAH', customer_id: customer });

/**
 * Idempotency-Keys are kept at least 24 h (docs/api.md section 3.2) and cleaned after 48 h by a
 * scheduled pg-boss job. Rows are aged in the database; the job is run through its queue.
 */
describe('Idempotency-Key retention', () => {
  let app: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    app = await startTestApp();
    ds = app.app.get(DataSource);
  });
  afterAll(async () => {
    await app?.close();
  });

  const create = (key: string, b: Record<string, unknown>) => app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', key).send(b);
  const age = (key: string, hours: number) => ds.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $2) WHERE key = $1`, [key, hours]);
  const keys = async () => ((await ds.query(`SELECT key FROM idempotency_keys WHERE key LIKE 'keep-%' ORDER BY key`)) as Array<{ key: string }>).map((r) => r.key);

  it('the sweep runs on a schedule', async () => {
    const rows = await ds.query(`SELECT cron FROM pgboss.schedule WHERE name = $1`, [IDEMPOTENCY_SWEEP_QUEUE]);
    expect(rows).toEqual([{ cron: '17 * * * *' }]);
  });

  it('keys older than 48 h are removed (and then mean nothing); younger ones, and a call still running, are kept', async () => {
    const fresh = await create('keep-fresh', body('keep-fresh')).expect(201);
    const day = await create('keep-25h', body('keep-25h')).expect(201);
    const old = await create('keep-49h', body('keep-49h')).expect(201);
    // A claim whose call is still running (its lease not over) is kept whatever its age.
    await ds.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, state, locked_until) VALUES ('sk', 'keep-49h-running', repeat('0', 64), 'in_progress', now() + interval '1 minute')`,
    );
    await age('keep-25h', 25);
    await age('keep-49h', 49);
    await age('keep-49h-running', 49);
    expect(await keys()).toEqual(['keep-25h', 'keep-49h', 'keep-49h-running', 'keep-fresh']);

    await app.app.get(JobsService).send(IDEMPOTENCY_SWEEP_QUEUE, {});
    await waitFor('the sweep job to remove the old key', async () => !(await keys()).includes('keep-49h'), 60_000, 200);
    expect(await keys()).toEqual(['keep-25h', 'keep-49h-running', 'keep-fresh']);

    // Kept keys still replay; the removed one is a new key again: another body makes a new order.
    expect((await create('keep-25h', body('keep-25h')).expect(201)).body.id).toBe(day.body.id);
    expect((await create('keep-fresh', body('keep-fresh')).expect(201)).body.id).toBe(fresh.body.id);
    const reused = await create('keep-49h', body('keep-49h', '20.00')).expect(201);
    expect(reused.body.id).not.toBe(old.body.id);
  });
});
