import request from 'supertest';
import { StandaloneSandbox, startStandaloneSandbox } from '../../src/sandbox/eccaex/standalone-app';
import { freePort, startTestApp, TestApp, TestDatabase, WEBHOOK_SECRET } from '../support/app';
import { serverDatabase } from '../support/shared-db';
import { API, expectEnvelope, invoiceBody, Receiver, sleep, TS, verifyDelivery } from './helpers';

jest.setTimeout(60_000);

const SANDBOX_ENV = {
  SANDBOX_INVOICE_TTL_S: '2',
  SANDBOX_SWEEP_INTERVAL_MS: '100',
  SANDBOX_WEBHOOK_POLL_MS: '50',
};

/**
 * Against a Postgres server, several instances share one database. Not on the embedded database:
 * PGlite is single-session and its socket server interleaves the extended-protocol messages of
 * concurrent connections, so it only ever serves one instance with a pool of one.
 */

/**
 * `npm run sandbox` (src/sandbox/eccaex/standalone.ts) runs startStandaloneSandbox: the emulator alone on
 * SANDBOX_PORT, with its own PUBLIC_BASE_URL. Invoices expire by TTL (SANDBOX_INVOICE_TTL_S=2 in
 * the environment the sandbox reads). On Postgres, two service replicas share the standalone's
 * database, so three expiry sweepers and three webhook workers race for the same rows.
 */
describe('EccaEx sandbox standalone, replicas on one database, expiry by TTL', () => {
  let db: TestDatabase & { env?: Record<string, string> };
  let sandbox: StandaloneSandbox;
  let a: TestApp;
  let b: TestApp;
  let http: ReturnType<typeof request>;
  let key: Record<string, string>;
  const receiver = new Receiver();

  beforeAll(async () => {
    await receiver.start();
    // On embedded runs this is PGlite behind the service's own socket server, shared by three instances.
    db = await serverDatabase();
    sandbox = await startStandaloneSandbox(
      {
        ...db.env,
        ...SANDBOX_ENV,
        SANDBOX_PORT: String(await freePort()),
        DATABASE_URL: db.url,
        DATA_DIR: db.dataDir,
        ECCAEX_WEBHOOK_SECRET: WEBHOOK_SECRET,
        LOG_LEVEL: 'silent',
      },
      { host: '127.0.0.1' },
    );
    http = request(sandbox.url);
    key = { 'X-Api-Key': sandbox.settings.eccaex.apiKey };
    // The service reads SANDBOX_* from process.env when it builds the sandbox module.
    Object.assign(process.env, SANDBOX_ENV);
    try {
      a = await startTestApp(db.env, db);
      b = await startTestApp(db.env, db);
    } finally {
      for (const k of Object.keys(SANDBOX_ENV)) delete process.env[k];
    }
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sandbox?.close();
    await db?.drop();
    await receiver.stop();
  });

  const get = async (ref: string) => (await http.get(`${API}/invoices/${ref}`).set(key).expect(200)).body.data;

  describe('standalone', () => {
    it('prints its base URL, the key it accepts and the secret it signs with', () => {
      const port = sandbox.settings.port;
      expect(sandbox.settings.publicBaseUrl).toBe(`http://localhost:${port}`);
      expect(sandbox.banner).toContain(`http://localhost:${port}/sandbox/eccaex/api/v1`);
      expect(sandbox.banner).toContain(`X-Api-Key       ${sandbox.settings.eccaex.apiKey}`);
      expect(sandbox.banner).toContain(`webhook secret  ${WEBHOOK_SECRET}`);
      expect(sandbox.config.invoiceTtlS).toBe(2);
    });

    it('serves the merchant API with its own payment links, and EccaEx errors everywhere', async () => {
      expectEnvelope((await http.get(`${API}/currencies`).expect(401)).body, 'API_KEY_MISSING');
      expect((await http.get(`${API}/currencies`).set(key).expect(200)).body.data[0]).toEqual({
        currency: 'UAH',
        decimal: 2,
        symbol: '₴',
        name: 'Ukrainian Hryvnia',
        rate: '41.32',
      });
      const inv = (await http.post(`${API}/create-invoice`).set(key).send(invoiceBody()).expect(201)).body;
      expect(inv.payment_link).toBe(`http://localhost:${sandbox.settings.port}/sandbox/eccaex/pay/${inv.invoice_id}`);
      expect((await http.get(`/sandbox/eccaex/pay/${inv.invoice_id}`).expect(200)).text).toContain('Choose a payment method');
      expectEnvelope((await http.get('/anything-else').expect(404)).body, 'NOT_FOUND');
      const bad = await http.post(`${API}/create-invoice`).set(key).set('Content-Type', 'application/json').send('{nope');
      expect(bad.status).toBe(400);
      expectEnvelope(bad.body, 'BAD_REQUEST');
    });
  });

  describe('expiry by TTL', () => {
    it('expires a pending invoice after SANDBOX_INVOICE_TTL_S and sends a signed invoice.expired (reason ttl_elapsed)', async () => {
      const inv = (await http.post(`${API}/create-invoice`).set(key).send(invoiceBody({ callback_url: `${receiver.url}/ttl` })).expect(201)).body;
      expect(Date.parse(inv.expires_at) - Date.parse(inv.created_at)).toBe(2000);
      expect((await get(inv.invoice_id)).status).toBe('pending');
      const [d] = await receiver.waitFor('/ttl', 1, 8000);
      expect(verifyDelivery(sandbox.settings, d!).ok).toBe(true);
      expect(JSON.parse(d!.raw.toString('utf8'))).toMatchObject({
        order_id: inv.invoice_id,
        status: 'expired',
        reason: 'ttl_elapsed',
        sub_status: null,
        rate_usd: null,
        is_adjusted: false,
        amount_fiat: null,
        payment_method_code: null,
      });
      const after = await get(inv.invoice_id);
      expect(after).toMatchObject({ status: 'expired', deal: null, finished_at: expect.stringMatching(TS) });
      // the public flow and the page now refuse it
      expectEnvelope((await http.post(`${API}/public/invoice/${inv.invoice_id}/select-method`).send({ method_code: 'monobank' }).expect(409)).body, 'INVOICE_NOT_PENDING');
      expect((await http.get(`/sandbox/eccaex/pay/${inv.invoice_id}`).expect(200)).text).toContain('Invoice expired');
      // the money may still arrive
      const late = await http.post(`${API}/sandbox/invoices/${inv.invoice_id}/simulate`).send({ outcome: 'success' }).expect(200);
      expect(late.body.data.status).toBe('success');
      const [, success] = await receiver.waitFor('/ttl', 2, 8000);
      expect(JSON.parse(success!.raw.toString('utf8'))).toMatchObject({ status: 'success', is_adjusted: false });
    });

    it('once a method is chosen the deal has its own deadline (payment_time), not the selection TTL', async () => {
      const inv = (await http.post(`${API}/create-invoice`).set(key).send(invoiceBody({ callback_url: `${receiver.url}/deal` })).expect(201)).body;
      await http.post(`${API}/public/invoice/${inv.invoice_id}/select-method`).send({ method_code: 'monobank' }).expect(200);
      await sleep(2600);
      const still = await get(inv.invoice_id);
      expect(still).toMatchObject({ status: 'pending', method_selected: true, deal: { status: 'pending' } });
      expect(receiver.to('/deal')).toHaveLength(0);
      await http.post(`${API}/sandbox/invoices/${inv.invoice_id}/simulate`).send({ outcome: 'expire' }).expect(200);
      const [d] = await receiver.waitFor('/deal', 1, 8000);
      expect(JSON.parse(d!.raw.toString('utf8'))).toMatchObject({
        status: 'expired',
        reason: 'payment_time_elapsed',
        sub_status: 'payment_time_elapsed',
        rate_usd: '41.32',
        amount_fiat: '1537.50',
        payment_method_code: 'monobank',
      });
    });
  });

  describe('three instances on one database', () => {
    it('expire each invoice once and deliver each event once', async () => {
      const instances = [http, a.http, b.http];
      const create = async (i: number) => {
        const r = await instances[i % 3]!.post(`${API}/create-invoice`).set(key).send(invoiceBody({ callback_url: `${receiver.url}/r` }));
        expect(r.status).toBe(201);
        return r.body.invoice_id as string;
      };
      // six are left to expire by TTL (the sweepers race for them)…
      const expiring: string[] = [];
      for (let i = 0; i < 6; i++) expiring.push(await create(i));
      // …and six are paid at once, through any instance (the workers race for the events)
      const paid: string[] = [];
      for (let i = 0; i < 6; i++) {
        const id = await create(i + 1);
        await instances[(i + 2) % 3]!.post(`${API}/sandbox/invoices/${id}/simulate`).send({ outcome: 'success' }).expect(200);
        paid.push(id);
      }
      await receiver.waitFor('/r', 12, 20_000);
      await sleep(1000); // room for a duplicate to show up
      const perKey = new Map<string, number>();
      for (const d of receiver.to('/r')) {
        const k = String(d.headers['x-idempotency-key']);
        perKey.set(k, (perKey.get(k) ?? 0) + 1);
      }
      expect(perKey.size).toBe(12);
      expect([...perKey.values()].every((n) => n === 1)).toBe(true);
      for (const [ids, type] of [
        [paid, 'invoice.success'],
        [expiring, 'invoice.expired'],
      ] as const) {
        for (const id of ids) {
          const h = (await a.http.get(`${API}/invoices/${id}/webhooks`).set(key).expect(200)).body;
          expect(h.events_count).toBe(1);
          expect(h.events[0]).toMatchObject({ event_type: type, status: 'success', total_attempts: 1 });
        }
      }
    });
  });
});
