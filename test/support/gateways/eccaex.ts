import { randomUUID } from 'node:crypto';
import { signEccaex } from '../../../src/gateways/eccaex/eccaex-signature';
import { WEBHOOK_SECRET } from '../app';
import type { DeliverableCallback, GatewayDriver, Http, Outcome, TestOrder } from './driver';

const SANDBOX = '/sandbox/eccaex';
const STATUS: Record<Outcome, string> = { success: 'success', fail: 'fail', expire: 'expired', cancel: 'canceled' };

function signed(body: string, secret: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    'Content-Type': 'application/json',
    'X-Signature-Timestamp': ts,
    'X-Signature': signEccaex(secret, ts, Buffer.from(body), { payload: '{timestamp}.{body}', algorithm: 'sha256', encoding: 'hex' }),
  };
}

function body(order: TestOrder, outcome: Outcome): string {
  const status = STATUS[outcome];
  return JSON.stringify({ event_id: `${order.gateway_invoice_id}:${status}:test-${randomUUID()}`, order_id: order.gateway_invoice_id, external_id: order.external_id, status });
}

/** EccaEx: HMAC-signed callbacks on POST /v1/webhooks/eccaex; its sandbox under /sandbox/eccaex. */
export const eccaexDriver: GatewayDriver = {
  name: 'eccaex',
  env: { ECCAEX_MODE: 'sandbox', ECCAEX_WEBHOOK_SECRET: WEBHOOK_SECRET },
  rejectionCode: 'INVALID_SIGNATURE',
  orderBody: (over = {}) => ({ amount: '1500.00', currency: 'UAH', customer_id: 'gw-user', ...over }),
  statusOf: (outcome) => STATUS[outcome],
  async settle(http: Http, order: TestOrder, outcome: Outcome) {
    const r = await http.post(`${SANDBOX}/api/v1/sandbox/invoices/${order.gateway_invoice_id}/simulate`).send({ outcome });
    if (r.status !== 200) throw new Error(`simulate ${outcome}: ${r.status} ${r.text}`);
  },
  async muteCallbacks(http: Http, muted: boolean) {
    await http.put(`${SANDBOX}/_control/webhooks`).send({ enabled: !muted }).expect(200);
  },
  callback(order: TestOrder, outcome: Outcome): DeliverableCallback {
    const raw = body(order, outcome);
    return { method: 'POST', path: '/v1/webhooks/eccaex', headers: signed(raw, WEBHOOK_SECRET), body: raw };
  },
  forged(order: TestOrder, outcome: Outcome): DeliverableCallback {
    const raw = body(order, outcome);
    return { method: 'POST', path: '/v1/webhooks/eccaex', headers: signed(raw, 'not-the-gateways-secret'), body: raw };
  },
  async failReadBack(http: Http, status: number) {
    await http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'get-invoice', mode: 'error', status }).expect(201);
  },
  async clearFaults(http: Http) {
    await http.delete(`${SANDBOX}/_control/faults`);
  },
};
