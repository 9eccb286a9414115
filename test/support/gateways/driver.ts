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
  /**
   * The outcomes its sandbox can reach (default: all four). CryptoSteroid has no failed invoice:
   * an invoice is paid, expires or is cancelled.
   */
  readonly outcomes?: readonly Outcome[];
  /** Its callbacks are bare pings that only trigger a read (SmartWM): duplicates are those that arrive while a read is pending. */
  readonly pingOnly?: boolean;
  /**
   * The outcomes the gateway calls back about (default: every one it has). CryptoSteroid sends
   * its webhook only for a paid invoice: an expired or cancelled one is found by the read-back.
   */
  readonly notifies?: readonly Outcome[];
  /**
   * After the order is created (createOrderFor calls it): what the driver must learn of the order
   * before `callback` can make a trusted one (CryptoSteroid: the order's own secret, from its sandbox).
   */
  ready?(http: Http, order: TestOrder): Promise<void>;
}

/** The outcomes a driver's sandbox can reach. */
export const outcomesOf = (driver: GatewayDriver): readonly Outcome[] => driver.outcomes ?? ['success', 'fail', 'expire', 'cancel'];

/** Whether the gateway calls back about an outcome (else only a read-back finds it). */
export const notifies = (driver: GatewayDriver, outcome: Outcome): boolean => (driver.notifies ?? outcomesOf(driver)).includes(outcome);

export function deliver(http: Http, cb: DeliverableCallback) {
  const req = cb.method === 'GET' ? http.get(cb.path) : http.post(cb.path);
  return req.set(cb.headers).send(cb.body);
}
