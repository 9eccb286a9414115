import type { CallbackRequest, ParsedCallback } from '../gateway.port';
import { pingDedupeKey, pingToken, smartwmCallbacks, smartwmStatusUrl } from './smartwm.callbacks';

const ORDER = '3f2b8c1e-9a4d-4c1b-8e2f-0a1b2c3d4e5f';

const ping = (over: Partial<CallbackRequest> = {}): CallbackRequest => ({
  method: 'GET',
  rawBody: Buffer.alloc(0),
  headers: {},
  params: { order_id: ORDER },
  query: { token: 'tok_abc' },
  ip: '198.51.100.7',
  ...over,
});

describe('SmartWM callbacks', () => {
  it('route: any method on smartwm/:order_id, with a per-order credential', () => {
    expect(smartwmCallbacks.route).toEqual({ path: 'smartwm/:order_id', methods: 'any' });
    expect(smartwmCallbacks.perOrderCredential).toBe(true);
  });

  it('status_url puts the order id in the path and the token in the query, both encoded', () => {
    expect(smartwmCallbacks.callbackUrl('https://pay.shop.example/', { id: ORDER, external_id: 'o-1' }, 'a+b/c=')).toBe(
      `https://pay.shop.example/v1/webhooks/smartwm/${ORDER}?token=a%2Bb%2Fc%3D`,
    );
    expect(smartwmStatusUrl('http://127.0.0.1:3000', 'x y', 't')).toBe('http://127.0.0.1:3000/v1/webhooks/smartwm/x%20y?token=t');
  });

  it('refuses to build a status_url without the credential', () => {
    expect(() => smartwmCallbacks.callbackUrl('https://x.example', { id: ORDER, external_id: 'o' }, null)).toThrow(/credential/);
    expect(() => smartwmCallbacks.callbackUrl('https://x.example', { id: ORDER, external_id: 'o' }, '')).toThrow(/credential/);
  });

  it('authenticate lets every ping through to the token check (nothing on a ping is signed)', () => {
    expect(smartwmCallbacks.authenticate(ping({ method: 'POST', query: {} }), 0)).toEqual({ ok: true });
  });

  it('parse reads the order id from the path only, whatever the query or body says', () => {
    const parsed = smartwmCallbacks.parse(ping({ query: { token: 't', order_id: 'other' }, rawBody: Buffer.from('{"status":"PAYED"}') })) as ParsedCallback;
    expect(parsed).toEqual({ orderId: ORDER, invoiceId: null, externalId: null, dedupeKey: `ping:${ORDER}`, keptHeaders: {}, claimedStatus: null });
    expect((smartwmCallbacks.parse(ping({ params: { order_id: ORDER.toUpperCase() } })) as ParsedCallback).orderId).toBe(ORDER);
  });

  it.each([{}, { order_id: '' }, { order_id: 'order-1' }, { order_id: `${ORDER}x` }, { order_id: "1' OR '1'='1" }])('parse refuses the path params %p', (params) => {
    expect(typeof smartwmCallbacks.parse(ping({ params: params as Record<string, string> }))).toBe('string');
  });

  it('the presented credential is the token query value; absent, empty or repeated is none', () => {
    expect(smartwmCallbacks.presentedCredential!(ping())).toBe('tok_abc');
    expect(pingToken({})).toBeNull();
    expect(pingToken({ token: '' })).toBeNull();
    expect(pingToken({ token: ['a', 'b'] })).toBeNull();
    expect(smartwmCallbacks.presentedCredential!(ping({ headers: { token: 'hdr' }, query: {} }))).toBeNull();
  });

  it('dedupe key: ping:<order id>:<order status>, so a second ping for an unchanged order is a duplicate', () => {
    const parsed = smartwmCallbacks.parse(ping()) as ParsedCallback;
    expect(smartwmCallbacks.dedupeKeyFor!(parsed, { id: ORDER, status: 'awaiting_payment' })).toBe(`ping:${ORDER}:awaiting_payment`);
    expect(smartwmCallbacks.dedupeKeyFor!(parsed, { id: ORDER, status: 'paid' })).toBe(`ping:${ORDER}:paid`);
    expect(pingDedupeKey('a', 'b')).toBe('ping:a:b');
  });
});
