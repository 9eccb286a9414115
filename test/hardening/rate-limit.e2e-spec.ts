import { ops, startTestApp, STOREFRONT_KEY, TestApp } from '../support/app';

const OTHER_KEY = 'sk_test_storefront_other_0001';
const LIMIT = 5;

describe('rate limit per storefront key (RATE_LIMIT_PER_MIN)', () => {
  let t: TestApp;
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MIN: String(LIMIT), STOREFRONT_API_KEYS: `${STOREFRONT_KEY},${OTHER_KEY}` });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After past N requests a minute, for that key only', async () => {
    for (let i = 0; i < LIMIT; i++) {
      const res = await t.http.get('/v1/orders/unknown-order').set(as(STOREFRONT_KEY));
      expect(res.status).toBe(404);
      expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
      expect(res.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i - 1));
    }
    const limited = await t.http.post('/v1/orders').set(as(STOREFRONT_KEY)).send({ amount: '10.00', currency: 'UAH', customer_id: 'rl' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.body.request_id).toBe(limited.headers['x-request-id']);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    // Nothing was done for the refused request.
    const list = await t.http.get('/v1/orders?customer_id=rl').set(ops).expect(200);
    expect(list.body.data).toHaveLength(0);

    // Every storefront route counts for the key.
    expect((await t.http.get('/v1/currencies').set(as(STOREFRONT_KEY))).status).toBe(429);

    // Another key has its own allowance.
    for (let i = 0; i < LIMIT; i++) expect((await t.http.get('/v1/orders/unknown-order').set(as(OTHER_KEY))).status).toBe(404);
    expect((await t.http.get('/v1/orders/unknown-order').set(as(OTHER_KEY))).status).toBe(429);

    // Ops keys are not limited, on storefront routes either.
    for (let i = 0; i < LIMIT * 3; i++) expect((await t.http.get('/v1/orders/unknown-order').set(ops)).status).toBe(404);

    // An unknown key is refused as unauthenticated, not counted or limited.
    expect((await t.http.get('/v1/orders/unknown-order').set(as('sk_test_unknown_key_00000'))).status).toBe(401);
  });
});

describe('rate limit off (RATE_LIMIT_PER_MIN=0)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MIN: '0' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('never answers 429', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await t.http.get('/v1/orders/unknown-order').set({ Authorization: `Bearer ${STOREFRONT_KEY}` });
      expect(res.status).toBe(404);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});
