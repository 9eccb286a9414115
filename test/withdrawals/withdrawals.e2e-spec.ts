import { DataSource } from 'typeorm';
import { EccaexClient } from '../../src/gateways/eccaex/eccaex.client';
import { JobsService } from '../../src/jobs/jobs.service';
import { toUpsert } from '../../src/withdrawals/withdrawal.mapping';
import { WithdrawalsRepository } from '../../src/withdrawals/withdrawals.repository';
import { randomUUID } from 'node:crypto';
import { ops, startTestApp, storefront, TestApp, waitFor } from '../support/app';

// Starting the app (migrations, embedded Postgres) takes longer than Jest's 5 s default.
jest.setTimeout(120_000);

const PAGE_SIZE = 7;
const NEVER_SOON = '0 0 1 1 *';
const SANDBOX = '/sandbox/eccaex';

type Json = Record<string, unknown>;
interface Withdrawal {
  id: string;
  withdraw_uuid: string;
  withdrawal_method_id: number | null;
  address: string | null;
  address_memo: string | null;
  amount: string;
  network_fee: string | null;
  amount_to_receive: string | null;
  status: string;
  status_group: string | null;
  substatus: string | null;
  external_tx_id: string | null;
  created_at: string | null;
  updated_at: string | null;
  processed_at: string | null;
  synced_at: string;
}

describe('withdrawals mirror', () => {
  let app: TestApp;
  let ds: DataSource;
  const saved: Record<string, string | undefined> = {};

  /** The gateway's own list (every page, newest first), as the sandbox serves it. */
  async function gatewayList(status?: string): Promise<Json[]> {
    const out: Json[] = [];
    for (let page = 1; ; page++) {
      const r = await app.http
        .get(`${SANDBOX}/api/v1/withdrawals`)
        .query({ page, per_page: 500, ...(status ? { status } : {}) })
        .set('X-Api-Key', app.settings.eccaex.apiKey)
        .expect(200);
      out.push(...(r.body.data as Json[]));
      if (page >= r.body.total_pages) return out;
    }
  }

  async function sync(): Promise<{ fetched: number; created: number; updated: number }> {
    const r = await app.http.post('/v1/withdrawals/sync').set(ops);
    expect(r.status).toBe(200);
    return r.body;
  }

  /** Our whole list, following next_cursor. */
  async function ourList(query: Record<string, string> = {}, limit = 200): Promise<Withdrawal[]> {
    const out: Withdrawal[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const r: { body: { data: Withdrawal[]; next_cursor: string | null } } = await app.http
        .get('/v1/withdrawals')
        .query({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) })
        .set(ops)
        .expect(200);
      out.push(...r.body.data);
      cursor = r.body.next_cursor;
      if (!cursor) return out;
    }
    throw new Error('cursor never ended');
  }

  const dbRows = async (): Promise<Map<string, { updated_at: string; synced_at: string }>> =>
    new Map(
      ((await ds.query(`SELECT withdraw_uuid, updated_at::text AS updated_at, synced_at::text AS synced_at FROM withdrawals`)) as Array<{ withdraw_uuid: string; updated_at: string; synced_at: string }>).map(
        (r) => [r.withdraw_uuid, { updated_at: r.updated_at, synced_at: r.synced_at }],
      ),
    );

  const addAtGateway = async (body: Json): Promise<Json> => {
    const r = await app.http.post(`${SANDBOX}/_control/withdrawals`).send(body);
    expect(r.status).toBeLessThan(300);
    return r.body.data as Json;
  };

  const setGatewayStatus = async (uuid: string, status: string, substatus?: string | null): Promise<Json> => {
    const r = await app.http.patch(`${SANDBOX}/_control/withdrawals/${uuid}`).send({ status, ...(substatus !== undefined ? { substatus } : {}) });
    expect(r.status).toBe(200);
    return r.body.data as Json;
  };

  beforeAll(async () => {
    for (const k of ['WITHDRAWALS_SYNC_PAGE_SIZE', 'WITHDRAWALS_SYNC_CRON']) saved[k] = process.env[k];
    process.env.WITHDRAWALS_SYNC_PAGE_SIZE = String(PAGE_SIZE);
    // A schedule that will not fire during the run (so it cannot race the syncs under test), but is registered.
    process.env.WITHDRAWALS_SYNC_CRON = NEVER_SOON;
    app = await startTestApp();
    ds = app.app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await app.http.delete(`${SANDBOX}/_control/faults`);
  });

  describe('authentication', () => {
    it.each([
      ['GET', '/v1/withdrawals'],
      ['GET', '/v1/withdrawals/00000000-0000-4000-8000-000000000000'],
      ['POST', '/v1/withdrawals/sync'],
    ])('%s %s: 401 without a key, 403 with a storefront key', async (method, path) => {
      const call = () => (method === 'GET' ? app.http.get(path) : app.http.post(path));
      const none = await call();
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHENTICATED');
      const wrong = await call().set({ Authorization: 'Bearer not-a-key' });
      expect(wrong.status).toBe(401);
      const sf = await call().set(storefront);
      expect(sf.status).toBe(403);
      expect(sf.body.error.code).toBe('FORBIDDEN');
    });
  });

  it('before any sync the mirror is empty', async () => {
    const r = await app.http.get('/v1/withdrawals').set(ops).expect(200);
    expect(r.body).toEqual({ data: [], next_cursor: null });
  });

  it('a sync over several pages mirrors every gateway withdrawal, field by field', async () => {
    const gateway = await gatewayList();
    expect(gateway.length).toBeGreaterThan(PAGE_SIZE * 3);
    const client = app.app.get(EccaexClient);
    const spy = jest.spyOn(client, 'listWithdrawals');

    const result = await sync();
    expect(result).toEqual({ fetched: gateway.length, created: gateway.length, updated: 0 });
    // every page was read, with the configured page size, oldest first
    expect(spy).toHaveBeenCalledTimes(Math.ceil(gateway.length / PAGE_SIZE));
    expect(spy.mock.calls.map((c) => c[0])).toEqual(
      Array.from({ length: Math.ceil(gateway.length / PAGE_SIZE) }, (_, i) => ({ page: i + 1, per_page: PAGE_SIZE, order: 'asc' })),
    );

    const ours = await ourList();
    expect(ours).toHaveLength(gateway.length);
    expect(new Set(ours.map((w) => w.withdraw_uuid))).toEqual(new Set(gateway.map((g) => g.withdraw_uuid)));
    const byUuid = new Map(ours.map((w) => [w.withdraw_uuid, w]));
    for (const g of gateway) {
      const w = byUuid.get(g.withdraw_uuid as string)!;
      expect({
        withdraw_uuid: w.withdraw_uuid,
        withdrawal_method_id: w.withdrawal_method_id,
        address: w.address,
        address_memo: w.address_memo,
        amount: w.amount,
        network_fee: w.network_fee,
        amount_to_receive: w.amount_to_receive,
        status: w.status,
        substatus: w.substatus,
        external_tx_id: w.external_tx_id,
      }).toEqual({
        withdraw_uuid: g.withdraw_uuid,
        withdrawal_method_id: g.withdrawal_method_id,
        address: g.address,
        address_memo: g.address_memo ?? null,
        amount: g.amount,
        network_fee: g.network_fee,
        amount_to_receive: g.amount_to_receive,
        status: g.status,
        substatus: g.substatus ?? null,
        external_tx_id: g.external_tx_id ?? null,
      });
      expect(Date.parse(w.created_at!)).toBe(Date.parse(g.created_at as string));
      expect(Date.parse(w.updated_at!)).toBe(Date.parse(g.updated_at as string));
      expect(w.processed_at === null ? null : Date.parse(w.processed_at)).toBe(g.processed_at == null ? null : Date.parse(g.processed_at as string));
      expect(typeof w.synced_at).toBe('string');
    }
    // the seeded data has rows with the optional fields left out, and both success spellings
    expect(gateway.some((g) => !('address_memo' in g) && !('substatus' in g) && !('external_tx_id' in g) && !('processed_at' in g))).toBe(true);
    expect(gateway.some((g) => g.status === 'completed')).toBe(true);
  });

  it('a second sync with nothing new changes nothing', async () => {
    const before = await dbRows();
    const result = await sync();
    expect(result).toEqual({ fetched: before.size, created: 0, updated: 0 });
    expect(await dbRows()).toEqual(before);
  });

  it('a status change at the gateway shows after the next sync (updated 1, nothing else touched)', async () => {
    const pending = (await gatewayList('pending'))[0]!;
    const uuid = pending.withdraw_uuid as string;
    const before = await dbRows();
    const mirrored = (await app.http.get(`/v1/withdrawals/${uuid}`).set(ops).expect(200)).body as Withdrawal;
    expect(mirrored).toMatchObject({ status: 'pending', status_group: 'pending', processed_at: null });

    await setGatewayStatus(uuid, 'failed', 'network_error');
    expect(await sync()).toEqual({ fetched: before.size, created: 0, updated: 1 });

    const after = (await app.http.get(`/v1/withdrawals/${uuid}`).set(ops).expect(200)).body as Withdrawal;
    expect(after).toMatchObject({ id: mirrored.id, status: 'failed', status_group: 'failed', substatus: 'network_error' });
    expect(after.processed_at).not.toBeNull();
    const rows = await dbRows();
    for (const [k, v] of before) {
      if (k === uuid) expect(rows.get(k)!.updated_at).not.toBe(v.updated_at);
      else expect(rows.get(k)).toEqual(v);
    }
    expect(await sync()).toEqual({ fetched: before.size, created: 0, updated: 0 });
  });

  it('`completed` is kept verbatim and read as success', async () => {
    const pending = (await gatewayList('pending'))[0]!;
    await setGatewayStatus(pending.withdraw_uuid as string, 'completed');
    expect((await sync()).updated).toBe(1);
    const w = (await app.http.get(`/v1/withdrawals/${pending.withdraw_uuid as string}`).set(ops).expect(200)).body as Withdrawal;
    expect(w).toMatchObject({ status: 'completed', status_group: 'success' });
    expect(w.external_tx_id).toEqual(expect.any(String));
    for (const row of await ourList()) {
      if (row.status === 'completed' || row.status === 'success') expect(row.status_group).toBe('success');
      else expect(row.status_group).toBe(row.status);
    }
  });

  it('a withdrawal whose optional fields are absent is stored with nulls', async () => {
    const added = await addAtGateway({ amount: '25.50', network_fee: '0.50', status: 'pending' });
    for (const f of ['address_memo', 'substatus', 'external_tx_id', 'processed_at']) expect(added).not.toHaveProperty(f);
    const result = await sync();
    expect(result).toMatchObject({ created: 1, updated: 0 });
    const w = (await app.http.get(`/v1/withdrawals/${added.withdraw_uuid as string}`).set(ops).expect(200)).body as Withdrawal;
    expect(w).toMatchObject({
      withdraw_uuid: added.withdraw_uuid,
      amount: '25.50',
      network_fee: '0.50',
      amount_to_receive: '25.00',
      status: 'pending',
      status_group: 'pending',
      address_memo: null,
      substatus: null,
      external_tx_id: null,
      processed_at: null,
    });
    const [row] = await ds.query(`SELECT amount::text AS amount, address_memo, substatus, external_tx_id, processed_at, raw FROM withdrawals WHERE withdraw_uuid = $1`, [added.withdraw_uuid]);
    expect(row).toMatchObject({ amount: '25.500000', address_memo: null, substatus: null, external_tx_id: null, processed_at: null });
    expect(row.raw).not.toHaveProperty('address_memo');
    expect(row.raw.amount).toBe('25.50');
  });

  describe('the list', () => {
    it('is newest first by the gateway created_at, then id, and cursor paging returns each row once', async () => {
      const all = await ourList({}, 200);
      const gateway = await gatewayList();
      expect(all).toHaveLength(gateway.length);
      const paged = await ourList({}, 4);
      expect(paged.map((w) => w.id)).toEqual(all.map((w) => w.id));
      expect(new Set(paged.map((w) => w.id)).size).toBe(paged.length);
      for (let i = 1; i < all.length; i++) {
        const a = all[i - 1]!;
        const b = all[i]!;
        const ta = Date.parse(a.created_at!);
        const tb = Date.parse(b.created_at!);
        expect(ta >= tb).toBe(true);
        if (ta === tb) expect(a.id > b.id).toBe(true);
      }
      const first = await app.http.get('/v1/withdrawals').query({ limit: '4' }).set(ops).expect(200);
      expect(first.body.data).toHaveLength(4);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const last = await app.http.get('/v1/withdrawals').query({ limit: '200' }).set(ops).expect(200);
      expect(last.body.next_cursor).toBeNull();
    });

    it.each(['pending', 'failed', 'cancelled', 'completed'])('status=%s matches the gateway status verbatim', async (status) => {
      const gateway = await gatewayList(status);
      expect(gateway.length).toBeGreaterThan(0);
      const ours = await ourList({ status }, 3);
      expect(ours.every((w) => w.status === status)).toBe(true);
      expect(new Set(ours.map((w) => w.withdraw_uuid))).toEqual(new Set(gateway.map((g) => g.withdraw_uuid)));
    });

    it('status=success also matches `completed`', async () => {
      const gateway = [...(await gatewayList('success')), ...(await gatewayList('completed'))];
      const ours = await ourList({ status: 'success' }, 5);
      expect(ours.length).toBe(gateway.length);
      expect(new Set(ours.map((w) => w.status))).toEqual(new Set(['success', 'completed']));
      expect(new Set(ours.map((w) => w.withdraw_uuid))).toEqual(new Set(gateway.map((g) => g.withdraw_uuid)));
    });

    it('an unknown but well-formed status matches nothing; malformed input is 400', async () => {
      expect((await app.http.get('/v1/withdrawals').query({ status: 'nope' }).set(ops).expect(200)).body).toEqual({ data: [], next_cursor: null });
      for (const query of [{ status: "x' OR 1=1" }, { limit: '0' }, { limit: '201' }, { limit: 'abc' }, { cursor: 'garbage' }, { cursor: Buffer.from('["2026-01-01T00:00:00Z","x"]').toString('base64url') }]) {
        const r = await app.http.get('/v1/withdrawals').query(query).set(ops);
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('one withdrawal', () => {
    it('by our id and by withdraw_uuid give the same row', async () => {
      const [w] = await ourList({}, 1).then((l) => l.slice(0, 1));
      const byId = await app.http.get(`/v1/withdrawals/${w!.id}`).set(ops).expect(200);
      const byUuid = await app.http.get(`/v1/withdrawals/${w!.withdraw_uuid}`).set(ops).expect(200);
      expect(byId.body).toEqual(w);
      expect(byUuid.body).toEqual(w);
    });

    it.each(['00000000-0000-4000-8000-000000000000', 'not-a-withdrawal', 'x'.repeat(99)])('unknown %p → 404 WITHDRAWAL_NOT_FOUND', async (ref) => {
      const r = await app.http.get(`/v1/withdrawals/${ref}`).set(ops);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('WITHDRAWAL_NOT_FOUND');
    });
  });

  it('two syncs at once do not double-count', async () => {
    const added = await Promise.all([1, 2, 3].map((i) => addAtGateway({ amount: `${i}0.00`, network_fee: '1.00', status: 'pending' })));
    const before = (await dbRows()).size;
    const results = await Promise.all([sync(), sync()]);
    expect(results.reduce((n, r) => n + r.created, 0)).toBe(3);
    expect(results.reduce((n, r) => n + r.updated, 0)).toBe(0);
    for (const r of results) expect(r.fetched).toBe(before + 3);
    expect((await dbRows()).size).toBe(before + 3);
    for (const a of added) await app.http.get(`/v1/withdrawals/${a.withdraw_uuid as string}`).set(ops).expect(200);
  });

  describe('gateway trouble', () => {
    it('a rate limit is waited out (Retry-After honoured) and the sync goes on', async () => {
      const added = await addAtGateway({ amount: '7.00', network_fee: '1.00', status: 'pending' });
      // more 429s in a row than the client retries on its own: the sync itself waits and asks again
      await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'withdrawals', mode: 'error', status: 429, retry_after_sec: 1, times: 4 }).expect(201);
      const started = Date.now();
      const result = await sync();
      expect(result).toMatchObject({ created: 1, updated: 0 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
      await app.http.get(`/v1/withdrawals/${added.withdraw_uuid as string}`).set(ops).expect(200);
    }, 30_000);

    it('a rate limit longer than a sync may wait → 503 GATEWAY_UNAVAILABLE, nothing written', async () => {
      await addAtGateway({ amount: '8.00', network_fee: '1.00', status: 'pending' });
      const before = await dbRows();
      await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'withdrawals', mode: 'error', status: 429, retry_after_sec: 3600, times: 1 }).expect(201);
      const r = await app.http.post('/v1/withdrawals/sync').set(ops);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('GATEWAY_UNAVAILABLE');
      expect(await dbRows()).toEqual(before);
    });

    it('a gateway that keeps failing → 503; after it recovers the next sync catches up', async () => {
      await app.http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'withdrawals', mode: 'error', status: 500 }).expect(201);
      const r = await app.http.post('/v1/withdrawals/sync').set(ops);
      expect(r.status).toBe(503);
      expect(r.body.error).toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
      expect(JSON.stringify(r.body)).not.toContain(app.settings.eccaex.apiKey);
      await app.http.delete(`${SANDBOX}/_control/faults`).expect(200);
      expect(await sync()).toMatchObject({ created: 1, updated: 0 });
    });
  });

  describe('scheduled sync (pg-boss)', () => {
    it('the schedule is registered on queue withdrawals-sync', async () => {
      const rows = (await ds.query(`SELECT name, cron FROM pgboss.schedule WHERE name = 'withdrawals-sync'`)) as Array<{ name: string; cron: string }>;
      expect(rows).toEqual([{ name: 'withdrawals-sync', cron: NEVER_SOON }]);
    });

    it('a job on the queue runs a sync', async () => {
      const added = await addAtGateway({ amount: '12.34', network_fee: '0.34', status: 'success' });
      await app.app.get(JobsService).send('withdrawals-sync', {});
      const w = await waitFor('the worker to mirror the new withdrawal', async () => {
        const r = await app.http.get(`/v1/withdrawals/${added.withdraw_uuid as string}`).set(ops);
        return r.status === 200 ? (r.body as Withdrawal) : null;
      });
      expect(w).toMatchObject({ amount: '12.34', network_fee: '0.34', amount_to_receive: '12.00', status: 'success', status_group: 'success' });
    });
  });

  describe('the mirror write (below the in-process queue, as two replicas would)', () => {
    const fake = (status: string, updatedAt: string) =>
      toUpsert({ withdraw_uuid: randomUUID(), status, amount: '1.000001', network_fee: '0.5', amount_to_receive: '0.500001', created_at: '2020-01-01T00:00:00+00:00', updated_at: updatedAt });

    it('two writes of the same rows at once: each row created once, nothing double-counted', async () => {
      const repo = app.app.get(WithdrawalsRepository);
      const rows = Array.from({ length: 20 }, () => fake('pending', '2020-01-01T00:05:00+00:00'));
      const results = await Promise.all([repo.upsertAll(rows), repo.upsertAll(rows)]);
      expect(results.reduce((n, r) => n + r.created, 0)).toBe(20);
      expect(results.reduce((n, r) => n + r.updated, 0)).toBe(0);
      const w = (await app.http.get(`/v1/withdrawals/${rows[0]!.withdraw_uuid}`).set(ops).expect(200)).body as Withdrawal;
      expect(w).toMatchObject({ amount: '1.000001', network_fee: '0.50', amount_to_receive: '0.500001', created_at: '2020-01-01T00:00:00.000Z' });
    });

    it('an older gateway copy never overwrites a newer one', async () => {
      const repo = app.app.get(WithdrawalsRepository);
      const newer = fake('success', '2020-01-01T00:10:00+00:00');
      const older = { ...fake('pending', '2020-01-01T00:05:00+00:00'), withdraw_uuid: newer.withdraw_uuid };
      expect(await repo.upsertAll([newer])).toEqual({ created: 1, updated: 0 });
      expect(await repo.upsertAll([older])).toEqual({ created: 0, updated: 0 });
      expect((await app.http.get(`/v1/withdrawals/${newer.withdraw_uuid}`).set(ops).expect(200)).body).toMatchObject({ status: 'success' });
    });
  });
});
