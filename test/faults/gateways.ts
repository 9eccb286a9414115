import request from 'supertest';
import { signedHeaders } from '../support/callbacks';
import { secondCreates } from '../support/gateway-requests';
import { cryptosteroidDriver } from '../support/gateways/cryptosteroid';
import type { DeliverableCallback, GatewayDriver, Outcome, TestOrder } from '../support/gateways/driver';
import { eccaexDriver } from '../support/gateways/eccaex';
import { smartwmDriver } from '../support/gateways/smartwm';
import {
  call, callbackRaw, CS_API_KEY, CS_MERCHANT_ID, FaultCallback, gatewayCreatesByRef, GatewayInvoice, ORDER_STATUS_FOR, OrderRef, query, SANDBOX_API_KEY, SandboxProcess, simulate,
  SWM_CLIENT_ID, SWM_SECRET,
} from './support';

/**
 * What the fault suites need of each gateway, beside its test driver (test/support/gateways):
 * the service's settings pointing at the sandbox child, the outcomes a run drives, a callback as
 * the gateway would deliver it (and where the inbox keeps it), the gateway's own truth (its
 * sandbox's database) and its sandbox's fault API. The suites take the gateway as a parameter:
 * FAULTS_GATEWAYS (comma list, default every one here).
 */

/** One fault mode of a sandbox: the rule to add (the endpoint is filled in) and whether it may make the invoice. */
export interface FaultMode {
  name: string;
  fault: Record<string, unknown>;
}

export interface FaultGateway {
  readonly name: string;
  readonly driver: GatewayDriver;
  /** kill-restart: callbacks (one per order). */
  readonly killCallbacks: number;
  /** The service's settings for this gateway, pointed at the sandbox child. */
  serviceEnv(sandbox: SandboxProcess): Record<string, string>;
  /** The setting of the service's gateway request deadline. */
  readonly timeoutSetting: string;
  /** A create-order body for order `i` of a run (its provider named, but EccaEx's: the default provider). */
  orderBody(i: number, externalId: string, customerId: string): Record<string, unknown>;
  /** Before orders are made: the sandbox's own limits and callbacks out of the way. */
  prepare(sandbox: SandboxProcess): Promise<void>;
  /** After each create: what the driver must learn of the order (CryptoSteroid's token, SmartWM's ping token). */
  ready(sandbox: SandboxProcess, order: OrderRef): Promise<void>;
  /** kill-restart's outcome of order i (drives the sandbox and names the callback's outcome). */
  outcome(i: number): string;
  settle(sandbox: SandboxProcess, order: OrderRef, outcome: string, i: number): Promise<void>;
  callback(order: OrderRef, outcome: string, key: string): FaultCallback;
  /** The gateway's invoices by external_id (oldest first), from the sandbox's database. */
  invoices(sandbox: SandboxProcess, externalIds: string[]): Promise<Map<string, GatewayInvoice[]>>;
  /** The order status a gateway invoice status must end as. */
  orderStatusFor(gatewayStatus: string): string | undefined;
  // ---------------------------------------------------------------- gateway faults
  readonly faultsPath: string;
  /** The sandbox's names of the create and read-back endpoints. */
  readonly createEndpoint: string;
  readonly readEndpoint: string;
  readonly faultModes: readonly FaultMode[];
  /**
   * The service's metric endpoint label of a create; its conflict/rejected outcomes count creates
   * the gateway refused as already made (null: a refusal the adapter resolves by design, SmartWM's
   * "Transaction already exists" answered by a status read).
   */
  readonly createMetric: string | null;
  /**
   * An unclear create leaves the order pending for a person, and reconcile answers 502/503 for it
   * (CryptoSteroid: no look-up by external id, so the service cannot know whether an invoice was
   * made and never risks a second one; docs/gateways/cryptosteroid.md).
   */
  readonly unclearCreateStaysPending?: boolean;
  /** How many faults the sandbox applied (its fault list). */
  faultsApplied(sandbox: SandboxProcess): Promise<number>;
  /** Creates the service sent although the gateway already held the order's invoice (none is the promise), by external_id. */
  secondCreates(sandbox: SandboxProcess, externalIds: string[]): Promise<string[]>;
  clearRequests(sandbox: SandboxProcess): Promise<void>;
}

const http = (s: SandboxProcess) => request(s.url);
const asTestOrder = (o: OrderRef): TestOrder => ({ status: 'awaiting_payment', provider: '', payment_link: null, ...o });

async function control(s: SandboxProcess, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: object): Promise<void> {
  const r = await call(s.url, method, path, { body, headers: { 'x-api-key': SANDBOX_API_KEY } });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
}

const sumApplied = (list: Array<{ applied: number }>) => list.reduce((n, f) => n + f.applied, 0);

/** The modes every sandbox has (5xx, 429, a cut connection, a hang before or after the work, a late answer). */
function commonModes(statusKey = 'status'): FaultMode[] {
  return [
    { name: 'error-500', fault: { mode: 'error', [statusKey]: 500 } },
    { name: 'error-503', fault: { mode: 'error', [statusKey]: 503 } },
    { name: 'drop', fault: { mode: 'drop' } },
    { name: 'timeout', fault: { mode: 'timeout', hang_ms: 20_000 } },
    { name: 'timeout-after-work', fault: { mode: 'timeout_after_work', hang_ms: 20_000 } },
    // Longer than the service's gateway timeout: the invoice is made after the service gave up.
    { name: 'delay', fault: { mode: 'delay', delay_ms: 2500 } },
  ];
}

// ------------------------------------------------------------------------------------ EccaEx

const ECCAEX_OUTCOMES = ['success', 'success', 'success', 'success-adjusted', 'fail', 'fail', 'expire', 'cancel', 'cancel', 'success'];

const eccaex: FaultGateway = {
  name: 'eccaex',
  driver: eccaexDriver,
  killCallbacks: Number(process.env.FAULTS_KILL_CALLBACKS_ECCAEX ?? 1000),
  serviceEnv: (s) => ({ ECCAEX_MODE: 'sandbox', ECCAEX_BASE_URL: s.api, ECCAEX_API_KEY: SANDBOX_API_KEY }),
  timeoutSetting: 'ECCAEX_TIMEOUT_MS',
  orderBody: (i, external_id, customer_id) => ({ amount: `${100 + (i % 900)}.00`, currency: 'UAH', customer_id, external_id }),
  prepare: (s) => control(s, 'PUT', '/sandbox/eccaex/_control/webhooks', { enabled: false }),
  ready: async () => undefined,
  outcome: (i) => ECCAEX_OUTCOMES[i % ECCAEX_OUTCOMES.length]!,
  settle: (s, o, outcome, i) =>
    outcome === 'success-adjusted' ? simulate(s, o.gateway_invoice_id, 'success', `${100 + (i % 900) + 7}.50`) : simulate(s, o.gateway_invoice_id, outcome),
  callback(o, outcome, key) {
    // The event id is the delivery key, so a delivery is found in the inbox under the key it was sent with.
    const raw = callbackRaw(o, outcome.replace('-adjusted', ''), key);
    return { method: 'POST', path: '/v1/webhooks/eccaex', body: raw, headers: () => signedHeaders(raw, { key }), inboxKey: key };
  },
  async invoices(s, externalIds) {
    const rows = await query<{ id: string; external_id: string; status: string }>(
      s.db!.url!,
      `SELECT id::text AS id, external_id, status FROM sandbox_invoices WHERE external_id = ANY($1) ORDER BY created_at`,
      [externalIds],
    );
    return byExternalId(rows);
  },
  orderStatusFor: (st) => ORDER_STATUS_FOR[st],
  faultsPath: '/sandbox/eccaex/_control/faults',
  createEndpoint: 'create-invoice',
  readEndpoint: 'get-invoice',
  createMetric: 'createInvoice',
  faultModes: [
    { name: 'error-500', fault: { mode: 'error', status: 500 } },
    { name: 'error-503', fault: { mode: 'error', status: 503 } },
    { name: 'error-429', fault: { mode: 'error', status: 429, retry_after_sec: 1 } },
    ...commonModes().slice(2),
  ],
  async faultsApplied(s) {
    return sumApplied((await call(s.url, 'GET', '/sandbox/eccaex/_control/faults')).body.data);
  },
  async secondCreates(s, externalIds) {
    // Seen at the gateway: a create that arrived when the external_id already had an invoice (a
    // late first create landing after its retry made the invoice is not one), or two that made one.
    const creates = await gatewayCreatesByRef(s);
    return externalIds.flatMap((id) => [
      ...secondCreates(creates.get(id) ?? []).map((c) => `${id}: ${c.outcome} ${c.status ?? '-'} ${c.code ?? ''}`),
      ...((creates.get(id) ?? []).filter((c) => c.invoice_id).length > 1 ? [`${id}: two creates made an invoice`] : []),
    ]);
  },
  clearRequests: (s) => control(s, 'DELETE', '/sandbox/eccaex/_control/requests'),
};

function byExternalId(rows: Array<{ id: string; external_id: string; status: string }>): Map<string, GatewayInvoice[]> {
  const out = new Map<string, GatewayInvoice[]>();
  for (const r of rows) out.set(r.external_id, [...(out.get(r.external_id) ?? []), { id: r.id, status: r.status }]);
  return out;
}

/** The driver's outcomes in a fixed mix (success most often), for kill-restart. */
function mix(outcomes: readonly Outcome[]): (i: number) => string {
  const weighted = outcomes.flatMap((o) => (o === 'success' ? [o, o, o] : [o]));
  return (i) => weighted[i % weighted.length]!;
}

/** The driver's callback, sent again unchanged on every attempt. */
function driverCallback(cb: DeliverableCallback, inboxKey: string): FaultCallback {
  return { method: cb.method, path: cb.path, body: cb.body, headers: () => cb.headers, inboxKey };
}

const otherCallbacks = Number(process.env.FAULTS_KILL_CALLBACKS_OTHER ?? 300);

// ----------------------------------------------------------------------------- CryptoSteroid

const CS_ORDER_STATUS: Record<string, string> = { NEW: 'awaiting_payment', PAID: 'paid', EXPIRED: 'expired', CANCELLED: 'canceled' };

const cryptosteroid: FaultGateway = {
  name: 'cryptosteroid',
  driver: cryptosteroidDriver,
  killCallbacks: otherCallbacks,
  serviceEnv: (s) => ({
    CRYPTOSTEROID_MODE: 'sandbox',
    CRYPTOSTEROID_BASE_URL: `${s.url}/sandbox/cryptosteroid`,
    CRYPTOSTEROID_MERCHANT_ID: CS_MERCHANT_ID,
    CRYPTOSTEROID_API_KEY: CS_API_KEY,
  }),
  timeoutSetting: 'CRYPTOSTEROID_TIMEOUT_MS',
  orderBody: (i, external_id, customer_id) => cryptosteroidDriver.orderBody({ amount: `${10 + (i % 90)}.00`, customer_id, external_id, provider: 'cryptosteroid' }),
  async prepare(s) {
    await cryptosteroidDriver.muteCallbacks(http(s), true);
    // The emulator refuses a merchant's 101st unpaid invoice (the provider's limit): a run makes hundreds.
    await control(s, 'PUT', '/sandbox/cryptosteroid/_control/settings', { max_unpaid_new: 1_000_000 });
  },
  ready: (s, o) => cryptosteroidDriver.ready!(http(s), asTestOrder(o)),
  outcome: mix(cryptosteroidDriver.outcomes!),
  settle: (s, o, outcome) => cryptosteroidDriver.settle(http(s), asTestOrder(o), outcome as Outcome),
  callback(o, outcome) {
    // One notice of the invoice as of now; the service keys it by invoiceId:status:updatedAt.
    const cb = cryptosteroidDriver.callback(asTestOrder(o), outcome as Outcome);
    const b = JSON.parse(cb.body) as { invoiceId: string; status: string; updatedAt: number };
    return driverCallback(cb, `${b.invoiceId}:${b.status}:${b.updatedAt}`);
  },
  async invoices(s, externalIds) {
    const rows = await query<{ id: string; external_id: string; status: string }>(
      s.db!.url!,
      `SELECT id::text AS id, external_id, status FROM sandbox_cs_invoices WHERE merchant_id = $2 AND external_id = ANY($1) ORDER BY created_at, id`,
      [externalIds, CS_MERCHANT_ID],
    );
    return byExternalId(rows);
  },
  orderStatusFor: (st) => CS_ORDER_STATUS[st],
  faultsPath: '/sandbox/cryptosteroid/_control/faults',
  createEndpoint: 'create-invoice',
  readEndpoint: 'get-invoice',
  createMetric: 'create-invoice',
  unclearCreateStaysPending: true,
  faultModes: [...commonModes().slice(0, 2), { name: 'error-429', fault: { mode: 'error', status: 429 } }, ...commonModes().slice(2)],
  async faultsApplied(s) {
    return sumApplied((await call(s.url, 'GET', '/sandbox/cryptosteroid/_control/faults')).body.data);
  },
  /**
   * The provider makes a second invoice for a second create (nothing in its API refuses one), so
   * a create sent after the first made its invoice shows as a second invoice, counted by the
   * suite from the gateway's invoices; here: creates the sandbox answered (or made) after one made an invoice.
   */
  async secondCreates(s, externalIds) {
    // Creates recorded after the one that made the order's invoice (in the order the sandbox recorded them).
    const rows = await query<{ external_id: string; n: number }>(
      s.db!.url!,
      `SELECT r.external_id, count(*)::int AS n FROM sandbox_cs_requests r
        WHERE r.endpoint = 'create-invoice' AND r.external_id = ANY($1)
          AND r.id > (SELECT min(m.id) FROM sandbox_cs_requests m WHERE m.endpoint = 'create-invoice' AND m.external_id = r.external_id AND m.invoice_id IS NOT NULL)
        GROUP BY 1`,
      [externalIds],
    );
    return rows.map((r) => `${r.external_id}: ${r.n} create(s) after the one that made its invoice`);
  },
  clearRequests: (s) => control(s, 'DELETE', '/sandbox/cryptosteroid/_control/requests'),
};

// ----------------------------------------------------------------------------------- SmartWM

const SWM_ORDER_STATUS: Record<string, string> = { NEW: 'awaiting_payment', PAYIN: 'awaiting_payment', PAYED: 'paid', PAYED_RECALC: 'paid', FAILED: 'failed', CANCELED: 'canceled' };

const smartwm: FaultGateway = {
  name: 'smartwm',
  driver: smartwmDriver,
  killCallbacks: otherCallbacks,
  serviceEnv: (s) => ({ SMARTWM_MODE: 'sandbox', SMARTWM_BASE_URL: `${s.url}/sandbox/smartwm`, SMARTWM_CLIENT_ID: SWM_CLIENT_ID, SMARTWM_SECRET: SWM_SECRET }),
  timeoutSetting: 'SMARTWM_TIMEOUT_MS',
  // 1000 and 2000 are the platform's test amounts (always paid, always failed): never one of them.
  orderBody: (i, external_id, customer_id) => smartwmDriver.orderBody({ amount: `${100 + (i % 800)}.00`, customer_id, external_id, provider: 'smartwm' }),
  prepare: (s) => smartwmDriver.muteCallbacks(http(s), true),
  ready: (s, o) => smartwmDriver.ready!(http(s), asTestOrder(o)),
  // SmartWM has no expiry of its own (expire is a CANCELED invoice, as cancel).
  outcome: mix(['success', 'fail', 'cancel']),
  settle: (s, o, outcome) => smartwmDriver.settle(http(s), asTestOrder(o), outcome as Outcome),
  callback(o, outcome) {
    // The ping is keyed by the order, its status when it is stored (awaiting_payment: nothing else moves these
    // orders) and how many of its pings were read before (none: one ping per order).
    return driverCallback(smartwmDriver.callback(asTestOrder(o), outcome as Outcome), `ping:${o.id}:awaiting_payment:0`);
  },
  async invoices(s, externalIds) {
    const rows = await query<{ id: string; external_id: string; status: string }>(
      s.db!.url!,
      `SELECT tracking AS id, payment_id AS external_id, status FROM sandbox_swm_invoices WHERE client_id = $2 AND payment_id = ANY($1) ORDER BY created_at`,
      [externalIds, SWM_CLIENT_ID],
    );
    return byExternalId(rows);
  },
  orderStatusFor: (st) => SWM_ORDER_STATUS[st],
  faultsPath: '/sandbox/smartwm/_control/faults',
  createEndpoint: 'create',
  readEndpoint: 'status',
  createMetric: null,
  faultModes: [
    ...commonModes().slice(0, 2),
    { name: 'error-429', fault: { mode: 'error', status: 429, retry_after_sec: 1 } },
    ...commonModes().slice(2),
    // The answer does not verify although the work was done (a tampered or unsigned response).
    { name: 'bad-signature', fault: { mode: 'bad_signature', tamper: 'signature' } },
  ],
  async faultsApplied(s) {
    return sumApplied((await call(s.url, 'GET', '/sandbox/smartwm/_control/faults')).body.faults);
  },
  /**
   * The platform refuses a second create of a payment_id ("Transaction already exists"; the
   * adapter then reads the status), so a second invoice cannot happen there: nothing to count
   * beyond the suite's one-invoice-per-order check.
   */
  secondCreates: async () => [],
  clearRequests: (s) => control(s, 'DELETE', '/sandbox/smartwm/_control/requests'),
};

export const FAULT_GATEWAYS: readonly FaultGateway[] = [eccaex, cryptosteroid, smartwm];

/** FAULTS_GATEWAYS (comma list, default all): the gateways a fault run covers. */
export function faultGateways(): FaultGateway[] {
  const wanted = (process.env.FAULTS_GATEWAYS ?? FAULT_GATEWAYS.map((g) => g.name).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !FAULT_GATEWAYS.some((g) => g.name === w));
  if (unknown.length) throw new Error(`FAULTS_GATEWAYS names no such gateway: ${unknown.join(', ')} (known: ${FAULT_GATEWAYS.map((g) => g.name).join(', ')})`);
  return FAULT_GATEWAYS.filter((g) => wanted.includes(g.name));
}
