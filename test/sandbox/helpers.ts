import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Settings } from '../../src/config/settings';
import { verifyEccaex, VerifyResult } from '../../src/gateways/eccaex/eccaex-signature';
import { sleep } from '../../src/common/sleep';

export const API = '/sandbox/eccaex/api/v1';
export const CONTROL = '/sandbox/eccaex/_control';
export const PAY = '/sandbox/eccaex/pay';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

export { sleep };

let seq = 0;
/** A unique external_id per call within a run. */
export const ext = (prefix = 'order') => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  json: Record<string, unknown>;
  at: number;
}

export type Responder = (d: Delivery, nthForPath: number) => { status: number; body?: string; delayMs?: number };

/** A local webhook receiver (node:http) that records every delivery's raw bytes and headers. */
export class Receiver {
  private server: Server | null = null;
  url = '';
  deliveries: Delivery[] = [];
  responder: Responder = () => ({ status: 200, body: 'received' });

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        } catch {
          // recorded as is
        }
        const d: Delivery = { path: req.url ?? '/', headers: req.headers, raw, json, at: Date.now() };
        this.deliveries.push(d);
        const nth = this.deliveries.filter((x) => x.path === d.path).length;
        const answer = this.responder(d, nth);
        const send = () => {
          res.writeHead(answer.status, { 'content-type': 'text/plain', 'x-receiver': 'test' });
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this;
  }

  to(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  async waitFor(path: string, count = 1, timeoutMs = 10_000): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.to(path);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`expected ${count} deliveries to ${path}, got ${got.length}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** Verifies a delivery exactly as the service's callback route does (docs/api.md section 6). */
export function verifyDelivery(settings: Settings, d: Delivery): VerifyResult {
  return verifyEccaex({
    rawBody: d.raw,
    signature: d.headers['x-signature'],
    timestamp: d.headers['x-signature-timestamp'],
    secrets: settings.eccaex.webhookSecrets,
    scheme: {
      payload: settings.eccaex.signaturePayload,
      algorithm: settings.eccaex.signatureAlgorithm,
      encoding: settings.eccaex.signatureEncoding,
      toleranceS: settings.eccaex.signatureToleranceS,
    },
    nowSeconds: Date.now() / 1000,
  });
}

/**
 * A raw HTTP call with a client-side timeout, for the fault modes that never answer: resolves
 * with the status, or with the transport error (`timeout`, `ECONNRESET`, `socket hang up`...).
 */
export function rawCall(
  baseUrl: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status?: number; body?: string; error?: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const data = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const req = httpRequest(`${baseUrl}${path}`, {
      method,
      agent: false,
      headers: { ...(opts.headers ?? {}), ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}) },
    });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), opts.timeoutMs ?? 3000);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        resolve({ error: err.message, ms: Date.now() - started });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: err.code ?? err.message, ms: Date.now() - started });
    });
    req.end(data);
  });
}

/** EccaEx's documented create-invoice example request, as is. */
export const DOC_EXAMPLE = {
  amount: '1500.00',
  currency_code: 'UAH',
  customer_id: 'user_12345',
  external_id: 'order-2026-0001',
  purpose: 'Premium subscription',
  callback_url: 'https://yoursite.com/webhooks/payment',
  success_url: 'https://yoursite.com/payment/success',
  fail_url: 'https://yoursite.com/payment/failed',
};

export function invoiceBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: '1500.00',
    currency_code: 'UAH',
    customer_id: 'user_12345',
    external_id: ext(),
    purpose: 'Premium subscription',
    callback_url: 'http://127.0.0.1:9/unused',
    success_url: 'https://shop.example/payment/success',
    fail_url: 'https://shop.example/payment/failed',
    ...over,
  };
}

export function expectEnvelope(body: unknown, code: string): void {
  expect(body).toEqual({
    successful: false,
    request_id: expect.any(String),
    error: { code, message: expect.any(String), details: expect.any(Object) },
  });
}
