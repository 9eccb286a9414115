import { DataSource } from 'typeorm';
import { ops, startTestApp, TestApp } from '../support/app';
import { createOrder, sandboxWebhooks, simulate } from '../support/callbacks';

jest.setTimeout(120_000);

/** What the ops console needs from the API (issue 17): gateway and one-box filters, counted reconciles. */
describe('ops: GET /v1/orders provider and q filters; manual reconciles are counted', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const list = async (query: string) => ((await app.http.get(`/v1/orders?${query}`).set(ops).expect(200)).body.data as Array<{ id: string }>).map((o) => o.id);

  it('provider= lists only that gateway\'s orders; an unknown gateway is a 400 naming provider', async () => {
    const a = await createOrder(app.http, { customer_id: 'filter_provider' });
    const b = await createOrder(app.http, { customer_id: 'filter_provider' });
    // An order of another gateway, as the CryptoSteroid adapter would have written it.
    await app.app.get(DataSource).query(`UPDATE orders SET provider = 'cryptosteroid' WHERE id = $1`, [b.id]);
    expect(await list('customer_id=filter_provider&provider=eccaex')).toEqual([a.id]);
    expect(await list('customer_id=filter_provider&provider=cryptosteroid')).toEqual([b.id]);
    expect(await list('customer_id=filter_provider&provider=smartwm')).toEqual([]);
    expect((await list('customer_id=filter_provider')).sort()).toEqual([a.id, b.id].sort());
    const bad = await app.http.get('/v1/orders?provider=paypal').set(ops).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { provider: [expect.stringContaining('eccaex')] } } });
  });

  it('q= finds the order by id, by external_id or by customer_id, exactly, in one call', async () => {
    const customer = `q_customer_${Date.now()}`;
    const o = await createOrder(app.http, { customer_id: customer, external_id: `q-ext-${Date.now()}` });
    const other = await createOrder(app.http, { customer_id: customer });
    expect(await list(`q=${o.id}`)).toEqual([o.id]);
    expect(await list(`q=${o.external_id}`)).toEqual([o.id]);
    expect((await list(`q=${customer}`)).sort()).toEqual([other.id, o.id].sort());
    expect(await list(`q=${o.external_id.slice(0, -1)}`)).toEqual([]);
    expect(await list(`q=${customer}&status=paid`)).toEqual([]);
    // Not a uuid, not an id: no cast error, just no match.
    expect(await list('q=%3Cscript%3E')).toEqual([]);
    await app.http.get(`/v1/orders?q=${'x'.repeat(256)}`).set(ops).expect(400);
  });

  it('the OpenAPI document names both filters', async () => {
    const doc = (await app.http.get('/docs-json').expect(200)).body as { paths: Record<string, { get: { parameters: Array<{ name: string; schema?: { enum?: string[] } }> } }> };
    const params = doc.paths['/v1/orders']!.get.parameters;
    expect(params.find((p) => p.name === 'provider')?.schema?.enum).toEqual(['eccaex', 'cryptosteroid', 'smartwm']);
    expect(params.map((p) => p.name)).toContain('q');
  });

  it('an ops reconcile counts in payments_reconcile_checked_total (and in fixed when it changed the order)', async () => {
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec((await app.http.get('/metrics').expect(200)).text)?.[1] ?? 'NaN');
    await sandboxWebhooks(app.http, false).expect(200);
    try {
      const order = await createOrder(app.http);
      await simulate(app.http, order.gateway_invoice_id, 'success').expect(200);
      const checked = await metric('payments_reconcile_checked_total');
      const fixed = await metric('payments_reconcile_fixed_total');
      expect(Number.isFinite(checked)).toBe(true);
      expect((await app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops).send({}).expect(200)).body.status).toBe('paid');
      expect(await metric('payments_reconcile_checked_total')).toBe(checked + 1);
      expect(await metric('payments_reconcile_fixed_total')).toBe(fixed + 1);
      await app.http.post(`/v1/orders/${order.id}/reconcile`).set(ops).send({}).expect(200);
      expect(await metric('payments_reconcile_checked_total')).toBe(checked + 2);
      expect(await metric('payments_reconcile_fixed_total')).toBe(fixed + 1);
    } finally {
      await sandboxWebhooks(app.http, true);
    }
  });
});
