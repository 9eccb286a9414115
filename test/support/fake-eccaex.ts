import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { startTestApp, TestApp } from './app';

/**
 * A gateway outside the service for live-mode tests: a plain HTTP server that speaks just enough
 * EccaEx (currencies, create-invoice, invoice read, public cancel, withdrawals) and can be told to
 * answer anything else, e.g. an invoice that is not the order's or a refused cancel. Every
 * request it received is kept.
 */
export interface FakeRequest {
  method: string;
  path: string;
  body: unknown;
}

export type FakeInvoice = Record<string, unknown> & { invoice_id: string; external_id: string; amount: unknown; currency: string; status: string };

/** [status, body] to answer instead of the default; `body` a string is sent verbatim. */
export type FakeAnswer = [number, unknown];

export const FAKE_GATEWAY_KEY = 'fake_gateway_live_key_0123456789';

export class FakeEccaex {
  readonly invoices = new Map<string, FakeInvoice>();
  readonly requests: FakeRequest[] = [];
  /** Consulted first for every request; undefined = the default answer. */
  answer: (req: FakeRequest) => FakeAnswer | undefined = () => undefined;
  private server: Server | undefined;
  private port = 0;

  /** ECCAEX_BASE_URL for the service. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1`;
  }

  /** The service's environment for live mode against this gateway. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    // EccaEx live against the fake, and no other gateway (unset, SmartWM would mount its emulator beside it).
    return { ECCAEX_API_KEY: FAKE_GATEWAY_KEY, ECCAEX_BASE_URL: this.url, DATABASE_EMBEDDED_LIVE: 'true', SMARTWM_MODE: 'off', ...extra };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The invoice the gateway holds for an id or an external id (the id first, as EccaEx). */
  find(ref: string): FakeInvoice | undefined {
    return this.invoices.get(ref) ?? [...this.invoices.values()].find((i) => i.external_id === ref);
  }

  put(invoice: Partial<FakeInvoice> & { external_id: string }): FakeInvoice {
    const id = (invoice.invoice_id as string | undefined) ?? randomUUID();
    const row: FakeInvoice = {
      invoice_id: id,
      amount: '1500.00',
      currency: 'UAH',
      status: 'pending',
      payment_link: `https://pay.fake.example/${id}`,
      expires_at: new Date(Date.now() + 20 * 60_000).toISOString(),
      finished_at: null,
      method_selected: false,
      deal: null,
      ...invoice,
    };
    this.invoices.set(id, row);
    return row;
  }

  of(method: string, prefix: string): FakeRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(prefix));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* kept as text */
      }
      const r: FakeRequest = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, body };
      this.requests.push(r);
      const [status, out] = this.answer(r) ?? this.defaultAnswer(r);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(typeof out === 'string' ? out : JSON.stringify(out));
    });
  }

  private defaultAnswer(r: FakeRequest): FakeAnswer {
    const notFound: FakeAnswer = [404, { successful: false, request_id: 'fake', error: { code: 'NOT_FOUND', message: 'Not found', details: {} } }];
    if (r.method === 'GET' && r.path === '/api/v1/currencies') {
      return [200, { successful: true, data: [{ currency: 'UAH', decimal: 2, symbol: '₴', name: 'Ukrainian Hryvnia', rate: '41.32' }] }];
    }
    if (r.method === 'GET' && (r.path === '/api/v1/withdrawals' || r.path === '/api/v1/invoices')) {
      return [200, { successful: true, data: [], page: 1, per_page: 20, total: 0, total_pages: 0 }];
    }
    if (r.method === 'POST' && r.path === '/api/v1/create-invoice') {
      const b = r.body as Record<string, string>;
      const row = this.put({ external_id: b.external_id, amount: b.amount, currency: b.currency_code, customer_id: b.customer_id });
      return [201, { successful: true, ...row }];
    }
    const read = /^\/api\/v1\/invoices\/([^/]+)$/.exec(r.path);
    if (r.method === 'GET' && read) {
      const row = this.find(decodeURIComponent(read[1]!));
      return row ? [200, { successful: true, data: row }] : notFound;
    }
    const cancel = /^\/api\/v1\/public\/invoice\/([^/]+)\/cancel$/.exec(r.path);
    if (r.method === 'POST' && cancel) {
      const row = this.invoices.get(decodeURIComponent(cancel[1]!));
      if (!row) return notFound;
      if (row.status !== 'pending') return [409, { successful: false, request_id: 'fake', error: { code: 'INVOICE_NOT_PENDING', message: 'Not pending', details: {} } }];
      row.status = 'canceled';
      return [200, { successful: true, data: { invoice_id: row.invoice_id, status: row.status } }];
    }
    return notFound;
  }
}

/**
 * A suite's service, live against its own FakeEccaex (started before, stopped after; the fake's
 * answers reset after each test). Read `fake` and `app` inside the tests.
 */
export function liveAgainstFake(extra: Record<string, string> = {}): { fake: FakeEccaex; app: TestApp } {
  const ctx = {} as { fake: FakeEccaex; app: TestApp };
  beforeAll(async () => {
    ctx.fake = await new FakeEccaex().start();
    ctx.app = await startTestApp(ctx.fake.env(extra));
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.fake?.close();
  });
  afterEach(() => {
    if (ctx.fake) ctx.fake.answer = () => undefined;
  });
  return ctx;
}
