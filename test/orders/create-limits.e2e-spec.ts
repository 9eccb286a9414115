import { ops, startTestApp, storefront, TestApp } from '../support/app';
import { gatewayCreates } from '../support/gateway-requests';

/**
 * POST /v1/orders refuses, before anything reaches the gateway, an amount no payment method can
 * take (docs/api.md section 3.1), says what is wrong with a malformed amount, and marks a replayed
 * reply with `Idempotent-Replayed: true`. The sandbox's UAH methods: monobank 1.00–10,000.00,
 * privatbank 1.00–15,000.00; USD has no method.
 */
describe('create: amount limits, amount messages, replayed replies', () => {
  let app: TestApp;
  let n = 0;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const create = (over: Record<string, unknown>, key?: string) => {
    const body = { amount: '1500.00', currency: 'UAH', customer_id: 'limits', external_id: `lim-${++n}`, ...over };
    const r = app.http.post('/v1/orders').set(storefront);
    return (key ? r.set('Idempotency-Key', key) : r).send(body).then((res) => ({ res, externalId: body.external_id as string }));
  };
  const countOrders = async () => (await app.http.get('/v1/orders?limit=200').set(ops).expect(200)).body.data.length as number;

  it.each([
    ['too large: 10,000,000.00 UAH', '10000000.00', /above the largest amount .* \(15000\.00 UAH\)/],
    ['just above every maximum: 15,000.01 UAH', '15000.01', /above the largest amount/],
    ['too small: 0.01 UAH', '0.01', /below the smallest amount .* \(1\.00 UAH\)/],
  ])('%s → 400 naming amount, with the limits, nothing sent to the gateway', async (_name, amount, why) => {
    const before = await countOrders();
    const { res, externalId } = await create({ amount });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.body.error.details.fields)).toEqual(['amount']);
    expect(res.body.error.details.fields.amount[0]).toMatch(why);
    expect(res.body.error.details.limits).toEqual({
      currency: 'UAH',
      min: '1.00',
      max: '15000.00',
      methods: [
        { method_code: 'monobank', min_sum: '1.00', max_sum: '10000.00' },
        { method_code: 'privatbank', min_sum: '1.00', max_sum: '15000.00' },
      ],
    });
    expect(await gatewayCreates(app.http, externalId)).toEqual([]);
    expect(await countOrders()).toBe(before);
  });

  it('the edges of the widest range are accepted (1.00 and 15,000.00 UAH)', async () => {
    for (const amount of ['1.00', '15000.00']) {
      const { res } = await create({ amount });
      expect(res.status).toBe(201);
      expect(res.body.amount).toBe(amount);
    }
  });

  it('a named payment_method is held to its own limits', async () => {
    const { res } = await create({ amount: '12000.00', payment_method: 'monobank' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.amount[0]).toMatch(/outside the limits of monobank \(1\.00–10000\.00 UAH\)/);
    expect(res.body.error.details.limits.methods).toEqual([{ method_code: 'monobank', min_sum: '1.00', max_sum: '10000.00' }]);
  });

  it.each([
    ['one the gateway does not offer at all', 'nonexistent'],
    ["one of another currency's (kaspi takes KZT)", 'kaspi'],
  ])('a payment_method the gateway does not offer for the currency, %s → 400 naming payment_method, nothing sent', async (_name, method) => {
    const before = await countOrders();
    const { res, externalId } = await create({ amount: '1500.00', payment_method: method });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.fields).toEqual({ payment_method: [`${method} is not offered for UAH at the gateway; its UAH methods: monobank, privatbank`] });
    expect(res.body.error.details.limits.methods.map((m: { method_code: string }) => m.method_code)).toEqual(['monobank', 'privatbank']);
    expect(await gatewayCreates(app.http, externalId)).toEqual([]);
    expect(await countOrders()).toBe(before);
  });

  it('a payment_method the gateway offers for the currency is taken', async () => {
    const { res } = await create({ amount: '12000.00', payment_method: 'privatbank' });
    expect(res.status).toBe(201);
    expect(res.body.payment_method).toBe('privatbank');
  });

  it('a currency no payment method takes (USD) → 400 naming currency', async () => {
    const { res, externalId } = await create({ currency: 'USD', amount: '25.00' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual({ currency: ['no payment method takes USD at the gateway'] });
    expect(await gatewayCreates(app.http, externalId)).toEqual([]);
  });

  it.each([
    ['1234567890123.00', /too large: at most 12 digits before the decimal point/],
    ['99999999999999999999.99', /too large/],
    ['1500.5', /exactly two decimals/],
    ['0.00', /greater than 0/],
    ['-5.00', /greater than 0/],
    ['1e3', /digits with a decimal point/],
  ])('amount %s is told what is wrong', async (amount, why) => {
    const { res } = await create({ amount });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.amount).toEqual([expect.stringMatching(why)]);
    if (/too large/.test(String(why))) expect(res.body.error.details.fields.amount[0]).not.toMatch(/two decimals/);
  });

  it('a replayed create carries Idempotent-Replayed: true; the first reply does not', async () => {
    const body = { amount: '1500.00', currency: 'UAH', customer_id: 'replay', external_id: 'replay-1' };
    const first = await app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'replay-key-1').send(body);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'replay-key-1').send(body);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // A stored refusal given again is marked too.
    const dup = { ...body, customer_id: 'replay-dup' };
    const refused = await app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'replay-key-2').send(dup);
    expect(refused.status).toBe(409);
    expect(refused.headers['idempotent-replayed']).toBeUndefined();
    const refusedAgain = await app.http.post('/v1/orders').set(storefront).set('Idempotency-Key', 'replay-key-2').send(dup);
    expect(refusedAgain.status).toBe(409);
    expect(refusedAgain.headers['idempotent-replayed']).toBe('true');
  });
});
