/**
 * The port every payment gateway implements, both halves (issue 14): the invoice half (create,
 * read, cancel where the gateway can, capabilities) and the callback half (route, URL, how a
 * request is trusted and read). Types are gateway-neutral; each gateway's own figures travel in
 * `GatewayPayment.details`. Orders, callbacks, reconciliation, metrics and withdrawals speak only
 * this language and find a gateway through the GatewayRegistry (PAYMENT_GATEWAYS).
 */
/** Normalised invoice status; `unknown` = unrecognised, treated as non-terminal. */
export type GatewayInvoiceStatus = 'pending' | 'success' | 'fail' | 'expired' | 'canceled' | 'unknown';

/** A decimal string with its unit: an ISO currency ('UAH') or a coin/asset code ('USDT_TRC20', 'BTC'). */
export interface Money { amount: string; unit: string }

/**
 * What the customer paid and what it came to, as the gateway confirms it. Neutral figures drive
 * the domain's exception rules; `details` carries the gateway's own figures (typed by the gateway,
 * shown inside the Order's `payment`, never renaming the contract's keys).
 */
export interface GatewayPayment<D extends PaymentDetails = PaymentDetails> {
  method_code: string | null;
  /** What the customer was asked to pay, and what arrived, in ONE unit (coin for crypto, fiat otherwise); null = gateway doesn't say. */
  expected: Money | null;
  received: Money | null;
  /** What the merchant is credited after fees, and the fee (any unit). */
  credited: Money | null;
  fee: Money | null;
  /** The gateway itself says the amounts changed after the fact (an `is_adjusted` flag, SmartWM is_recalc / PAYED_RECALC). */
  adjusted: boolean;
  /** The gateway's own figures, merged into the Order's `payment` object (e.g. amount_fiat, conversion_rate, merchant_usdt, a coin amount, a fee). */
  details: D;
}
/** Flat, JSON-safe: money as decimal strings. */
export type PaymentDetails = Record<string, string | boolean | null | string[]>;

export interface GatewayInvoice {
  invoiceId: string;
  /** Our reference as the gateway echoes it (external_id / externalId / payment_id); null if it echoes none. */
  externalId: string | null;
  status: GatewayInvoiceStatus;
  rawStatus: string;
  /** The invoice's requested amount and currency in the order's terms (ownership check: must equal the order's). */
  amount: string;
  currency: string;
  paymentLink: string | null;
  expiresAt: string | null;
  finishedAt: string | null;
  payment: GatewayPayment | null;
}

export interface CreateInvoiceInput {
  orderId: string;
  amount: string;
  currency: string;
  customerId: string;
  externalId: string;
  description: string | null;
  callbackUrl: string;              // from the gateway's own callbacks.callbackUrl(...)
  /** The fresh per-order callback credential (plaintext; only its hash is stored), for gateways with perOrderCredential. */
  callbackCredential: string | null;
  successUrl: string | null;
  failUrl: string | null;
  paymentMethod: string | null;
}

/** How we name an invoice to the gateway: its id when we have it, else our external id. */
export interface InvoiceRef { invoiceId: string | null; externalId: string; orderId: string }

export interface GatewayCapabilities {
  cancel: boolean;            // cancelInvoice exists
  webhookHistory: boolean;    // webhookHistory + resendWebhook exist
  withdrawals: boolean;       // withdrawals source exists
  catalogue: boolean;         // listCurrencies / listPaymentMethods answer from the gateway
  paymentMethodRequired: boolean;
}

/** Field errors (docs/api.md section 3.1: 400 VALIDATION_FAILED naming the field), or null when the order can go. */
export type OrderCheck = Record<string, string[]> | null;

// ---- the callback half

export interface CallbackRequest {
  method: string;
  rawBody: Buffer;                                  // exact bytes, whatever the content type
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;                   // path params of the gateway's route (e.g. order_id)
  query: Record<string, string | string[] | undefined>;
  ip: string;                                       // as Fastify's trustProxy (TRUST_PROXY) sees it
}

export type CallbackCheck = { ok: true } | { ok: false; code: 'INVALID_SIGNATURE' | 'INVALID_TOKEN'; reason: string };

export interface ParsedCallback {
  /** How to find the order: any of these (the core tries order id, then (provider, invoice id), then external id). */
  orderId: string | null;
  invoiceId: string | null;
  externalId: string | null;
  /** Duplicate key from what is trusted (signed body's event_id, a hash of the signed bytes, invoiceId:status); never an unsigned header alone. */
  dedupeKey: string;
  /** Headers worth keeping with the stored callback (never a secret/credential). */
  keptHeaders: Record<string, string>;
  /** The status the body claims, for ops outcome text only (never trusted). */
  claimedStatus: string | null;
}

export interface GatewayCallbacks {
  /** The route under /v1/webhooks/: e.g. { path: 'cryptosteroid', methods: ['POST'] }, { path: 'smartwm/:order_id', methods: 'any' }. */
  readonly route: { path: string; methods: string[] | 'any' };
  /** True when each order gets a fresh random credential at invoice creation (stored only as a hash). */
  readonly perOrderCredential: boolean;
  /** The URL the gateway is given for this order (may embed order id / credential, e.g. SmartWM). */
  callbackUrl(base: string, order: { id: string; external_id: string }, credential: string | null): string;
  /** Checks before anything is looked up or stored: an HMAC over the raw bytes, a source IP allow-list (CryptoSteroid). */
  authenticate(req: CallbackRequest, nowMs: number): CallbackCheck;
  /** After authenticate: the order reference and the duplicate key; a string = malformed (400 MALFORMED_PAYLOAD, reason). */
  parse(req: CallbackRequest): ParsedCallback | string;
  /** For perOrderCredential gateways: the credential the request presents (Token header, ?token=), null if absent. */
  presentedCredential?(req: CallbackRequest): string | null;
  /** Optional: dedupe key that depends on the order (e.g. SmartWM ping: `ping:<order_id>:<status>`). */
  dedupeKeyFor?(parsed: ParsedCallback, order: { id: string; status: string }): string;
  /** Added: told of every request authenticate refused (logs, a capture of rejected callbacks for signature discovery); must not throw. */
  rejected?(req: CallbackRequest, check: Exclude<CallbackCheck, { ok: true }>): void;
}

// ---- the invoice half: what every gateway adapter implements

export interface GatewayCurrency { currency: string; decimal: number; symbol: string | null; name: string | null; rate: string | null }

export interface GatewayPaymentMethod {
  name: string;
  method_code: string;
  min_sum: string | null;
  max_sum: string | null;
  logo_url: string | null;
  payment_time: number | null;
  currency: { code: string; name: string | null; symbol: string | null } | null;
  max_commission: string | null;
  client_commission: string | null;
  merchant_commission: string | null;
}

/**
 * A page the service itself serves to the customer when the gateway hands back a form rather than
 * a link (SmartWM `pay_form`): the order's `payment_link` then points at `/pay/{order_id}`.
 */
export type CustomerPaymentPage = { kind: 'redirect'; url: string } | { kind: 'form'; action: string; method: 'GET' | 'POST'; fields: Record<string, string> }

export interface PaymentGateway {
  /** The provider value of the API (e.g. `cryptosteroid`, `smartwm`). */
  readonly name: string;
  readonly capabilities: GatewayCapabilities;
  readonly callbacks: GatewayCallbacks;
  /** The deadline of one gateway call, ms; callers derive their own timeouts from it. */
  readonly timeoutMs: number;
  /** Before anything is sent or stored: currency, method, amount limits (400 VALIDATION_FAILED). */
  checkOrder(input: { amount: string; currency: string; paymentMethod: string | null }): OrderCheck;
  /** Not idempotent at every gateway: the core calls it once, and after an unclear answer reads by ref. */
  createInvoice(input: CreateInvoiceInput): Promise<GatewayInvoice>;
  /** null when the gateway has no such invoice. */
  getInvoice(ref: InvoiceRef): Promise<GatewayInvoice | null>;
  /** capabilities.cancel only. Throws GatewayError when refused or unclear. */
  cancelInvoice?(ref: InvoiceRef): Promise<void>;
  /** capabilities.catalogue only. */
  listCurrencies?(): Promise<GatewayCurrency[]>;
  listPaymentMethods?(currency?: string): Promise<GatewayPaymentMethod[]>;
}

// ---- additions to the agreed design (nothing above changed)

/** The Nest token of every registered gateway adapter (a list; see gateways.registry.ts). */
export const PAYMENT_GATEWAYS = Symbol('PAYMENT_GATEWAYS');

/** One HTTP attempt at a gateway, for metrics: `outcome` is 'ok' or a GatewayErrorKind. */
export interface GatewayCallEvent {
  endpoint: string;
  outcome: string;
  durationMs: number;
  httpStatus?: number;
  attempt?: number;
}

/**
 * A merchant withdrawal as the gateway lists it, in the withdrawal mirror's terms (money as
 * decimal strings; the whole object is kept as `raw`). Read leniently by the mirror.
 */
export interface GatewayWithdrawal {
  withdraw_uuid: string;
  status: string;
  amount: string;
  withdrawal_method_id?: number | string | null;
  address?: string | null;
  address_memo?: string | null;
  network_fee?: string | null;
  amount_to_receive?: string | null;
  substatus?: string | null;
  external_tx_id?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
  processed_at?: string | null;
}

/** One page of the merchant's withdrawals, oldest first. */
export interface GatewayWithdrawalPage {
  items: GatewayWithdrawal[];
  totalPages: number;
}

/**
 * Optional members of an adapter, by capability. They live on PaymentGateway as optional methods
 * (declared here so the agreed interface above stays as it was).
 */
export interface PaymentGateway {
  /** Per-gateway mode (live / sandbox / off); the registry holds only gateways that are on. */
  readonly mode?: 'live' | 'sandbox' | 'off';
  /** capabilities.webhookHistory only: the gateway's delivery history of the invoice's callbacks, as the gateway gives it. */
  webhookHistory?(ref: InvoiceRef): Promise<Record<string, unknown>>;
  /** capabilities.webhookHistory only: ask the gateway to deliver its latest callback again. */
  resendWebhook?(ref: InvoiceRef): Promise<Record<string, unknown>>;
  /** capabilities.withdrawals only: one page of the merchant's withdrawals (a 429 throws GatewayError rate_limited). */
  listWithdrawals?(page: number, perPage: number): Promise<GatewayWithdrawalPage>;
  /** Metrics observer: called once per HTTP attempt (set by the metrics binder). */
  onCall?: (e: GatewayCallEvent) => void;
}
