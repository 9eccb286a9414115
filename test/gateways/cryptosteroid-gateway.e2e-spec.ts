import Decimal from 'decimal.js';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { CryptosteroidClient } from '../../src/gateways/cryptosteroid/cryptosteroid.client';
import type { CryptosteroidSettings } from '../../src/gateways/cryptosteroid/cryptosteroid.config';
import { CryptosteroidGateway } from '../../src/gateways/cryptosteroid/cryptosteroid.gateway';
import { GatewayError } from '../../src/gateways/gateway.errors';
import type { CreateInvoiceInput, GatewayInvoice } from '../../src/gateways/gateway.port';
import { exceptionsSeen } from '../../src/orders/domain/exceptions';
import { freePort } from '../support/app';
import { captureLogs } from '../support/log-capture';
import { CS_CONTROL, CsSandboxApp, startCsSandbox } from '../support/cryptosteroid-sandbox';
import { ext, Receiver } from '../sandbox/helpers';

jest.setTimeout(180_000);

const secret = () => randomBytes(24).toString('base64url'); // 32 characters

/**
 * The CryptoSteroid adapter (PaymentGateway) and its client against the real emulator on a local
 * port: what is sent, how answers map onto the port, refusals before anything is sent, faults,
 * shapes it cannot read, and the figures the domain's underpaid / overpaid rules read.
 */
describe('CryptoSteroid gateway adapter against its sandbox', () => {
  let cs: CsSandboxApp;
  let settings: CryptosteroidSettings;
  let closedPort = 0;
  let gateway: CryptosteroidGateway;
  const hooks = new Receiver();
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    logs = captureLogs();
    cs = await startCsSandbox();
    closedPort = await freePort();
    await hooks.start();
    settings = {
      mode: 'live',
      baseUrl: `${cs.url}/sandbox/cryptosteroid`,
      apiKey: cs.apiKey,
      merchantId: cs.merchantId,
      allowedIps: [],
      whoPaysCommission: 'buyer',
      timeoutMs: 2000,
    };
    gateway = new CryptosteroidGateway(() => settings, { http: { baseDelayMs: 10 } });
  });
  afterAll(async () => {
    await gateway?.onApplicationShutdown();
    await hooks.stop();
    await cs?.close();
    logs?.restore();
  });
  afterEach(async () => {
    await cs.http.post(`${CS_CONTROL}/reset`).expect(200);
  });

  const input = (over: Partial<CreateInvoiceInput> = {}): CreateInvoiceInput => ({
    orderId: randomUUID(),
    amount: '25.00',
    currency: 'USD',
    customerId: 'cust-1',
    externalId: ext('cs-gw'),
    description: 'Order 1001',
    callbackUrl: `${hooks.url}/v1/webhooks/cryptosteroid`,
    callbackCredential: secret(),
    successUrl: 'https://shop.example/ok',
    failUrl: 'https://shop.example/fail',
    paymentMethod: null,
    ...over,
  });
  const requests = async (query: Record<string, string>) => (await cs.http.get(`${CS_CONTROL}/requests`).query(query).expect(200)).body.data as Array<Record<string, unknown>>;
  const simulate = async (id: string, body: Record<string, unknown>) => cs.http.post(`${CS_CONTROL}/invoices/${id}/simulate`).send(body).expect(200);
  const read = async (inv: GatewayInvoice, externalId = inv.externalId!) => (await gateway.getInvoice({ invoiceId: inv.invoiceId, externalId, orderId: randomUUID() }))!;
  const fault = async (rule: Record<string, unknown>) => cs.http.post(`${CS_CONTROL}/faults`).send(rule).expect((r) => expect(r.status).toBeLessThan(300));
  const caught = async (p: Promise<unknown>): Promise<GatewayError> => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(GatewayError);
      return err as GatewayError;
    }
    throw new Error('expected a GatewayError');
  };

  describe('checkOrder: currency and method before anything is sent', () => {
    it.each<[string, { amount: string; currency: string; paymentMethod: string | null }, Record<string, string[]> | null]>([
      ['USD, no method', { amount: '25.00', currency: 'USD', paymentMethod: null }, null],
      ['RUB paid in USDT_TRC20', { amount: '1500.00', currency: 'RUB', paymentMethod: 'USDT_TRC20' }, null],
      ['UAH', { amount: '25.00', currency: 'UAH', paymentMethod: null }, { currency: [expect.stringContaining('USD, EUR, RUB')] }],
      ['an unknown coin', { amount: '25.00', currency: 'EUR', paymentMethod: 'XRP' }, { payment_method: [expect.stringContaining('USDT_TRC20')] }],
      ['a lower-case coin', { amount: '25.00', currency: 'EUR', paymentMethod: 'btc' }, { payment_method: [expect.any(String)] }],
      ['both wrong', { amount: '25.00', currency: 'GBP', paymentMethod: 'visamaster.uah' }, { currency: [expect.any(String)], payment_method: [expect.any(String)] }],
    ])('%s', (_name, order, expected) => {
      expect(gateway.checkOrder(order)).toEqual(expected);
    });

    it('createInvoice refuses the same things itself, and a missing or short secret: nothing reaches the provider', async () => {
      const externalId = ext('refused');
      for (const bad of [{ currency: 'UAH' }, { paymentMethod: 'XRP' }, { callbackCredential: null }, { callbackCredential: 'short-secret' }]) {
        const err = await caught(gateway.createInvoice(input({ externalId, ...bad })));
        expect([err.kind, err.message]).toEqual(['rejected', expect.stringContaining('request not sent')]);
      }
      expect(await requests({ externalId })).toEqual([]);
      // Refused before sending: the provider holds nothing, so a retry may create.
      expect(await gateway.getInvoice({ invoiceId: null, externalId, orderId: randomUUID() })).toBeNull();
    });
  });

  describe('create', () => {
    it('sends the contract fields with the per-order secret; maps the Invoice object; the secret comes back only in the Token header', async () => {
      const i = input();
      const inv = await gateway.createInvoice(i);
      expect(inv).toEqual({
        invoiceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        externalId: i.externalId,
        status: 'pending',
        rawStatus: 'NEW',
        amount: '25.00',
        currency: 'USD',
        paymentLink: `${cs.url}/sandbox/cryptosteroid/pay/${inv.invoiceId}`,
        expiresAt: expect.any(String),
        finishedAt: null,
        payment: null,
      });
      expect(Date.parse(inv.expiresAt!) - Date.now()).toBeGreaterThan(1790_000);
      expect(JSON.stringify(inv)).not.toContain(i.callbackCredential!);
      const row = (await cs.http.get(`${CS_CONTROL}/invoices/${inv.invoiceId}`).expect(200)).body.data as Record<string, unknown>;
      expect(row).toMatchObject({ description: 'Order 1001', whoPayCommission: 'buyer', returnUrl: 'https://shop.example/ok', failReturnUrl: 'https://shop.example/fail' });

      await simulate(inv.invoiceId, { outcome: 'paid' });
      const [hook] = await hooks.waitFor('/v1/webhooks/cryptosteroid', 1);
      expect(hook!.headers.token).toBe(i.callbackCredential);
      expect((hook!.json as Record<string, unknown>).invoiceId).toBe(inv.invoiceId);
      expect(hook!.raw.toString()).not.toContain(i.callbackCredential!);
    });

    it('without a description: the provider requires one, so the order number stands in', async () => {
      const inv = await gateway.createInvoice(input({ description: null, externalId: 'shop-77' }));
      const row = (await cs.http.get(`${CS_CONTROL}/invoices/${inv.invoiceId}`).expect(200)).body.data as Record<string, unknown>;
      expect(row.description).toBe('Order shop-77');
    });

    it('with the method the order names: the coin, address and coin amount at once', async () => {
      const inv = await gateway.createInvoice(input({ paymentMethod: 'USDT_TRC20', amount: '100.00' }));
      expect([inv.status, inv.rawStatus]).toEqual(['pending', 'WAITING']);
      const p = inv.payment!;
      expect(p.method_code).toBe('USDT_TRC20');
      expect(p.expected).toEqual({ amount: expect.stringMatching(/^\d+\.\d{6}$/), unit: 'USDT_TRC20' });
      expect(p.fee?.unit).toBe('USDT_TRC20');
      expect(p.received).toEqual({ amount: '0.000000', unit: 'USDT_TRC20' });
      // buyer pays the fee: asked = credited + fee
      expect(new Decimal(p.credited!.amount).plus(p.fee!.amount).eq(p.expected!.amount)).toBe(true);
      expect(p.details).toMatchObject({ coin: 'USDT_TRC20', address: expect.any(String), coin_amount: p.expected!.amount, coin_fee: p.fee!.amount, coin_received: '0.000000', commission_paid_by: 'buyer' });
    });

    it('seller pays the fee when the settings say so: credited = asked - fee', async () => {
      const seller = new CryptosteroidGateway(() => ({ ...settings, whoPaysCommission: 'seller' }));
      const inv = await seller.createInvoice(input({ paymentMethod: 'BTC' }));
      const p = inv.payment!;
      expect(p.details.commission_paid_by).toBe('seller');
      expect(new Decimal(p.expected!.amount).minus(p.fee!.amount).eq(p.credited!.amount)).toBe(true);
    });

    it('PATCH sets the method of a NEW invoice (client), and the read-back shows it', async () => {
      const inv = await gateway.createInvoice(input());
      const client = new CryptosteroidClient(() => settings);
      const patched = await client.setPaymentMethod(inv.invoiceId, 'LTC');
      expect([patched.status, patched.payment?.method]).toEqual(['WAITING', 'LTC']);
      expect((await read(inv)).payment?.method_code).toBe('LTC');
      // a second time: the invoice is no longer NEW
      const err = await caught(client.setPaymentMethod(inv.invoiceId, 'BTC'));
      expect([err.kind, err.info.httpStatus]).toEqual(['conflict', 409]);
    });

    it('a refused create (4xx) is definite: nothing was made, so a lookup by external id says none', async () => {
      await fault({ endpoint: 'create-invoice', mode: 'error', status: 422, times: 1 });
      const i = input();
      const err = await caught(gateway.createInvoice(i));
      expect([err.kind, err.info.httpStatus]).toEqual(['rejected', 422]);
      expect(await gateway.getInvoice({ invoiceId: null, externalId: i.externalId, orderId: i.orderId })).toBeNull();
      // The retry gets no clear answer: from then on an invoice may exist.
      await fault({ endpoint: 'create-invoice', mode: 'timeout_after_work', hang_ms: 5000, times: 1 });
      expect((await caught(gateway.createInvoice(i))).kind).toBe('timeout');
      expect((await caught(gateway.getInvoice({ invoiceId: null, externalId: i.externalId, orderId: i.orderId }))).info.details).toEqual({ reason: 'no_lookup_by_external_id' });
    });

    it('no connection at all is definite too: nothing was sent', async () => {
      const nowhere = new CryptosteroidGateway(() => ({ ...settings, baseUrl: `http://127.0.0.1:${closedPort}` }));
      const i = input();
      const err = await caught(nowhere.createInvoice(i));
      expect([err.kind, err.message]).toEqual(['unavailable', expect.stringContaining('ECONNREFUSED')]);
      expect(await nowhere.getInvoice({ invoiceId: null, externalId: i.externalId, orderId: i.orderId })).toBeNull();
    });

    it('an unclear create (5xx, timeout) is never retried, and a lookup by external id refuses to guess', async () => {
      for (const rule of [
        { endpoint: 'create-invoice', mode: 'error', status: 503, times: 1 },
        { endpoint: 'create-invoice', mode: 'timeout_after_work', hang_ms: 5000, times: 1 },
      ]) {
        await fault(rule);
        const i = input();
        const err = await caught(gateway.createInvoice(i));
        expect(err.unclear).toBe(true);
        expect(await requests({ externalId: i.externalId, endpoint: 'create-invoice' })).toHaveLength(1);
        const lookup = await caught(gateway.getInvoice({ invoiceId: null, externalId: i.externalId, orderId: i.orderId }));
        expect(lookup.info.details).toEqual({ reason: 'no_lookup_by_external_id' });
      }
    });
  });

  describe('read-back: statuses and the figures the domain reads', () => {
    it('paid in full: success, nothing to raise', async () => {
      const inv = await gateway.createInvoice(input({ paymentMethod: 'USDT_TRC20' }));
      await simulate(inv.invoiceId, { outcome: 'paid' });
      const paid = await read(inv);
      expect([paid.status, paid.rawStatus]).toEqual(['success', 'PAID']);
      expect(paid.finishedAt).toEqual(expect.any(String));
      expect(paid.payment!.received).toEqual(paid.payment!.expected);
      expect(paid.payment!.details).toMatchObject({ payment_finished: true, tx_hashes: [expect.any(String)], fiat_received: expect.stringMatching(/^\d+\.\d{2}$/) });
      expect(exceptionsSeen(paid.status, paid.payment)).toEqual({ underpaid: false, overpaid: false });
    });

    it('part paid, then the window ends: expired with money received, underpaid', async () => {
      const inv = await gateway.createInvoice(input({ paymentMethod: 'USDT_TRC20' }));
      await simulate(inv.invoiceId, { outcome: 'underpaid' });
      const waiting = await read(inv);
      expect(waiting.status).toBe('pending');
      expect(exceptionsSeen(waiting.status, waiting.payment)).toEqual({ underpaid: false, overpaid: false });
      await simulate(inv.invoiceId, { outcome: 'expire' });
      const expired = await read(inv);
      expect([expired.status, expired.rawStatus]).toEqual(['expired', 'EXPIRED']);
      const p = expired.payment!;
      expect(new Decimal(p.received!.amount).gt(0) && new Decimal(p.received!.amount).lt(p.expected!.amount)).toBe(true);
      expect(exceptionsSeen(expired.status, p)).toEqual({ underpaid: true, overpaid: false });
    });

    it('PAID although less arrived: the figures say underpaid (the domain never makes it paid)', async () => {
      const inv = await gateway.createInvoice(input({ paymentMethod: 'BTC' }));
      await simulate(inv.invoiceId, { outcome: 'paid_short' });
      const short = await read(inv);
      expect(short.status).toBe('success');
      expect(exceptionsSeen(short.status, short.payment)).toEqual({ underpaid: true, overpaid: false });
    });

    it('more than asked: paid, overpaid', async () => {
      const inv = await gateway.createInvoice(input({ paymentMethod: 'ETH' }));
      await simulate(inv.invoiceId, { outcome: 'overpaid' });
      const over = await read(inv);
      expect(over.status).toBe('success');
      expect(exceptionsSeen(over.status, over.payment)).toEqual({ underpaid: false, overpaid: true });
    });

    it('expired with nothing received: expired, no exception', async () => {
      const inv = await gateway.createInvoice(input());
      await simulate(inv.invoiceId, { outcome: 'expire' });
      const expired = await read(inv);
      expect([expired.status, expired.payment]).toEqual(['expired', null]);
      expect(exceptionsSeen(expired.status, expired.payment)).toEqual({ underpaid: false, overpaid: false });
    });

    it.each(['s', 'iso'])('timestamps in %s read as the same instant as in milliseconds', async (format) => {
      const inv = await gateway.createInvoice(input());
      await cs.http.put(`${CS_CONTROL}/settings`).send({ timestamp_format: format }).expect(200);
      const again = await read(inv);
      expect(Math.abs(Date.parse(again.expiresAt!) - Date.parse(inv.expiresAt!))).toBeLessThan(1000);
    });

    it('an invoice the provider does not have: null', async () => {
      expect(await gateway.getInvoice({ invoiceId: randomUUID(), externalId: 'x', orderId: randomUUID() })).toBeNull();
    });

    it('a read that fails at first is retried (reads only)', async () => {
      const inv = await gateway.createInvoice(input());
      await fault({ endpoint: 'get-invoice', mode: 'error', status: 503, times: 2 });
      expect((await read(inv)).status).toBe('pending');
      expect(await requests({ invoiceId: inv.invoiceId, endpoint: 'get-invoice' })).toHaveLength(3);
    });

    it('a wrong key is an auth error, not a missing invoice', async () => {
      const inv = await gateway.createInvoice(input());
      const wrong = new CryptosteroidGateway(() => ({ ...settings, apiKey: 'cs_wrong_key_0123456789' }));
      const err = await caught(wrong.getInvoice({ invoiceId: inv.invoiceId, externalId: inv.externalId!, orderId: randomUUID() }));
      expect([err.kind, err.info.httpStatus]).toEqual(['auth', 403]);
    });
  });

  describe('cancel', () => {
    it('an open invoice: CANCELLED, and it reads back canceled', async () => {
      const inv = await gateway.createInvoice(input());
      await gateway.cancelInvoice({ invoiceId: inv.invoiceId, externalId: inv.externalId!, orderId: randomUUID() });
      expect((await read(inv)).status).toBe('canceled');
    });

    it('a paid invoice: a conflict the core resolves by reading', async () => {
      const inv = await gateway.createInvoice(input({ paymentMethod: 'TRX' }));
      await simulate(inv.invoiceId, { outcome: 'paid' });
      const err = await caught(gateway.cancelInvoice({ invoiceId: inv.invoiceId, externalId: inv.externalId!, orderId: randomUUID() }));
      expect([err.kind, err.info.httpStatus]).toEqual(['conflict', 409]);
    });
  });

  describe('answers it cannot read move nothing', () => {
    let server: Server;
    let url = '';
    let reply: (req: IncomingMessage, body: string) => { status: number; body: string } = () => ({ status: 200, body: '{}' });

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const r = reply(req, Buffer.concat(chunks).toString('utf8'));
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(r.body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const addr = server.address();
      url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const odd = () => new CryptosteroidGateway(() => ({ ...settings, baseUrl: url }), { http: { maxAttempts: 1 } });
    const base = { merchantId: randomUUID(), invoiceId: randomUUID(), fiatAmount: '25.00', fiatCurrency: 'USD', status: 'PAID', externalId: 'e-1' };

    it.each<[string, string]>([
      ['not JSON', '<html>ok</html>'],
      ['an array', '[]'],
      ['money as a JSON number', JSON.stringify({ ...base, fiatAmount: 25 })],
      ['a coin amount as a JSON number', JSON.stringify({ ...base, payment: { method: 'BTC', amount: 0.001, paid: { received: '0.001' } } })],
      ['no invoiceId', JSON.stringify({ ...base, invoiceId: undefined })],
      ['paid.received not a decimal', JSON.stringify({ ...base, payment: { method: 'BTC', amount: '0.001', paid: { received: '1e-3' } } })],
    ])('%s: a GatewayError, never a guessed invoice', async (_name, body) => {
      reply = () => ({ status: 200, body });
      const err = await caught(odd().getInvoice({ invoiceId: base.invoiceId, externalId: 'e-1', orderId: randomUUID() }));
      expect(err.kind).toBe('rejected');
    });

    it('a refusal that echoes the request: neither the secret nor the key is in the error', async () => {
      let got: Record<string, unknown> = {};
      reply = (_req, body) => {
        got = JSON.parse(body) as Record<string, unknown>;
        return { status: 400, body: JSON.stringify({ error: { code: 'BAD', message: `bad request ${body}` } }) };
      };
      const i = input();
      const err = await caught(odd().createInvoice(i));
      expect(got.secret).toBe(i.callbackCredential);
      expect(err.message).toContain('BAD');
      expect(err.message).not.toContain(i.callbackCredential!);
      expect(JSON.stringify(err.info)).not.toContain(i.callbackCredential!);
      expect(err.message).not.toContain(settings.apiKey);
    });

    it('the key travels as X-Api-Key, the merchant in the path, JSON in and out', async () => {
      let seen: IncomingMessage | undefined;
      reply = (req) => {
        seen = req;
        return { status: 200, body: JSON.stringify(base) };
      };
      await odd().getInvoice({ invoiceId: base.invoiceId, externalId: 'e-1', orderId: randomUUID() });
      expect(seen!.headers['x-api-key']).toBe(settings.apiKey);
      expect(seen!.url).toBe(`/merchants/${settings.merchantId}/invoices/${base.invoiceId}`);
      expect(seen!.headers.accept).toBe('application/json');
    });
  });

  it('no log line of the suite carries the API key or a secret', () => {
    expect(logs.lines.length).toBeGreaterThan(10);
    const joined = logs.lines.join('\n');
    expect(joined).not.toContain(settings.apiKey);
    expect(joined).not.toMatch(/"secret"/);
  });
});
