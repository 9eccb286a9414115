import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { signEccaex } from '../../src/gateways/eccaex/eccaex-signature';
import { ops, storefront, waitFor, WEBHOOK_SECRET } from './app';

type Http = ReturnType<typeof request>;

export const SANDBOX = '/sandbox/eccaex';

/** Headers EccaEx would send for `raw`, signed with the default scheme. */
export function signedHeaders(raw: string, opts: { secret?: string; ts?: number; key?: string } = {}): Record<string, string> {
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Signature-Timestamp': ts,
    'X-Signature': signEccaex(opts.secret ?? WEBHOOK_SECRET, ts, Buffer.from(raw), { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex' }),
  };
  if (opts.key !== undefined) headers['X-Idempotency-Key'] = opts.key;
  return headers;
}

export function callbackBody(order: { gateway_invoice_id: string; external_id: string }, status: string, extra: Record<string, unknown> = {}): string {
  // An event_id of its own: duplicates are recognised by it, and the sandbox's own deliveries use `<invoice>:<status>:<second>`.
  return JSON.stringify({ event_id: `${order.gateway_invoice_id}:${status}:test-${randomUUID()}`, order_id: order.gateway_invoice_id, external_id: order.external_id, status, ...extra });
}

export function postCallback(http: Http, raw: string, opts: { secret?: string; ts?: number; key?: string } = {}) {
  return http.post('/v1/webhooks/eccaex').set(signedHeaders(raw, opts)).send(raw);
}

export async function createOrder(http: Http, over: Record<string, unknown> = {}) {
  const r = await http.post('/v1/orders').set(storefront).send({ amount: '1500.00', currency: 'UAH', customer_id: 'cb-user', ...over });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: string; external_id: string; gateway_invoice_id: string; status: string };
}

export function simulate(http: Http, invoiceRef: string, outcome: string, amountFiat?: string) {
  return http.post(`${SANDBOX}/api/v1/sandbox/invoices/${invoiceRef}/simulate`).send(amountFiat ? { outcome, amount_fiat: amountFiat } : { outcome });
}

export function sandboxWebhooks(http: Http, enabled: boolean) {
  return http.put(`${SANDBOX}/_control/webhooks`).send({ enabled });
}

export async function orderOf(http: Http, ref: string) {
  return (await http.get(`/v1/orders/${ref}`).set(ops).expect(200)).body;
}

export async function eventsOf(http: Http, ref: string) {
  return (await http.get(`/v1/orders/${ref}/events`).set(ops).expect(200)).body.data as Array<{ type: string; from_status: string; to_status: string; source: string; data: Record<string, unknown> }>;
}

export async function inbox(http: Http, query = '') {
  return (await http.get(`/v1/webhook-events?limit=200${query}`).set(ops).expect(200)).body.data as Array<{ id: string; status: string; idempotency_key: string; order_id: string | null; outcome: Record<string, unknown> | null }>;
}

export function waitForStatus(http: Http, ref: string, status: string, timeoutMs = 15_000) {
  return waitFor(`order ${ref} to be ${status}`, async () => {
    const o = await orderOf(http, ref);
    return o.status === status ? o : null;
  }, timeoutMs, 50);
}
