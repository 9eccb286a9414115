import Decimal from 'decimal.js';
import { randomBytes } from 'node:crypto';
import { mapCsInvoice } from '../../src/gateways/cryptosteroid/cryptosteroid.mapping';
import { cryptosteroidCallbacks } from '../../src/gateways/cryptosteroid/cryptosteroid.callbacks';
import { waitFor } from '../support/app';
import { CS_CONTROL, CsSandboxApp, startCsSandbox } from '../support/cryptosteroid-sandbox';
import { Delivery, ext, Receiver } from './helpers';

jest.setTimeout(90_000);

/** The single PAID webhook (Token header, retries, the attempt cap), payments in part and in excess, expiry. */
describe('CryptoSteroid sandbox: webhook, payments, expiry', () => {
  let cs: CsSandboxApp;
  let receiver: Receiver;
  let key: Record<string, string>;
  let n = 0;

  beforeAll(async () => {
    cs = await startCsSandbox({ webhookTimeoutMs: 1000 });
    key = { 'X-Api-Key': cs.apiKey };
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await cs?.close();
  });
  beforeEach(async () => {
    receiver.responder = () => ({ status: 200, body: 'ok' });
    await cs.http.post(`${CS_CONTROL}/reset`).expect(200);
    // 10 s → 1 ms: the whole schedule runs in about a second
    await cs.http.put(`${CS_CONTROL}/settings`).send({ webhook_retry_scale: 0.0001 }).expect(200);
  });

  /** A fresh hook path and secret per invoice, so deliveries never mix. */
  const create = async (over: Record<string, unknown> = {}) => {
    const path = `/hook/${++n}`;
    const secret = randomBytes(32).toString('base64url');
    const r = await cs.http
      .post(cs.invoices)
      .set(key)
      .send({ fiatCurrency: 'USD', fiatAmount: '25.00', description: 'Order', externalId: ext('wh'), secret, processingUrl: `${receiver.url}${path}`, paymentMethod: 'USDT_TRC20', ...over })
      .expect(201);
    return { inv: r.body as Record<string, any>, path, secret };
  };
  const simulate = (id: string, b: Record<string, unknown>) => cs.http.post(`${CS_CONTROL}/invoices/${id}/simulate`).send(b);
  const webhook = async (id: string) => (await cs.http.get(`${CS_CONTROL}/invoices/${id}/webhook`).expect(200)).body.data as Record<string, any> | null;
  const get = async (id: string) => (await cs.http.get(`${cs.invoices}/${id}`).set(key).expect(200)).body as Record<string, any>;
  const settled = (id: string) => waitFor(`webhook of ${id} settled`, async () => {
    const w = await webhook(id);
    return w && w.status !== 'pending' ? w : null;
  });

  it('PAID: one POST of the Invoice object to processingUrl with Token = the secret; a 200 ends it', async () => {
    const { inv, path, secret } = await create();
    const paid = (await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200)).body.data;
    expect(paid.status).toBe('PAID');
    const [d] = await receiver.waitFor(path, 1);
    expect(d!.headers.token).toBe(secret);
    expect(d!.headers['content-type']).toBe('application/json');
    expect(d!.json).toEqual(paid);
    expect(d!.json).toMatchObject({ status: 'PAID', invoiceId: inv.invoiceId, externalId: inv.externalId, payment: { paid: { received: '25.250000', fiat: '25.25', finished: true } } });
    expect((d!.json as any).payment.paid.hash).toHaveLength(1);
    const w = await settled(inv.invoiceId);
    expect(w).toMatchObject({ status: 'success', attempts: 1, history: [{ try_number: 1, trigger: 'auto', http_status: 200, error_message: null }] });
    // what the service will do with it: the callback helpers read it, the mapping says success with the full amount
    const parsed = cryptosteroidCallbacks({ allowedIps: [] }).parse({ method: 'POST', rawBody: d!.raw, headers: d!.headers, params: {}, query: {}, ip: '127.0.0.1' });
    // The duplicate key: the invoice, its status and the body's updatedAt (the same notice resent is one entry).
    expect(parsed).toMatchObject({ invoiceId: inv.invoiceId, dedupeKey: expect.stringMatching(new RegExp(`^${inv.invoiceId}:PAID:\\d+$`)), claimedStatus: 'PAID' });
    expect(cryptosteroidCallbacks({ allowedIps: [] }).presentedCredential!({ method: 'POST', rawBody: d!.raw, headers: d!.headers, params: {}, query: {}, ip: '' })).toBe(secret);
    const g = mapCsInvoice(d!.json);
    expect(g).toMatchObject({ status: 'success', payment: { expected: { amount: '25.250000', unit: 'USDT_TRC20' }, received: { amount: '25.250000', unit: 'USDT_TRC20' } } });
    // sent once: a later invoice's webhook goes out, this one's is not repeated
    const next = await create();
    await simulate(next.inv.invoiceId, { outcome: 'paid' }).expect(200);
    await receiver.waitFor(next.path, 1);
    expect(receiver.to(path)).toHaveLength(1);
  });

  it('each invoice carries its own secret; without processingUrl there is no webhook at all', async () => {
    const a = await create();
    const b = await create();
    await simulate(a.inv.invoiceId, { outcome: 'paid' }).expect(200);
    await simulate(b.inv.invoiceId, { outcome: 'paid' }).expect(200);
    expect((await receiver.waitFor(a.path, 1))[0]!.headers.token).toBe(a.secret);
    expect((await receiver.waitFor(b.path, 1))[0]!.headers.token).toBe(b.secret);
    const none = await cs.http.post(cs.invoices).set(key).send({ fiatCurrency: 'USD', fiatAmount: '1.00', description: 'x', paymentMethod: 'TRX' }).expect(201);
    await simulate(none.body.invoiceId, { outcome: 'paid' }).expect(200);
    expect(await webhook(none.body.invoiceId)).toBeNull();
  });

  it('anything but 200 is retried (500, 201, 204, a timeout), every attempt recorded, until a 200', async () => {
    const { inv, path } = await create();
    receiver.responder = (_d: Delivery, nth: number) => [{ status: 500 }, { status: 201 }, { status: 204 }, { status: 200, delayMs: 1500 }, { status: 200 }][nth - 1] ?? { status: 200 };
    await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200);
    const w = await settled(inv.invoiceId);
    expect(w.status).toBe('success');
    expect(w.attempts).toBe(5);
    expect(w.history.map((a: { http_status: number | null }) => a.http_status)).toEqual([500, 201, 204, null, 200]);
    expect(w.history[3].error_message).toMatch(/timeout/);
    const got = receiver.to(path);
    expect(got).toHaveLength(5);
    // the same bytes every time
    expect(new Set(got.map((d) => d.raw.toString('base64'))).size).toBe(1);
  });

  it('at most 10 attempts: a receiver that never says 200 gets exactly 10, then the webhook is dead', async () => {
    const { inv, path } = await create();
    receiver.responder = () => ({ status: 503 });
    await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200);
    const w = await settled(inv.invoiceId);
    expect(w.status).toBe('dead');
    expect(w.attempts).toBe(10);
    expect(w.history.map((a: { try_number: number }) => a.try_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(receiver.to(path)).toHaveLength(10);
    // the invoice stays PAID
    expect((await get(inv.invoiceId)).status).toBe('PAID');
  });

  it('the cap is a setting (fewer attempts for quicker tests)', async () => {
    await cs.http.put(`${CS_CONTROL}/settings`).send({ webhook_max_attempts: 3 }).expect(200);
    const { inv, path } = await create();
    receiver.responder = () => ({ status: 500 });
    await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200);
    expect((await settled(inv.invoiceId)).attempts).toBe(3);
    expect(receiver.to(path)).toHaveLength(3);
  });

  it('underpaid: no webhook; at the end of the window the invoice is EXPIRED with received below amount', async () => {
    const { inv, path } = await create();
    const part = (await simulate(inv.invoiceId, { outcome: 'underpaid', amount: '10' }).expect(200)).body.data;
    expect(part.status).toBe('WAITING');
    expect(part.payment.paid).toEqual({ hash: [expect.any(String)], received: '10.000000', fiat: '10.00', finished: false });
    const expired = (await simulate(inv.invoiceId, { outcome: 'expire' }).expect(200)).body.data;
    expect(expired).toMatchObject({ status: 'EXPIRED', payment: { amount: '25.250000', paid: { received: '10.000000', finished: false } } });
    expect(expired.expiresAt).toBeLessThanOrEqual(Date.now());
    expect(await webhook(inv.invoiceId)).toBeNull();
    expect(receiver.to(path)).toHaveLength(0);
    const g = mapCsInvoice(await get(inv.invoiceId));
    expect(g.status).toBe('expired');
    expect(new Decimal(g.payment!.received!.amount).lt(g.payment!.expected!.amount)).toBe(true);
    // closed: nothing more is accepted
    expect((await simulate(inv.invoiceId, { outcome: 'paid' })).status).toBe(409);
  });

  it('paid_short: PAID with less received than asked (UNKNOWN at the provider), the webhook says so', async () => {
    const { inv, path } = await create();
    const paid = (await simulate(inv.invoiceId, { outcome: 'paid_short', amount: '20' }).expect(200)).body.data;
    expect(paid).toMatchObject({ status: 'PAID', payment: { amount: '25.250000', paid: { received: '20.000000', finished: true } } });
    const [d] = await receiver.waitFor(path, 1);
    const g = mapCsInvoice(d!.json);
    expect(g.status).toBe('success');
    expect(new Decimal(g.payment!.received!.amount).lt(g.payment!.expected!.amount)).toBe(true);
    expect((await simulate(inv.invoiceId, { outcome: 'paid_short' })).status).toBe(409);
    const other = await create();
    expect((await simulate(other.inv.invoiceId, { outcome: 'paid_short', amount: '25.25' })).status).toBe(422);
  });

  it('paid_late: an EXPIRED (or CANCELLED) invoice paid in full after all: PAID and the webhook; an open one → 409', async () => {
    const { inv, path } = await create();
    expect((await simulate(inv.invoiceId, { outcome: 'paid_late' })).status).toBe(409);
    await simulate(inv.invoiceId, { outcome: 'underpaid', amount: '5' }).expect(200);
    await simulate(inv.invoiceId, { outcome: 'expire' }).expect(200);
    const paid = (await simulate(inv.invoiceId, { outcome: 'paid_late' }).expect(200)).body.data;
    expect(paid).toMatchObject({ status: 'PAID', payment: { paid: { received: '25.250000' } } });
    expect(((await receiver.waitFor(path, 1))[0]!.json as { status: string }).status).toBe('PAID');
    const cancelled = await create({ paymentMethod: undefined });
    await simulate(cancelled.inv.invoiceId, { outcome: 'cancel' }).expect(200);
    expect((await simulate(cancelled.inv.invoiceId, { outcome: 'paid_late' }).expect(200)).body.data).toMatchObject({ status: 'PAID', payment: { method: 'USDT_TRC20' } });
  });

  it('paid in two parts: PAID when the total reaches the amount, one webhook with both hashes', async () => {
    const { inv, path } = await create();
    await simulate(inv.invoiceId, { outcome: 'underpaid' }).expect(200);
    const paid = (await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200)).body.data;
    expect(paid.status).toBe('PAID');
    expect(paid.payment.paid.received).toBe('25.250000');
    const [d] = await receiver.waitFor(path, 1);
    expect((d!.json as any).payment.paid.hash).toHaveLength(2);
  });

  it('overpaid: PAID, the webhook says more arrived than asked', async () => {
    const { inv, path } = await create();
    const paid = (await simulate(inv.invoiceId, { outcome: 'overpaid', amount: '30' }).expect(200)).body.data;
    expect(paid).toMatchObject({ status: 'PAID', payment: { amount: '25.250000', paid: { received: '30.000000', fiat: '30.00', finished: true } } });
    const [d] = await receiver.waitFor(path, 1);
    const g = mapCsInvoice(d!.json);
    expect(new Decimal(g.payment!.received!.amount).gt(g.payment!.expected!.amount)).toBe(true);
  });

  it('the window closes by itself: NEW and part-paid WAITING invoices become EXPIRED, no webhook', async () => {
    await cs.http.put(`${CS_CONTROL}/settings`).send({ invoice_timeout_s: 1 }).expect(200);
    const fresh = await create({ paymentMethod: undefined });
    const part = await create();
    await simulate(part.inv.invoiceId, { outcome: 'underpaid', amount: '1' }).expect(200);
    expect(fresh.inv.expiresAt - fresh.inv.createdAt).toBe(1000);
    for (const id of [fresh.inv.invoiceId, part.inv.invoiceId]) {
      await waitFor(`${id} expired`, async () => (await get(id)).status === 'EXPIRED');
    }
    expect((await get(part.inv.invoiceId)).payment.paid.received).toBe('1.000000');
    expect(receiver.to(part.path)).toHaveLength(0);
    // the merchant API refuses changes on it
    expect((await cs.http.patch(`${cs.invoices}/${fresh.inv.invoiceId}`).set(key).send({ paymentMethod: 'BTC' })).status).toBe(409);
  });

  it('cancel (control or DELETE): CANCELLED, no webhook', async () => {
    const { inv, path } = await create();
    expect((await simulate(inv.invoiceId, { outcome: 'cancel' }).expect(200)).body.data.status).toBe('CANCELLED');
    expect(await webhook(inv.invoiceId)).toBeNull();
    expect(receiver.to(path)).toHaveLength(0);
  });

  it.each([
    [{ outcome: 'underpaid', amount: '25.25' }, 'amount'],
    [{ outcome: 'underpaid', amount: '0' }, 'amount'],
    [{ outcome: 'underpaid', amount: '1.0000001' }, 'amount'],
    [{ outcome: 'overpaid', amount: '25.25' }, 'amount'],
    [{ outcome: 'paid', amount: '5' }, 'amount'],
    [{ outcome: 'refund' }, 'outcome'],
    [{ outcome: 'paid', method: 'XRP' }, 'method'],
  ])('simulate %j → 422 naming %s, nothing paid', async (b, field) => {
    const { inv } = await create();
    const r = await simulate(inv.invoiceId, b).expect(422);
    expect(Object.keys(r.body.error.details.fields)).toEqual([field]);
    expect((await get(inv.invoiceId)).payment.paid.received).toBe('0.000000');
  });

  it('simulate picks a coin when none is chosen (or the one named); unknown invoice → 404; PAID → 409', async () => {
    const { inv } = await create({ paymentMethod: undefined });
    expect(inv.status).toBe('NEW');
    const paid = (await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200)).body.data;
    expect(paid.payment.method).toBe('USDT_TRC20');
    expect((await simulate(inv.invoiceId, { outcome: 'paid' })).status).toBe(409);
    const other = await create({ paymentMethod: undefined });
    expect((await simulate(other.inv.invoiceId, { outcome: 'paid', method: 'DOGE' }).expect(200)).body.data.payment.method).toBe('DOGE');
    expect((await simulate('0b6f3c1e-8a55-4a8e-9b0f-3f7c1d2e4a5b', { outcome: 'paid' })).status).toBe(404);
  });

  describe('delivery controls', () => {
    it('disabled: the webhook waits (pending, no attempt); enabled again, it goes out', async () => {
      await cs.http.put(`${CS_CONTROL}/webhooks`).send({ enabled: false }).expect(200);
      const { inv, path } = await create();
      await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200);
      expect(await webhook(inv.invoiceId)).toMatchObject({ status: 'pending', attempts: 0, history: [] });
      await cs.http.put(`${CS_CONTROL}/webhooks`).send({ enabled: true }).expect(200);
      await receiver.waitFor(path, 1);
      expect((await settled(inv.invoiceId)).status).toBe('success');
    });

    it('duplicate: every delivery is sent twice with the same body and Token; one attempt recorded', async () => {
      await cs.http.put(`${CS_CONTROL}/webhooks`).send({ duplicate: true }).expect(200);
      const { inv, path, secret } = await create();
      await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200);
      const got = await receiver.waitFor(path, 2);
      expect(got[0]!.raw.equals(got[1]!.raw)).toBe(true);
      expect(got.map((d) => d.headers.token)).toEqual([secret, secret]);
      expect((await settled(inv.invoiceId)).attempts).toBe(1);
    });

    it('delay_ms holds each delivery; the control refuses bad values', async () => {
      expect((await cs.http.put(`${CS_CONTROL}/webhooks`).send({ delay_ms: -1 })).status).toBe(422);
      expect((await cs.http.put(`${CS_CONTROL}/webhooks`).send({ enabled: 'yes' })).status).toBe(422);
      expect((await cs.http.put(`${CS_CONTROL}/webhooks`).send({ delay_ms: 200 }).expect(200)).body.data).toEqual({ enabled: true, delay_ms: 200, duplicate: false });
      const { inv, path } = await create();
      const paidAt = Date.now();
      await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200);
      const [d] = await receiver.waitFor(path, 1);
      expect(d!.at - paidAt).toBeGreaterThanOrEqual(200);
    });

    it('deliver now, N times (a replay for the service): recorded as manual, the same bytes and Token', async () => {
      const { inv, path, secret } = await create();
      await simulate(inv.invoiceId, { outcome: 'paid' }).expect(200);
      await receiver.waitFor(path, 1);
      await settled(inv.invoiceId);
      const r = await cs.http.post(`${CS_CONTROL}/invoices/${inv.invoiceId}/webhook/deliver`).send({ times: 3 }).expect(200);
      expect(r.body.data).toEqual([
        { http_status: 200, error: null },
        { http_status: 200, error: null },
        { http_status: 200, error: null },
      ]);
      const got = receiver.to(path);
      expect(got).toHaveLength(4);
      expect(new Set(got.map((d) => d.raw.toString('hex') + d.headers.token)).size).toBe(1);
      expect(got[3]!.headers.token).toBe(secret);
      const w = await webhook(inv.invoiceId);
      expect(w!.history.map((a: { trigger: string }) => a.trigger)).toEqual(['auto', 'manual', 'manual', 'manual']);
      expect(w!.attempts).toBe(1);
      // an invoice without a webhook
      const open = await create();
      expect((await cs.http.post(`${CS_CONTROL}/invoices/${open.inv.invoiceId}/webhook/deliver`).send({})).status).toBe(404);
    });
  });
});
