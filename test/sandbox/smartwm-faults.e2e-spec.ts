import { JsonNumber } from '../../src/common/json-exact';
import { signDpay, verifyDpay } from '../../src/gateways/smartwm/smartwm-signature';
import {
  createBody,
  createInvoice,
  dpayAttempt,
  dpayPost,
  DpayAnswer,
  field,
  pid,
  SECRET,
  withSmartwmSandbox,
  statusOf,
  SwmSandbox,
  SWM_CONTROL,
} from './smartwm-helpers';

jest.setTimeout(60_000);

/** Faults on the emulated API, as a client must survive them: errors, refusals, bad signatures, delays, drops, timeouts. */
describe('SmartWM sandbox: faults', () => {
  let sb: SwmSandbox;
  withSmartwmSandbox((started) => (sb = started));
  afterEach(async () => {
    await sb.http.delete(`${SWM_CONTROL}/faults`).expect(200);
  });

  const fault = async (body: Record<string, unknown>) => (await sb.http.post(`${SWM_CONTROL}/faults`).send(body).expect(201)).body.fault as Record<string, any>;
  const exists = async (paymentId: string) => field((await statusOf(sb.url, { payment_id: paymentId })).json, 'error') === undefined;
  const records = async (paymentId: string) =>
    (await sb.http.get(`${SWM_CONTROL}/requests`).query({ payment_id: paymentId }).expect(200)).body.requests as Array<Record<string, any>>;
  const answer = (r: DpayAnswer | { error: string }) => {
    if ('error' in r && !('status' in r)) throw new Error(`transport error: ${r.error}`);
    return r as DpayAnswer;
  };

  describe('error: a 5xx or 429 in the envelope, signed, nothing done', () => {
    it.each([500, 502, 503, 504])('%i on create', async (status) => {
      const f = await fault({ endpoint: 'create', mode: 'error', status, times: 1 });
      const paymentId = pid('err');
      const r = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }));
      expect(r.status).toBe(status);
      expect(r.signed).toBe(true);
      expect(r.text).toBe(`{"error":{"code":${status},"message":"Service temporarily unavailable (sandbox fault)"}}`);
      expect(await exists(paymentId)).toBe(false);
      expect((await records(paymentId))[0]).toMatchObject({ fault: `error#${f.id}`, http_status: status, error_code: String(status) });
      // times: 1 — the next call is served
      expect((await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }))).status).toBe(200);
      expect(await exists(paymentId)).toBe(true);
    });

    it('429 carries Retry-After; code and message can be set', async () => {
      await fault({ endpoint: 'status', mode: 'error', status: 429, retry_after_sec: 7, code: 29, message: 'Too many requests', times: 1 });
      const r = await dpayPost(sb.url, 'status', '{"payment_id":"x"}');
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
      expect(r.text).toBe('{"error":{"code":29,"message":"Too many requests"}}');
    });
  });

  it('refuse: a 4xx with an error body, nothing done', async () => {
    await fault({ endpoint: 'create', mode: 'refuse', status: 401, times: 1 });
    const paymentId = pid('refuse');
    const r = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }));
    expect(r.status).toBe(401);
    expect(r.signed).toBe(true);
    expect(field(r.json, 'error')).toEqual({ code: new JsonNumber('401'), message: 'Request refused (sandbox fault)' });
    expect(await exists(paymentId)).toBe(false);
  });

  describe('bad_signature: the work is done, the answer does not verify', () => {
    it('tamper signature (default): the real answer, a DPAY_SECURE of other bytes', async () => {
      await fault({ endpoint: 'create', mode: 'bad_signature', times: 1 });
      const paymentId = pid('badsig');
      const r = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }));
      expect(r.status).toBe(200);
      expect(field(r.json, 'payment_id')).toBe(paymentId);
      expect(r.headers.get('dpay_secure')).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(r.signed).toBe(false);
      expect(await exists(paymentId)).toBe(true);
    });

    it('tamper missing: no DPAY_SECURE at all', async () => {
      await fault({ endpoint: 'status', mode: 'bad_signature', tamper: 'missing', times: 1 });
      const inv = await createInvoice(sb.url);
      const r = await statusOf(sb.url, inv);
      expect(r.headers.has('dpay_secure')).toBe(false);
      expect(field(r.json, 'status')).toBe('CREATED');
    });

    it('tamper body: a forged PAYED with doubled amounts under the real answer\'s signature', async () => {
      const inv = await createInvoice(sb.url, { amount: '5000.00' });
      const honest = await statusOf(sb.url, inv);
      await fault({ endpoint: 'status', mode: 'bad_signature', tamper: 'body', times: 1 });
      const forged = await statusOf(sb.url, inv);
      expect(forged.text).toContain('"status":"PAYED","amount":10000.00');
      expect(forged.signed).toBe(false);
      // the signature is the honest answer's: only the bytes changed
      expect(forged.headers.get('dpay_secure')).toBe(signDpay(SECRET, honest.raw));
      expect(verifyDpay(SECRET, honest.raw, forged.headers.get('dpay_secure') ?? undefined)).toBe(true);
      expect(field((await statusOf(sb.url, inv)).json, 'status')).toBe('CREATED');
    });
  });

  it('delay: answered as usual afterwards, recorded with the fault', async () => {
    const f = await fault({ endpoint: 'create', mode: 'delay', delay_ms: 200, times: 1 });
    const paymentId = pid('delay');
    const r = await dpayPost(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }));
    expect(r.status).toBe(200);
    expect(r.signed).toBe(true);
    expect((await records(paymentId))[0]).toMatchObject({ fault: `delay#${f.id}`, http_status: 200 });
  });

  it('drop: the connection is cut, nothing done', async () => {
    const f = await fault({ endpoint: 'create', mode: 'drop', times: 1 });
    const paymentId = pid('drop');
    const r = await dpayAttempt(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }), { timeoutMs: 5000 });
    expect('status' in r).toBe(false);
    expect((r as { error: string }).error).not.toBe('timeout');
    expect(await exists(paymentId)).toBe(false);
    expect((await records(paymentId)).filter((x) => x.endpoint === 'create')).toEqual([expect.objectContaining({ fault: `drop#${f.id}`, http_status: null, answer: null })]);
  });

  it('timeout: no answer until the client gives up, nothing done', async () => {
    await fault({ endpoint: 'create', mode: 'timeout', times: 1 });
    const paymentId = pid('timeout');
    const r = await dpayAttempt(sb.url, 'create', createBody({ payment_id: JSON.stringify(paymentId) }), { timeoutMs: 500 });
    expect(r).toEqual({ error: 'timeout' });
    expect(await exists(paymentId)).toBe(false);
  });

  it('timeout_after_work: no answer, but the invoice exists — a retry of create gets "Transaction already exists"', async () => {
    await fault({ endpoint: 'create', mode: 'timeout_after_work', times: 1 });
    const paymentId = pid('taw');
    const body = createBody({ payment_id: JSON.stringify(paymentId) });
    expect(await dpayAttempt(sb.url, 'create', body, { timeoutMs: 500 })).toEqual({ error: 'timeout' });
    expect(await exists(paymentId)).toBe(true);
    expect((await dpayPost(sb.url, 'create', body)).text).toBe('{"error":{"code":0,"message":"Transaction already exists"}}');
    const recs = await records(paymentId);
    expect(recs.filter((x) => x.endpoint === 'create').map((x) => [x.fault?.split('#')[0] ?? null, x.error_code])).toEqual([
      ['timeout_after_work', null],
      [null, '0'],
    ]);
  });

  it('"*" applies to every endpoint; times counts down; probability 0 never fires', async () => {
    await fault({ endpoint: '*', mode: 'error', status: 503, times: 2 });
    expect((await dpayPost(sb.url, 'statement', '{}')).status).toBe(503);
    expect((await dpayPost(sb.url, 'process', '{}')).status).toBe(503);
    expect((await dpayPost(sb.url, 'process', '{}')).status).toBe(200);
    await fault({ endpoint: 'create', mode: 'error', status: 500, probability: 0 });
    expect(answer(await dpayAttempt(sb.url, 'create', createBody())).status).toBe(200);
    const listed = (await sb.http.get(`${SWM_CONTROL}/faults`).expect(200)).body.faults;
    expect(listed).toEqual([expect.objectContaining({ endpoint: 'create', probability: 0, applied: 0 })]);
  });

  it('only the named endpoint is hit', async () => {
    await fault({ endpoint: 'status', mode: 'error', status: 500 });
    const inv = await createInvoice(sb.url);
    expect((await statusOf(sb.url, inv)).status).toBe(500);
    expect((await dpayPost(sb.url, 'process', JSON.stringify(inv))).status).toBe(200);
  });

  it.each([
    [{ endpoint: 'refund', mode: 'error' }],
    [{ endpoint: 'create', mode: 'explode' }],
    [{ endpoint: 'create', mode: 'error', status: 404 }],
    [{ endpoint: 'create', mode: 'refuse', status: 500 }],
    [{ endpoint: 'create', mode: 'delay' }],
    [{ endpoint: 'create', mode: 'bad_signature', tamper: 'all' }],
    [{ endpoint: 'create', mode: 'error', probability: 2 }],
  ])('a bad rule is refused (422): %p', async (body) => {
    const r = await sb.http.post(`${SWM_CONTROL}/faults`).send(body);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe(422);
  });
});
