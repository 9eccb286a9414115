import { cryptosteroidCallbacks, IpAllowList, readWebhookRef, singleHeader, webhookDedupeKey } from './cryptosteroid.callbacks';
import type { CallbackRequest, ParsedCallback } from '../gateway.port';

const INVOICE_ID = '0b6f3c1e-8a55-4a8e-9b0f-3f7c1d2e4a5b';

function request(over: Partial<CallbackRequest> = {}, body: unknown = { invoiceId: INVOICE_ID, externalId: 'order-1', status: 'PAID' }): CallbackRequest {
  return {
    method: 'POST',
    rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    headers: { 'content-type': 'application/json', token: 'per-order-secret-0123456789abcdef0123', 'user-agent': 'CryptoSteroid' },
    params: {},
    query: {},
    ip: '82.117.255.226',
    ...over,
  };
}

describe('IpAllowList', () => {
  it('empty: any source', () => {
    const list = new IpAllowList([]);
    expect(list.allows('203.0.113.9')).toBe(true);
    expect(list.allows('not-an-ip')).toBe(true);
  });

  it('exact addresses, IPv4-mapped IPv6 and differently written IPv6 match; others do not', () => {
    const list = new IpAllowList(['82.117.255.226', '2001:db8::1']);
    expect(list.allows('82.117.255.226')).toBe(true);
    expect(list.allows('::ffff:82.117.255.226')).toBe(true);
    expect(list.allows('2001:0db8:0:0::1')).toBe(true);
    expect(list.allows('82.117.255.227')).toBe(false);
    expect(list.allows('127.0.0.1')).toBe(false);
    expect(list.allows('')).toBe(false);
    expect(list.allows('82.117.255.226, 10.0.0.1')).toBe(false);
  });

  it('CIDR blocks', () => {
    const list = new IpAllowList(['82.117.255.0/24']);
    expect(list.allows('82.117.255.1')).toBe(true);
    expect(list.allows('82.117.254.1')).toBe(false);
  });

  it.each(['82.117.255', 'localhost', '82.117.255.226/33', '82.117.255.226/x', '1.2.3.4/8/8', ''])('refuses the entry %p (start-up check)', (entry) => {
    expect(() => new IpAllowList([entry])).toThrow();
  });
});

describe('singleHeader', () => {
  it('reads one value; repeated equal values are that value; different ones are none', () => {
    expect(singleHeader({ token: 'a' }, 'token')).toBe('a');
    expect(singleHeader({ token: ['a', 'a'] }, 'token')).toBe('a');
    expect(singleHeader({ token: ['a', 'b'] }, 'token')).toBeNull();
    expect(singleHeader({ token: [] }, 'token')).toBeNull();
    expect(singleHeader({ token: '' }, 'token')).toBeNull();
    expect(singleHeader({}, 'token')).toBeNull();
  });
});

describe('readWebhookRef', () => {
  const read = (body: unknown) => readWebhookRef(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

  it('reads the references and the status of the Invoice object', () => {
    expect(read({ invoiceId: INVOICE_ID, externalId: 'order-1', status: 'PAID', payment: { amount: '1' } })).toEqual({
      invoiceId: INVOICE_ID,
      externalId: 'order-1',
      status: 'PAID',
    });
  });

  it('one reference is enough; the status may be missing', () => {
    expect(read({ externalId: 'order-1' })).toEqual({ invoiceId: null, externalId: 'order-1', status: null });
    expect(read({ invoiceId: INVOICE_ID, externalId: null })).toEqual({ invoiceId: INVOICE_ID, externalId: null, status: null });
  });

  it.each([
    ['not JSON', '{"invoiceId":'],
    ['an array', [{ invoiceId: INVOICE_ID }]],
    ['a string', '"PAID"'],
    ['no reference', { status: 'PAID' }],
    ['empty references', { invoiceId: '', externalId: '' }],
    ['a numeric invoiceId', { invoiceId: 7, status: 'PAID' }],
    ['an object externalId', { invoiceId: INVOICE_ID, externalId: { id: 1 } }],
    ['a numeric status', { invoiceId: INVOICE_ID, status: 1 }],
    ['an over-long invoiceId', { invoiceId: 'x'.repeat(257) }],
  ])('%s is malformed (a reason string)', (_name, body) => {
    expect(typeof read(body)).toBe('string');
  });
});

describe('webhookDedupeKey', () => {
  it('invoiceId:status, the same for every delivery of one webhook', () => {
    expect(webhookDedupeKey({ invoiceId: INVOICE_ID, externalId: 'x', status: 'PAID' })).toBe(`${INVOICE_ID}:PAID`);
    expect(webhookDedupeKey({ invoiceId: INVOICE_ID, externalId: 'y', status: 'PAID' })).toBe(`${INVOICE_ID}:PAID`);
  });

  it('the invoice as of another updatedAt is another key; every delivery of the same bytes, the same key', () => {
    const at = (updatedAt: unknown) => readWebhookRef(Buffer.from(JSON.stringify({ invoiceId: INVOICE_ID, status: 'PAID', updatedAt }))) as Parameters<typeof webhookDedupeKey>[0];
    expect(webhookDedupeKey(at(1767226000000))).toBe(`${INVOICE_ID}:PAID:1767226000000`);
    expect(webhookDedupeKey(at(1767226000000))).toBe(webhookDedupeKey(at(1767226000000)));
    expect(webhookDedupeKey(at('2026-01-01T00:10:00Z'))).toBe(`${INVOICE_ID}:PAID:2026-01-01T00:10:00Z`);
    expect(webhookDedupeKey(at(1767226000001))).not.toBe(webhookDedupeKey(at(1767226000000)));
    // Of another type, or absent: no part of the key.
    expect(webhookDedupeKey(at({ t: 1 }))).toBe(`${INVOICE_ID}:PAID`);
    expect(webhookDedupeKey(at(null))).toBe(`${INVOICE_ID}:PAID`);
  });

  it('another status is another key; without an invoiceId the external id stands in, marked', () => {
    expect(webhookDedupeKey({ invoiceId: INVOICE_ID, externalId: null, status: 'EXPIRED' })).toBe(`${INVOICE_ID}:EXPIRED`);
    expect(webhookDedupeKey({ invoiceId: null, externalId: 'order-1', status: 'PAID' })).toBe('external:order-1:PAID');
    expect(webhookDedupeKey({ invoiceId: null, externalId: INVOICE_ID, status: 'PAID' })).not.toBe(`${INVOICE_ID}:PAID`);
  });
});

describe('cryptosteroidCallbacks', () => {
  it('POST /v1/webhooks/cryptosteroid with a per-order credential; the URL carries no secret', () => {
    const cb = cryptosteroidCallbacks({ allowedIps: [] });
    expect(cb.route).toEqual({ path: 'cryptosteroid', methods: ['POST'] });
    expect(cb.perOrderCredential).toBe(true);
    const url = cb.callbackUrl('https://pay.merchant.example/', { id: 'o1', external_id: 'e1' }, 'the-secret');
    expect(url).toBe('https://pay.merchant.example/v1/webhooks/cryptosteroid');
  });

  it('authenticate honours the request ip it is given (no header is read)', () => {
    const cb = cryptosteroidCallbacks({ allowedIps: ['82.117.255.226'] });
    expect(cb.authenticate(request(), 0)).toEqual({ ok: true });
    const forged = request({ ip: '203.0.113.5', headers: { 'x-forwarded-for': '82.117.255.226', token: 't' } });
    expect(cb.authenticate(forged, 0)).toEqual({ ok: false, code: 'INVALID_TOKEN', reason: expect.stringContaining('CRYPTOSTEROID_ALLOWED_IPS') });
    expect(cryptosteroidCallbacks({ allowedIps: [] }).authenticate(forged, 0)).toEqual({ ok: true });
  });

  it('parse: references, dedupe key, claimed status; the Token header is never kept', () => {
    const cb = cryptosteroidCallbacks({ allowedIps: [] });
    const parsed = cb.parse(request()) as ParsedCallback;
    expect(parsed).toEqual({
      orderId: null,
      invoiceId: INVOICE_ID,
      externalId: 'order-1',
      dedupeKey: `${INVOICE_ID}:PAID`,
      keptHeaders: { 'content-type': 'application/json', 'user-agent': 'CryptoSteroid' },
      claimedStatus: 'PAID',
    });
    expect(JSON.stringify(parsed)).not.toContain('per-order-secret');
    expect(typeof cb.parse(request({}, '[]'))).toBe('string');
  });

  it('presentedCredential is the Token header (none when absent or ambiguous)', () => {
    const cb = cryptosteroidCallbacks({ allowedIps: [] });
    expect(cb.presentedCredential!(request())).toBe('per-order-secret-0123456789abcdef0123');
    expect(cb.presentedCredential!(request({ headers: {} }))).toBeNull();
    expect(cb.presentedCredential!(request({ headers: { token: ['a', 'b'] } }))).toBeNull();
  });

  it('a bad allow-list entry stops construction (so start-up can name the setting)', () => {
    expect(() => cryptosteroidCallbacks({ allowedIps: ['82.117.255.226', 'nope'] })).toThrow(/nope/);
  });
});
