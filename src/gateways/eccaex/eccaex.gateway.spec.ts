import { Logger } from '@nestjs/common';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { loadSettings } from '../../config/settings';
import { GatewayError } from '../gateway.errors';
import { EccaexClient } from './eccaex.client';
import { EccaexGateway } from './eccaex.gateway';

// A real HTTP server on 127.0.0.1 behind a real EccaexClient; nothing is mocked but the logger.

const API_KEY = 'gateway_spec_key_0123456789';
const ORDER_ID = 'a1b2c3d4-5678-90ab-cdef-1234567890ab';

interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Reply = [number, unknown?];

let server: http.Server;
let port: number;
let hits: Hit[];
let replies: Reply[];
let warnings: string[];

function reply(...r: Reply[]): void {
  replies = r;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const [status, payload] = replies.length > 1 ? replies.shift()! : replies[0];
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  hits = [];
  replies = [[404, { successful: false, request_id: 'r', error: { code: 'NOT_FOUND', message: 'no' } }]];
  warnings = [];
  for (const level of ['log', 'error', 'debug', 'verbose'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((msg: unknown) => {
    warnings.push(String(msg));
  });
});

afterEach(() => jest.restoreAllMocks());

function makeGateway(): EccaexGateway {
  const settings = loadSettings({
    ECCAEX_MODE: 'sandbox',
    ECCAEX_BASE_URL: `http://127.0.0.1:${port}/api/v1`,
    ECCAEX_API_KEY: API_KEY,
    ECCAEX_TIMEOUT_MS: '200',
  });
  return new EccaexGateway(new EccaexClient(settings, { baseDelayMs: 5 }));
}

const DEAL = {
  deal_id: '8f1b2c3d-4e5f-6789-90ab-cdef12345678',
  status: 'completed',
  sub_status: null,
  payment_method_code: 'monobank',
  payment_method_name: 'Monobank UA',
  amount_fiat: '1537.50',
  conversion_rate: '41.50',
  merchant_usdt: '35.42',
  expires_at: '2026-04-26T12:30:00+00:00',
  finished_at: '2026-04-26T12:08:31+00:00',
  mark_paid_at: '2026-04-26T12:07:55+00:00',
};

function invoice(overrides: Record<string, unknown> = {}) {
  return {
    invoice_id: ORDER_ID,
    external_id: 'order-2026-0001',
    customer_id: 'user_12345',
    purpose: 'Payment for Premium subscription',
    amount: '1500.00',
    currency: 'UAH',
    status: 'pending',
    callback_url: 'https://yoursite.com/webhooks/payment',
    success_url: 'https://yoursite.com/payment/success',
    fail_url: 'https://yoursite.com/payment/failed',
    payment_link: `https://pay.app.com/${ORDER_ID}`,
    created_at: '2026-04-26T12:00:00+00:00',
    expires_at: '2026-04-26T12:20:00+00:00',
    finished_at: null,
    method_selected: false,
    deal: null,
    ...overrides,
  };
}

describe('EccaexGateway — invoice mapping', () => {
  it('has the name eccaex', () => {
    expect(makeGateway().name).toBe('eccaex');
  });

  it.each([
    ['pending', 'pending'],
    ['success', 'success'],
    ['fail', 'fail'],
    ['expired', 'expired'],
    ['canceled', 'canceled'],
    ['cancelled', 'canceled'],
  ])('status %s → %s', async (raw, expected) => {
    reply([200, { successful: true, data: invoice({ status: raw }) }]);
    const inv = await makeGateway().getInvoice(ORDER_ID);
    expect(inv?.status).toBe(expected);
    expect(inv?.rawStatus).toBe(raw);
    expect(warnings.filter((w) => w.includes('unrecognised'))).toHaveLength(0);
  });

  it.each(['processing', 'SUCCESS', 'constructor'])('unrecognised status %s → unknown, raw kept, warned', async (raw) => {
    reply([200, { successful: true, data: invoice({ status: raw }) }]);
    const inv = await makeGateway().getInvoice(ORDER_ID);
    expect(inv?.status).toBe('unknown');
    expect(inv?.rawStatus).toBe(raw);
    expect(warnings.some((w) => w.includes('unrecognised') && w.includes(raw))).toBe(true);
  });

  it('maps the whole invoice and the deal to payment', async () => {
    reply([200, { successful: true, data: invoice({ status: 'success', method_selected: true, finished_at: '2026-04-26T12:08:31+00:00', deal: DEAL }) }]);
    const inv = await makeGateway().getInvoice('order-2026-0001');
    expect(hits[0].url).toBe('/api/v1/invoices/order-2026-0001');
    expect(inv).toEqual({
      invoiceId: ORDER_ID,
      externalId: 'order-2026-0001',
      status: 'success',
      rawStatus: 'success',
      amount: '1500.00',
      currency: 'UAH',
      paymentLink: `https://pay.app.com/${ORDER_ID}`,
      expiresAt: '2026-04-26T12:20:00+00:00',
      finishedAt: '2026-04-26T12:08:31+00:00',
      // The port's payment: EccaEx's own figures in `details` (shown in the Order's `payment` under these names).
      payment: {
        method_code: 'monobank',
        expected: null,
        received: null,
        credited: { amount: '35.42', unit: 'USDT' },
        fee: null,
        adjusted: false,
        details: { amount_fiat: '1537.50', conversion_rate: '41.50', merchant_usdt: '35.42' },
      },
    });
  });

  it('payment is null without a deal; missing optional fields become null', async () => {
    const { payment_link: _l, expires_at: _e, finished_at: _f, deal: _d, ...bare } = invoice();
    reply([200, bare]);
    const inv = await makeGateway().getInvoice(ORDER_ID);
    expect(inv).toMatchObject({ payment: null, paymentLink: null, expiresAt: null, finishedAt: null });
  });

  it('adjusted comes from deal.is_adjusted or invoice.is_adjusted', async () => {
    reply(
      [200, { data: invoice({ status: 'success', deal: { ...DEAL, is_adjusted: true } }) }],
      [200, { data: invoice({ status: 'success', is_adjusted: true, deal: DEAL }) }],
      [200, { data: invoice({ status: 'success', is_adjusted: false, deal: { ...DEAL, is_adjusted: null } }) }],
    );
    const gw = makeGateway();
    expect((await gw.getInvoice(ORDER_ID))?.payment?.adjusted).toBe(true);
    expect((await gw.getInvoice(ORDER_ID))?.payment?.adjusted).toBe(true);
    expect((await gw.getInvoice(ORDER_ID))?.payment?.adjusted).toBe(false);
  });

  it('a deal with missing amounts maps them to null', async () => {
    reply([200, { data: invoice({ deal: { deal_id: 'd-1', payment_method_code: 'privatbank' } }) }]);
    const inv = await makeGateway().getInvoice(ORDER_ID);
    expect(inv?.payment).toEqual({
      method_code: 'privatbank',
      expected: null,
      received: null,
      credited: null,
      fee: null,
      adjusted: false,
      details: { amount_fiat: null, conversion_rate: null, merchant_usdt: null },
    });
  });
});

describe('EccaexGateway — getInvoice errors', () => {
  it('404 → null', async () => {
    reply([404, { successful: false, request_id: 'r-404', error: { code: 'INVOICE_NOT_FOUND', message: 'Invoice not found' } }]);
    await expect(makeGateway().getInvoice('nope')).resolves.toBeNull();
    expect(hits).toHaveLength(1);
  });

  it('other failures propagate as GatewayError', async () => {
    reply([403, { successful: false, request_id: 'r-403', error: { code: 'API_KEY_INVALID', message: 'Invalid or inactive API key' } }]);
    await expect(makeGateway().getInvoice(ORDER_ID)).rejects.toMatchObject({ kind: 'auth', info: { code: 'API_KEY_INVALID' } });
  });

  it('503 is retried by the client and then propagates as unavailable', async () => {
    reply([503, { successful: false, error: { code: 'DOWN', message: 'down' } }]);
    const err = await makeGateway().getInvoice(ORDER_ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).kind).toBe('unavailable');
    expect(hits).toHaveLength(3);
  });
});

describe('EccaexGateway — createInvoice', () => {
  it('maps CreateInvoiceInput to the create-invoice body and the answer back', async () => {
    reply([201, { successful: true, data: invoice() }]);
    const inv = await makeGateway().createInvoice({
      orderId: 'b6c1f9a2-0000-4000-8000-000000000001',
      callbackCredential: null,
      amount: '1500.00',
      currency: 'UAH',
      customerId: 'user_12345',
      externalId: 'order-2026-0001',
      description: 'Premium subscription',
      callbackUrl: 'https://yoursite.com/webhooks/payment',
      successUrl: 'https://yoursite.com/payment/success',
      failUrl: 'https://yoursite.com/payment/failed',
      paymentMethod: 'monobank',
    });
    expect(hits).toHaveLength(1);
    expect(hits[0].method).toBe('POST');
    expect(hits[0].url).toBe('/api/v1/create-invoice');
    expect(hits[0].headers['x-api-key']).toBe(API_KEY);
    expect(JSON.parse(hits[0].body)).toEqual({
      amount: '1500.00',
      currency_code: 'UAH',
      customer_id: 'user_12345',
      external_id: 'order-2026-0001',
      purpose: 'Premium subscription',
      callback_url: 'https://yoursite.com/webhooks/payment',
      success_url: 'https://yoursite.com/payment/success',
      fail_url: 'https://yoursite.com/payment/failed',
    });
    expect(inv).toMatchObject({ invoiceId: ORDER_ID, externalId: 'order-2026-0001', status: 'pending', payment: null });
  });

  it('omits null / undefined optional fields', async () => {
    reply([200, invoice()]);
    await makeGateway().createInvoice({
      orderId: 'b6c1f9a2-0000-4000-8000-000000000001',
      callbackCredential: null,
      paymentMethod: null,
      amount: '10.00',
      currency: 'UAH',
      customerId: 'c-1',
      externalId: 'order-2026-0001',
      description: null,
      callbackUrl: 'https://shop.example/cb',
      successUrl: null,
      failUrl: null,
    });
    expect(JSON.parse(hits[0].body)).toEqual({
      amount: '10.00',
      currency_code: 'UAH',
      customer_id: 'c-1',
      external_id: 'order-2026-0001',
      callback_url: 'https://shop.example/cb',
    });
  });

  it('a 503 is not retried and stays unclear', async () => {
    reply([503, { successful: false, error: { code: 'RATES_UNAVAILABLE', message: 'down' } }]);
    const err = (await makeGateway()
      .createInvoice({ orderId: 'o', amount: '1.00', currency: 'UAH', customerId: 'c', externalId: 'e', description: null, callbackUrl: 'https://x.example/cb', callbackCredential: null, successUrl: null, failUrl: null, paymentMethod: null })
      .catch((e: unknown) => e)) as GatewayError;
    expect(err.kind).toBe('unavailable');
    expect(err.unclear).toBe(true);
    expect(hits).toHaveLength(1);
  });
});

describe('EccaexGateway — cancelInvoice', () => {
  it('POSTs the public cancel endpoint', async () => {
    reply([200, { successful: true }]);
    await makeGateway().cancelInvoice(ORDER_ID);
    expect([hits[0].method, hits[0].url]).toEqual(['POST', `/api/v1/public/invoice/${ORDER_ID}/cancel`]);
  });

  it.each([
    [404, 'INVOICE_NOT_FOUND', 'not_found'],
    [409, 'INVOICE_NOT_PENDING', 'conflict'],
  ])('passes the refusal %i on to the caller, which keeps the order as it was', async (status, code, kind) => {
    reply([status, { successful: false, request_id: 'r', error: { code, message: 'x' } }]);
    await expect(makeGateway().cancelInvoice(ORDER_ID)).rejects.toMatchObject({ kind, info: { httpStatus: status, code } });
    expect(hits).toHaveLength(1);
  });

  it('other failures propagate', async () => {
    reply([401, { successful: false, error: { code: 'API_KEY_MISSING', message: 'Missing X-Api-Key header' } }]);
    await expect(makeGateway().cancelInvoice(ORDER_ID)).rejects.toMatchObject({ kind: 'auth' });
  });
});

describe('EccaexGateway — currencies and payment methods', () => {
  it('maps currencies, tolerating missing optional fields', async () => {
    reply([
      200,
      {
        successful: true,
        data: [
          { currency: 'UAH', decimal: 2, symbol: '₴', name: 'Ukrainian Hryvnia', rate: '41.32' },
          { currency: 'KZT', decimal: 0 },
          { currency: 'EUR' },
        ],
      },
    ]);
    const cs = await makeGateway().listCurrencies();
    expect(hits[0].url).toBe('/api/v1/currencies');
    expect(cs).toEqual([
      { currency: 'UAH', decimal: 2, symbol: '₴', name: 'Ukrainian Hryvnia', rate: '41.32' },
      { currency: 'KZT', decimal: 0, symbol: null, name: null, rate: null },
      { currency: 'EUR', decimal: 2, symbol: null, name: null, rate: null },
    ]);
  });

  it('maps payment methods, tolerating missing optional fields, and passes the currency filter', async () => {
    reply([
      200,
      {
        successful: true,
        data: [
          {
            name: 'Monobank UA',
            method_code: 'monobank',
            min_sum: '100.00',
            max_sum: '10000.00',
            logo_url: 'https://ecca-ex.com/payment-methods/monobank.png',
            payment_time: 15,
            currency: { code: 'UAH', name: 'Ukrainian Hryvnia', symbol: '₴' },
            max_commission: '2.50',
            client_commission: '2.50',
            merchant_commission: '0.00',
          },
          { method_code: 'privatbank', currency: { code: 'UAH' } },
        ],
      },
    ]);
    const ms = await makeGateway().listPaymentMethods('uah');
    expect(hits[0].url).toBe('/api/v1/payment-methods?currency=uah');
    expect(ms[0]).toEqual({
      name: 'Monobank UA',
      method_code: 'monobank',
      min_sum: '100.00',
      max_sum: '10000.00',
      logo_url: 'https://ecca-ex.com/payment-methods/monobank.png',
      payment_time: 15,
      currency: { code: 'UAH', name: 'Ukrainian Hryvnia', symbol: '₴' },
      max_commission: '2.50',
      client_commission: '2.50',
      merchant_commission: '0.00',
    });
    expect(ms[1]).toEqual({
      name: 'privatbank',
      method_code: 'privatbank',
      min_sum: null,
      max_sum: null,
      logo_url: null,
      payment_time: null,
      currency: { code: 'UAH', name: null, symbol: null },
      max_commission: null,
      client_commission: null,
      merchant_commission: null,
    });
  });
});
