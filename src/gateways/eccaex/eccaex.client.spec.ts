import { Logger } from '@nestjs/common';
import * as http from 'node:http';
import { Agent, Dispatcher } from 'undici';
import { AddressInfo } from 'node:net';
import { loadSettings, Settings } from '../../config/settings';
import { GatewayError } from '../gateway.errors';
import { EccaexCallEvent, EccaexClient } from './eccaex.client';

// A real HTTP server on 127.0.0.1; nothing of undici or of the client is mocked.

const API_KEY = 'test_api_key_0123456789abcdef';
const ORDER_ID = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (hit: Hit, res: http.ServerResponse) => void;

let server: http.Server;
let port: number;
let hits: Hit[];
let handler: Handler;
let logLines: string[];

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}

/** Answers the given responses in order, repeating the last one. */
function sequence(...responses: Array<[number, unknown?, Record<string, string>?] | 'hang' | 'reset' | 'cut'>): Handler {
  let i = 0;
  return (_hit, res) => {
    const r = responses[Math.min(i++, responses.length - 1)];
    if (r === 'hang') return; // never answer
    if (r === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (r === 'cut') {
      // the head and part of the body, then the connection is closed
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"successful":');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    send(res, r[0], r[1], r[2]);
  };
}

function errorEnvelope(code: string, message: string, extra: Record<string, unknown> = {}, requestId = 'req-123') {
  return { successful: false, request_id: requestId, error: { code, message, ...extra } };
}

function settingsFor(p: number): Settings {
  return loadSettings({
    ECCAEX_MODE: 'sandbox',
    ECCAEX_BASE_URL: `http://127.0.0.1:${p}/api/v1`,
    ECCAEX_API_KEY: API_KEY,
    // Long enough for a loaded 2-core CI machine to answer; the 'hang' cases wait it out (a few seconds).
    ECCAEX_TIMEOUT_MS: '1500',
  });
}

/** The clients a test made: their keep-alive pools are closed after it. */
let clients: EccaexClient[] = [];

function makeClient(p = port): EccaexClient {
  const client = new EccaexClient(settingsFor(p), { baseDelayMs: 5, maxDelayMs: 300 });
  clients.push(client);
  return client;
}

async function caught(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError, the call succeeded');
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      hits.push(hit);
      handler(hit, res);
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
  handler = sequence([404, errorEnvelope('NOT_FOUND', 'no route')]);
  logLines = [];
  for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const) {
    jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
      logLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
  }
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.onApplicationShutdown()));
  clients = [];
  jest.restoreAllMocks();
  // The API key must never reach the logs.
  expect(logLines.join('\n')).not.toContain(API_KEY);
});

// ----------------------------------------------------------------------------- fixtures

const EXAMPLE_CREATE_REQUEST = {
  amount: '1500.00',
  currency_code: 'UAH',
  customer_id: 'user_12345',
  external_id: 'order-2026-0001',
  purpose: 'Premium subscription',
  callback_url: 'https://yoursite.com/webhooks/payment',
  success_url: 'https://yoursite.com/payment/success',
  fail_url: 'https://yoursite.com/payment/failed',
};

const EXAMPLE_CREATE_RESPONSE = {
  invoice_id: ORDER_ID,
  external_id: 'order-2026-0001',
  amount: '1500.00',
  currency: 'UAH',
  status: 'pending',
  payment_link: `https://pay.app.com/${ORDER_ID}`,
  customer_id: 'user_12345',
  purpose: 'Premium subscription',
  callback_url: 'https://yoursite.com/webhooks/payment',
};

const LISTED_INVOICE = {
  amount: '1500.00',
  callback_url: 'https://yoursite.com/webhooks/payment',
  created_at: '2026-04-26T12:00:00+00:00',
  currency: 'UAH',
  customer_id: 'user_12345',
  deal: {
    amount_fiat: '1537.50',
    conversion_rate: '41.50',
    deal_id: '8f1b2c3d-4e5f-6789-90ab-cdef12345678',
    expires_at: '2026-04-26T12:30:00+00:00',
    finished_at: '2026-04-26T12:08:31+00:00',
    mark_paid_at: '2026-04-26T12:07:55+00:00',
    merchant_usdt: '35.42',
    payment_method_code: 'monobank',
    payment_method_name: 'Monobank UA',
    status: 'completed',
  },
  expires_at: '2026-04-26T12:20:00+00:00',
  external_id: 'order-2026-0001',
  fail_url: 'https://yoursite.com/payment/failed',
  finished_at: '2026-04-26T12:08:31+00:00',
  invoice_id: 'a1b2c3d4-5678-90ab-cdef-1234567890ab',
  method_selected: true,
  payment_link: 'https://pay.app.com/a1b2c3d4-5678-90ab-cdef-1234567890ab',
  purpose: 'Payment for Premium subscription',
  status: 'success',
  success_url: 'https://yoursite.com/payment/success',
};

const INVOICE_LIST = { data: [LISTED_INVOICE], page: 1, per_page: 20, successful: true, total: 42, total_pages: 3 };

const WEBHOOK_HISTORY = {
  successful: true,
  invoice_id: ORDER_ID,
  external_id: 'order-2026-0001',
  events_count: 1,
  events: [
    {
      event_id: 123,
      event_type: 'invoice.success',
      status: 'dead',
      callback_url: 'https://yoursite.com/webhooks/payment',
      auto_attempts: 8,
      manual_attempts: 1,
      total_attempts: 9,
      next_retry_at: null,
      locked_at: null,
      locked_by: null,
      request_payload: 'null',
      created_at: '2024-12-25T10:00:00Z',
      updated_at: '2024-12-25T10:00:00Z',
      attempts: [
        {
          try_number: 1,
          trigger: 'auto',
          attempt_status: 'failed',
          http_status: 500,
          response_headers: {},
          response_body: 'oops',
          error_message: null,
          duration_ms: 42,
          created_at: '2024-12-25T10:00:00Z',
        },
      ],
    },
  ],
};

const RESEND = { successful: true, invoice_id: ORDER_ID, event_id: 123, resend: { ok: true, http_status: 200, duration_ms: 42, attempt_id: 124 } };

const METHODS = {
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
  ],
};

const CURRENCIES = {
  successful: true,
  data: [
    { currency: 'UAH', decimal: 2, symbol: '₴', name: 'Ukrainian Hryvnia', rate: '41.32' },
    { currency: 'KZT', decimal: 2, symbol: '₸', name: 'Kazakhstani Tenge', rate: '489.50' },
  ],
};

const WITHDRAWAL = {
  withdraw_uuid: 'b3f1a2c4-5d6e-7f8a-9b0c-1d2e3f4a5b6c',
  withdrawal_method_id: 1,
  address: 'TXqZ5nM3YwK8vR2pL7dFcJ6hG9bE4sA1uN',
  address_memo: null,
  amount: '150.00',
  network_fee: '1.00',
  amount_to_receive: '149.00',
  status: 'success',
  substatus: null,
  external_tx_id: 'a1b2c3d4e5f6',
  created_at: '2026-02-26T14:30:00+00:00',
  updated_at: '2026-02-26T14:35:00+00:00',
  processed_at: '2026-02-26T14:35:00+00:00',
};

// ----------------------------------------------------------------------------- tests

describe('EccaexClient — create-invoice', () => {
  it('sends the documented example request and parses the bare response', async () => {
    handler = sequence([200, EXAMPLE_CREATE_RESPONSE]);
    const invoice = await makeClient().createInvoice(EXAMPLE_CREATE_REQUEST);

    expect(hits).toHaveLength(1);
    expect(hits[0].method).toBe('POST');
    expect(hits[0].url).toBe('/api/v1/create-invoice');
    expect(hits[0].headers['x-api-key']).toBe(API_KEY);
    expect(hits[0].headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(hits[0].body)).toEqual(EXAMPLE_CREATE_REQUEST);

    expect(invoice).toMatchObject(EXAMPLE_CREATE_RESPONSE);
    expect(invoice.invoice_id).toBe(ORDER_ID);
    expect(invoice.amount).toBe('1500.00');
    expect(typeof invoice.amount).toBe('string');
  });

  it('parses the wrapped {successful, data} form, with any 2xx status', async () => {
    handler = sequence([201, { successful: true, data: EXAMPLE_CREATE_RESPONSE }]);
    const invoice = await makeClient().createInvoice(EXAMPLE_CREATE_REQUEST);
    expect(invoice).toMatchObject(EXAMPLE_CREATE_RESPONSE);
  });

  it('is not retried after a 503 (exactly one server hit)', async () => {
    handler = sequence([503, errorEnvelope('RATES_UNAVAILABLE', 'Exchange rates are temporarily unavailable', { details: {} })]);
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('unavailable');
    expect(err.unclear).toBe(true);
    expect(err.info).toMatchObject({ gateway: 'eccaex', endpoint: 'createInvoice', httpStatus: 503, code: 'RATES_UNAVAILABLE', requestId: 'req-123' });
    await delay(50);
    expect(hits).toHaveLength(1);
  });

  it('is not retried after a timeout (exactly one server hit)', async () => {
    handler = sequence('hang');
    const started = Date.now();
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('timeout');
    expect(err.unclear).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    await delay(300);
    expect(hits).toHaveLength(1);
  });

  it('is not retried after a 429 either', async () => {
    handler = sequence([429, errorEnvelope('TOO_MANY', 'slow down', { details: { retry_after_sec: 0 } })]);
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('rate_limited');
    expect(hits).toHaveLength(1);
  });

  it('maps 422 MISSING_REQUIRED_URLS to rejected with code and request id', async () => {
    handler = sequence([422, errorEnvelope('MISSING_REQUIRED_URLS', 'callback_url, success_url and fail_url are required', { details: {} }, 'req-422')]);
    const err = await caught(makeClient().createInvoice({ ...EXAMPLE_CREATE_REQUEST, callback_url: undefined }));
    expect(err.kind).toBe('rejected');
    expect(err.info).toMatchObject({ httpStatus: 422, code: 'MISSING_REQUIRED_URLS', requestId: 'req-422' });
    expect(err.message).toContain('MISSING_REQUIRED_URLS');
    expect(JSON.parse(hits[0].body)).not.toHaveProperty('callback_url');
  });

  it('rejects a 2xx whose body is not JSON, with a clear message', async () => {
    handler = sequence([200, '<html>gateway</html>', { 'Content-Type': 'text/html' }]);
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.info.httpStatus).toBe(200);
  });

  it('rejects a 2xx with the wrong shape, naming the field', async () => {
    handler = sequence([200, { successful: true, data: { external_id: 'x', status: 'pending' } }]);
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/unexpected shape.*invoice_id/);
  });

  it('rejects an empty 2xx body', async () => {
    handler = sequence([200]);
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/empty body/);
  });

  it('treats a 2xx carrying successful=false as rejected with the envelope code', async () => {
    handler = sequence([200, errorEnvelope('DUPLICATE_EXTERNAL_ID', 'exists', {}, 'req-dup')]);
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('rejected');
    expect(err.info).toMatchObject({ code: 'DUPLICATE_EXTERNAL_ID', requestId: 'req-dup', httpStatus: 200 });
  });
});

describe('EccaexClient — every endpoint: method, path, X-Api-Key, parsing', () => {
  it('listInvoices: GET /invoices with the query, parses the documented page', async () => {
    handler = sequence([200, INVOICE_LIST]);
    const page = await makeClient().listInvoices({ page: 2, per_page: 20, status: 'pending', currency: 'UAH', order: 'desc' });
    expect(hits[0].method).toBe('GET');
    const url = new URL(hits[0].url, 'http://x');
    expect(url.pathname).toBe('/api/v1/invoices');
    expect(Object.fromEntries(url.searchParams)).toEqual({ page: '2', per_page: '20', status: 'pending', currency: 'UAH', order: 'desc' });
    expect(hits[0].headers['x-api-key']).toBe(API_KEY);
    expect(page).toMatchObject({ page: 1, per_page: 20, total: 42, total_pages: 3 });
    expect(page.data[0]).toMatchObject(LISTED_INVOICE);
    expect(page.data[0].deal?.merchant_usdt).toBe('35.42');
  });

  it('listInvoices without a query sends no query string', async () => {
    handler = sequence([200, { ...INVOICE_LIST, data: [] }]);
    await makeClient().listInvoices();
    expect(hits[0].url).toBe('/api/v1/invoices');
  });

  it('getInvoice: GET /invoices/{ref} with the ref URL-encoded', async () => {
    handler = sequence([200, { successful: true, data: LISTED_INVOICE }]);
    const inv = await makeClient().getInvoice('order/2026 #1?x');
    expect(hits[0].method).toBe('GET');
    expect(hits[0].url).toBe('/api/v1/invoices/order%2F2026%20%231%3Fx');
    expect(hits[0].headers['x-api-key']).toBe(API_KEY);
    expect(inv.status).toBe('success');
  });

  it.each([
    ['amount', (i: Record<string, unknown>) => ({ ...i, amount: 1500.0 })],
    ['deal.amount_fiat', (i: Record<string, unknown>) => ({ ...i, deal: { ...(i.deal as object), amount_fiat: 1537.5 } })],
    ['deal.merchant_usdt', (i: Record<string, unknown>) => ({ ...i, deal: { ...(i.deal as object), merchant_usdt: 35.42 } })],
  ])('getInvoice refuses a JSON number in %s (it went through a float): an error, logged, never a guessed amount', async (field, change) => {
    handler = sequence([200, { successful: true, data: change(LISTED_INVOICE as Record<string, unknown>) }]);
    const err = await caught(makeClient().getInvoice('order-1'));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain(`invoice.${field} is a JSON number`);
    expect(logLines.some((l) => l.includes('getInvoice') && l.includes('rejected'))).toBe(true);
  });

  it('getInvoice refuses refs that would change the path, without sending anything', async () => {
    for (const ref of ['', '.', '..']) {
      const err = await caught(makeClient().getInvoice(ref));
      expect(err.kind).toBe('rejected');
    }
    expect(hits).toHaveLength(0);
  });

  it('getInvoiceWebhooks: GET /invoices/{ref}/webhooks, parses the history', async () => {
    handler = sequence([200, WEBHOOK_HISTORY]);
    const h = await makeClient().getInvoiceWebhooks(ORDER_ID);
    expect(hits[0].method).toBe('GET');
    expect(hits[0].url).toBe(`/api/v1/invoices/${ORDER_ID}/webhooks`);
    expect(hits[0].headers['x-api-key']).toBe(API_KEY);
    expect(h.events_count).toBe(1);
    expect(h.events[0].event_id).toBe(123);
    expect(h.events[0].attempts[0]).toMatchObject({ try_number: 1, trigger: 'auto', http_status: 500 });
  });

  it('getInvoiceWebhooks accepts an empty history', async () => {
    handler = sequence([200, { successful: true, invoice_id: ORDER_ID, external_id: 'o-1', events_count: 0, events: [] }]);
    const h = await makeClient().getInvoiceWebhooks('o-1');
    expect(h).toMatchObject({ invoice_id: ORDER_ID, events_count: 0, events: [] });
  });

  it('resendInvoiceWebhook: POST /invoices/{ref}/webhooks/resend with a JSON content type', async () => {
    handler = sequence([200, RESEND]);
    const r = await makeClient().resendInvoiceWebhook('order-2026-0001');
    expect(hits[0].method).toBe('POST');
    expect(hits[0].url).toBe('/api/v1/invoices/order-2026-0001/webhooks/resend');
    expect(hits[0].headers['x-api-key']).toBe(API_KEY);
    expect(hits[0].headers['content-type']).toMatch(/^application\/json/);
    expect(r).toEqual(RESEND);
  });

  it('listPaymentMethods: GET /payment-methods with and without currency', async () => {
    handler = sequence([200, METHODS]);
    const client = makeClient();
    const methods = await client.listPaymentMethods('UAH');
    await client.listPaymentMethods();
    expect(hits.map((h) => [h.method, h.url])).toEqual([
      ['GET', '/api/v1/payment-methods?currency=UAH'],
      ['GET', '/api/v1/payment-methods'],
    ]);
    expect(hits.every((h) => h.headers['x-api-key'] === API_KEY)).toBe(true);
    expect(methods).toEqual(METHODS.data);
  });

  it('listCurrencies: GET /currencies', async () => {
    handler = sequence([200, CURRENCIES]);
    const cs = await makeClient().listCurrencies();
    expect([hits[0].method, hits[0].url, hits[0].headers['x-api-key']]).toEqual(['GET', '/api/v1/currencies', API_KEY]);
    expect(cs).toEqual(CURRENCIES.data);
  });

  it('listWithdrawals: GET /withdrawals with the query; optional fields may be absent', async () => {
    const { address_memo: _m, substatus: _s, external_tx_id: _e, processed_at: _p, ...bare } = WITHDRAWAL;
    handler = sequence([200, { successful: true, page: 1, per_page: 10, total: 42, total_pages: 5, data: [WITHDRAWAL, { ...bare, status: 'pending' }] }]);
    const page = await makeClient().listWithdrawals({ page: 1, per_page: 10, status: 'success', order: 'asc' });
    expect(hits[0].method).toBe('GET');
    expect(hits[0].url).toBe('/api/v1/withdrawals?page=1&per_page=10&status=success&order=asc');
    expect(hits[0].headers['x-api-key']).toBe(API_KEY);
    expect(page.total_pages).toBe(5);
    expect(page.data[0]).toEqual(WITHDRAWAL);
    expect(page.data[1]).not.toHaveProperty('processed_at');
  });

  it('getWithdrawal: GET /withdrawals/{uuid}', async () => {
    handler = sequence([200, { successful: true, data: { ...WITHDRAWAL, status: 'completed' } }]);
    const w = await makeClient().getWithdrawal(WITHDRAWAL.withdraw_uuid);
    expect([hits[0].method, hits[0].url, hits[0].headers['x-api-key']]).toEqual(['GET', `/api/v1/withdrawals/${WITHDRAWAL.withdraw_uuid}`, API_KEY]);
    expect(w.status).toBe('completed');
    expect(w.amount_to_receive).toBe('149.00');
  });

  it('publicPaymentMethods: GET /public/invoice/{id}/payment-methods, data array or bare array', async () => {
    handler = sequence([200, METHODS], [200, METHODS.data]);
    const client = makeClient();
    const a = await client.publicPaymentMethods(ORDER_ID);
    const b = await client.publicPaymentMethods(ORDER_ID);
    expect(hits.map((h) => [h.method, h.url, h.headers['x-api-key']])).toEqual([
      ['GET', `/api/v1/public/invoice/${ORDER_ID}/payment-methods`, API_KEY],
      ['GET', `/api/v1/public/invoice/${ORDER_ID}/payment-methods`, API_KEY],
    ]);
    expect(a[0].method_code).toBe('monobank');
    expect(b).toEqual(a);
  });

  it('publicSelectMethod: POST /public/invoice/{id}/select-method with {method_code}', async () => {
    handler = sequence([200, { successful: true, data: { deal_id: 'd-1', payment_method_code: 'monobank', amount_fiat: '1537.50' } }]);
    const r = await makeClient().publicSelectMethod(ORDER_ID, { method_code: 'monobank' });
    expect([hits[0].method, hits[0].url, hits[0].headers['x-api-key']]).toEqual(['POST', `/api/v1/public/invoice/${ORDER_ID}/select-method`, API_KEY]);
    expect(hits[0].headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(hits[0].body)).toEqual({ method_code: 'monobank' });
    expect(r).toMatchObject({ deal_id: 'd-1', amount_fiat: '1537.50' });
  });

  it('publicCancel: POST /public/invoice/{id}/cancel; an empty 204 is fine', async () => {
    handler = sequence([204]);
    const r = await makeClient().publicCancel(ORDER_ID);
    expect([hits[0].method, hits[0].url, hits[0].headers['x-api-key']]).toEqual(['POST', `/api/v1/public/invoice/${ORDER_ID}/cancel`, API_KEY]);
    expect(r).toEqual({});
  });
});

describe('EccaexClient — error mapping', () => {
  it.each([
    [401, 'API_KEY_MISSING', 'auth'],
    [403, 'API_KEY_INVALID', 'auth'],
    [403, 'MERCHANT_BLOCKED', 'auth'],
    [404, 'INVOICE_NOT_FOUND', 'not_found'],
    [409, 'WEBHOOK_RESEND_CONFLICT', 'conflict'],
    [422, 'RATE_INVALID', 'rejected'],
    [400, 'VALIDATION_ERROR', 'rejected'],
  ])('HTTP %i %s → %s, not retried', async (status, code, kind) => {
    handler = sequence([status, errorEnvelope(code, `msg for ${code}`, { details: { field: 'x' } }, `req-${status}`)]);
    const err = await caught(makeClient().getInvoice('order-1'));
    expect(err.kind).toBe(kind);
    expect(err.info).toEqual({
      gateway: 'eccaex',
      endpoint: 'getInvoice',
      httpStatus: status,
      code,
      requestId: `req-${status}`,
      retryAfterSec: undefined,
      details: { field: 'x' },
    });
    expect(err.message).toContain(code);
    expect(hits).toHaveLength(1);
  });

  it.each([500, 502, 503, 504])('HTTP %i → unavailable', async (status) => {
    handler = sequence([status, 'Bad gateway', { 'Content-Type': 'text/plain' }]);
    const err = await caught(makeClient().resendInvoiceWebhook('order-1'));
    expect(err.kind).toBe('unavailable');
    expect(err.info.httpStatus).toBe(status);
    expect(err.info.code).toBeUndefined();
  });

  it('429 WEBHOOK_RESEND_COOLDOWN with retry_after_sec in error.details', async () => {
    handler = sequence([
      429,
      errorEnvelope('WEBHOOK_RESEND_COOLDOWN', 'cooldown', { details: { retry_after_sec: 15, next_allowed_at: '2026-04-26T12:00:15+00:00' } }, 'req-429'),
    ]);
    const err = await caught(makeClient().resendInvoiceWebhook('order-1'));
    expect(err.kind).toBe('rate_limited');
    expect(err.info).toMatchObject({ code: 'WEBHOOK_RESEND_COOLDOWN', requestId: 'req-429', retryAfterSec: 15, httpStatus: 429 });
    expect(err.info.details).toEqual({ retry_after_sec: 15, next_allowed_at: '2026-04-26T12:00:15+00:00' });
    expect(hits).toHaveLength(1);
  });

  it('429 with retry_after_sec in error.meta (and an empty details object)', async () => {
    handler = sequence([429, errorEnvelope('WEBHOOK_RESEND_COOLDOWN', 'cooldown', { details: {}, meta: { retry_after_sec: '7', next_allowed_at: 'x' } })]);
    const err = await caught(makeClient().resendInvoiceWebhook('order-1'));
    expect(err.kind).toBe('rate_limited');
    expect(err.info.retryAfterSec).toBe(7);
    expect(err.info.details).toEqual({ retry_after_sec: '7', next_allowed_at: 'x' });
  });

  it('429 with only a Retry-After header', async () => {
    handler = sequence([429, errorEnvelope('RATE_LIMITED', 'slow'), { 'Retry-After': '12' }]);
    const err = await caught(makeClient().resendInvoiceWebhook('order-1'));
    expect(err.info.retryAfterSec).toBe(12);
  });

  it('takes the request id from X-Request-Id when the body has none', async () => {
    handler = sequence([403, 'Forbidden', { 'Content-Type': 'text/plain', 'X-Request-Id': 'hdr-1' }]);
    const err = await caught(makeClient().listCurrencies());
    expect(err.kind).toBe('auth');
    expect(err.info.requestId).toBe('hdr-1');
  });

  it('a redirect is not followed (the API key stays with EccaEx) and is rejected', async () => {
    handler = sequence([302, '', { Location: 'http://127.0.0.1:1/elsewhere' }]);
    const err = await caught(makeClient().listCurrencies());
    expect(err.kind).toBe('rejected');
    expect(err.info.httpStatus).toBe(302);
    expect(hits).toHaveLength(1);
  });
});

describe('EccaexClient — retries (reads only)', () => {
  it('retries a GET after a 503 and succeeds (2 hits)', async () => {
    handler = sequence([503, errorEnvelope('RATES_UNAVAILABLE', 'down')], [200, CURRENCIES]);
    const client = makeClient();
    const events: EccaexCallEvent[] = [];
    client.onCall = (e) => events.push(e);
    const cs = await client.listCurrencies();
    expect(cs).toHaveLength(2);
    expect(hits).toHaveLength(2);
    expect(events.map((e) => [e.endpoint, e.outcome, e.httpStatus])).toEqual([
      ['listCurrencies', 'unavailable', 503],
      ['listCurrencies', 'ok', 200],
    ]);
    expect(events.every((e) => typeof e.durationMs === 'number' && e.durationMs >= 0)).toBe(true);
  });

  it('gives up after 3 attempts in all', async () => {
    handler = sequence([503, errorEnvelope('RATES_UNAVAILABLE', 'down', {}, 'req-last')]);
    const err = await caught(makeClient().getInvoice('order-1'));
    expect(err.kind).toBe('unavailable');
    expect(err.info.requestId).toBe('req-last');
    expect(hits).toHaveLength(3);
  });

  it('retries a GET after a timeout, then succeeds', async () => {
    handler = sequence('hang', [200, { successful: true, data: LISTED_INVOICE }]);
    const inv = await makeClient().getInvoice('order-2026-0001');
    expect(inv.invoice_id).toBe(LISTED_INVOICE.invoice_id);
    expect(hits).toHaveLength(2);
  });

  it('a GET that always times out fails with kind timeout after 3 attempts', async () => {
    handler = sequence('hang');
    const err = await caught(makeClient().listCurrencies());
    expect(err.kind).toBe('timeout');
    expect(err.info.endpoint).toBe('listCurrencies');
    expect(hits).toHaveLength(3);
  });

  it('retries a GET after a 429 that allows a short wait', async () => {
    handler = sequence([429, errorEnvelope('RATE_LIMITED', 'slow', { details: { retry_after_sec: 0 } })], [200, METHODS]);
    const ms = await makeClient().listPaymentMethods();
    expect(ms).toHaveLength(1);
    expect(hits).toHaveLength(2);
  });

  it('does not retry a GET when the gateway asks to wait longer than the cap', async () => {
    handler = sequence([429, errorEnvelope('RATE_LIMITED', 'slow', { meta: { retry_after_sec: 30 } })], [200, METHODS]);
    const err = await caught(makeClient().listPaymentMethods());
    expect(err.kind).toBe('rate_limited');
    expect(err.info.retryAfterSec).toBe(30);
    expect(hits).toHaveLength(1);
  });

  it('does not retry a 2xx with a bad shape', async () => {
    handler = sequence([200, { successful: true, data: 'nope' }]);
    const err = await caught(makeClient().listCurrencies());
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/data must be an array/);
    expect(hits).toHaveLength(1);
  });

  it('never retries the other POSTs (resend, select-method, cancel)', async () => {
    handler = sequence([503, errorEnvelope('DOWN', 'down')]);
    const client = makeClient();
    await caught(client.resendInvoiceWebhook('o'));
    await caught(client.publicSelectMethod(ORDER_ID, { method_code: 'monobank' }));
    await caught(client.publicCancel(ORDER_ID));
    expect(hits.map((h) => h.method)).toEqual(['POST', 'POST', 'POST']);
  });
});

describe('EccaexClient — transport failures', () => {
  it('connection refused → unavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const err = await caught(makeClient(deadPort).createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.info.httpStatus).toBeUndefined();

    const readErr = await caught(makeClient(deadPort).listCurrencies());
    expect(readErr.kind).toBe('unavailable');
  });

  it('connection reset / socket hang up → unavailable, a POST is sent once', async () => {
    handler = sequence('reset');
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('unavailable');
    expect(hits).toHaveLength(1);
  });

  it('a GET after a reset is retried', async () => {
    handler = sequence('reset', [200, CURRENCIES]);
    await makeClient().listCurrencies();
    expect(hits).toHaveLength(2);
  });
});

describe('EccaexClient — the connection pool', () => {
  it('a connection closed in the middle of the body → unavailable, ERR_BAD_RESPONSE', async () => {
    handler = sequence('cut');
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toBe('EccaEx createInvoice: connection failed: ERR_BAD_RESPONSE (unclassified transport error)');
    expect(err.info.httpStatus).toBeUndefined();
  });

  it('a reset before the answer is reported as ECONNRESET', async () => {
    handler = sequence('reset');
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.message).toBe('EccaEx createInvoice: connection failed: ECONNRESET');
  });

  it('a timeout says how long it waited', async () => {
    handler = sequence('hang');
    const err = await caught(makeClient().createInvoice(EXAMPLE_CREATE_REQUEST));
    expect(err.message).toBe('EccaEx createInvoice: no answer within 1500 ms');
  });

  it.each([
    ['declared', { 'Content-Length': '5000' }],
    ['chunked', {}],
  ])('an answer above maxResponseBytes (%s) is not read past the limit → unavailable', async (_how, headers) => {
    handler = (_hit, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
      res.write(`"${'x'.repeat(2000)}`);
      res.end(`${'x'.repeat(2998)}"`);
    };
    const client = new EccaexClient(settingsFor(port), { maxAttempts: 1, maxResponseBytes: 1000 });
    clients.push(client);
    const err = await caught(client.listCurrencies());
    expect(err.kind).toBe('unavailable');
    expect(err.message).toBe('EccaEx listCurrencies: connection failed: ERR_BAD_RESPONSE (unclassified transport error)');
    // the pool still works afterwards
    handler = sequence([200, CURRENCIES]);
    await expect(client.listCurrencies()).resolves.toHaveLength(2);
  });

  it('query values are encoded as always: space as +, : $ , kept, the rest percent-encoded', async () => {
    handler = sequence([200, INVOICE_LIST]);
    await makeClient().listInvoices({ currency: 'a b:c$d,e+f/g&h=i' });
    expect(hits[0].url).toBe('/api/v1/invoices?currency=a+b:c$d,e%2Bf%2Fg%26h%3Di');
  });

  it('keeps connections open between calls (not one per call)', async () => {
    const sockets = new Set<unknown>();
    handler = (_hit, res) => {
      sockets.add(res.socket);
      send(res, 200, CURRENCIES);
    };
    const client = makeClient();
    for (let i = 0; i < 6; i++) await client.listCurrencies();
    // The pool may open a second connection while the first is being handed back; not more.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('sends through a dispatcher it is given, and leaves it open at shutdown', async () => {
    const dispatched: string[] = [];
    class CountingAgent extends Agent {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        dispatched.push(`${opts.method} ${opts.path}`);
        return super.dispatch(opts, handler);
      }
    }
    const agent = new CountingAgent({ connections: 1 });
    try {
      handler = sequence([200, CURRENCIES]);
      const client = new EccaexClient(settingsFor(port), { baseDelayMs: 5 }, agent);
      await client.listCurrencies();
      await client.onApplicationShutdown();
      expect(dispatched).toEqual(['GET /api/v1/currencies']);
      expect(agent.closed).toBe(false);
    } finally {
      await agent.close();
    }
  });
});

describe('EccaexClient — logging', () => {
  it('logs endpoint, status, duration and request id, never the key or headers', async () => {
    handler = sequence([200, { successful: true, request_id: 'req-ok-1', data: LISTED_INVOICE }]);
    await makeClient().getInvoice('order-2026-0001');
    const line = logLines.find((l) => l.includes('getInvoice'));
    expect(line).toBeDefined();
    expect(line).toMatch(/-> 200 ok in \d+ ms/);
    expect(line).toContain('request_id=req-ok-1');
    expect(logLines.join('\n')).not.toMatch(/x-api-key/i);
  });

  it('logs failures with the error code', async () => {
    handler = sequence([403, errorEnvelope('API_KEY_INVALID', 'Invalid or inactive API key', {}, 'req-auth')]);
    await caught(makeClient().listCurrencies());
    expect(logLines.some((l) => l.includes('listCurrencies') && l.includes('403') && l.includes('API_KEY_INVALID') && l.includes('req-auth'))).toBe(true);
  });

  it('a throwing onCall hook does not break the call', async () => {
    handler = sequence([200, CURRENCIES]);
    const client = makeClient();
    client.onCall = () => {
      throw new Error('metrics down');
    };
    await expect(client.listCurrencies()).resolves.toHaveLength(2);
  });
});
