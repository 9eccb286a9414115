import type { DeliverableCallback, GatewayDriver, Http, Outcome, TestOrder } from './driver';

const SANDBOX = '/sandbox/smartwm';
/** SmartWM has no expiry: an invoice that is no longer expected is CANCELED (the order ends canceled). */
const STATUS: Record<Outcome, string> = { success: 'PAYED', fail: 'FAILED', expire: 'CANCELED', cancel: 'CANCELED' };
/** The sandbox's fault modes by status: `error` takes 5xx and 429, `refuse` a 4xx. */
const ERROR_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Each order's status_url token (the service keeps only its hash), read from what the sandbox received at create. */
const tokens = new Map<string, string>();

function ping(order: TestOrder, token: string): DeliverableCallback {
  return { method: 'GET', path: `/v1/webhooks/smartwm/${order.id}?token=${encodeURIComponent(token)}`, headers: {}, body: '' };
}

/**
 * SmartWM: a card order (visamaster.uah); its "callback" is the empty status_url ping with the
 * order's token (trusted only to trigger a signed status read), its sandbox under /sandbox/smartwm.
 */
export const smartwmDriver: GatewayDriver = {
  name: 'smartwm',
  env: { SMARTWM_MODE: 'sandbox' },
  rejectionCode: 'INVALID_TOKEN',
  // SmartWM has no expiry status (an invoice ends PAYED, FAILED or CANCELED).
  outcomes: ['success', 'fail', 'cancel'],
  pingOnly: true,
  orderBody: (over = {}) => ({ amount: '1500.00', currency: 'UAH', customer_id: 'gw-user', payment_method: 'visamaster.uah', ...over }),
  statusOf: (outcome) => STATUS[outcome],
  async ready(http: Http, order: TestOrder) {
    const r = await http.get(`${SANDBOX}/_control/requests`).query({ endpoint: 'create', payment_id: order.external_id }).expect(200);
    const create = (r.body.requests as Array<{ request: string; http_status: number }>).find((q) => q.http_status === 200);
    if (!create) throw new Error(`no create of ${order.external_id} at the SmartWM sandbox`);
    const token = new URL(JSON.parse(create.request).status_url as string).searchParams.get('token');
    if (!token) throw new Error(`the status_url of ${order.external_id} carries no token`);
    tokens.set(order.id, token);
  },
  async settle(http: Http, order: TestOrder, outcome: Outcome) {
    const r = await http.post(`${SANDBOX}/_control/invoices/${order.gateway_invoice_id}/simulate`).send({ status: STATUS[outcome] });
    if (r.status !== 200) throw new Error(`simulate ${outcome}: ${r.status} ${r.text}`);
  },
  async muteCallbacks(http: Http, muted: boolean) {
    await http.put(`${SANDBOX}/_control/pings`).send({ enabled: !muted }).expect(200);
  },
  callback(order: TestOrder): DeliverableCallback {
    const token = tokens.get(order.id);
    if (!token) throw new Error(`no token known for order ${order.id}: create it with createOrderFor (the driver's ready reads it)`);
    return ping(order, token);
  },
  forged(order: TestOrder): DeliverableCallback {
    return ping(order, 'not-the-orders-token-0123456789abcdefghijk');
  },
  async failReadBack(http: Http, status: number) {
    const mode = ERROR_STATUSES.has(status) ? 'error' : 'refuse';
    await http.post(`${SANDBOX}/_control/faults`).send({ endpoint: 'status', mode, status }).expect(201);
  },
  async clearFaults(http: Http) {
    await http.delete(`${SANDBOX}/_control/faults`);
  },
};
