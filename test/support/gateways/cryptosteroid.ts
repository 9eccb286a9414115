import { randomBytes } from 'node:crypto';
import type { DeliverableCallback, GatewayDriver, Http, Outcome, TestOrder } from './driver';

const SANDBOX = '/sandbox/cryptosteroid';
const CONTROL = `${SANDBOX}/_control`;
const HOOK = '/v1/webhooks/cryptosteroid';
/** No failed invoice at CryptoSteroid: paid, expired or cancelled. */
const STATUS: Partial<Record<Outcome, string>> = { success: 'PAID', expire: 'EXPIRED', cancel: 'CANCELLED' };
const SIMULATE: Partial<Record<Outcome, string>> = { success: 'paid', expire: 'expire', cancel: 'cancel' };

/** Each order's own secret (the webhook's Token), learned from the sandbox once the order exists. */
const tokens = new Map<string, string>();

function status(outcome: Outcome): string {
  const s = STATUS[outcome];
  if (!s) throw new Error(`CryptoSteroid has no "${outcome}" outcome (its invoices are paid, expire or are cancelled)`);
  return s;
}

/**
 * The Invoice object's references, status and updatedAt: all the service reads of the body (it
 * reads the invoice back). Each callback made is a notice of the invoice as of now (its own
 * updatedAt), as the provider's would be; a repeat of one is the same bytes (deliver it twice).
 */
let clock = 0;
const body = (order: TestOrder, outcome: Outcome) =>
  JSON.stringify({ invoiceId: order.gateway_invoice_id, externalId: order.external_id, status: status(outcome), updatedAt: (clock = Math.max(clock + 1, Date.now())) });

/** CryptoSteroid: callbacks on POST /v1/webhooks/cryptosteroid trusted by the order's own Token; its sandbox under /sandbox/cryptosteroid. */
export const cryptosteroidDriver: GatewayDriver = {
  name: 'cryptosteroid',
  env: { CRYPTOSTEROID_MODE: 'sandbox' },
  rejectionCode: 'INVALID_TOKEN',
  outcomes: ['success', 'expire', 'cancel'],
  notifies: ['success'],
  orderBody: (over = {}) => ({ amount: '25.00', currency: 'USD', customer_id: 'gw-user', payment_method: 'USDT_TRC20', ...over }),
  statusOf: status,
  async ready(http: Http, order: TestOrder) {
    const r = await http.get(`${CONTROL}/invoices/${order.gateway_invoice_id}/token`);
    if (r.status !== 200 || typeof r.body?.data?.token !== 'string') throw new Error(`token of ${order.gateway_invoice_id}: ${r.status} ${r.text}`);
    tokens.set(order.id, r.body.data.token as string);
  },
  async settle(http: Http, order: TestOrder, outcome: Outcome) {
    const r = await http.post(`${CONTROL}/invoices/${order.gateway_invoice_id}/simulate`).send({ outcome: SIMULATE[outcome] ?? status(outcome) });
    if (r.status !== 200) throw new Error(`simulate ${outcome}: ${r.status} ${r.text}`);
  },
  async muteCallbacks(http: Http, muted: boolean) {
    await http.put(`${CONTROL}/webhooks`).send({ enabled: !muted }).expect(200);
  },
  callback(order: TestOrder, outcome: Outcome): DeliverableCallback {
    const token = tokens.get(order.id);
    if (!token) throw new Error(`no token for order ${order.id}: create it with createOrderFor (it calls ready)`);
    return { method: 'POST', path: HOOK, headers: { 'Content-Type': 'application/json', Token: token }, body: body(order, outcome) };
  },
  forged(order: TestOrder, outcome: Outcome): DeliverableCallback {
    return { method: 'POST', path: HOOK, headers: { 'Content-Type': 'application/json', Token: randomBytes(32).toString('base64url') }, body: body(order, outcome) };
  },
  async failReadBack(http: Http, status: number) {
    const r = await http.post(`${CONTROL}/faults`).send({ endpoint: 'get-invoice', mode: 'error', status });
    if (r.status >= 300) throw new Error(`fault: ${r.status} ${r.text}`);
  },
  async clearFaults(http: Http) {
    await http.delete(`${CONTROL}/faults`);
  },
};
