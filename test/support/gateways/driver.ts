import request from 'supertest';

export type Http = ReturnType<typeof request>;

/** An order as the API answered its create (what the drivers need of it). */
export interface TestOrder {
  id: string;
  external_id: string;
  gateway_invoice_id: string;
  status: string;
  provider: string;
  payment_link: string | null;
}

/** A callback as the gateway would deliver it: what to send, where. */
export interface DeliverableCallback {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Outcome = 'success' | 'fail' | 'expire' | 'cancel';

/**
 * How the shared order, callback, reconciliation and fault tests drive one gateway: how to make
 * an order for it, how its sandbox pays or fails an invoice, how a callback of it is made and
 * delivered (trusted, and not), and how its sandbox fails the read-back. One driver per gateway
 * (test/support/gateways/<gateway>.ts), listed in test/support/gateways/index.ts.
 */
export interface GatewayDriver {
  /** The provider value. */
  readonly name: string;
  /** The settings that turn it on, in sandbox mode, in a test app. */
  readonly env: Record<string, string>;
  /** A create-order body this gateway takes (amount, currency, its method if it needs one). */
  orderBody(over?: Record<string, unknown>): Record<string, unknown>;
  /** The status its sandbox's callbacks name for an outcome (for callbacks built by hand). */
  statusOf(outcome: Outcome): string;
  /** Drives the invoice to an outcome in the sandbox (as the customer or the gateway would). */
  settle(http: Http, order: TestOrder, outcome: Outcome): Promise<void>;
  /** Stops (or restarts) the sandbox's own callback deliveries. */
  muteCallbacks(http: Http, muted: boolean): Promise<void>;
  /** A callback about the order that the service must trust (it still reads the invoice back). */
  callback(order: TestOrder, outcome: Outcome): DeliverableCallback;
  /** The same callback as someone without the gateway's credential would send it (401, nothing stored). */
  forged(order: TestOrder, outcome: Outcome): DeliverableCallback;
  /** The reply code an untrusted callback gets (INVALID_SIGNATURE or INVALID_TOKEN). */
  readonly rejectionCode: string;
  /** Makes the sandbox answer the read-back of an invoice with this HTTP status until cleared. */
  failReadBack(http: Http, status: number): Promise<void>;
  /** Clears every sandbox fault. */
  clearFaults(http: Http): Promise<void>;
}

export function deliver(http: Http, cb: DeliverableCallback) {
  const req = cb.method === 'GET' ? http.get(cb.path) : http.post(cb.path);
  return req.set(cb.headers).send(cb.body);
}
