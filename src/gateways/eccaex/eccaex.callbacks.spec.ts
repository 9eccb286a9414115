import { createHash } from 'node:crypto';
import type { CallbackRequest } from '../gateway.port';
import { EccaexCallbacks } from './eccaex.callbacks';
import { signEccaex } from './eccaex-signature';
import type { EccaexSettings } from './eccaex.settings';

const SECRET = 'whsk_spec_secret_0123456789';
const settings = {
  webhookSecrets: [SECRET], signaturePayload: '{timestamp}.{body}', signatureAlgorithm: 'sha256', signatureEncoding: 'hex', signatureToleranceS: 300,
} as EccaexSettings;
const NOW_MS = 1_767_268_800_000;

function request(body: string, headers: Record<string, string> = {}): CallbackRequest {
  return { method: 'POST', rawBody: Buffer.from(body), headers, params: {}, query: {}, ip: '127.0.0.1' };
}

function signed(body: string, ts = NOW_MS / 1000, secret = SECRET): CallbackRequest {
  const t = String(Math.floor(ts));
  return request(body, {
    'x-signature-timestamp': t,
    'x-signature': signEccaex(secret, t, Buffer.from(body), { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex' }),
    'x-idempotency-key': 'delivery-1',
    'content-type': 'application/json',
    'user-agent': 'EccaEx-Webhook/1.0',
    authorization: 'never kept',
  });
}

describe('EccaexCallbacks', () => {
  const cb = new EccaexCallbacks(() => settings);

  it('route and callback URL: POST /v1/webhooks/eccaex, the same for every order, no per-order credential', () => {
    expect(cb.route).toEqual({ path: 'eccaex', methods: ['POST'] });
    expect(cb.perOrderCredential).toBe(false);
    expect(cb.callbackUrl('https://pay.example')).toBe('https://pay.example/v1/webhooks/eccaex');
  });

  it('authenticates the HMAC over the raw bytes, fresh within the tolerance; anything else is INVALID_SIGNATURE with its reason', () => {
    const body = '{"order_id":"inv-1","status":"success"}';
    expect(cb.authenticate(signed(body), NOW_MS)).toEqual({ ok: true });
    expect(cb.authenticate(signed(body, NOW_MS / 1000 - 301), NOW_MS)).toEqual({ ok: false, code: 'INVALID_SIGNATURE', reason: 'stale_timestamp' });
    expect(cb.authenticate(signed(body, NOW_MS / 1000, 'another-secret-0123456789'), NOW_MS)).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(cb.authenticate(request(body), NOW_MS)).toMatchObject({ ok: false, reason: 'missing_signature' });
    const tampered = signed(body);
    expect(cb.authenticate({ ...tampered, rawBody: Buffer.from(body.replace('success', 'fail')) }, NOW_MS)).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('reads the invoice id (order_id), our external_id, the claimed status; the duplicate key is the event_id', () => {
    const parsed = cb.parse(signed('{"event_id":"e-1","order_id":"inv-1","external_id":"ext-1","status":"success"}'));
    expect(parsed).toEqual({
      orderId: null, invoiceId: 'inv-1', externalId: 'ext-1', dedupeKey: 'e-1', claimedStatus: 'success',
      keptHeaders: { 'x-signature': expect.any(String), 'x-signature-timestamp': String(NOW_MS / 1000), 'x-idempotency-key': 'delivery-1', 'content-type': 'application/json', 'user-agent': 'EccaEx-Webhook/1.0' },
    });
  });

  it('without an event_id the duplicate key is the hash of the signed bytes (never the unsigned X-Idempotency-Key)', () => {
    const body = '{"order_id":"inv-1","status":"success"}';
    const parsed = cb.parse(signed(body));
    expect(typeof parsed === 'object' && parsed.dedupeKey).toBe(`sha256:${createHash('sha256').update(body).digest('hex')}`);
  });

  it.each([
    ['not JSON', 'not json', 'The body is not JSON.'],
    ['a JSON array', '[1,2]', 'The body names neither order_id nor external_id.'],
    ['no reference', '{"status":"success"}', 'The body names neither order_id nor external_id.'],
    ['references Postgres cannot hold', '{"order_id":"a\\u0000b","external_id":"x\\u0000"}', 'The body names neither order_id nor external_id.'],
  ])('%s → a reason (400 MALFORMED_PAYLOAD)', (_n, body, reason) => {
    expect(cb.parse(signed(body))).toBe(reason);
  });

  it('a refused request is handed to the capture (signature discovery)', () => {
    const capture = jest.fn();
    const withCapture = new EccaexCallbacks(() => settings, capture);
    const req = request('{}');
    withCapture.rejected(req, { reason: 'missing_signature' });
    expect(capture).toHaveBeenCalledWith('missing_signature', req);
  });
});
